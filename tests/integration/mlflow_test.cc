// The MLflow-compatible model registry (/api/2.0/mlflow/, docs/mlflow.md) through the real
// server, driven the way MLflow's own REST client (mlflow/utils/rest_utils.py) drives it: GET
// parameters in a form-encoded query string (space as '+', repeated keys for lists), every other
// method with a JSON body (DELETE included) and `Content-Type: application/json`, a
// `User-Agent: mlflow-python-client/...` header and, with auth on, `Authorization: Bearer`.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "harness.h"

namespace ballast::testing {
namespace {

using nlohmann::json;

// application/x-www-form-urlencoded as Python's urlencode (quote_plus) writes it.
std::string FormEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

struct Reply {
  int status = 0;
  json body;
  std::string raw;
  std::string content_type;
  httplib::Headers headers;
};

// What MLflow's REST client sends for one endpoint call.
class MlflowRest {
 public:
  explicit MlflowRest(const ServerProcess& server, std::string token = "")
      : client_(server.Client()), token_(std::move(token)) {
    // The query string is already encoded as a Python client encodes it; httplib would
    // otherwise re-encode '+' and quotes.
    client_->set_url_encode(false);
  }

  Reply Call(const std::string& method, const std::string& endpoint, const json& params) {
    httplib::Request req;
    req.method = method;
    req.path = "/api/2.0/mlflow/" + endpoint;
    req.headers = {{"User-Agent", "mlflow-python-client/2.16.2"}, {"Accept", "*/*"}};
    if (!token_.empty()) req.headers.emplace("Authorization", "Bearer " + token_);
    if (method == "GET") {
      std::string query;
      for (const auto& [k, v] : params.items()) {
        auto add = [&](const json& item) {
          std::string text = item.is_string()    ? item.get<std::string>()
                             : item.is_boolean() ? (item.get<bool>() ? "True" : "False")
                                                 : item.dump();
          query += (query.empty() ? "?" : "&") + FormEncode(k) + "=" + FormEncode(text);
        };
        if (v.is_array()) {
          for (const json& item : v) add(item);
        } else {
          add(v);
        }
      }
      req.path += query;
    } else {
      req.body = params.dump();
      req.headers.emplace("Content-Type", "application/json");
    }
    return Send(req);
  }

  Reply Raw(const std::string& method, const std::string& path, const std::string& body,
            const std::string& content_type = "application/json") {
    httplib::Request req;
    req.method = method;
    req.path = path;
    req.body = body;
    if (!content_type.empty()) req.headers.emplace("Content-Type", content_type);
    if (!token_.empty()) req.headers.emplace("Authorization", "Bearer " + token_);
    return Send(req);
  }

 private:
  Reply Send(const httplib::Request& req) {
    Reply r;
    auto res = client_->send(req);
    if (!res) {
      ADD_FAILURE() << "no answer to " << req.method << " " << req.path;
      return r;
    }
    r.status = res->status;
    r.raw = res->body;
    r.content_type = res->get_header_value("Content-Type");
    r.headers = res->headers;
    r.body = json::parse(res->body, nullptr, false);
    return r;
  }

