// Property checks shared by fuzz targets: failing loudly (Require), the shape of a compiled SQL
// WHERE fragment (expr_sql_fuzz, mlflow_filter_fuzz) and UTF-8 validity of messages.
// A compiled WHERE fragment must be what the stores accept (store/registry_store.h, SqlFilter)
// and must hold no text from the input. Header-only because each fuzz target is one binary built
// from one .cc file (fuzz/CMakeLists.txt).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "common/expr.h"
#include "common/yaml_decode.h"

namespace ballast::fuzz {

// Aborts with `what` (and the offending SQL) when `ok` is false: libFuzzer reports the abort
// and saves the input.
inline void Require(bool ok, std::string_view what, std::string_view sql = {}) {
  if (ok) return;
  std::fprintf(stderr, "property violated: %.*s\nsql: %.*s\n", static_cast<int>(what.size()),
               what.data(), static_cast<int>(sql.size()), sql.data());
  std::abort();
}

// The SQL keywords (and constants) the expression compiler (store/expr_sql.cc) may emit.
inline const std::set<std::string, std::less<>>& CompilerKeywords() {
  static const std::set<std::string, std::less<>> words = {
      "AND", "OR", "NOT", "COALESCE", "EXISTS", "SELECT", "FROM", "WHERE", "IN", "GLOB", "0", "1"};
  return words;
}

// A compiled WHERE fragment with `placeholders` bound values must:
// - hold no ';', no quote of any kind and no comment start (it carries no literals at all),
// - have as many '?' as values and balanced parentheses,
// - consist only of operators, '?' and words that are compiler keywords or in `names` (the SQL
//   names the program declared), so no word of the user's input reached it.
inline void CheckWhereFragment(std::string_view sql, size_t placeholders,
                               const std::set<std::string, std::less<>>& names) {
  size_t marks = 0;
  int depth = 0;
  for (size_t i = 0; i < sql.size();) {
    const char c = sql[i];
    const bool word = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '.';
    if (word) {
      size_t j = i;
      while (j < sql.size() &&
             ((sql[j] >= 'A' && sql[j] <= 'Z') || (sql[j] >= 'a' && sql[j] <= 'z') ||
              (sql[j] >= '0' && sql[j] <= '9') || sql[j] == '_' || sql[j] == '.')) {
        ++j;
      }
      std::string_view w = sql.substr(i, j - i);
      Require(CompilerKeywords().count(w) > 0 || names.count(w) > 0,
              "a word in the SQL is neither a keyword nor a declared name", sql);
      i = j;
      continue;
    }
    switch (c) {
      case '?':
        ++marks;
        break;
      case '(':
        ++depth;
        break;
      case ')':
        --depth;
        Require(depth >= 0, "')' without '('", sql);
        break;
      case ' ':
      case ',':
      case '=':
      case '<':
      case '>':
        break;
      default:
        Require(false, "a character the compiler never emits", sql);
    }
    ++i;
  }
  Require(depth == 0, "unbalanced parentheses", sql);
  Require(marks == placeholders, "'?' count differs from the number of bound values", sql);
}

// The input convention of the expression fuzz targets (expr_fuzz, expr_sql_fuzz), so their
// corpora are interchangeable: the first byte's low bit picks the dialect (1: MLflow), the rest
// is the expression text. False for an empty input.
inline bool SplitExpressionInput(const uint8_t* data, size_t size, expr::ParseOptions& options,
                                 std::string_view& text) {
  if (size == 0) return false;
  options.dialect = (data[0] & 1) ? expr::Dialect::kMlflow : expr::Dialect::kStandard;
  text = std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1);
  return true;
}

// True when `s` is valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF). Error
// messages end up in JSON bodies, which must be valid UTF-8: a parser that quotes valid input
// must not cut a character in half.
using yaml::IsValidUtf8;

}  // namespace ballast::fuzz
