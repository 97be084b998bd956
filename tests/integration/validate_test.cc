// `ballast validate`: offline checks of OpenSLO files through the real binary.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace ballast::testing {
namespace {

using nlohmann::json;

TEST(ValidateTest, ExamplesAreValid) {
  auto r = RunBallast({"validate", "-f", (SourceDir() / "examples/slos").string(), "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json out = json::parse(r.out);
  EXPECT_TRUE(out["valid"].get<bool>());
  EXPECT_EQ(out["errors"], 0);
  EXPECT_GE(out["objects"].size(), 10u);
}

TEST(ValidateTest, EveryErrorWithPositionAndExitOne) {
  std::string spec =
      "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: Bad_Name\nspec:\n  service: chat\n"
      "  budgetingMethod: Occurrences\n  indicatorRef: missing-sli\n  timeWindow:\n"
      "    - duration: 28d\n      isRolling: true\n  objectives:\n    - target: 1.2\n"
      "      colour: blue\n";
  auto r = RunBallast({"validate", "-f", "-", "-o", "json"}, spec);
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  json out = json::parse(r.out);
  EXPECT_FALSE(out["valid"].get<bool>());
  std::set<std::string> paths;
  for (const auto& d : out["diagnostics"]) {
    if (d["severity"] != "error") continue;
    paths.insert(d["path"].get<std::string>());
    EXPECT_EQ(d["file"], "<stdin>");
    EXPECT_GT(d["line"].get<int>(), 0);
  }
  EXPECT_TRUE(paths.count("metadata.name")) << r.out;
  EXPECT_TRUE(paths.count("spec.indicatorRef")) << r.out;
  EXPECT_TRUE(paths.count("spec.objectives[0].target")) << r.out;
  EXPECT_TRUE(paths.count("spec.objectives[0].colour")) << r.out;
}

TEST(ValidateTest, TableOutputNamesFileLineColumn) {
  auto r = RunBallast({"validate", "-f", "-", "-o", "table"}, "kind: SLO\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("<stdin>:1:1"), std::string::npos) << r.out;
  auto missing = RunBallast({"validate", "-f", "/nonexistent/slos"});
  EXPECT_EQ(missing.exit_code, 1);
  auto usage = RunBallast({"validate"});
  EXPECT_EQ(usage.exit_code, 2);
}

}  // namespace
}  // namespace ballast::testing
