#include "registry/lifecycle_alerts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/clock.h"

namespace ballast::registry {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kDay = kLifecycleDayMillis;
constexpr EpochMillis kT0 = 1'800'000'000'000;

VersionExposure Exposed(EpochMillis retires_at, std::string replacement = "support-bot@4") {
  return {"support-bot", 3, {"production"}, retires_at, std::move(replacement), false};
}

// Drives LifecycleAlerts day by day on a simulated clock and records what would be notified.
class LifecycleAlertsTest : public ::testing::Test {
 protected:
  std::vector<LifecycleEvent> Step(const std::vector<VersionExposure>& exposures) {
    return alerts_.Evaluate(exposures, clock_.NowMillis());
  }
  std::vector<std::string> Notified(const std::vector<LifecycleEvent>& events) {
    std::vector<std::string> out;
    for (const LifecycleEvent& e : events) {
      if (!e.notify) continue;
      out.push_back(std::string(LifecycleAlertStateName(e.alert.state)) + " " +
                    std::to_string(e.alert.threshold_days) + "d " + e.alert.severity);
    }
    return out;
  }

  SimulatedClock clock_{kT0};
  LifecycleAlerts alerts_;
};

TEST_F(LifecycleAlertsTest, EachThresholdNotifiesOnceWithItsSeverity) {
  const EpochMillis retires = kT0 + 90 * kDay;
  std::vector<std::string> all;
  for (int day = 0; day < 95; ++day) {
    for (const std::string& n : Notified(Step({Exposed(retires)}))) {
      all.push_back("day " + std::to_string(day) + ": " + n);
    }
    clock_.Advance(kDay);
  }
  EXPECT_THAT(all, ElementsAre("day 30: firing 60d ticket", "day 60: firing 30d ticket",
                               "day 76: firing 14d page", "day 83: firing 7d page"));
  auto listed = alerts_.List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].state, LifecycleAlertState::kFiring);  // past its date, still exposed
  EXPECT_THAT(listed[0].notified, ElementsAre(60, 30, 14, 7));
}

TEST_F(LifecycleAlertsTest, LateVersionNotifiesOnlyTheMostUrgentThresholdCrossed) {
  EXPECT_THAT(Notified(Step({Exposed(kT0 + 10 * kDay)})), ElementsAre("firing 14d page"));
  EXPECT_THAT(Notified(Step({Exposed(kT0 + 10 * kDay)})), IsEmpty());
  clock_.Advance(3 * kDay);
  EXPECT_THAT(Notified(Step({Exposed(kT0 + 10 * kDay)})), ElementsAre("firing 7d page"));
}

TEST_F(LifecycleAlertsTest, AliasMovingOffResolvesAndReExposureFiresAgain) {
  Step({Exposed(kT0 + 5 * kDay)});
  auto events = Step({});
  EXPECT_THAT(Notified(events), ElementsAre("resolved 7d page"));
  EXPECT_THAT(events[0].alert.resolution, HasSubstr("no alias points at the version"));
  EXPECT_THAT(alerts_.List(LifecycleAlertState::kFiring), IsEmpty());
  EXPECT_THAT(Notified(Step({})), IsEmpty());
  EXPECT_THAT(Notified(Step({Exposed(kT0 + 5 * kDay)})), ElementsAre("firing 7d page"));
}

TEST_F(LifecycleAlertsTest, RetiredVersionResolves) {
  Step({Exposed(kT0 + 20 * kDay)});
  VersionExposure retired = Exposed(kT0 + 20 * kDay);
  retired.retired = true;
  auto events = Step({retired});
  EXPECT_THAT(Notified(events), ElementsAre("resolved 30d ticket"));
  EXPECT_EQ(events[0].alert.resolution, "the version is retired");
  EXPECT_THAT(Notified(Step({retired})), IsEmpty());
}

