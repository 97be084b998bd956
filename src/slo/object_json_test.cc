// Objects back to JSON, canonical content and hashes, with rapidcheck round trips.
#include "slo/object_json.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdio>

#include "slo/loader.h"
#include "slo/test_support.h"

namespace ballast::slo {
namespace {

std::string SloYaml(const std::string& target_line, const std::string& window,
                    const std::string& extra = "") {
  return "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: s\n  labels: {team: a}\n"
         "spec:\n  service: chat-api\n  indicator:\n    metadata: {name: i}\n    spec:\n"
         "      thresholdMetric:\n        metricSource:\n          type: ballast\n"
         "          spec: {field: latency_ms, where: \"outcome = 'ok'\"}\n"
         "  timeWindow:\n    - duration: " +
         window +
         "\n      isRolling: true\n"
         "  budgetingMethod: Occurrences\n  objectives:\n    - op: lt\n      value: 500\n"
         "      " +
         target_line + "\n" + extra;
}

const Object& Only(const LoadResult& r) {
  EXPECT_EQ(r.catalog.objects().size(), 1u) << r.diagnostics.ToString();
  return r.catalog.objects().at(0);
}

TEST(ObjectJson, ReapplyingTheSameContentInAnotherFormIsEqual) {
  LoadResult yaml = LoadText(SloYaml("target: 0.99", "28d"));
  ASSERT_TRUE(yaml.ok()) << yaml.diagnostics.ToString();
  // The same object as JSON with keys in another order, and as YAML with comments and quotes.
  std::string json = ToJson(Only(yaml)).dump(2);
  LoadResult from_json = LoadText(json, "x.json");
  ASSERT_TRUE(from_json.ok()) << from_json.diagnostics.ToString() << json;
  EXPECT_TRUE(SameContent(Only(yaml), Only(from_json)));
  EXPECT_EQ(ContentHash(Only(yaml)), ContentHash(Only(from_json)));
  std::string commented = SloYaml("target: 0.99   # two nines", "\"28d\"");
  EXPECT_EQ(ContentHash(Only(LoadText(commented))), ContentHash(Only(yaml)));
  // A changed value is another content.
  EXPECT_NE(ContentHash(Only(LoadText(SloYaml("target: 0.995", "28d")))), ContentHash(Only(yaml)));
  EXPECT_NE(ContentHash(Only(LoadText(SloYaml("target: 0.99", "4w")))), ContentHash(Only(yaml)));
  EXPECT_EQ(ContentHash(Only(yaml)).size(), 64u);
}

TEST(ObjectJson, WritesWhatTheDocumentHad) {
  LoadResult r = LoadText(SloYaml("targetPercent: 99.5", "1w"));
  nlohmann::json j = ToJson(Only(r));
  EXPECT_EQ(j["apiVersion"], "openslo/v1");
  EXPECT_EQ(j["kind"], "SLO");
  EXPECT_EQ(j["metadata"]["labels"]["team"], "a");
  EXPECT_EQ(j["spec"]["timeWindow"][0]["duration"], "1w");
  EXPECT_EQ(j["spec"]["objectives"][0]["targetPercent"], 99.5);
  EXPECT_FALSE(j["spec"]["objectives"][0].contains("target"));
  EXPECT_FALSE(j["spec"].contains("alertPolicies"));
  EXPECT_EQ(j["spec"]["indicator"]["spec"]["thresholdMetric"]["metricSource"]["spec"]["field"],
            "latency_ms");
  EXPECT_DOUBLE_EQ(Only(r).As<SloSpec>().objectives[0].Target(), 0.995);
}

// Every example converts to JSON and loads back to the same content.
TEST(ObjectJson, ExamplesRoundTrip) {
  LoadResult r = LoadPaths({testing::SourceDir() + "/examples/slos"});
  ASSERT_TRUE(r.ok()) << r.diagnostics.ToString();
  nlohmann::json all = nlohmann::json::array();
  for (const Object& o : r.catalog.objects()) all.push_back(ToJson(o));
  LoadResult back = LoadText(all.dump(), "all.json");
  ASSERT_TRUE(back.ok()) << back.diagnostics.ToString();
  ASSERT_EQ(back.catalog.objects().size(), r.catalog.objects().size());
  for (size_t i = 0; i < r.catalog.objects().size(); ++i)
    EXPECT_EQ(CanonicalJson(back.catalog.objects()[i]), CanonicalJson(r.catalog.objects()[i]));
}

TEST(ObjectJson, TimeSliceWindowAsANumberOfMinutes) {
  std::string text =
      SloYaml("target: 0.9\n      timeSliceTarget: 0.9\n      timeSliceWindow: 5", "1d");
  text.replace(text.find("Occurrences"), 11, "Timeslices");
  LoadResult r = LoadText(text);
  ASSERT_TRUE(r.ok()) << r.diagnostics.ToString();
  const Objective& o = Only(r).As<SloSpec>().objectives[0];
  EXPECT_EQ(o.time_slice_window, (Duration{5, DurationUnit::kMinute}));
  EXPECT_EQ(ToJson(Only(r))["spec"]["objectives"][0]["timeSliceWindow"], 5);
}

const char kUnits[] = "smhdwMQY";

RC_GTEST_PROP(ObjectJsonProperty, DurationsRoundTripAsWritten, ()) {
  const int64_t count = *rc::gen::inRange<int64_t>(1, 1000);
  const char unit = *rc::gen::elementOf(std::string(kUnits));
  std::string text = std::to_string(count) + unit;
  Result<Duration> d = ParseDuration(text);
  RC_ASSERT(d.has_value());
  RC_ASSERT(DurationText(*d) == text);
}

RC_GTEST_PROP(ObjectJsonProperty, TargetsSurviveLoadEmitLoad, ()) {
  // Targets with up to six decimals in (0, 1), written as target or as targetPercent.
  const int micro = *rc::gen::inRange(1, 1000000);
  const bool percent = *rc::gen::arbitrary<bool>();
  char buf[32];
  if (percent) {
    std::snprintf(buf, sizeof buf, "targetPercent: %.4f", micro / 10000.0);
  } else {
    std::snprintf(buf, sizeof buf, "target: %.6f", micro / 1e6);
  }
  LoadResult first = LoadText(SloYaml(buf, "28d"));
  RC_ASSERT(first.ok());
  const Object& a = first.catalog.objects().at(0);
  RC_ASSERT(std::abs(a.As<SloSpec>().objectives[0].Target() - micro / 1e6) < 1e-12);
  LoadResult second = LoadText(ToJson(a).dump(), "a.json");
  RC_ASSERT(second.ok());
  RC_ASSERT(CanonicalJson(second.catalog.objects().at(0)) == CanonicalJson(a));
}

RC_GTEST_PROP(ObjectJsonProperty, TargetsOutsideTheOpenIntervalAreRejected, ()) {
  const double t = *rc::gen::elementOf(std::vector<double>{0, -0.5, 1, 1.0001, 2, 100});
  LoadResult r = LoadText(SloYaml("target: " + std::to_string(t), "28d"));
  RC_ASSERT(r.diagnostics.error_count() == 1u);
  for (const Diagnostic& d : r.diagnostics.items())
    if (d.severity == Severity::kError) RC_ASSERT(d.path == "spec.objectives[0].target");
}

RC_GTEST_PROP(ObjectJsonProperty, NamesFollowDns1123, ()) {
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const auto label = *rc::gen::container<std::string>(*rc::gen::inRange<size_t>(1, 20),
                                                      rc::gen::elementOf(alphabet));
  RC_ASSERT(NameError(label).empty());
  RC_ASSERT(NameError(label + "-x." + label).empty());
  RC_ASSERT(!NameError("-" + label).empty());
  RC_ASSERT(!NameError(label + "_x").empty());
  RC_ASSERT(!NameError(label + "A").empty());
  RC_ASSERT(!NameError(label + "..x").empty());
  RC_ASSERT(!NameError(std::string(64, 'a')).empty());
  RC_ASSERT(NameError(std::string(63, 'a')).empty());
}

}  // namespace
}  // namespace ballast::slo
