// The request helpers shared by the registry routes: order_by parsing, If-Match, list params.
#include <gtest/gtest.h>

#include "server/app.h"

namespace ballast::server {
namespace {

const std::vector<std::string_view> kSortable = {"name", "created_at", "updated_at"};

TEST(ParseOrderByTest, FieldsDirectionsAndSpaces) {
  auto terms = ParseOrderBy(" name desc ,created_at,  updated_at ASC ", kSortable);
  ASSERT_TRUE(terms.has_value()) << terms.error().message();
  ASSERT_EQ(terms->size(), 3u);
  EXPECT_EQ((*terms)[0].column, "name");
  EXPECT_TRUE((*terms)[0].descending);
  EXPECT_EQ((*terms)[1].column, "created_at");
  EXPECT_FALSE((*terms)[1].descending);
  EXPECT_EQ((*terms)[2].column, "updated_at");
  EXPECT_FALSE((*terms)[2].descending);
}

TEST(ParseOrderByTest, EmptyTextIsNoOrder) {
  auto terms = ParseOrderBy("   ", kSortable);
  ASSERT_TRUE(terms.has_value());
  EXPECT_TRUE(terms->empty());
}

TEST(ParseOrderByTest, UnknownFieldNamesAllowedOnes) {
  auto terms = ParseOrderBy("name, owner DESC", kSortable);
  ASSERT_FALSE(terms.has_value());
  EXPECT_EQ(terms.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(terms.error().field(), "order_by");
  EXPECT_NE(terms.error().message().find("'owner'"), std::string::npos);
  EXPECT_NE(terms.error().message().find("created_at"), std::string::npos);
}

TEST(ParseOrderByTest, BadDirectionAndEmptyItem) {
  auto bad = ParseOrderBy("name SIDEWAYS", kSortable);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("SIDEWAYS"), std::string::npos);
  auto empty = ParseOrderBy("name,,created_at", kSortable);
  ASSERT_FALSE(empty.has_value());
  EXPECT_NE(empty.error().message().find("item 2"), std::string::npos);
}

TEST(IfMatchTest, StripsQuotesAndWeakPrefix) {
  HttpRequest r;
  EXPECT_EQ(IfMatch(r), "");
  r.headers = {{"if-match", " \"m1-4\" "}};
  EXPECT_EQ(IfMatch(r), "m1-4");
  r.headers = {{"If-Match", "W/\"v7-2\""}};
  EXPECT_EQ(IfMatch(r), "v7-2");
  r.headers = {{"If-Match", "bare"}};
  EXPECT_EQ(IfMatch(r), "bare");
}

TEST(ListParamsTest, ReadsFilterOrderAndPage) {
  HttpRequest r;
  r.query = {{"filter", "tags.team = 'core'"}, {"order_by", "name"}, {"page_size", "5"},
             {"page_token", "10"}};
  auto p = ParseListParams(r);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->filter, "tags.team = 'core'");
  EXPECT_EQ(p->order_by, "name");
  EXPECT_EQ(p->page.size, 5u);
  EXPECT_EQ(p->page.offset, 10u);
  r.query = {{"page_size", "0"}};
  EXPECT_FALSE(ParseListParams(r).has_value());
}

TEST(RegistryActorTest, AdminFlagFollowsRole) {
  HttpRequest r;
  RequestContext ctx{r, {}, Principal{Role::kAdmin, "abc"}};
  store::Actor a = RegistryActor(ctx, 42);
  EXPECT_EQ(a.by, "token:abc");
  EXPECT_EQ(a.at, 42);
  EXPECT_TRUE(a.is_admin);
  ctx.principal = Principal{Role::kOperator, ""};
  EXPECT_FALSE(RegistryActor(ctx, 1).is_admin);
  EXPECT_EQ(RegistryActor(ctx, 1).by, "anonymous");
}

}  // namespace
}  // namespace ballast::server
