// libFuzzer target for the MLflow search translation (server/mlflow_filter.h): filter strings,
// order_by clauses and page tokens of `registered-models/search` and `model-versions/search`.
//
// Input: the first byte picks the search ('v' model versions, anything else registered models);
// the rest is split at '\n': the first line is the filter, every later line one order_by clause,
// and every line is also tried as a page token. Properties checked:
// - TranslateFilter: a refusal is INVALID_ARGUMENT with field "filter" and a message; an accepted
//   filter is "" exactly when it is blank, and otherwise a fragment the store accepts (no ';', no
//   quotes, '?' count == params count, balanced parentheses) made only of SQL keywords and the
//   declared registry names (no user text), without OR or NOT (MLflow has neither), which
//   prepares, binds and runs against a registry-shaped SQLite schema.
// - TranslateOrderBy: a refusal names field "order_by"; a result has one item per non-blank
//   clause plus MLflow's tie-breaks, only columns of the registry's ListQuery, and orders by name
//   (and, for versions, version) exactly once.
// - Error messages for valid UTF-8 input are valid UTF-8 (they go into JSON bodies).
// - Page tokens: a token this server issues decodes to its offset for the same search and is
//   refused for another; any line that decodes gives a non-negative offset whose re-issued token
//   decodes to it again; base64 round-trips.
//
// mlflow_filter.cc is compiled into this target (fuzz/CMakeLists.txt): the fuzz build has no
// server library. Links ballast_store (expr_sql, SQLite) and ballast_common.
#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/expr.h"
#include "property_checks.h"
#include "server/mlflow_filter.h"
#include "store/expr_sql.h"
#include "store/sqlite.h"

