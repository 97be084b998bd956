// The alert state machine: the SRE Workbook scenarios in simulated time over real series and
// EvaluateObjective, the transitions one by one, Forget, persistence and the API shape.
#include "slo/alerts.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <set>
#include <string>

#include "common/sha256.h"
#include "common/time.h"
#include "slo/loader.h"
#include "slo/test_support.h"

namespace ballast::slo {
namespace {

constexpr int64_t kSec = 1000;
using testing::kAvailabilitySlo;
using testing::kDay;
using testing::kHour;
using testing::kMin;
using testing::kT0;
constexpr const char* kSlo = kAvailabilitySlo;

std::vector<AlertRule> RulesOf(const std::string& text) {
  LoadResult r = LoadText(text, "test.yaml");
  EXPECT_TRUE(r.ok()) << r.diagnostics.ToString();
  const Object* slo = r.catalog.Find(Kind::kSlo, "chat-availability");
  EXPECT_NE(slo, nullptr);
  if (slo == nullptr) return {};
  auto rules = AlertRulesFor(r.catalog, *slo);
  EXPECT_TRUE(rules.has_value()) << rules.error().ToString();
  return rules.value_or(std::vector<AlertRule>{});
}

// One SLO objective in simulated time: a real series, EvaluateObjective, the evaluator.
struct Sim {
  explicit Sim(std::vector<AlertRule> r) : rules(std::move(r)) {
    objective.target = 0.999;
    objective.window.duration = *ParseDuration("30d");
  }

  void Add(EpochMillis t, uint64_t good, uint64_t total) {
    ASSERT_TRUE(series.Add(t, good, total).ok());
  }
  // Evaluates at `now`; records every event with its time.
  void Tick(EpochMillis now, bool no_data = false) {
    auto st = EvaluateObjective(objective, series, WindowsOf(rules), now);
    ASSERT_TRUE(st.has_value()) << st.error().ToString();
    last = *st;
    auto ev = evaluator.Evaluate(subject, rules, *st, no_data, now);
    ASSERT_TRUE(ev.has_value()) << ev.error().ToString();
    for (AlertEvent& e : *ev) timeline.push_back({now, std::move(e)});
  }
  // When `rule` first reached `state` (firing or resolved), if it did.
  std::optional<EpochMillis> First(const std::string& rule, AlertState state) const {
    for (const auto& [t, e] : timeline)
      if (e.alert.rule == rule && e.alert.state == state) return t;
    return std::nullopt;
  }
  std::set<std::string> RulesThatFired() const {
    std::set<std::string> out;
    for (const auto& [t, e] : timeline)
      if (e.alert.state == AlertState::kFiring) out.insert(e.alert.rule);
    return out;
  }
  AlertState StateOf(const std::string& rule) const {
    for (const Alert& a : evaluator.List())
      if (a.rule == rule) return a.state;
    return AlertState::kInactive;
  }

