// Auth: bootstrap admin token, roles on routes, token lifecycle.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <fstream>

#include "harness.h"

namespace ballast::testing {
namespace {

using nlohmann::json;

std::string ReadToken(const ServerProcess& s) {
  std::ifstream in(s.data_dir() / "admin.token");
  std::string token;
  in >> token;
  return token;
}

httplib::Headers Bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

std::string CreateToken(const ServerProcess& s, const std::string& admin, const std::string& role) {
  auto res = s.Client()->Post("/v1/tokens", Bearer(admin),
                              json{{"role", role}, {"name", role + " test"}}.dump(),
                              "application/json");
  if (!res || res->status != 201) return "";
  return json::parse(res->body)["token"].get<std::string>();
}

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerProcess::Options options;
    options.config_yaml = "auth:\n  mode: on\n";
    server_ = std::make_unique<ServerProcess>(options);
    ASSERT_TRUE(server_->Start()) << server_->last_log();
    admin_ = ReadToken(*server_);
  }
  std::unique_ptr<ServerProcess> server_;
  std::string admin_;
};

TEST_F(AuthTest, BootstrapTokenIsPrivateAndNeverLogged) {
  ASSERT_EQ(admin_.rfind("blt_", 0), 0u);
  struct stat st {};
  ASSERT_EQ(::stat((server_->data_dir() / "admin.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_EQ(server_->last_log().find(admin_), std::string::npos);
  // A restart does not mint a second bootstrap token.
  server_->Stop();
  ASSERT_TRUE(server_->Start());
  EXPECT_EQ(ReadToken(*server_), admin_);
}

TEST_F(AuthTest, MissingOrWrongTokenIs401) {
  auto cli = server_->Client();
  auto none = cli->Get("/v1/services");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(json::parse(none->body)["error"]["code"], "UNAUTHENTICATED");
  EXPECT_NE(none->get_header_value("WWW-Authenticate"), "");
  auto wrong = cli->Get("/v1/services", Bearer("blt_nope"));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  // Health and readiness stay open.
  auto h = cli->Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
}

TEST_F(AuthTest, RolesGateRoutes) {
  std::string viewer = CreateToken(*server_, admin_, "viewer");
  std::string ingest = CreateToken(*server_, admin_, "ingest");
  std::string op = CreateToken(*server_, admin_, "operator");
  ASSERT_FALSE(viewer.empty());
  ASSERT_FALSE(ingest.empty());
  ASSERT_FALSE(op.empty());
  auto cli = server_->Client();
  std::string event = "{\"time\":\"" + TimeAgo(5) + "\",\"service\":\"auth-svc\"}\n";

  auto v_read = cli->Get("/v1/services", Bearer(viewer));
  ASSERT_TRUE(v_read);
  EXPECT_EQ(v_read->status, 200);
  auto v_ingest = cli->Post("/v1/events", Bearer(viewer), event, "application/x-ndjson");
  ASSERT_TRUE(v_ingest);
  EXPECT_EQ(v_ingest->status, 403);
  EXPECT_EQ(json::parse(v_ingest->body)["error"]["code"], "PERMISSION_DENIED");

  auto i_ingest = cli->Post("/v1/events", Bearer(ingest), event, "application/x-ndjson");
  ASSERT_TRUE(i_ingest);
  EXPECT_EQ(i_ingest->status, 200) << i_ingest->body;
  auto i_read = cli->Get("/v1/services", Bearer(ingest));
  ASSERT_TRUE(i_read);
  EXPECT_EQ(i_read->status, 403);

  auto o_ingest = cli->Post("/v1/events", Bearer(op), event, "application/x-ndjson");
  ASSERT_TRUE(o_ingest);
  EXPECT_EQ(o_ingest->status, 200);
  auto o_tokens = cli->Post("/v1/tokens", Bearer(op), R"({"role":"admin"})", "application/json");
  ASSERT_TRUE(o_tokens);
  EXPECT_EQ(o_tokens->status, 403);

  // /metrics needs a viewer unless auth.metrics_public.
  auto m = cli->Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 401);
  auto mv = cli->Get("/metrics", Bearer(viewer));
  ASSERT_TRUE(mv);
  EXPECT_EQ(mv->status, 200);
}

TEST_F(AuthTest, TokenLifecycle) {
  auto cli = server_->Client();
  auto created = cli->Post("/v1/tokens", Bearer(admin_), R"({"role":"viewer","name":"grafana"})",
                           "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201);
  json tok = json::parse(created->body);
  std::string secret = tok["token"];
  std::string id = tok["id"];

  auto list = cli->Get("/v1/tokens", Bearer(admin_));
  ASSERT_TRUE(list);
  json items = json::parse(list->body)["items"];
  bool found = false;
  for (const auto& t : items) {
    EXPECT_FALSE(t.contains("token")) << "secrets are never listed";
    EXPECT_FALSE(t.contains("secret_hash"));
    if (t["id"] == id) found = t["name"] == "grafana" && t["role"] == "viewer";
  }
  EXPECT_TRUE(found);

  ASSERT_EQ(cli->Get("/v1/services", Bearer(secret))->status, 200);
  auto del = cli->Delete("/v1/tokens/" + id, Bearer(admin_));
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 204);
  EXPECT_EQ(cli->Get("/v1/services", Bearer(secret))->status, 401);
  EXPECT_EQ(cli->Delete("/v1/tokens/" + id, Bearer(admin_))->status, 404);
}

TEST_F(AuthTest, BadTokenRequestsNameTheField) {
  auto cli = server_->Client();
  auto bad_role = cli->Post("/v1/tokens", Bearer(admin_), R"({"role":"root"})", "application/json");
  ASSERT_TRUE(bad_role);
  EXPECT_EQ(bad_role->status, 400);
  EXPECT_EQ(json::parse(bad_role->body)["error"]["field"], "role");
  auto unknown = cli->Post("/v1/tokens", Bearer(admin_), R"({"role":"viewer","rol":"x"})",
                           "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
  EXPECT_EQ(json::parse(unknown->body)["error"]["field"], "rol");
  auto unnamed = cli->Post("/v1/tokens", Bearer(admin_), R"({"role":"ingest"})", "application/json");
  ASSERT_TRUE(unnamed);
  EXPECT_EQ(unnamed->status, 201) << unnamed->body;
  EXPECT_EQ(json::parse(unnamed->body)["name"], "ingest token");
  auto not_json = cli->Post("/v1/tokens", Bearer(admin_), "{", "application/json");
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 400);
}

TEST(AuthModeTest, LoopbackDefaultsToAuthOff) {
  ServerProcess server;
  ASSERT_TRUE(server.Start()) << server.last_log();
  auto res = server.Client()->Get("/v1/services");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_FALSE(std::filesystem::exists(server.data_dir() / "admin.token"));
}

}  // namespace
}  // namespace ballast::testing

