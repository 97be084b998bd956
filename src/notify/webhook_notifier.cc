#include "notify/webhook_notifier.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <unordered_set>

#include "notify/payload.h"

#ifndef BALLAST_VERSION
#define BALLAST_VERSION "dev"
#endif

namespace ballast::notify {

namespace {

using std::chrono::milliseconds;

enum class Verdict { kDelivered, kRetry, kFail };

bool IsPowerOfTwo(uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

}  // namespace

struct WebhookNotifier::Outcome {
  Verdict verdict = Verdict::kFail;
  std::string error;
  std::optional<milliseconds> retry_after;
};

Status ValidateWebhookOptions(const WebhookOptions& o) {
  if (o.queue_capacity < 1) {
    return Status::InvalidArgument("must be at least 1", "queue_capacity");
  }
  if (o.max_attempts < 1) return Status::InvalidArgument("must be at least 1", "max_attempts");
  if (o.initial_backoff <= milliseconds(0)) {
    return Status::InvalidArgument("must be positive", "initial_backoff");
  }
  if (o.max_backoff < o.initial_backoff) {
    return Status::InvalidArgument("must not be shorter than initial_backoff", "max_backoff");
  }
  if (o.attempt_timeout <= milliseconds(0)) {
    return Status::InvalidArgument("must be positive", "attempt_timeout");
  }
  return Status::Ok();
}

std::string DefaultUserAgent() { return "ballast/" BALLAST_VERSION; }

milliseconds BackoffDelay(const WebhookOptions& options, int failed_attempts, double unit_random) {
  int64_t cap = options.max_backoff.count();
  int64_t base = options.initial_backoff.count();
  // Doubling stops at the cap, so large attempt counts cannot overflow.
  for (int i = 1; i < failed_attempts && base < cap; ++i) base *= 2;
  base = std::min(base, cap);
  double u = std::clamp(unit_random, 0.0, 1.0);
  int64_t jittered = base / 2 + static_cast<int64_t>(static_cast<double>(base - base / 2) * u);
  return milliseconds(std::max<int64_t>(jittered, 1));
}

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty() || value.size() > 9) return std::nullopt;
  int64_t seconds = 0;
  for (char c : value) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  return std::chrono::seconds(seconds);
}

Result<std::unique_ptr<WebhookNotifier>> WebhookNotifier::Create(WebhookOptions options,
                                                                 std::unique_ptr<HttpPoster> poster,
                                                                 const Clock* clock) {
  BALLAST_RETURN_IF_ERROR(ValidateWebhookOptions(options));
  if (!poster) poster = std::make_unique<HttplibPoster>();
  if (!clock) clock = &RealClock::Get();
  return std::unique_ptr<WebhookNotifier>(
      new WebhookNotifier(std::move(options), std::move(poster), clock));
}

WebhookNotifier::WebhookNotifier(WebhookOptions options, std::unique_ptr<HttpPoster> poster,
                                 const Clock* clock)
    : options_(std::move(options)),
      poster_(std::move(poster)),
      clock_(clock),
      user_agent_(options_.user_agent.empty() ? DefaultUserAgent() : options_.user_agent),
      rng_(options_.jitter_seed != 0 ? options_.jitter_seed : std::random_device{}()) {
  thread_ = std::thread([this] { Run(); });
}

WebhookNotifier::~WebhookNotifier() { Shutdown(milliseconds(0)); }

void WebhookNotifier::Notify(const Target& target, std::vector<Alert> alerts) {
  if (alerts.empty()) return;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      uint64_t n = dropped_.fetch_add(1, std::memory_order_relaxed) + 1;
      if (IsPowerOfTwo(n)) {
        spdlog::warn(
            "notification to target {} dropped: the notifier is shutting down "
            "({} dropped so far)",
            target.name, n);
      }
      return;
    }
    if (pending_.size() >= options_.queue_capacity) DropOldestLocked("queue full");
    Delivery d;
    d.target = target;
    d.alerts = std::move(alerts);
    d.due = std::chrono::steady_clock::now();
    pending_.emplace(next_seq_++, std::move(d));
    UpdateDepthLocked();
  }
  cv_.notify_one();
}