  std::vector<AlertRule> rules;
  BudgetObjective objective;
  SloSeries series;
  AlertEvaluator evaluator;
  AlertSubject subject{"chat-availability", "chat-api", 0, "Requests succeed", ""};
  ObjectiveStatus last;
  std::vector<std::pair<EpochMillis, AlertEvent>> timeline;
};

// Workbook: a 100 % error outage on a 99.9 % / 30-day SLO. The 1h/5m page needs 2 % of the
// budget spent in the hour, i.e. 0.02 × 30 d × 0.001 = 51.84 s of total failure (the
// Workbook's detection time, (1 − SLO) ÷ error ratio × window × burn rate). Traffic is one
// request per second; a 3-day good history fills every long window.
TEST(AlertScenarios, FullOutagePagesWithinAMinuteAndResolvesWithTheShortWindow) {
  Sim sim(RulesOf(kSlo));
  const EpochMillis start = kT0 + 3 * kDay;  // outage start, a minute boundary
  for (EpochMillis m = kT0; m < start; m += kMin) sim.Add(m, 60, 60);
  const EpochMillis end = start + 10 * kMin;
  for (EpochMillis t = start; t < end; t += kSec) {
    sim.Add(t, 0, 1);
    sim.Tick(t);
  }
  auto fired = sim.First("page-1h-5m", AlertState::kFiring);
  ASSERT_TRUE(fired.has_value());
  // 52 failed requests against 3,540 good ones in the hour: 1.448 % > 1.44 %, at second 51.
  EXPECT_EQ(*fired - start, 51 * kSec);
  EXPECT_NEAR((*fired - start) / 1000.0, 0.02 * 30 * 24 * 3600 * 0.001, 1.0);
  // The 6h/30m page follows once 0.6 % of six hours failed (130 s), both tickets later.
  auto six = sim.First("page-6h-30m", AlertState::kFiring);
  ASSERT_TRUE(six.has_value());
  EXPECT_NEAR((*six - start) / 1000.0, 130, 2);
  // Ten minutes of failures also spend the budget of three days of traffic (259 requests).
  EXPECT_EQ(sim.RulesThatFired(),
            (std::set<std::string>{"page-1h-5m", "page-6h-30m", "ticket-1d-2h", "ticket-3d-6h",
                                   "budget-exhausted"}));
  const AlertEvent& page = sim.timeline.front().second;
  EXPECT_EQ(page.alert.rule, "page-1h-5m");
  EXPECT_EQ(page.previous, AlertState::kInactive);
  EXPECT_TRUE(page.notify);
  EXPECT_EQ(page.alert.severity, "page");
  EXPECT_EQ(page.alert.fired_at, *fired);
  EXPECT_EQ(page.alert.labels.at("objective"), "Requests succeed");
  EXPECT_EQ(page.alert.annotations.at("summary"),
            "chat-availability is burning its error budget 14.5× too fast (1h/5m)");
  EXPECT_NE(page.alert.annotations.at("description").find("budget is gone in"), std::string::npos)
      << page.alert.annotations.at("description");

  // Recovery: the page resolves when the last failed minute leaves the 5-minute window,
  // 4 minutes after the end (the window spans the current minute bucket and four before).
  for (EpochMillis t = end; t < end + 10 * kMin; t += kSec) {
    sim.Add(t, 1, 1);
    sim.Tick(t);
  }
  auto resolved = sim.First("page-1h-5m", AlertState::kResolved);
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(*resolved - end, 4 * kMin);
  EXPECT_EQ(sim.StateOf("page-1h-5m"), AlertState::kResolved);
  // The 6h/30m page still fires: its short window still holds the outage.
  EXPECT_EQ(sim.StateOf("page-6h-30m"), AlertState::kFiring);
  const Alert* a = sim.evaluator.Find(AlertId({"chat-availability", 0, "", "page-1h-5m"}));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->resolved_at, *resolved);
  EXPECT_EQ(a->since, *resolved);
  EXPECT_EQ(a->fired_at, *fired);
}

// A 2× burn (0.2 % errors on 99.9 %) after 26 good days: only the 3d/6h ticket (threshold 1×)
// fires, once the 3-day window holds more than 0.1 % errors, i.e. after 1.5 days; it would
// exhaust the budget in 15 days, so no budget alert within these 4 days.
TEST(AlertScenarios, SlowBurnOpensOnlyTheTicket) {
  Sim sim(RulesOf(kSlo));
  const EpochMillis burn = kT0 + 26 * kDay;
  for (EpochMillis h = kT0; h < burn; h += kHour) sim.Add(h, 60'000, 60'000);
  for (EpochMillis m = burn; m < burn + 4 * kDay; m += kMin) {
    sim.Add(m, 998, 1'000);
    if ((m - burn) % (10 * kMin) == 0) sim.Tick(m + kMin - 1);
  }
  EXPECT_EQ(sim.RulesThatFired(), (std::set<std::string>{"ticket-3d-6h"}));
  auto fired = sim.First("ticket-3d-6h", AlertState::kFiring);
  ASSERT_TRUE(fired.has_value());
  EXPECT_NEAR(static_cast<double>(*fired - burn) / kDay, 1.5, 0.01);
  EXPECT_NEAR(sim.last.burn_rates[3].long_rate, 2, 1e-9);
  EXPECT_FALSE(sim.last.budget.exhausted);
}

TEST(AlertScenarios, TolerableErrorRateNeverFires) {
  Sim sim(RulesOf(kSlo));
  // 0.05 %: one failure every two minutes among 1,000 requests a minute (burn rate 0.5), after
  // a good day (with Occurrences, a first failure among the first few requests would spend
  // the budget of the period so far).
  for (EpochMillis h = kT0 - kDay; h < kT0; h += kHour) sim.Add(h, 60'000, 60'000);
  for (EpochMillis m = kT0; m < kT0 + 4 * kDay; m += kMin) {
    sim.Add(m, ((m - kT0) / kMin) % 2 == 0 ? 999 : 1'000, 1'000);
    if ((m - kT0) % (10 * kMin) == 0) sim.Tick(m + kMin - 1);
  }
  EXPECT_TRUE(sim.timeline.empty());
  EXPECT_EQ(sim.evaluator.size(), 0u);
  EXPECT_NEAR(sim.last.burn_rates[3].long_rate, 0.5, 1e-9);
}

TEST(AlertScenarios, FewerThanTenEventsNeverFire) {
  Sim sim(RulesOf(kSlo));
  for (int i = 0; i < 9; ++i) sim.Add(kT0 + i * kSec, 0, 1);
  sim.Tick(kT0 + 30 * kSec);
  // Every request failed (a 1000× burn), but no short window holds 10 events.
  EXPECT_DOUBLE_EQ(sim.last.burn_rates[0].short_rate, 1000);
  EXPECT_FALSE(sim.last.burn_rates[0].enough_events);
  // Nothing fires: nine failures spend the budget of nine requests, but the low-traffic
  // guard (AlertEvaluatorOptions::min_period_events) keeps the budget alert quiet too.
  EXPECT_TRUE(sim.last.budget.exhausted);
  EXPECT_TRUE(sim.RulesThatFired().empty());
  // The tenth request lets every rule fire.
  sim.Add(kT0 + 40 * kSec, 0, 1);
  sim.Tick(kT0 + 41 * kSec);
  EXPECT_EQ(sim.RulesThatFired(),
            (std::set<std::string>{"page-1h-5m", "page-6h-30m", "ticket-1d-2h", "ticket-3d-6h",
                                   "budget-exhausted"}));
}

TEST(AlertScenarios, BudgetExhaustedFiresAndResolves) {
  Sim sim(RulesOf(kSlo));
  // Two failures among 1,000 requests over a day: 2 × the allowed 0.1 % of the period so far.
  sim.Add(kT0, 998, 1'000);
  sim.Tick(kT0 + 2 * kDay);
  EXPECT_TRUE(sim.last.budget.exhausted);
  EXPECT_EQ(sim.StateOf("budget-exhausted"), AlertState::kFiring);
  const Alert* a = sim.evaluator.Find(AlertId({"chat-availability", 0, "", "budget-exhausted"}));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->annotations.at("summary"), "chat-availability has exhausted its 30d error budget");
  EXPECT_EQ(a->annotations.at("description"),
            "Objective \"Requests succeed\" consumed 200 % of its error budget in the current "
            "period (SLI 99.8 %).");
  EXPECT_DOUBLE_EQ(a->budget_consumed, 2);
  // Enough good requests dilute the failures back under budget.
  sim.Add(kT0 + 2 * kDay, 10'000, 10'000);
  sim.Tick(kT0 + 2 * kDay + kMin);
  EXPECT_EQ(sim.StateOf("budget-exhausted"), AlertState::kResolved);
  ASSERT_EQ(sim.timeline.size(), 2u);
  EXPECT_EQ(sim.timeline[1].second.previous, AlertState::kFiring);
  EXPECT_TRUE(sim.timeline[1].second.notify);
}

TEST(AlertScenarios, NoDataFiresWhileTheSeriesIsQuiet) {
  Sim sim(RulesOf(kSlo));
  const EpochMillis active = kT0;
  sim.Tick(kT0 + 30 * kMin, NoData(sim.series, active, kT0 + 30 * kMin));
  EXPECT_TRUE(sim.timeline.empty());
  sim.Tick(kT0 + 2 * kHour, NoData(sim.series, active, kT0 + 2 * kHour));
  EXPECT_EQ(sim.StateOf("no-data"), AlertState::kFiring);
  const Alert* a = sim.evaluator.Find(AlertId({"chat-availability", 0, "", "no-data"}));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->annotations.at("summary"), "chat-availability has received no events for 1h");
  sim.Add(kT0 + 2 * kHour + kMin, 5, 5);
  sim.Tick(kT0 + 2 * kHour + kMin, NoData(sim.series, active, kT0 + 2 * kHour + kMin));
  EXPECT_EQ(sim.StateOf("no-data"), AlertState::kResolved);
}

constexpr const char* kAfterPolicy = R"(  alertPolicies:
    - kind: AlertPolicy
      metadata:
        name: page-fast
      spec:
        conditions:
          - kind: AlertCondition
            metadata:
              name: fast
            spec:
              severity: page
              condition:
                kind: burnrate
                threshold: 14.4
                lookbackWindow: 1h
                alertAfter: 2m
        notificationTargets:
          - kind: AlertNotificationTarget
            metadata:
              name: hook
            spec:
              target: https://example.com/hook
)";

