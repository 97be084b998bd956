#include "common/expr.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "common/time.h"

namespace ballast::expr {
namespace {

// Hand-built ASTs are checked against this before the recursive compile and evaluate. Parsed
// ones stay far below it: each nesting level of the parser adds at most two AST levels.
constexpr int kMaxNestingHonoured = 256;
constexpr int kMaxAstDepth = 2 * kMaxNestingHonoured + 8;

std::string PositionText(int pos) { return " at position " + std::to_string(pos); }

// "<what> at position N" or "<what> at position N; <detail>".
Status ErrorAt(int pos, std::string_view what, std::string_view detail = {}) {
  std::string msg(what);
  msg += PositionText(pos);
  if (!detail.empty()) {
    msg += "; ";
    msg += detail;
  }
  return Status::InvalidArgument(std::move(msg));
}

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

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
  out.append(t.text.substr(0, 24));
  if (t.text.size() > 24) out += "...";
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

void AppendQuoted(std::string& out, std::string_view s, char quote) {
  out += quote;
  for (char c : s) {
    out += c;
    if (c == quote) out += c;
  }
  out += quote;
}

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

// ---------------------------------------------------------------------------------------------
// Schema.

std::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kNumber: return "a number";
    case ValueType::kString: return "a string";
    case ValueType::kBool: return "a boolean";
    case ValueType::kStringList: return "a list of strings";
    case ValueType::kTime: return "a time";
    case ValueType::kAny: return "of any type";
  }
  return "?";
}

Schema& Schema::Add(Entry entry) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), entry.name,
                             [](const Entry& e, const std::string& n) { return e.name < n; });
  assert((it == entries_.end() || it->name != entry.name) && "field added to a Schema twice");
  entries_.insert(it, std::move(entry));
  return *this;
}

Schema& Schema::AddField(std::string name, ValueType type, SlotId slot) {
  return Add(Entry{std::move(name), type, slot, false, {}});
}

Schema& Schema::AddEnum(std::string name, std::vector<std::string> values, SlotId slot) {
  return Add(Entry{std::move(name), ValueType::kString, slot, false, std::move(values)});
}

Schema& Schema::AddMap(std::string prefix, ValueType type, SlotId slot) {
  return Add(Entry{std::move(prefix), type, slot, true, {}});
}

const Schema::Entry* Schema::Find(std::string_view name) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                             [](const Entry& e, std::string_view n) { return e.name < n; });
  return it != entries_.end() && it->name == name ? &*it : nullptr;
}

std::string Schema::DescribeFields() const {
  std::string out;
  for (const Entry& e : entries_) {
    if (!out.empty()) out += ", ";
    out += e.name;
    if (e.is_map) out += ".<key>";
  }
  return out;
}

Result<Schema::Resolved> Schema::Resolve(const FieldPath& path) const {
  const auto& seg = path.segments;
  std::string full = path.ToString();
  // Longest prefix first, so a field "tags.team" wins over a map "tags".
  for (size_t k = seg.size(); k >= 1; --k) {
    std::string name;
    for (size_t i = 0; i < k; ++i) {
      if (i) name += '.';
      name += seg[i];
    }
    const Entry* e = Find(name);
    if (!e) continue;
    if (k == seg.size() && e->is_map) {
      return ErrorAt(path.position, "field '" + full + "' needs a key, as in '" + full +
                                        ".<key>'");
    }
    if (k < seg.size() && !e->is_map)
      return ErrorAt(path.position, "field '" + name + "' has no sub-fields ('" + full + "')");
    Resolved r;
    r.slot = e->slot;
    r.type = e->type;
    r.allowed = e->allowed.empty() ? nullptr : &e->allowed;
    if (k < seg.size()) r.key = full.substr(name.size() + 1);
    return r;
  }
  return ErrorAt(path.position, "unknown field '" + full + "'",
                 "valid fields: " + DescribeFields());
}

// ---------------------------------------------------------------------------------------------
// Compiled form.

