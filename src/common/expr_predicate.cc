// The expression language's back end: Schema (field names to typed slots), Compile (an AST to a
// flat Program of instructions with precomputed literals) and Predicate::Evaluate. Parsing lives
// in expr_parse.cc.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>
#include <vector>

#include "common/expr.h"
#include "common/expr_internal.h"
#include "common/time.h"

namespace ballast::expr {
namespace {

using internal::AppendLiteral;
using internal::AppendQuoted;
using internal::AsciiLower;
using internal::ErrorAt;
using internal::kMaxAstDepth;

}  // namespace

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
