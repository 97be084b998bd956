// The expression language's front end: lexer, recursive-descent parser and Format (the AST back
// to canonical text). Compilation and evaluation live in expr_predicate.cc.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "common/expr.h"
#include "common/expr_internal.h"

namespace ballast::expr {
namespace {

using internal::AppendLiteral;
using internal::AppendQuoted;
using internal::AsciiLower;
using internal::ErrorAt;
using internal::kMaxNestingHonoured;
using internal::PositionText;

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Tokens.

enum class Tok : uint8_t {
  kEnd, kWord, kQuotedWord, kString, kNumber, kLParen, kRParen, kComma, kDot, kCompareOp,
  kAnd, kOr, kNot, kIn, kLike, kILike, kTrue, kFalse,
};

struct Token {
  Tok kind = Tok::kEnd;
  int pos = 0;            // 1-based
  std::string_view text;  // as written
  std::string value;      // unquoted string / backticked word
  Op op = Op::kEq;        // kCompareOp
  double number = 0;
  bool integral = false;
  int64_t integer = 0;
};

Tok KeywordKind(std::string_view w) {
  static constexpr std::pair<std::string_view, Tok> kKeywords[] = {
      {"and", Tok::kAnd},   {"or", Tok::kOr},       {"not", Tok::kNot},   {"in", Tok::kIn},
      {"like", Tok::kLike}, {"ilike", Tok::kILike}, {"true", Tok::kTrue}, {"false", Tok::kFalse}};
  for (const auto& [name, kind] : kKeywords)
    if (EqualsIgnoreCase(w, name)) return kind;
  return Tok::kWord;
}

std::string Describe(const Token& t) {
  if (t.kind == Tok::kEnd) return "end of input";
  std::string out = "'";
  size_t end = std::min<size_t>(t.text.size(), 24);
  // Never split a UTF-8 character: the message goes into JSON bodies.
  while (end < t.text.size() && end > 0 &&
         (static_cast<unsigned char>(t.text[end]) & 0xC0) == 0x80) {
    --end;
  }
  out.append(t.text.substr(0, end));
  if (t.text.size() > end) out += "...";
  return out + "'";
}

class Lexer {
 public:
  Lexer(std::string_view text, Dialect dialect) : s_(text), dialect_(dialect) {}

  Status Run(std::vector<Token>& out) {
    while (true) {
      while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' ||
                                s_[i_] == '\r'))
        ++i_;
      Token t;
      t.pos = static_cast<int>(i_) + 1;
      if (i_ >= s_.size()) {
        out.push_back(std::move(t));
        return Status::Ok();
      }
      BALLAST_RETURN_IF_ERROR(Next(t));
      t.text = s_.substr(t.pos - 1, i_ - (t.pos - 1));
      out.push_back(std::move(t));
    }
  }

