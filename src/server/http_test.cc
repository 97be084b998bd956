#include "server/http.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ballast::server {
namespace {

namespace asio = boost::asio;

Handler Noop() {
  return [](RequestContext&) -> asio::awaitable<HttpResponse> { co_return HttpResponse{}; };
}

TEST(RouterTest, MatchesPatternsAndCapturesParams) {
  Router r;
  r.Add({"GET", "/v1/services", Role::kViewer, Noop()});
  r.Add({"GET", "/v1/services/{service}/stats", Role::kViewer, Noop()});
  r.Add({"DELETE", "/v1/tokens/{id}", Role::kAdmin, Noop()});
  auto m = r.Find("GET", "/v1/services/chat/stats");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/v1/services/{service}/stats");
  EXPECT_EQ(m.params["service"], "chat");
  EXPECT_NE(r.Find("GET", "/v1/services/").route, nullptr);  // trailing slash tolerated
  EXPECT_EQ(r.Find("GET", "/v1/services/chat").route, nullptr);
  EXPECT_TRUE(r.Find("GET", "/v1/services/chat").allowed_methods.empty());
  auto wrong = r.Find("POST", "/v1/tokens/abc");
  EXPECT_EQ(wrong.route, nullptr);
  ASSERT_EQ(wrong.allowed_methods.size(), 1u);
  EXPECT_EQ(wrong.allowed_methods[0], "DELETE");
  EXPECT_NE(r.Find("HEAD", "/v1/services").route, nullptr);
  // Segments are decoded after splitting: an encoded slash stays inside its segment.
  auto encoded = r.Find("GET", "/v1/services/team%2Fchat/stats");
  ASSERT_NE(encoded.route, nullptr);
  EXPECT_EQ(encoded.params["service"], "team/chat");
  EXPECT_NE(r.Find("GET", "/v1/%73ervices").route, nullptr);
  EXPECT_EQ(r.Find("GET", "/v1/services/%zz/stats").route, nullptr);
}

TEST(RoleTest, Hierarchy) {
  EXPECT_TRUE(RoleSatisfies(Role::kAdmin, Role::kAdmin));
  EXPECT_TRUE(RoleSatisfies(Role::kAdmin, Role::kIngest));
  EXPECT_TRUE(RoleSatisfies(Role::kOperator, Role::kViewer));
  EXPECT_TRUE(RoleSatisfies(Role::kOperator, Role::kIngest));
  EXPECT_FALSE(RoleSatisfies(Role::kOperator, Role::kAdmin));
  EXPECT_TRUE(RoleSatisfies(Role::kViewer, Role::kViewer));
  EXPECT_FALSE(RoleSatisfies(Role::kViewer, Role::kIngest));
  EXPECT_FALSE(RoleSatisfies(Role::kViewer, Role::kOperator));
  EXPECT_TRUE(RoleSatisfies(Role::kIngest, Role::kIngest));
  EXPECT_FALSE(RoleSatisfies(Role::kIngest, Role::kViewer));
  EXPECT_TRUE(RoleSatisfies(Role::kNone, Role::kNone));
  EXPECT_FALSE(RoleSatisfies(Role::kNone, Role::kViewer));
  EXPECT_EQ(ParseRole("operator"), Role::kOperator);
  EXPECT_FALSE(ParseRole("root"));
}

TEST(UrlTest, DecodesAndRejectsMalformed) {
  std::string out;
  EXPECT_TRUE(UrlDecode("a%20b+c", out, true));
  EXPECT_EQ(out, "a b c");
  EXPECT_TRUE(UrlDecode("a+b", out, false));
  EXPECT_EQ(out, "a+b");
  EXPECT_FALSE(UrlDecode("%2", out, false));
  EXPECT_FALSE(UrlDecode("%zz", out, false));
  EXPECT_FALSE(UrlDecode("abc%", out, false));
  std::map<std::string, std::string> q;
  ASSERT_TRUE(ParseQuery("from=2026-01-01T00%3A00%3A00Z&group_by=variant,model&flag", q).ok());
  EXPECT_EQ(q["from"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(q["group_by"], "variant,model");
  EXPECT_EQ(q["flag"], "");
  EXPECT_FALSE(ParseQuery("a=%", q).ok());
  std::map<std::string, std::string> last;
  std::multimap<std::string, std::string> all;
  ASSERT_TRUE(ParseQuery("s=a&t=1&s=b+c", last, &all).ok());
  EXPECT_EQ(last["s"], "b c");  // the last value wins in the map
  auto [first, end] = all.equal_range("s");
  ASSERT_EQ(std::distance(first, end), 2);
  EXPECT_EQ(first->second, "a");
  EXPECT_EQ(std::next(first)->second, "b c");
}

TEST(HttpResponseTest, ErrorShapeAndRetryAfter) {
  auto r = HttpResponse::Error(Status::InvalidArgument("bad", "spec.x"));
  EXPECT_EQ(r.status, 400);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["error"]["code"], "INVALID_ARGUMENT");
  EXPECT_EQ(j["error"]["message"], "bad");
  EXPECT_EQ(j["error"]["field"], "spec.x");
  auto busy = HttpResponse::Error(Status::ResourceExhausted("full"), 3);
  EXPECT_EQ(busy.status, 429);
  ASSERT_EQ(busy.headers.size(), 1u);
  EXPECT_EQ(busy.headers[0].first, "Retry-After");
  EXPECT_EQ(busy.headers[0].second, "3");
  EXPECT_EQ(HttpResponse::Error(Status::FailedPrecondition("stale")).status, 412);
  EXPECT_EQ(HttpResponse::Error(Status::Aborted("x")).status, 409);
  EXPECT_EQ(HttpResponse::Error(Status::UnsupportedMediaType("x")).status, 415);
}

TEST(HttpRequestTest, HeaderLookupIsCaseInsensitive) {
  HttpRequest r;
  r.headers = {{"Content-Type", "application/json"}, {"idempotency-key", "k"}};
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("Idempotency-Key"), "k");
  EXPECT_EQ(r.Header("X-Missing"), "");
}

}  // namespace
}  // namespace ballast::server
