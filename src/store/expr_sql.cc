// Expression AST -> SQLite WHERE fragment, and order_by -> ORDER BY list. The AST is first
// compiled to a Predicate against the same fields, so every type rule and error message is the
// expression language's own; the SQL emitter below then only sees well-typed comparisons.
#include "store/expr_sql.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "common/time.h"

namespace ballast::store {
namespace {

using expr::Literal;
using expr::Node;
using expr::NodeKind;
using expr::Op;
using expr::ValueType;

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }

// `a` or `a.b`: the only shapes of SQL names a SearchFields may hold, so that no declaration
// can smuggle an expression (or a user-supplied string) into the SQL text.
bool IsSqlName(std::string_view s) {
  int segments = 0;
  size_t i = 0;
  while (true) {
    if (i >= s.size() || !IsIdentStart(s[i])) return false;
    while (i < s.size() && IsIdentChar(s[i])) ++i;
    ++segments;
    if (i == s.size()) return segments <= 2;
    if (s[i] != '.') return false;
    ++i;
  }
}

bool IsScalarType(ValueType t) {
  return t == ValueType::kString || t == ValueType::kNumber || t == ValueType::kBool ||
         t == ValueType::kTime;
}

// 2^53: integers up to this magnitude are exact doubles, so binding them as INTEGER compares
// exactly as the Predicate's double comparison does.
constexpr double kExactIntegerLimit = 9007199254740992.0;

SqlValue NumberParam(const Literal& l) {
  if (l.integral && std::fabs(static_cast<double>(l.integer)) <= kExactIntegerLimit)
    return l.integer;
  return l.number;
}

// The bound value for a literal compared with a field of `type`. Compile has already checked
// the pairing, so every case here is a valid one.
SqlValue LiteralParam(const Literal& l, ValueType type) {
  switch (l.kind) {
    case Literal::Kind::kBool: return int64_t{l.boolean ? 1 : 0};
    case Literal::Kind::kNumber: return NumberParam(l);
    case Literal::Kind::kString:
      if (type == ValueType::kTime) {
        Result<EpochMillis> t = ParseRfc3339(l.string);
        assert(t.has_value() && "Compile accepted an invalid time literal");
        return t.has_value() ? int64_t{*t} : int64_t{0};
      }
      return l.string;
  }
  return l.string;
}

// A LIKE pattern (expr.h syntax) as a GLOB pattern with the same matches: `%` -> `*`, `_` -> `?`
// (one UTF-8 character in both), escaped or literal GLOB metacharacters as one-character classes,
// and with `fold` (ILIKE) each ASCII letter as the class of its two cases.
std::string LikeToGlob(std::string_view p, bool fold) {
  std::string out;
  out.reserve(p.size() + 8);
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '%') {
      out += '*';
      continue;
    }
    if (c == '_') {
      out += '?';
      continue;
    }
    if (c == '\\' && i + 1 < p.size()) c = p[++i];
    if (c == '*' || c == '?' || c == '[') {
      out += '[';
      out += c;
      out += ']';
    } else if (fold && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
      char lower = static_cast<char>(c | 0x20);
      out += '[';
      out += lower;
      out += static_cast<char>(lower - 'a' + 'A');
      out += ']';
    } else {
      out += c;
    }
  }
  return out;
}

class WhereEmitter {
 public:
  WhereEmitter(const SearchFields& fields, SqlWhere& out) : fields_(fields), out_(out) {}

  Status Emit(const Node& n) {
    switch (n.kind) {
      case NodeKind::kAnd:
      case NodeKind::kOr: {
        out_.sql += '(';
        for (size_t i = 0; i < n.children.size(); ++i) {
          if (i) out_.sql += n.kind == NodeKind::kAnd ? " AND " : " OR ";
          BALLAST_RETURN_IF_ERROR(Emit(n.children[i]));
        }
        out_.sql += ')';
        return Status::Ok();
      }
      case NodeKind::kNot:
        // A comparison on an absent value is NULL in SQL but false in the language; NOT must
        // turn it into true, and NOT NULL would stay NULL.
        out_.sql += "(NOT COALESCE(";
        BALLAST_RETURN_IF_ERROR(Emit(n.children[0]));
        out_.sql += ", 0))";
        return Status::Ok();
      case NodeKind::kComparison: return Comparison(n);
    }
    return Status::Internal("unknown expression node kind");
  }

