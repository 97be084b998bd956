#include "slo/alert_rules.h"

#include <set>
#include <utility>

#include "common/time.h"

namespace ballast::slo {
namespace {

// Where a nested object sits, for error messages. An inline object's fields are reported by
// their path inside the SLO; a referenced object's by the reference's field, with the object
// and its own field path in the message (the error is in another document).
struct Location {
  std::string path;    // inline: the object's field path in the SLO; referenced: the ref field
  std::string in_ref;  // "AlertCondition fast-burn" when reached through a reference
  std::string inner;   // referenced: the field path inside that object ("spec")

  Location Nested(const std::string& field) const {
    Location l = *this;
    if (in_ref.empty()) {
      l.path = Join(path, field);
    } else {
      l.inner = Join(inner, field);
    }
    return l;
  }
  Status Error(const std::string& field, const std::string& message) const {
    if (in_ref.empty()) return Status::InvalidArgument(message, Join(path, field));
    return Status::InvalidArgument(in_ref + ", " + Join(inner, field) + ": " + message, path);
  }
  static std::string Join(const std::string& a, const std::string& b) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    return a + "." + b;
  }
};

struct ResolvedPolicy {
  std::string name;
  const AlertPolicySpec* spec = nullptr;
  Location loc;  // of the policy's spec
};

Result<ResolvedPolicy> ResolvePolicy(const Catalog& catalog,
                                     const RefOrInline<AlertPolicySpec>& entry,
                                     const std::string& path) {
  ResolvedPolicy p;
  if (entry.is_ref()) {
    const Object* o = catalog.Find(Kind::kAlertPolicy, entry.ref);
    if (o == nullptr)
      return Status::InvalidArgument("unknown AlertPolicy \"" + entry.ref + "\"",
                                     path + ".alertPolicyRef");
    p.name = entry.ref;
    p.spec = &o->As<AlertPolicySpec>();
    p.loc = {path + ".alertPolicyRef", "AlertPolicy " + entry.ref, "spec"};
  } else {
    p.name = entry.metadata ? entry.metadata->name : std::string();
    p.spec = &*entry.spec;
    p.loc = {path + ".spec", "", ""};
  }
  return p;
}

// Appends `t` unless a target of the same name is already there.
void AddTarget(std::vector<NotificationTarget>& targets, NotificationTarget t) {
  for (const NotificationTarget& have : targets)
    if (have.name == t.name) return;
  targets.push_back(std::move(t));
}

Result<std::vector<NotificationTarget>> ResolveTargets(const Catalog& catalog,
                                                       const AlertPolicySpec& policy,
                                                       const Location& loc) {
  std::vector<NotificationTarget> out;
  for (size_t i = 0; i < policy.notification_targets.size(); ++i) {
    const auto& entry = policy.notification_targets[i];
    const std::string field = "notificationTargets[" + std::to_string(i) + "]";
    NotificationTarget t;
    if (entry.is_ref()) {
      const Object* o = catalog.Find(Kind::kAlertNotificationTarget, entry.ref);
      if (o == nullptr)
        return loc.Error(field + ".targetRef",
                         "unknown AlertNotificationTarget \"" + entry.ref + "\"");
      t.name = entry.ref;
      t.url = o->As<AlertNotificationTargetSpec>().target;
      t.annotations = o->metadata.annotations;
    } else {
      if (entry.metadata) {
        t.name = entry.metadata->name;
        t.annotations = entry.metadata->annotations;
      }
      if (t.name.empty()) t.name = "target-" + std::to_string(i);
      t.url = entry.spec->target;
    }
    if (t.url.empty()) return loc.Error(field + ".spec.target", "a target URL is required");
    AddTarget(out, std::move(t));
  }
  return out;
}

// `base`, or base@policy, base-2, ... : the first name not yet used.
std::string UniqueName(std::set<std::string>& used, const std::string& base,
                       const std::string& policy) {
  std::string name = base;
  if (used.count(name) && !policy.empty()) name = base + "@" + policy;
  for (int n = 2; used.count(name); ++n) name = base + "-" + std::to_string(n);
  used.insert(name);
  return name;
}

AlertRule BaseRule(const Object& slo, const TimeWindow& window, int64_t period_ms) {
  AlertRule r;
  r.period_ms = period_ms;
  r.period = DurationText(window.duration);
  r.labels["slo"] = slo.metadata.name;
  r.labels["service"] = slo.As<SloSpec>().service;
  return r;
}

void FinishLabels(AlertRule& r) {
  r.labels["rule"] = r.name;
  r.labels["severity"] = r.severity;
  r.labels["type"] = std::string(AlertRuleTypeName(r.type));
  if (r.type == AlertRuleType::kBurnRate) r.labels["window"] = r.window.Name();
  if (!r.policy.empty()) r.labels["policy"] = r.policy;
}

}  // namespace