 private:
  Status Next(Token& t) {
    char c = s_[i_];
    auto single = [&](Tok kind) {
      t.kind = kind;
      ++i_;
      return Status::Ok();
    };
    switch (c) {
      case '(': return single(Tok::kLParen);
      case ')': return single(Tok::kRParen);
      case ',': return single(Tok::kComma);
      case '.':
        if (i_ + 1 < s_.size() && IsDigit(s_[i_ + 1])) return Number(t);
        return single(Tok::kDot);
      case '\'': return Quoted(t, '\'', Tok::kString);
      case '"':
        if (dialect_ != Dialect::kMlflow)
          return ErrorAt(t.pos, "double-quoted string",
                         "use single quotes (double quotes are accepted only in the MLflow "
                         "dialect)");
        return Quoted(t, '"', Tok::kString);
      case '`':
        if (dialect_ != Dialect::kMlflow)
          return ErrorAt(t.pos, "backticked identifier",
                         "backticks are accepted only in the MLflow dialect");
        return Quoted(t, '`', Tok::kQuotedWord);
      case '=':
        t.kind = Tok::kCompareOp;
        t.op = Op::kEq;
        i_ += (i_ + 1 < s_.size() && s_[i_ + 1] == '=') ? 2 : 1;  // '==' is a common slip
        return Status::Ok();
      case '!':
        if (i_ + 1 < s_.size() && s_[i_ + 1] == '=') return TwoChar(t, Op::kNe);
        return ErrorAt(t.pos, "unexpected character '!' (did you mean '!='?)");
      case '<':
        if (i_ + 1 < s_.size() && s_[i_ + 1] == '=') return TwoChar(t, Op::kLe);
        if (i_ + 1 < s_.size() && s_[i_ + 1] == '>') return TwoChar(t, Op::kNe);
        t.op = Op::kLt;
        return single(Tok::kCompareOp);
      case '>':
        if (i_ + 1 < s_.size() && s_[i_ + 1] == '=') return TwoChar(t, Op::kGe);
        t.op = Op::kGt;
        return single(Tok::kCompareOp);
      default: break;
    }
    if (IsDigit(c) || c == '-') return Number(t);
    if (IsIdentStart(c)) {
      while (i_ < s_.size() && IsIdentChar(s_[i_])) ++i_;
      t.kind = KeywordKind(s_.substr(t.pos - 1, i_ - (t.pos - 1)));
      return Status::Ok();
    }
    std::string what = "unexpected character ";
    if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) {
      what += "'";
      what += c;
      what += "'";
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned char>(c));
      what += buf;
    }
    return ErrorAt(t.pos, what);
  }

  Status TwoChar(Token& t, Op op) {
    t.kind = Tok::kCompareOp;
    t.op = op;
    i_ += 2;
    return Status::Ok();
  }

  // A quoted run; the quote character doubled stands for itself.
  Status Quoted(Token& t, char quote, Tok kind) {
    ++i_;
    while (true) {
      if (i_ >= s_.size()) {
        return ErrorAt(t.pos, kind == Tok::kString ? "unterminated string starting"
                                                   : "unterminated backticked identifier starting");
      }
      char c = s_[i_++];
      if (c == quote) {
        if (i_ < s_.size() && s_[i_] == quote) {
          t.value += quote;
          ++i_;
          continue;
        }
        break;
      }
      t.value += c;
    }
    if (kind == Tok::kQuotedWord && t.value.empty())
      return ErrorAt(t.pos, "empty backticked identifier");
    t.kind = kind;
    return Status::Ok();
  }

  // -?digits[.digits][e[+-]digits], or -?.digits...
  Status Number(Token& t) {
    size_t start = i_;
    if (s_[i_] == '-') ++i_;
    size_t digits = 0;
    while (i_ < s_.size() && IsDigit(s_[i_])) ++i_, ++digits;
    bool integral = true;
    if (i_ < s_.size() && s_[i_] == '.') {
      integral = false;
      ++i_;
      while (i_ < s_.size() && IsDigit(s_[i_])) ++i_, ++digits;
    }
    if (digits == 0) return ErrorAt(t.pos, "expected digits in number");
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      integral = false;
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      size_t exp_digits = 0;
      while (i_ < s_.size() && IsDigit(s_[i_])) ++i_, ++exp_digits;
      if (exp_digits == 0) return ErrorAt(t.pos, "expected digits in the exponent of number");
    }
    if (i_ < s_.size() && (IsIdentChar(s_[i_]) || s_[i_] == '.'))
      return ErrorAt(t.pos, "malformed number");
    std::string_view text = s_.substr(start, i_ - start);
    // from_chars rejects a leading '+' only; ".5" and "-.5" need a zero it can read.
    std::string buf;
    if (text.find('.') == 0 || text.starts_with("-.")) {
      buf.assign(text);
      buf.insert(buf[0] == '-' ? 1 : 0, "0");
      text = buf;
    }
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), t.number);
    if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(t.number))
      return ErrorAt(t.pos, "number out of range");
    if (integral) {
      auto [q, iec] = std::from_chars(text.data(), text.data() + text.size(), t.integer);
      t.integral = iec == std::errc() && q == text.data() + text.size();
    }
    t.kind = Tok::kNumber;
    return Status::Ok();
  }

  std::string_view s_;
  Dialect dialect_;
  size_t i_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Parser: recursive descent; `depth` counts parentheses and NOTs.
//
//   or      := and (OR and)*
//   and     := unary (AND unary)*
//   unary   := NOT unary | '(' or ')' | compare
//   compare := has '(' field ',' value ')'
//            | field (cmp_op value | [NOT] IN '(' value (',' value)* ')' | [NOT] [I]LIKE string)
//   field   := word ('.' word)*

