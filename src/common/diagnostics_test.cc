#include "common/diagnostics.h"

#include <gtest/gtest.h>

#include <string>

namespace ballast {
namespace {

TEST(SourcePosTest, ShowsWhatIsKnown) {
  EXPECT_EQ((SourcePos{"a.yaml", 3, 7}).ToString(), "a.yaml:3:7");
  EXPECT_EQ((SourcePos{"a.yaml", 3, 0}).ToString(), "a.yaml:3");
  EXPECT_EQ((SourcePos{"a.yaml"}).ToString(), "a.yaml");
  EXPECT_EQ((SourcePos{"", 2, 5}).ToString(), "<input>:2:5");
  EXPECT_EQ(SourcePos{}.ToString(), "");
}

TEST(DiagnosticTest, FormatsPositionSeverityPathAndMessage) {
  Diagnostic error{Severity::kError, {"s.yaml", 14, 9}, "spec.target", "must be less than 1"};
  EXPECT_EQ(error.ToString(), "s.yaml:14:9: spec.target: must be less than 1");
  Diagnostic warning{Severity::kWarning, {"s.yaml", 20, 7}, "spec.op", "ignored"};
  EXPECT_EQ(warning.ToString(), "s.yaml:20:7: warning: spec.op: ignored");
  Diagnostic bare{Severity::kError, {}, "", "no objects"};
  EXPECT_EQ(bare.ToString(), "no objects");
}

TEST(DiagnosticsTest, CountsErrorsAndWarnings) {
  Diagnostics d;
  EXPECT_TRUE(d.empty());
  d.Warning({"a", 1, 1}, "x", "w");
  EXPECT_FALSE(d.HasErrors());
  d.Error({"a", 2, 1}, "y", "e");
  d.Add({Severity::kError, {"a", 3, 1}, "z", "e2"});
  EXPECT_TRUE(d.HasErrors());
  EXPECT_EQ(d.error_count(), 2u);
  EXPECT_EQ(d.warning_count(), 1u);
  EXPECT_EQ(d.ToString(), "a:1:1: warning: x: w\na:2:1: y: e\na:3:1: z: e2\n");

  Diagnostics all;
  all.Error({"b", 1, 1}, "", "first");
  all.Append(d);
  EXPECT_EQ(all.error_count(), 3u);
  EXPECT_EQ(all.warning_count(), 1u);
  EXPECT_EQ(all.items().front().message, "first");
}

TEST(DiagnosticsTest, SortByPositionIsStableByFileLineColumn) {
  Diagnostics d;
  d.Error({"b.yaml", 1, 1}, "", "b");
  d.Error({"a.yaml", 9, 2}, "", "a92");
  d.Error({"a.yaml", 9, 1}, "", "a91 first");
  d.Warning({"a.yaml", 9, 1}, "", "a91 second");
  d.Error({"a.yaml", 2, 5}, "", "a25");
  d.SortByPosition();
  std::string order;
  for (const Diagnostic& item : d.items()) order += item.message + ";";
  EXPECT_EQ(order, "a25;a91 first;a91 second;a92;b;");
}

TEST(DiagnosticsTest, ToStatusListsErrorsAndNamesTheFirstErrorsField) {
  Diagnostics d;
  EXPECT_TRUE(d.ToStatus().ok());
  d.Warning({"a", 1, 1}, "w", "only a warning");
  EXPECT_TRUE(d.ToStatus().ok());
  d.Error({"a", 2, 3}, "spec.target", "too high");
  d.Error({"a", 4, 1}, "spec.op", "unknown");
  Status s = d.ToStatus();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.field(), "spec.target");
  EXPECT_EQ(s.message(), "a:2:3: spec.target: too high\na:4:1: spec.op: unknown");
}

// A first error about no field (a syntax error) leaves the field empty rather than naming a
// later error's field.
TEST(DiagnosticsTest, ToStatusFieldIsEmptyWhenTheFirstErrorHasNoPath) {
  Diagnostics d;
  d.Error({"a", 1, 1}, "", "invalid YAML/JSON");
  d.Error({"b", 2, 1}, "metadata", "required field is missing");
  EXPECT_EQ(d.ToStatus().field(), "");
}

}  // namespace
}  // namespace ballast