TEST(AlertScenarios, AlertAfterKeepsItPendingThenFires) {
  Sim sim(RulesOf(std::string(kSlo) + kAfterPolicy));
  ASSERT_EQ(sim.rules[0].alert_after_ms, 2 * kMin);
  const EpochMillis start = kT0 + kDay;
  for (EpochMillis m = kT0; m < start; m += kMin) sim.Add(m, 60, 60);
  std::optional<EpochMillis> pending;
  for (EpochMillis t = start; t < start + 10 * kMin; t += kSec) {
    sim.Add(t, 0, 1);
    sim.Tick(t);
    if (!pending && sim.StateOf("fast") == AlertState::kPending) pending = t;
  }
  ASSERT_TRUE(pending.has_value());
  EXPECT_EQ(*pending - start, 51 * kSec);
  auto fired = sim.First("fast", AlertState::kFiring);
  ASSERT_TRUE(fired.has_value());
  EXPECT_EQ(*fired - *pending, 2 * kMin);
  const AlertEvent* found = nullptr;
  for (const auto& [t, ev] : sim.timeline)
    if (ev.alert.rule == "fast" && found == nullptr) found = &ev;
  ASSERT_NE(found, nullptr);
  const AlertEvent& e = *found;
  EXPECT_EQ(e.previous, AlertState::kPending);
  ASSERT_EQ(e.alert.targets.size(), 1u);
  EXPECT_EQ(e.alert.targets[0].url, "https://example.com/hook");
  EXPECT_EQ(e.alert.labels.at("policy"), "page-fast");
}