class Parser {
 public:
  Parser(std::vector<Token> tokens, const ParseOptions& options)
      : t_(std::move(tokens)), options_(options),
        max_depth_(std::min(options.max_depth, kMaxNestingHonoured)) {}

  Result<Node> ParseAll() {
    BALLAST_ASSIGN_OR_RETURN(Node root, ParseOr(0));
    if (Peek().kind != Tok::kEnd) return Expected("AND, OR or end of input");
    return root;
  }

 private:
  const Token& Peek(size_t ahead = 0) const { return t_[std::min(k_ + ahead, t_.size() - 1)]; }
  const Token& Take() { return t_[std::min(k_++, t_.size() - 1)]; }

  Status Expected(std::string_view what, std::string_view prefix = {}) const {
    const Token& t = Peek();
    std::string msg(prefix);
    msg += "expected ";
    msg += what;
    msg += PositionText(t.pos);
    msg += " (found " + Describe(t) + ")";
    return Status::InvalidArgument(std::move(msg));
  }

  Result<Node> ParseChain(int depth, Tok joiner, NodeKind kind) {
    auto parse_operand = [&]() {
      return kind == NodeKind::kOr ? ParseChain(depth, Tok::kAnd, NodeKind::kAnd)
                                   : ParseUnary(depth);
    };
    BALLAST_ASSIGN_OR_RETURN(Node first, parse_operand());
    if (Peek().kind != joiner) return first;
    Node chain;
    chain.kind = kind;
    chain.position = Peek().pos;
    auto append = [&](Node&& n) {
      if (n.kind == kind) {  // flatten (a AND b) AND c
        for (Node& c : n.children) chain.children.push_back(std::move(c));
      } else {
        chain.children.push_back(std::move(n));
      }
    };
    append(std::move(first));
    while (Peek().kind == joiner) {
      Take();
      BALLAST_ASSIGN_OR_RETURN(Node next, parse_operand());
      append(std::move(next));
    }
    return chain;
  }
  Result<Node> ParseOr(int depth) { return ParseChain(depth, Tok::kOr, NodeKind::kOr); }

  Status CheckDepth(int depth, int pos) const {
    if (depth <= max_depth_) return Status::Ok();
    return ErrorAt(pos, "expression nested deeper than " + std::to_string(max_depth_) +
                            " levels (parentheses and NOTs)");
  }

  Result<Node> ParseUnary(int depth) {
    const Token& t = Peek();
    if (t.kind == Tok::kNot) {
      BALLAST_RETURN_IF_ERROR(CheckDepth(depth + 1, t.pos));
      Node n;
      n.kind = NodeKind::kNot;
      n.position = Take().pos;
      BALLAST_ASSIGN_OR_RETURN(Node operand, ParseUnary(depth + 1));
      n.children.push_back(std::move(operand));
      return n;
    }
    if (t.kind == Tok::kLParen) {
      BALLAST_RETURN_IF_ERROR(CheckDepth(depth + 1, t.pos));
      int open = Take().pos;
      BALLAST_ASSIGN_OR_RETURN(Node inner, ParseOr(depth + 1));
      if (Peek().kind != Tok::kRParen)
        return Expected("')'", "unclosed '(' at position " + std::to_string(open) + ": ");
      Take();
      return inner;
    }
    return ParseComparison();
  }

