// Prometheus itself judges the generated rules: every generated file passes
// `promtool check rules`, and `promtool test rules` unit tests (tests/conformance/sloth/promtool)
// show the page and ticket alerts firing under fast and slow burns and staying quiet otherwise.
// promtool is a test dependency (Debian package `prometheus`, installed by scripts/setup): when
// it is missing these tests fail.
#include <gtest/gtest.h>

#include <filesystem>

#include "rules/generator.h"
#include "rules/test_support.h"

namespace ballast::rules {
namespace {

using testing::kPromtool;
using testing::ReadFile;
using testing::RunCommand;
using testing::SlothDir;
using testing::WriteFile;

bool HavePromtool() { return std::filesystem::exists(kPromtool); }

// Writes each generated document as a plain rules file (a PrometheusRule's groups are the same
// rules) and runs `promtool check rules` on it. Returns the failures.
std::string CheckRules(const Generated& g, const std::string& dir, const std::string& name) {
  std::string failures;
  for (size_t i = 0; i < g.documents.size(); ++i) {
    RulesDocument doc = g.documents[i];
    doc.k8s.reset();
    const std::string path = dir + "/" + name + "-" + std::to_string(i) + ".yml";
    WriteFile(path, RenderRulesYaml({doc}, "ballast-test"));
    testing::CommandResult r = RunCommand(std::string(kPromtool) + " check rules " + path);
    if (r.exit_code != 0) failures += path + ":\n" + r.output + "\n";
  }
  return failures;
}

TEST(Promtool, IsInstalled) {
  ASSERT_TRUE(HavePromtool()) << kPromtool
                              << " is missing: install the Debian package `prometheus` "
                                 "(scripts/setup does)";
}

TEST(Promtool, EveryGeneratedFilePassesCheckRules) {
  ASSERT_TRUE(HavePromtool()) << kPromtool << " is missing";
  const std::string dir = testing::TempDir("check");
  struct Input {
    std::string path;
    int64_t period_ms = 30 * kDayMs;
    bool windows_7d = false;
  };
  std::vector<Input> inputs;
  for (const char* f : {"in-base.yaml", "in-base-k8s.yaml", "in-multifile.yaml",
                        "in-multifile-k8s.yaml", "in-openslo.yaml"}) {
    inputs.push_back({SlothDir() + "/testdata/" + f});
  }
  inputs.push_back({SlothDir() + "/testdata/in-base.yaml", 28 * kDayMs});
  inputs.push_back({SlothDir() + "/testdata/in-base.yaml", 7 * kDayMs, true});
  for (const auto& e : std::filesystem::directory_iterator(SlothDir() + "/examples")) {
    if (e.is_regular_file()) inputs.push_back({e.path().string()});
  }
  inputs.push_back({SlothDir() + "/promtool/availability.yaml"});
  inputs.push_back({SlothDir() + "/promtool/openslo-v1.yaml"});

  Result<AlertWindowsCatalog> w7 = AlertWindowsCatalog::FromDirectory(SlothDir() + "/testdata/windows");
  ASSERT_TRUE(w7.has_value());
  int files = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    GenerateOptions options;
    options.default_period_ms = inputs[i].period_ms;
    if (inputs[i].windows_7d) options.windows = &*w7;
    options.extra_labels = {{"cmd", "examplesgen.sh"}};
    Generated g = GeneratePrometheusRules(ReadFile(inputs[i].path), inputs[i].path, options);
    ASSERT_TRUE(g.ok()) << inputs[i].path << "\n" << g.diagnostics.ToString();
    EXPECT_EQ(CheckRules(g, dir, "in" + std::to_string(i)), "") << inputs[i].path;
    files += static_cast<int>(g.documents.size());
  }
  EXPECT_GE(files, 25);
  std::filesystem::remove_all(dir);
}

TEST(Promtool, CheckRulesCatchesABrokenQuery) {
  // The check is real: a query our light syntax check lets through but PromQL refuses.
  ASSERT_TRUE(HavePromtool()) << kPromtool << " is missing";
  const std::string dir = testing::TempDir("broken");
  std::string spec = ReadFile(SlothDir() + "/promtool/availability.yaml");
  const std::string from = "sum(rate(llm_requests_total{service=\"chat\"}[{{.window}}]))";
  spec.replace(spec.find(from), from.size(), "sum(rate(llm_requests_total[{{.window}}] +))");
  Generated g = GeneratePrometheusRules(spec, "broken.yaml", {});
  ASSERT_TRUE(g.ok()) << g.diagnostics.ToString();
  EXPECT_NE(CheckRules(g, dir, "broken"), "");
  std::filesystem::remove_all(dir);
}

// Generates `spec` into dir/<rules_name> and runs `promtool test rules` on a copy of `test`.
testing::CommandResult RunPromtoolTest(const std::string& spec, const std::string& test,
                                       const std::string& rules_name,
                                       const GenerateOptions& options) {
  const std::string dir = testing::TempDir("unit-" + rules_name);
  Generated g = GeneratePrometheusRules(ReadFile(SlothDir() + "/promtool/" + spec), spec, options);
  EXPECT_TRUE(g.ok()) << g.diagnostics.ToString();
  WriteFile(dir + "/" + rules_name, g.yaml);
  WriteFile(dir + "/" + test, ReadFile(SlothDir() + "/promtool/" + test));
  testing::CommandResult r = RunCommand(std::string(kPromtool) + " test rules " + dir + "/" + test);
  std::filesystem::remove_all(dir);
  return r;
}

TEST(Promtool, PageAndTicketAlertsFireWhenTheyShould) {
  ASSERT_TRUE(HavePromtool()) << kPromtool << " is missing";
  testing::CommandResult r =
      RunPromtoolTest("availability.yaml", "alerts_test.yaml", "availability.rules.yml", {});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("SUCCESS"), std::string::npos) << r.output;
}

