// TokenStore: API tokens with roles (DESIGN.md §5, API.md "Auth"). Only the SHA-256 hash of a
// token's secret is stored; the secret itself is shown once, at creation.
//
// Thread safety: every method may be called from any thread. Writes go through the writer and
// are durable when they return; they block the caller, so call them off the network threads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace ballast::store {

struct TokenRecord {
  std::string id;          // public identifier, "tok_..."
  std::string name;        // free text: who or what uses it
  std::string role;        // viewer | ingest | operator | admin
  std::string secret_hash; // hex SHA-256 of the secret
  EpochMillis created_at = 0;
  std::string created_by;  // token id or "bootstrap"
  std::optional<EpochMillis> revoked_at;
};

class TokenStore {
 public:
  virtual ~TokenStore() = default;
  virtual Status CreateToken(const TokenRecord& token) = 0;
  // The live (not revoked) token with this secret hash.
  virtual Result<std::optional<TokenRecord>> FindTokenByHash(const std::string& secret_hash) = 0;
  virtual Result<std::vector<TokenRecord>> ListTokens() = 0;
  // NOT_FOUND if there is no live token with this id.
  virtual Status RevokeToken(const std::string& id, EpochMillis at) = 0;
  virtual Result<int64_t> CountLiveTokens() = 0;
};

}  // namespace ballast::store
