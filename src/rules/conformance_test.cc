// Sloth's own integration cases and examples (tests/conformance/sloth, see its README.md and
// CASES.md): each input generated with the case's flags must equal Sloth's output as parsed
// YAML, expressions compared with whitespace normalised and the version label ignored.
#include <gtest/gtest.h>

#include <filesystem>

#include "rules/generator.h"
#include "rules/test_support.h"

namespace ballast::rules {
namespace {

using testing::DocumentsDiff;
using testing::ReadFile;
using testing::RenderExpectedTemplate;
using testing::SlothDir;

constexpr const char* kVersion = "ballast-test";

struct Case {
  const char* input;
  const char* expected;
  int64_t period_ms = 30 * kDayMs;
  bool windows_dir = false;  // testdata/windows
  bool disable_alerts = false;
  bool disable_recordings = false;
  Labels extra;
};

Generated Generate(const std::string& path, const GenerateOptions& options) {
  return GeneratePrometheusRules(ReadFile(path), path, options);
}

class SlothTestdata : public ::testing::TestWithParam<Case> {};

TEST_P(SlothTestdata, MatchesSlothOutput) {
  const Case& c = GetParam();
  GenerateOptions options;
  options.version = kVersion;
  options.default_period_ms = c.period_ms;
  options.disable_alerts = c.disable_alerts;
  options.disable_recordings = c.disable_recordings;
  options.extra_labels = c.extra;
  std::optional<AlertWindowsCatalog> windows;
  if (c.windows_dir) {
    Result<AlertWindowsCatalog> w = AlertWindowsCatalog::FromDirectory(SlothDir() + "/testdata/windows");
    ASSERT_TRUE(w.has_value()) << w.error().ToString();
    windows = std::move(*w);
    options.windows = &*windows;
  }
  Generated g = Generate(SlothDir() + "/testdata/" + c.input, options);
  ASSERT_TRUE(g.ok()) << g.diagnostics.ToString();
  std::string want =
      RenderExpectedTemplate(ReadFile(SlothDir() + "/testdata/" + c.expected), kVersion);
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(DocumentsDiff(want, g.yaml), "") << g.yaml;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SlothTestdata,
    ::testing::Values(
        Case{"in-base.yaml", "out-base.yaml.tpl"},
        Case{"in-base-k8s.yaml", "out-base-k8s.yaml.tpl"},
        Case{"in-base.yaml", "out-base-no-alerts.yaml.tpl", 30 * kDayMs, false, true},
        Case{"in-base.yaml", "out-base-no-recordings.yaml.tpl", 30 * kDayMs, false, false, true},
        Case{"in-base.yaml", "out-base-extra-labels.yaml.tpl", 30 * kDayMs, false, false, false,
             {{"exk1", "exv1"}, {"exk2", "exv2"}}},
        Case{"in-multifile.yaml", "out-multifile.yaml.tpl"},
        Case{"in-multifile-k8s.yaml", "out-multifile-k8s.yaml.tpl"},
        Case{"in-openslo.yaml", "out-openslo.yaml.tpl"},
        Case{"in-base.yaml", "out-base-28d.yaml.tpl", 28 * kDayMs},
        Case{"in-base.yaml", "out-base-custom-windows-7d.yaml.tpl", 7 * kDayMs, true}));

TEST(SlothTestdata, ComparisonCanFail) {
  // The comparison must see a changed burn factor, a missing label and a changed expression.
  GenerateOptions options;
  options.version = kVersion;
  Generated g = Generate(SlothDir() + "/testdata/in-base.yaml", options);
  ASSERT_TRUE(g.ok());
  std::string want =
      RenderExpectedTemplate(ReadFile(SlothDir() + "/testdata/out-base-28d.yaml.tpl"), kVersion);
  EXPECT_NE(DocumentsDiff(want, g.yaml), "");
  want = RenderExpectedTemplate(ReadFile(SlothDir() + "/testdata/out-base-extra-labels.yaml.tpl"),
                                kVersion);
  EXPECT_NE(DocumentsDiff(want, g.yaml), "");
}

TEST(SlothTestdata, InvalidVersionIsRejected) {
  Generated g = Generate(SlothDir() + "/testdata/in-invalid-version.yaml", {});
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(g.yaml.empty());
  const std::string text = g.diagnostics.ToString();
  EXPECT_NE(text.find("in-invalid-version.yaml:1:10: version: unsupported spec version "
                      "'prometheus/v999'"),
            std::string::npos)
      << text;
}

TEST(SlothValidate, GoodFilesGenerate) {
  int count = 0;
  for (const auto& e : std::filesystem::directory_iterator(SlothDir() + "/testdata/validate/good")) {
    Generated g = Generate(e.path().string(), {});
    EXPECT_TRUE(g.ok()) << e.path() << "\n" << g.diagnostics.ToString();
    EXPECT_FALSE(g.yaml.empty()) << e.path();
    ++count;
  }
  EXPECT_EQ(count, 7);
}

TEST(SlothValidate, BadFilesAreRejectedNamingTheField) {
  // file -> the error it must contain ("line:col: field: message" fragment).
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"bad-aa.yaml", ":28:16: slos[1].objective: must be greater than 0 and at most 100"},
      {"bad-ab.yaml", ":28:16: slos[1].objective: must be greater than 0 and at most 100"},
      {"bad-ba.yaml", ":28:16: slos[1].objective: must be greater than 0 and at most 100"},
      {"bad-k8s.yaml", ":7:12: spec.service: is required"},
      {"bad-multi-k8s.yaml", ":22:15: spec.slos[0].alerting.name: is required unless both"},
      {"bad-multi.yaml", ":77:10: slos[1].sli: is required: one of raw or events"},
  };
  for (const auto& [file, fragment] : cases) {
    Generated g = Generate(SlothDir() + "/testdata/validate/bad/" + file, {});
    EXPECT_FALSE(g.ok()) << file;
    EXPECT_TRUE(g.yaml.empty()) << file;
    EXPECT_NE(g.diagnostics.ToString().find(file + fragment), std::string::npos)
        << file << ":\n"
        << g.diagnostics.ToString();
  }
}

