#include "notify/webhook_notifier.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>

namespace ballast::notify {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// An HttpPoster that answers from a script (200 once the script runs out), records every call,
// and can be made to hang until released.
class ScriptedPoster final : public HttpPoster {
 public:
  struct Call {
    std::string url;
    std::string body;
    HttpHeaders headers;
    std::chrono::milliseconds timeout;
    Clock::time_point at;
  };

  explicit ScriptedPoster(std::deque<Result<HttpAnswer>> script = {})
      : script_(std::move(script)) {}

  Result<HttpAnswer> Post(const std::string& url, const std::string& body,
                          const HttpHeaders& headers, std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mu_);
    calls_.push_back({url, body, headers, timeout, Clock::now()});
    cv_.notify_all();
    cv_.wait(lock, [&] { return !held_; });
    if (script_.empty()) return HttpAnswer{200, "", ""};
    Result<HttpAnswer> r = script_.front();
    script_.pop_front();
    return r;
  }

  void Hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  void Release() {
    std::lock_guard lock(mu_);
    held_ = false;
    cv_.notify_all();
  }
  void WaitForCalls(size_t n) {
    std::unique_lock lock(mu_);
    ASSERT_TRUE(cv_.wait_for(lock, 5s, [&] { return calls_.size() >= n; }))
        << "only " << calls_.size() << " of " << n << " calls";
  }
  std::vector<Call> Calls() {
    std::lock_guard lock(mu_);
    return {calls_.begin(), calls_.end()};
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Result<HttpAnswer>> script_;
  std::vector<Call> calls_;
  bool held_ = false;
};

// Lets a test keep its ScriptedPoster after the notifier that posts through it is destroyed.
class ForwardingPoster final : public HttpPoster {
 public:
  explicit ForwardingPoster(ScriptedPoster* to) : to_(to) {}
  Result<HttpAnswer> Post(const std::string& url, const std::string& body,
                          const HttpHeaders& headers, std::chrono::milliseconds timeout) override {
    return to_->Post(url, body, headers, timeout);
  }

 private:
  ScriptedPoster* to_;
};

HttpAnswer Answer(int status, std::string retry_after = "", std::string body = "") {
  return HttpAnswer{status, std::move(retry_after), std::move(body)};
}

Status Refused() { return Status::Unavailable("connection refused or host unreachable"); }

const Target kTarget{"oncall", "http://receiver.test:9000/hook/SECRET", Format::kAlertmanager};

Alert MakeAlert(std::string name, std::string status = "firing") {
  Alert a;
  a.status = std::move(status);
  a.labels = {{"alertname", std::move(name)}, {"slo", "chat-availability"}};
  a.starts_at = 1'700'000'000'000;
  return a;
}

WebhookOptions FastOptions() {
  WebhookOptions o;
  o.initial_backoff = 1ms;
  o.max_backoff = 10ms;
  o.attempt_timeout = 1000ms;
  o.max_attempts = 4;
  o.jitter_seed = 42;
  return o;
}

template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds within = 5000ms) {
  auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return pred();
}

std::string AlertNameOf(const std::string& body) {
  return nlohmann::json::parse(body)["alerts"][0]["labels"]["alertname"];
}

struct Fixture {
  explicit Fixture(std::deque<Result<HttpAnswer>> script, WebhookOptions options = FastOptions())
      : clock(1'800'000'000'000) {
    auto p = std::make_unique<ScriptedPoster>(std::move(script));
    poster = p.get();
    auto n = WebhookNotifier::Create(std::move(options), std::move(p), &clock);
    EXPECT_TRUE(n) << n.error().ToString();
    notifier = std::move(*n);
  }
  SimulatedClock clock;
  ScriptedPoster* poster;
  std::unique_ptr<WebhookNotifier> notifier;
};

TEST(WebhookNotifierTest, RetriesServerErrorsUntilDelivered) {
  Fixture f({Answer(500), Answer(502), Answer(200)});
  f.notifier->Notify(kTarget, {MakeAlert("A")});
  ASSERT_TRUE(Eventually([&] { return f.notifier->Stats().delivered == 1; }));
  DeliveryStats s = f.notifier->Stats();
  EXPECT_EQ(s.attempts, 3u);
  EXPECT_EQ(s.retries, 2u);
  EXPECT_EQ(s.dead_lettered, 0u);
  EXPECT_EQ(s.queue_depth, 0u);

  auto calls = f.poster->Calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].url, kTarget.url);
  EXPECT_EQ(calls[0].body, calls[2].body);  // the same payload each attempt
  EXPECT_EQ(calls[0].timeout, 1000ms);
  HttpHeaders expected = {{"Content-Type", "application/json"}, {"User-Agent", DefaultUserAgent()}};
  EXPECT_EQ(calls[0].headers, expected);
  EXPECT_TRUE(DefaultUserAgent().starts_with("ballast/")) << DefaultUserAgent();
  auto body = nlohmann::json::parse(calls[0].body);
  EXPECT_EQ(body["receiver"], "oncall");
  EXPECT_EQ(body["version"], "4");
}

