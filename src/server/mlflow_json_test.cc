// MLflow wire format (mlflow_json.h): entity JSON field names and types, error bodies and
// statuses, and request parameter checks with MLflow's messages. The last suite drives the
// MLflow routes in process (App::Dispatch) to show the wire view and the native store are one
// registry.
#include "server/mlflow_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>

#include "server/app.h"

namespace ballast::server::mlflow {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

store::ModelVersion SampleVersion() {
  store::ModelVersion v;
  v.model = "support-bot";
  v.version = 7;
  v.source = "s3://bucket/model";
  v.run_id = "run-1";
  v.stage = store::Stage::kStaging;
  v.status = store::VersionStatus::kReady;
  v.description = "seventh";
  v.tags = {{"team", "core"}, {std::string(kRunLinkTag), "https://runs/1"}};
  v.aliases = {"champion"};
  v.created_at = 1'800'000'000'123;
  v.updated_at = 1'800'000'000'456;
  v.created_by = "token:abc";
  return v;
}

TEST(MlflowJsonTest, ModelVersionHasMlflowFieldsAndTypes) {
  json j = ModelVersionJson(SampleVersion());
  EXPECT_EQ(j["name"], "support-bot");
  ASSERT_TRUE(j["version"].is_string());
  EXPECT_EQ(j["version"], "7");
  ASSERT_TRUE(j["creation_timestamp"].is_number_integer());
  EXPECT_EQ(j["creation_timestamp"].get<int64_t>(), 1'800'000'000'123);
  ASSERT_TRUE(j["last_updated_timestamp"].is_number_integer());
  EXPECT_EQ(j["last_updated_timestamp"].get<int64_t>(), 1'800'000'000'456);
  EXPECT_EQ(j["user_id"], "token:abc");
  EXPECT_EQ(j["current_stage"], "Staging");
  EXPECT_EQ(j["status"], "READY");
  EXPECT_EQ(j["status_message"], "");
  EXPECT_EQ(j["source"], "s3://bucket/model");
  EXPECT_EQ(j["run_id"], "run-1");
  EXPECT_EQ(j["description"], "seventh");
  EXPECT_EQ(j["run_link"], "https://runs/1");
  // run_link is shown as itself, not as a tag.
  EXPECT_EQ(j["tags"], json::parse(R"([{"key":"team","value":"core"}])"));
  EXPECT_EQ(j["aliases"], json::parse(R"(["champion"])"));

  store::ModelVersion bare = SampleVersion();
  bare.run_id.reset();
  bare.tags.clear();
  json b = ModelVersionJson(bare);
  EXPECT_EQ(b["run_id"], "");
  EXPECT_EQ(b["run_link"], "");
  EXPECT_TRUE(b["tags"].is_array());
  EXPECT_TRUE(b["tags"].empty());
}

TEST(MlflowJsonTest, RegisteredModelHasAliasesWithStringVersionsAndLatest) {
  store::RegisteredModel m;
  m.name = "support-bot";
  m.description = "d";
  m.tags = {{"team", "core"}};
  m.aliases = {{"champion", 7}, {"canary", 8}};
  m.created_at = 5;
  m.updated_at = 6;
  json j = RegisteredModelJson(m, {SampleVersion()});
  EXPECT_EQ(j["name"], "support-bot");
  EXPECT_EQ(j["creation_timestamp"], 5);
  EXPECT_EQ(j["last_updated_timestamp"], 6);
  EXPECT_EQ(j["description"], "d");
  EXPECT_EQ(j["tags"], json::parse(R"([{"key":"team","value":"core"}])"));
  EXPECT_EQ(j["aliases"], json::parse(R"([{"alias":"canary","version":"8"},
                                          {"alias":"champion","version":"7"}])"));
  ASSERT_EQ(j["latest_versions"].size(), 1u);
  EXPECT_EQ(j["latest_versions"][0]["version"], "7");
}

TEST(MlflowJsonTest, ErrorsUseMlflowCodesAndStatuses) {
  struct Case {
    Status status;
    const char* code;
    int http;
  } cases[] = {
      {Status::AlreadyExists("x"), "RESOURCE_ALREADY_EXISTS", 400},
      {Status::NotFound("x"), "RESOURCE_DOES_NOT_EXIST", 404},
      {Status::InvalidArgument("x"), "INVALID_PARAMETER_VALUE", 400},
      {Status::PermissionDenied("x"), "PERMISSION_DENIED", 403},
      {Status::Unauthenticated("x"), "UNAUTHENTICATED", 401},
      {Status::FailedPrecondition("x"), "INVALID_STATE", 400},
      {Status::Internal("x"), "INTERNAL_ERROR", 500},
      {Status::ResourceExhausted("x"), "RESOURCE_EXHAUSTED", 429},
  };
  for (const Case& c : cases) {
    HttpResponse r = ErrorResponse(c.status);
    EXPECT_EQ(r.status, c.http) << c.code;
    json body = json::parse(r.body);
    EXPECT_EQ(body, (json{{"error_code", c.code}, {"message", "x"}}));
  }
  HttpResponse override = ErrorResponse(Status::NotFound("no"), "ENDPOINT_NOT_FOUND");
  EXPECT_EQ(override.status, 404);
  EXPECT_EQ(json::parse(override.body)["error_code"], "ENDPOINT_NOT_FOUND");
}

HttpRequest Body(std::string body, std::string type = "application/json") {
  HttpRequest r;
  r.method = "POST";
  r.body = std::move(body);
  if (!type.empty()) r.headers.emplace_back("Content-Type", type);
  return r;
}

TEST(MlflowJsonTest, MalformedBodiesAreMalformedRequests) {
  for (const char* bad : {"{", "[1, 2]", "\"name\"", "{\"name\": }"}) {
    auto in = RequestFields::FromBody(Body(bad));
    ASSERT_FALSE(in) << bad;
    HttpResponse r = ErrorResponse(in.error());
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(json::parse(r.body)["error_code"], "MALFORMED_REQUEST") << bad;
  }
  auto wrong_type = RequestFields::FromBody(Body("{}", "text/plain"));
  ASSERT_FALSE(wrong_type);
  EXPECT_THAT(wrong_type.error().message(), HasSubstr("Content-Type"));
  EXPECT_TRUE(RequestFields::FromBody(Body("{}", "application/json; charset=utf-8")));
  // An empty body is no parameters, so the missing one is named.
  auto empty = RequestFields::FromBody(Body("", ""));
  ASSERT_TRUE(empty);
  auto name = empty->RequiredString("name");
  ASSERT_FALSE(name);
  EXPECT_THAT(name.error().message(), HasSubstr("Missing value for required parameter 'name'"));
}

TEST(MlflowJsonTest, RequiredAndTypedParameters) {
  auto in = RequestFields::FromBody(Body(R"({"name": "", "n": 5, "s": "x", "v": "3", "vi": 4,
      "zero": "0", "neg": -1, "frac": 1.5, "word": "three", "b": true, "list": ["a", 1]})"));
  ASSERT_TRUE(in);
  EXPECT_THAT(in->RequiredString("name").error().message(),
              HasSubstr("Missing value for required parameter 'name'"));
  auto n = in->RequiredString("n");
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().field(), "n");
  EXPECT_THAT(n.error().message(), HasSubstr("Invalid value 5 for parameter 'n'"));
  EXPECT_THAT(n.error().message(), HasSubstr("type 'int'"));
  EXPECT_EQ(*in->RequiredString("s"), "x");
  EXPECT_EQ(*in->RequiredVersion("v"), 3);
  EXPECT_EQ(*in->RequiredVersion("vi"), 4);
  for (const char* bad : {"zero", "neg", "frac", "word", "b"})
    EXPECT_FALSE(in->RequiredVersion(bad)) << bad;
  EXPECT_THAT(in->RequiredVersion("absent").error().message(),
              HasSubstr("Missing value for required parameter 'absent'"));
  EXPECT_EQ(**in->OptionalBool("b"), true);
  EXPECT_FALSE(in->OptionalBool("s"));
  EXPECT_FALSE(in->OptionalBool("absent")->has_value());
  EXPECT_FALSE(in->StringList("list"));
  EXPECT_FALSE(in->OptionalString("n"));
  EXPECT_FALSE(in->OptionalInt("word"));
  EXPECT_EQ(**in->OptionalInt("n"), 5);
}