TEST(SlothValidate, TwentyEightDayOpenSloWindowIsAccepted) {
  // bad-openslo.yaml's marked fault (a 28-day window) dates from Sloth versions that only knew
  // 30 days; Sloth's built-in windows now include 28 days, and so do ours (see README.md).
  Generated g = Generate(SlothDir() + "/testdata/validate/bad/bad-openslo.yaml", {});
  ASSERT_TRUE(g.ok()) << g.diagnostics.ToString();
  EXPECT_NE(g.yaml.find("record: slo:sli_error:ratio_rate4w"), std::string::npos);
  EXPECT_NE(g.yaml.find("expr: vector(28)"), std::string::npos);
  // With only the 7d windows loaded, the 28-day period has no windows: a clear error.
  Result<AlertWindowsCatalog> w = AlertWindowsCatalog::FromDirectory(SlothDir() + "/testdata/windows");
  ASSERT_TRUE(w.has_value());
  GenerateOptions options;
  options.windows = &*w;
  g = Generate(SlothDir() + "/testdata/validate/bad/bad-openslo.yaml", options);
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.diagnostics.ToString().find(
                "spec.objectives[0]: no alert windows for the 28d SLO period (available: 7d)"),
            std::string::npos)
      << g.diagnostics.ToString();
}

TEST(SlothValidate, RepeatedSloIdsAreRejected) {
  const std::string dir = SlothDir() + "/testdata/validate_with_duplicates/";
  Generated g = Generate(dir + "bad-prom-multi-duplicates.yaml", {});
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.diagnostics.ToString().find("SLO id 'svc01-slo1' is repeated"), std::string::npos)
      << g.diagnostics.ToString();
  for (const char* kind : {"prom", "k8s", "openslo"}) {
    const std::string base = dir + kind + "/bad-" + kind + "-1-";
    std::string both = ReadFile(base + "original.yaml") + "\n---\n" + ReadFile(base + "duplicate.yaml");
    Generated d = GeneratePrometheusRules(both, "both.yaml", {});
    EXPECT_FALSE(d.ok()) << kind;
    EXPECT_NE(d.diagnostics.ToString().find("is repeated"), std::string::npos) << kind;
    EXPECT_TRUE(GeneratePrometheusRules(ReadFile(base + "original.yaml"), "one.yaml", {}).ok())
        << kind;
  }
}

// Sloth's examples/ and the rules it generated into examples/_gen with -l cmd=examplesgen.sh.
class SlothExamples : public ::testing::TestWithParam<const char*> {};

