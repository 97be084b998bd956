// Alert rules of an SLO: which alerts ballast evaluates for it, at which severity, after how
// long, and whom they notify. AlertEvaluator (alerts.h) runs them; this header only derives them
// from the catalog.
//
// Without alertPolicies an SLO gets the Google SRE Workbook's multi-window, multi-burn-rate
// policy for its period (DefaultBurnRateWindows: page 1h/5m at 14.4× and 6h/30m at 6×, ticket
// 1d/2h at 3× and 3d/6h at 1× for 30 days), a budget_exhausted rule and a no_data rule, both
// "ticket". With alertPolicies (inline or alertPolicyRef; conditions inline or conditionRef)
// each policy's burn-rate condition becomes one burn_rate rule (BurnRateWindowFor: lookback W
// and W/12, the condition's threshold, op and severity, alertAfter), a budget_exhausted rule is
// always added and a no_data rule only when some policy says alertWhenNoData.
//
// Rule order is a contract: burn_rate rules first, in policy order, then budget_exhausted, then
// no_data. WindowsOf(rules) gives the burn_rate rules' windows in that order; pass them to
// EvaluateObjective (budget.h) so that ObjectiveStatus::burn_rates[i] is the reading of the i-th
// burn_rate rule.
//
//   auto rules = AlertRulesFor(catalog, slo_object);
//   auto st = EvaluateObjective(objective, series, WindowsOf(*rules), now);
//   bool quiet = NoData(event_series, active_since, now, rules->back().no_data_window_ms);
//
// Notification targets come back resolved (name, URL, annotations), so the caller needs no
// catalog to deliver a notification.
//
// Thread safety: pure functions over values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "slo/catalog.h"
#include "slo/model.h"
#include "slo/series.h"
#include "slo/windows.h"

namespace ballast::slo {

enum class AlertRuleType { kBurnRate, kBudgetExhausted, kNoData };
// "burn_rate", "budget_exhausted", "no_data".
std::string_view AlertRuleTypeName(AlertRuleType type);
std::optional<AlertRuleType> ParseAlertRuleType(std::string_view name);

// A no_data rule fires when the SLO's event series holds no event in this window (and the SLO
// has been active at least that long): an hour is long enough for a quiet night on a small
// service to stay silent about a real outage of its telemetry, short enough to matter.
inline constexpr int64_t kDefaultNoDataWindowMs = kMillisPerHour;

// Rule names of the rules that are not burn-rate conditions.
inline constexpr std::string_view kBudgetExhaustedRule = "budget-exhausted";
inline constexpr std::string_view kNoDataRule = "no-data";

// An AlertNotificationTarget, resolved.
struct NotificationTarget {
  std::string name;
  std::string url;  // spec.target
  // The target's metadata.annotations ("ballast.dev/format: slack" selects Slack's format).
  std::map<std::string, std::string> annotations;
  friend bool operator==(const NotificationTarget&, const NotificationTarget&) = default;
};

struct AlertRule {
  // Unique within the SLO and stable across re-applies of the same definition: "page-1h-5m"
  // for the defaults (severity-long-short), the AlertCondition's name for a policy (suffixed
  // "@policy" when two policies use the same condition), kBudgetExhaustedRule, kNoDataRule.
  std::string name;
  AlertRuleType type = AlertRuleType::kBurnRate;
  std::string severity;        // "page", "ticket" or an AlertCondition's own
  BurnRateWindow window;       // burn_rate only
  int64_t alert_after_ms = 0;  // condition.alertAfter: how long the condition must hold
  int64_t no_data_window_ms = kDefaultNoDataWindowMs;  // no_data only
  std::string policy;     // the AlertPolicy's name; empty for the defaults
  int64_t period_ms = 0;  // the SLO's period (for forecasts in annotations)
  std::string period;     // the same as written: "30d"
  // Put on every alert of the rule: slo, service, severity, rule, type, and window (burn_rate)
  // and policy (when there is one). AlertEvaluator adds objective and variant.
  std::map<std::string, std::string> labels;
  // Static annotations: "policy_description" / "condition_description" when written.
  // AlertEvaluator adds summary and description from the readings.
  std::map<std::string, std::string> annotations;
  std::vector<NotificationTarget> targets;  // deduplicated by name, in policy order
  // OpenSLO policy flags. alert_when_breaching = false keeps the rule evaluated and listed but
  // not notified; alert_when_resolved = false sends no resolved notification.
  bool alert_when_resolved = true;
  bool alert_when_no_data = false;
  bool alert_when_breaching = true;
};

// The rules of the SLO object `slo` (kind SLO), resolving references through `catalog`.
// Errors (InvalidArgument, field = the SLO's field path, e.g.
// "spec.alertPolicies[0].conditions[0].spec.condition.lookbackWindow"): not an SLO, an unknown
// alertPolicyRef / conditionRef / targetRef, a policy without a condition, a condition
// BurnRateWindowFor rejects, a non-positive period.
Result<std::vector<AlertRule>> AlertRulesFor(const Catalog& catalog, const Object& slo);

// The windows of the burn_rate rules, in rule order: what EvaluateObjective must be given.
std::vector<BurnRateWindow> WindowsOf(std::span<const AlertRule> rules);

// True when the series (the SLO's event series, not a timeslice series) holds no event in the
// last `window_ms` up to `now`, and the SLO has been active for at least that long
// (active_since + window_ms ≤ now), so a just-applied SLO does not alert before it could have
// seen anything. window_ms ≤ 0 means kDefaultNoDataWindowMs.
bool NoData(const SloSeries& series, EpochMillis active_since, EpochMillis now,
            int64_t window_ms = kDefaultNoDataWindowMs);

}  // namespace ballast::slo
