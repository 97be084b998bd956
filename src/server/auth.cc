#include "server/auth.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <random>

#include "common/sha256.h"

namespace ballast::server {
namespace {
// Revocations on another replica reach this one within this time.
constexpr EpochMillis kCacheMillis = 30'000;
constexpr size_t kMaxCache = 10'000;
}  // namespace

std::string RandomHex(size_t bytes) {
  static const char* kHex = "0123456789abcdef";
  std::random_device rd;  // getrandom(2) on Linux
  std::string out;
  out.reserve(bytes * 2);
  for (size_t i = 0; i < bytes; i += 4) {
    uint32_t v = rd();
    for (size_t k = 0; k < 4 && i + k < bytes; ++k) {
      unsigned b = (v >> (8 * k)) & 0xff;
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  }
  return out;
}

Authenticator::Authenticator(bool enabled, store::TokenStore& tokens, const Clock& clock)
    : enabled_(enabled), tokens_(tokens), clock_(clock) {}

std::string Authenticator::HashSecret(std::string_view secret) { return Sha256Hex(secret); }

Result<Principal> Authenticator::Authenticate(std::string_view header) {
  if (!enabled_) return Principal{Role::kAdmin, ""};
  constexpr std::string_view kBearer = "Bearer ";
  if (header.empty())
    return Status::Unauthenticated("missing Authorization header (expected: Bearer <token>)");
  if (header.size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), header.begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
    return Status::Unauthenticated("Authorization header must be \"Bearer <token>\"");
  std::string_view secret = header.substr(kBearer.size());
  if (secret.size() > 256) return Status::Unauthenticated("token is too long");
  std::string hash = HashSecret(secret);
  EpochMillis now = clock_.NowMillis();
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && now - it->second.cached_at < kCacheMillis) {
      auto role = ParseRole(it->second.record.role);
      return Principal{role.value_or(Role::kNone), it->second.record.id};
    }
  }
  auto found = tokens_.FindTokenByHash(hash);
  if (!found) return Status::Unavailable("token store: " + found.error().message());
  if (!*found) return Status::Unauthenticated("unknown or revoked token");
  auto role = ParseRole((*found)->role);
  if (!role) return Status::Unauthenticated("token has an unknown role");
  {
    std::lock_guard lock(mu_);
    if (cache_.size() >= kMaxCache) cache_.clear();
    cache_[hash] = Cached{**found, now};
  }
  return Principal{*role, (*found)->id};
}

std::optional<Principal> Authenticator::AuthenticateCached(std::string_view header) {
  if (!enabled_) return Principal{Role::kAdmin, ""};
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.size() > kBearer.size() + 256 ||
      header.substr(0, kBearer.size()) != kBearer)
    return std::nullopt;
  std::string hash = HashSecret(header.substr(kBearer.size()));
  EpochMillis now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  auto it = cache_.find(hash);
  if (it == cache_.end() || now - it->second.cached_at >= kCacheMillis) return std::nullopt;
  auto role = ParseRole(it->second.record.role);
  if (!role) return std::nullopt;
  return Principal{*role, it->second.record.id};
}

Result<CreatedToken> Authenticator::CreateToken(Role role, const std::string& name,
                                                const std::string& created_by) {
  if (role == Role::kNone) return Status::InvalidArgument("role is required", "role");
  if (name.size() > 200)
    return Status::InvalidArgument("name is longer than 200 characters", "name");
  CreatedToken out;
  out.secret = "blt_" + RandomHex(32);
  out.record.id = "tok_" + RandomHex(8);
  out.record.name = name;
  out.record.role = std::string(RoleName(role));
  out.record.secret_hash = HashSecret(out.secret);
  out.record.created_at = clock_.NowMillis();
  out.record.created_by = created_by;
  BALLAST_RETURN_IF_ERROR(tokens_.CreateToken(out.record));
  return out;
}

Status Authenticator::RevokeToken(const std::string& id) {
  BALLAST_RETURN_IF_ERROR(tokens_.RevokeToken(id, clock_.NowMillis()));
  std::lock_guard lock(mu_);
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (it->second.record.id == id)
      it = cache_.erase(it);
    else
      ++it;
  }
  return Status::Ok();
}

Result<bool> Authenticator::EnsureBootstrapToken(const std::string& path) {
  if (!enabled_) return false;
  auto live = tokens_.CountLiveTokens();
  if (!live) return live.error();
  if (*live > 0) return false;
  auto created = CreateToken(Role::kAdmin, "bootstrap admin", "bootstrap");
  if (!created) return created.error();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Internal("cannot write " + path);
  ::fchmod(fd, 0600);
  std::string line = created->secret + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) return Status::Internal("cannot write " + path);
  return true;
}

}  // namespace ballast::server
