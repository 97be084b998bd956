// Eval datasets, eval runs and the lineage graph through the real server: every route of API.md
// "Registry" for them, field-naming errors, lineage depth and direction over a graph built from
// model versions created with the native model routes, roles, and the CLI over them.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "harness.h"

namespace ballast::testing {
namespace {

using nlohmann::json;

constexpr const char* kCases =
    "{\"vars\": {\"q\": \"reset password\"}, \"expected\": \"link\"}\n"
    "{\"vars\": {\"q\": \"refund\"}, \"expected\": \"policy\", \"metadata\": {\"src\": \"prod\"}}\n"
    "\n"
    "{\"vars\": {\"q\": \"hours\"}}\n";

class EvalsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess();
    ASSERT_TRUE(server_->Start()) << server_->last_log();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  static json Send(const std::string& method, const std::string& path, const std::string& body,
                   int expect, const std::string& type = "application/json") {
    auto cli = server_->Client();
    httplib::Result res = method == "POST"     ? cli->Post(path, body, type)
                          : method == "DELETE" ? cli->Delete(path)
                                               : cli->Get(path);
    EXPECT_TRUE(res) << method << " " << path;
    if (!res) return {};
    EXPECT_EQ(res->status, expect) << method << " " << path << ": " << res->body;
    return json::parse(res->body, nullptr, false);
  }
  static json Post(const std::string& path, const json& body, int expect) {
    return Send("POST", path, body.dump(), expect);
  }
  static json Get(const std::string& path, int expect = 200) {
    return Send("GET", path, "", expect);
  }
  static std::set<std::string> NodeIds(const json& graph) {
    std::set<std::string> out;
    for (const json& n : graph["nodes"]) out.insert(n["id"].get<std::string>());
    return out;
  }

  // Models base@1 (from a provider model) and ft@1 (base@1, dataset kb@1, commit c0ffee) and
  // ft@2 (base ft@1), all through the native model routes.
  static void BuildRegistry() {
    if (built_) return;
    built_ = true;
    Post("/v1/datasets", {{"name", "kb"}}, 201);
    Send("POST", "/v1/datasets/kb/versions", kCases, 201, "application/x-ndjson");
    Post("/v1/models", {{"name", "base"}}, 201);
    Post("/v1/models", {{"name", "ft"}}, 201);
    Post("/v1/models/base/versions",
         {{"source", "gpt-4o-2024-08-06"}, {"lineage", {{"base_model", "gpt-4o-2024-08-06"}}}},
         201);
    Post("/v1/models/ft/versions",
         {{"source", "ft:gpt-4o:kb"},
          {"lineage",
           {{"base_model", "base@1"}, {"datasets", {"kb@1"}}, {"code_commit", "c0ffee"}}}},
         201);
    Post("/v1/models/ft/versions",
         {{"source", "ft:gpt-4o:kb2"}, {"lineage", {{"base_model", "ft@1"}}}}, 201);
  }

