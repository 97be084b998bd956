#include "server/auth.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

namespace ballast::server {
namespace {

// In-memory TokenStore that counts lookups, so tests can see the cache working.
class FakeTokenStore : public store::TokenStore {
 public:
  Status CreateToken(const store::TokenRecord& t) override {
    std::lock_guard lock(mu_);
    tokens_[t.id] = t;
    return Status::Ok();
  }
  Result<std::optional<store::TokenRecord>> FindTokenByHash(const std::string& hash) override {
    std::lock_guard lock(mu_);
    ++lookups;
    for (const auto& [id, t] : tokens_)
      if (t.secret_hash == hash && !t.revoked_at) return std::optional<store::TokenRecord>(t);
    return std::optional<store::TokenRecord>();
  }
  Result<std::vector<store::TokenRecord>> ListTokens() override {
    std::lock_guard lock(mu_);
    std::vector<store::TokenRecord> out;
    for (const auto& [id, t] : tokens_) out.push_back(t);
    return out;
  }
  Status RevokeToken(const std::string& id, EpochMillis at) override {
    std::lock_guard lock(mu_);
    auto it = tokens_.find(id);
    if (it == tokens_.end() || it->second.revoked_at) return Status::NotFound("no token " + id);
    it->second.revoked_at = at;
    return Status::Ok();
  }
  Result<int64_t> CountLiveTokens() override {
    std::lock_guard lock(mu_);
    int64_t n = 0;
    for (const auto& [id, t] : tokens_) n += t.revoked_at ? 0 : 1;
    return n;
  }
  int lookups = 0;

 private:
  std::mutex mu_;
  std::map<std::string, store::TokenRecord> tokens_;
};

TEST(AuthenticatorTest, OffMeansAdminForEveryone) {
  FakeTokenStore tokens;
  SimulatedClock clock(1'000'000);
  Authenticator auth(false, tokens, clock);
  auto p = auth.Authenticate("");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->role, Role::kAdmin);
}

TEST(AuthenticatorTest, TokensAuthenticateWithTheirRoleAndAreCached) {
  FakeTokenStore tokens;
  SimulatedClock clock(1'000'000);
  Authenticator auth(true, tokens, clock);
  auto created = auth.CreateToken(Role::kIngest, "gateway", "tok_admin");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->secret.rfind("blt_", 0), 0u);
  EXPECT_EQ(created->secret.size(), 4u + 64u);
  EXPECT_EQ(created->record.secret_hash, Authenticator::HashSecret(created->secret));
  EXPECT_NE(created->record.secret_hash.find_first_not_of("0123456789abcdef"), 0u);

  std::string header = "Bearer " + created->secret;
  EXPECT_FALSE(auth.AuthenticateCached(header));
  auto p = auth.Authenticate(header);
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_EQ(p->role, Role::kIngest);
  EXPECT_EQ(p->token_id, created->record.id);
  EXPECT_EQ(tokens.lookups, 1);
  auto cached = auth.AuthenticateCached(header);
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->role, Role::kIngest);
  ASSERT_TRUE(auth.Authenticate(header));
  EXPECT_EQ(tokens.lookups, 1);
  clock.Advance(31'000);  // cache entries expire so other replicas' revocations reach us
  EXPECT_FALSE(auth.AuthenticateCached(header));
}

TEST(AuthenticatorTest, RevocationTakesEffectAtOnce) {
  FakeTokenStore tokens;
  SimulatedClock clock(1'000'000);
  Authenticator auth(true, tokens, clock);
  auto created = auth.CreateToken(Role::kViewer, "", "x");
  ASSERT_TRUE(created);
  std::string header = "Bearer " + created->secret;
  ASSERT_TRUE(auth.Authenticate(header));
  ASSERT_TRUE(auth.RevokeToken(created->record.id).ok());
  EXPECT_FALSE(auth.AuthenticateCached(header));
  auto p = auth.Authenticate(header);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(auth.RevokeToken(created->record.id).IsNotFound());
}

TEST(AuthenticatorTest, MalformedHeadersAreUnauthenticated) {
  FakeTokenStore tokens;
  SimulatedClock clock(0);
  Authenticator auth(true, tokens, clock);
  for (const std::string& h : std::vector<std::string>{
           "", "Basic abc", "Bearer", "Bearer ", "blt_x", "Bearer " + std::string(300, 'a')}) {
    auto p = auth.Authenticate(h);
    ASSERT_FALSE(p) << h;
    EXPECT_EQ(p.error().code(), StatusCode::kUnauthenticated) << h;
  }
  EXPECT_TRUE(auth.Authenticate("bearer blt_unknown").error().message().find("unknown") !=
              std::string::npos);
}

TEST(AuthenticatorTest, BootstrapTokenWrittenOnceWithMode0600) {
  FakeTokenStore tokens;
  SimulatedClock clock(0);
  Authenticator auth(true, tokens, clock);
  auto dir = std::filesystem::temp_directory_path() / ("auth-test-" + RandomHex(6));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "admin.token").string();
  auto first = auth.EnsureBootstrapToken(path);
  ASSERT_TRUE(first);
  EXPECT_TRUE(*first);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  std::string secret;
  std::ifstream(path) >> secret;
  auto p = auth.Authenticate("Bearer " + secret);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->role, Role::kAdmin);
  auto second = auth.EnsureBootstrapToken(path);
  ASSERT_TRUE(second);
  EXPECT_FALSE(*second);
  std::filesystem::remove_all(dir);

  Authenticator off(false, tokens, clock);
  auto none = off.EnsureBootstrapToken(path);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST(RandomHexTest, LengthAndAlphabet) {
  std::string a = RandomHex(32), b = RandomHex(32);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
  EXPECT_EQ(RandomHex(3).size(), 6u);
}

}  // namespace
}  // namespace ballast::server