// Synthetic readings for the transitions themselves.
struct Machine {
  Machine() {
    AlertRule burn;
    burn.name = "fast";
    burn.severity = "page";
    burn.window = DefaultBurnRateWindows(30 * kDay)[0];
    burn.period = "30d";
    burn.period_ms = 30 * kDay;
    burn.labels = {{"slo", "s"}, {"rule", "fast"}};
    rules.push_back(burn);
    AlertRule exhausted;
    exhausted.name = std::string(kBudgetExhaustedRule);
    exhausted.type = AlertRuleType::kBudgetExhausted;
    exhausted.severity = "ticket";
    rules.push_back(exhausted);
  }
  // The events of one tick (none, with a test failure, when Evaluate refuses).
  std::vector<AlertEvent> Tick(EpochMillis now, bool breaching, const std::string& slo = "s") {
    ObjectiveStatus st;
    BurnRateReading r;
    r.window = rules[0].window;
    r.long_rate = r.short_rate = breaching ? 20 : 1;
    r.enough_events = true;
    r.breaching = breaching;
    st.burn_rates.push_back(r);
    auto events = evaluator.Evaluate({slo, "svc", 0, "", ""}, rules, st, false, now);
    EXPECT_TRUE(events.has_value()) << events.error().ToString();
    return events.value_or(std::vector<AlertEvent>{});
  }
  std::vector<AlertRule> rules;
  AlertEvaluator evaluator;
};