TEST_F(LifecycleAlertsTest, PostponedRetirementLowersTheThresholdAndNotifiesAgainLater) {
  Step({Exposed(kT0 + 6 * kDay)});
  auto events = Step({Exposed(kT0 + 40 * kDay)});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].notify);
  EXPECT_EQ(events[0].alert.threshold_days, 60);
  EXPECT_EQ(events[0].alert.severity, "ticket");
  clock_.Advance(11 * kDay);  // 29 days left
  EXPECT_THAT(Notified(Step({Exposed(kT0 + 40 * kDay)})), ElementsAre("firing 30d ticket"));
  // Moved beyond the window: resolved.
  EXPECT_THAT(Notified(Step({Exposed(kT0 + 400 * kDay)})), ElementsAre("resolved 30d ticket"));
}

TEST_F(LifecycleAlertsTest, ResolvedAlertsAreDroppedAfterTheRetention) {
  Step({Exposed(kT0 + 5 * kDay)});
  Step({});
  EXPECT_EQ(alerts_.List().size(), 1u);
  clock_.Advance(kDay + 3600 * 1000);
  Step({});
  EXPECT_THAT(alerts_.List(), IsEmpty());
}

TEST_F(LifecycleAlertsTest, LabelsAndAnnotationsCarryAliasAndReplacement) {
  VersionExposure e = Exposed(kT0 + 5 * kDay);
  e.aliases = {"champion", "production"};
  auto events = Step({e});
  ASSERT_EQ(events.size(), 1u);
  auto labels = LifecycleLabels(events[0].alert);
  EXPECT_EQ(labels["alertname"], "ballast_model_retiring");
  EXPECT_EQ(labels["model"], "support-bot");
  EXPECT_EQ(labels["version"], "3");
  EXPECT_EQ(labels["alias"], "champion,production");
  EXPECT_EQ(labels["severity"], "page");
  EXPECT_EQ(labels["threshold"], "7d");
  auto notes = LifecycleAnnotations(events[0].alert, kT0);
  EXPECT_EQ(notes["replacement"], "support-bot@4");
  EXPECT_THAT(notes["summary"], HasSubstr("support-bot@3 (champion,production) retires in 5 days"));
  nlohmann::json api = LifecycleAlertToApiJson(events[0].alert, kT0);
  EXPECT_EQ(api["type"], "model_lifecycle");
  EXPECT_EQ(api["days_left"], 5);
  EXPECT_EQ(api["state"], "firing");
  EXPECT_EQ(LifecycleAnnotations(events[0].alert, kT0).count("resolution"), 0u);
}

TEST_F(LifecycleAlertsTest, StateSurvivesSerializeAndRestoreSoNothingIsNotifiedTwice) {
  Step({Exposed(kT0 + 10 * kDay)});
  LifecycleAlerts restarted;
  ASSERT_TRUE(restarted.Restore(alerts_.Serialize()).ok());
  EXPECT_EQ(restarted.List(), alerts_.List());
  auto events = restarted.Evaluate({Exposed(kT0 + 10 * kDay)}, kT0 + kDay);
  for (const LifecycleEvent& e : events) EXPECT_FALSE(e.notify);
}

TEST_F(LifecycleAlertsTest, RestoreRefusesDamagedStateAndKeepsTheOld) {
  Step({Exposed(kT0 + 10 * kDay)});
  EXPECT_FALSE(alerts_.Restore("not json").ok());
  EXPECT_FALSE(alerts_.Restore(R"({"version": 2, "alerts": []})").ok());
  Status st = alerts_.Restore(R"({"version": 1, "alerts": [{"id": "x"}]})");
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.field(), "alerts[0]");
  EXPECT_EQ(alerts_.List().size(), 1u);
}

TEST(DaysLeftTest, RoundsUpAndGoesNegativeAfterTheDate) {
  EXPECT_EQ(DaysLeft(kT0 + 7 * kDay, kT0), 7);
  EXPECT_EQ(DaysLeft(kT0 + 7 * kDay - 1, kT0), 7);
  EXPECT_EQ(DaysLeft(kT0 + 6 * kDay + 1, kT0), 7);
  EXPECT_EQ(DaysLeft(kT0, kT0), 0);
  EXPECT_EQ(DaysLeft(kT0 - 2 * kDay, kT0), -2);
}

}  // namespace
}  // namespace ballast::registry
