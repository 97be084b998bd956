// SloAlerting: runs the alert state machine (slo/alerts.h) over the engine's statuses on every
// evaluation tick, delivers firing and resolved alerts to their AlertNotificationTargets
// through a Notifier (never waiting on delivery), and serves GET /v1/alerts. Its state is saved
// with the engine's snapshots (SloRuntime::set_state_source) and restored at start, so alerts
// keep their state (and their `since`) across restarts.
//
// Alerts are evaluated on the all-variants series of each objective; per-variant statuses stay
// available through the status routes (rollouts judge variants themselves).
//
// Thread safety: every method may be called from any thread; one mutex guards the evaluator.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "notify/notifier.h"
#include "server/slo_runtime.h"
#include "slo/alerts.h"

namespace ballast::server {

class SloAlerting {
 public:
  // `notifier` may be null (no delivery); `external_url` prefixes links in notifications.
  SloAlerting(SloRuntime& runtime, notify::Notifier* notifier, std::string external_url);

  // Restores the state saved by Serialize (nullopt: nothing saved yet).
  Status Restore(const std::optional<std::string>& state);
  // One evaluation at `now` (the runtime's tick hook).
  void Tick(EpochMillis now);
  std::string Serialize() const;

  std::vector<slo::Alert> List(std::optional<slo::AlertState> state) const;
  int FiringCount(const std::string& slo) const;
  int64_t notifications_sent() const;

  // The notification form of an alert (labels + alertname, annotations, link).
  static notify::Alert ToNotification(const slo::Alert& alert, const std::string& external_url);

 private:
  void Deliver(const std::vector<slo::AlertEvent>& events);

  SloRuntime& runtime_;
  notify::Notifier* notifier_;
  const std::string external_url_;
  mutable std::mutex mu_;
  slo::AlertEvaluator evaluator_;  // guarded by mu_
  int64_t sent_ = 0;               // guarded by mu_
};

}  // namespace ballast::server