TEST(AlertStateMachine, PendingThatClearsVanishesSilently) {
  Machine m;
  m.rules[0].alert_after_ms = 5 * kMin;
  auto e = m.Tick(kT0, true);
  EXPECT_TRUE(e.empty());
  ASSERT_EQ(m.evaluator.List(AlertState::kPending).size(), 1u);
  EXPECT_EQ(m.evaluator.List()[0].since, kT0);
  e = m.Tick(kT0 + 4 * kMin, true);
  EXPECT_TRUE(e.empty());  // held 4 of 5 minutes
  e = m.Tick(kT0 + 4 * kMin + 30 * kSec, false);
  EXPECT_TRUE(e.empty());
  EXPECT_EQ(m.evaluator.size(), 0u);
}

TEST(AlertStateMachine, FiresResolvesRefiresAndExpires) {
  Machine m;
  auto e = m.Tick(kT0, true);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].alert.state, AlertState::kFiring);
  EXPECT_TRUE(m.Tick(kT0 + kMin, true).empty());  // still firing: no new event
  e = m.Tick(kT0 + 2 * kMin, false);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].alert.state, AlertState::kResolved);
  EXPECT_EQ(e[0].alert.resolved_at, kT0 + 2 * kMin);
  EXPECT_EQ(e[0].alert.fired_at, kT0);
  e = m.Tick(kT0 + 3 * kMin, true);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].previous, AlertState::kResolved);
  EXPECT_EQ(e[0].alert.fired_at, kT0 + 3 * kMin);
  EXPECT_EQ(m.Tick(kT0 + 4 * kMin, false).size(), 1u);
  // Listed as resolved for a day, then dropped.
  EXPECT_TRUE(m.Tick(kT0 + 4 * kMin + kDay - 1, false).empty());
  EXPECT_EQ(m.evaluator.List(AlertState::kResolved).size(), 1u);
  EXPECT_TRUE(m.Tick(kT0 + 4 * kMin + kDay, false).empty());
  EXPECT_EQ(m.evaluator.size(), 0u);
}

TEST(AlertStateMachine, PendingAfterAResolutionFallsBackToResolved) {
  Machine m;
  m.Tick(kT0, true);
  m.Tick(kT0 + kMin, false);
  m.rules[0].alert_after_ms = 10 * kMin;
  m.Tick(kT0 + 2 * kMin, true);
  EXPECT_EQ(m.evaluator.List()[0].state, AlertState::kPending);
  EXPECT_TRUE(m.Tick(kT0 + 3 * kMin, false).empty());
  ASSERT_EQ(m.evaluator.size(), 1u);
  EXPECT_EQ(m.evaluator.List()[0].state, AlertState::kResolved);
  EXPECT_EQ(m.evaluator.List()[0].since, kT0 + kMin);
}

TEST(AlertStateMachine, PolicyFlagsDecideNotification) {
  Machine m;
  m.rules[0].alert_when_breaching = false;
  auto e = m.Tick(kT0, true);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_FALSE(e[0].notify);  // recorded, listed, not delivered
  m.rules[0].alert_when_breaching = true;
  m.rules[0].alert_when_resolved = false;
  m.Tick(kT0 + kMin, true);
  e = m.Tick(kT0 + 2 * kMin, false);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].alert.state, AlertState::kResolved);
  EXPECT_FALSE(e[0].notify);
}

