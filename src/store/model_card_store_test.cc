#include "store/model_card_store.h"

#include <gtest/gtest.h>

#include "store/registry_test_fixtures.h"

namespace ballast::store {
namespace {

using registry_testing::kDay;
using registry_testing::RegistryStoreTest;
using registry_testing::User;
using testing::kT0;

class ModelCardStoreTest : public RegistryStoreTest {
 protected:
  ModelCardStore& C() { return store_->ModelCards(); }
};

TEST_F(ModelCardStoreTest, PutThenGetReturnsTheCardWithEtagAndWho) {
  Seed("bot", 2);
  auto put = C().PutCard("bot", 2, R"({"tags":["a"]})", "", User(kT0 + 5));
  ASSERT_TRUE(put) << put.error().ToString();
  EXPECT_EQ(put->model, "bot");
  EXPECT_EQ(put->version, 2);
  EXPECT_EQ(put->updated_by, "tok_user");
  EXPECT_EQ(put->created_at, kT0 + 5);
  EXPECT_EQ(put->etag.size(), 16u);
  auto got = C().GetCard("bot", 2);
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(got->card_json, R"({"tags":["a"]})");
  EXPECT_EQ(got->etag, put->etag);
  EXPECT_CODE(C().GetCard("bot", 1), kNotFound);  // version without a card
}

TEST_F(ModelCardStoreTest, EtagGuardsReplacement) {
  Seed("bot", 1);
  auto first = C().PutCard("bot", 1, "{}", "", User());
  ASSERT_TRUE(first);
  auto second = C().PutCard("bot", 1, R"({"tags":["b"]})", first->etag, User(kT0 + 1));
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_NE(second->etag, first->etag);
  EXPECT_EQ(second->created_at, kT0);
  EXPECT_EQ(second->updated_at, kT0 + 1);
  // The first etag is stale now: refused, nothing changes.
  EXPECT_CODE(C().PutCard("bot", 1, R"({"tags":["c"]})", first->etag, User()), kFailedPrecondition);
  EXPECT_EQ(C().GetCard("bot", 1)->card_json, R"({"tags":["b"]})");
  // An etag for a version without a card cannot hold.
  Seed("other", 1);
  EXPECT_CODE(C().PutCard("other", 1, "{}", "abc", User()), kFailedPrecondition);
}

TEST_F(ModelCardStoreTest, MissingModelVersionAndBadInputAreNamed) {
  Seed("bot", 1);
  auto no_model = C().PutCard("nope", 1, "{}", "", User());
  EXPECT_CODE(no_model, kNotFound);
  EXPECT_NE(no_model.error().message().find("registered model 'nope'"), std::string::npos);
  auto no_version = C().GetCard("bot", 9);
  EXPECT_CODE(no_version, kNotFound);
  EXPECT_NE(no_version.error().message().find("'bot@9'"), std::string::npos);
  EXPECT_CODE(C().PutCard("bot", 1, "", "", User()), kInvalidArgument);
  EXPECT_CODE(C().PutCard("bot", 1, std::string((1 << 20) + 1, ' '), "", User()),
              kInvalidArgument);
}

TEST_F(ModelCardStoreTest, DeletedVersionsAndRecreatedModelsHaveNoCard) {
  Seed("bot", 2);
  ASSERT_TRUE(C().PutCard("bot", 2, "{}", "", User()));
  ASSERT_TRUE(R().DeleteVersion("bot", 2, "", User()).ok());
  EXPECT_CODE(C().GetCard("bot", 2), kNotFound);
  ASSERT_TRUE(C().PutCard("bot", 1, "{}", "", User()));
  ASSERT_TRUE(R().DeleteModel("bot", "", User()).ok());
  Seed("bot", 1);
  EXPECT_CODE(C().GetCard("bot", 1), kNotFound);
}

TEST_F(ModelCardStoreTest, CardsAndLifecycleStateSurviveReopening) {
  Seed("bot", 1);
  ASSERT_TRUE(C().PutCard("bot", 1, R"({"language":["en"]})", "", User()));
  EXPECT_FALSE(C().LoadLifecycleAlertState()->has_value());
  ASSERT_TRUE(C().SaveLifecycleAlertState("s1", kT0).ok());
  ASSERT_TRUE(C().SaveLifecycleAlertState("s2", kT0 + kDay).ok());
  Open();
  EXPECT_EQ(C().GetCard("bot", 1)->card_json, R"({"language":["en"]})");
  auto state = C().LoadLifecycleAlertState();
  ASSERT_TRUE(state && state->has_value());
  EXPECT_EQ(**state, "s2");
}

}  // namespace
}  // namespace ballast::store