  static ServerProcess* server_;
  static bool built_;
};

ServerProcess* EvalsTest::server_ = nullptr;
bool EvalsTest::built_ = false;

TEST_F(EvalsTest, DatasetsAndVersions) {
  json created = Post("/v1/datasets", {{"name", "faq"}, {"description", "support FAQ"}}, 201);
  EXPECT_EQ(created["name"], "faq");
  EXPECT_TRUE(created["latest_version"].is_null());
  EXPECT_EQ(Post("/v1/datasets", {{"name", "faq"}}, 409)["error"]["code"], "ALREADY_EXISTS");
  EXPECT_EQ(Post("/v1/datasets", {{"nme", "x"}}, 400)["error"]["field"], "nme");
  EXPECT_EQ(Post("/v1/datasets", {{"name", "a@b"}}, 400)["error"]["field"], "name");

  json v1 = Send("POST", "/v1/datasets/faq/versions?description=first", kCases, 201,
                 "application/x-ndjson");
  EXPECT_EQ(v1["version"], 1);
  EXPECT_EQ(v1["case_count"], 3);
  EXPECT_EQ(v1["created"], true);
  EXPECT_EQ(v1["description"], "first");
  json same = Send("POST", "/v1/datasets/faq/versions", kCases, 200, "application/x-ndjson");
  EXPECT_EQ(same["created"], false);
  EXPECT_EQ(same["version"], 1);

  json v2 = Post("/v1/datasets/faq/versions",
                 {{"cases", {{{"vars", {{"q", "x"}}}}, {{"vars", {{"q", "y"}}}, {"expected", 1}}}},
                  {"description", "json body"}},
                 201);
  EXPECT_EQ(v2["version"], 2);
  EXPECT_EQ(v2["case_count"], 2);

  // Errors name the line (NDJSON, blank lines counted) or the array element (JSON).
  json bad_line = Send("POST", "/v1/datasets/faq/versions",
                       "{\"vars\": {}}\n\n{\"vars\": \"no\"}\n", 400, "application/x-ndjson");
  EXPECT_EQ(bad_line["error"]["field"], "line 3.vars");
  EXPECT_NE(bad_line["error"]["message"].get<std::string>().find("line 3"), std::string::npos);
  json bad_item = Post("/v1/datasets/faq/versions",
                       {{"cases", {{{"vars", json::object()}}, {{"vars", 3}}}}}, 400);
  EXPECT_EQ(bad_item["error"]["field"], "cases[1].vars");
  EXPECT_EQ(Post("/v1/datasets/faq/versions", json::object(), 400)["error"]["field"], "cases");
  Send("POST", "/v1/datasets/faq/versions", "a,b\n", 415, "text/csv");
  Send("POST", "/v1/datasets/nope/versions", kCases, 404, "application/x-ndjson");

  json list = Get("/v1/datasets");
  bool found = false;
  for (const json& d : list["items"]) found = found || (d["name"] == "faq" && d["latest_version"] == 2);
  EXPECT_TRUE(found) << list.dump();
  EXPECT_EQ(Get("/v1/datasets/faq")["latest_version"], 2);
  json versions = Get("/v1/datasets/faq/versions?page_size=1");
  ASSERT_EQ(versions["items"].size(), 1u);
  EXPECT_EQ(versions["items"][0]["version"], 2);
  EXPECT_EQ(versions["next_page_token"], "1");
  EXPECT_EQ(Get("/v1/datasets/faq/versions/1")["content_hash"], v1["content_hash"]);
  EXPECT_EQ(Get("/v1/datasets/faq/versions/latest")["version"], 2);
  Get("/v1/datasets/faq/versions/9", 404);

  json page = Get("/v1/datasets/faq/versions/1/cases?page_size=2");
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["index"], 1);
  EXPECT_EQ(page["items"][0]["vars"]["q"], "reset password");
  EXPECT_EQ(page["items"][1]["metadata"]["src"], "prod");
  EXPECT_EQ(page["next_page_token"], "2");
  json rest = Get("/v1/datasets/faq/versions/1/cases?page_size=2&page_token=2");
  ASSERT_EQ(rest["items"].size(), 1u);
  EXPECT_EQ(rest["items"][0]["index"], 3);
  EXPECT_EQ(rest["next_page_token"], "");
  Get("/v1/datasets/faq/versions/x/cases", 400);

  Send("DELETE", "/v1/datasets/faq", "", 200);
  Get("/v1/datasets/faq", 404);
}