std::string_view AlertRuleTypeName(AlertRuleType type) {
  switch (type) {
    case AlertRuleType::kBurnRate:
      return "burn_rate";
    case AlertRuleType::kBudgetExhausted:
      return "budget_exhausted";
    case AlertRuleType::kNoData:
      return "no_data";
  }
  return "burn_rate";
}

std::optional<AlertRuleType> ParseAlertRuleType(std::string_view name) {
  for (AlertRuleType t :
       {AlertRuleType::kBurnRate, AlertRuleType::kBudgetExhausted, AlertRuleType::kNoData})
    if (AlertRuleTypeName(t) == name) return t;
  return std::nullopt;
}

Result<std::vector<AlertRule>> AlertRulesFor(const Catalog& catalog, const Object& slo) {
  if (slo.kind != Kind::kSlo || !std::holds_alternative<SloSpec>(slo.spec))
    return Status::InvalidArgument("expected an SLO, got " + DescribeObject(slo), "kind");
  const SloSpec& spec = slo.As<SloSpec>();
  const TimeWindow window = EffectiveTimeWindow(spec);
  const int64_t period_ms = PeriodMillis(window);
  if (period_ms <= 0)
    return Status::InvalidArgument("the SLO period must be positive",
                                   "spec.timeWindow[0].duration");

  std::vector<AlertRule> rules;
  std::set<std::string> used{std::string(kBudgetExhaustedRule), std::string(kNoDataRule)};
  AlertRule exhausted = BaseRule(slo, window, period_ms);
  AlertRule no_data = BaseRule(slo, window, period_ms);
  bool want_no_data = false;

  if (spec.alert_policies.empty()) {
    for (BurnRateWindow& w : DefaultBurnRateWindows(period_ms)) {
      AlertRule r = BaseRule(slo, window, period_ms);
      r.severity = w.severity;
      r.name = UniqueName(used,
                          w.severity + "-" + FormatMillisAsDuration(w.long_ms) + "-" +
                              FormatMillisAsDuration(w.short_ms),
                          "");
      r.window = std::move(w);
      FinishLabels(r);
      rules.push_back(std::move(r));
    }
    want_no_data = true;
  } else {
    exhausted.alert_when_resolved = false;
    no_data.alert_when_resolved = false;
    std::set<std::string> seen_policies;
    for (size_t i = 0; i < spec.alert_policies.size(); ++i) {
      const std::string path = "spec.alertPolicies[" + std::to_string(i) + "]";
      BALLAST_ASSIGN_OR_RETURN(ResolvedPolicy policy,
                               ResolvePolicy(catalog, spec.alert_policies[i], path));
      // The same policy listed twice would only duplicate its rule.
      if (!policy.name.empty() && !seen_policies.insert(policy.name).second) continue;
      const AlertPolicySpec& ps = *policy.spec;
      if (ps.conditions.empty())
        return policy.loc.Error("conditions", "an alert policy needs a condition");
      BALLAST_ASSIGN_OR_RETURN(std::vector<NotificationTarget> targets,
                               ResolveTargets(catalog, ps, policy.loc));
      const bool resolved = ps.alert_when_resolved.value_or(true);
      const bool when_no_data = ps.alert_when_no_data.value_or(false);
      const bool breaching = ps.alert_when_breaching.value_or(true);
      for (size_t j = 0; j < ps.conditions.size(); ++j) {
        const auto& entry = ps.conditions[j];
        const std::string field = "conditions[" + std::to_string(j) + "]";
        std::string cond_name;
        const AlertConditionSpec* cond = nullptr;
        Location loc;
        if (entry.is_ref()) {
          const Object* o = catalog.Find(Kind::kAlertCondition, entry.ref);
          if (o == nullptr)
            return policy.loc.Error(field + ".conditionRef",
                                    "unknown AlertCondition \"" + entry.ref + "\"");
          cond_name = entry.ref;
          cond = &o->As<AlertConditionSpec>();
          if (policy.loc.in_ref.empty()) {
            loc = {Location::Join(policy.loc.path, field + ".conditionRef"),
                   "AlertCondition " + entry.ref, ""};
          } else {
            loc = {policy.loc.path,
                   policy.loc.in_ref + ", " + Location::Join(policy.loc.inner, field) +
                       " → AlertCondition " + entry.ref,
                   ""};
          }
        } else {
          cond_name = entry.metadata ? entry.metadata->name : std::string();
          cond = &*entry.spec;
          loc = policy.loc.Nested(field);
        }
        auto w = BurnRateWindowFor(*cond, period_ms);
        if (!w) {
          // BurnRateWindowFor names fields relative to the condition object ("spec.…").
          return loc.Error(w.error().field(), w.error().message());
        }
        AlertRule r = BaseRule(slo, window, period_ms);
        r.type = AlertRuleType::kBurnRate;
        r.severity = cond->severity.empty() ? "ticket" : cond->severity;
        r.window = std::move(*w);
        r.window.severity = r.severity;
        if (const auto& after = cond->condition.alert_after) {
          if (!after->IsFixed() || after->ApproxMillis() < 0)
            return loc.Error("spec.condition.alertAfter",
                             "alertAfter must be a fixed, non-negative duration (s, m, h, d, w)");
          r.alert_after_ms = after->ApproxMillis();
        }
        r.policy = policy.name;
        const std::string base =
            !cond_name.empty()
                ? cond_name
                : (!policy.name.empty() ? policy.name : "condition-" + std::to_string(i));
        r.name = UniqueName(used, base, policy.name);
        if (!ps.description.empty()) r.annotations["policy_description"] = ps.description;
        if (!cond->description.empty()) r.annotations["condition_description"] = cond->description;
        r.targets = targets;
        r.alert_when_resolved = resolved;
        r.alert_when_no_data = when_no_data;
        r.alert_when_breaching = breaching;
        FinishLabels(r);
        rules.push_back(std::move(r));
      }
      // The budget alert reaches every policy's targets; no-data those that asked for it.
      for (const NotificationTarget& t : targets) AddTarget(exhausted.targets, t);
      exhausted.alert_when_resolved = exhausted.alert_when_resolved || resolved;
      if (when_no_data) {
        want_no_data = true;
        for (const NotificationTarget& t : targets) AddTarget(no_data.targets, t);
        no_data.alert_when_resolved = no_data.alert_when_resolved || resolved;
        no_data.alert_when_no_data = true;
      }
    }
  }

  exhausted.name = std::string(kBudgetExhaustedRule);
  exhausted.type = AlertRuleType::kBudgetExhausted;
  exhausted.severity = "ticket";
  FinishLabels(exhausted);
  rules.push_back(std::move(exhausted));
  if (want_no_data) {
    no_data.name = std::string(kNoDataRule);
    no_data.type = AlertRuleType::kNoData;
    no_data.severity = "ticket";
    no_data.alert_when_no_data = true;
    FinishLabels(no_data);
    rules.push_back(std::move(no_data));
  }
  return rules;
}

std::vector<BurnRateWindow> WindowsOf(std::span<const AlertRule> rules) {
  std::vector<BurnRateWindow> out;
  for (const AlertRule& r : rules)
    if (r.type == AlertRuleType::kBurnRate) out.push_back(r.window);
  return out;
}

bool NoData(const SloSeries& series, EpochMillis active_since, EpochMillis now, int64_t window_ms) {
  if (window_ms <= 0) window_ms = kDefaultNoDataWindowMs;
  // Not active long enough to have seen a whole window (compared without overflowing).
  if (active_since > now || now - active_since < window_ms) return false;
  return series.SumRolling(now, window_ms).total == 0;
}

}  // namespace ballast::slo