TEST(Promtool, UnitTestsFailWithoutAlerts) {
  // The unit tests can fail: without the alert rules the expected alerts never fire.
  ASSERT_TRUE(HavePromtool()) << kPromtool << " is missing";
  GenerateOptions options;
  options.disable_alerts = true;
  testing::CommandResult r =
      RunPromtoolTest("availability.yaml", "alerts_test.yaml", "availability.rules.yml", options);
  EXPECT_NE(r.exit_code, 0) << r.output;
}

TEST(Promtool, UnitTestsFailWithALooserObjective) {
  // 99 % instead of 99.9 %: the slow burn (0.5 % errors) no longer raises a ticket.
  ASSERT_TRUE(HavePromtool()) << kPromtool << " is missing";
  const std::string dir = testing::TempDir("looser");
  std::string spec = ReadFile(SlothDir() + "/promtool/availability.yaml");
  spec.replace(spec.find("objective: 99.9"), 15, "objective: 99");
  Generated g = GeneratePrometheusRules(spec, "looser.yaml", {});
  ASSERT_TRUE(g.ok());
  WriteFile(dir + "/availability.rules.yml", g.yaml);
  WriteFile(dir + "/alerts_test.yaml", ReadFile(SlothDir() + "/promtool/alerts_test.yaml"));
  testing::CommandResult r =
      RunCommand(std::string(kPromtool) + " test rules " + dir + "/alerts_test.yaml");
  EXPECT_NE(r.exit_code, 0) << r.output;
  std::filesystem::remove_all(dir);
}

TEST(Promtool, OpenSloV1AlertsFireWhenTheyShould) {
  ASSERT_TRUE(HavePromtool()) << kPromtool << " is missing";
  testing::CommandResult r =
      RunPromtoolTest("openslo-v1.yaml", "openslo_alerts_test.yaml", "openslo-v1.rules.yml", {});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

}  // namespace
}  // namespace ballast::rules
