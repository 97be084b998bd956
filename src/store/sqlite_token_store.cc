#include "store/sqlite_token_store.h"

#include <array>
#include <string_view>

namespace ballast::store {
namespace {

constexpr std::array<std::string_view, 4> kRoles = {"viewer", "ingest", "operator", "admin"};

constexpr const char* kTokenColumns =
    "id, name, role, secret_hash, created_at, created_by, revoked_at";

TokenRecord TokenFromRow(const Statement& st) {
  return TokenRecord{st.ColumnText(0), st.ColumnText(1), st.ColumnText(2),       st.ColumnText(3),
                     st.ColumnInt(4),  st.ColumnText(5), st.ColumnOptionalInt(6)};
}

}  // namespace

Status SqliteTokenStore::CreateToken(const TokenRecord& token) {
  if (token.id.empty()) return Status::InvalidArgument("token id is empty", "id");
  if (token.name.empty()) return Status::InvalidArgument("token name is empty", "name");
  if (token.secret_hash.empty()) {
    return Status::InvalidArgument("token secret hash is empty", "secret_hash");
  }
  bool known_role = false;
  for (std::string_view r : kRoles) known_role |= (r == token.role);
  if (!known_role) {
    return Status::InvalidArgument(
        "unknown role '" + token.role + "'; expected viewer, ingest, operator or admin", "role");
  }
  return writer_.SubmitAndWait([token](Connection& db) -> Status {
    BALLAST_ASSIGN_OR_RETURN(
        Statement st,
        db.Prepare("INSERT INTO tokens (id, name, role, secret_hash, created_at, created_by, "
                   "revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(token.id, token.name, token.role, token.secret_hash,
                                       token.created_at, token.created_by, token.revoked_at));
    Status inserted = st.Run();
    if (inserted.IsAlreadyExists()) {
      return Status::AlreadyExists("a token with this id or secret already exists (id '" +
                                   token.id + "')");
    }
    return inserted;
  });
}

Status SqliteTokenStore::RevokeToken(const std::string& id, EpochMillis at) {
  return writer_.SubmitAndWait([id, at](Connection& db) -> Status {
    BALLAST_ASSIGN_OR_RETURN(
        Statement st,
        db.Prepare("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(at, id));
    BALLAST_RETURN_IF_ERROR(st.Run());
    if (db.Changes() == 0) return Status::NotFound("no live token with id '" + id + "'");
    return Status::Ok();
  });
}

Result<std::optional<TokenRecord>> SqliteTokenStore::FindTokenByHash(
    const std::string& secret_hash) {
  BALLAST_ASSIGN_OR_RETURN(ReaderPool::Lease db, readers_.Acquire());
  static const std::string sql = std::string("SELECT ") + kTokenColumns +
                                 " FROM tokens WHERE secret_hash = ? AND revoked_at IS NULL";
  BALLAST_ASSIGN_OR_RETURN(Statement st, db->Prepare(sql));
  BALLAST_RETURN_IF_ERROR(st.BindAll(secret_hash));
  BALLAST_ASSIGN_OR_RETURN(bool found, st.Step());
  if (!found) return std::optional<TokenRecord>();
  return std::optional<TokenRecord>(TokenFromRow(st));
}

Result<std::vector<TokenRecord>> SqliteTokenStore::ListTokens() {
  BALLAST_ASSIGN_OR_RETURN(ReaderPool::Lease db, readers_.Acquire());
  static const std::string sql =
      std::string("SELECT ") + kTokenColumns + " FROM tokens ORDER BY created_at, id";
  BALLAST_ASSIGN_OR_RETURN(Statement st, db->Prepare(sql));
  std::vector<TokenRecord> out;
  while (true) {
    BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(TokenFromRow(st));
  }
  return out;
}

Result<int64_t> SqliteTokenStore::CountLiveTokens() {
  BALLAST_ASSIGN_OR_RETURN(ReaderPool::Lease db, readers_.Acquire());
  BALLAST_ASSIGN_OR_RETURN(Statement st,
                           db->Prepare("SELECT count(*) FROM tokens WHERE revoked_at IS NULL"));
  BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::Internal("count(*) over tokens returned no row");
  return st.ColumnInt(0);
}

}  // namespace ballast::store