TEST_F(EvalsTest, EvalRuns) {
  BuildRegistry();
  auto alias = server_->Client()->Put("/v1/models/ft/aliases/champion", R"({"version": 1})",
                                      "application/json");
  ASSERT_TRUE(alias);
  ASSERT_EQ(alias->status, 200) << alias->body;

  json run = Post("/v1/evals",
                  {{"model", "ft@champion"},
                   {"dataset", "kb@1"},
                   {"metrics", {{"accuracy", 0.5}, {"faithfulness", 0.8}}},
                   {"results",
                    {{{"case", 1}, {"pass", true}, {"score", 0.9}},
                     {{"case", 2}, {"pass", false}, {"output", "no idea"}}}},
                   {"started_at", "2026-11-27T10:00:00Z"},
                   {"finished_at", "2026-11-27T10:05:00Z"}},
                  201);
  EXPECT_EQ(run["model"], "ft");
  EXPECT_EQ(run["model_version"], 1);
  EXPECT_EQ(run["model_ref"], "ft@champion");
  EXPECT_EQ(run["passed"], 1);
  EXPECT_EQ(run["failed"], 1);
  EXPECT_EQ(run["pass_rate"], 0.5);
  EXPECT_EQ(run["results"].size(), 2u);
  EXPECT_EQ(run["started_at"], "2026-11-27T10:00:00.000Z");
  const int64_t id = run["id"];

  Post("/v1/evals", {{"model", "ft@2"}, {"dataset", "kb"}, {"metrics", {{"accuracy", 0.7}}}},
       201);

  // Errors name the field.
  EXPECT_EQ(Post("/v1/evals", {{"dataset", "kb@1"}}, 400)["error"]["field"], "model");
  EXPECT_EQ(Post("/v1/evals",
                 {{"model", "ft@1"}, {"dataset", "kb@1"}, {"results", {{{"case", 1}, {"pass", 1}}}}},
                 400)["error"]["field"],
            "results[0].pass");
  EXPECT_EQ(Post("/v1/evals",
                 {{"model", "ft@1"}, {"dataset", "kb@1"}, {"results", {{{"case", 9}, {"pass", true}}}}},
                 400)["error"]["field"],
            "results[0].case");
  EXPECT_EQ(Post("/v1/evals", {{"model", "ft@1"}, {"dataset", "kb@1"}, {"metrics", {{"a", "x"}}}},
                 400)["error"]["field"],
            "metrics.a");
  EXPECT_EQ(Post("/v1/evals", {{"model", "ft@1"}, {"dataset", "kb@1"}, {"status", "done"}}, 400)
                ["error"]["field"],
            "status");
  Post("/v1/evals", {{"model", "ghost@1"}, {"dataset", "kb@1"}}, 404);
  Post("/v1/evals", {{"model", "ft@1"}, {"dataset", "kb@7"}}, 404);

  json got = Get("/v1/evals/" + std::to_string(id));
  EXPECT_EQ(got["metrics"]["faithfulness"], 0.8);
  EXPECT_EQ(got["results"][1]["output"], "no idea");
  Get("/v1/evals/999999", 404);
  EXPECT_EQ(Get("/v1/evals/abc", 400)["error"]["field"], "id");

  EXPECT_EQ(Get("/v1/evals?model=ft")["items"].size(), 2u);
  json v1_runs = Get("/v1/evals?model=ft@1");
  ASSERT_EQ(v1_runs["items"].size(), 1u);
  EXPECT_EQ(v1_runs["items"][0]["id"], id);
  EXPECT_FALSE(v1_runs["items"][0].contains("results"));
  EXPECT_EQ(Get("/v1/evals?dataset=kb@1")["items"].size(), 2u);
  EXPECT_EQ(Get("/v1/evals?model=base")["items"].size(), 0u);
  json first = Get("/v1/evals?model=ft&page_size=1");
  EXPECT_EQ(first["items"].size(), 1u);
  EXPECT_EQ(first["next_page_token"], "1");
}