TEST(WebhookNotifierTest, ClientErrorIsNotRetriedAndIsDeadLettered) {
  Fixture f({Answer(400, "", "invalid_payload")});
  f.notifier->Notify(kTarget, {MakeAlert("A")});
  ASSERT_TRUE(Eventually([&] { return f.notifier->Stats().dead_lettered == 1; }));
  std::this_thread::sleep_for(30ms);  // a retry, if any, would have happened by now
  EXPECT_EQ(f.notifier->Stats().attempts, 1u);
  EXPECT_EQ(f.notifier->Stats().retries, 0u);
  auto dead = f.notifier->DeadLetters();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].target_name, "oncall");
  EXPECT_EQ(dead[0].url, "http://receiver.test:9000/...");
  EXPECT_EQ(dead[0].error, "HTTP 400: invalid_payload");
  EXPECT_EQ(dead[0].attempts, 1);
  EXPECT_EQ(dead[0].failed_at, 1'800'000'000'000);
  ASSERT_EQ(dead[0].alerts.size(), 1u);
  EXPECT_EQ(dead[0].alerts[0].labels.at("alertname"), "A");
}

TEST(WebhookNotifierTest, TooManyRequestsHonoursRetryAfter) {
  WebhookOptions o = FastOptions();
  o.max_backoff = 5000ms;
  Fixture f({Answer(429, "1"), Answer(200)}, o);
  f.notifier->Notify(kTarget, {MakeAlert("A")});
  ASSERT_TRUE(Eventually([&] { return f.notifier->Stats().delivered == 1; }));
  auto calls = f.poster->Calls();
  ASSERT_EQ(calls.size(), 2u);
  auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(calls[1].at - calls[0].at);
  EXPECT_GE(gap, 990ms);  // the backoff alone would have been 1 ms
  EXPECT_LT(gap, 3000ms);
}

TEST(WebhookNotifierTest, RetryAfterIsCappedAtMaxBackoff) {
  WebhookOptions o = FastOptions();
  o.max_backoff = 50ms;
  Fixture f({Answer(503, "3600"), Answer(200)}, o);
  f.notifier->Notify(kTarget, {MakeAlert("A")});
  ASSERT_TRUE(Eventually([&] { return f.notifier->Stats().delivered == 1; }, 2000ms));
  auto calls = f.poster->Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_GE(calls[1].at - calls[0].at, 45ms);
}

TEST(WebhookNotifierTest, ConnectionRefusedIsRetriedThenDeadLettered) {
  Fixture f({Refused(), Refused(), Refused(), Refused(), Answer(200)});
  f.notifier->Notify(kTarget, {MakeAlert("A")});
  ASSERT_TRUE(Eventually([&] { return f.notifier->Stats().dead_lettered == 1; }));
  DeliveryStats s = f.notifier->Stats();
  EXPECT_EQ(s.attempts, 4u);  // max_attempts; the scripted 200 is never reached
  EXPECT_EQ(s.retries, 3u);
  EXPECT_EQ(s.delivered, 0u);
  auto dead = f.notifier->DeadLetters();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].attempts, 4);
  EXPECT_EQ(dead[0].error, "connection refused or host unreachable");
}

TEST(WebhookNotifierTest, NonRetryableTransportErrorIsNotRetried) {
  Fixture f({Status::FailedPrecondition("certificate could not be verified")});
  f.notifier->Notify(kTarget, {MakeAlert("A")});
  ASSERT_TRUE(Eventually([&] { return f.notifier->Stats().dead_lettered == 1; }));
  EXPECT_EQ(f.notifier->Stats().attempts, 1u);
}

TEST(WebhookNotifierTest, InvalidAlertIsDeadLetteredWithoutPosting) {
  Fixture f({});
  f.notifier->Notify(kTarget, {MakeAlert("A"), MakeAlert("B", "pending")});
  ASSERT_TRUE(Eventually([&] { return f.notifier->Stats().dead_lettered == 1; }));
  EXPECT_EQ(f.notifier->Stats().attempts, 0u);
  auto dead = f.notifier->DeadLetters();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].attempts, 0);
  EXPECT_NE(dead[0].error.find("alerts[1].status"), std::string::npos) << dead[0].error;
}