namespace ballast::testing {
namespace {

TEST_F(AuthTest, DefinitionRoutesNeedAnOperatorAndRecordWhoApplied) {
  std::string viewer = CreateToken(*server_, admin_, "viewer");
  std::string ingest = CreateToken(*server_, admin_, "ingest");
  std::string op = CreateToken(*server_, admin_, "operator");
  const std::string slo =
      "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: s}\nspec:\n  service: chat\n"
      "  indicator:\n    metadata: {name: ok}\n    spec:\n      ratioMetric:\n"
      "        good: {metricSource: {type: ballast, spec: {where: \"outcome = 'ok'\"}}}\n"
      "        total: {metricSource: {type: ballast, spec: {}}}\n"
      "  timeWindow: [{duration: 30d, isRolling: true}]\n  budgetingMethod: Occurrences\n"
      "  objectives: [{target: 0.99}]\n";
  auto cli = server_->Client();
  for (const std::string& token : {viewer, ingest}) {
    auto res = cli->Post("/v1/apply", Bearer(token), slo, "application/yaml");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403) << res->body;
  }
  auto applied = cli->Post("/v1/apply", Bearer(op), slo, "application/yaml");
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->status, 200) << applied->body;
  auto got = cli->Get("/v1/objects/SLO/s", Bearer(viewer));
  ASSERT_TRUE(got);
  ASSERT_EQ(got->status, 200);
  EXPECT_EQ(json::parse(got->body)["applied_by"].get<std::string>().rfind("token:tok_", 0), 0u)
      << got->body;
  auto status = cli->Get("/v1/slos/s/status", Bearer(ingest));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 403);
  auto del = cli->Delete("/v1/objects/SLO/s", Bearer(viewer));
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 403);
  EXPECT_EQ(cli->Get("/v1/alerts", Bearer(viewer))->status, 200);
}

}  // namespace
}  // namespace ballast::testing