TEST_F(EvalsTest, LineageDepthAndDirection) {
  BuildRegistry();
  json run = Post("/v1/evals", {{"model", "ft@1"}, {"dataset", "kb@1"}}, 201);
  const std::string run_node = "eval_run:" + std::to_string(run["id"].get<int64_t>());

  json up1 = Get("/v1/lineage?node=model_version:ft@2&direction=up&depth=1");
  EXPECT_EQ(NodeIds(up1), (std::set<std::string>{"model_version:ft@2", "model_version:ft@1"}));
  ASSERT_EQ(up1["edges"].size(), 1u);
  EXPECT_EQ(up1["edges"][0]["type"], "fine_tuned_from");
  EXPECT_EQ(up1["edges"][0]["from"], "model_version:ft@2");
  EXPECT_EQ(up1["edges"][0]["to"], "model_version:ft@1");

  json up3 = Get("/v1/lineage?node=model_version:ft@2&direction=up&depth=3");
  EXPECT_EQ(NodeIds(up3), (std::set<std::string>{"model_version:ft@2", "model_version:ft@1",
                                                 "model_version:base@1", "dataset_version:kb@1",
                                                 "commit:c0ffee",
                                                 "provider_model:gpt-4o-2024-08-06"}));
  EXPECT_EQ(up3["nodes"][0]["id"], "model_version:ft@2");
  EXPECT_EQ(up3["nodes"][0]["depth"], 0);

  json down = Get("/v1/lineage?node=dataset_version:kb@1&direction=down&depth=1");
  EXPECT_TRUE(NodeIds(down).contains("model_version:ft@1"));
  EXPECT_TRUE(NodeIds(down).contains(run_node));
  EXPECT_FALSE(NodeIds(down).contains("model_version:ft@2"));  // two hops away
  json down2 = Get("/v1/lineage?node=dataset_version:kb@1&direction=down&depth=2");
  EXPECT_TRUE(NodeIds(down2).contains("model_version:ft@2"));

  json both = Get("/v1/lineage?node=model_version:ft@1&depth=1");  // direction defaults to both
  EXPECT_EQ(both["direction"], "both");
  EXPECT_TRUE(NodeIds(both).contains("model_version:base@1"));
  EXPECT_TRUE(NodeIds(both).contains("model_version:ft@2"));
  EXPECT_TRUE(NodeIds(both).contains(run_node));

  // Explicit edges, including a cycle the walk must survive.
  json edge = Post("/v1/lineage/edges",
                   {{"from", "deployment:prod-eu"}, {"to", "model_version:ft@2"},
                    {"type", "deployed_as"}},
                   201);
  EXPECT_EQ(edge["derived"], false);
  Post("/v1/lineage/edges", {{"from", "commit:a1"}, {"to", "commit:b2"}, {"type", "derived_from"}},
       201);
  Post("/v1/lineage/edges", {{"from", "commit:b2"}, {"to", "commit:a1"}, {"type", "derived_from"}},
       201);
  json cycle = Get("/v1/lineage?node=commit:a1&direction=both&depth=10");
  EXPECT_EQ(NodeIds(cycle), (std::set<std::string>{"commit:a1", "commit:b2"}));
  EXPECT_EQ(cycle["edges"].size(), 2u);
  EXPECT_TRUE(
      NodeIds(Get("/v1/lineage?node=model_version:ft@1&direction=down&depth=2"))
          .contains("deployment:prod-eu"));

  // Bad input names the field; unknown nodes are 404.
  EXPECT_EQ(Get("/v1/lineage?node=model_version:ft@1&depth=11", 400)["error"]["field"], "depth");
  EXPECT_EQ(Get("/v1/lineage?node=model_version:ft@1&direction=left", 400)["error"]["field"],
            "direction");
  EXPECT_EQ(Get("/v1/lineage", 400)["error"]["field"], "node");
  EXPECT_EQ(Get("/v1/lineage?node=galaxy:x", 400)["error"]["field"], "node");
  Get("/v1/lineage?node=model_version:ft@99", 404);
  Get("/v1/lineage?node=commit:unknown", 404);
  EXPECT_EQ(Post("/v1/lineage/edges",
                 {{"from", "commit:a1"}, {"to", "commit:b2"}, {"type", "likes"}}, 400)["error"]
                ["field"],
            "type");
  Post("/v1/lineage/edges",
       {{"from", "deployment:x"}, {"to", "model_version:ft@99"}, {"type", "deployed_as"}}, 404);
}

