// Alert rules from OpenSLO definitions: the Workbook defaults, AlertPolicy/AlertCondition
// (inline and referenced), errors naming the field, and the no-data helper.
#include "slo/alert_rules.h"

#include <gtest/gtest.h>

#include <string>

#include "slo/loader.h"
#include "slo/test_support.h"

namespace ballast::slo {
namespace {

using testing::kAvailabilitySlo;
using testing::kDay;
using testing::kHour;
using testing::kMin;
using testing::kT0;
constexpr const char* kSlo = kAvailabilitySlo;

LoadResult Load(const std::string& text) {
  LoadResult r = LoadText(text, "test.yaml");
  EXPECT_TRUE(r.ok()) << r.diagnostics.ToString();
  return r;
}

const Object& SloOf(const Catalog& c, const char* name = "chat-availability") {
  const Object* o = c.Find(Kind::kSlo, name);
  EXPECT_NE(o, nullptr);
  return *o;
}

std::vector<std::string> Names(const std::vector<AlertRule>& rules) {
  std::vector<std::string> out;
  for (const AlertRule& r : rules) out.push_back(r.name);
  return out;
}

TEST(AlertRules, WithoutPoliciesTheWorkbookDefaults) {
  LoadResult r = Load(kSlo);
  auto rules = AlertRulesFor(r.catalog, SloOf(r.catalog));
  ASSERT_TRUE(rules.has_value()) << rules.error().ToString();
  EXPECT_EQ(Names(*rules),
            (std::vector<std::string>{"page-1h-5m", "page-6h-30m", "ticket-1d-2h", "ticket-3d-6h",
                                      "budget-exhausted", "no-data"}));
  EXPECT_EQ(WindowsOf(*rules), DefaultBurnRateWindows(30 * kDay));
  const AlertRule& page = (*rules)[0];
  EXPECT_EQ(page.type, AlertRuleType::kBurnRate);
  EXPECT_EQ(page.severity, "page");
  EXPECT_DOUBLE_EQ(page.window.factor, 14.4);
  EXPECT_EQ(page.alert_after_ms, 0);
  EXPECT_EQ(page.period, "30d");
  EXPECT_EQ(page.period_ms, 30 * kDay);
  EXPECT_TRUE(page.targets.empty());
  EXPECT_TRUE(page.alert_when_resolved);
  EXPECT_EQ(page.labels, (std::map<std::string, std::string>{{"slo", "chat-availability"},
                                                             {"service", "chat-api"},
                                                             {"severity", "page"},
                                                             {"rule", "page-1h-5m"},
                                                             {"type", "burn_rate"},
                                                             {"window", "1h/5m"}}));
  EXPECT_EQ((*rules)[3].severity, "ticket");
  EXPECT_DOUBLE_EQ((*rules)[3].window.factor, 1.0);
  EXPECT_EQ((*rules)[4].type, AlertRuleType::kBudgetExhausted);
  EXPECT_EQ((*rules)[4].severity, "ticket");
  EXPECT_EQ((*rules)[4].labels.count("window"), 0u);
  EXPECT_EQ((*rules)[5].type, AlertRuleType::kNoData);
  EXPECT_EQ((*rules)[5].no_data_window_ms, kHour);
}

TEST(AlertRules, OtherPeriodsScaleTheDefaultNames) {
  std::string text = kSlo;
  text.replace(text.find("duration: 30d"), 13, "duration: 7d");
  LoadResult r = Load(text);
  auto rules = AlertRulesFor(r.catalog, SloOf(r.catalog));
  ASSERT_TRUE(rules.has_value());
  EXPECT_EQ((*rules)[0].name, "page-14m-1m");
  EXPECT_EQ((*rules)[0].period, "7d");
  EXPECT_EQ(WindowsOf(*rules), DefaultBurnRateWindows(7 * kDay));
}

// The shipped examples: availability.yaml uses the three policies of alerting.yaml.
TEST(AlertRules, ExamplePoliciesByReference) {
  LoadResult r = LoadPaths({testing::SourceDir() + "/examples/slos"});
  ASSERT_TRUE(r.ok()) << r.diagnostics.ToString();
  auto rules = AlertRulesFor(r.catalog, SloOf(r.catalog));
  ASSERT_TRUE(rules.has_value()) << rules.error().ToString();
  EXPECT_EQ(Names(*rules), (std::vector<std::string>{"fast-burn", "slow-burn", "ticket-burn",
                                                     "budget-exhausted", "no-data"}));
  const AlertRule& fast = (*rules)[0];
  EXPECT_EQ(fast.severity, "page");
  EXPECT_EQ(fast.window.long_ms, kHour);
  EXPECT_EQ(fast.window.short_ms, 5 * kMin);
  EXPECT_DOUBLE_EQ(fast.window.factor, 14.4);
  EXPECT_EQ(fast.alert_after_ms, 2 * kMin);
  EXPECT_EQ(fast.policy, "page-fast-burn");
  EXPECT_EQ(fast.labels.at("policy"), "page-fast-burn");
  EXPECT_EQ(fast.period, "28d");
  ASSERT_EQ(fast.targets.size(), 2u);
  EXPECT_EQ(fast.targets[0].name, "oncall-webhook");
  EXPECT_EQ(fast.targets[0].url, "https://alert-receiver.example.com/hooks/ballast");
  EXPECT_EQ(fast.targets[1].name, "assistant-slack");
  EXPECT_EQ(fast.targets[1].annotations.at("ballast.dev/format"), "slack");
  EXPECT_EQ(fast.annotations.at("policy_description"),
            "Page when the budget burns 14.4 times too fast over 1h (and 5m)");

  const AlertRule& slow = (*rules)[1];
  EXPECT_EQ(slow.window.Name(), "6h/30m");
  EXPECT_EQ(slow.alert_after_ms, 15 * kMin);
  ASSERT_EQ(slow.targets.size(), 1u);

  const AlertRule& ticket = (*rules)[2];  // an inline condition
  EXPECT_EQ(ticket.severity, "ticket");
  EXPECT_EQ(ticket.window.Name(), "1d/2h");
  EXPECT_DOUBLE_EQ(ticket.window.factor, 3);
  EXPECT_EQ(ticket.alert_after_ms, 0);

  // Budget exhaustion reaches every policy's targets once; no data only the policy asking.
  const AlertRule& exhausted = (*rules)[3];
  ASSERT_EQ(exhausted.targets.size(), 2u);
  EXPECT_EQ(exhausted.targets[0].name, "oncall-webhook");
  EXPECT_EQ(exhausted.targets[1].name, "assistant-slack");
  const AlertRule& no_data = (*rules)[4];
  ASSERT_EQ(no_data.targets.size(), 1u);
  EXPECT_EQ(no_data.targets[0].name, "assistant-slack");
  EXPECT_EQ(WindowsOf(*rules).size(), 3u);
}

constexpr const char* kInlinePolicy = R"(  alertPolicies:
    - kind: AlertPolicy
      metadata:
        name: quiet
      spec:
        description: Slow burns, no resolution notices
        alertWhenBreaching: false
        alertWhenResolved: false
        conditions:
          - kind: AlertCondition
            metadata:
              name: slow
            spec:
              severity: warning
              description: burning 2x over 12h
              condition:
                kind: burnrate
                op: gte
                threshold: 2
                lookbackWindow: 12h
                alertAfter: 30m
        notificationTargets:
          - kind: AlertNotificationTarget
            metadata:
              name: hook
            spec:
              target: https://example.com/hook
)";

TEST(AlertRules, InlinePolicyConditionAndTarget) {
  LoadResult r = Load(std::string(kSlo) + kInlinePolicy);
  auto rules = AlertRulesFor(r.catalog, SloOf(r.catalog));
  ASSERT_TRUE(rules.has_value()) << rules.error().ToString();
  // alertWhenNoData is absent (false): no no-data rule.
  EXPECT_EQ(Names(*rules), (std::vector<std::string>{"slow", "budget-exhausted"}));
  const AlertRule& slow = (*rules)[0];
  EXPECT_EQ(slow.severity, "warning");
  EXPECT_EQ(slow.window.severity, "warning");
  EXPECT_EQ(slow.window.long_ms, 12 * kHour);
  EXPECT_EQ(slow.window.short_ms, kHour);
  EXPECT_EQ(slow.window.op, Op::kGte);
  EXPECT_EQ(slow.alert_after_ms, 30 * kMin);
  EXPECT_FALSE(slow.alert_when_breaching);
  EXPECT_FALSE(slow.alert_when_resolved);
  EXPECT_FALSE(slow.alert_when_no_data);
  EXPECT_EQ(slow.annotations.at("condition_description"), "burning 2x over 12h");
  ASSERT_EQ(slow.targets.size(), 1u);
  EXPECT_EQ(slow.targets[0], (NotificationTarget{"hook", "https://example.com/hook", {}}));
  EXPECT_FALSE((*rules)[1].alert_when_resolved);
}

// Objects to edit: the loaded catalog's, copied.
std::vector<Object> ObjectsOf(const LoadResult& r) { return r.catalog.objects(); }

Object* FindIn(std::vector<Object>& objects, Kind kind, const std::string& name) {
  for (Object& o : objects)
    if (o.kind == kind && o.metadata.name == name) return &o;
  return nullptr;
}

TEST(AlertRules, ErrorsNameTheField) {
  LoadResult r = Load(std::string(kSlo) + kInlinePolicy);
  {  // An inline condition the window rules reject.
    auto objects = ObjectsOf(r);
    auto& slo = FindIn(objects, Kind::kSlo, "chat-availability")->As<SloSpec>();
    slo.alert_policies[0].spec->conditions[0].spec->condition.lookback_window =
        *ParseDuration("30s");
    Catalog c(std::move(objects));
    auto rules = AlertRulesFor(c, SloOf(c));
    ASSERT_FALSE(rules.has_value());
    EXPECT_EQ(rules.error().field(),
              "spec.alertPolicies[0].spec.conditions[0].spec.condition.lookbackWindow");
    EXPECT_NE(rules.error().message().find("at least 1m"), std::string::npos);
  }
  {  // A calendar alertAfter.
    auto objects = ObjectsOf(r);
    auto& slo = FindIn(objects, Kind::kSlo, "chat-availability")->As<SloSpec>();
    slo.alert_policies[0].spec->conditions[0].spec->condition.alert_after = *ParseDuration("1M");
    Catalog c(std::move(objects));
    auto rules = AlertRulesFor(c, SloOf(c));
    ASSERT_FALSE(rules.has_value());
    EXPECT_EQ(rules.error().field(),
              "spec.alertPolicies[0].spec.conditions[0].spec.condition.alertAfter");
  }
  {  // A policy without a condition.
    auto objects = ObjectsOf(r);
    auto& slo = FindIn(objects, Kind::kSlo, "chat-availability")->As<SloSpec>();
    slo.alert_policies[0].spec->conditions.clear();
    Catalog c(std::move(objects));
    auto rules = AlertRulesFor(c, SloOf(c));
    ASSERT_FALSE(rules.has_value());
    EXPECT_EQ(rules.error().field(), "spec.alertPolicies[0].spec.conditions");
  }
  {  // Unknown references (the validator reports them too; here without validation).
    auto objects = ObjectsOf(r);
    auto& slo = FindIn(objects, Kind::kSlo, "chat-availability")->As<SloSpec>();
    RefOrInline<AlertPolicySpec> ref;
    ref.ref = "nowhere";
    slo.alert_policies.push_back(ref);
    Catalog c(std::move(objects));
    auto rules = AlertRulesFor(c, SloOf(c));
    ASSERT_FALSE(rules.has_value());
    EXPECT_EQ(rules.error().field(), "spec.alertPolicies[1].alertPolicyRef");
    EXPECT_EQ(rules.error().message(), "unknown AlertPolicy \"nowhere\"");
  }
  {
    auto objects = ObjectsOf(r);
    auto& slo = FindIn(objects, Kind::kSlo, "chat-availability")->As<SloSpec>();
    slo.alert_policies[0].spec->notification_targets[0] = {};
    slo.alert_policies[0].spec->notification_targets[0].ref = "missing";
    Catalog c(std::move(objects));
    auto rules = AlertRulesFor(c, SloOf(c));
    ASSERT_FALSE(rules.has_value());
    EXPECT_EQ(rules.error().field(), "spec.alertPolicies[0].spec.notificationTargets[0].targetRef");
  }
  {  // Not an SLO.
    Object service;
    service.kind = Kind::kService;
    service.metadata.name = "chat-api";
    service.spec = ServiceSpec{};
    auto rules = AlertRulesFor(r.catalog, service);
    ASSERT_FALSE(rules.has_value());
    EXPECT_EQ(rules.error().field(), "kind");
  }
}

TEST(AlertRules, ErrorsInsideReferencedObjectsNameTheReference) {
  LoadResult r = LoadPaths({testing::SourceDir() + "/examples/slos"});
  ASSERT_TRUE(r.ok());
  auto objects = ObjectsOf(r);
  FindIn(objects, Kind::kAlertCondition, "fast-burn")
      ->As<AlertConditionSpec>()
      .condition.threshold = 0;
  Catalog c(std::move(objects));
  auto rules = AlertRulesFor(c, SloOf(c));
  ASSERT_FALSE(rules.has_value());
  EXPECT_EQ(rules.error().field(), "spec.alertPolicies[0].alertPolicyRef");
  EXPECT_EQ(rules.error().message(),
            "AlertPolicy page-fast-burn, spec.conditions[0] → AlertCondition fast-burn, "
            "spec.condition.threshold: threshold must be a positive burn rate");
}

TEST(AlertRules, TwoPoliciesSharingAConditionGetDistinctNames) {
  const std::string text = std::string(kSlo) + R"(  alertPolicies:
    - alertPolicyRef: a
    - alertPolicyRef: b
    - alertPolicyRef: a
---
apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: fast
spec:
  severity: page
  condition:
    kind: burnrate
    threshold: 14.4
    lookbackWindow: 1h
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata:
  name: hook
spec:
  target: https://example.com/hook
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: a
spec:
  conditions:
    - conditionRef: fast
  notificationTargets:
    - targetRef: hook
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: b
spec:
  alertWhenNoData: true
  conditions:
    - conditionRef: fast
  notificationTargets:
    - targetRef: hook
)";
  LoadResult r = Load(text);
  auto rules = AlertRulesFor(r.catalog, SloOf(r.catalog));
  ASSERT_TRUE(rules.has_value()) << rules.error().ToString();
  // Policy a listed twice counts once.
  EXPECT_EQ(Names(*rules),
            (std::vector<std::string>{"fast", "fast@b", "budget-exhausted", "no-data"}));
  EXPECT_EQ((*rules)[1].policy, "b");
  ASSERT_EQ((*rules)[2].targets.size(), 1u);  // deduplicated
}