TEST(WebhookNotifierTest, DeadLetterListKeepsTheLatest) {
  WebhookOptions o = FastOptions();
  o.dead_letter_capacity = 2;
  Fixture f({Answer(404), Answer(404), Answer(404)}, o);
  for (const char* name : {"A", "B", "C"}) f.notifier->Notify(kTarget, {MakeAlert(name)});
  ASSERT_TRUE(Eventually([&] { return f.notifier->Stats().dead_lettered == 3; }));
  auto dead = f.notifier->DeadLetters();
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_EQ(dead[0].alerts[0].labels.at("alertname"), "B");
  EXPECT_EQ(dead[1].alerts[0].labels.at("alertname"), "C");
}

TEST(WebhookNotifierTest, EmptyGroupIsIgnored) {
  Fixture f({});
  f.notifier->Notify(kTarget, {});
  EXPECT_EQ(f.notifier->Shutdown(1000ms), 0u);
  EXPECT_EQ(f.notifier->Stats().attempts, 0u);
  EXPECT_EQ(f.notifier->Stats().dropped, 0u);
}

TEST(WebhookNotifierTest, QueueOverflowDropsTheOldest) {
  WebhookOptions o = FastOptions();
  o.queue_capacity = 2;
  Fixture f({}, o);
  f.poster->Hold();
  f.notifier->Notify(kTarget, {MakeAlert("in-flight")});
  f.poster->WaitForCalls(1);
  for (const char* name : {"A", "B", "C", "D"}) f.notifier->Notify(kTarget, {MakeAlert(name)});
  DeliveryStats s = f.notifier->Stats();
  EXPECT_EQ(s.dropped, 2u);
  EXPECT_EQ(s.queue_depth, 3u);  // two waiting, one in flight
  f.poster->Release();
  ASSERT_TRUE(Eventually([&] { return f.notifier->Stats().delivered == 3; }));
  auto calls = f.poster->Calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(AlertNameOf(calls[0].body), "in-flight");
  EXPECT_EQ(AlertNameOf(calls[1].body), "C");
  EXPECT_EQ(AlertNameOf(calls[2].body), "D");
}

TEST(WebhookNotifierTest, NotifyNeverBlocksOnAHangingReceiver) {
  Fixture f({});
  f.poster->Hold();
  f.notifier->Notify(kTarget, {MakeAlert("first")});
  f.poster->WaitForCalls(1);
  auto start = Clock::now();
  for (int i = 0; i < 500; ++i) f.notifier->Notify(kTarget, {MakeAlert("more")});
  auto took = Clock::now() - start;
  EXPECT_LT(took, 200ms);
  EXPECT_EQ(f.notifier->Stats().queue_depth, 501u);
  f.poster->Release();
  ASSERT_TRUE(Eventually([&] { return f.notifier->Stats().delivered == 501; }));
}

TEST(WebhookNotifierTest, OneTargetBackingOffDoesNotHoldUpAnother) {
  WebhookOptions o = FastOptions();
  o.initial_backoff = 300ms;
  o.max_backoff = 300ms;
  Fixture f({Answer(500)}, o);
  Target other{"slack", "https://hooks.slack.test/services/x", Format::kSlack};
  f.notifier->Notify(kTarget, {MakeAlert("A1")});
  f.poster->WaitForCalls(1);
  f.notifier->Notify(kTarget, {MakeAlert("A2")});
  f.notifier->Notify(other, {MakeAlert("B")});
  ASSERT_TRUE(Eventually([&] { return f.notifier->Stats().delivered == 3; }));
  auto calls = f.poster->Calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[1].url, other.url);  // B went while A1 was backing off
  EXPECT_TRUE(nlohmann::json::parse(calls[1].body).contains("attachments"));
  EXPECT_EQ(AlertNameOf(calls[2].body), "A1");  // A2 waited for A1: order kept per target
  EXPECT_EQ(AlertNameOf(calls[3].body), "A2");
}

TEST(WebhookNotifierTest, ShutdownFlushesPendingDeliveries) {
  Fixture f({Answer(503)});
  f.poster->Hold();
  for (const char* name : {"A", "B", "C"}) f.notifier->Notify(kTarget, {MakeAlert(name)});
  f.poster->WaitForCalls(1);
  std::thread releaser([&] {
    std::this_thread::sleep_for(20ms);
    f.poster->Release();
  });
  EXPECT_EQ(f.notifier->Shutdown(5000ms), 0u);
  releaser.join();
  DeliveryStats s = f.notifier->Stats();
  EXPECT_EQ(s.delivered, 3u);
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_EQ(s.queue_depth, 0u);
  // Stopped: new work is refused and counted.
  f.notifier->Notify(kTarget, {MakeAlert("late")});
  EXPECT_EQ(f.notifier->Stats().dropped, 1u);
  EXPECT_EQ(f.poster->Calls().size(), 4u);
}