  Result<Node> ParseComparison() {
    Node n;
    n.kind = NodeKind::kComparison;
    if (Peek().kind == Tok::kWord && EqualsIgnoreCase(Peek().text, "has") &&
        Peek(1).kind == Tok::kLParen) {
      n.position = Take().pos;
      n.op = Op::kHas;
      Take();
      BALLAST_RETURN_IF_ERROR(ParseField(n.field, "a field as the first argument of has()"));
      if (Peek().kind != Tok::kComma) return Expected("',' after the field in has()");
      Take();
      if (Peek().kind != Tok::kString) return Expected("a string as the second argument of has()");
      n.values.push_back(ToLiteral(Take()));
      if (Peek().kind != Tok::kRParen) return Expected("')' to close has()");
      Take();
      return n;
    }
    BALLAST_RETURN_IF_ERROR(ParseField(n.field, "a field, NOT or '('"));
    n.position = n.field.position;
    bool negated = false;
    if (Peek().kind == Tok::kNot) {
      Take();
      negated = true;
    }
    const Token& op = Peek();
    switch (op.kind) {
      case Tok::kCompareOp:
        if (negated) break;
        n.op = op.op;
        Take();
        return ParseSingleValue(n, op.text);
      case Tok::kIn:
        n.op = negated ? Op::kNotIn : Op::kIn;
        Take();
        BALLAST_RETURN_IF_ERROR(ParseList(n));
        return n;
      case Tok::kLike:
      case Tok::kILike: {
        bool fold = op.kind == Tok::kILike;
        n.op = fold ? (negated ? Op::kNotILike : Op::kILike) : (negated ? Op::kNotLike : Op::kLike);
        std::string name = negated ? "NOT " : "";
        name += fold ? "ILIKE" : "LIKE";
        Take();
        if (Peek().kind != Tok::kString) return Expected("a string pattern after " + name);
        n.values.push_back(ToLiteral(Take()));
        return n;
      }
      default: break;
    }
    if (negated) return Expected("IN, LIKE or ILIKE after NOT");
    return Expected("an operator (= != < <= > >= IN, NOT IN, LIKE, ILIKE) after field '" +
                    n.field.ToString() + "'");
  }

  Status ParseField(FieldPath& field, std::string_view what) {
    const Token& first = Peek();
    if (first.kind != Tok::kWord && first.kind != Tok::kQuotedWord) return Expected(what);
    field.position = first.pos;
    field.segments.push_back(Segment(Take()));
    while (Peek().kind == Tok::kDot) {
      Take();
      // After a dot any word is a key, keywords included: attributes.in is fine.
      const Token& seg = Peek();
      bool word = seg.kind == Tok::kWord || seg.kind == Tok::kQuotedWord ||
                  (seg.kind >= Tok::kAnd && seg.kind <= Tok::kFalse);
      if (!word) return Expected("a name after '.' in field '" + field.ToString() + "'");
      field.segments.push_back(Segment(Take()));
    }
    return Status::Ok();
  }

  static std::string Segment(const Token& t) {
    return t.kind == Tok::kQuotedWord ? t.value : std::string(t.text);
  }

  static Literal ToLiteral(const Token& t) {
    Literal l;
    l.position = t.pos;
    switch (t.kind) {
      case Tok::kString:
        l.kind = Literal::Kind::kString;
        l.string = t.value;
        break;
      case Tok::kNumber:
        l.kind = Literal::Kind::kNumber;
        l.number = t.number;
        l.integral = t.integral;
        l.integer = t.integer;
        break;
      default:
        l.kind = Literal::Kind::kBool;
        l.boolean = t.kind == Tok::kTrue;
        break;
    }
    return l;
  }

  static bool IsValue(Tok k) {
    return k == Tok::kString || k == Tok::kNumber || k == Tok::kTrue || k == Tok::kFalse;
  }

  Result<Node> ParseSingleValue(Node& n, std::string_view op_text) {
    if (!IsValue(Peek().kind)) return Expected("a value after '" + std::string(op_text) + "'");
    n.values.push_back(ToLiteral(Take()));
    return std::move(n);
  }

  Status ParseList(Node& n) {
    std::string name(OpName(n.op));
    if (Peek().kind != Tok::kLParen) return Expected("'(' after " + name);
    Take();
    while (true) {
      if (!IsValue(Peek().kind)) return Expected("a value in the " + name + " list");
      if (n.values.size() >= options_.max_in_list) {
        return ErrorAt(Peek().pos, name + " list longer than " +
                                       std::to_string(options_.max_in_list) + " values");
      }
      n.values.push_back(ToLiteral(Take()));
      if (Peek().kind == Tok::kComma) {
        Take();
        continue;
      }
      if (Peek().kind == Tok::kRParen) {
        Take();
        return Status::Ok();
      }
      return Expected("',' or ')' in the " + name + " list");
    }
  }

  std::vector<Token> t_;
  size_t k_ = 0;
  const ParseOptions& options_;
  int max_depth_;
};

// ---------------------------------------------------------------------------------------------
// Format.

