#include "store/expr_sql.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/expr.h"
#include "store/sqlite.h"

namespace ballast::store {
namespace {

using expr::Literal;
using expr::Node;
using expr::NodeKind;
using expr::Op;
using expr::ValueType;
using ::testing::HasSubstr;

// ---------------------------------------------------------------------------------------------
// A registry-like table, its fields, and the same rows as expr::Records.

enum Slot : expr::SlotId { kName, kOwner, kVersion, kScore, kActive, kCreated, kTags, kMetrics,
                           kFlags };

const SearchFields& Fields() {
  static const SearchFields* fields = [] {
    auto* f = new SearchFields;
    // Declaration order is the slot order above.
    f->AddColumn("name", ValueType::kString, "m.name", /*sortable=*/true)
        .AddColumn("owner", ValueType::kString, "m.owner")
        .AddColumn("version", ValueType::kNumber, "m.version", /*sortable=*/true)
        .AddColumn("score", ValueType::kNumber, "m.score")
        .AddColumn("active", ValueType::kBool, "m.active")
        .AddColumn("created_at", ValueType::kTime, "m.created_at", /*sortable=*/true)
        .AddMap("tags", ValueType::kString,
                {.table = "model_tags", .owner_column = "model_id", .owner_sql = "m.id",
                 .key_column = "key", .value_column = "value"})
        .AddMap("metrics", ValueType::kNumber,
                {.table = "model_metrics", .owner_column = "model_id", .owner_sql = "m.id",
                 .key_column = "key", .value_column = "value"})
        .AddList("flags", {.table = "model_flags", .owner_column = "model_id",
                           .owner_sql = "m.id", .value_column = "flag"});
    return f;
  }();
  return *fields;
}

constexpr const char* kSchemaSql = R"sql(
  CREATE TABLE models (id INTEGER PRIMARY KEY, name TEXT, owner TEXT, version INTEGER,
                       score REAL, active INTEGER, created_at INTEGER);
  CREATE TABLE model_tags (model_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
                           PRIMARY KEY (model_id, key));
  CREATE TABLE model_metrics (model_id INTEGER NOT NULL, key TEXT NOT NULL, value REAL NOT NULL,
                              PRIMARY KEY (model_id, key));
  CREATE TABLE model_flags (model_id INTEGER NOT NULL, flag TEXT NOT NULL,
                            PRIMARY KEY (model_id, flag));
)sql";

struct Row {
  int64_t id = 0;
  std::optional<std::string> name, owner;
  std::optional<int64_t> version;
  std::optional<double> score;
  std::optional<bool> active;
  std::optional<int64_t> created_at;
  std::map<std::string, std::string> tags;
  std::map<std::string, double> metrics;
  std::vector<std::string> flags;  // distinct
};

class RowRecord final : public expr::Record {
 public:
  explicit RowRecord(const Row& row) : row_(row) {
    for (const std::string& f : row.flags) flags_.push_back(f);
  }
  expr::FieldValue Get(expr::SlotId slot, std::string_view key) const override {
    using expr::FieldValue;
    switch (slot) {
      case kName: return row_.name ? FieldValue::String(*row_.name) : FieldValue::Absent();
      case kOwner: return row_.owner ? FieldValue::String(*row_.owner) : FieldValue::Absent();
      case kVersion:
        return row_.version ? FieldValue::Number(static_cast<double>(*row_.version))
                            : FieldValue::Absent();
      case kScore: return row_.score ? FieldValue::Number(*row_.score) : FieldValue::Absent();
      case kActive: return row_.active ? FieldValue::Bool(*row_.active) : FieldValue::Absent();
      case kCreated:
        return row_.created_at ? FieldValue::Number(static_cast<double>(*row_.created_at))
                               : FieldValue::Absent();
      case kTags: {
        auto it = row_.tags.find(std::string(key));
        return it == row_.tags.end() ? FieldValue::Absent() : FieldValue::String(it->second);
      }
      case kMetrics: {
        auto it = row_.metrics.find(std::string(key));
        return it == row_.metrics.end() ? FieldValue::Absent() : FieldValue::Number(it->second);
      }
      case kFlags:
        // An empty list is "no element 'x'", which has() reports as false either way.
        return FieldValue::List(flags_);
    }
    return FieldValue::Absent();
  }