TEST_F(EvalsTest, CliPrintsTheLineageTreeAndRecordsRuns) {
  BuildRegistry();
  const std::string url = server_->base_url();
  CommandResult tree = RunBallast({"lineage", "model_version:ft@2", "--direction", "up",
                                   "--depth", "2", "--server", url, "-o", "table"});
  ASSERT_EQ(tree.exit_code, 0) << tree.err;
  EXPECT_EQ(tree.out,
            "model_version:ft@2\n"
            "└── model_version:ft@1  [fine_tuned_from]\n"
            "    ├── model_version:base@1  [fine_tuned_from]\n"
            "    ├── dataset_version:kb@1  [trained_on]\n"
            "    └── commit:c0ffee  [built_from]\n");
  CommandResult missing =
      RunBallast({"lineage", "model_version:ft@42", "--server", url, "-o", "json"});
  EXPECT_EQ(missing.exit_code, 4) << missing.err;

  CommandResult created = RunBallast({"dataset", "create", "cli-set", "--server", url});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  CommandResult pushed = RunBallast(
      {"dataset", "push", "cli-set", "-f", "-", "--server", url, "-o", "json"}, kCases);
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  EXPECT_EQ(json::parse(pushed.out)["case_count"], 3);
  CommandResult bad = RunBallast({"dataset", "push", "cli-set", "-f", "-", "--server", url},
                                 "{\"vars\": {}}\nnope\n");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("line 2"), std::string::npos) << bad.err;

  CommandResult eval = RunBallast(
      {"eval", "create", "--model", "ft@2", "--dataset", "cli-set@1", "-f", "-", "--server", url,
       "-o", "json"},
      R"({"metrics": {"accuracy": 1.0}, "results": [{"case": 3, "pass": true}]})");
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const std::string id = std::to_string(json::parse(eval.out)["id"].get<int64_t>());
  CommandResult list =
      RunBallast({"eval", "list", "--dataset", "cli-set", "--server", url, "-o", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(json::parse(list.out)["items"].size(), 1u);
  CommandResult get = RunBallast({"eval", "get", id, "--server", url, "-o", "table"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_NE(get.out.find("accuracy"), std::string::npos) << get.out;
  CommandResult cases =
      RunBallast({"dataset", "cases", "cli-set@1", "--server", url, "-o", "json"});
  ASSERT_EQ(cases.exit_code, 0) << cases.err;
  EXPECT_EQ(json::parse(cases.out)["items"].size(), 3u);
  CommandResult get_ds = RunBallast({"dataset", "get", "cli-set", "--server", url, "-o", "json"});
  ASSERT_EQ(get_ds.exit_code, 0) << get_ds.err;
  EXPECT_EQ(json::parse(get_ds.out)["versions"].size(), 1u);
  EXPECT_EQ(RunBallast({"eval", "get", "424242", "--server", url}).exit_code, 4);
}

TEST(EvalsAuthTest, ReadsNeedViewerAndWritesNeedOperator) {
  ServerProcess::Options options;
  options.config_yaml = "auth:\n  mode: on\n";
  ServerProcess server(options);
  ASSERT_TRUE(server.Start()) << server.last_log();
  std::ifstream in(server.data_dir() / "admin.token");
  std::string admin;
  in >> admin;
  auto cli = server.Client();
  auto mint = [&](const std::string& role) {
    auto res = cli->Post("/v1/tokens", {{"Authorization", "Bearer " + admin}},
                         "{\"role\":\"" + role + "\"}", "application/json");
    EXPECT_TRUE(res && res->status == 201);
    return res ? json::parse(res->body)["token"].get<std::string>() : std::string();
  };
  httplib::Headers viewer = {{"Authorization", "Bearer " + mint("viewer")}};
  httplib::Headers op = {{"Authorization", "Bearer " + mint("operator")}};
  auto list = cli->Get("/v1/datasets", viewer);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->status, 200);
  auto lineage = cli->Get("/v1/lineage?node=commit:x", viewer);
  ASSERT_TRUE(lineage);
  EXPECT_EQ(lineage->status, 404);  // allowed, and unknown
  auto denied = cli->Post("/v1/datasets", viewer, R"({"name": "d"})", "application/json");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);
  auto edge = cli->Post("/v1/lineage/edges", viewer,
                        R"({"from": "commit:a", "to": "commit:b", "type": "derived_from"})",
                        "application/json");
  ASSERT_TRUE(edge);
  EXPECT_EQ(edge->status, 403);
  auto allowed = cli->Post("/v1/datasets", op, R"({"name": "d"})", "application/json");
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 201);
  auto anonymous = cli->Get("/v1/evals");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
}

}  // namespace
}  // namespace ballast::testing