namespace {

constexpr uint8_t kLikeLiteral = 0, kLikeOne = 1, kLikeRun = 2;
struct LikeElem {
  uint8_t kind;
  char c;
};

// Patterns made of one literal with at most a leading and a trailing '%' skip the general
// matcher: they are most patterns people write ('gpt-4%', '%timeout%').
enum class LikeShape : uint8_t { kExact, kPrefix, kSuffix, kContains, kGeneral };

struct LikePattern {
  LikeShape shape = LikeShape::kGeneral;
  bool fold = false;             // ILIKE: `literal` and `elems` are already lower-case
  std::string literal;           // all shapes but kGeneral
  std::vector<LikeElem> elems;   // kGeneral
};

struct Instr {
  NodeKind kind = NodeKind::kComparison;
  Op op = Op::kEq;
  uint32_t first_child = 0;  // into Program::children
  uint32_t child_count = 0;
  SlotId slot = 0;
  std::string key;
  // Scalar comparisons: the literal and its kind; a value of another kind never matches.
  Literal::Kind want = Literal::Kind::kString;
  double number = 0;
  std::string string;  // also has()'s element
  bool boolean = false;
  // IN lists, sorted and deduplicated per kind (a kAny field may mix kinds).
  std::vector<double> numbers;
  std::vector<std::string> strings;
  bool in_true = false;
  bool in_false = false;
  LikePattern like;
};

size_t Utf8Length(char lead) {
  auto c = static_cast<unsigned char>(lead);
  return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

bool EqualsFolded(std::string_view s, std::string_view lower_literal) {
  if (s.size() != lower_literal.size()) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (AsciiLower(s[i]) != lower_literal[i]) return false;
  return true;
}

bool EqualsMaybeFolded(std::string_view s, std::string_view literal, bool fold) {
  return fold ? EqualsFolded(s, literal) : s == literal;
}

bool ContainsMaybeFolded(std::string_view s, std::string_view literal, bool fold) {
  if (!fold) return s.find(literal) != std::string_view::npos;
  if (literal.size() > s.size()) return false;
  for (size_t i = 0; i + literal.size() <= s.size(); ++i)
    if (EqualsFolded(s.substr(i, literal.size()), literal)) return true;
  return false;
}

// Wildcard matching that backtracks only to the last '%': O(|s| * |pattern|) at worst, no
// recursion, no allocation. '_' and the backtrack step advance by whole UTF-8 characters.
bool MatchGeneral(const std::vector<LikeElem>& p, std::string_view s, bool fold) {
  constexpr size_t kNone = static_cast<size_t>(-1);
  size_t pi = 0, si = 0, star = kNone, mark = 0;
  while (si < s.size()) {
    if (pi < p.size()) {
      const LikeElem& e = p[pi];
      if (e.kind == kLikeRun) {
        star = pi++;
        mark = si;
        continue;
      }
      if (e.kind == kLikeOne) {
        ++pi;
        si = std::min(s.size(), si + Utf8Length(s[si]));
        continue;
      }
      if ((fold ? AsciiLower(s[si]) : s[si]) == e.c) {
        ++pi;
        ++si;
        continue;
      }
    }
    if (star == kNone) return false;
    pi = star + 1;
    mark = std::min(s.size(), mark + Utf8Length(s[mark]));
    si = mark;
  }
  while (pi < p.size() && p[pi].kind == kLikeRun) ++pi;
  return pi == p.size();
}

bool MatchLike(const LikePattern& p, std::string_view s) {
  std::string_view lit = p.literal;
  switch (p.shape) {
    case LikeShape::kExact: return EqualsMaybeFolded(s, lit, p.fold);
    case LikeShape::kPrefix:
      return s.size() >= lit.size() && EqualsMaybeFolded(s.substr(0, lit.size()), lit, p.fold);
    case LikeShape::kSuffix:
      return s.size() >= lit.size() &&
             EqualsMaybeFolded(s.substr(s.size() - lit.size()), lit, p.fold);
    case LikeShape::kContains: return ContainsMaybeFolded(s, lit, p.fold);
    case LikeShape::kGeneral: return MatchGeneral(p.elems, s, p.fold);
  }
  return false;
}

Result<LikePattern> CompileLike(const Literal& lit, bool fold) {
  LikePattern out;
  out.fold = fold;
  const std::string& p = lit.string;
  std::vector<LikeElem> elems;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '%') {
      if (elems.empty() || elems.back().kind != kLikeRun) elems.push_back({kLikeRun, 0});
      continue;
    }
    if (c == '_') {
      elems.push_back({kLikeOne, 0});
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= p.size())
        return ErrorAt(lit.position, "LIKE pattern ends with an unfinished escape '\\'");
      c = p[++i];
    }
    elems.push_back({kLikeLiteral, fold ? AsciiLower(c) : c});
  }
  size_t n = elems.size();
  bool lead = n > 0 && elems.front().kind == kLikeRun;
  bool trail = n > 1 && elems.back().kind == kLikeRun;
  size_t from = lead ? 1 : 0, to = trail ? n - 1 : n;
  bool simple = true;
  for (size_t i = from; i < to; ++i) {
    if (elems[i].kind != kLikeLiteral) simple = false;
    out.literal += elems[i].c;
  }
  if (!simple) {
    out.shape = LikeShape::kGeneral;
    out.literal.clear();
    out.elems = std::move(elems);
  } else if (n == 1 && lead) {
    out.shape = LikeShape::kContains;  // '%': any string
  } else {
    out.shape = lead && trail ? LikeShape::kContains
                : lead        ? LikeShape::kSuffix
                : trail       ? LikeShape::kPrefix
                              : LikeShape::kExact;
  }
  return out;
}