TEST(NoData, NeedsAWholeQuietWindowOfActivity) {
  SloSeries s;
  // Active for 30 minutes only: too early to say.
  EXPECT_FALSE(NoData(s, kT0, kT0 + 30 * kMin));
  EXPECT_TRUE(NoData(s, kT0, kT0 + kHour));
  EXPECT_TRUE(NoData(s, kT0, kT0 + 5 * kHour));
  ASSERT_TRUE(s.Add(kT0 + 4 * kHour + 30 * kMin, 1, 1).ok());
  EXPECT_FALSE(NoData(s, kT0, kT0 + 5 * kHour));
  EXPECT_TRUE(NoData(s, kT0, kT0 + 5 * kHour + 31 * kMin));
  // Other windows; a non-positive one means the default.
  EXPECT_FALSE(NoData(s, kT0, kT0 + 5 * kHour + 31 * kMin, 2 * kHour));
  EXPECT_TRUE(NoData(s, kT0, kT0 + 5 * kHour + 31 * kMin, 0));
  // Bad events count as data too: no_data is about telemetry, not quality.
  ASSERT_TRUE(s.Add(kT0 + 6 * kHour, 0, 3).ok());
  EXPECT_FALSE(NoData(s, kT0, kT0 + 6 * kHour + 10 * kMin));
  // active_since in the future (clock skew): never no-data.
  EXPECT_FALSE(NoData(SloSeries{}, kT0 + kDay, kT0));
}

TEST(AlertRuleType, NamesRoundTrip) {
  for (AlertRuleType t :
       {AlertRuleType::kBurnRate, AlertRuleType::kBudgetExhausted, AlertRuleType::kNoData})
    EXPECT_EQ(ParseAlertRuleType(AlertRuleTypeName(t)), t);
  EXPECT_FALSE(ParseAlertRuleType("burnrate").has_value());
}

}  // namespace
}  // namespace ballast::slo
