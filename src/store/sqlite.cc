#include "store/sqlite.h"

#include <string>
#include <utility>

namespace ballast::store {

Status SqliteStatus(int rc, std::string_view what, std::string_view message) {
  std::string text = std::string(what) + ": " + std::string(message);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(std::move(text));
    case SQLITE_FULL:
      return Status::ResourceExhausted(std::move(text));
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Status::AlreadyExists(std::move(text));
      }
      return Status::FailedPrecondition(std::move(text));
    default:
      return Status::Internal(std::move(text));
  }
}

// ---- Statement ----

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (owned_) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Status Statement::Check(int rc, std::string_view what) const {
  if (rc == SQLITE_OK) return Status::Ok();
  sqlite3* db = sqlite3_db_handle(stmt_);
  return SqliteStatus(sqlite3_extended_errcode(db), what, sqlite3_errmsg(db));
}

Status Statement::Bind(int index, int64_t v) {
  return Check(sqlite3_bind_int64(stmt_, index, v), "bind");
}
Status Statement::Bind(int index, double v) {
  return Check(sqlite3_bind_double(stmt_, index, v), "bind");
}
Status Statement::Bind(int index, std::string_view v) {
  return Check(sqlite3_bind_text64(stmt_, index, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
               "bind");
}
Status Statement::Bind(int index, Blob v) {
  // A zero-length blob must still be a BLOB, not NULL: pass a non-null pointer.
  const char* data = v.bytes.empty() ? "" : v.bytes.data();
  return Check(sqlite3_bind_blob64(stmt_, index, data, v.bytes.size(), SQLITE_TRANSIENT), "bind");
}
Status Statement::Bind(int index, std::nullopt_t) {
  return Check(sqlite3_bind_null(stmt_, index), "bind");
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(stmt_);
  std::string what = "executing \"" + std::string(sqlite3_sql(stmt_)) + "\"";
  return SqliteStatus(sqlite3_extended_errcode(db), what, sqlite3_errmsg(db));
}

Status Statement::Run() {
  while (true) {
    Result<bool> row = Step();
    if (!row) return row.error();
    if (!*row) return Status::Ok();
  }
}

bool Statement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}
int64_t Statement::ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::ColumnDouble(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Statement::ColumnText(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt_, col));
}
std::string Statement::ColumnBlob(int col) const {
  const void* data = sqlite3_column_blob(stmt_, col);
  if (data == nullptr) return {};
  return std::string(static_cast<const char*>(data), sqlite3_column_bytes(stmt_, col));
}
std::optional<int64_t> Statement::ColumnOptionalInt(int col) const {
  if (ColumnIsNull(col)) return std::nullopt;
  return ColumnInt(col);
}

// ---- Connection ----

Result<Connection> Connection::Open(const std::string& path, const ConnectionOptions& options) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (options.create) flags |= SQLITE_OPEN_CREATE;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close_v2(raw);
    return SqliteStatus(rc, "opening " + path, message);
  }
  Connection db(raw);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  // journal_mode returns a row; Exec ignores it. WAL persists in the file once set.
  BALLAST_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode=WAL"));
  BALLAST_RETURN_IF_ERROR(
      db.Exec(options.durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF"));
  BALLAST_RETURN_IF_ERROR(db.Exec("PRAGMA foreign_keys=ON"));
  if (options.query_only) BALLAST_RETURN_IF_ERROR(db.Exec("PRAGMA query_only=ON"));
  return db;
}

Connection::Connection(Connection&& other) noexcept
    : db_(other.db_), statements_(std::move(other.statements_)) {
  other.db_ = nullptr;
  other.statements_.clear();
}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    Close();
    db_ = other.db_;
    statements_ = std::move(other.statements_);
    other.db_ = nullptr;
    other.statements_.clear();
  }
  return *this;
}

Connection::~Connection() { Close(); }

void Connection::Close() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  statements_.clear();
  if (db_ != nullptr) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
  }
}

Result<Statement> Connection::Prepare(std::string_view sql) {
  if (db_ == nullptr) return Status::FailedPrecondition("database connection is closed");
  auto it = statements_.find(sql);
  if (it != statements_.end()) return Statement(it->second, false);
  const bool cache = statements_.size() < kMaxCachedStatements;
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              cache ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, &tail);
  if (rc != SQLITE_OK) return LastError("preparing \"" + std::string(sql) + "\"");
  if (stmt == nullptr) return Status::Internal("preparing empty SQL");
  if (tail != nullptr &&
      std::string_view(tail).find_first_not_of(" \t\n;") != std::string_view::npos) {
    sqlite3_finalize(stmt);
    return Status::Internal("Prepare() takes one statement; got more: \"" + std::string(sql) +
                            "\"");
  }
  if (!cache) return Statement(stmt, true);
  statements_.emplace(std::string(sql), stmt);
  return Statement(stmt, false);
}

Status Connection::Exec(const char* sql) {
  if (db_ == nullptr) return Status::FailedPrecondition("database connection is closed");
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string message = err != nullptr ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  std::string what = std::string("executing \"") + sql + "\"";
  if (what.size() > 120) what = what.substr(0, 117) + "...";
  return SqliteStatus(sqlite3_extended_errcode(db_), what, message);
}

int64_t Connection::LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

int64_t Connection::Changes() const { return db_ == nullptr ? 0 : sqlite3_changes64(db_); }

Status Connection::LastError(std::string_view what) const {
  if (db_ == nullptr) return Status::FailedPrecondition("database connection is closed");
  return SqliteStatus(sqlite3_extended_errcode(db_), what, sqlite3_errmsg(db_));
}

// ---- Transaction ----

Result<Transaction> Transaction::Begin(Connection& db) {
  BALLAST_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->Exec("ROLLBACK");
}

Status Transaction::Commit() {
  if (db_ == nullptr) return Status::FailedPrecondition("transaction already finished");
  Status st = db_->Exec("COMMIT");
  // On failure the destructor rolls back; SQLite may already have done so, which is harmless.
  if (st.ok()) db_ = nullptr;
  return st;
}

}  // namespace ballast::store
