// Internal to the expression language: what its parser (expr_parse.cc) and its compiler and
// evaluator (expr_predicate.cc) share. Not part of the public API; include only from those files.
//
// Thread safety: stateless functions and constants.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "common/expr.h"
#include "common/status.h"

namespace ballast::expr::internal {

// Hand-built ASTs are checked against this before the recursive compile and evaluate. Parsed
// ones stay far below it: each nesting level of the parser adds at most two AST levels.
constexpr int kMaxNestingHonoured = 256;
constexpr int kMaxAstDepth = 2 * kMaxNestingHonoured + 8;

inline std::string PositionText(int pos) { return " at position " + std::to_string(pos); }

// "<what> at position N" or "<what> at position N; <detail>", as InvalidArgument.
inline Status ErrorAt(int pos, std::string_view what, std::string_view detail = {}) {
  std::string msg(what);
  msg += PositionText(pos);
  if (!detail.empty()) {
    msg += "; ";
    msg += detail;
  }
  return Status::InvalidArgument(std::move(msg));
}

inline char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Appends `s` between `quote`s, doubling any `quote` inside.
inline void AppendQuoted(std::string& out, std::string_view s, char quote) {
  out += quote;
  for (char c : s) {
    out += c;
    if (c == quote) out += c;
  }
  out += quote;
}

// Appends a literal as the standard dialect writes it ('it''s', 12, 0.5, true).
void AppendLiteral(std::string& out, const Literal& l);

}  // namespace ballast::expr::internal