void ExpectExampleMatches(const std::string& name, const AlertWindowsCatalog* windows) {
  GenerateOptions options;
  options.version = kVersion;
  options.extra_labels = {{"cmd", "examplesgen.sh"}};
  options.windows = windows;
  Generated g = Generate(SlothDir() + "/examples/" + name, options);
  ASSERT_TRUE(g.ok()) << g.diagnostics.ToString();
  std::string want = ReadFile(SlothDir() + "/examples/_gen/" + name);
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(DocumentsDiff(want, g.yaml), "") << g.yaml;
}

TEST_P(SlothExamples, MatchesGeneratedRulesWithBuiltInWindows) {
  ExpectExampleMatches(GetParam(), nullptr);
}

TEST_P(SlothExamples, MatchesGeneratedRulesWithGoogleWindowFiles) {
  // examples/windows holds two different 30d files (google-30d and custom-30d), which Sloth
  // itself refuses to load together; _gen was made with the Google ones.
  const std::string dir = testing::TempDir("google-windows");
  for (const char* f : {"google-30d.yaml", "google-28d.yaml", "7d.yaml"}) {
    std::filesystem::copy_file(SlothDir() + "/examples/windows/" + f, dir + "/" + f);
  }
  Result<AlertWindowsCatalog> w = AlertWindowsCatalog::FromDirectory(dir);
  ASSERT_TRUE(w.has_value()) << w.error().ToString();
  ExpectExampleMatches(GetParam(), &*w);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(InScope, SlothExamples,
                         ::testing::Values("getting-started.yml", "home-wifi.yml",
                                           "k8s-getting-started.yml", "k8s-home-wifi.yml",
                                           "k8s-multifile.yml", "kubernetes-apiserver.yml",
                                           "multifile.yml", "no-alerts.yml",
                                           "openslo-getting-started.yml",
                                           "openslo-kubernetes-apiserver.yml",
                                           "raw-home-wifi.yml"));

TEST(SlothWindows, ConflictingFilesForOnePeriodAreRejected) {
  Result<AlertWindowsCatalog> w = AlertWindowsCatalog::FromDirectory(SlothDir() + "/examples/windows");
  ASSERT_FALSE(w.has_value());
  EXPECT_NE(w.error().message().find("google-30d.yaml: alert windows for the 30d SLO period are "
                                     "already defined differently by"),
            std::string::npos)
      << w.error().message();
}

TEST(SlothWindows, BuiltInWindowsEqualSlothsGoogleFiles) {
  AlertWindowsCatalog builtin = AlertWindowsCatalog::BuiltIn();
  for (const char* f : {"google-30d.yaml", "google-28d.yaml"}) {
    const std::string path = SlothDir() + "/examples/windows/" + f;
    Result<AlertWindows> w = ParseAlertWindows(ReadFile(path), path);
    ASSERT_TRUE(w.has_value()) << w.error().ToString();
    const AlertWindows* b = builtin.Find(w->slo_period_ms);
    ASSERT_NE(b, nullptr) << f;
    EXPECT_TRUE(b->SameParameters(*w)) << f;
  }
}

TEST(SlothWindows, CustomWindowsChangeWindowsAndFactors) {
  const std::string dir = testing::TempDir("custom-windows");
  std::filesystem::copy_file(SlothDir() + "/examples/windows/custom-30d.yaml", dir + "/c.yaml");
  Result<AlertWindowsCatalog> w = AlertWindowsCatalog::FromDirectory(dir);
  ASSERT_TRUE(w.has_value()) << w.error().ToString();
  GenerateOptions options;
  options.windows = &*w;
  Generated g = Generate(SlothDir() + "/testdata/in-base.yaml", options);
  ASSERT_TRUE(g.ok()) << g.diagnostics.ToString();
  // Page quick: 1 % of 30 days in 30 minutes = 14.4x over 2m/30m; ticket slow: 5 % in 36h = 1x.
  EXPECT_NE(g.yaml.find("record: slo:sli_error:ratio_rate2m"), std::string::npos);
  EXPECT_NE(g.yaml.find("record: slo:sli_error:ratio_rate1d12h"), std::string::npos);
  EXPECT_NE(g.yaml.find("slo:sli_error:ratio_rate2m{sloth_id=\"svc01-slo1\", sloth_service=\"svc01\", "
                        "sloth_slo=\"slo1\"} > (14.4 * 0.0009999999999999432)"),
            std::string::npos)
      << g.yaml;
  EXPECT_NE(g.yaml.find("ratio_rate12h{sloth_id=\"svc01-slo1\", sloth_service=\"svc01\", "
                        "sloth_slo=\"slo1\"} > (3 * 0.0009999999999999432)"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ballast::rules