void WebhookNotifier::DropOldestLocked(std::string_view why) {
  auto oldest = pending_.begin();
  uint64_t n = dropped_.fetch_add(1, std::memory_order_relaxed) + 1;
  // Logged at 1, 2, 4, 8, ... drops: a flood must not turn into a flood of log lines.
  if (IsPowerOfTwo(n)) {
    spdlog::warn("notification to target {} dropped ({}; {} dropped so far)",
                 oldest->second.target.name, why, n);
  }
  pending_.erase(oldest);
}

void WebhookNotifier::UpdateDepthLocked() {
  queue_depth_.store(pending_.size() + (in_flight_ ? 1 : 0), std::memory_order_relaxed);
}

void WebhookNotifier::DeadLetterLocked(Delivery& d, std::string error) {
  dead_lettered_.fetch_add(1, std::memory_order_relaxed);
  spdlog::warn("notification to target {} ({}) dead-lettered after {} attempt(s): {}",
               d.target.name, RedactUrl(d.target.url), d.attempts, error);
  if (options_.dead_letter_capacity == 0) return;
  if (dead_letters_.size() >= options_.dead_letter_capacity) dead_letters_.pop_front();
  dead_letters_.push_back(DeadLetter{d.target.name, RedactUrl(d.target.url), d.target.format,
                                     std::move(error), d.attempts, clock_->NowMillis(),
                                     std::move(d.alerts)});
}

std::optional<uint64_t> WebhookNotifier::PickDueLocked(SteadyTime now, SteadyTime* earliest) const {
  *earliest = SteadyTime::max();
  std::unordered_set<std::string> seen;
  for (const auto& [seq, d] : pending_) {
    // Only a target's oldest pending delivery may go: its receiver sees them in order.
    if (!seen.insert(d.target.name + '\n' + d.target.url).second) continue;
    if (d.due <= now) return seq;
    *earliest = std::min(*earliest, d.due);
  }
  return std::nullopt;
}

WebhookNotifier::Outcome WebhookNotifier::Attempt(Delivery& d, std::optional<SteadyTime> deadline) {
  if (d.body.empty()) {
    for (size_t i = 0; i < d.alerts.size(); ++i) {
      if (Status st = ValidateAlert(d.alerts[i], i); !st.ok()) {
        return {Verdict::kFail, st.ToString(), std::nullopt};
      }
    }
    try {
      PayloadContext context{d.target.name, options_.external_url};
      context.max_alerts = options_.max_alerts_per_message;
      d.body = RenderPayload(d.target.format, d.alerts, context);
    } catch (const std::exception& e) {
      return {Verdict::kFail, fmt::format("cannot render the payload: {}", e.what()), std::nullopt};
    }
  }
  milliseconds timeout = options_.attempt_timeout;
  if (deadline) {
    auto left =
        std::chrono::duration_cast<milliseconds>(*deadline - std::chrono::steady_clock::now());
    timeout = std::clamp(left, milliseconds(1), timeout);
  }
  ++d.attempts;
  attempts_.fetch_add(1, std::memory_order_relaxed);
  HttpHeaders headers = {{"Content-Type", "application/json"}, {"User-Agent", user_agent_}};
  Result<HttpAnswer> answer = poster_->Post(d.target.url, d.body, headers, timeout);
  if (!answer) {
    Verdict v =
        answer.error().code() == StatusCode::kUnavailable ? Verdict::kRetry : Verdict::kFail;
    return {v, answer.error().message(), std::nullopt};
  }
  int status = answer->status;
  if (status >= 200 && status < 300) return {Verdict::kDelivered, "", std::nullopt};
  std::string error = fmt::format("HTTP {}", status);
  if (!answer->body.empty()) error += ": " + TruncateUtf8(answer->body, 200);
  if (status == 429 || status >= 500) {
    std::optional<milliseconds> retry_after;
    if (auto s = ParseRetryAfter(answer->retry_after)) {
      retry_after = std::min<milliseconds>(*s, options_.max_backoff);
    }
    return {Verdict::kRetry, std::move(error), retry_after};
  }
  return {Verdict::kFail, std::move(error), std::nullopt};
}

