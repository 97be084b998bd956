// Line diffs in unified format, as `diff -u` prints them.
//
//   std::string d = UnifiedDiff(old_text, new_text, "support-reply@3", "support-reply@4");
//   // --- support-reply@3
//   // +++ support-reply@4
//   // @@ -2,4 +2,4 @@
//   //  context
//   // -old line
//   // +new line
//
// DiffLines computes a shortest edit script with Myers' O(ND) algorithm after trimming the common
// prefix and suffix. To bound memory, when more than kMaxEditDistance edits would be needed the
// remaining middle is reported as deleted then inserted: still a correct diff, only not minimal.
// The search keeps O(D^2) integers for an edit distance D: a few MB at most.
//
// A line includes its terminating '\n'; a last line without one differs from the same text with
// one, and is printed followed by "\ No newline at end of file", as diff does.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ballast::registry {

inline constexpr size_t kMaxEditDistance = 1000;

struct DiffOp {
  enum class Kind { kEqual, kDelete, kInsert };
  Kind kind;
  size_t a_index;  // line index in a (for kEqual and kDelete)
  size_t b_index;  // line index in b (for kEqual and kInsert)
};

// Splits after each '\n'; the last line may lack one. "" has no lines.
std::vector<std::string_view> SplitLines(std::string_view text);

// An edit script turning a into b: ops in order, each line of a and b covered exactly once.
std::vector<DiffOp> DiffLines(const std::vector<std::string_view>& a,
                              const std::vector<std::string_view>& b);

// Hunks with `context` lines of context, headers "--- from" / "+++ to". Empty when a == b.
std::string UnifiedDiff(std::string_view a, std::string_view b, std::string_view from_label,
                        std::string_view to_label, size_t context = 3);

}  // namespace ballast::registry