bool IsPlainSegment(std::string_view s, bool first) {
  if (s.empty() || !IsIdentStart(s[0])) return false;
  for (char c : s)
    if (!IsIdentChar(c)) return false;
  return !first || KeywordKind(s) == Tok::kWord;
}

void FormatInto(std::string& out, const Node& n, NodeKind parent, bool has_parent) {
  switch (n.kind) {
    case NodeKind::kAnd:
    case NodeKind::kOr: {
      bool parens = has_parent && (parent == NodeKind::kNot ||
                                   (n.kind == NodeKind::kOr && parent == NodeKind::kAnd));
      if (parens) out += '(';
      for (size_t i = 0; i < n.children.size(); ++i) {
        if (i) out += n.kind == NodeKind::kAnd ? " AND " : " OR ";
        FormatInto(out, n.children[i], n.kind, true);
      }
      if (parens) out += ')';
      return;
    }
    case NodeKind::kNot:
      out += "NOT ";
      if (!n.children.empty()) FormatInto(out, n.children[0], NodeKind::kNot, true);
      return;
    case NodeKind::kComparison: break;
  }
  std::string field;
  for (size_t i = 0; i < n.field.segments.size(); ++i) {
    if (i) field += '.';
    const std::string& s = n.field.segments[i];
    if (IsPlainSegment(s, i == 0)) {
      field += s;
    } else {
      AppendQuoted(field, s, '`');
    }
  }
  if (n.op == Op::kHas) {
    out += "has(" + field + ", ";
    if (!n.values.empty()) AppendLiteral(out, n.values[0]);
    out += ')';
    return;
  }
  out += field;
  out += ' ';
  out += OpName(n.op);
  out += ' ';
  if (n.op == Op::kIn || n.op == Op::kNotIn) {
    out += '(';
    for (size_t i = 0; i < n.values.size(); ++i) {
      if (i) out += ", ";
      AppendLiteral(out, n.values[i]);
    }
    out += ')';
  } else if (!n.values.empty()) {
    AppendLiteral(out, n.values[0]);
  }
}

}  // namespace

namespace internal {

void AppendLiteral(std::string& out, const Literal& l) {
  switch (l.kind) {
    case Literal::Kind::kString: AppendQuoted(out, l.string, '\''); break;
    case Literal::Kind::kBool: out += l.boolean ? "true" : "false"; break;
    case Literal::Kind::kNumber: {
      if (l.integral) {
        out += std::to_string(l.integer);
      } else {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", l.number);
        out += buf;
        // Keep it a float on re-parse: "1" would come back integral.
        if (std::string_view(buf).find_first_of(".e") == std::string_view::npos) out += ".0";
      }
      break;
    }
  }
}

}  // namespace internal

std::string_view OpName(Op op) {
  switch (op) {
    case Op::kEq: return "=";
    case Op::kNe: return "!=";
    case Op::kLt: return "<";
    case Op::kLe: return "<=";
    case Op::kGt: return ">";
    case Op::kGe: return ">=";
    case Op::kIn: return "IN";
    case Op::kNotIn: return "NOT IN";
    case Op::kLike: return "LIKE";
    case Op::kNotLike: return "NOT LIKE";
    case Op::kILike: return "ILIKE";
    case Op::kNotILike: return "NOT ILIKE";
    case Op::kHas: return "has";
  }
  return "?";
}

std::string FieldPath::ToString() const {
  std::string out;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i) out += '.';
    out += segments[i];
  }
  return out;
}

Result<Expression> Parse(std::string_view text, const ParseOptions& options) {
  if (text.size() > options.max_length) {
    return Status::InvalidArgument("expression is " + std::to_string(text.size()) +
                                   " characters long; the limit is " +
                                   std::to_string(options.max_length));
  }
  std::vector<Token> tokens;
  BALLAST_RETURN_IF_ERROR(Lexer(text, options.dialect).Run(tokens));
  Parser parser(std::move(tokens), options);
  BALLAST_ASSIGN_OR_RETURN(Node root, parser.ParseAll());
  return Expression{std::move(root), options.dialect};
}

std::string Format(const Node& node) {
  std::string out;
  FormatInto(out, node, NodeKind::kComparison, false);
  return out;
}

}  // namespace ballast::expr