 private:
  Status Comparison(const Node& n) {
    BALLAST_ASSIGN_OR_RETURN(expr::Schema::Resolved r, fields_.schema().Resolve(n.field));
    if (r.slot >= fields_.fields().size())
      return Status::Internal("field '" + n.field.ToString() + "' resolved to an unknown slot");
    const SearchFields::Field& f = fields_.fields()[r.slot];
    switch (f.kind) {
      case SearchFields::Kind::kColumn:
        out_.sql += '(';
        Test(f.sql, f.type, n);
        out_.sql += ')';
        return Status::Ok();
      case SearchFields::Kind::kMap: {
        // At most one row per (owner, key): EXISTS is then "the key is present and its value
        // passes", and a missing key gives 0 rather than NULL.
        const SideTable& t = f.side;
        out_.sql += "EXISTS (SELECT 1 FROM " + t.table + " WHERE " + t.table + "." +
                    t.owner_column + " = " + t.owner_sql + " AND " + t.table + "." +
                    t.key_column + " = ? AND ";
        out_.params.emplace_back(r.key);
        Test(t.table + "." + t.value_column, f.type, n);
        out_.sql += ')';
        return Status::Ok();
      }
      case SearchFields::Kind::kList: {
        const SideTable& t = f.side;
        out_.sql += "EXISTS (SELECT 1 FROM " + t.table + " WHERE " + t.table + "." +
                    t.owner_column + " = " + t.owner_sql + " AND " + t.table + "." +
                    t.value_column + " = ?)";
        out_.params.emplace_back(n.values[0].string);
        return Status::Ok();
      }
    }
    return Status::Internal("unknown field kind");
  }

  // `value <op> params` for a scalar value expression.
  void Test(const std::string& value, ValueType type, const Node& n) {
    out_.sql += value;
    switch (n.op) {
      case Op::kEq: out_.sql += " = ?"; break;
      case Op::kNe: out_.sql += " <> ?"; break;
      case Op::kLt: out_.sql += " < ?"; break;
      case Op::kLe: out_.sql += " <= ?"; break;
      case Op::kGt: out_.sql += " > ?"; break;
      case Op::kGe: out_.sql += " >= ?"; break;
      case Op::kIn:
      case Op::kNotIn:
        out_.sql += n.op == Op::kIn ? " IN (" : " NOT IN (";
        for (size_t i = 0; i < n.values.size(); ++i) {
          out_.sql += i ? ", ?" : "?";
          out_.params.push_back(LiteralParam(n.values[i], type));
        }
        out_.sql += ')';
        return;
      case Op::kLike:
      case Op::kNotLike:
      case Op::kILike:
      case Op::kNotILike: {
        bool negated = n.op == Op::kNotLike || n.op == Op::kNotILike;
        bool fold = n.op == Op::kILike || n.op == Op::kNotILike;
        out_.sql += negated ? " NOT GLOB ?" : " GLOB ?";
        out_.params.emplace_back(LikeToGlob(n.values[0].string, fold));
        return;
      }
      case Op::kHas: break;  // only on list fields, which Comparison handles
    }
    out_.params.push_back(LiteralParam(n.values[0], type));
  }

