// libFuzzer target for store/expr_sql: arbitrary text (the first byte picks the dialect) is
// parsed, compiled to SQL and to a Predicate against registry-like fields. Properties checked:
// - CompileWhere accepts exactly what expr::Compile accepts (same type rules);
// - an accepted fragment is what the stores accept and holds no user text (no ';', no quotes,
//   '?' count == params count, balanced parentheses, only keywords and declared SQL names);
// - run against a fixed in-memory database, the SQL selects exactly the rows the Predicate
//   selects (the contract of expr_sql.h);
// - CompileOrderBy on the same text: a result has one "<declared sortable column> ASC|DESC"
//   item per comma-separated item, in order, with the direction asked for; a refusal names field
//   "order_by".
// - Error messages for valid UTF-8 input are valid UTF-8 (they go into JSON bodies).
//
// Links ballast_store (expr_sql, SQLite) and ballast_common.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/expr.h"
#include "property_checks.h"
#include "store/expr_sql.h"
#include "store/sqlite.h"

namespace {

namespace expr = ballast::expr;
namespace store = ballast::store;
using ballast::Result;
using ballast::fuzz::Require;
using store::SearchFields;

struct Row {
  int64_t id;
  std::optional<std::string> name;
  std::optional<int64_t> version;
  std::optional<bool> active;
  std::map<std::string, std::string> tags;
  std::vector<std::string> flags;
  std::vector<std::string_view> flag_views;
};

std::vector<Row>& Rows() {
  static std::vector<Row> rows = [] {
    std::vector<Row> r(4);
    r[0] = {1, "support-bot", 3, true, {{"team", "core"}}, {"pii"}, {}};
    r[1] = {2, "Support_Desk%", 1, false, {{"team", "Core"}, {"env", "\xC3\xA9"}}, {}, {}};
    r[2] = {3, "\xC3\xBC\x6E_\\'[*?]", std::nullopt, std::nullopt, {}, {"beta", "pii"}, {}};
    r[3] = {4, std::nullopt, 0, std::nullopt, {{"env", ""}}, {}, {}};
    for (Row& row : r)
      for (const std::string& f : row.flags) row.flag_views.push_back(f);
    return r;
  }();
  return rows;
}

const SearchFields& Fields() {
  static const SearchFields fields = [] {
    SearchFields f;
    f.AddColumn("name", expr::ValueType::kString, "m.name", true)
        .AddColumn("version", expr::ValueType::kNumber, "m.version", true)
        .AddColumn("active", expr::ValueType::kBool, "m.active")
        .AddMap("tags", expr::ValueType::kString,
                {.table = "t",
                 .owner_column = "mid",
                 .owner_sql = "m.id",
                 .key_column = "k",
                 .value_column = "v"})
        .AddList("flags",
                 {.table = "f", .owner_column = "mid", .owner_sql = "m.id", .value_column = "v"});
    return f;
  }();
  return fields;
}

class RowRecord final : public expr::Record {
 public:
  explicit RowRecord(const Row& r) : r_(r) {}
  expr::FieldValue Get(expr::SlotId slot, std::string_view key) const override {
    using expr::FieldValue;
    switch (slot) {
      case 0:
        return r_.name ? FieldValue::String(*r_.name) : FieldValue::Absent();
      case 1:
        return r_.version ? FieldValue::Number(static_cast<double>(*r_.version))
                          : FieldValue::Absent();
      case 2:
        return r_.active ? FieldValue::Bool(*r_.active) : FieldValue::Absent();
      case 3: {
        auto it = r_.tags.find(std::string(key));
        return it == r_.tags.end() ? FieldValue::Absent() : FieldValue::String(it->second);
      }
      case 4:
        return FieldValue::List(r_.flag_views);
    }
    return FieldValue::Absent();
  }

