#include "registry/line_diff.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <sstream>

#include "registry/prompt_decode.h"
#include "registry/prompt_diff.h"

namespace ballast::registry {
namespace {

// Applies a unified diff to `a` the way `patch` does (strict: context and removed lines must
// match, hunks in order). Returns false on any mismatch.
bool ApplyUnifiedDiff(std::string_view a, const std::string& diff, std::string* out) {
  std::vector<std::string_view> lines = SplitLines(a);
  std::vector<std::string_view> dl = SplitLines(diff);
  size_t next_a = 0;  // first line of a not yet copied
  out->clear();
  size_t i = 0;
  if (dl.size() < 2 || dl[0].substr(0, 4) != "--- " || dl[1].substr(0, 4) != "+++ ") {
    return diff.empty() && (out->assign(a), true);
  }
  i = 2;
  while (i < dl.size()) {
    std::string header(dl[i]);
    size_t a_start = 0, a_count = 1, b_start = 0, b_count = 1;
    if (std::sscanf(header.c_str(), "@@ -%zu,%zu +", &a_start, &a_count) != 2) {
      if (std::sscanf(header.c_str(), "@@ -%zu +", &a_start) != 1) return false;
      a_count = 1;
    }
    (void)b_start;
    (void)b_count;
    size_t first = a_count == 0 ? a_start : a_start - 1;  // 0-based first line of the hunk
    if (first < next_a || first > lines.size()) return false;
    for (; next_a < first; ++next_a) out->append(lines[next_a]);
    ++i;
    std::string pending;  // last emitted line, to strip its '\n' on "\ No newline"
    bool pending_to_out = false;
    while (i < dl.size() && dl[i].substr(0, 2) != "@@") {
      std::string_view l = dl[i];
      if (l.substr(0, 1) == "\\") {
        if (pending_to_out && !out->empty() && out->back() == '\n') out->pop_back();
        ++i;
        continue;
      }
      char mark = l[0];
      std::string_view body = l.substr(1);
      // The "\ No newline" marker that follows tells whether `body` keeps its '\n'.
      bool no_newline = i + 1 < dl.size() && dl[i + 1].substr(0, 1) == "\\";
      std::string a_line(body);
      if (no_newline && !a_line.empty() && a_line.back() == '\n') a_line.pop_back();
      if (mark == ' ' || mark == '-') {
        if (next_a >= lines.size() || lines[next_a] != a_line) return false;
        ++next_a;
      }
      if (mark == ' ' || mark == '+') {
        out->append(body);
        pending_to_out = true;
      } else {
        pending_to_out = false;
      }
      ++i;
    }
  }
  for (; next_a < lines.size(); ++next_a) out->append(lines[next_a]);
  return true;
}

// Expected outputs below were produced by `diff -u --label a --label b` (GNU diffutils).
TEST(UnifiedDiff, ChangeInTheMiddle) {
  std::string a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
  std::string b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
  EXPECT_EQ(UnifiedDiff(a, b, "a", "b"),
            "--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
}

TEST(UnifiedDiff, SeparateAndMergedHunks) {
  std::string a, b;
  for (int i = 1; i <= 20; ++i) {
    a += std::to_string(i) + "\n";
    b += (i == 2 || i == 17 ? "x" : std::to_string(i)) + "\n";
  }
  EXPECT_EQ(UnifiedDiff(a, b, "a", "b"),
            "--- a\n+++ b\n@@ -1,5 +1,5 @@\n 1\n-2\n+x\n 3\n 4\n 5\n"
            "@@ -14,7 +14,7 @@\n 14\n 15\n 16\n-17\n+x\n 18\n 19\n 20\n");
  // Changes 6 equal lines apart share one hunk (gap <= 2 * context).
  std::string c = a;
  c.replace(c.find("\n2\n") + 1, 1, "y");
  c.replace(c.find("\n9\n") + 1, 1, "z");
  EXPECT_EQ(UnifiedDiff(a, c, "a", "b"),
            "--- a\n+++ b\n@@ -1,12 +1,12 @@\n 1\n-2\n+y\n 3\n 4\n 5\n 6\n 7\n 8\n-9\n+z\n 10\n"
            " 11\n 12\n");
}

TEST(UnifiedDiff, EmptySidesAndPureInsertions) {
  EXPECT_EQ(UnifiedDiff("", "a\nb\n", "a", "b"), "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+a\n+b\n");
  EXPECT_EQ(UnifiedDiff("a\n", "", "a", "b"), "--- a\n+++ b\n@@ -1 +0,0 @@\n-a\n");
  EXPECT_EQ(UnifiedDiff("a\nb\n", "a\nx\nb\n", "a", "b"),
            "--- a\n+++ b\n@@ -1,2 +1,3 @@\n a\n+x\n b\n");
  EXPECT_EQ(UnifiedDiff("same\n", "same\n", "a", "b"), "");
}

TEST(UnifiedDiff, MissingFinalNewline) {
  EXPECT_EQ(UnifiedDiff("a\nb", "a\nb\n", "a", "b"),
            "--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n");
}

TEST(DiffLines, IsMinimal) {
  // LCS of ABCABBA / CBABAC has length 4: a minimal script has 13 - 2 * 4 = 5 edits.
  std::vector<std::string_view> a = {"A", "B", "C", "A", "B", "B", "A"};
  std::vector<std::string_view> b = {"C", "B", "A", "B", "A", "C"};
  size_t edits = 0;
  for (const DiffOp& op : DiffLines(a, b)) edits += op.kind != DiffOp::Kind::kEqual;
  EXPECT_EQ(edits, 5u);
}

TEST(DiffLines, FallsBackBeyondTheEditLimit) {
  std::vector<std::string> a_store, b_store;
  for (size_t i = 0; i < kMaxEditDistance; ++i) {
    a_store.push_back("a" + std::to_string(i));
    b_store.push_back("b" + std::to_string(i));
  }
  std::vector<std::string_view> a(a_store.begin(), a_store.end());
  std::vector<std::string_view> b(b_store.begin(), b_store.end());
  std::vector<DiffOp> ops = DiffLines(a, b);
  EXPECT_EQ(ops.size(), 2 * kMaxEditDistance);
  std::string at, bt;
  for (auto& s : a_store) at += s + "\n";
  for (auto& s : b_store) bt += s + "\n";
  std::string patched;
  ASSERT_TRUE(ApplyUnifiedDiff(at, UnifiedDiff(at, bt, "a", "b"), &patched));
  EXPECT_EQ(patched, bt);
}

// Texts over a small alphabet so that lines repeat and the diff has real work to do.
rc::Gen<std::string> SmallText() {
  return rc::gen::map(
      rc::gen::pair(rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 5)),
                    rc::gen::arbitrary<bool>()),
      [](const std::pair<std::vector<int>, bool>& p) {
        std::string s;
        for (int v : p.first) s += std::string(1, static_cast<char>('a' + v)) + "\n";
        if (p.second && !s.empty()) s.pop_back();  // sometimes no final newline
        return s;
      });
}

RC_GTEST_PROP(UnifiedDiff, ApplyingTheHunksToAGivesB, ()) {
  std::string a = *SmallText();
  std::string b = *SmallText();
  size_t context = *rc::gen::inRange<size_t>(0, 4);
  std::string diff = UnifiedDiff(a, b, "a", "b", context);
  RC_ASSERT(diff.empty() == (a == b));
  std::string patched;
  RC_ASSERT(ApplyUnifiedDiff(a, diff, &patched));
  RC_ASSERT(patched == b);
}

RC_GTEST_PROP(DiffLines, CoversBothSidesInOrder, ()) {
  std::string at = *SmallText(), bt = *SmallText();
  auto a = SplitLines(at), b = SplitLines(bt);
  size_t ia = 0, ib = 0;
  for (const DiffOp& op : DiffLines(a, b)) {
    if (op.kind != DiffOp::Kind::kInsert) RC_ASSERT(op.a_index == ia++);
    if (op.kind != DiffOp::Kind::kDelete) RC_ASSERT(op.b_index == ib++);
    if (op.kind == DiffOp::Kind::kEqual) RC_ASSERT(a[op.a_index] == b[op.b_index]);
  }
  RC_ASSERT(ia == a.size());
  RC_ASSERT(ib == b.size());
}

PromptSpec Spec(const std::string& spec_yaml) {
  PromptFile f = DecodePromptFile(
      "apiVersion: ballast.dev/v1\nkind: Prompt\nmetadata: {name: p}\nspec:\n" + spec_yaml, "p");
  EXPECT_TRUE(f.ok()) << f.diagnostics.ToString();
  return f.prompts.empty() ? PromptSpec{} : f.prompts[0].spec;
}

TEST(PromptDiff, ChatMessagesAndParameters) {
  PromptSpec v1 = Spec(R"(  messages:
    - {role: system, content: "Be brief.\nUse {{ lang }}."}
    - {role: user, content: "{{ q }}"}
  variables: {lang: {default: English}, q: }
  model: {model: gpt-4o@production, temperature: 0.2}
)");
  PromptSpec v2 = Spec(R"(  messages:
    - {role: system, content: "Be very brief.\nUse {{ lang }}."}
    - {role: user, content: "{{ q }}"}
  variables: {lang: {default: French}, q: }
  model: {model: gpt-4o@production, temperature: 0.2, max_tokens: 100}
)");
  EXPECT_EQ(TemplateDiffText(v1), "system: Be brief.\nUse {{ lang }}.\n\nuser: {{ q }}\n");
  EXPECT_EQ(PromptDiff(v1, v2, "p@1", "p@2"),
            "--- p@1 template\n+++ p@2 template\n@@ -1,4 +1,4 @@\n-system: Be brief.\n"
            "+system: Be very brief.\n Use {{ lang }}.\n \n user: {{ q }}\n"
            "--- p@1 spec\n+++ p@2 spec\n@@ -1,5 +1,6 @@\n+model.max_tokens: 100\n"
            " model.model: \"gpt-4o@production\"\n model.temperature: 0.2\n"
            "-variables.lang.default: \"English\"\n+variables.lang.default: \"French\"\n"
            " variables.lang.required: false\n variables.q.required: true\n");
  EXPECT_EQ(PromptDiff(v1, v1, "p@1", "p@1"), "");
}

TEST(PromptDiff, TextTemplateOnly) {
  PromptSpec v1 = Spec("  template: \"a\\nb\\n\"\n");
  PromptSpec v2 = Spec("  template: \"a\\nc\\n\"\n");
  EXPECT_EQ(PromptDiff(v1, v2, "x", "y"),
            "--- x template\n+++ y template\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n");
  EXPECT_EQ(ParameterDiffText(v1), "");
}

}  // namespace
}  // namespace ballast::registry