TEST(MlflowJsonTest, QueryParametersAreTextParsedToTypes) {
  HttpRequest r;
  r.method = "GET";
  r.query = {
      {"max_results", "25"}, {"flag", "false"}, {"stages", "Production,Staging"}, {"bad", "25x"}};
  RequestFields in = RequestFields::FromQuery(r);
  EXPECT_EQ(**in.OptionalInt("max_results"), 25);
  EXPECT_FALSE(in.OptionalInt("bad"));
  EXPECT_EQ(**in.OptionalBool("flag"), false);
  EXPECT_EQ(*in.StringList("stages"), (std::vector<std::string>{"Production", "Staging"}));
}

TEST(MlflowJsonTest, RepeatedQueryParametersAreLists) {
  HttpRequest r;
  r.method = "GET";
  ASSERT_TRUE(ParseQuery("order_by=name+ASC&order_by=version_number+DESC&name=a&name=b"
                         "&max_results=5",
                         r.query, &r.query_all)
                  .ok());
  RequestFields in = RequestFields::FromQuery(r);
  EXPECT_EQ(*in.StringList("order_by"),
            (std::vector<std::string>{"name ASC", "version_number DESC"}));
  // A single-valued parameter given twice is refused rather than silently taking one value.
  auto name = in.OptionalString("name");
  ASSERT_FALSE(name);
  EXPECT_NE(name.error().message().find("name"), std::string::npos);
  EXPECT_EQ(**in.OptionalInt("max_results"), 5);
}

