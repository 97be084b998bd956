// The OpenSLO corpus (tests/conformance/openslo, copied from ../shared/conformance with its
// licences): every valid file loads, every invalid one is rejected with the specific error.
// Verdicts for the corpus's rough edges follow tests/conformance/README.upstream.md.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "slo/loader.h"
#include "slo/object_json.h"
#include "slo/test_support.h"

namespace ballast::slo {
namespace {

using testing::ConformanceDir;
using testing::Render;

struct Case {
  const char* file;  // relative to tests/conformance/openslo
  // Each must appear in the rendered errors; their number is the exact error count.
  std::vector<std::string> errors;
  // Each must appear among the warnings (others may be present).
  std::vector<std::string> warnings = {};
};

void Check(const Case& c, const LoadResult& r) {
  std::string root = ConformanceDir() + "/";
  std::string text = Render(r.diagnostics, root);
  EXPECT_EQ(r.diagnostics.error_count(), c.errors.size()) << c.file << "\n" << text;
  for (const std::string& e : c.errors)
    EXPECT_NE(text.find(e), std::string::npos) << c.file << ": missing error\n  " << e << "\n"
                                               << text;
  for (const std::string& w : c.warnings)
    EXPECT_NE(text.find(w.find("warning: ") == std::string::npos ? "warning: " + w : w),
              std::string::npos)
        << c.file << ": missing warning\n  " << w << "\n"
        << text;
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.file; }

class OpenSloCorpus : public ::testing::TestWithParam<Case> {};

TEST_P(OpenSloCorpus, LoadsOrIsRejected) {
  const Case& c = GetParam();
  LoadResult r = LoadPaths({ConformanceDir() + "/" + c.file});
  Check(c, r);
  if (c.errors.empty()) {
    EXPECT_FALSE(r.catalog.objects().empty()) << c.file;
  }
}

const std::string kUnknownTarget = "unknown AlertNotificationTarget";

INSTANTIATE_TEST_SUITE_P(
    Files, OpenSloCorpus,
    ::testing::Values(
        // The spec's own examples: valid, with the verdicts' warnings.
        Case{"spec/examples/budgeting-method/occurences-slo.yaml",
             {},
             {"spec.service: Service \"web-shop\" is not declared"}},
        Case{"spec/examples/budgeting-method/ratio-timeslices.yaml",
             {},
             {"32:11: warning: spec.objectives[0].op: ignored"}},
        Case{"spec/examples/budgeting-method/timeslices-slo.yaml",
             {},
             {"27:17: warning: spec.timeWindow[0].duration: a calendar window of 1m is unusually "
              "short",
              "spec.objectives[0].op: ignored"}},
        Case{"spec/examples/treat-low-traffic-as-equally-important/timeslices-slo.yaml",
             {},
             {"spec.objectives[0].op: ignored"}},
        // oslo's validate inputs: all three are failures in oslo's own test suite.
        Case{"oslo/test/inputs/validate/v1.yaml",
             {"v1.yaml:59:11: metadata.name: invalid name \"example service\""}},
        Case{"oslo/test/inputs/validate/invalid-apiversion.yaml",
             {"invalid-apiversion.yaml:1:13: apiVersion: unsupported apiVersion \"foo\": v1 "
              "expected (openslo/v1)"}},
        Case{"oslo/test/inputs/validate/unknown-field.yaml",
             {"unknown-field.yaml:6:3: spec.markdown: unknown field",
              "unknown-field.yaml:4:9: metadata.name: invalid name \"my-rad service\""}},
        // go-sdk per-kind examples, each file on its own.
        Case{"go-sdk/openslo/v1/examples/alert_conditions.yaml", {}},
        Case{"go-sdk/openslo/v1/examples/alert_notification_targets.yaml", {}},
        Case{"go-sdk/openslo/v1/examples/data_sources.yaml", {}},
        Case{"go-sdk/openslo/v1/examples/slis.yaml",
             {},
             {"spec.ratioMetric.good.metricSource.metricSourceRef: DataSource \"my-datadog\" is "
              "not declared"}},
        Case{"go-sdk/openslo/v1/examples/slos.yaml", {}, {"spec.service: Service \"web\""}},
        // Two different Services named example-service: ballast keys objects by kind and name.
        Case{"go-sdk/openslo/v1/examples/services.yaml",
             {"services.yaml:24:11: metadata.name: duplicate Service \"example-service\": already "
              "defined at go-sdk/openslo/v1/examples/services.yaml:10:11"}},
        // Refers to conditions and targets defined in other files (or nowhere).
        Case{"go-sdk/openslo/v1/examples/alert_policies.yaml",
             {"16:23: spec.conditions[0].conditionRef: unknown AlertCondition \"cpu-usage-breach\"",
              "18:20: spec.notificationTargets[0].targetRef: " + kUnknownTarget +
                  " \"on-call-mail-notification\"",
              "50:20: spec.notificationTargets[0].targetRef: " + kUnknownTarget +
                  " \"on-call-pd-notification\"",
              "66:23: spec.conditions[0].conditionRef: unknown AlertCondition"}},
        // go-sdk decode/encode inputs: every form of file.
        Case{"go-sdk/openslosdk/test_data/decode/sequence_of_objects.json", {}},
        Case{"go-sdk/openslosdk/test_data/decode/sequence_of_objects.yaml", {}},
        Case{"go-sdk/openslosdk/test_data/decode/single_object.json", {}},
        Case{"go-sdk/openslosdk/test_data/decode/single_object.yaml", {}},
        Case{"go-sdk/openslosdk/test_data/decode/two_documents.yaml", {}},
        Case{"go-sdk/openslosdk/test_data/decode/v1_slos.yaml",
             {},
             {"spec.timeWindow: no time window"}},
        Case{"go-sdk/openslosdk/test_data/encode/v1_slo.yaml", {}},
        Case{"go-sdk/openslosdk/test_data/encode/v1_slo.json", {}},
        // go-sdk inliner inputs: the valid ones, and the four its tests reject.
        Case{"go-sdk/openslosdk/test_data/inline/inputs/v1_slo.yaml", {}},
        Case{"go-sdk/openslosdk/test_data/inline/inputs/v1_alert_policies_keep_refs.yaml", {}},
        Case{"go-sdk/openslosdk/test_data/inline/inputs/v1_alert_policies_remove_refs.yaml", {}},
        Case{"go-sdk/openslosdk/test_data/inline/outputs/v1_slo.yaml", {}},
        Case{"go-sdk/openslosdk/test_data/inline/outputs/v1_alert_policies_keep_refs.yaml", {}},
        Case{"go-sdk/openslosdk/test_data/inline/outputs/v1_alert_policies_remove_refs.yaml", {}},
        Case{
            "go-sdk/openslosdk/test_data/inline/inputs/v1_alert_policies_invalid_condition.yaml",
            {"8:23: spec.conditions[0].conditionRef: unknown AlertCondition \"cpu-usage-breach\""}},
        Case{"go-sdk/openslosdk/test_data/inline/inputs/v1_alert_policies_invalid_target.yaml",
             {"25:20: spec.notificationTargets[1].targetRef: " + kUnknownTarget +
              " \"devs-email-notification\""}},
        // These two also lack the `value` their thresholdMetric objective needs.
        Case{"go-sdk/openslosdk/test_data/inline/inputs/v1_slo_invalid_policy.yaml",
             {"9:25: spec.alertPolicies[0].alertPolicyRef: unknown AlertPolicy \"no-policy\"",
              "18:9: spec.objectives[0].value: required with a thresholdMetric"}},
        Case{"go-sdk/openslosdk/test_data/inline/inputs/v1_slo_invalid_target.yaml",
             {"32:26: spec.alertPolicies[0].spec.notificationTargets[1].targetRef: " +
                  kUnknownTarget + " \"devs-email-notification\"",
              "41:9: spec.objectives[0].value: required with a thresholdMetric"}},
        Case{"go-sdk/openslosdk/test_data/inline/inputs/v1_slo_invalid_sli.yaml",
             {"7:19: spec.indicatorRef: unknown SLI \"no-sli\""}},
        // The inliner's "custom config" names objects its test passes separately.
        Case{"go-sdk/openslosdk/test_data/inline/inputs/custom_config.yaml",
             {"8:23: spec.conditions[0].conditionRef: unknown AlertCondition",
              "10:20: spec.notificationTargets[0].targetRef: " + kUnknownTarget,
              "17:23: spec.alertPolicies[0].alertPolicyRef: unknown AlertPolicy "
              "\"single-referenced-object\"",
              "18:23: spec.alertPolicies[1].alertPolicyRef: unknown AlertPolicy",
              "20:19: spec.indicatorRef: unknown SLI \"my-sli\""}}));

// The go-sdk examples loaded together, as `ballast validate -f DIR` would: references across
// files resolve (cpu-usage-breach), the two targets nobody defines do not, and the duplicate
// Service stays an error.
TEST(OpenSloCorpusDirectory, GoSdkExamplesTogether) {
  LoadResult r = LoadPaths({ConformanceDir() + "/go-sdk/openslo/v1/examples"});
  Check(
      Case{"go-sdk/openslo/v1/examples",
           {"alert_policies.yaml:18:20: spec.notificationTargets[0].targetRef: " + kUnknownTarget +
                " \"on-call-mail-notification\"",
            "alert_policies.yaml:50:20: spec.notificationTargets[0].targetRef: " + kUnknownTarget +
                " \"on-call-pd-notification\"",
            "services.yaml:24:11: metadata.name: duplicate Service"}},
      r);
  // Six files, sixteen objects; diagnostics come in file order.
  EXPECT_EQ(r.catalog.objects().size(), 16u);
  std::string text = r.diagnostics.ToString();
  EXPECT_LT(text.find("alert_policies.yaml"), text.find("services.yaml"));
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// go-sdk's encode test pairs a YAML document with the JSON it encodes to: our JSON of the YAML
// equals it, and the two files have the same content hash.
TEST(OpenSloCorpusEncode, ToJsonMatchesGoSdkEncoding) {
  std::string dir = ConformanceDir() + "/go-sdk/openslosdk/test_data/encode/";
  LoadResult yaml = LoadPaths({dir + "v1_slo.yaml"});
  LoadResult json = LoadPaths({dir + "v1_slo.json"});
  ASSERT_TRUE(yaml.ok()) << yaml.diagnostics.ToString();
  ASSERT_TRUE(json.ok()) << json.diagnostics.ToString();
  ASSERT_EQ(yaml.catalog.objects().size(), 1u);
  nlohmann::json expected = nlohmann::json::parse(ReadAll(dir + "v1_slo.json"));
  EXPECT_EQ(ToJson(yaml.catalog.objects()[0]), expected[0]);
  EXPECT_EQ(ContentHash(yaml.catalog.objects()[0]), ContentHash(json.catalog.objects()[0]));
}

TEST(OpenSloCorpusDecode, SameObjectsFromYamlJsonListsAndDocuments) {
  std::string dir = ConformanceDir() + "/go-sdk/openslosdk/test_data/decode/";
  LoadResult seq_yaml = LoadPaths({dir + "sequence_of_objects.yaml"});
  LoadResult seq_json = LoadPaths({dir + "sequence_of_objects.json"});
  LoadResult docs = LoadPaths({dir + "two_documents.yaml"});
  ASSERT_EQ(seq_yaml.catalog.objects().size(), 2u);
  ASSERT_EQ(seq_json.catalog.objects().size(), 2u);
  ASSERT_EQ(docs.catalog.objects().size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(SameContent(seq_yaml.catalog.objects()[i], seq_json.catalog.objects()[i]));
    EXPECT_TRUE(SameContent(seq_yaml.catalog.objects()[i], docs.catalog.objects()[i]));
  }
  EXPECT_FALSE(SameContent(seq_yaml.catalog.objects()[0], seq_yaml.catalog.objects()[1]));
  EXPECT_EQ(seq_yaml.catalog.objects()[1].metadata.display_name, "Users Login Service");
}

// Calendar startTime in the spec's format is read in the window's time zone.
TEST(OpenSloCorpusCalendar, StartTimeReadInTimeZone) {
  LoadResult r = LoadPaths({ConformanceDir() + "/oslo/test/inputs/validate/v1.yaml"});
  const Object* slo = r.catalog.Find(Kind::kSlo, "web-availability");
  ASSERT_NE(slo, nullptr);
  const TimeWindow& w = slo->As<SloSpec>().time_window.at(0);
  ASSERT_TRUE(w.calendar.has_value());
  EXPECT_FALSE(w.Rolling());
  // 2022-01-01 12:00:00 in New York (EST, UTC-5) is 17:00 UTC.
  EXPECT_EQ(w.calendar->start, 1641056400000);
  EXPECT_EQ(w.calendar->start_time, "2022-01-01 12:00:00");
}

}  // namespace
}  // namespace ballast::slo
