// AlertEvaluator: the state machine of ballast's SLO alerts, and their persistence and API form.
//
// An alert is keyed by (SLO, objective index, variant, rule name) and has a stable id: the first
// 16 hex digits of SHA-256 of the key, so the same alert has the same id across restarts and
// re-applies. Each evaluation tick the caller passes, for one (SLO, objective, variant): the
// SLO's rules (alert_rules.h), the ObjectiveStatus EvaluateObjective computed with
// WindowsOf(rules), whether the SLO has no data (NoData), and `now`. A rule's condition is:
//   burn_rate         the reading's `breaching` (both windows over the factor, and the
//                     minimum-event guard on the short window)
//   budget_exhausted  status.budget.exhausted
//   no_data           the no-data flag
//
// States and transitions (an inactive alert is not stored or listed):
//   condition true   inactive/resolved → pending (alert_after_ms > 0) or firing (= 0)
//                    pending → firing once it has held alert_after_ms
//   condition false  pending → inactive, silently (or back to resolved if it had resolved
//                    within the retention); firing → resolved
//   resolved alerts stay listed for `resolved_retention_ms` after resolved_at, then drop.
// A rule that is no longer among the rules (the SLO was re-applied) counts as condition false;
// Forget(slo) resolves an SLO's firing alerts and drops all of its alerts.
//
// Every transition to firing or resolved is returned as an AlertEvent (the alert after the
// transition, the state before, and whether to notify), for the caller to deliver and record.
//
//   AlertEvaluator alerts;
//   auto rules = AlertRulesFor(catalog, slo);
//   auto st = EvaluateObjective(o, series, WindowsOf(*rules), now);
//   auto events = alerts.Evaluate(subject, *rules, *st, NoData(...), now);
//   for (const AlertEvent& e : *events) if (e.notify) Deliver(e);
//
// Pure and Clock-free: time is always a parameter. Thread safety: not synchronised; the owner
// serialises calls (one evaluation loop, readers under the same lock).
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "slo/alert_rules.h"
#include "slo/budget.h"

namespace ballast::slo {

enum class AlertState { kInactive, kPending, kFiring, kResolved };
// "inactive", "pending", "firing", "resolved".
std::string_view AlertStateName(AlertState state);
std::optional<AlertState> ParseAlertState(std::string_view name);

// What one evaluation is about: one objective of one SLO, for one variant.
struct AlertSubject {
  std::string slo;
  std::string service;
  size_t objective = 0;        // index in spec.objectives
  std::string objective_name;  // its displayName; the label falls back to the index
  std::string variant;         // empty when the SLO has no variants
};

struct AlertKey {
  std::string slo;
  size_t objective = 0;
  std::string variant;
  std::string rule;
  friend auto operator<=>(const AlertKey&, const AlertKey&) = default;
  friend bool operator==(const AlertKey&, const AlertKey&) = default;
};

// First 16 hex digits of SHA-256 over the key's fields, each ended by '\n'.
std::string AlertId(const AlertKey& key);

struct Alert {
  std::string id;
  std::string slo;
  std::string service;
  size_t objective = 0;
  std::string objective_name;
  std::string variant;
  std::string rule;
  AlertRuleType type = AlertRuleType::kBurnRate;
  std::string severity;
  AlertState state = AlertState::kInactive;
  EpochMillis since = 0;                   // when the alert entered `state`
  std::optional<EpochMillis> fired_at;     // the latest transition to firing
  std::optional<EpochMillis> resolved_at;  // the latest transition to resolved
  // The last readings while the condition held (burn_rate: both windows; all: SLI, budget).
  int64_t long_window_ms = 0;
  int64_t short_window_ms = 0;
  double long_burn = 0;
  double short_burn = 0;
  std::optional<double> sli;
  double budget_consumed = 0;  // ratio of the period's budget; may exceed 1
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;  // summary, description, the rule's own
  // Delivery, copied from the rule so that an alert can be notified (and resolved after a
  // restart or a Forget) without the rules.
  std::vector<NotificationTarget> targets;
  bool notify_firing = true;    // the policy's alertWhenBreaching (true for non-burn rules)
  bool notify_resolved = true;  // the policy's alertWhenResolved

  AlertKey key() const { return {slo, objective, variant, rule}; }
  friend bool operator==(const Alert&, const Alert&) = default;
};

struct AlertEvent {
  Alert alert;          // after the transition: state firing or resolved
  AlertState previous;  // before it
  bool notify = false;  // deliver to alert.targets (per the policy flags)
};

struct AlertEvaluatorOptions {
  int64_t resolved_retention_ms = kMillisPerDay;
  // The low-traffic guard of budget_exhausted: the period must hold at least this many events
  // (or slices), so that the first failure of a new SLO does not report its budget gone.
  uint64_t min_period_events = kDefaultMinEvents;
};

class AlertEvaluator {
 public:
  explicit AlertEvaluator(AlertEvaluatorOptions options = {}) : options_(options) {}

  // One tick for `subject`. `status.burn_rates` must hold one reading per burn_rate rule, in
  // rule order, with the rule's window (EvaluateObjective(..., WindowsOf(rules), ...));
  // otherwise InvalidArgument and nothing changes. Rule names must be unique.
  Result<std::vector<AlertEvent>> Evaluate(const AlertSubject& subject,
                                           std::span<const AlertRule> rules,
                                           const ObjectiveStatus& status, bool no_data,
                                           EpochMillis now);

  // The SLO was deleted: its firing alerts resolve (returned as events, notified per their
  // flags) and every alert of it is dropped.
  std::vector<AlertEvent> Forget(std::string_view slo, EpochMillis now);

  // Drops resolved alerts older than the retention (Evaluate does it for its subject; this
  // covers subjects no longer evaluated).
  void Prune(EpochMillis now);

  // Alerts sorted by key (slo, objective, variant, rule); all, or those in `state`.
  std::vector<Alert> List(std::optional<AlertState> state = std::nullopt) const;
  // nullptr when no alert has that id.
  const Alert* Find(std::string_view id) const;
  size_t size() const { return alerts_.size(); }

  // The whole state as versioned JSON ({"version": 1, "alerts": [...]}) and back. Restore
  // replaces the state only when all of the input is valid; otherwise InvalidArgument naming
  // the field ("alerts[2].state") and nothing changes.
  std::string SerializeAlerts() const;
  Status RestoreAlerts(std::string_view text);
  // The same from alerts the caller stored one by one (AlertToJson / AlertFromJson).
  Status Restore(std::vector<Alert> alerts);

 private:
  AlertEvaluatorOptions options_;
  std::map<AlertKey, Alert> alerts_;
};

// The storage form of one alert: every field, times in epoch milliseconds.
nlohmann::json AlertToJson(const Alert& alert);
// Errors name the field (relative to the alert object) and the problem; the id must match
// the key.
Result<Alert> AlertFromJson(const nlohmann::json& j);

// API.md's shape for GET /v1/alerts: {"id", "slo", "service", "objective", "variant", "rule",
// "type", "severity", "state", "since", "fired_at", "resolved_at" (RFC 3339 or null),
// "burn_rates": {"1h": x, "5m": y} (burn_rate alerts; {} otherwise), "sli", "budget_consumed",
// "labels", "annotations"}.
nlohmann::json AlertToApiJson(const Alert& alert);

}  // namespace ballast::slo