TEST(MlflowJsonTest, TagsAreKeyValueObjects) {
  auto in = RequestFields::FromBody(Body(R"({"ok": [{"key": "a", "value": "1"}, {"key": "b"}],
      "notlist": {"a": "1"}, "nokey": [{"value": "1"}], "badvalue": [{"key": "a", "value": 2}]})"));
  ASSERT_TRUE(in);
  auto ok = in->Tags("ok");
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, (std::map<std::string, std::string>{{"a", "1"}, {"b", ""}}));
  EXPECT_FALSE(in->Tags("notlist"));
  EXPECT_FALSE(in->Tags("nokey"));
  EXPECT_FALSE(in->Tags("badvalue"));
  EXPECT_TRUE(in->Tags("absent")->empty());
}

// ---- the MLflow view and the native store are one registry ----

boost::asio::awaitable<void> RunDispatch(App& app, HttpRequest& request, HttpResponse& out) {
  out = co_await app.Dispatch(request);
}

class MlflowStoreViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ballast-mlview-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto s = store::OpenSqliteStore({.data_dir = dir_, .durable = false});
    ASSERT_TRUE(s) << s.error().ToString();
    app_.store = std::move(*s);
    app_.metrics = std::make_unique<ServerMetrics>();
    app_.auth = std::make_unique<Authenticator>(false, app_.store->Tokens(), *app_.clock);
    app_.blocking_pool = std::make_unique<boost::asio::thread_pool>(2);
    AddMlflowRoutes(app_);
  }
  void TearDown() override {
    if (app_.blocking_pool) app_.blocking_pool->join();
    if (app_.store) app_.store->Close();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  HttpResponse Send(std::string method, std::string path, std::string body,
                    std::map<std::string, std::string> query = {}, std::string token = "") {
    HttpRequest request;
    if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
    request.method = std::move(method);
    request.path = std::move(path);
    request.body = std::move(body);
    request.query = std::move(query);
    HttpResponse out;
    boost::asio::io_context ioc;
    boost::asio::co_spawn(ioc, RunDispatch(app_, request, out), boost::asio::detached);
    ioc.run();
    return out;
  }

  std::string dir_;
  App app_;
};