std::string DescribeLiteral(const Literal& l) {
  switch (l.kind) {
    case Literal::Kind::kString: {
      std::string out = "the string ";
      AppendQuoted(out, l.string.substr(0, 40), '\'');
      return out;
    }
    case Literal::Kind::kNumber: {
      std::string out = "the number ";
      AppendLiteral(out, l);
      return out;
    }
    case Literal::Kind::kBool: return l.boolean ? "true" : "false";
  }
  return "?";
}

bool IsOrdering(Op op) { return op == Op::kLt || op == Op::kLe || op == Op::kGt || op == Op::kGe; }

}  // namespace

struct Predicate::Program {
  std::vector<Instr> instrs;
  std::vector<uint32_t> children;
  uint32_t root = 0;
};

namespace {

class Compiler {
 public:
  Compiler(const Schema& schema, Predicate::Program& program)
      : schema_(schema), program_(program) {}

  Result<uint32_t> Add(const Node& n, int depth) {
    if (depth > kMaxAstDepth)
      return ErrorAt(n.position, "expression nested deeper than " + std::to_string(kMaxAstDepth));
    Instr in;
    in.kind = n.kind;
    switch (n.kind) {
      case NodeKind::kAnd:
      case NodeKind::kOr:
      case NodeKind::kNot: {
        bool is_not = n.kind == NodeKind::kNot;
        if (is_not ? n.children.size() != 1 : n.children.empty())
          return ErrorAt(n.position, is_not ? "NOT needs exactly one operand"
                                            : "AND/OR needs at least one operand");
        std::vector<uint32_t> kids;
        for (const Node& c : n.children) {
          BALLAST_ASSIGN_OR_RETURN(uint32_t k, Add(c, depth + 1));
          kids.push_back(k);
        }
        in.first_child = static_cast<uint32_t>(program_.children.size());
        in.child_count = static_cast<uint32_t>(kids.size());
        program_.children.insert(program_.children.end(), kids.begin(), kids.end());
        break;
      }
      case NodeKind::kComparison: BALLAST_RETURN_IF_ERROR(Comparison(n, in)); break;
    }
    program_.instrs.push_back(std::move(in));
    return static_cast<uint32_t>(program_.instrs.size() - 1);
  }