 private:
  const Row& row_;
  std::vector<std::string_view> flags_;
};

Connection OpenDatabase(const std::vector<Row>& rows) {
  Result<Connection> db = Connection::Open(":memory:", {});
  EXPECT_TRUE(db.has_value()) << db.error().ToString();
  EXPECT_TRUE(db->Exec(kSchemaSql).ok());
  auto run = [&](std::string_view sql, auto... args) {
    Result<Statement> st = db->Prepare(sql);
    ASSERT_TRUE(st.has_value()) << st.error().ToString();
    ASSERT_TRUE(st->BindAll(args...).ok());
    Status s = st->Run();
    ASSERT_TRUE(s.ok()) << s.ToString();
  };
  for (const Row& r : rows) {
    std::optional<int64_t> active;
    if (r.active) active = *r.active ? 1 : 0;
    run("INSERT INTO models VALUES (?, ?, ?, ?, ?, ?, ?)", r.id, r.name, r.owner, r.version,
        r.score, active, r.created_at);
    for (const auto& [k, v] : r.tags) run("INSERT INTO model_tags VALUES (?, ?, ?)", r.id, k, v);
    for (const auto& [k, v] : r.metrics)
      run("INSERT INTO model_metrics VALUES (?, ?, ?)", r.id, k, v);
    for (const std::string& f : r.flags) run("INSERT INTO model_flags VALUES (?, ?)", r.id, f);
  }
  return std::move(*db);
}

// Ids of the rows the WHERE fragment selects, in id order.
Result<std::vector<int64_t>> SelectIds(Connection& db, const SqlWhere& where) {
  BALLAST_ASSIGN_OR_RETURN(Statement st,
                           db.Prepare("SELECT m.id FROM models m WHERE " + where.sql +
                                      " ORDER BY m.id"));
  BALLAST_RETURN_IF_ERROR(BindParams(st, where.params));
  std::vector<int64_t> ids;
  while (true) {
    BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return ids;
    ids.push_back(st.ColumnInt(0));
  }
}

std::vector<int64_t> PredicateIds(const expr::Predicate& p, const std::vector<Row>& rows) {
  std::vector<int64_t> ids;
  for (const Row& r : rows)
    if (p.Evaluate(RowRecord(r))) ids.push_back(r.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Unit tests: each operator and the absent cases, SQL against the Predicate and against the
// expected ids written out.

std::vector<Row> SampleRows() {
  std::vector<Row> rows(4);
  rows[0].id = 1;
  rows[0].name = "support-bot";
  rows[0].owner = "ana";
  rows[0].version = 3;
  rows[0].score = 0.5;
  rows[0].active = true;
  rows[0].created_at = 2000;
  rows[0].tags = {{"team", "core"}, {"env", "prod"}};
  rows[0].metrics = {{"acc", 0.9}};
  rows[0].flags = {"pii", "beta"};
  rows[1].id = 2;
  rows[1].name = "Support_Desk";
  rows[1].version = 1;
  rows[1].active = false;
  rows[1].created_at = 1000;
  rows[1].tags = {{"team", "search"}};
  rows[2].id = 3;
  rows[2].name = "ünï_%\\é";
  rows[2].owner = "bo";
  rows[2].score = 2;
  rows[2].tags = {{"env", "dev"}};
  rows[2].flags = {"beta"};
  rows[3].id = 4;  // every field absent
  return rows;
}

class ExprSqlTest : public ::testing::Test {
 protected:
  void SetUp() override { db_ = OpenDatabase(rows_); }

  // Asserts that SQL and Predicate both select exactly `want`.
  void Expect(std::string_view text, std::vector<int64_t> want) {
    SCOPED_TRACE(std::string(text));
    Result<SqlWhere> where = CompileWhere(text, Fields());
    ASSERT_TRUE(where.has_value()) << where.error().ToString();
    Result<std::vector<int64_t>> got = SelectIds(db_, *where);
    ASSERT_TRUE(got.has_value()) << got.error().ToString() << " sql: " << where->sql;
    EXPECT_EQ(*got, want) << "sql: " << where->sql;
    Result<expr::Predicate> p = expr::Compile(text, Fields().schema());
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(PredicateIds(*p, rows_), want);
  }

  std::vector<Row> rows_ = SampleRows();
  Connection db_;
};

TEST_F(ExprSqlTest, IssueExample) {
  Expect("name LIKE 'support%' AND tags.team = 'core'", {1});
}

TEST_F(ExprSqlTest, ComparisonsOnColumns) {
  Expect("version = 3", {1});
  Expect("version != 3", {2});  // absent versions are not "different"
  Expect("version < 3", {2});
  Expect("version <= 3", {1, 2});
  Expect("version > 1", {1});
  Expect("version >= 1.0", {1, 2});
  Expect("score = 2", {3});  // an integer literal equals the REAL 2.0
  Expect("score < 1e0", {1});
  Expect("name = 'support-bot'", {1});
  Expect("name > 'a'", {1, 3});  // byte order: 'S' < 'a' < 's' < 'ü'
  Expect("name < 'T'", {2});
  Expect("active = true", {1});
  Expect("active != true", {2});
  Expect("active = false", {2});
  Expect("created_at >= '1970-01-01T00:00:02Z'", {1});
  Expect("created_at < 2000", {2});
}

TEST_F(ExprSqlTest, InLists) {
  Expect("version IN (1, 3)", {1, 2});
  Expect("version NOT IN (1)", {1});
  Expect("owner IN ('ana', 'zed')", {1});
  Expect("owner NOT IN ('ana')", {3});
  Expect("active IN (false)", {2});
  Expect("created_at IN ('1970-01-01T00:00:01Z', 5)", {2});
  Expect("NOT version NOT IN (1)", {2, 3, 4});
}

TEST_F(ExprSqlTest, AbsentValuesAndNot) {
  Expect("owner != 'ana'", {3});
  Expect("NOT owner = 'ana'", {2, 3, 4});
  Expect("NOT (version <= 3 AND owner = 'ana')", {2, 3, 4});
  Expect("NOT NOT owner = 'ana'", {1});
  Expect("NOT owner NOT LIKE 'a%'", {1, 2, 4});
  Expect("NOT (owner = 'x' OR version = 1)", {1, 3, 4});
}

TEST_F(ExprSqlTest, MapFields) {
  Expect("tags.team = 'core'", {1});
  Expect("tags.team != 'core'", {2});  // a missing tag is not "different"
  Expect("NOT tags.team = 'core'", {2, 3, 4});
  Expect("tags.team IN ('core', 'search')", {1, 2});
  Expect("tags.team NOT IN ('core')", {2});
  Expect("tags.env LIKE 'p%'", {1});
  Expect("tags.env NOT LIKE 'p%'", {3});
  Expect("tags.env > 'e'", {1});
  Expect("metrics.acc >= 0.9", {1});
  Expect("NOT metrics.acc < 0.5", {1, 2, 3, 4});
  Expect("tags.missing = 'x' OR tags.team = 'search'", {2});
}

TEST_F(ExprSqlTest, HasOnLists) {
  Expect("has(flags, 'beta')", {1, 3});
  Expect("NOT has(flags, 'pii')", {2, 3, 4});
  Expect("has(flags, 'PII')", {});
}

TEST_F(ExprSqlTest, LikeIsCaseSensitiveAndIlikeFoldsAscii) {
  Expect("name LIKE 'support%'", {1});  // SQLite's own LIKE would also match Support_Desk
  Expect("name ILIKE 'support%'", {1, 2});
  Expect("name NOT ILIKE 'SUPPORT%'", {3});
  Expect("name LIKE 'Support\\_%'", {2});
  Expect("name LIKE '%\\%%'", {3});
  Expect("name LIKE '%\\\\%'", {3});
  Expect("name LIKE '%\\_%'", {2, 3});
  // '_' is one UTF-8 character: ü and ï are two bytes each.
  Expect("name LIKE '_n__\\%\\\\_'", {3});
  Expect("name LIKE '_n__\\%\\\\__'", {});
  // ILIKE folds ASCII only: 'Ü' does not match 'ü'.
  Expect("name ILIKE 'Ün%'", {});
  Expect("name ILIKE 'üN%'", {3});
  Expect("name LIKE '%'", {1, 2, 3});
  Expect("name LIKE ''", {});
}

TEST_F(ExprSqlTest, GlobMetacharactersInPatternsAreLiteral) {
  rows_[0].name = "a*b?[c]";
  db_ = OpenDatabase(rows_);
  Expect("name LIKE 'a*b?[c]'", {1});
  Expect("name LIKE 'a*%'", {1});
  Expect("name LIKE 'a_b_[c]'", {1});
  Expect("name LIKE 'a*bx[c]'", {});
  Expect("name LIKE '%[%'", {1});
  Expect("name ILIKE 'A*B?[C]'", {1});
}

TEST(ExprSqlCompileTest, ValuesAreBoundNeverSpliced) {
  Result<SqlWhere> w =
      CompileWhere("name = 'x''; DROP TABLE models; --' AND tags.`a'b` = 'v'", Fields(),
                   {.dialect = expr::Dialect::kMlflow});
  ASSERT_TRUE(w.has_value()) << w.error().ToString();
  EXPECT_THAT(w->sql, ::testing::Not(HasSubstr("DROP")));
  EXPECT_THAT(w->sql, ::testing::Not(HasSubstr("a'b")));
  ASSERT_EQ(w->params.size(), 3u);
  EXPECT_EQ(std::get<std::string>(w->params[0]), "x'; DROP TABLE models; --");
  EXPECT_EQ(std::get<std::string>(w->params[1]), "a'b");  // the map key
  EXPECT_EQ(std::get<std::string>(w->params[2]), "v");
}

TEST(ExprSqlCompileTest, ParamsHaveTheColumnsTypes) {
  Result<SqlWhere> w = CompileWhere(
      "version = 3 AND score = 2.5 AND active = true AND created_at = '1970-01-01T00:00:01Z' "
      "AND version = 1e2",
      Fields());
  ASSERT_TRUE(w.has_value()) << w.error().ToString();
  ASSERT_EQ(w->params.size(), 5u);
  EXPECT_EQ(std::get<int64_t>(w->params[0]), 3);
  EXPECT_EQ(std::get<double>(w->params[1]), 2.5);
  EXPECT_EQ(std::get<int64_t>(w->params[2]), 1);
  EXPECT_EQ(std::get<int64_t>(w->params[3]), 1000);
  EXPECT_EQ(std::get<double>(w->params[4]), 100.0);
}

TEST(ExprSqlCompileTest, ErrorsNameTheFieldAndPosition) {
  auto error = [](std::string_view text) {
    Result<SqlWhere> w = CompileWhere(text, Fields());
    EXPECT_FALSE(w.has_value()) << text;
    return w.has_value() ? std::string() : w.error().ToString();
  };
  EXPECT_THAT(error("name = 'a' AND nmae = 'b'"),
              ::testing::AllOf(HasSubstr("unknown field 'nmae'"), HasSubstr("position 16")));
  EXPECT_THAT(error("name > 3"),
              ::testing::AllOf(HasSubstr("field 'name' is a string"), HasSubstr("position 8")));
  EXPECT_THAT(error("version LIKE '1%'"), HasSubstr("'version'"));
  EXPECT_THAT(error("flags = 'a'"), HasSubstr("has(flags, 'x')"));
  EXPECT_THAT(error("has(name, 'a')"), HasSubstr("has() needs a list field; 'name'"));
  EXPECT_THAT(error("tags = 'a'"), HasSubstr("needs a key"));
  EXPECT_THAT(error("active < true"), HasSubstr("does not apply to true/false"));
  EXPECT_THAT(error("created_at > 'yesterday'"), HasSubstr("invalid time"));
  EXPECT_THAT(error("name LIKE 'a\\'"), HasSubstr("unfinished escape"));
  EXPECT_THAT(error("name ="), HasSubstr("expected a value"));
}

TEST(ExprSqlCompileTest, BindParamsStartsWhereAsked) {
  Connection db = OpenDatabase(SampleRows());
  Result<SqlWhere> w = CompileWhere("tags.team = 'core'", Fields());
  ASSERT_TRUE(w.has_value());
  Result<Statement> st = db.Prepare("SELECT count(*) FROM models m WHERE m.id > ? AND " + w->sql);
  ASSERT_TRUE(st.has_value()) << st.error().ToString();
  ASSERT_TRUE(st->Bind(1, int64_t{0}).ok());
  ASSERT_TRUE(BindParams(*st, w->params, 2).ok());
  ASSERT_TRUE(st->Step().value());
  EXPECT_EQ(st->ColumnInt(0), 1);
}

// The one documented divergence: SQLite's GLOB reads U+FFFE and U+FFFF as U+FFFD.
TEST(ExprSqlCompileTest, NoncharactersCompareEqualInSqlite) {
  std::vector<Row> rows(1);
  rows[0].id = 1;
  rows[0].name = "x\xEF\xBF\xBF";  // x U+FFFF
  Connection db = OpenDatabase(rows);
  Result<SqlWhere> w = CompileWhere("name LIKE 'x\xEF\xBF\xBD'", Fields());  // x U+FFFD
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(SelectIds(db, *w).value(), std::vector<int64_t>{1});
  Result<expr::Predicate> p = expr::Compile("name LIKE 'x\xEF\xBF\xBD'", Fields().schema());
  EXPECT_TRUE(PredicateIds(*p, rows).empty());
}

TEST(ExprSqlOrderByTest, CompilesSortableColumns) {
  EXPECT_EQ(CompileOrderBy("name", Fields()).value(), "m.name ASC");
  EXPECT_EQ(CompileOrderBy(" version desc , created_at ASC ", Fields()).value(),
            "m.version DESC, m.created_at ASC");
  EXPECT_EQ(CompileOrderBy("created_at DESC,name", Fields()).value(),
            "m.created_at DESC, m.name ASC");
}

// Found by fuzz/expr_sql_fuzz: clipping a long name or tail for the message cut a UTF-8
// character in half, and the message goes into a JSON body.
TEST(ExprSqlOrderByTest, ClippedErrorTextKeepsUtf8Whole) {
  const std::string e_acute = "\xC3\xA9";
  std::string long_name(39, 'a');  // the 40-byte clip ends after the first byte of an 'é'
  for (int i = 0; i < 10; ++i) long_name += e_acute;
  Result<std::string> unknown = CompileOrderBy(long_name, Fields());
  ASSERT_FALSE(unknown.has_value());
  EXPECT_THAT(unknown.error().message(), HasSubstr("'" + std::string(39, 'a') + "...'"));

  std::string text = "name ASC x";
  for (int i = 0; i < 12; ++i) text += e_acute;  // the 20-byte clip of "x..." splits an 'é'
  Result<std::string> trailing = CompileOrderBy(text, Fields());
  ASSERT_FALSE(trailing.has_value());
  // "x" and 9 whole 'é' (19 bytes); the 10th would end past byte 20.
  std::string want = "x";
  for (int i = 0; i < 9; ++i) want += e_acute;
  EXPECT_THAT(trailing.error().message(), HasSubstr("found '" + want + "...'"));
}

TEST(ExprSqlOrderByTest, ErrorsNameTheField) {
  auto error = [](std::string_view text) {
    Result<std::string> r = CompileOrderBy(text, Fields());
    EXPECT_FALSE(r.has_value()) << text;
    return r.has_value() ? std::string() : r.error().ToString();
  };
  EXPECT_THAT(error("name, bogus"),
              ::testing::AllOf(HasSubstr("unknown sort field 'bogus' at position 7"),
                               HasSubstr("sortable fields: created_at, name, version")));
  EXPECT_THAT(error("owner"), HasSubstr("field 'owner' cannot be sorted on at position 1"));
  EXPECT_THAT(error("tags.team"), HasSubstr("unknown sort field 'tags.team'"));
  EXPECT_THAT(error("name sideways"),
              ::testing::AllOf(HasSubstr("expected ASC, DESC or ','"), HasSubstr("position 6"),
                               HasSubstr("'sideways'")));
  EXPECT_THAT(error("name ASC DESC"), HasSubstr("expected ',' or the end"));
  EXPECT_THAT(error("name,"), HasSubstr("expected a field name in order_by at position 6"));
  EXPECT_THAT(error(""), HasSubstr("expected a field name"));
  EXPECT_THAT(error("name, name DESC"), HasSubstr("'name' appears twice"));
  EXPECT_THAT(error("m.name; DROP TABLE models"), HasSubstr("unknown sort field"));
}

// ---------------------------------------------------------------------------------------------
// The property: for random rows and random expressions, SQL selects exactly the rows the
// Predicate accepts.

// Pieces that stress LIKE, GLOB and quoting: metacharacters of both, quotes, backslashes,
// letters in both cases and multi-byte UTF-8 (2, 3 and 4 bytes).
const std::vector<std::string>& TextPieces() {
  static const std::vector<std::string> pieces = {
      "a", "A", "b", "B", "z", "%", "_", "\\", "'", "[", "]", "*", "?", "-", " ",
      "\xC3\xA9" /* é */, "\xC3\x89" /* É */, "\xE6\x97\xA5" /* 日 */,
      "\xF0\x9F\x98\x80" /* 😀 */};
  return pieces;
}

std::string GenText(int max_pieces) {
  int n = *rc::gen::inRange(0, max_pieces + 1);
  std::string s;
  for (int i = 0; i < n; ++i) s += *rc::gen::elementOf(TextPieces());
  return s;
}

// Strings that occur in the rows: literals drawn from here make matches likely.
std::vector<std::string> g_row_texts;

// A valid LIKE pattern: random pieces, wildcards and escapes (of wildcards, backslashes, letters
// and a multi-byte character); or, half the time, a row's text with each character kept
// (escaped if special), case-swapped, or replaced by `_` or `%`, so that ILIKE folding, `_` on
// multi-byte characters and escapes are exercised by patterns that nearly match.
std::string GenPattern() {
  if (!g_row_texts.empty() && *rc::gen::arbitrary<bool>()) {
    std::string text = *rc::gen::elementOf(g_row_texts), p;
    for (size_t i = 0; i < text.size();) {
      size_t len = 1;
      auto lead = static_cast<unsigned char>(text[i]);
      if (lead >= 0xF0) len = 4; else if (lead >= 0xE0) len = 3; else if (lead >= 0xC0) len = 2;
      std::string ch = text.substr(i, len);
      i += len;
      switch (*rc::gen::inRange(0, 6)) {
        case 0: p += '_'; break;
        case 1: p += '%'; break;
        case 2:
          if (ch.size() == 1 && ((ch[0] >= 'a' && ch[0] <= 'z') || (ch[0] >= 'A' && ch[0] <= 'Z')))
            ch[0] = static_cast<char>(ch[0] ^ 0x20);
          [[fallthrough]];
        default:
          if (ch == "%" || ch == "_" || ch == "\\") p += '\\';
          p += ch;
      }
    }
    return p;
  }
  static const std::vector<std::string> specials = {"%", "_", "\\%", "\\_", "\\\\", "\\a",
                                                    "\\\xC3\xA9", "\\*"};
  int n = *rc::gen::inRange(0, 6);
  std::string p;
  for (int i = 0; i < n; ++i) {
    if (*rc::gen::inRange(0, 2) == 0) {
      p += *rc::gen::elementOf(specials);
    } else {
      std::string piece = *rc::gen::elementOf(TextPieces());
      p += piece == "\\" ? "\\\\" : piece;
    }
  }
  return p;
}

const std::vector<std::string> kTagKeys = {"team", "env", "x y"};
const std::vector<std::string> kMetricKeys = {"q", "p"};
const std::vector<std::string> kFlagValues = {"pii", "beta", "\xC3\xA9", "A"};
const std::vector<double> kNumbers = {-1, 0, 1, 2, 2.5, 3, 10, 1000};
const std::vector<int64_t> kTimes = {0, 1000, 2000, 86400000};

Row GenRow(int64_t id) {
  Row r;
  r.id = id;
  auto maybe = [] { return *rc::gen::inRange(0, 4) != 0; };  // present 3 times in 4
  if (maybe()) r.name = GenText(4);
  if (maybe()) r.owner = GenText(2);
  if (maybe()) r.version = static_cast<int64_t>(*rc::gen::elementOf(kNumbers));
  if (maybe()) r.score = *rc::gen::elementOf(kNumbers);
  if (maybe()) r.active = *rc::gen::arbitrary<bool>();
  if (maybe()) r.created_at = *rc::gen::elementOf(kTimes);
  for (const std::string& k : kTagKeys)
    if (*rc::gen::arbitrary<bool>()) r.tags[k] = GenText(3);
  for (const std::string& k : kMetricKeys)
    if (*rc::gen::arbitrary<bool>()) r.metrics[k] = *rc::gen::elementOf(kNumbers);
  for (const std::string& f : kFlagValues)
    if (*rc::gen::arbitrary<bool>()) r.flags.push_back(f);
  return r;
}

Literal NumberLiteral(double v) {
  Literal l;
  l.kind = Literal::Kind::kNumber;
  l.number = v;
  l.integral = v == std::floor(v) && *rc::gen::arbitrary<bool>();  // 2 or 2.0
  l.integer = static_cast<int64_t>(v);
  return l;
}

Literal StringLiteral(std::string s) {
  Literal l;
  l.kind = Literal::Kind::kString;
  l.string = std::move(s);
  return l;
}

// A literal of `type`, usually one that occurs in the rows, so that matches happen.
Literal GenLiteral(ValueType type) {
  switch (type) {
    case ValueType::kNumber: return NumberLiteral(*rc::gen::elementOf(kNumbers));
    case ValueType::kTime: {
      int64_t t = *rc::gen::elementOf(kTimes);
      if (*rc::gen::arbitrary<bool>()) return NumberLiteral(static_cast<double>(t));
      static const std::map<int64_t, std::string> kText = {
          {0, "1970-01-01T00:00:00Z"}, {1000, "1970-01-01T00:00:01Z"},
          {2000, "1970-01-01T00:00:02.000Z"}, {86400000, "1970-01-02T00:00:00Z"}};
      return StringLiteral(kText.at(t));
    }
    case ValueType::kBool: {
      Literal l;
      l.kind = Literal::Kind::kBool;
      l.boolean = *rc::gen::arbitrary<bool>();
      return l;
    }
    default:
      if (!g_row_texts.empty() && *rc::gen::arbitrary<bool>())
        return StringLiteral(*rc::gen::elementOf(g_row_texts));
      return StringLiteral(GenText(3));
  }
}

Node GenComparison() {
  Node n;
  n.kind = NodeKind::kComparison;
  int which = *rc::gen::inRange(0, 9);
  ValueType type;
  switch (which) {
    case 0: n.field.segments = {"name"}; type = ValueType::kString; break;
    case 1: n.field.segments = {"owner"}; type = ValueType::kString; break;
    case 2: n.field.segments = {"version"}; type = ValueType::kNumber; break;
    case 3: n.field.segments = {"score"}; type = ValueType::kNumber; break;
    case 4: n.field.segments = {"active"}; type = ValueType::kBool; break;
    case 5: n.field.segments = {"created_at"}; type = ValueType::kTime; break;
    case 6:
      n.field.segments = {"tags", *rc::gen::elementOf(kTagKeys)};
      type = ValueType::kString;
      break;
    case 7:
      n.field.segments = {"metrics", *rc::gen::elementOf(kMetricKeys)};
      type = ValueType::kNumber;
      break;
    default: {
      n.field.segments = {"flags"};
      n.op = Op::kHas;
      n.values.push_back(StringLiteral(*rc::gen::elementOf(kFlagValues)));
      return n;
    }
  }
  std::vector<Op> ops = {Op::kEq, Op::kNe, Op::kIn, Op::kNotIn};
  if (type != ValueType::kBool) {
    for (Op op : {Op::kLt, Op::kLe, Op::kGt, Op::kGe}) ops.push_back(op);
  }
  if (type == ValueType::kString) {
    for (Op op : {Op::kLike, Op::kNotLike, Op::kILike, Op::kNotILike, Op::kLike, Op::kILike})
      ops.push_back(op);
  }
  n.op = *rc::gen::elementOf(ops);
  if (n.op == Op::kLike || n.op == Op::kNotLike || n.op == Op::kILike || n.op == Op::kNotILike) {
    n.values.push_back(StringLiteral(GenPattern()));
  } else if (n.op == Op::kIn || n.op == Op::kNotIn) {
    int count = *rc::gen::inRange(1, 4);
    for (int i = 0; i < count; ++i) n.values.push_back(GenLiteral(type));
  } else {
    n.values.push_back(GenLiteral(type));
  }
  return n;
}

Node GenNode(int depth) {
  int kind = depth <= 0 ? 3 : *rc::gen::inRange(0, 6);
  if (kind >= 3) return GenComparison();
  Node n;
  n.kind = kind == 0 ? NodeKind::kAnd : kind == 1 ? NodeKind::kOr : NodeKind::kNot;
  int count = n.kind == NodeKind::kNot ? 1 : *rc::gen::inRange(2, 4);
  for (int i = 0; i < count; ++i) n.children.push_back(GenNode(depth - 1));
  return n;
}

std::string DescribeRows(const std::vector<Row>& rows) {
  std::string out;
  for (const Row& r : rows) {
    out += "row " + std::to_string(r.id) + ": name=" + (r.name ? "'" + *r.name + "'" : "-") +
           " owner=" + (r.owner ? "'" + *r.owner + "'" : "-") +
           " version=" + (r.version ? std::to_string(*r.version) : "-") +
           " score=" + (r.score ? std::to_string(*r.score) : "-") +
           " active=" + (r.active ? std::to_string(*r.active) : "-") +
           " created=" + (r.created_at ? std::to_string(*r.created_at) : "-") + " tags={";
    for (const auto& [k, v] : r.tags) out += k + ":'" + v + "' ";
    out += "} metrics={";
    for (const auto& [k, v] : r.metrics) out += k + ":" + std::to_string(v) + " ";
    out += "} flags={";
    for (const std::string& f : r.flags) out += f + " ";
    out += "}\n";
  }
  return out;
}

// rc::check inside a TEST (rather than RC_GTEST_PROP) so the number of expressions compared is
// printed and checked. RC_PARAMS="max_success=N" runs more cases.
TEST(ExprSqlProperty, SqlSelectsExactlyWhatThePredicateAccepts) {
  int cases = 0, expressions = 0, matched_rows = 0;
  bool ok = rc::check("SQL selects exactly what the Predicate accepts", [&] {
    ++cases;
    int row_count = *rc::gen::inRange(1, 9);
    std::vector<Row> rows;
    for (int i = 1; i <= row_count; ++i) rows.push_back(GenRow(i));
    g_row_texts.clear();
    for (const Row& r : rows) {
      if (r.name) g_row_texts.push_back(*r.name);
      if (r.owner) g_row_texts.push_back(*r.owner);
      for (const auto& [k, v] : r.tags) g_row_texts.push_back(v);
    }
    Connection db = OpenDatabase(rows);
    // Several expressions per database: building the database dominates the cost of a case.
    for (int e = 0; e < 10; ++e) {
      Node generated = GenNode(*rc::gen::inRange(0, 4));
      // Through the text form too, so the parser's reading of quotes and escapes is covered.
      // The MLflow dialect reads back the backticked key `x y`.
      std::string text = expr::Format(generated);
      Result<expr::Expression> parsed = expr::Parse(text, {.dialect = expr::Dialect::kMlflow});
      if (!parsed.has_value()) RC_FAIL(text + ": " + parsed.error().ToString());
      Result<expr::Predicate> predicate = expr::Compile(parsed->root, Fields().schema());
      if (!predicate.has_value()) RC_FAIL(text + ": " + predicate.error().ToString());
      Result<SqlWhere> where = CompileWhere(parsed->root, Fields());
      if (!where.has_value()) RC_FAIL(text + ": " + where.error().ToString());
      Result<std::vector<int64_t>> got = SelectIds(db, *where);
      if (!got.has_value()) RC_FAIL(got.error().ToString() + "\nsql: " + where->sql);
      std::vector<int64_t> want = PredicateIds(*predicate, rows);
      if (*got != want) {
        std::string msg = "expression: " + text + "\nsql: " + where->sql + "\nsql ids:";
        for (int64_t id : *got) msg += " " + std::to_string(id);
        msg += "\npredicate ids:";
        for (int64_t id : want) msg += " " + std::to_string(id);
        RC_FAIL(msg + "\n" + DescribeRows(rows));
      }
      ++expressions;
      matched_rows += static_cast<int>(want.size());
    }
  });
  EXPECT_TRUE(ok);
  std::printf("expr_sql property: %d cases, %d expressions, %d matching rows\n", cases,
              expressions, matched_rows);
  EXPECT_GE(expressions, 1000);  // rapidcheck's default 100 cases, 10 expressions each
  EXPECT_GT(matched_rows, expressions / 10);  // the generators do produce matches
}

}  // namespace
}  // namespace ballast::store