namespace {

using ballast::StatusCode;
using ballast::fuzz::Require;
using ballast::server::mlflow::SearchKind;
namespace mlflow = ballast::server::mlflow;
namespace store = ballast::store;

// The SQL names mlflow_filter.cc declares for each search.
const std::set<std::string, std::less<>>& DeclaredNames(SearchKind kind) {
  static const std::set<std::string, std::less<>> models = {
      "m.name", "m.id", "model_tags", "model_tags.model_id", "model_tags.key", "model_tags.value"};
  static const std::set<std::string, std::less<>> versions = {"m.name",
                                                              "v.version",
                                                              "v.run_id",
                                                              "v.source",
                                                              "v.id",
                                                              "model_version_tags",
                                                              "model_version_tags.version_id",
                                                              "model_version_tags.key",
                                                              "model_version_tags.value"};
  return kind == SearchKind::kModelVersions ? versions : models;
}

// A registry-shaped database with a few rows, so translated filters are prepared and run.
store::Connection& Db() {
  static store::Connection db = [] {
    auto opened = store::Connection::Open(":memory:", {});
    Require(opened.has_value(), "open :memory:");
    store::Connection c = std::move(*opened);
    Require(c.Exec("CREATE TABLE models (id INTEGER PRIMARY KEY, name TEXT);"
                   "CREATE TABLE versions (id INTEGER PRIMARY KEY, model_id INTEGER, "
                   "version INTEGER, run_id TEXT, source TEXT);"
                   "CREATE TABLE model_tags (model_id INTEGER, key TEXT, value TEXT, "
                   "PRIMARY KEY (model_id, key));"
                   "CREATE TABLE model_version_tags (version_id INTEGER, key TEXT, value TEXT, "
                   "PRIMARY KEY (version_id, key));"
                   "INSERT INTO models VALUES (1, 'support-bot'), (2, 'Summarizer_v2');"
                   "INSERT INTO versions VALUES (1, 1, 1, 'r1', 'gpt-4o-2024-08-06'), "
                   "(2, 1, 2, NULL, 's3://b/m'), (3, 2, 1, 'r2', 'hf://x');"
                   "INSERT INTO model_tags VALUES (1, 'team', 'core'), (2, 'my key', 'v');"
                   "INSERT INTO model_version_tags VALUES (1, 'stage', 'prod');")
                .ok(),
            "schema");
    return c;
  }();
  return db;
}

void CheckFilter(std::string_view filter, SearchKind kind) {
  auto r = mlflow::TranslateFilter(filter, kind);
  if (!r) {
    Require(r.error().code() == StatusCode::kInvalidArgument, "filter refusal is not INVALID");
    Require(r.error().field() == "filter", "filter refusal does not name field 'filter'");
    Require(!r.error().message().empty(), "filter refusal has no message");
    if (ballast::fuzz::IsValidUtf8(filter)) {
      Require(ballast::fuzz::IsValidUtf8(r.error().message()), "filter error is not UTF-8",
              r.error().message());
    }
    return;
  }
  const bool blank = filter.find_first_not_of(" \t\r\n") == std::string_view::npos;
  Require(r->sql.empty() == blank, "empty SQL for a non-blank filter or SQL for a blank one",
          r->sql);
  if (blank) {
    Require(r->params.empty(), "a blank filter has parameters");
    return;
  }
  ballast::fuzz::CheckWhereFragment(r->sql, r->params.size(), DeclaredNames(kind));
  Require(r->sql.find(" OR ") == std::string::npos, "OR in an MLflow filter", r->sql);
  Require(r->sql.find("NOT ") == std::string::npos, "NOT in an MLflow filter", r->sql);

  const std::string sql =
      kind == SearchKind::kModelVersions
          ? "SELECT v.id FROM versions v JOIN models m ON m.id = v.model_id WHERE " + r->sql
          : "SELECT m.id FROM models m WHERE " + r->sql;
  auto st = Db().Prepare(sql);
  if (!st) {
    // MLflow filters are flat ANDs, far from SQLite's depth limits: any failure is a bug.
    Require(false, st.error().ToString(), sql);
  }
  Require(store::BindParams(*st, r->params).ok(), "bind", sql);
  for (int rows = 0;; ++rows) {
    auto more = st->Step();
    Require(more.has_value(), "step", sql);
    if (!*more) break;
    Require(rows < 3, "more rows than the table holds", sql);
  }
}

void CheckOrderBy(const std::vector<std::string>& clauses, SearchKind kind) {
  auto r = mlflow::TranslateOrderBy(clauses, kind);
  if (!r) {
    Require(r.error().code() == StatusCode::kInvalidArgument, "order_by refusal is not INVALID");
    Require(r.error().field() == "order_by", "order_by refusal does not name field 'order_by'");
    bool utf8 = true;
    for (const std::string& c : clauses) utf8 = utf8 && ballast::fuzz::IsValidUtf8(c);
    if (utf8) {
      Require(ballast::fuzz::IsValidUtf8(r.error().message()), "order_by error is not UTF-8",
              r.error().message());
    }
    return;
  }
  const bool versions = kind == SearchKind::kModelVersions;
  size_t given = 0;
  for (const std::string& c : clauses) {
    if (c.find_first_not_of(" \t\r\n") != std::string::npos) ++given;
  }
  const std::set<std::string> allowed =
      versions ? std::set<std::string>{"name", "version", "created_at", "updated_at"}
               : std::set<std::string>{"name", "created_at", "updated_at"};
  Require(r->size() >= given, "a clause was lost");
  bool named = false, versioned = false;
  for (size_t i = 0; i < r->size(); ++i) {
    const store::OrderBy& o = (*r)[i];
    Require(allowed.count(o.column) > 0, "order_by column outside the ListQuery's", o.column);
    if (i < given) {
      named = named || o.column == "name";
      versioned = versioned || o.column == "version";
    }
  }
  // MLflow's tie-breaks, each appended only when the caller did not order by it.
  std::vector<store::OrderBy> ties;
  if (!named) ties.push_back({"name", false});
  if (versions && !versioned) ties.push_back({"version", true});
  Require(r->size() == given + ties.size(), "tie-breaks differ from MLflow's");
  for (size_t i = 0; i < ties.size(); ++i) {
    const store::OrderBy& o = (*r)[given + i];
    Require(o.column == ties[i].column && o.descending == ties[i].descending, "wrong tie-break",
            o.column);
  }
}

void CheckTokens(const std::vector<std::string>& lines, std::string_view fingerprint,
                 std::string_view rest) {
  for (const std::string& line : lines) {
    auto offset = mlflow::DecodePageToken(line, fingerprint);
    if (offset) {
      Require(*offset >= 0, "negative offset from a token");
      auto again =
          mlflow::DecodePageToken(mlflow::EncodePageToken(*offset, fingerprint), fingerprint);
      Require(again && *again == *offset, "re-issued token does not decode");
    } else {
      Require(offset.error().field() == "page_token", "token refusal without field page_token");
    }
    std::string plain;
    if (mlflow::Base64Decode(line, plain)) {
      Require(line.size() == (plain.size() + 2) / 3 * 4, "base64 length");
      std::string back;
      Require(mlflow::Base64Decode(mlflow::Base64Encode(plain), back) && back == plain,
              "base64 round trip of decoded bytes");
    }
  }
  std::string back;
  Require(mlflow::Base64Decode(mlflow::Base64Encode(rest), back) && back == rest,
          "base64 round trip");
  const int64_t offset = static_cast<int64_t>(rest.size()) * 7919;
  const std::string token = mlflow::EncodePageToken(offset, fingerprint);
  auto decoded = mlflow::DecodePageToken(token, fingerprint);
  Require(decoded && *decoded == offset, "issued token does not decode to its offset");
  Require(!mlflow::DecodePageToken(token, std::string(fingerprint) + "x"),
          "token accepted by another search");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 8192) return 0;
  const SearchKind kind =
      data[0] == 'v' ? SearchKind::kModelVersions : SearchKind::kRegisteredModels;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string> lines;
  for (size_t pos = 0;;) {
    size_t end = rest.find('\n', pos);
    lines.emplace_back(rest.substr(pos, end == std::string_view::npos ? end : end - pos));
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  CheckFilter(lines[0], kind);
  if (lines.size() > 1) CheckFilter(rest, kind);  // filters may span lines
  std::vector<std::string> clauses(lines.begin() + 1, lines.end());
  CheckOrderBy(clauses, kind);
  CheckTokens(lines, mlflow::SearchFingerprint(kind, lines[0], clauses), rest);
  return 0;
}