 private:
  Status Comparison(const Node& n, Instr& in) {
    BALLAST_ASSIGN_OR_RETURN(Schema::Resolved f, schema_.Resolve(n.field));
    const std::string name = n.field.ToString();
    in.op = n.op;
    in.slot = f.slot;
    in.key = f.key;
    bool is_list_op = n.op == Op::kIn || n.op == Op::kNotIn;
    if (n.values.empty() || (!is_list_op && n.values.size() != 1))
      return ErrorAt(n.position, "'" + std::string(OpName(n.op)) + "' needs one value");
    const Literal& first = n.values[0];
    auto type_error = [&](const Literal& l) {
      return ErrorAt(l.position, "field '" + name + "' is " + std::string(ValueTypeName(f.type)) +
                                     "; it cannot be compared with " + DescribeLiteral(l));
    };

    if (n.op == Op::kHas) {
      if (f.type != ValueType::kStringList && f.type != ValueType::kAny) {
        return ErrorAt(n.position, "has() needs a list field; '" + name + "' is " +
                                       std::string(ValueTypeName(f.type)));
      }
      if (first.kind != Literal::Kind::kString) return type_error(first);
      in.string = first.string;
      return Status::Ok();
    }
    if (f.type == ValueType::kStringList) {
      return ErrorAt(n.position, "field '" + name +
                                     "' is a list of strings; test membership with has(" + name +
                                     ", 'x')");
    }
    if (n.op == Op::kLike || n.op == Op::kNotLike || n.op == Op::kILike || n.op == Op::kNotILike) {
      if (f.type != ValueType::kString && f.type != ValueType::kAny) {
        return ErrorAt(n.position, std::string(OpName(n.op)) + " needs a string field; '" +
                                       name + "' is " + std::string(ValueTypeName(f.type)));
      }
      if (first.kind != Literal::Kind::kString) return type_error(first);
      BALLAST_ASSIGN_OR_RETURN(in.like,
                               CompileLike(first, n.op == Op::kILike || n.op == Op::kNotILike));
      return Status::Ok();
    }

    for (const Literal& raw : n.values) {
      if (raw.kind == Literal::Kind::kBool && IsOrdering(n.op)) {
        return ErrorAt(raw.position, "operator '" + std::string(OpName(n.op)) +
                                         "' does not apply to true/false");
      }
      Literal l = raw;
      switch (f.type) {
        case ValueType::kNumber:
          if (l.kind != Literal::Kind::kNumber) return type_error(l);
          break;
        case ValueType::kBool:
          if (l.kind != Literal::Kind::kBool) return type_error(l);
          break;
        case ValueType::kString:
          if (l.kind != Literal::Kind::kString) return type_error(l);
          if (f.allowed && !IsOrdering(n.op) &&
              std::find(f.allowed->begin(), f.allowed->end(), l.string) == f.allowed->end()) {
            std::string values;
            for (const std::string& v : *f.allowed) values += (values.empty() ? "" : ", ") + v;
            return ErrorAt(l.position,
                           "unknown value '" + l.string.substr(0, 40) + "' for field '" + name + "'",
                           "expected one of: " + values);
          }
          break;
        case ValueType::kTime:
          if (l.kind == Literal::Kind::kString) {
            Result<EpochMillis> t = ParseRfc3339(l.string);
            if (!t) {
              return ErrorAt(l.position, "invalid time " + DescribeLiteral(l).substr(11),
                             "field '" + name + "' takes epoch milliseconds or an RFC 3339 time "
                             "such as '2026-01-31T00:00:00Z' (" + t.error().message() + ")");
            }
            l.kind = Literal::Kind::kNumber;
            l.number = static_cast<double>(*t);
          } else if (l.kind != Literal::Kind::kNumber) {
            return type_error(l);
          }
          break;
        case ValueType::kAny:
        case ValueType::kStringList: break;
      }
      if (!is_list_op) {
        in.want = l.kind;
        in.number = l.number;
        in.string = std::move(l.string);
        in.boolean = l.boolean;
        return Status::Ok();
      }
      switch (l.kind) {
        case Literal::Kind::kNumber: in.numbers.push_back(l.number); break;
        case Literal::Kind::kString: in.strings.push_back(std::move(l.string)); break;
        case Literal::Kind::kBool: (l.boolean ? in.in_true : in.in_false) = true; break;
      }
    }
    std::sort(in.numbers.begin(), in.numbers.end());
    in.numbers.erase(std::unique(in.numbers.begin(), in.numbers.end()), in.numbers.end());
    std::sort(in.strings.begin(), in.strings.end());
    in.strings.erase(std::unique(in.strings.begin(), in.strings.end()), in.strings.end());
    return Status::Ok();
  }

