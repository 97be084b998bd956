// LifecycleAlerts: the alert state machine for provider lifecycle (issue 4): a model version that
// an alias points at (so traffic reaches it) and that retires soon raises an alert 60, 30, 14 and
// 7 days before its retirement date, each threshold notified once, tickets at 60 and 30 days and
// pages at 14 and 7 (a page is for what needs action this week or next: migrating off a model
// takes an evaluation and a rollout).
//
// There is one alert per (model, version). Each evaluation the caller passes every exposed
// version it knows (an alias points at it; retired ones too, flagged) and `now`:
//   - an exposed, not retired version within the largest threshold fires (notified), at the most
//     urgent threshold crossed; thresholds skipped because the version appeared late count as
//     notified, so a version retiring in 10 days notifies once (14 days), then at 7;
//   - crossing a more urgent threshold re-notifies the firing alert with the new severity;
//   - a retirement date moved later lowers the threshold silently and forgets the thresholds
//     after it, so they notify again when crossed again;
//   - a firing alert whose version is no longer passed (the alias moved off, the version or its
//     model was deleted, the date moved beyond the window) or is retired resolves (notified);
//     resolved alerts stay listed for a day, and a version exposed again fires again.
//
//   LifecycleAlerts alerts;
//   std::vector<LifecycleEvent> events = alerts.Evaluate(exposures, now);
//   for (const LifecycleEvent& e : events) if (e.notify) Deliver(e.alert);
//   if (!events.empty()) Save(alerts.Serialize());
//
// Pure and Clock-free: time is a parameter. Thread safety: not synchronised; the owner
// serialises calls.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace ballast::registry {

inline constexpr int64_t kLifecycleDayMillis = 24LL * 3600 * 1000;

// A live version that at least one alias points at, with a retirement date.
struct VersionExposure {
  std::string model;
  int64_t version = 0;
  std::vector<std::string> aliases;  // sorted
  EpochMillis retires_at = 0;
  std::string replacement;  // "" = none
  bool retired = false;     // lifecycle "retired": the alert resolves
};

struct LifecycleThreshold {
  int days = 0;
  std::string severity;
};

struct LifecycleAlertOptions {
  // Most distant first; days strictly decreasing and positive.
  std::vector<LifecycleThreshold> thresholds = {
      {60, "ticket"}, {30, "ticket"}, {14, "page"}, {7, "page"}};
  int64_t resolved_retention_ms = kLifecycleDayMillis;
};

enum class LifecycleAlertState { kFiring, kResolved };

struct LifecycleAlert {
  std::string id;  // 16 hex digits of SHA-256 over (model, version)
  std::string model;
  int64_t version = 0;
  std::vector<std::string> aliases;
  EpochMillis retires_at = 0;
  std::string replacement;
  int threshold_days = 0;  // the most urgent threshold crossed
  std::string severity;
  LifecycleAlertState state = LifecycleAlertState::kFiring;
  EpochMillis since = 0;  // entered `state`
  EpochMillis fired_at = 0;
  std::optional<EpochMillis> resolved_at;
  std::string resolution;      // why it resolved; "" while firing
  std::vector<int> notified;   // thresholds (days) already notified, descending
  friend bool operator==(const LifecycleAlert&, const LifecycleAlert&) = default;
};

struct LifecycleEvent {
  LifecycleAlert alert;  // after the transition
  bool notify = true;
};

// "firing", "resolved".
std::string_view LifecycleAlertStateName(LifecycleAlertState state);
std::string LifecycleAlertId(std::string_view model, int64_t version);
// Whole days left before `retires_at`, rounded up (so the day a 7-day threshold is crossed says
// 7); negative once past.
int64_t DaysLeft(EpochMillis retires_at, EpochMillis now);
// The alert's labels (alertname ballast_model_retiring, model, version, alias, severity,
// threshold) and annotations (summary, description, retires_at, replacement when there is one).
std::map<std::string, std::string> LifecycleLabels(const LifecycleAlert& alert);
std::map<std::string, std::string> LifecycleAnnotations(const LifecycleAlert& alert,
                                                        EpochMillis now);
// The GET /v1/alerts item: the SLO alert fields that apply (id, type "model_lifecycle", rule,
// severity, state, since, fired_at, resolved_at, labels, annotations; slo and service "") plus
// model, version, aliases, retires_at, days_left and replacement.
nlohmann::json LifecycleAlertToApiJson(const LifecycleAlert& alert, EpochMillis now);

class LifecycleAlerts {
 public:
  explicit LifecycleAlerts(LifecycleAlertOptions options = {});

  // How far ahead the caller must look for exposures: the largest threshold.
  int64_t lookahead_ms() const;

  // One evaluation. `exposures` may hold versions beyond the window (ignored). Returns the
  // transitions (fired, escalated, resolved) and silent changes (notify false), so that the
  // caller knows when to save.
  std::vector<LifecycleEvent> Evaluate(const std::vector<VersionExposure>& exposures,
                                       EpochMillis now);

  // Sorted by (model, version); all, or those in `state`.
  std::vector<LifecycleAlert> List(std::optional<LifecycleAlertState> state = std::nullopt) const;

  // {"version": 1, "alerts": [...]} and back; Restore changes nothing unless all of it is valid
  // and names the bad field otherwise.
  std::string Serialize() const;
  Status Restore(std::string_view text);

 private:
  const LifecycleThreshold* Crossed(EpochMillis retires_at, EpochMillis now) const;
  std::string SeverityOf(int days) const;
  void Resolve(LifecycleAlert& a, EpochMillis now, std::string reason,
               std::vector<LifecycleEvent>& events);

  LifecycleAlertOptions options_;
  std::map<std::pair<std::string, int64_t>, LifecycleAlert> alerts_;
};

}  // namespace ballast::registry