 private:
  const Row& r_;
};

// The SQL names Fields() declares.
const std::set<std::string, std::less<>>& DeclaredNames() {
  static const std::set<std::string, std::less<>> names = {
      "m.name", "m.version", "m.active", "m.id", "t", "t.mid", "t.k", "t.v", "f", "f.mid", "f.v"};
  return names;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// CompileOrderBy against an independent reading: split at ',', then at blanks.
void CheckOrderBy(std::string_view text) {
  Result<std::string> order = store::CompileOrderBy(text, Fields());
  if (!order) {
    Require(order.error().code() == ballast::StatusCode::kInvalidArgument, "order_by not INVALID");
    Require(order.error().field() == "order_by", "order_by error without field order_by");
    if (ballast::fuzz::IsValidUtf8(text)) {
      Require(ballast::fuzz::IsValidUtf8(order.error().message()),
              "order_by error message is not UTF-8", order.error().message());
    }
    return;
  }
  std::vector<std::string> want;
  for (size_t pos = 0;;) {
    size_t comma = text.find(',', pos);
    std::string_view item = text.substr(pos, comma == std::string_view::npos ? comma : comma - pos);
    std::vector<std::string_view> words;
    for (size_t i = 0; i < item.size();) {
      while (i < item.size() &&
             (item[i] == ' ' || item[i] == '\t' || item[i] == '\n' || item[i] == '\r'))
        ++i;
      size_t b = i;
      while (i < item.size() && item[i] != ' ' && item[i] != '\t' && item[i] != '\n' &&
             item[i] != '\r')
        ++i;
      if (i > b) words.push_back(item.substr(b, i - b));
    }
    Require(words.size() == 1 || words.size() == 2, "accepted an item that is not 'field [dir]'",
            *order);
    std::string column;
    for (const SearchFields::Field& f : Fields().fields())
      if (f.name == words[0] && f.sortable) column = f.sql;
    Require(!column.empty(), "accepted a field that is not sortable", *order);
    const bool desc = words.size() == 2 && Lower(words[1]) == "desc";
    Require(words.size() == 1 || desc || Lower(words[1]) == "asc", "accepted a bad direction",
            *order);
    want.push_back(column + (desc ? " DESC" : " ASC"));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  std::string joined;
  for (const std::string& w : want) joined += (joined.empty() ? "" : ", ") + w;
  Require(*order == joined, "ORDER BY differs from the items asked for", *order);
}

store::Connection& Db() {
  static store::Connection db = [] {
    auto opened = store::Connection::Open(":memory:", {});
    Require(opened.has_value(), "open");
    store::Connection c = std::move(*opened);
    Require(c.Exec("CREATE TABLE models (id INTEGER PRIMARY KEY, name TEXT, version INTEGER, "
                   "active INTEGER); CREATE TABLE t (mid INTEGER, k TEXT, v TEXT, "
                   "PRIMARY KEY (mid, k)); CREATE TABLE f (mid INTEGER, v TEXT);")
                .ok(),
            "schema");
    for (const Row& r : Rows()) {
      std::optional<int64_t> active;
      if (r.active) active = *r.active ? 1 : 0;
      auto st = c.Prepare("INSERT INTO models VALUES (?, ?, ?, ?)");
      Require(st.has_value() && st->BindAll(r.id, r.name, r.version, active).ok() && st->Run().ok(),
              "insert");
      for (const auto& [k, v] : r.tags) {
        auto t = c.Prepare("INSERT INTO t VALUES (?, ?, ?)");
        Require(t.has_value() && t->BindAll(r.id, k, v).ok() && t->Run().ok(), "insert tag");
      }
      for (const std::string& fl : r.flags) {
        auto t = c.Prepare("INSERT INTO f VALUES (?, ?)");
        Require(t.has_value() && t->BindAll(r.id, fl).ok() && t->Run().ok(), "insert flag");
      }
    }
    return c;
  }();
  return db;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  expr::ParseOptions options;
  std::string_view text;
  if (!ballast::fuzz::SplitExpressionInput(data, size, options, text)) return 0;

  CheckOrderBy(text);

  Result<expr::Expression> e = expr::Parse(text, options);
  if (!e) {
    if (ballast::fuzz::IsValidUtf8(text)) {
      Require(ballast::fuzz::IsValidUtf8(e.error().message()), "parse error is not UTF-8",
              e.error().message());
    }
    return 0;
  }
  Result<store::SqlWhere> where = store::CompileWhere(e->root, Fields());
  Result<expr::Predicate> predicate = expr::Compile(e->root, Fields().schema());
  Require(where.has_value() == predicate.has_value(), "CompileWhere and Compile disagree");
  if (!where) {
    Require(where.error().code() == ballast::StatusCode::kInvalidArgument, "where not INVALID");
    if (ballast::fuzz::IsValidUtf8(text)) {
      Require(ballast::fuzz::IsValidUtf8(where.error().message()),
              "where error message is not UTF-8", where.error().message());
    }
    return 0;
  }
  ballast::fuzz::CheckWhereFragment(where->sql, where->params.size(), DeclaredNames());
  // NUL bytes are cut by SQLite's GLOB (a documented difference); the registry stores none.
  if (text.find('\0') != std::string_view::npos) return 0;

  auto st = Db().Prepare("SELECT m.id FROM models m WHERE " + where->sql + " ORDER BY m.id");
  if (!st) {
    // Only depth beyond SQLite's expression limit may fail to prepare.
    Require(st.error().message().find("too large") != std::string::npos ||
                st.error().message().find("depth") != std::string::npos,
            st.error().ToString().c_str());
    return 0;
  }
  Require(store::BindParams(*st, where->params).ok(), "bind");
  std::vector<int64_t> sql_ids, want;
  while (true) {
    auto row = st->Step();
    Require(row.has_value(), "step");
    if (!*row) break;
    sql_ids.push_back(st->ColumnInt(0));
  }
  for (const Row& r : Rows())
    if (predicate->Evaluate(RowRecord(r))) want.push_back(r.id);
  if (sql_ids != want) {
    std::fprintf(stderr, "mismatch for: %.*s\nsql: %s\n", static_cast<int>(text.size()),
                 text.data(), where->sql.c_str());
    std::abort();
  }
  return 0;
}