TEST(AlertStateMachine, RemovedRuleResolves) {
  Machine m;
  ASSERT_EQ(m.Tick(kT0, true).size(), 1u);
  m.rules.erase(m.rules.begin());
  ObjectiveStatus st;  // no burn-rate rule left, no readings
  auto e = m.evaluator.Evaluate({"s", "svc", 0, "", ""}, m.rules, st, false, kT0 + kMin);
  ASSERT_TRUE(e.has_value());
  ASSERT_EQ(e->size(), 1u);
  EXPECT_EQ((*e)[0].alert.rule, "fast");
  EXPECT_EQ((*e)[0].alert.state, AlertState::kResolved);
}

TEST(AlertStateMachine, ReadingsMustMatchTheRules) {
  Machine m;
  ObjectiveStatus none;
  auto e = m.evaluator.Evaluate({"s", "svc", 0, "", ""}, m.rules, none, false, kT0);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().field(), "burn_rates[0]");
  ObjectiveStatus other;
  BurnRateReading r;
  r.window = DefaultBurnRateWindows(30 * kDay)[1];
  r.breaching = true;
  other.burn_rates = {r};
  e = m.evaluator.Evaluate({"s", "svc", 0, "", ""}, m.rules, other, false, kT0);
  ASSERT_FALSE(e.has_value());
  EXPECT_NE(e.error().message().find("6h/30m"), std::string::npos);
  other.burn_rates = {r, r};
  other.burn_rates[0].window = m.rules[0].window;
  e = m.evaluator.Evaluate({"s", "svc", 0, "", ""}, m.rules, other, false, kT0);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().field(), "burn_rates");
  EXPECT_EQ(m.evaluator.size(), 0u);
}

TEST(AlertStateMachine, ForgetResolvesFiringAndDropsTheSlo) {
  Machine m;
  m.Tick(kT0, true, "a");
  m.Tick(kT0, true, "b");
  m.rules[0].alert_after_ms = kHour;
  m.rules[0].name = "slow";
  m.Tick(kT0, true, "a");  // "slow" pending, "fast" (gone from rules) resolves
  m.rules[0].name = "fast";
  m.rules[0].alert_after_ms = 0;
  m.Tick(kT0 + kSec, true, "a");  // fast fires again; slow is gone from rules: dropped
  ASSERT_EQ(m.evaluator.List(AlertState::kFiring).size(), 2u);
  auto events = m.evaluator.Forget("a", kT0 + kMin);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].alert.slo, "a");
  EXPECT_EQ(events[0].alert.state, AlertState::kResolved);
  EXPECT_EQ(events[0].alert.annotations.at("resolved_reason"), "the SLO was deleted");
  auto left = m.evaluator.List();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].slo, "b");
  EXPECT_TRUE(m.evaluator.Forget("a", kT0 + kMin).empty());
}

TEST(AlertStateMachine, ListIsSortedAndIdsAreStable) {
  Machine m;
  m.Tick(kT0, true, "zeta");
  m.Tick(kT0, true, "alpha");
  auto all = m.evaluator.List();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].slo, "alpha");
  EXPECT_EQ(all[0].id, AlertId({"alpha", 0, "", "fast"}));
  EXPECT_EQ(all[0].id.size(), 16u);
  EXPECT_NE(AlertId({"alpha", 0, "", "fast"}), AlertId({"alpha", 1, "", "fast"}));
  EXPECT_NE(AlertId({"a", 0, "b", "c"}), AlertId({"a", 0, "", "bc"}));
  // The id is a documented function of the key: pinned so it never changes by accident.
  EXPECT_EQ(AlertId({"alpha", 0, "", "fast"}), Sha256Hex("alpha\n0\n\nfast\n").substr(0, 16));
}

}  // namespace
}  // namespace ballast::slo