  std::unique_ptr<httplib::Client> client_;
  std::string token_;
};

#define EXPECT_MLFLOW_ERROR(reply, http, code)                                            \
  do {                                                                                    \
    const Reply& _r = (reply);                                                            \
    EXPECT_EQ(_r.status, http) << _r.raw;                                                 \
    ASSERT_TRUE(_r.body.is_object()) << _r.raw;                                           \
    EXPECT_EQ(_r.body.value("error_code", ""), code) << _r.raw;                           \
    EXPECT_TRUE(_r.body.contains("message") && _r.body["message"].is_string()) << _r.raw; \
  } while (0)

class MlflowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>();
    ASSERT_TRUE(server_->Start()) << server_->last_log();
    rest_ = std::make_unique<MlflowRest>(*server_);
  }
  Reply Call(const std::string& method, const std::string& endpoint, const json& params) {
    return rest_->Call(method, endpoint, params);
  }
  // Creates a model and returns its registered_model.
  json NewModel(const std::string& name, const json& tags = json::array()) {
    Reply r = Call("POST", "registered-models/create", {{"name", name}, {"tags", tags}});
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body["registered_model"];
  }
  json NewVersion(const std::string& name, const std::string& source,
                  const std::string& run_id = "", const json& tags = json::array()) {
    json body = {{"name", name}, {"source", source}, {"tags", tags}};
    if (!run_id.empty()) body["run_id"] = run_id;
    Reply r = Call("POST", "model-versions/create", body);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body["model_version"];
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<MlflowRest> rest_;
};

TEST_F(MlflowTest, RegisteredModelCreateGetUpdateRenameDelete) {
  json m = NewModel("support-bot", json::array({{{"key", "team"}, {"value", "core"}}}));
  EXPECT_EQ(m["name"], "support-bot");
  EXPECT_EQ(m["tags"], json::parse(R"([{"key":"team","value":"core"}])"));

  EXPECT_MLFLOW_ERROR(Call("POST", "registered-models/create", {{"name", "support-bot"}}), 400,
                      "RESOURCE_ALREADY_EXISTS");
  EXPECT_MLFLOW_ERROR(Call("GET", "registered-models/get", {{"name", "nope"}}), 404,
                      "RESOURCE_DOES_NOT_EXIST");

  Reply upd = Call("PATCH", "registered-models/update",
                   {{"name", "support-bot"}, {"description", "answers tickets"}});
  ASSERT_EQ(upd.status, 200) << upd.raw;
  EXPECT_EQ(upd.body["registered_model"]["description"], "answers tickets");
  EXPECT_GE(upd.body["registered_model"]["last_updated_timestamp"].get<int64_t>(),
            m["creation_timestamp"].get<int64_t>());

  NewVersion("support-bot", "s3://b/1");
  Reply ren = Call("POST", "registered-models/rename",
                   {{"name", "support-bot"}, {"new_name", "helpdesk-bot"}});
  ASSERT_EQ(ren.status, 200) << ren.raw;
  EXPECT_EQ(ren.body["registered_model"]["name"], "helpdesk-bot");
  EXPECT_MLFLOW_ERROR(Call("GET", "registered-models/get", {{"name", "support-bot"}}), 404,
                      "RESOURCE_DOES_NOT_EXIST");
  // Versions follow the rename.
  Reply v1 = Call("GET", "model-versions/get", {{"name", "helpdesk-bot"}, {"version", "1"}});
  ASSERT_EQ(v1.status, 200) << v1.raw;
  EXPECT_EQ(v1.body["model_version"]["name"], "helpdesk-bot");
  NewModel("other");
  EXPECT_MLFLOW_ERROR(
      Call("POST", "registered-models/rename", {{"name", "other"}, {"new_name", "helpdesk-bot"}}),
      400, "RESOURCE_ALREADY_EXISTS");

  Reply del = Call("DELETE", "registered-models/delete", {{"name", "helpdesk-bot"}});
  ASSERT_EQ(del.status, 200) << del.raw;
  EXPECT_EQ(del.body, json::object());
  EXPECT_MLFLOW_ERROR(Call("GET", "registered-models/get", {{"name", "helpdesk-bot"}}), 404,
                      "RESOURCE_DOES_NOT_EXIST");
  EXPECT_MLFLOW_ERROR(Call("DELETE", "registered-models/delete", {{"name", "helpdesk-bot"}}), 404,
                      "RESOURCE_DOES_NOT_EXIST");
  // The name is free again; the new model starts its numbering over.
  NewModel("helpdesk-bot");
  EXPECT_EQ(NewVersion("helpdesk-bot", "s3://b/new")["version"], "1");
}

TEST_F(MlflowTest, ModelTagsSetAndDelete) {
  NewModel("m");
  ASSERT_EQ(
      Call("POST", "registered-models/set-tag", {{"name", "m"}, {"key", "team"}, {"value", "x"}})
          .status,
      200);
  ASSERT_EQ(
      Call("POST", "registered-models/set-tag", {{"name", "m"}, {"key", "team"}, {"value", "y"}})
          .status,
      200);
  Reply got = Call("GET", "registered-models/get", {{"name", "m"}});
  EXPECT_EQ(got.body["registered_model"]["tags"], json::parse(R"([{"key":"team","value":"y"}])"));
  Reply del = Call("DELETE", "registered-models/delete-tag", {{"name", "m"}, {"key", "team"}});
  EXPECT_EQ(del.status, 200) << del.raw;
  got = Call("GET", "registered-models/get", {{"name", "m"}});
  EXPECT_EQ(got.body["registered_model"]["tags"], json::array());
  // Deleting an absent tag is a no-op, as in MLflow; a missing model is not.
  EXPECT_EQ(Call("DELETE", "registered-models/delete-tag", {{"name", "m"}, {"key", "team"}}).status,
            200);
  EXPECT_MLFLOW_ERROR(
      Call("POST", "registered-models/set-tag", {{"name", "zz"}, {"key", "k"}, {"value", "v"}}),
      404, "RESOURCE_DOES_NOT_EXIST");
  EXPECT_MLFLOW_ERROR(Call("POST", "registered-models/set-tag", {{"name", "m"}, {"key", "k"}}), 400,
                      "INVALID_PARAMETER_VALUE");
}

TEST_F(MlflowTest, VersionNumbersAreNeverReusedAfterDeletes) {
  NewModel("m");
  for (int i = 1; i <= 3; ++i)
    EXPECT_EQ(NewVersion("m", "s3://b/" + std::to_string(i))["version"], std::to_string(i));
  ASSERT_EQ(Call("DELETE", "model-versions/delete", {{"name", "m"}, {"version", "3"}}).status, 200);
  EXPECT_MLFLOW_ERROR(Call("GET", "model-versions/get", {{"name", "m"}, {"version", "3"}}), 404,
                      "RESOURCE_DOES_NOT_EXIST");
  EXPECT_EQ(NewVersion("m", "s3://b/4")["version"], "4");
  ASSERT_EQ(Call("DELETE", "model-versions/delete", {{"name", "m"}, {"version", "4"}}).status, 200);
  ASSERT_EQ(Call("DELETE", "model-versions/delete", {{"name", "m"}, {"version", "2"}}).status, 200);
  EXPECT_EQ(NewVersion("m", "s3://b/5")["version"], "5");
  EXPECT_MLFLOW_ERROR(Call("DELETE", "model-versions/delete", {{"name", "m"}, {"version", "2"}}),
                      404, "RESOURCE_DOES_NOT_EXIST");
  // Versions of a model that does not exist.
  EXPECT_MLFLOW_ERROR(Call("POST", "model-versions/create", {{"name", "ghost"}, {"source", "x"}}),
                      404, "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(MlflowTest, ModelVersionGetUpdateTagsAndDownloadUri) {
  NewModel("m");
  Reply c = Call("POST", "model-versions/create",
                 {{"name", "m"},
                  {"source", "s3://bucket/model/1"},
                  {"run_id", "run-abc"},
                  {"run_link", "http://mlflow/runs/abc"},
                  {"description", "first"},
                  {"tags", json::array({{{"key", "k"}, {"value", "v"}}})}});
  ASSERT_EQ(c.status, 200) << c.raw;
  const json& v = c.body["model_version"];
  EXPECT_EQ(v["run_id"], "run-abc");
  EXPECT_EQ(v["run_link"], "http://mlflow/runs/abc");
  EXPECT_EQ(v["description"], "first");
  EXPECT_EQ(v["tags"], json::parse(R"([{"key":"k","value":"v"}])"));

  Reply u = Call("PATCH", "model-versions/update",
                 {{"name", "m"}, {"version", "1"}, {"description", "renamed"}});
  ASSERT_EQ(u.status, 200) << u.raw;
  EXPECT_EQ(u.body["model_version"]["description"], "renamed");
  EXPECT_EQ(u.body["model_version"]["tags"], v["tags"]);  // an update keeps the tags

  ASSERT_EQ(Call("POST", "model-versions/set-tag",
                 {{"name", "m"}, {"version", "1"}, {"key", "eval"}, {"value", "passed"}})
                .status,
            200);
  ASSERT_EQ(
      Call("DELETE", "model-versions/delete-tag", {{"name", "m"}, {"version", "1"}, {"key", "k"}})
          .status,
      200);
  Reply g = Call("GET", "model-versions/get", {{"name", "m"}, {"version", "1"}});
  EXPECT_EQ(g.body["model_version"]["tags"], json::parse(R"([{"key":"eval","value":"passed"}])"));
  EXPECT_MLFLOW_ERROR(Call("POST", "model-versions/set-tag",
                           {{"name", "m"}, {"version", "9"}, {"key", "a"}, {"value", "b"}}),
                      404, "RESOURCE_DOES_NOT_EXIST");

  Reply uri = Call("GET", "model-versions/get-download-uri", {{"name", "m"}, {"version", "1"}});
  ASSERT_EQ(uri.status, 200) << uri.raw;
  EXPECT_EQ(uri.body, (json{{"artifact_uri", "s3://bucket/model/1"}}));
  EXPECT_MLFLOW_ERROR(
      Call("GET", "model-versions/get-download-uri", {{"name", "m"}, {"version", "2"}}), 404,
      "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(MlflowTest, TransitionStageArchivesExistingAndLatestVersionsFollow) {
  NewModel("m");
  for (int i = 0; i < 4; ++i) NewVersion("m", "s3://b/" + std::to_string(i));
  auto transition = [&](const std::string& version, const std::string& stage, bool archive) {
    return Call("POST", "model-versions/transition-stage",
                {{"name", "m"},
                 {"version", version},
                 {"stage", stage},
                 {"archive_existing_versions", archive}});
  };
  Reply t1 = transition("1", "Production", false);
  ASSERT_EQ(t1.status, 200) << t1.raw;
  EXPECT_EQ(t1.body["model_version"]["current_stage"], "Production");
  ASSERT_EQ(transition("2", "staging", false).status, 200);  // stage names are case-insensitive
  Reply t3 = transition("3", "Production", true);
  ASSERT_EQ(t3.status, 200) << t3.raw;
  EXPECT_EQ(Call("GET", "model-versions/get", {{"name", "m"}, {"version", "1"}})
                .body["model_version"]["current_stage"],
            "Archived");
  EXPECT_EQ(Call("GET", "model-versions/get", {{"name", "m"}, {"version", "2"}})
                .body["model_version"]["current_stage"],
            "Staging");

  Reply prod = Call("POST", "registered-models/get-latest-versions",
                    {{"name", "m"}, {"stages", {"Production"}}});
  ASSERT_EQ(prod.status, 200) << prod.raw;
  ASSERT_EQ(prod.body["model_versions"].size(), 1u);
  EXPECT_EQ(prod.body["model_versions"][0]["version"], "3");

  Reply all = Call("POST", "registered-models/get-latest-versions", {{"name", "m"}});
  ASSERT_EQ(all.status, 200) << all.raw;
  std::map<std::string, std::string> by_stage;
  for (const json& v : all.body["model_versions"])
    by_stage[v["current_stage"].get<std::string>()] = v["version"].get<std::string>();
  EXPECT_EQ(by_stage,
            (std::map<std::string, std::string>{
                {"None", "4"}, {"Staging", "2"}, {"Production", "3"}, {"Archived", "1"}}));
  // The GET form with the stages in the query string.
  Reply get_form = Call("GET", "registered-models/get-latest-versions",
                        {{"name", "m"}, {"stages", {"Staging"}}});
  ASSERT_EQ(get_form.status, 200) << get_form.raw;
  ASSERT_EQ(get_form.body["model_versions"].size(), 1u);
  EXPECT_EQ(get_form.body["model_versions"][0]["version"], "2");
  // The model's own latest_versions agree.
  Reply model = Call("GET", "registered-models/get", {{"name", "m"}});
  EXPECT_EQ(model.body["registered_model"]["latest_versions"].size(), 4u);

  Reply bad = transition("1", "Shipping", false);
  EXPECT_MLFLOW_ERROR(bad, 400, "INVALID_PARAMETER_VALUE");
  EXPECT_NE(bad.body["message"].get<std::string>().find("Shipping"), std::string::npos);
  EXPECT_MLFLOW_ERROR(
      Call("POST", "registered-models/get-latest-versions", {{"name", "m"}, {"stages", {"Nope"}}}),
      400, "INVALID_PARAMETER_VALUE");
  EXPECT_MLFLOW_ERROR(transition("9", "Production", false), 404, "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(MlflowTest, AliasesSetGetMoveAndDelete) {
  NewModel("m");
  NewVersion("m", "s3://b/1");
  NewVersion("m", "s3://b/2");
  Reply set = Call("POST", "registered-models/alias",
                   {{"name", "m"}, {"alias", "champion"}, {"version", "1"}});
  ASSERT_EQ(set.status, 200) << set.raw;
  EXPECT_EQ(set.body, json::object());
  Reply got = Call("GET", "registered-models/alias", {{"name", "m"}, {"alias", "champion"}});
  ASSERT_EQ(got.status, 200) << got.raw;
  EXPECT_EQ(got.body["model_version"]["version"], "1");
  EXPECT_EQ(got.body["model_version"]["aliases"], json::parse(R"(["champion"])"));

  ASSERT_EQ(Call("POST", "registered-models/alias",
                 {{"name", "m"}, {"alias", "champion"}, {"version", "2"}})
                .status,
            200);
  Reply model = Call("GET", "registered-models/get", {{"name", "m"}});
  EXPECT_EQ(model.body["registered_model"]["aliases"],
            json::parse(R"([{"alias":"champion","version":"2"}])"));
  EXPECT_EQ(Call("GET", "model-versions/get", {{"name", "m"}, {"version", "1"}})
                .body["model_version"]["aliases"],
            json::array());

  Reply del = Call("DELETE", "registered-models/alias", {{"name", "m"}, {"alias", "champion"}});
  ASSERT_EQ(del.status, 200) << del.raw;
  EXPECT_MLFLOW_ERROR(
      Call("GET", "registered-models/alias", {{"name", "m"}, {"alias", "champion"}}), 404,
      "RESOURCE_DOES_NOT_EXIST");

  // Deleting the version an alias points at removes the alias.
  ASSERT_EQ(Call("POST", "registered-models/alias",
                 {{"name", "m"}, {"alias", "canary"}, {"version", "2"}})
                .status,
            200);
  ASSERT_EQ(Call("DELETE", "model-versions/delete", {{"name", "m"}, {"version", "2"}}).status, 200);
  EXPECT_MLFLOW_ERROR(Call("GET", "registered-models/alias", {{"name", "m"}, {"alias", "canary"}}),
                      404, "RESOURCE_DOES_NOT_EXIST");

  EXPECT_MLFLOW_ERROR(Call("POST", "registered-models/alias",
                           {{"name", "m"}, {"alias", "latest"}, {"version", "1"}}),
                      400, "INVALID_PARAMETER_VALUE");
  EXPECT_MLFLOW_ERROR(
      Call("POST", "registered-models/alias", {{"name", "m"}, {"alias", "x"}, {"version", "7"}}),
      404, "RESOURCE_DOES_NOT_EXIST");
  EXPECT_MLFLOW_ERROR(
      Call("POST", "registered-models/alias", {{"name", "zz"}, {"alias", "x"}, {"version", "1"}}),
      404, "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(MlflowTest, SearchRegisteredModelsFiltersOrdersAndPages) {
  for (const char* name : {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "Golf"}) {
    std::string team = std::string(name) < "d" ? "core" : "edge";
    NewModel(name, json::array({{{"key", "team"}, {"value", team}}}));
  }
  auto names = [](const Reply& r) {
    std::vector<std::string> out;
    for (const json& m : r.body["registered_models"]) out.push_back(m["name"]);
    return out;
  };
  Reply core = Call("GET", "registered-models/search", {{"filter", "tags.team = 'core'"}});
  ASSERT_EQ(core.status, 200) << core.raw;
  EXPECT_EQ(names(core), (std::vector<std::string>{"Golf", "alpha", "bravo", "charlie"}));
  EXPECT_FALSE(core.body.contains("next_page_token"));

  Reply like =
      Call("GET", "registered-models/search", {{"filter", "name ILIKE 'g%' OR name = 'x'"}});
  EXPECT_MLFLOW_ERROR(like, 400, "INVALID_PARAMETER_VALUE");
  Reply ilike = Call("GET", "registered-models/search", {{"filter", "name ILIKE 'g%'"}});
  EXPECT_EQ(names(ilike), (std::vector<std::string>{"Golf"}));
  Reply desc =
      Call("GET", "registered-models/search",
           {{"filter", "name LIKE '%o%' AND tags.team = 'edge'"}, {"order_by", {"name DESC"}}});
  EXPECT_EQ(names(desc), (std::vector<std::string>{"foxtrot", "echo"}));

  // Paging: every model exactly once, in order.
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    json params = {{"max_results", 3}, {"order_by", {"name ASC"}}};
    if (!token.empty()) params["page_token"] = token;
    Reply page = Call("GET", "registered-models/search", params);
    ASSERT_EQ(page.status, 200) << page.raw;
    for (const std::string& n : names(page)) seen.push_back(n);
    token = page.body.value("next_page_token", "");
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"Golf", "alpha", "bravo", "charlie", "delta", "echo",
                                            "foxtrot"}));

  Reply first = Call("GET", "registered-models/search", {{"max_results", 2}});
  std::string t = first.body.value("next_page_token", "");
  ASSERT_FALSE(t.empty());
  std::string tampered = t;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_MLFLOW_ERROR(
      Call("GET", "registered-models/search", {{"max_results", 2}, {"page_token", tampered}}), 400,
      "INVALID_PARAMETER_VALUE");
  EXPECT_MLFLOW_ERROR(Call("GET", "registered-models/search",
                           {{"max_results", 2}, {"page_token", t}, {"filter", "name = 'alpha'"}}),
                      400, "INVALID_PARAMETER_VALUE");
  EXPECT_MLFLOW_ERROR(Call("GET", "registered-models/search", {{"max_results", 0}}), 400,
                      "INVALID_PARAMETER_VALUE");
  EXPECT_MLFLOW_ERROR(Call("GET", "registered-models/search", {{"max_results", 5000}}), 400,
                      "INVALID_PARAMETER_VALUE");
  Reply badkey = Call("GET", "registered-models/search", {{"filter", "owner = 'me'"}});
  EXPECT_MLFLOW_ERROR(badkey, 400, "INVALID_PARAMETER_VALUE");
  EXPECT_NE(badkey.body["message"].get<std::string>().find("owner"), std::string::npos);
  EXPECT_MLFLOW_ERROR(Call("GET", "registered-models/search", {{"order_by", {"owner ASC"}}}), 400,
                      "INVALID_PARAMETER_VALUE");
  // Ordered by the last update, newest first.
  ASSERT_EQ(Call("PATCH", "registered-models/update", {{"name", "charlie"}, {"description", "new"}})
                .status,
            200);
  Reply recent = Call("GET", "registered-models/search",
                      {{"order_by", {"last_updated_timestamp DESC"}}, {"max_results", 1}});
  EXPECT_EQ(names(recent), (std::vector<std::string>{"charlie"}));
}

TEST_F(MlflowTest, SearchModelVersionsFiltersOrdersAndPages) {
  NewModel("a");
  NewModel("b");
  NewVersion("a", "s3://bucket/a1", "run-1");
  NewVersion("a", "s3://bucket/a2", "run-2", json::array({{{"key", "eval"}, {"value", "ok"}}}));
  NewVersion("a", "gpt-4o-2024-08-06");
  NewVersion("b", "s3://bucket/b1", "run-1");
  auto ids = [](const Reply& r) {
    std::vector<std::string> out;
    for (const json& v : r.body["model_versions"])
      out.push_back(v["name"].get<std::string>() + "/" + v["version"].get<std::string>());
    return out;
  };
  auto search = [&](const json& params) {
    Reply r = Call("GET", "model-versions/search", params);
    EXPECT_EQ(r.status, 200) << r.raw;
    return ids(r);
  };
  // Default order: name ASC, version DESC.
  EXPECT_EQ(search({{"filter", "name = 'a'"}}), (std::vector<std::string>{"a/3", "a/2", "a/1"}));
  EXPECT_EQ(search({{"filter", "run_id = 'run-1'"}}), (std::vector<std::string>{"a/1", "b/1"}));
  EXPECT_EQ(search({{"filter", "run_id IN ('run-2','run-9')"}}), (std::vector<std::string>{"a/2"}));
  EXPECT_EQ(
      search({{"filter", "name='a' AND version_number > 1"}, {"order_by", {"version_number ASC"}}}),
      (std::vector<std::string>{"a/2", "a/3"}));
  EXPECT_EQ(search({{"filter", "source_path LIKE 's3://bucket/%'"}}),
            (std::vector<std::string>{"a/2", "a/1", "b/1"}));
  // Two clauses as MLflow's client sends a list: the parameter repeated.
  EXPECT_EQ(search({{"filter", "source_path LIKE 's3://bucket/%'"},
                    {"order_by", {"name DESC", "version_number ASC"}}}),
            (std::vector<std::string>{"b/1", "a/1", "a/2"}));
  EXPECT_EQ(search({{"filter", "tags.eval = 'ok'"}}), (std::vector<std::string>{"a/2"}));

  Reply p1 = Call("GET", "model-versions/search", {{"max_results", 3}});
  ASSERT_EQ(p1.status, 200);
  EXPECT_EQ(ids(p1), (std::vector<std::string>{"a/3", "a/2", "a/1"}));
  std::string token = p1.body.value("next_page_token", "");
  ASSERT_FALSE(token.empty());
  Reply p2 = Call("GET", "model-versions/search", {{"max_results", 3}, {"page_token", token}});
  EXPECT_EQ(ids(p2), (std::vector<std::string>{"b/1"}));
  EXPECT_FALSE(p2.body.contains("next_page_token"));

  EXPECT_MLFLOW_ERROR(Call("GET", "model-versions/search", {{"filter", "name IN ('a')"}}), 400,
                      "INVALID_PARAMETER_VALUE");
  EXPECT_MLFLOW_ERROR(Call("GET", "model-versions/search", {{"filter", "name = 'a' AND"}}), 400,
                      "INVALID_PARAMETER_VALUE");
  EXPECT_MLFLOW_ERROR(Call("GET", "model-versions/search", {{"filter", "tags.eval = 1"}}), 400,
                      "INVALID_PARAMETER_VALUE");
  // A deleted version is not found by search.
  ASSERT_EQ(Call("DELETE", "model-versions/delete", {{"name", "a"}, {"version", "2"}}).status, 200);
  EXPECT_EQ(search({{"filter", "tags.eval = 'ok'"}}), std::vector<std::string>{});
}

TEST_F(MlflowTest, BadInputIsAnsweredInMlflowsErrorShape) {
  Reply malformed = rest_->Raw("POST", "/api/2.0/mlflow/registered-models/create", "{\"name\": ");
  EXPECT_MLFLOW_ERROR(malformed, 400, "MALFORMED_REQUEST");
  Reply missing = Call("POST", "registered-models/create", json::object());
  EXPECT_MLFLOW_ERROR(missing, 400, "INVALID_PARAMETER_VALUE");
  EXPECT_NE(missing.body["message"].get<std::string>().find(
                "Missing value for required parameter 'name'"),
            std::string::npos)
      << missing.raw;
  Reply wrong_type = Call("POST", "registered-models/create", {{"name", 42}});
  EXPECT_MLFLOW_ERROR(wrong_type, 400, "INVALID_PARAMETER_VALUE");
  EXPECT_NE(wrong_type.body["message"].get<std::string>().find("'name'"), std::string::npos);
  EXPECT_MLFLOW_ERROR(
      Call("POST", "registered-models/create", {{"name", "m"}, {"tags", {{"key", "k"}}}}), 400,
      "INVALID_PARAMETER_VALUE");
  NewModel("m");
  EXPECT_MLFLOW_ERROR(Call("GET", "model-versions/get", {{"name", "m"}, {"version", "one"}}), 400,
                      "INVALID_PARAMETER_VALUE");
  EXPECT_MLFLOW_ERROR(Call("POST", "model-versions/create", {{"name", "m"}}), 400,
                      "INVALID_PARAMETER_VALUE");
  EXPECT_MLFLOW_ERROR(Call("POST", "model-versions/transition-stage",
                           {{"name", "m"},
                            {"version", "1"},
                            {"stage", "Production"},
                            {"archive_existing_versions", "yes"}}),
                      400, "INVALID_PARAMETER_VALUE");
  EXPECT_MLFLOW_ERROR(rest_->Raw("POST", "/api/2.0/mlflow/registered-models/create",
                                 "{\"name\": \"x\"}", "text/plain"),
                      400, "MALFORMED_REQUEST");
  // A bad name is the store's rule, answered as MLflow's INVALID_PARAMETER_VALUE.
  EXPECT_MLFLOW_ERROR(Call("POST", "registered-models/create", {{"name", "a@b"}}), 400,
                      "INVALID_PARAMETER_VALUE");

  Reply unknown = Call("GET", "experiments/list", json::object());
  EXPECT_MLFLOW_ERROR(unknown, 404, "ENDPOINT_NOT_FOUND");
  EXPECT_MLFLOW_ERROR(Call("POST", "registered-models/frobnicate", {{"name", "m"}}), 404,
                      "ENDPOINT_NOT_FOUND");
  Reply wrong_method = Call("GET", "registered-models/create", {{"name", "m"}});
  EXPECT_MLFLOW_ERROR(wrong_method, 405, "ENDPOINT_NOT_FOUND");
  EXPECT_EQ(std::string(httplib::detail::get_header_value(wrong_method.headers, "Allow", 0, "")),
            "POST");
  // Nothing above changed the one model.
  Reply search = Call("GET", "registered-models/search", json::object());
  EXPECT_EQ(search.body["registered_models"].size(), 1u);
}

TEST_F(MlflowTest, StateSurvivesARestartAndIsOneRegistry) {
  // The MLflow view is read back after a restart (from the same SQLite store), through a second
  // endpoint family, and through the native /v1/models routes.
  NewModel("m");
  NewVersion("m", "s3://b/1", "run-1");
  ASSERT_EQ(
      Call("POST", "registered-models/alias", {{"name", "m"}, {"alias", "prod"}, {"version", "1"}})
          .status,
      200);
  server_->Stop();
  ASSERT_TRUE(server_->Start()) << server_->last_log();
  rest_ = std::make_unique<MlflowRest>(*server_);
  Reply v = Call("GET", "registered-models/alias", {{"name", "m"}, {"alias", "prod"}});
  ASSERT_EQ(v.status, 200) << v.raw;
  EXPECT_EQ(v.body["model_version"]["source"], "s3://b/1");
  Reply s = Call("GET", "model-versions/search", {{"filter", "run_id = 'run-1'"}});
  ASSERT_EQ(s.body["model_versions"].size(), 1u);
  EXPECT_EQ(s.body["model_versions"][0]["aliases"], json::parse(R"(["prod"])"));
  EXPECT_EQ(NewVersion("m", "s3://b/2")["version"], "2");

  // The native API (/v1/models) sees the MLflow-created version, and the other way round.
  auto cli = server_->Client();
  auto native = cli->Get("/v1/models/m/versions/2");
  ASSERT_TRUE(native);
  ASSERT_EQ(native->status, 200) << native->body;
  EXPECT_EQ(json::parse(native->body)["source"], "s3://b/2");
  EXPECT_EQ(json::parse(native->body)["version"], 2);
  auto made = cli->Post("/v1/models/m/versions", json{{"source", "gpt-4o-2024-08-06"}}.dump(),
                        "application/json");
  ASSERT_TRUE(made);
  ASSERT_EQ(made->status, 201) << made->body;
  Reply seen = Call("GET", "model-versions/get", {{"name", "m"}, {"version", "3"}});
  ASSERT_EQ(seen.status, 200) << seen.raw;
  EXPECT_EQ(seen.body["model_version"]["source"], "gpt-4o-2024-08-06");
}

// ---- the wire, field by field ----

void ExpectModelVersionShape(const json& v) {
  ASSERT_TRUE(v.is_object()) << v;
  for (const char* f : {"name", "version", "user_id", "current_stage", "description", "source",
                        "run_id", "status", "status_message", "run_link"}) {
    ASSERT_TRUE(v.contains(f) && v[f].is_string()) << f << " in " << v;
  }
  for (const char* f : {"creation_timestamp", "last_updated_timestamp"})
    ASSERT_TRUE(v.contains(f) && v[f].is_number_integer()) << f << " in " << v;
  ASSERT_TRUE(v["tags"].is_array());
  for (const json& t : v["tags"]) {
    EXPECT_TRUE(t["key"].is_string());
    EXPECT_TRUE(t["value"].is_string());
  }
  ASSERT_TRUE(v["aliases"].is_array());
  for (const json& a : v["aliases"]) EXPECT_TRUE(a.is_string());
}

void ExpectRegisteredModelShape(const json& m) {
  ASSERT_TRUE(m.is_object()) << m;
  for (const char* f : {"name", "description"}) ASSERT_TRUE(m[f].is_string()) << f;
  for (const char* f : {"creation_timestamp", "last_updated_timestamp"})
    ASSERT_TRUE(m[f].is_number_integer()) << f;
  ASSERT_TRUE(m["latest_versions"].is_array());
  for (const json& v : m["latest_versions"]) ExpectModelVersionShape(v);
  ASSERT_TRUE(m["tags"].is_array());
  ASSERT_TRUE(m["aliases"].is_array());
  for (const json& a : m["aliases"]) {
    EXPECT_TRUE(a["alias"].is_string());
    EXPECT_TRUE(a["version"].is_string());
  }
}

TEST_F(MlflowTest, WireBehaviourMatchesMlflowsRestClient) {
  // MlflowClient.create_registered_model("wire-model", tags={"team": "core"}, description="d")
  Reply c = Call("POST", "registered-models/create",
                 {{"name", "wire-model"},
                  {"tags", json::array({{{"key", "team"}, {"value", "core"}}})},
                  {"description", "d"}});
  ASSERT_EQ(c.status, 200) << c.raw;
  EXPECT_EQ(c.content_type, "application/json");
  ASSERT_EQ(c.body.size(), 1u);
  ExpectRegisteredModelShape(c.body["registered_model"]);
  EXPECT_EQ(c.body["registered_model"]["name"], "wire-model");
  EXPECT_EQ(c.body["registered_model"]["description"], "d");
  EXPECT_GT(c.body["registered_model"]["creation_timestamp"].get<int64_t>(), 1'600'000'000'000)
      << "epoch milliseconds";

  // MlflowClient.create_model_version(name, source, run_id, tags, run_link, description)
  Reply v = Call("POST", "model-versions/create",
                 {{"name", "wire-model"},
                  {"source", "runs:/abc123/model"},
                  {"run_id", "abc123"},
                  {"tags", json::array({{{"key", "k"}, {"value", "v"}}})},
                  {"run_link", ""},
                  {"description", "v1"}});
  ASSERT_EQ(v.status, 200) << v.raw;
  ASSERT_EQ(v.body.size(), 1u);
  const json mv = v.body["model_version"];
  ExpectModelVersionShape(mv);
  EXPECT_EQ(mv["name"], "wire-model");
  EXPECT_EQ(mv["version"], "1");
  EXPECT_EQ(mv["current_stage"], "None");
  EXPECT_EQ(mv["status"], "READY");
  EXPECT_EQ(mv["source"], "runs:/abc123/model");
  EXPECT_EQ(mv["run_id"], "abc123");
  EXPECT_EQ(mv["user_id"], "anonymous");
  EXPECT_EQ(mv["tags"], json::parse(R"([{"key":"k","value":"v"}])"));

  // get_model_version: GET with name and version in the query string.
  Reply g = Call("GET", "model-versions/get", {{"name", "wire-model"}, {"version", "1"}});
  ASSERT_EQ(g.status, 200) << g.raw;
  EXPECT_EQ(g.body["model_version"], mv);

  // transition_model_version_stage(name, version, stage, archive_existing_versions)
  Reply t = Call("POST", "model-versions/transition-stage",
                 {{"name", "wire-model"},
                  {"version", "1"},
                  {"stage", "Staging"},
                  {"archive_existing_versions", false}});
  ASSERT_EQ(t.status, 200) << t.raw;
  ExpectModelVersionShape(t.body["model_version"]);
  EXPECT_EQ(t.body["model_version"]["current_stage"], "Staging");

  // set_registered_model_alias: POST {"name", "alias", "version"} -> {}
  Reply a = Call("POST", "registered-models/alias",
                 {{"name", "wire-model"}, {"alias", "champion"}, {"version", "1"}});
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body, json::object());
  // get_model_version_by_alias: GET ?name=&alias=
  Reply ga =
      Call("GET", "registered-models/alias", {{"name", "wire-model"}, {"alias", "champion"}});
  ASSERT_EQ(ga.status, 200) << ga.raw;
  ExpectModelVersionShape(ga.body["model_version"]);
  EXPECT_EQ(ga.body["model_version"]["aliases"], json::parse(R"(["champion"])"));

  // get_registered_model
  Reply gm = Call("GET", "registered-models/get", {{"name", "wire-model"}});
  ASSERT_EQ(gm.status, 200) << gm.raw;
  const json& rm = gm.body["registered_model"];
  ExpectRegisteredModelShape(rm);
  EXPECT_EQ(rm["aliases"], json::parse(R"([{"alias":"champion","version":"1"}])"));
  ASSERT_EQ(rm["latest_versions"].size(), 1u);
  EXPECT_EQ(rm["latest_versions"][0]["current_stage"], "Staging");

  // search_registered_models(filter_string, max_results, order_by): spaces arrive as '+'.
  Reply s =
      Call("GET", "registered-models/search",
           {{"filter", "name = 'wire-model'"}, {"max_results", 100}, {"order_by", {"name ASC"}}});
  ASSERT_EQ(s.status, 200) << s.raw;
  ASSERT_EQ(s.body["registered_models"].size(), 1u);
  ExpectRegisteredModelShape(s.body["registered_models"][0]);
  // search_model_versions
  Reply sv = Call("GET", "model-versions/search",
                  {{"filter", "name='wire-model'"}, {"max_results", 10000}});
  ASSERT_EQ(sv.status, 200) << sv.raw;
  ASSERT_EQ(sv.body["model_versions"].size(), 1u);
  ExpectModelVersionShape(sv.body["model_versions"][0]);

  // get_model_version_download_uri
  Reply d =
      Call("GET", "model-versions/get-download-uri", {{"name", "wire-model"}, {"version", "1"}});
  ASSERT_EQ(d.status, 200) << d.raw;
  EXPECT_EQ(d.body, (json{{"artifact_uri", "runs:/abc123/model"}}));

  // update / set-tag / delete-tag / delete with the bodies MLflow sends.
  Reply u = Call("PATCH", "model-versions/update",
                 {{"name", "wire-model"}, {"version", "1"}, {"description", "v1b"}});
  ASSERT_EQ(u.status, 200) << u.raw;
  EXPECT_EQ(u.body["model_version"]["description"], "v1b");
  EXPECT_EQ(Call("POST", "model-versions/set-tag",
                 {{"name", "wire-model"}, {"version", "1"}, {"key", "a"}, {"value", "b"}})
                .body,
            json::object());
  EXPECT_EQ(Call("DELETE", "model-versions/delete-tag",
                 {{"name", "wire-model"}, {"version", "1"}, {"key", "a"}})
                .body,
            json::object());
  EXPECT_EQ(
      Call("DELETE", "registered-models/alias", {{"name", "wire-model"}, {"alias", "champion"}})
          .body,
      json::object());
  EXPECT_EQ(
      Call("DELETE", "model-versions/delete", {{"name", "wire-model"}, {"version", "1"}}).body,
      json::object());
  EXPECT_EQ(Call("DELETE", "registered-models/delete", {{"name", "wire-model"}}).body,
            json::object());

  // Errors: exactly {"error_code", "message"}.
  Reply e = Call("GET", "registered-models/get", {{"name", "wire-model"}});
  EXPECT_EQ(e.status, 404);
  ASSERT_EQ(e.body.size(), 2u) << e.raw;
  EXPECT_EQ(e.body["error_code"], "RESOURCE_DOES_NOT_EXIST");
  EXPECT_EQ(e.body["message"], "Registered Model with name=wire-model not found");
}

// ---- auth ----

std::string ReadToken(const ServerProcess& s) {
  std::ifstream in(s.data_dir() / "admin.token");
  std::string token;
  in >> token;
  return token;
}

TEST(MlflowAuthTest, TokensAndRolesAreCheckedInMlflowsErrorShape) {
  ServerProcess::Options options;
  options.config_yaml = "auth:\n  mode: on\n";
  ServerProcess server(options);
  ASSERT_TRUE(server.Start()) << server.last_log();
  std::string admin = ReadToken(server);
  auto token = [&](const std::string& role) {
    auto res =
        server.Client()->Post("/v1/tokens", {{"Authorization", "Bearer " + admin}},
                              json{{"role", role}, {"name", role}}.dump(), "application/json");
    EXPECT_TRUE(res && res->status == 201);
    return res ? json::parse(res->body)["token"].get<std::string>() : "";
  };
  MlflowRest anonymous(server);
  MlflowRest viewer(server, token("viewer"));
  MlflowRest op(server, token("operator"));
  MlflowRest wrong(server, "blt_0000");

  Reply none = anonymous.Call("GET", "registered-models/search", json::object());
  EXPECT_MLFLOW_ERROR(none, 401, "UNAUTHENTICATED");
  EXPECT_NE(std::string(httplib::detail::get_header_value(none.headers, "WWW-Authenticate", 0, "")),
            "");
  EXPECT_MLFLOW_ERROR(wrong.Call("GET", "registered-models/search", json::object()), 401,
                      "UNAUTHENTICATED");
  EXPECT_MLFLOW_ERROR(viewer.Call("POST", "registered-models/create", {{"name", "m"}}), 403,
                      "PERMISSION_DENIED");
  Reply made = op.Call("POST", "registered-models/create", {{"name", "m"}});
  ASSERT_EQ(made.status, 200) << made.raw;
  Reply v = op.Call("POST", "model-versions/create", {{"name", "m"}, {"source", "s"}});
  ASSERT_EQ(v.status, 200) << v.raw;
  EXPECT_EQ(v.body["model_version"]["user_id"].get<std::string>().rfind("token:", 0), 0u);
  EXPECT_EQ(viewer.Call("GET", "registered-models/get", {{"name", "m"}}).status, 200);
  EXPECT_EQ(viewer.Call("POST", "registered-models/get-latest-versions", {{"name", "m"}}).status,
            200);
  EXPECT_MLFLOW_ERROR(viewer.Call("DELETE", "registered-models/delete", {{"name", "m"}}), 403,
                      "PERMISSION_DENIED");
}

}  // namespace
}  // namespace ballast::testing