TEST(WebhookNotifierTest, ShutdownDoesNotWaitForARetryPastTheDeadline) {
  WebhookOptions o = FastOptions();
  o.initial_backoff = 10000ms;
  o.max_backoff = 10000ms;
  Fixture f({Answer(500)}, o);
  f.notifier->Notify(kTarget, {MakeAlert("A")});
  f.poster->WaitForCalls(1);
  ASSERT_TRUE(Eventually([&] { return f.notifier->Stats().retries == 1; }));
  auto start = Clock::now();
  EXPECT_EQ(f.notifier->Shutdown(200ms), 1u);
  EXPECT_LT(Clock::now() - start, 150ms);
  EXPECT_EQ(f.notifier->Stats().dropped, 1u);
  EXPECT_EQ(f.notifier->Stats().queue_depth, 0u);
  EXPECT_EQ(f.notifier->Shutdown(200ms), 1u);  // idempotent
}

TEST(WebhookNotifierTest, ShutdownShortensTheAttemptTimeoutToTheDeadline) {
  WebhookOptions o = FastOptions();
  o.attempt_timeout = 10000ms;
  Fixture f({}, o);
  f.poster->Hold();
  f.notifier->Notify(kTarget, {MakeAlert("A")});
  f.poster->WaitForCalls(1);
  f.notifier->Notify(kTarget, {MakeAlert("B")});
  size_t left = 99;
  std::thread stopper([&] { left = f.notifier->Shutdown(1000ms); });
  std::this_thread::sleep_for(50ms);  // Shutdown has begun; A is still in flight
  f.poster->Release();
  stopper.join();
  EXPECT_EQ(left, 0u);
  auto calls = f.poster->Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].timeout, 10000ms);
  EXPECT_LE(calls[1].timeout, 1000ms);
  EXPECT_GE(calls[1].timeout, 1ms);
}

TEST(WebhookNotifierTest, DestructorStopsWithAHangingDeliveryReleased) {
  ScriptedPoster poster;
  auto n = WebhookNotifier::Create(FastOptions(), std::make_unique<ForwardingPoster>(&poster));
  ASSERT_TRUE(n);
  poster.Hold();
  (*n)->Notify(kTarget, {MakeAlert("A")});
  (*n)->Notify(kTarget, {MakeAlert("B")});
  poster.WaitForCalls(1);
  std::thread releaser([&] {
    std::this_thread::sleep_for(20ms);
    poster.Release();
  });
  n->reset();  // drops B, waits for A's attempt
  releaser.join();
  EXPECT_EQ(poster.Calls().size(), 1u);
}

TEST(WebhookOptionsTest, RejectsImpossibleValuesNamingTheOption) {
  auto check = [](auto mutate, const char* field) {
    WebhookOptions o;
    mutate(o);
    auto n = WebhookNotifier::Create(o, std::make_unique<ScriptedPoster>());
    ASSERT_FALSE(n) << field;
    EXPECT_EQ(n.error().field(), field);
  };
  check([](WebhookOptions& o) { o.queue_capacity = 0; }, "queue_capacity");
  check([](WebhookOptions& o) { o.max_attempts = 0; }, "max_attempts");
  check([](WebhookOptions& o) { o.initial_backoff = 0ms; }, "initial_backoff");
  check([](WebhookOptions& o) { o.max_backoff = 10ms; }, "max_backoff");
  check([](WebhookOptions& o) { o.attempt_timeout = 0ms; }, "attempt_timeout");
  EXPECT_TRUE(ValidateWebhookOptions(WebhookOptions{}).ok());
}

TEST(BackoffTest, DoublesFromInitialUpToTheCapWithJitter) {
  WebhookOptions o;  // 1 s initial, 60 s cap
  EXPECT_EQ(BackoffDelay(o, 1, 0.0), 500ms);
  EXPECT_EQ(BackoffDelay(o, 1, 0.999999), 999ms);
  EXPECT_EQ(BackoffDelay(o, 2, 0.0), 1000ms);
  EXPECT_EQ(BackoffDelay(o, 3, 0.5), 3000ms);
  EXPECT_EQ(BackoffDelay(o, 7, 1.0), 60000ms);  // 64 s capped at 60 s
  EXPECT_EQ(BackoffDelay(o, 1000, 0.0), 30000ms);
  for (int attempt = 1; attempt < 10; ++attempt) {
    EXPECT_LE(BackoffDelay(o, attempt, 0.99), BackoffDelay(o, attempt + 1, 0.99));
  }
  o.initial_backoff = 1ms;
  EXPECT_EQ(BackoffDelay(o, 1, 0.0), 1ms);  // never zero
}

TEST(RetryAfterTest, OnlyDelaySeconds) {
  EXPECT_EQ(ParseRetryAfter("120"), 120s);
  EXPECT_EQ(ParseRetryAfter(" 0 "), 0s);
  EXPECT_EQ(ParseRetryAfter(""), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-5"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("1.5"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("99999999999999999999"), std::nullopt);
}

}  // namespace
}  // namespace ballast::notify
