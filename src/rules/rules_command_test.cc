// `ballast rules prometheus` as the CLI runs it (src/cli/rules_command.cc): flags, exit codes,
// stdin, --out and the messages on errors.
#include "cli/rules_command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "rules/test_support.h"

namespace ballast::cli {
namespace {

using rules::testing::ReadFile;
using rules::testing::SlothDir;

struct CommandRun {
  int code = -1;
  std::string out;
  std::string err;
};

// Parses `argv` (after "ballast") with a CLI11 app holding only the rules command, then runs it.
CommandRun RunArgs(std::vector<std::string> argv, const std::string& stdin_text = "") {
  CLI::App app{"test"};
  RulesArgs args;
  CLI::App* prom = AddRulesCommand(app, &args);
  std::vector<std::string> reversed(argv.rbegin(), argv.rend());
  std::ostringstream out, err;
  std::istringstream in(stdin_text);
  CommandRun r;
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    r.code = app.exit(e, out, err) == 0 ? 0 : 2;
    r.out = out.str();
    r.err = err.str();
    return r;
  }
  EXPECT_TRUE(prom->parsed());
  Console console;
  console.out = &out;
  console.err = &err;
  console.in = &in;
  r.code = RunRulesPrometheusCommand(console, args);
  r.out = out.str();
  r.err = err.str();
  return r;
}

TEST(RulesCommand, WritesSlothRulesToStdout) {
  const std::string in = SlothDir() + "/testdata/in-base.yaml";
  CommandRun r = RunArgs({"rules", "prometheus", "-f", in, "-l", "exk1=exv1", "-l", "exk2=exv2"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string want = rules::testing::RenderExpectedTemplate(
      ReadFile(SlothDir() + "/testdata/out-base-extra-labels.yaml.tpl"), "x");
  EXPECT_EQ(rules::testing::DocumentsDiff(want, r.out), "");
  EXPECT_NE(r.out.find("sloth_version: ballast-"), std::string::npos);
}

TEST(RulesCommand, FlagsSelectPeriodWindowsAndGroups) {
  const std::string in = SlothDir() + "/testdata/in-base.yaml";
  CommandRun r = RunArgs({"rules", "prometheus", "-f", in, "--default-slo-period", "7d",
                   "--slo-period-windows-path", SlothDir() + "/testdata/windows"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string want = rules::testing::RenderExpectedTemplate(
      ReadFile(SlothDir() + "/testdata/out-base-custom-windows-7d.yaml.tpl"), "x");
  EXPECT_EQ(rules::testing::DocumentsDiff(want, r.out), "");

  r = RunArgs({"rules", "prometheus", "-f", in, "--disable-recordings"});
  ASSERT_EQ(r.code, 0) << r.err;
  want = rules::testing::RenderExpectedTemplate(
      ReadFile(SlothDir() + "/testdata/out-base-no-recordings.yaml.tpl"), "x");
  EXPECT_EQ(rules::testing::DocumentsDiff(want, r.out), "");

  r = RunArgs({"rules", "prometheus", "-f", in, "--disable-alerts", "--default-slo-period", "28d"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find("alert:"), std::string::npos);
  EXPECT_NE(r.out.find("vector(28)"), std::string::npos);
}

TEST(RulesCommand, ReadsStdinAndWritesOut) {
  const std::string dir = rules::testing::TempDir("cli-out");
  const std::string out = dir + "/rules.yml";
  CommandRun r = RunArgs({"rules", "prometheus", "-f", "-", "--out", out},
                  ReadFile(SlothDir() + "/testdata/in-openslo.yaml"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  std::string want = rules::testing::RenderExpectedTemplate(
      ReadFile(SlothDir() + "/testdata/out-openslo.yaml.tpl"), "x");
  EXPECT_EQ(rules::testing::DocumentsDiff(want, ReadFile(out)), "");
  std::filesystem::remove_all(dir);
}

TEST(RulesCommand, InvalidInputExitsOneWithPositions) {
  CommandRun r = RunArgs({"rules", "prometheus", "-f",
                   SlothDir() + "/testdata/validate/bad/bad-k8s.yaml"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("bad-k8s.yaml:7:12: spec.service: is required"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("no rules written"), std::string::npos);

  r = RunArgs({"rules", "prometheus", "-f", "/nonexistent/spec.yaml"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/nonexistent/spec.yaml: not a readable file"), std::string::npos);

  r = RunArgs({"rules", "prometheus", "-f", SlothDir() + "/testdata/in-base.yaml",
               "--slo-period-windows-path", SlothDir() + "/examples/windows"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("already defined differently"), std::string::npos) << r.err;

  // 28 days with only the 7d windows loaded.
  r = RunArgs({"rules", "prometheus", "-f", SlothDir() + "/testdata/in-base.yaml",
               "--default-slo-period", "28d", "--slo-period-windows-path",
               SlothDir() + "/testdata/windows"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("slos[0]: no alert windows for the 28d SLO period (available: 7d)"),
            std::string::npos)
      << r.err;
}

TEST(RulesCommand, BadFlagsAreUsageErrors) {
  const std::string in = SlothDir() + "/testdata/in-base.yaml";
  EXPECT_EQ(RunArgs({"rules", "prometheus"}).code, 2);  // -f is required
  CommandRun r = RunArgs({"rules", "prometheus", "-f", in, "--default-slo-period", "month"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--default-slo-period: 'month' is not a Prometheus duration"),
            std::string::npos);
  r = RunArgs({"rules", "prometheus", "-f", in, "-l", "no-equals"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("-l no-equals: expected key=value"), std::string::npos);
  EXPECT_EQ(RunArgs({"rules", "prometheus", "-f", in, "-l", "1k=v"}).code, 2);
}

}  // namespace
}  // namespace ballast::cli