  const Schema& schema_;
  Predicate::Program& program_;
};

template <typename T>
bool Ordered(Op op, const T& a, const T& b) {
  switch (op) {
    case Op::kEq: return a == b;
    case Op::kNe: return a != b;
    case Op::kLt: return a < b;
    case Op::kLe: return a <= b;
    case Op::kGt: return a > b;
    case Op::kGe: return a >= b;
    default: return false;
  }
}

bool EvalComparison(const Instr& in, const FieldValue& v) {
  using K = FieldValue::Kind;
  if (v.kind == K::kNumber && std::isnan(v.number)) return false;
  switch (in.op) {
    case Op::kHas:
      if (v.kind != K::kStringList) return false;
      for (std::string_view s : v.list)
        if (s == in.string) return true;
      return false;
    case Op::kLike:
    case Op::kILike: return v.kind == K::kString && MatchLike(in.like, v.string);
    case Op::kNotLike:
    case Op::kNotILike: return v.kind == K::kString && !MatchLike(in.like, v.string);
    case Op::kIn:
    case Op::kNotIn: {
      bool found;
      if (v.kind == K::kNumber && !in.numbers.empty()) {
        found = std::binary_search(in.numbers.begin(), in.numbers.end(), v.number);
      } else if (v.kind == K::kString && !in.strings.empty()) {
        auto it = std::lower_bound(
            in.strings.begin(), in.strings.end(), v.string,
            [](const std::string& a, std::string_view b) { return std::string_view(a) < b; });
        found = it != in.strings.end() && *it == v.string;
      } else if (v.kind == K::kBool && (in.in_true || in.in_false)) {
        found = v.boolean ? in.in_true : in.in_false;
      } else {
        return false;  // absent, or no value of this kind in the list
      }
      return in.op == Op::kIn ? found : !found;
    }
    default: break;
  }
  switch (v.kind) {
    case K::kNumber: return in.want == Literal::Kind::kNumber && Ordered(in.op, v.number, in.number);
    case K::kString:
      return in.want == Literal::Kind::kString &&
             Ordered(in.op, v.string, std::string_view(in.string));
    case K::kBool: return in.want == Literal::Kind::kBool && Ordered(in.op, v.boolean, in.boolean);
    default: return false;
  }
}

bool EvalNode(const Predicate::Program& p, uint32_t i, const Record& record) {
  const Instr& in = p.instrs[i];
  const uint32_t* kids = p.children.data() + in.first_child;
  switch (in.kind) {
    case NodeKind::kAnd:
      for (uint32_t k = 0; k < in.child_count; ++k)
        if (!EvalNode(p, kids[k], record)) return false;
      return true;
    case NodeKind::kOr:
      for (uint32_t k = 0; k < in.child_count; ++k)
        if (EvalNode(p, kids[k], record)) return true;
      return false;
    case NodeKind::kNot: return !EvalNode(p, kids[0], record);
    case NodeKind::kComparison: return EvalComparison(in, record.Get(in.slot, in.key));
  }
  return false;
}

}  // namespace

Predicate::Predicate() = default;

bool Predicate::Evaluate(const Record& record) const {
  if (!program_) return true;
  return EvalNode(*program_, program_->root, record);
}

Result<Predicate> Compile(const Node& root, const Schema& schema) {
  auto program = std::make_shared<Predicate::Program>();
  Compiler compiler(schema, *program);
  BALLAST_ASSIGN_OR_RETURN(program->root, compiler.Add(root, 0));
  Predicate p;
  p.program_ = std::move(program);
  return p;
}

Result<Predicate> Compile(std::string_view text, const Schema& schema,
                          const ParseOptions& options) {
  BALLAST_ASSIGN_OR_RETURN(Expression e, Parse(text, options));
  return Compile(e.root, schema);
}

}  // namespace ballast::expr
