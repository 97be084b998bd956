#include "registry/line_diff.h"

#include <algorithm>
#include <cstdint>

namespace ballast::registry {
namespace {

using Lines = std::vector<std::string_view>;

// Myers' greedy forward search over a[a0, a1) and b[b0, b1), keeping each round's frontier for
// the backtrack. Returns false when the edit distance exceeds kMaxEditDistance.
bool MyersMiddle(const Lines& a, size_t a0, size_t a1, const Lines& b, size_t b0, size_t b1,
                 std::vector<DiffOp>& out) {
  const int64_t n = static_cast<int64_t>(a1 - a0);
  const int64_t m = static_cast<int64_t>(b1 - b0);
  const int64_t max_d = std::min<int64_t>(n + m, kMaxEditDistance);
  const int64_t offset = max_d + 1;
  std::vector<int64_t> v(2 * offset + 1, 0);
  std::vector<std::vector<int64_t>> trace;
  int64_t found_d = -1;
  for (int64_t d = 0; d <= max_d && found_d < 0; ++d) {
    // Only diagonals -d..d matter for round d's backtrack: keep that slice, not all of v.
    trace.emplace_back(v.begin() + (offset - d), v.begin() + (offset + d + 1));
    for (int64_t k = -d; k <= d; k += 2) {
      int64_t x;
      if (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) {
        x = v[offset + k + 1];  // down: insertion
      } else {
        x = v[offset + k - 1] + 1;  // right: deletion
      }
      int64_t y = x - k;
      while (x < n && y < m && a[a0 + x] == b[b0 + y]) {
        ++x;
        ++y;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found_d = d;
        break;
      }
    }
  }
  if (found_d < 0) return false;
  // Backtrack from (n, m) through the saved frontiers.
  std::vector<DiffOp> rev;
  int64_t x = n, y = m;
  for (int64_t d = found_d; d > 0; --d) {
    const std::vector<int64_t>& pv = trace[d];  // frontier before round d, index k + d
    auto at = [&](int64_t k) { return pv[k + d]; };
    int64_t k = x - y;
    int64_t prev_k;
    if (k == -d || (k != d && at(k - 1) < at(k + 1))) {
      prev_k = k + 1;
    } else {
      prev_k = k - 1;
    }
    int64_t prev_x = at(prev_k);
    int64_t prev_y = prev_x - prev_k;
    while (x > prev_x && y > prev_y) {
      --x;
      --y;
      rev.push_back({DiffOp::Kind::kEqual, a0 + x, b0 + y});
    }
    if (x == prev_x) {
      --y;
      rev.push_back({DiffOp::Kind::kInsert, a0 + x, b0 + y});
    } else {
      --x;
      rev.push_back({DiffOp::Kind::kDelete, a0 + x, b0 + y});
    }
  }
  while (x > 0 && y > 0) {
    --x;
    --y;
    rev.push_back({DiffOp::Kind::kEqual, a0 + x, b0 + y});
  }
  out.insert(out.end(), rev.rbegin(), rev.rend());
  return true;
}

std::string Range(size_t start, size_t count) {
  // diff -u: "l,c", "l" when c == 1, and for an empty range the line before it.
  if (count == 1) return std::to_string(start + 1);
  return std::to_string(count == 0 ? start : start + 1) + "," + std::to_string(count);
}

void AppendLine(std::string& out, char mark, std::string_view line) {
  out += mark;
  out.append(line);
  if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
}

}  // namespace

std::vector<std::string_view> SplitLines(std::string_view text) {
  Lines out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    out.push_back(text.substr(start, end - start));
    start = end;
  }
  return out;
}

std::vector<DiffOp> DiffLines(const Lines& a, const Lines& b) {
  std::vector<DiffOp> ops;
  size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) {
    ops.push_back({DiffOp::Kind::kEqual, prefix, prefix});
    ++prefix;
  }
  size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
    ++suffix;
  }
  size_t a1 = a.size() - suffix, b1 = b.size() - suffix;
  if (!MyersMiddle(a, prefix, a1, b, prefix, b1, ops)) {
    for (size_t i = prefix; i < a1; ++i) ops.push_back({DiffOp::Kind::kDelete, i, prefix});
    for (size_t j = prefix; j < b1; ++j) ops.push_back({DiffOp::Kind::kInsert, a1, j});
  }
  for (size_t s = 0; s < suffix; ++s) ops.push_back({DiffOp::Kind::kEqual, a1 + s, b1 + s});
  return ops;
}

std::string UnifiedDiff(std::string_view a_text, std::string_view b_text,
                        std::string_view from_label, std::string_view to_label, size_t context) {
  Lines a = SplitLines(a_text), b = SplitLines(b_text);
  std::vector<DiffOp> ops = DiffLines(a, b);
  std::string out;
  size_t i = 0;
  while (i < ops.size()) {
    // Find the next change.
    while (i < ops.size() && ops[i].kind == DiffOp::Kind::kEqual) ++i;
    if (i == ops.size()) break;
    size_t begin = i >= context ? i - context : 0;
    // Extend the hunk while the gap between changes is at most 2 * context equal lines.
    size_t end = i;
    while (end < ops.size()) {
      if (ops[end].kind != DiffOp::Kind::kEqual) {
        ++end;
        continue;
      }
      size_t run = end;
      while (run < ops.size() && ops[run].kind == DiffOp::Kind::kEqual) ++run;
      if (run == ops.size() || run - end > 2 * context) {
        end = std::min(run, end + context);
        break;
      }
      end = run;
    }
    size_t a_start = 0, a_count = 0, b_start = 0, b_count = 0;
    const DiffOp& first = ops[begin];
    a_start = first.a_index;
    b_start = first.b_index;
    for (size_t k = begin; k < end; ++k) {
      if (ops[k].kind != DiffOp::Kind::kInsert) ++a_count;
      if (ops[k].kind != DiffOp::Kind::kDelete) ++b_count;
    }
    if (out.empty()) {
      out += "--- ";
      out.append(from_label);
      out += "\n+++ ";
      out.append(to_label);
      out += '\n';
    }
    out += "@@ -" + Range(a_start, a_count) + " +" + Range(b_start, b_count) + " @@\n";
    for (size_t k = begin; k < end; ++k) {
      const DiffOp& op = ops[k];
      switch (op.kind) {
        case DiffOp::Kind::kEqual:
          AppendLine(out, ' ', a[op.a_index]);
          break;
        case DiffOp::Kind::kDelete:
          AppendLine(out, '-', a[op.a_index]);
          break;
        case DiffOp::Kind::kInsert:
          AppendLine(out, '+', b[op.b_index]);
          break;
      }
    }
    i = end;
  }
  return out;
}

}  // namespace ballast::registry