void WebhookNotifier::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    SteadyTime now = std::chrono::steady_clock::now();
    if (stopping_ && (pending_.empty() || now >= flush_deadline_)) break;
    SteadyTime earliest;
    std::optional<uint64_t> pick = PickDueLocked(now, &earliest);
    if (!pick) {
      if (stopping_) {
        // Nothing can be sent before the deadline: stop now rather than sleep through it.
        if (earliest >= flush_deadline_) break;
        cv_.wait_until(lock, earliest);
      } else if (earliest == SteadyTime::max()) {
        cv_.wait(lock);
      } else {
        cv_.wait_until(lock, earliest);
      }
      continue;
    }
    auto node = pending_.extract(*pick);
    in_flight_ = true;
    std::optional<SteadyTime> deadline;
    if (stopping_) deadline = flush_deadline_;
    lock.unlock();

    Delivery& d = node.mapped();
    Outcome outcome = Attempt(d, deadline);
    milliseconds delay(0);
    if (outcome.verdict == Verdict::kRetry && d.attempts < options_.max_attempts) {
      delay = outcome.retry_after
                  ? *outcome.retry_after
                  : BackoffDelay(options_, d.attempts,
                                 std::uniform_real_distribution<double>(0.0, 1.0)(rng_));
    }

    lock.lock();
    in_flight_ = false;
    switch (outcome.verdict) {
      case Verdict::kDelivered:
        delivered_.fetch_add(1, std::memory_order_relaxed);
        break;
      case Verdict::kFail:
        DeadLetterLocked(d, std::move(outcome.error));
        break;
      case Verdict::kRetry:
        if (d.attempts >= options_.max_attempts) {
          DeadLetterLocked(d, std::move(outcome.error));
          break;
        }
        d.due = std::chrono::steady_clock::now() + delay;
        if (stopping_ && d.due >= flush_deadline_) {
          ++abandoned_;
          dropped_.fetch_add(1, std::memory_order_relaxed);
          break;
        }
        retries_.fetch_add(1, std::memory_order_relaxed);
        spdlog::debug("notification to target {} failed (attempt {}): {}; retrying in {} ms",
                      d.target.name, d.attempts, outcome.error, delay.count());
        // Back in its place in arrival order; it competes for room like any other.
        if (pending_.size() >= options_.queue_capacity) DropOldestLocked("queue full");
        pending_.insert(std::move(node));
        break;
    }
    UpdateDepthLocked();
  }
  abandoned_ += pending_.size();
  dropped_.fetch_add(pending_.size(), std::memory_order_relaxed);
  if (!pending_.empty()) {
    spdlog::warn("notifier stopped with {} undelivered notification(s)", pending_.size());
  }
  pending_.clear();
  UpdateDepthLocked();
}

size_t WebhookNotifier::Shutdown(milliseconds flush_timeout) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      flush_deadline_ = std::chrono::steady_clock::now() + std::max(flush_timeout, milliseconds(0));
    }
  }
  cv_.notify_all();
  std::lock_guard join_lock(join_mu_);
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  return abandoned_;
}

DeliveryStats WebhookNotifier::Stats() const {
  DeliveryStats s;
  s.delivered = delivered_.load(std::memory_order_relaxed);
  s.attempts = attempts_.load(std::memory_order_relaxed);
  s.retries = retries_.load(std::memory_order_relaxed);
  s.dead_lettered = dead_lettered_.load(std::memory_order_relaxed);
  s.dropped = dropped_.load(std::memory_order_relaxed);
  s.queue_depth = queue_depth_.load(std::memory_order_relaxed);
  return s;
}

std::vector<DeadLetter> WebhookNotifier::DeadLetters() const {
  std::lock_guard lock(mu_);
  return {dead_letters_.begin(), dead_letters_.end()};
}

}  // namespace ballast::notify
