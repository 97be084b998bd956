// A thin RAII layer over the SQLite C API: a connection that owns its prepared statements, and
// statements that take values only through bound parameters. Every SQLite error becomes a
// Status carrying SQLite's own message, so callers never look at result codes.
//
//   BALLAST_ASSIGN_OR_RETURN(auto db, Connection::Open(path, {}));
//   BALLAST_ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT name FROM tokens WHERE id = ?"));
//   BALLAST_RETURN_IF_ERROR(st.BindAll(id));
//   BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
//   if (row) name = st.ColumnText(0);
//
// Prepared statements are cached per connection by their SQL text; a Statement is a borrowed
// handle to the cached one, and resets it (and clears its bindings) when it goes out of scope,
// so a half-read SELECT never keeps a read transaction open.
//
// Thread safety: a Connection (and its statements) must be used by one thread at a time; it is
// opened in SQLite's multi-thread mode (no per-connection mutex). Pools and the writer thread
// provide that confinement.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

namespace ballast::store {

// A value bound as a BLOB rather than TEXT.
struct Blob {
  std::string_view bytes;
};

class Statement {
 public:
  Statement(Statement&& other) noexcept : stmt_(other.stmt_), owned_(other.owned_) {
    other.stmt_ = nullptr;
  }
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite. Strings are copied by SQLite (SQLITE_TRANSIENT).
  Status Bind(int index, int64_t v);
  Status Bind(int index, int v) { return Bind(index, static_cast<int64_t>(v)); }
  Status Bind(int index, double v);
  Status Bind(int index, std::string_view v);
  Status Bind(int index, const std::string& v) { return Bind(index, std::string_view(v)); }
  Status Bind(int index, const char* v) { return Bind(index, std::string_view(v)); }
  Status Bind(int index, Blob v);
  Status Bind(int index, std::nullopt_t);
  template <typename T>
  Status Bind(int index, const std::optional<T>& v) {
    return v ? Bind(index, *v) : Bind(index, std::nullopt);
  }

  // Binds every argument in order, starting at parameter 1.
  template <typename... Args>
  Status BindAll(const Args&... args) {
    int index = 0;
    Status st;
    ((st.ok() ? (st = Bind(++index, args), 0) : 0), ...);
    return st;
  }

  // True when a row is available, false when the statement is done.
  Result<bool> Step();
  // Steps to completion, ignoring any rows; for INSERT/UPDATE/DELETE.
  Status Run();

  bool ColumnIsNull(int col) const;
  int64_t ColumnInt(int col) const;
  double ColumnDouble(int col) const;
  std::string ColumnText(int col) const;
  std::string ColumnBlob(int col) const;
  std::optional<int64_t> ColumnOptionalInt(int col) const;

 private:
  friend class Connection;
  Statement(sqlite3_stmt* stmt, bool owned) : stmt_(stmt), owned_(owned) {}
  Status Check(int rc, std::string_view what) const;

  sqlite3_stmt* stmt_;  // owned by the Connection's cache, unless owned_
  bool owned_ = false;  // finalized by this Statement (the cache was full)
};

struct ConnectionOptions {
  bool create = true;   // SQLITE_OPEN_CREATE
  bool durable = true;  // synchronous=FULL, else OFF
  int busy_timeout_ms = 5000;
  bool query_only = false;  // refuse writes (read pool connections)
};

class Connection {
 public:
  // Opens `path` in WAL mode with foreign keys on, the given synchronous level and busy timeout.
  static Result<Connection> Open(const std::string& path, const ConnectionOptions& options);

  Connection() = default;  // closed

  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  ~Connection();

  // A handle to the cached statement for `sql` (prepared on first use). `sql` must hold exactly
  // one statement and no values spliced in. The cache keeps at most kMaxCachedStatements texts:
  // past that (search queries whose text varies with the user's filter) the statement is
  // prepared for this use only and finalized with the handle.
  static constexpr size_t kMaxCachedStatements = 256;
  Result<Statement> Prepare(std::string_view sql);
  size_t CachedStatementCount() const { return statements_.size(); }
  // Runs a script of constant SQL (migrations, PRAGMA, BEGIN/COMMIT). Never use with values.
  Status Exec(const char* sql);

  int64_t Changes() const;
  // The rowid of the last row inserted on this connection.
  int64_t LastInsertRowid() const;
  // The Status for the connection's last error, prefixed with `what`.
  Status LastError(std::string_view what) const;
  void Close();
  bool is_open() const { return db_ != nullptr; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  // Transparent hashing: the cache is probed with the caller's string_view, no allocation.
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> statements_;
};

// Maps an SQLite result code and message to a Status: BUSY/LOCKED -> UNAVAILABLE,
// constraint violations -> ALREADY_EXISTS (unique/primary key) or FAILED_PRECONDITION,
// FULL -> RESOURCE_EXHAUSTED, anything else -> INTERNAL.
Status SqliteStatus(int rc, std::string_view what, std::string_view message);

// A transaction on `db` that rolls back unless Commit() succeeded.
class Transaction {
 public:
  // BEGIN IMMEDIATE: takes the write lock at once, so a busy database fails here, not midway.
  static Result<Transaction> Begin(Connection& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Connection* db) : db_(db) {}
  Connection* db_;
};

}  // namespace ballast::store
