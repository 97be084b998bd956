#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "store/test_fixtures.h"

namespace ballast::store {
namespace {

using testing::TempDir;

TokenRecord Token(std::string id, std::string role, std::string hash, EpochMillis at = 100) {
  return {std::move(id), "ci pipeline", std::move(role), std::move(hash), at, "bootstrap", {}};
}

class TokenStoreTest : public ::testing::Test {
 protected:
  void Open() {
    if (store_) store_->Close();
    auto s = OpenSqliteStore({.data_dir = dir_.path()});
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(*s);
  }
  void TearDown() override {
    if (store_) store_->Close();
  }
  TokenStore& Tokens() { return store_->Tokens(); }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(TokenStoreTest, CreateFindListRevoke) {
  Open();
  ASSERT_TRUE(Tokens().CreateToken(Token("tok_a", "admin", "hash-a", 100)).ok());
  ASSERT_TRUE(Tokens().CreateToken(Token("tok_b", "ingest", "hash-b", 200)).ok());
  EXPECT_EQ(*Tokens().CountLiveTokens(), 2);

  auto found = Tokens().FindTokenByHash("hash-b");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->id, "tok_b");
  EXPECT_EQ((*found)->role, "ingest");
  EXPECT_EQ((*found)->name, "ci pipeline");
  EXPECT_EQ((*found)->created_at, 200);
  EXPECT_EQ((*found)->created_by, "bootstrap");
  EXPECT_EQ((*found)->revoked_at, std::nullopt);
  EXPECT_EQ(*Tokens().FindTokenByHash("nope"), std::nullopt);

  ASSERT_TRUE(Tokens().RevokeToken("tok_b", 300).ok());
  EXPECT_EQ(*Tokens().FindTokenByHash("hash-b"), std::nullopt);
  EXPECT_EQ(*Tokens().CountLiveTokens(), 1);
  Status again = Tokens().RevokeToken("tok_b", 400);
  EXPECT_TRUE(again.IsNotFound()) << again.ToString();
  EXPECT_TRUE(Tokens().RevokeToken("tok_zzz", 400).IsNotFound());

  // Durable across reopen, revoked tokens still listed with their revocation time.
  Open();
  auto list = Tokens().ListTokens();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "tok_a");
  EXPECT_EQ((*list)[1].id, "tok_b");
  EXPECT_EQ((*list)[1].revoked_at, std::optional<EpochMillis>(300));
}

TEST_F(TokenStoreTest, RejectsDuplicatesAndBadFields) {
  Open();
  ASSERT_TRUE(Tokens().CreateToken(Token("tok_a", "viewer", "hash-a")).ok());
  EXPECT_TRUE(Tokens().CreateToken(Token("tok_a", "viewer", "hash-x")).IsAlreadyExists());
  EXPECT_TRUE(Tokens().CreateToken(Token("tok_x", "viewer", "hash-a")).IsAlreadyExists());
  Status role = Tokens().CreateToken(Token("tok_y", "root", "hash-y"));
  EXPECT_TRUE(role.IsInvalidArgument());
  EXPECT_EQ(role.field(), "role");
  EXPECT_EQ(Tokens().CreateToken(Token("", "viewer", "h")).field(), "id");
  EXPECT_EQ(Tokens().CreateToken(Token("tok_z", "viewer", "")).field(), "secret_hash");
  EXPECT_EQ(*Tokens().CountLiveTokens(), 1);
}

TEST_F(TokenStoreTest, WritesAfterCloseAreRefused) {
  Open();
  store_->Close();
  EXPECT_EQ(store_->Ready().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Tokens().CreateToken(Token("tok_a", "viewer", "h")).code(), StatusCode::kUnavailable);
  store_.reset();
}

}  // namespace
}  // namespace ballast::store
