// Authenticator: bearer tokens with roles (DESIGN.md §5, API.md "Auth").
//
// A token is "blt_" followed by 64 hex characters of randomness; only its SHA-256 is stored.
// When auth is on and no live token exists, EnsureBootstrapToken() creates an admin token and
// writes it to DATA/admin.token (mode 0600); the secret is never logged.
//
// Authenticate() may read the store on a cache miss: call it off the network threads.
// Thread safety: all methods are thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "common/status.h"
#include "server/http.h"
#include "store/token_store.h"

namespace ballast::server {

struct CreatedToken {
  store::TokenRecord record;
  std::string secret;  // shown once
};

class Authenticator {
 public:
  Authenticator(bool enabled, store::TokenStore& tokens, const Clock& clock);

  bool enabled() const { return enabled_; }

  // The principal for an Authorization header value. With auth off every caller is admin.
  // UNAUTHENTICATED for a missing, malformed, unknown or revoked token.
  Result<Principal> Authenticate(std::string_view authorization_header);
  // The principal if the header's token is in the cache; never touches the store, so it may run
  // on a network thread. nullopt means "ask Authenticate()".
  std::optional<Principal> AuthenticateCached(std::string_view authorization_header);

  Result<CreatedToken> CreateToken(Role role, const std::string& name,
                                   const std::string& created_by);
  Status RevokeToken(const std::string& id);

  // With auth on and no live token: creates an admin token and writes it to `path` (0600).
  // Returns true when a token was written.
  Result<bool> EnsureBootstrapToken(const std::string& path);

  static std::string HashSecret(std::string_view secret);

 private:
  struct Cached {
    store::TokenRecord record;
    EpochMillis cached_at = 0;
  };
  bool enabled_;
  store::TokenStore& tokens_;
  const Clock& clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Cached> cache_;  // secret hash -> token; GUARDED_BY(mu_)
};

// A random lowercase hex string of `bytes` bytes of entropy, from the OS generator.
std::string RandomHex(size_t bytes);

}  // namespace ballast::server
