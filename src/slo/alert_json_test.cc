// Alerts across restarts (SerializeAlerts / RestoreAlerts, AlertToJson / AlertFromJson) and
// the API shape of GET /v1/alerts.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <string>

#include "common/time.h"
#include "slo/alerts.h"

namespace ballast::slo {
namespace {

using json = nlohmann::json;

constexpr int64_t kMin = kMillisPerMinute;
constexpr int64_t kDay = kMillisPerDay;
constexpr EpochMillis kT0 = 1'795'000'000'000 / kDay * kDay;

std::vector<AlertRule> Rules() {
  AlertRule burn;
  burn.name = "page-1h-5m";
  burn.severity = "page";
  burn.window = DefaultBurnRateWindows(30 * kDay)[0];
  burn.period = "30d";
  burn.period_ms = 30 * kDay;
  burn.labels = {{"slo", "chat"}, {"rule", "page-1h-5m"}, {"window", "1h/5m"}};
  burn.targets = {{"hook", "https://example.com/hook", {{"ballast.dev/format", "slack"}}}};
  AlertRule slow = burn;
  slow.name = "slow";
  slow.alert_after_ms = 10 * kMin;
  AlertRule exhausted;
  exhausted.name = std::string(kBudgetExhaustedRule);
  exhausted.type = AlertRuleType::kBudgetExhausted;
  exhausted.severity = "ticket";
  exhausted.period = "30d";
  return {burn, slow, exhausted};
}

ObjectiveStatus Readings(bool breaching, bool exhausted) {
  ObjectiveStatus st;
  for (const BurnRateWindow& w : WindowsOf(Rules())) {
    BurnRateReading r;
    r.window = w;
    r.long_rate = breaching ? 15.25 : 0.5;
    r.short_rate = breaching ? 30.125 : 0.25;
    r.breaching = breaching;
    st.burn_rates.push_back(r);
  }
  st.sli = 0.9875;
  st.counts = {9875, 10000};
  st.budget.exhausted = exhausted;
  st.budget.consumed_ratio = exhausted ? 1.5 : 0.25;
  return st;
}

// One firing, one pending and one resolved alert, over two variants.
AlertEvaluator Populated() {
  AlertEvaluator e;
  auto rules = Rules();
  AlertSubject canary{"chat", "chat-api", 1, "Requests succeed", "canary"};
  AlertSubject stable{"chat", "chat-api", 0, "", ""};
  EXPECT_TRUE(e.Evaluate(canary, rules, Readings(true, true), false, kT0).has_value());
  EXPECT_TRUE(e.Evaluate(canary, rules, Readings(true, false), false, kT0 + kMin).has_value());
  EXPECT_TRUE(e.Evaluate(stable, rules, Readings(true, false), false, kT0).has_value());
  EXPECT_EQ(e.size(), 5u);  // canary: page firing, slow pending, budget resolved; stable: 2
  return e;
}

TEST(AlertPersistence, RoundTripKeepsEveryFieldAndTheBehaviour) {
  AlertEvaluator before = Populated();
  const std::string text = before.SerializeAlerts();
  AlertEvaluator after;
  ASSERT_TRUE(after.RestoreAlerts(text).ok());
  EXPECT_EQ(after.List(), before.List());
  EXPECT_EQ(after.SerializeAlerts(), text);
  ASSERT_EQ(after.List(AlertState::kResolved).size(), 1u);
  EXPECT_EQ(after.List(AlertState::kResolved)[0].rule, "budget-exhausted");

  // After the restart the next tick resolves exactly as it would have without one.
  AlertSubject canary{"chat", "chat-api", 1, "Requests succeed", "canary"};
  auto rules = Rules();
  auto a = before.Evaluate(canary, rules, Readings(false, false), false, kT0 + 2 * kMin);
  auto b = after.Evaluate(canary, rules, Readings(false, false), false, kT0 + 2 * kMin);
  ASSERT_TRUE(a.has_value() && b.has_value());
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ((*b)[0].alert, (*a)[0].alert);
  EXPECT_EQ((*b)[0].alert.targets[0].annotations.at("ballast.dev/format"), "slack");
  EXPECT_EQ(after.List(), before.List());
}

TEST(AlertPersistence, GarbageIsRejectedNamingTheProblem) {
  AlertEvaluator good = Populated();
  const json valid = json::parse(good.SerializeAlerts());
  struct Case {
    std::string text;
    std::string field;    // expected Status::field()
    std::string message;  // a part of the message
  };
  auto edit = [&](const char* key, json value, size_t index = 0) {
    json j = valid;
    if (value.is_discarded()) {
      j["alerts"][index].erase(key);
    } else {
      j["alerts"][index][key] = std::move(value);
    }
    return j.dump();
  };
  const json erase = json(json::value_t::discarded);
  json duplicate = valid;
  duplicate["alerts"].push_back(valid["alerts"][0]);
  std::vector<Case> cases = {
      {"", "", "not valid JSON"},
      {"{\"version\": 1, \"alerts\": [", "", "not valid JSON"},
      {"[]", "", "expected a JSON object"},
      {"{\"alerts\": []}", "version", "integer version"},
      {"{\"version\": 2, \"alerts\": []}", "version", "unsupported version 2"},
      {"{\"version\": 1}", "alerts", "list of alerts"},
      {"{\"version\": 1, \"alerts\": [7]}", "alerts[0]", "expected an object"},
      {edit("state", "inactive"), "alerts[0].state", "unknown state \"inactive\""},
      {edit("state", "exploded"), "alerts[0].state", "unknown state"},
      {edit("type", "burnrate"), "alerts[0].type", "unknown type"},
      {edit("slo", erase), "alerts[0].slo", "expected a string"},
      {edit("objective", -1), "alerts[0].objective", "negative"},
      {edit("objective", "0"), "alerts[0].objective", "integer"},
      {edit("since", 1.5), "alerts[0].since", "integer"},
      {edit("since", -5), "alerts[0].since", "out of range"},
      {edit("resolved_at", int64_t{1} << 62), "alerts[0].resolved_at", "out of range"},
      {edit("long_burn", "fast"), "alerts[0].long_burn", "number"},
      {edit("labels", json{{"a", 1}}), "alerts[0].labels.a", "string"},
      {edit("targets", json{{{"name", "x"}}}), "alerts[0].targets[0].url", "string"},
      {edit("id", "0000000000000000"), "alerts[0].id", "does not match"},
      {edit("rule", "other"), "alerts[0].id", "does not match"},
      {edit("notify_firing", 1), "alerts[0].notify_firing", "true or false"},
      {edit("fired_at", nullptr), "alerts[0].fired_at", "firing alert needs fired_at"},
      {duplicate.dump(), "alerts[5]", "same slo, objective, variant and rule"},
  };
  for (const Case& c : cases) {
    AlertEvaluator e = Populated();
    const auto before = e.List();
    Status st = e.RestoreAlerts(c.text);
    ASSERT_FALSE(st.ok()) << c.text;
    EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
    EXPECT_EQ(st.field(), c.field) << st.ToString();
    EXPECT_NE(st.message().find(c.message), std::string::npos) << st.ToString();
    EXPECT_EQ(e.List(), before) << "a failed restore must change nothing";
  }
}

// Arbitrary alerts with valid fields; unique keys by construction (the rule carries the index).
rc::Gen<Alert> ArbitraryAlert(size_t index) {
  auto text = rc::gen::container<std::string>(rc::gen::inRange<char>(' ', '~'));
  return rc::gen::apply(
      [index](std::string slo, size_t objective, std::string variant, int state, EpochMillis since,
              EpochMillis other_ms, int64_t burn_milli, bool has_sli,
              std::map<std::string, std::string> labels, std::string url, bool flag) {
        const std::optional<EpochMillis> other =
            has_sli ? std::optional<EpochMillis>(other_ms) : std::nullopt;
        Alert a;
        a.slo = "s" + slo;
        a.service = slo;
        a.objective = objective;
        a.objective_name = variant + "x";
        a.variant = variant;
        a.rule = "r" + std::to_string(index);
        a.id = AlertId(a.key());
        a.type = static_cast<AlertRuleType>(state % 3);
        a.severity = flag ? "page" : "ticket";
        a.state = static_cast<AlertState>(1 + state % 3);
        a.since = since;
        a.fired_at = a.state == AlertState::kFiring ? std::optional<EpochMillis>(since) : other;
        a.resolved_at =
            a.state == AlertState::kResolved ? std::optional<EpochMillis>(since) : other;
        a.long_window_ms = static_cast<int64_t>(objective) * kMin;
        a.short_window_ms = kMin;
        a.long_burn = static_cast<double>(burn_milli) / 1000.0;
        a.short_burn = std::sqrt(std::abs(a.long_burn)) / 3.0;  // not a short decimal
        if (has_sli) a.sli = 1.0 / 3.0;
        a.budget_consumed = a.long_burn * 0.1;
        a.labels = labels;
        a.annotations = {{"summary", slo + " \u00d7 \xe2\x9c\x93"}};
        a.targets = {{"t", url, labels}};
        a.notify_firing = flag;
        a.notify_resolved = !flag;
        return a;
      },
      text, rc::gen::inRange<size_t>(0, 50), text, rc::gen::inRange(0, 3),
      rc::gen::inRange<EpochMillis>(0, 4'000'000'000'000),
      rc::gen::inRange<EpochMillis>(0, 253'402'300'800'000),
      rc::gen::inRange<int64_t>(0, 100'000'000), rc::gen::arbitrary<bool>(),
      rc::gen::container<std::map<std::string, std::string>>(text, text), text,
      rc::gen::arbitrary<bool>());
}

RC_GTEST_PROP(AlertPersistence, SerializeRestoreRoundTrips, ()) {
  const size_t n = *rc::gen::inRange<size_t>(0, 8);
  std::vector<Alert> alerts;
  for (size_t i = 0; i < n; ++i) alerts.push_back(*ArbitraryAlert(i));
  AlertEvaluator a;
  RC_ASSERT(a.Restore(alerts).ok());
  AlertEvaluator b;
  const Status st = b.RestoreAlerts(a.SerializeAlerts());
  RC_ASSERT(st.ok());
  RC_ASSERT(b.List() == a.List());
  for (const Alert& x : a.List()) {
    auto back = AlertFromJson(AlertToJson(x));
    RC_ASSERT(back.has_value());
    RC_ASSERT(*back == x);
  }
}

// Corrupted stored state: any byte changed or the text cut short either restores (when the
// result is still valid) or is InvalidArgument; never a crash, never a partial restore.
RC_GTEST_PROP(AlertPersistence, CorruptInputNeverCrashes, ()) {
  const std::string text = Populated().SerializeAlerts();
  std::string bad = text;
  const size_t pos = *rc::gen::inRange<size_t>(0, text.size());
  if (*rc::gen::arbitrary<bool>()) {
    bad[pos] = *rc::gen::arbitrary<char>();
  } else {
    bad.resize(pos);
  }
  AlertEvaluator e = Populated();
  const auto before = e.List();
  const Status st = e.RestoreAlerts(bad);
  if (!st.ok()) {
    RC_ASSERT(st.IsInvalidArgument());
    RC_ASSERT(e.List() == before);
  }
}

TEST(AlertApiJson, HasTheShapeOfApiMd) {
  AlertEvaluator e = Populated();
  const Alert* a = e.Find(AlertId({"chat", 1, "canary", "page-1h-5m"}));
  ASSERT_NE(a, nullptr);
  json j = AlertToApiJson(*a);
  EXPECT_EQ(j["id"], a->id);
  EXPECT_EQ(j["slo"], "chat");
  EXPECT_EQ(j["service"], "chat-api");
  EXPECT_EQ(j["objective"], "Requests succeed");
  EXPECT_EQ(j["objective_index"], 1);
  EXPECT_EQ(j["variant"], "canary");
  EXPECT_EQ(j["rule"], "page-1h-5m");
  EXPECT_EQ(j["type"], "burn_rate");
  EXPECT_EQ(j["severity"], "page");
  EXPECT_EQ(j["state"], "firing");
  EXPECT_EQ(j["since"], FormatRfc3339(kT0));
  EXPECT_EQ(j["fired_at"], FormatRfc3339(kT0));
  EXPECT_TRUE(j["resolved_at"].is_null());
  EXPECT_EQ(j["burn_rates"], (json{{"1h", 15.25}, {"5m", 30.125}}));
  EXPECT_EQ(j["sli"], 0.9875);
  EXPECT_EQ(j["labels"]["variant"], "canary");
  EXPECT_EQ(j["labels"]["objective"], "Requests succeed");
  EXPECT_EQ(j["annotations"]["summary"], "chat is burning its error budget 15.2× too fast (1h/5m)");
  EXPECT_EQ(j.count("targets"), 0u);  // delivery details stay server-side

  const Alert* budget = e.Find(AlertId({"chat", 1, "canary", "budget-exhausted"}));
  ASSERT_NE(budget, nullptr);
  json b = AlertToApiJson(*budget);
  EXPECT_EQ(b["state"], "resolved");
  EXPECT_EQ(b["since"], FormatRfc3339(kT0 + kMin));
  EXPECT_EQ(b["resolved_at"], FormatRfc3339(kT0 + kMin));
  EXPECT_EQ(b["burn_rates"], json::object());
  EXPECT_EQ(b["budget_consumed"], 1.5);
  // The objective without a display name is named by its index.
  const Alert* stable = e.Find(AlertId({"chat", 0, "", "page-1h-5m"}));
  ASSERT_NE(stable, nullptr);
  EXPECT_EQ(AlertToApiJson(*stable)["objective"], "0");
  EXPECT_EQ(stable->labels.count("variant"), 0u);
}

TEST(AlertStateNames, RoundTrip) {
  for (AlertState s :
       {AlertState::kInactive, AlertState::kPending, AlertState::kFiring, AlertState::kResolved})
    EXPECT_EQ(ParseAlertState(AlertStateName(s)), s);
  EXPECT_FALSE(ParseAlertState("Firing").has_value());
}

}  // namespace
}  // namespace ballast::slo