TEST_F(MlflowStoreViewTest, VersionsCreatedOnEitherSideAreVisibleOnTheOther) {
  HttpResponse made = Send("POST", "/api/2.0/mlflow/registered-models/create",
                           R"({"name": "support-bot", "description": "via mlflow"})");
  ASSERT_EQ(made.status, 200) << made.body;
  HttpResponse v1 = Send("POST", "/api/2.0/mlflow/model-versions/create",
                         R"({"name": "support-bot", "source": "gpt-4o-2024-08-06",
                             "run_id": "run-1", "run_link": "http://runs/1"})");
  ASSERT_EQ(v1.status, 200) << v1.body;

  // Native reads see what MLflow wrote.
  store::RegistryStore& registry = app_.store->Registry();
  auto model = registry.GetModel("support-bot");
  ASSERT_TRUE(model) << model.error().ToString();
  EXPECT_EQ(model->description, "via mlflow");
  auto native = registry.GetVersion("support-bot", 1);
  ASSERT_TRUE(native) << native.error().ToString();
  EXPECT_EQ(native->source, "gpt-4o-2024-08-06");
  EXPECT_EQ(native->run_id, "run-1");
  EXPECT_EQ(native->tags.at(std::string(kRunLinkTag)), "http://runs/1");
  EXPECT_EQ(native->lifecycle, store::Lifecycle::kActive);
  EXPECT_EQ(native->created_by, "anonymous");

  // A natively created version (with provider lifecycle) shows through MLflow, which leaves the
  // lifecycle alone when it moves the MLflow stage.
  store::ModelVersion v;
  v.model = "support-bot";
  v.source = "gpt-4o-2024-11-20";
  v.lifecycle = store::Lifecycle::kDeprecated;
  store::Actor actor{.by = "native", .at = app_.clock->NowMillis()};
  ASSERT_TRUE(registry.CreateVersion(v, actor));
  HttpResponse got = Send("GET", "/api/2.0/mlflow/model-versions/get", "",
                          {{"name", "support-bot"}, {"version", "2"}});
  ASSERT_EQ(got.status, 200) << got.body;
  json j = json::parse(got.body)["model_version"];
  EXPECT_EQ(j["source"], "gpt-4o-2024-11-20");
  EXPECT_EQ(j["user_id"], "native");
  EXPECT_EQ(j["current_stage"], "None");
  HttpResponse moved = Send("POST", "/api/2.0/mlflow/model-versions/transition-stage",
                            R"({"name": "support-bot", "version": "2", "stage": "Production"})");
  ASSERT_EQ(moved.status, 200) << moved.body;
  auto after = registry.GetVersion("support-bot", 2);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->stage, store::Stage::kProduction);
  EXPECT_EQ(after->lifecycle, store::Lifecycle::kDeprecated);

  // An alias set natively resolves through MLflow's alias endpoint.
  ASSERT_TRUE(registry.SetAlias("support-bot", "champion", 2, "test", actor));
  HttpResponse alias = Send("GET", "/api/2.0/mlflow/registered-models/alias", "",
                            {{"name", "support-bot"}, {"alias", "champion"}});
  ASSERT_EQ(alias.status, 200) << alias.body;
  EXPECT_EQ(json::parse(alias.body)["model_version"]["version"], "2");
}

TEST_F(MlflowStoreViewTest, ProtectedAliasesNeedAnAdminToken) {
  app_.auth = std::make_unique<Authenticator>(true, app_.store->Tokens(), *app_.clock);
  auto op = app_.auth->CreateToken(Role::kOperator, "op", "test");
  auto admin = app_.auth->CreateToken(Role::kAdmin, "admin", "test");
  ASSERT_TRUE(op && admin);
  store::RegisteredModel m;
  m.name = "guarded";
  m.protected_aliases = {"production"};
  store::Actor actor{.by = "native", .at = app_.clock->NowMillis()};
  ASSERT_TRUE(app_.store->Registry().CreateModel(m, actor));
  store::ModelVersion v;
  v.model = "guarded";
  v.source = "s";
  ASSERT_TRUE(app_.store->Registry().CreateVersion(v, actor));
  const std::string body = R"({"name": "guarded", "alias": "production", "version": "1"})";
  const std::string path = "/api/2.0/mlflow/registered-models/alias";
  HttpResponse denied = Send("POST", path, body, {}, op->secret);
  EXPECT_EQ(denied.status, 403) << denied.body;
  EXPECT_EQ(json::parse(denied.body)["error_code"], "PERMISSION_DENIED");
  // An unprotected alias is an operator's to move.
  HttpResponse other =
      Send("POST", path, R"({"name": "guarded", "alias": "canary", "version": 1})", {}, op->secret);
  EXPECT_EQ(other.status, 200) << other.body;
  HttpResponse allowed = Send("POST", path, body, {}, admin->secret);
  EXPECT_EQ(allowed.status, 200) << allowed.body;
  HttpResponse removed =
      Send("DELETE", path, R"({"name": "guarded", "alias": "production"})", {}, op->secret);
  EXPECT_EQ(removed.status, 403) << removed.body;
  HttpResponse anonymous = Send("GET", path, "", {{"name", "guarded"}, {"alias", "production"}});
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(json::parse(anonymous.body)["error_code"], "UNAUTHENTICATED");
}

}  // namespace
}  // namespace ballast::server::mlflow