  const SearchFields& fields_;
  SqlWhere& out_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// SearchFields.

SearchFields& SearchFields::Add(Field field) {
  auto slot = static_cast<expr::SlotId>(fields_.size());
  switch (field.kind) {
    case Kind::kColumn: schema_.AddField(field.name, field.type, slot); break;
    case Kind::kMap: schema_.AddMap(field.name, field.type, slot); break;
    case Kind::kList: schema_.AddField(field.name, ValueType::kStringList, slot); break;
  }
  fields_.push_back(std::move(field));
  return *this;
}

SearchFields& SearchFields::AddColumn(std::string name, ValueType type, std::string sql,
                                      bool sortable) {
  assert(IsScalarType(type) && "a column is a string, number, bool or time");
  assert(IsSqlName(sql) && "a column is a (qualified) SQL name");
  Field f;
  f.name = std::move(name);
  f.kind = Kind::kColumn;
  f.type = type;
  f.sql = std::move(sql);
  f.sortable = sortable;
  return Add(std::move(f));
}

SearchFields& SearchFields::AddMap(std::string prefix, ValueType type, SideTable table) {
  assert(IsScalarType(type) && "map values are strings, numbers, bools or times");
  assert(IsSqlName(table.table) && IsSqlName(table.owner_column) &&
         IsSqlName(table.owner_sql) && IsSqlName(table.key_column) &&
         IsSqlName(table.value_column) && "side-table names are SQL names");
  Field f;
  f.name = std::move(prefix);
  f.kind = Kind::kMap;
  f.type = type;
  f.side = std::move(table);
  return Add(std::move(f));
}

SearchFields& SearchFields::AddList(std::string name, SideTable table) {
  assert(IsSqlName(table.table) && IsSqlName(table.owner_column) &&
         IsSqlName(table.owner_sql) && IsSqlName(table.value_column) &&
         "side-table names are SQL names");
  Field f;
  f.name = std::move(name);
  f.kind = Kind::kList;
  f.type = ValueType::kStringList;
  f.side = std::move(table);
  return Add(std::move(f));
}

// ---------------------------------------------------------------------------------------------
// WHERE.

Result<SqlWhere> CompileWhere(const expr::Node& root, const SearchFields& fields) {
  // Compile gives the language's type rules, errors and depth limit; the emitter relies on them.
  BALLAST_RETURN_IF_ERROR(expr::Compile(root, fields.schema()).status());
  SqlWhere out;
  WhereEmitter emitter(fields, out);
  BALLAST_RETURN_IF_ERROR(emitter.Emit(root));
  return out;
}

Result<SqlWhere> CompileWhere(std::string_view text, const SearchFields& fields,
                              const expr::ParseOptions& options) {
  BALLAST_ASSIGN_OR_RETURN(expr::Expression e, expr::Parse(text, options));
  return CompileWhere(e.root, fields);
}

Status BindParams(Statement& st, std::span<const SqlValue> params, int first_index) {
  int index = first_index;
  for (const SqlValue& v : params) {
    Status s = std::visit([&](const auto& x) { return st.Bind(index, x); }, v);
    BALLAST_RETURN_IF_ERROR(s);
    ++index;
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// ORDER BY.

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// At most `max` bytes of `s` for an error message, cut before a UTF-8 continuation byte so a
// character is never split (the message goes into a JSON body, which must be valid UTF-8).
std::string Clip(std::string_view s, size_t max = 40) {
  if (s.size() <= max) return std::string(s);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end)) + "...";
}

std::string SortableFields(const SearchFields& fields) {
  std::vector<std::string> names;
  for (const SearchFields::Field& f : fields.fields())
    if (f.sortable) names.push_back(f.name);
  std::sort(names.begin(), names.end());
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "(none)" : out;
}

Status OrderError(size_t pos, std::string what, std::string_view detail = {}) {
  what += " at position " + std::to_string(pos + 1);
  if (!detail.empty()) {
    what += "; ";
    what += detail;
  }
  return Status::InvalidArgument(std::move(what), "order_by");
}

}  // namespace

Result<std::string> CompileOrderBy(std::string_view text, const SearchFields& fields) {
  constexpr size_t kMaxItems = 16;
  std::string out;
  std::vector<const SearchFields::Field*> used;
  size_t i = 0;
  while (true) {
    // One item: blanks, field, blanks, [ASC|DESC], blanks, then ',' or the end.
    while (i < text.size() && IsBlank(text[i])) ++i;
    size_t field_pos = i;
    while (i < text.size() && !IsBlank(text[i]) && text[i] != ',') ++i;
    std::string_view name = text.substr(field_pos, i - field_pos);
    if (name.empty()) {
      return OrderError(field_pos, "expected a field name in order_by",
                        "sortable fields: " + SortableFields(fields));
    }
    const SearchFields::Field* field = nullptr;
    for (const SearchFields::Field& f : fields.fields())
      if (f.kind == SearchFields::Kind::kColumn && f.name == name) field = &f;
    if (field == nullptr) {
      return OrderError(field_pos, "unknown sort field '" + Clip(name) + "'",
                        "sortable fields: " + SortableFields(fields));
    }
    if (!field->sortable) {
      return OrderError(field_pos, "field '" + field->name + "' cannot be sorted on",
                        "sortable fields: " + SortableFields(fields));
    }
    if (std::find(used.begin(), used.end(), field) != used.end())
      return OrderError(field_pos, "field '" + field->name + "' appears twice in order_by");
    if (used.size() == kMaxItems)
      return OrderError(field_pos, "more than " + std::to_string(kMaxItems) + " order_by fields");
    used.push_back(field);

    while (i < text.size() && IsBlank(text[i])) ++i;
    size_t dir_pos = i;
    while (i < text.size() && !IsBlank(text[i]) && text[i] != ',') ++i;
    std::string_view dir = text.substr(dir_pos, i - dir_pos);
    bool desc = false;
    if (EqualsIgnoreCase(dir, "desc")) {
      desc = true;
    } else if (!dir.empty() && !EqualsIgnoreCase(dir, "asc")) {
      return OrderError(dir_pos, "expected ASC, DESC or ',' after '" + field->name + "'",
                        "found '" + Clip(dir) + "'");
    }
    while (i < text.size() && IsBlank(text[i])) ++i;
    if (!out.empty()) out += ", ";
    out += field->sql;
    out += desc ? " DESC" : " ASC";
    if (i == text.size()) return out;
    if (text[i] != ',') {
      return OrderError(i, "expected ',' or the end of order_by after '" + field->name + "'",
                        "found '" + Clip(text.substr(i), 20) + "'");
    }
    ++i;
  }
}

}  // namespace ballast::store
