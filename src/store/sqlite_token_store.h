// SqliteTokenStore: TokenStore over SQLite (internal; callers get it through Store::Tokens()).
// Writes go through the writer (so they are durable when they return); reads use the pool.
//
// Thread safety: every method from any thread except the writer thread.
#pragma once

#include "store/reader_pool.h"
#include "store/token_store.h"
#include "store/writer.h"

namespace ballast::store {

class SqliteTokenStore final : public TokenStore {
 public:
  SqliteTokenStore(Writer& writer, ReaderPool& readers) : writer_(writer), readers_(readers) {}

  // INVALID_ARGUMENT for an empty id/name/secret_hash or an unknown role, ALREADY_EXISTS for a
  // taken id or secret hash.
  Status CreateToken(const TokenRecord& token) override;
  Result<std::optional<TokenRecord>> FindTokenByHash(const std::string& secret_hash) override;
  Result<std::vector<TokenRecord>> ListTokens() override;
  Status RevokeToken(const std::string& id, EpochMillis at) override;
  Result<int64_t> CountLiveTokens() override;

 private:
  Writer& writer_;
  ReaderPool& readers_;
};

}  // namespace ballast::store
