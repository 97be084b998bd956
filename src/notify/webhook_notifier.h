// WebhookNotifier: delivers alert groups to webhook targets in the background, with retries,
// exponential backoff and a dead-letter list, so that alert evaluation never waits on a slow or
// broken receiver.
//
//   BALLAST_ASSIGN_OR_RETURN(auto notifier, notify::WebhookNotifier::Create(options));
//   notifier->Notify(target, alerts);            // queued; returns at once
//   ...
//   notifier->Shutdown(std::chrono::seconds(5)); // flush what it can, then stop
//
// Delivery: one background thread takes queued deliveries in order, renders the payload for
// the target's format and POSTs it (Content-Type application/json, User-Agent ballast/<version>).
//   2xx                         delivered
//   5xx, 429, no answer at all  retried after a backoff: initial_backoff * 2^(n-1), capped at
//                               max_backoff, scaled by a random factor in [0.5, 1) (jitter);
//                               a Retry-After of N seconds replaces the backoff (capped too)
//   other statuses, bad URLs,   not retried
//   TLS verification failures
// After max_attempts attempts, or on a non-retryable failure, the delivery is dead-lettered:
// logged, counted and kept (the last dead_letter_capacity of them) for inspection.
// Deliveries to the same target stay in order: a later one waits while an earlier one is
// backing off, but other targets are not held up by it.
//
// The queue is bounded: when queue_capacity deliveries are pending (waiting or backing off),
// the oldest is dropped to make room, and counted. Notify after Shutdown drops and counts too.
//
// Thread safety: Notify, Stats, DeadLetters and Shutdown may be called from any thread. Stats are
// read from atomics and never wait on delivery.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "notify/http_poster.h"
#include "notify/notifier.h"

namespace ballast::notify {

struct WebhookOptions {
  // Pending deliveries kept at most (>= 1); the oldest is dropped when a new one arrives.
  size_t queue_capacity = 1000;
  // Attempts per delivery, the first included (>= 1).
  int max_attempts = 8;
  // Backoff before the first retry (> 0); doubles per attempt.
  std::chrono::milliseconds initial_backoff{1000};
  // Longest backoff, and longest Retry-After honoured (>= initial_backoff).
  std::chrono::milliseconds max_backoff{60000};
  // Bounds connecting, and each read and write, of one attempt (> 0).
  std::chrono::milliseconds attempt_timeout{10000};
  // Dead letters kept for inspection; older ones are forgotten (counted all the same).
  size_t dead_letter_capacity = 100;
  // ballast's public base URL, sent as Alertmanager's `externalURL`; may be empty.
  std::string external_url;
  // Alerts per Alertmanager message (0 = all); see PayloadContext::max_alerts.
  size_t max_alerts_per_message = 0;
  // Empty means "ballast/<version>".
  std::string user_agent;
  // Seeds the jitter; 0 seeds from std::random_device. Tests fix it.
  uint64_t jitter_seed = 0;
};

// Checks the preconditions above; errors name the option.
Status ValidateWebhookOptions(const WebhookOptions& options);

// "ballast/<version>".
std::string DefaultUserAgent();

// The wait before attempt `failed_attempts + 1`, given `unit_random` in [0, 1): the capped
// exponential backoff scaled into [0.5, 1) of itself.
std::chrono::milliseconds BackoffDelay(const WebhookOptions& options, int failed_attempts,
                                       double unit_random);

// A Retry-After header in its delay-seconds form ("120"); nullopt for dates, garbage or "".
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value);

// Counters since start, for /metrics. Each field is read atomically on its own.
struct DeliveryStats {
  uint64_t delivered = 0;      // deliveries answered with 2xx
  uint64_t attempts = 0;       // POSTs made (or attempted)
  uint64_t retries = 0;        // attempts scheduled after a retryable failure
  uint64_t dead_lettered = 0;  // deliveries given up on
  uint64_t dropped = 0;        // deliveries discarded: queue overflow, after or at Shutdown
  uint64_t queue_depth = 0;    // deliveries pending now (waiting, backing off or in flight)
};

struct DeadLetter {
  std::string target_name;
  std::string url;  // redacted (RedactUrl): the path may hold a secret
  Format format = Format::kAlertmanager;
  std::string error;  // the last attempt's failure
  int attempts = 0;   // 0 when the alerts themselves were invalid
  EpochMillis failed_at = 0;
  std::vector<Alert> alerts;
};

class WebhookNotifier final : public Notifier {
 public:
  // `poster` defaults to HttplibPoster and `clock` (dead-letter times) to the real clock, which
  // must outlive the notifier. Starts the delivery thread.
  static Result<std::unique_ptr<WebhookNotifier>> Create(
      WebhookOptions options, std::unique_ptr<HttpPoster> poster = nullptr,
      const Clock* clock = nullptr);

  // Shutdown(0): pending deliveries are dropped; waits for an attempt in flight.
  ~WebhookNotifier() override;

  WebhookNotifier(const WebhookNotifier&) = delete;
  WebhookNotifier& operator=(const WebhookNotifier&) = delete;

  void Notify(const Target& target, std::vector<Alert> alerts) override;

  // Stops taking new work, keeps delivering (retries included) until the queue is empty or
  // `flush_timeout` has passed, then stops the thread. A retry that would fall after the
  // deadline is not waited for; an attempt's timeout is shortened to fit the deadline.
  // Returns how many deliveries were left undelivered (counted as dropped). Idempotent; later
  // calls return the same number without waiting again.
  size_t Shutdown(std::chrono::milliseconds flush_timeout);

  DeliveryStats Stats() const;
  // Oldest first.
  std::vector<DeadLetter> DeadLetters() const;

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;
  struct Delivery {
    Target target;
    std::vector<Alert> alerts;
    std::string body;  // rendered before the first attempt
    int attempts = 0;
    SteadyTime due;
  };
  struct Outcome;

  WebhookNotifier(WebhookOptions options, std::unique_ptr<HttpPoster> poster, const Clock* clock);

  void Run();
  // Picks the first delivery of each target in queue order that is due; sets `*earliest` to the
  // soonest due time among the rest.
  std::optional<uint64_t> PickDueLocked(SteadyTime now, SteadyTime* earliest) const;
  Outcome Attempt(Delivery& delivery, std::optional<SteadyTime> deadline);
  void DropOldestLocked(std::string_view why);
  void DeadLetterLocked(Delivery& delivery, std::string error);
  void UpdateDepthLocked();

  const WebhookOptions options_;
  const std::unique_ptr<HttpPoster> poster_;
  const Clock* const clock_;
  const std::string user_agent_;
  std::mt19937_64 rng_;  // used by the delivery thread only

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, Delivery> pending_;  // guarded by mu_; key: arrival order
  bool in_flight_ = false;                // guarded by mu_
  uint64_t next_seq_ = 0;                 // guarded by mu_
  bool stopping_ = false;                 // guarded by mu_
  SteadyTime flush_deadline_;             // guarded by mu_
  size_t abandoned_ = 0;                  // guarded by mu_; set when Run ends
  std::deque<DeadLetter> dead_letters_;   // guarded by mu_

  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> attempts_{0};
  std::atomic<uint64_t> retries_{0};
  std::atomic<uint64_t> dead_lettered_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> queue_depth_{0};

  std::mutex join_mu_;  // serialises Shutdown's join
  std::thread thread_;
};

}  // namespace ballast::notify
