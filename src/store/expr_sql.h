// Compiles the filter expression language (common/expr.h) into an SQLite WHERE fragment with
// bound parameters, and API.md's `order_by` into an ORDER BY list, for registry search.
//
//   SearchFields fields;
//   fields.AddColumn("name", expr::ValueType::kString, "m.name", /*sortable=*/true)
//       .AddMap("tags", expr::ValueType::kString,
//               {.table = "model_tags", .owner_column = "model_id", .owner_sql = "m.id",
//                .key_column = "key", .value_column = "value"})
//       .AddList("flags", {.table = "model_flags", .owner_column = "model_id",
//                          .owner_sql = "m.id", .value_column = "flag"});
//   BALLAST_ASSIGN_OR_RETURN(SqlWhere where,
//                            CompileWhere("name LIKE 'support%' AND tags.team = 'core'", fields));
//   BALLAST_ASSIGN_OR_RETURN(std::string order, CompileOrderBy("name DESC", fields));
//   std::string sql = "SELECT ... FROM models m WHERE " + where.sql + " ORDER BY " + order;
//   BALLAST_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
//   BALLAST_RETURN_IF_ERROR(BindParams(st, where.params));
//
// The contract is the in-memory Predicate's (expr.h): for every row, the WHERE fragment is true
// exactly when expr::Compile(ast, fields.schema()) evaluates true on the same data. Concretely:
// - An absent value (a NULL column, a missing map key, no list element) makes every comparison
//   false, `!=` and NOT IN included; NOT negates that (it is emitted as NOT COALESCE(x, 0)).
// - LIKE/ILIKE are translated to GLOB, which is case-sensitive and whose `?` matches one UTF-8
//   character; ILIKE letters become [aA] classes (ASCII folding only, like the Predicate).
// - Type checks and their errors are exactly Compile's: the AST is compiled against
//   fields.schema() first, so an unknown field or `name > 3` fails with the field and position.
// Nothing from user input is spliced into the SQL: literals and map keys are `?` parameters, and
// identifiers come only from the SearchFields the program declared.
//
// Storage assumptions (documented in docs/expressions.md, "In SQL"): string columns are TEXT
// with the default BINARY collation and hold valid UTF-8 without NUL bytes; numbers INTEGER or
// REAL; booleans 0/1; times INTEGER epoch milliseconds; a map side table has at most one row per
// (owner, key). Under those, SQL and Predicate agree except for patterns that contain U+FFFD,
// U+FFFE or U+FFFF literally (SQLite's GLOB reads all three as U+FFFD).
//
// Thread safety: SearchFields is a value, immutable once built; share it freely. The functions
// are pure.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/expr.h"
#include "common/status.h"
#include "store/sqlite.h"

namespace ballast::store {

// A side table holding map entries (owner, key, value) or list elements (owner, value), joined
// to the searched row by `<table>.<owner_column> = <owner_sql>`. All names are SQL identifiers
// chosen by the program ([A-Za-z_][A-Za-z0-9_]*; owner_sql may be qualified: "m.id").
struct SideTable {
  std::string table;
  std::string owner_column;
  std::string owner_sql;
  std::string key_column;  // maps only
  std::string value_column;
};

// The searchable fields of one kind of row and where SQL finds them.
class SearchFields {
 public:
  // A plain column: `sql` is the column expression ("m.name"). `type` is kString, kNumber,
  // kBool (stored 0/1) or kTime (epoch ms); absent is NULL. Sortable columns may appear in
  // order_by. Invalid identifiers, unsupported types and duplicate names are programmer errors
  // (assert).
  SearchFields& AddColumn(std::string name, expr::ValueType type, std::string sql,
                          bool sortable = false);
  // Fields `<prefix>.<key>` read from a key/value side table; `type` as for AddColumn.
  SearchFields& AddMap(std::string prefix, expr::ValueType type, SideTable table);
  // A list of strings for has(<name>, 'x'), one side-table row per element.
  SearchFields& AddList(std::string name, SideTable table);

  // The same fields as an expr::Schema whose slot numbers are the declaration order (0, 1, ...):
  // compiling against it gives the Predicate this compiler mirrors.
  const expr::Schema& schema() const { return schema_; }

  enum class Kind : uint8_t { kColumn, kMap, kList };
  struct Field {
    std::string name;
    Kind kind = Kind::kColumn;
    expr::ValueType type = expr::ValueType::kString;
    std::string sql;  // kColumn
    bool sortable = false;
    SideTable side;  // kMap, kList
  };
  // Fields in declaration order: fields()[slot].
  const std::vector<Field>& fields() const { return fields_; }

 private:
  SearchFields& Add(Field field);

  std::vector<Field> fields_;
  expr::Schema schema_;
};

// A bound parameter: int64 (integers, booleans as 0/1, times), double or text.
using SqlValue = std::variant<int64_t, double, std::string>;

struct SqlWhere {
  std::string sql;                // a parenthesized boolean expression with `?` placeholders
  std::vector<SqlValue> params;   // in placeholder order
};

// Compiles an AST. Errors (InvalidArgument) are Compile's: unknown field, type mismatch,
// operator not applicable, bad LIKE pattern, unknown enum value, each with its position.
Result<SqlWhere> CompileWhere(const expr::Node& root, const SearchFields& fields);
// Parse and CompileWhere in one step.
Result<SqlWhere> CompileWhere(std::string_view text, const SearchFields& fields,
                              const expr::ParseOptions& options = {});

// Binds `params` to `st` starting at parameter `first_index` (1-based), for queries that bind
// other values before the WHERE fragment.
Status BindParams(Statement& st, std::span<const SqlValue> params, int first_index = 1);

// Compiles API.md's `order_by`: "field [ASC|DESC]" items separated by commas, keywords
// case-insensitive, ASC by default. Only sortable columns are accepted; the result is an ORDER
// BY list ("m.name ASC, m.created_at DESC") built only from the declared column expressions.
// An empty or blank text is an error (callers apply their default order instead). Errors name
// the field and its 1-based position. Callers append their own unique tiebreak for paging.
Result<std::string> CompileOrderBy(std::string_view text, const SearchFields& fields);

}  // namespace ballast::store
