// Prompts as code through the real server and CLI: every /v1/prompts route (push, versions,
// labels and their history, strict rendering, diff), `ballast prompt push` on examples/prompts/
// (idempotent, --check for CI), role checks, and bad input answered 400 naming the field.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness.h"

namespace ballast::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const char* kGreeting = R"({
  "apiVersion": "ballast.dev/v1", "kind": "Prompt", "metadata": {"name": "greeting"},
  "spec": {"template": "Hello {{ name }}, welcome to {{ place }}.",
           "variables": {"name": {}, "place": {"default": "Acme"}},
           "model": {"model": "gpt-4o@production", "temperature": 0.2}}})";

class PromptsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start()) << server_.last_log(); }

  json Send(const std::string& method, const std::string& path, const std::string& body,
            int expect_status) {
    auto cli = server_.Client();
    httplib::Result res = method == "GET"    ? cli->Get(path)
                          : method == "POST" ? cli->Post(path, body, "application/json")
                          : method == "PUT"  ? cli->Put(path, body, "application/json")
                                             : cli->Delete(path, body, "application/json");
    EXPECT_TRUE(res) << method << " " << path;
    if (!res) return {};
    EXPECT_EQ(res->status, expect_status) << method << " " << path << ": " << res->body;
    return json::parse(res->body, nullptr, false);
  }

  CommandResult Cli(std::vector<std::string> args) {
    args.insert(args.end(), {"--server", server_.base_url()});
    return RunBallast(args);
  }

  ServerProcess server_;
};

TEST_F(PromptsTest, VersionsLabelsRenderAndDiffRoutes) {
  json created = Send("POST", "/v1/prompts/greeting/versions", kGreeting, 201);
  EXPECT_EQ(created["action"], "created");
  EXPECT_EQ(created["version"]["version"], 1);
  EXPECT_EQ(created["version"]["content_hash"].get<std::string>().size(), 64u);
  EXPECT_EQ(created["version"]["template_kind"], "text");
  EXPECT_EQ(created["version"]["model"], "gpt-4o@production");
  EXPECT_EQ(created["version"]["variables"], json::array({"name", "place"}));

  // The same content again, reformatted and as {"spec", "message"}: unchanged.
  json spec = json::parse(kGreeting)["spec"];
  json again = Send("POST", "/v1/prompts/greeting/versions",
                    json{{"spec", spec}, {"message", "same"}}.dump(2), 200);
  EXPECT_EQ(again["action"], "unchanged");
  EXPECT_EQ(again["version"]["version"], 1);

  spec["template"] = "Hi {{ name }}, welcome to {{ place }}!";
  json v2 = Send("POST", "/v1/prompts/greeting/versions",
                 json{{"spec", spec}, {"message", "shorter"}}.dump(), 201);
  EXPECT_EQ(v2["version"]["version"], 2);
  EXPECT_EQ(v2["version"]["message"], "shorter");

  json prompt = Send("GET", "/v1/prompts/greeting", "", 200);
  EXPECT_EQ(prompt["latest_version"], 2);
  EXPECT_EQ(prompt["labels"]["latest"], 2);
  json list = Send("GET", "/v1/prompts", "", 200);
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["next_page_token"], "");
  json versions = Send("GET", "/v1/prompts/greeting/versions", "", 200);
  ASSERT_EQ(versions["items"].size(), 2u);
  EXPECT_EQ(versions["items"][0]["version"], 2);
  json by_message =
      Send("GET", "/v1/prompts/greeting/versions?filter=message%20%3D%20%27shorter%27", "", 200);
  ASSERT_EQ(by_message["items"].size(), 1u);

  // Labels.
  json move = Send("PUT", "/v1/prompts/greeting/labels/production",
                   R"({"version": 1, "reason": "eval passed"})", 200);
  EXPECT_TRUE(move["from_version"].is_null());
  EXPECT_EQ(move["to_version"], 1);
  Send("PUT", "/v1/prompts/greeting/labels/production", R"({"version": 2})", 200);
  json by_label = Send("GET", "/v1/prompts/greeting/versions/production", "", 200);
  EXPECT_EQ(by_label["version"], 2);
  EXPECT_EQ(Send("GET", "/v1/prompts/greeting/versions/1", "", 200)["spec"]["template"],
            "Hello {{ name }}, welcome to {{ place }}.");
  json filtered = Send("GET", "/v1/prompts?filter=labels.production%20%3D%202", "", 200);
  EXPECT_EQ(filtered["items"].size(), 1u);
  json history = Send("GET", "/v1/prompts/greeting/labels/production/history", "", 200);
  ASSERT_EQ(history["items"].size(), 2u);
  EXPECT_EQ(history["items"][0]["reason"], "eval passed");
  EXPECT_EQ(history["items"][1]["from_version"], 1);
  json latest_set = Send("PUT", "/v1/prompts/greeting/labels/latest", R"({"version": 1})", 400);
  EXPECT_EQ(latest_set["error"]["field"], "label");
  Send("PUT", "/v1/prompts/greeting/labels/staging", R"({"version": 1})", 200);
  Send("DELETE", "/v1/prompts/greeting/labels/staging", R"({"reason": "done"})", 200);
  Send("GET", "/v1/prompts/greeting/versions/staging", "", 404);

  // Strict rendering.
  json text = Send("POST", "/v1/prompts/greeting/versions/1/render",
                   R"({"variables": {"name": "Ana"}})", 200);
  EXPECT_EQ(text["text"], "Hello Ana, welcome to Acme.");
  EXPECT_EQ(text["version"], 1);
  json missing = Send("POST", "/v1/prompts/greeting/versions/production/render",
                      R"({"variables": {"place": "Oslo"}})", 400);
  EXPECT_EQ(missing["error"]["code"], "INVALID_ARGUMENT");
  EXPECT_EQ(missing["error"]["field"], "variables.name");
  EXPECT_NE(missing["error"]["message"].get<std::string>().find("name"), std::string::npos);
  json unknown = Send("POST", "/v1/prompts/greeting/versions/latest/render",
                      R"({"variables": {"name": "Ana", "nmae": "x"}})", 400);
  EXPECT_EQ(unknown["error"]["field"], "variables.nmae");
  json not_scalar = Send("POST", "/v1/prompts/greeting/versions/latest/render",
                         R"({"variables": {"name": [1]}})", 400);
  EXPECT_EQ(not_scalar["error"]["field"], "variables.name");

  // Diff.
  json diff = Send("GET", "/v1/prompts/greeting/diff?from=1&to=production", "", 200);
  EXPECT_TRUE(diff["changed"].get<bool>());
  const std::string d = diff["diff"];
  EXPECT_NE(d.find("--- greeting@1 template"), std::string::npos) << d;
  EXPECT_NE(d.find("-Hello {{ name }}, welcome to {{ place }}."), std::string::npos) << d;
  EXPECT_NE(d.find("+Hi {{ name }}, welcome to {{ place }}!"), std::string::npos) << d;
  json none = Send("GET", "/v1/prompts/greeting/diff?from=2&to=latest", "", 200);
  EXPECT_FALSE(none["changed"].get<bool>());
  EXPECT_EQ(none["diff"], "");
  EXPECT_EQ(Send("GET", "/v1/prompts/greeting/diff", "", 400)["error"]["field"], "from");

  // Deleting a version: numbers are not reused; latest moves back.
  Send("DELETE", "/v1/prompts/greeting/versions/2", "", 200);
  EXPECT_EQ(Send("GET", "/v1/prompts/greeting", "", 200)["latest_version"], 1);
  spec["template"] = "Yo {{ name }} at {{ place }}";
  EXPECT_EQ(Send("POST", "/v1/prompts/greeting/versions", json{{"spec", spec}}.dump(),
                 201)["version"]["version"],
            3);
  Send("GET", "/v1/prompts/nope", "", 404);
  Send("GET", "/v1/prompts/greeting/versions/9", "", 404);
}

TEST_F(PromptsTest, BadInputIs400NamingTheField) {
  auto field = [&](const std::string& path, const std::string& body) {
    json e = Send("POST", path, body, 400);
    return e["error"]["field"].is_string() ? e["error"]["field"].get<std::string>() : "";
  };
  EXPECT_EQ(field("/v1/prompts/p/versions", R"({"spec": {"template": "{{ x }}"}})"),
            "spec.template");
  EXPECT_EQ(field("/v1/prompts/p/versions", R"({"spec": {"tempalte": "hi"}})").rfind("spec", 0),
            0u);
  EXPECT_EQ(field("/v1/prompts/p/versions",
                  R"({"spec": {"template": "hi", "model": {"temperature": 7}}})"),
            "spec.model.temperature");
  EXPECT_EQ(field("/v1/prompts/p/versions", R"({"spec": {"template": "hi"}, "extra": 1})"),
            "extra");
  EXPECT_EQ(field("/v1/prompts/other/versions", kGreeting), "metadata.name");
  EXPECT_EQ(field("/v1/prompts/p/versions", R"({"spec": {"template": "hi"}, "message": 3})"),
            "message");
  Send("POST", "/v1/prompts/p/versions", "not json", 400);
  EXPECT_EQ(field("/v1/prompts/push", R"({"prompts": {}})"), "prompts");
  json push_bad = json{{"prompts", json::array({json::parse(kGreeting), {{"kind", "Prompt"}}})}};
  EXPECT_EQ(field("/v1/prompts/push", push_bad.dump()).rfind("prompts[1].", 0), 0u);
  Send("GET", "/v1/prompts/greeting", "", 404);  // all-or-nothing: the valid one was not pushed
  json dup = json{{"prompts", json::array({json::parse(kGreeting), json::parse(kGreeting)})}};
  EXPECT_EQ(field("/v1/prompts/push", dup.dump()), "prompts[1].name");
  Send("POST", "/v1/prompts/push", json{{"prompts", json::array({json::parse(kGreeting)})}}.dump(),
       200);
  json label = Send("PUT", "/v1/prompts/greeting/labels/production", R"({"version": "1"})", 400);
  EXPECT_EQ(label["error"]["field"], "version");
  EXPECT_EQ(
      Send("PUT", "/v1/prompts/greeting/labels/Prod", R"({"version": 1})", 400)["error"]["field"],
      "label");
  EXPECT_EQ(Send("GET", "/v1/prompts?order_by=secret", "", 400)["error"]["field"], "order_by");
  EXPECT_EQ(Send("GET", "/v1/prompts?filter=nope%20%3D%201", "", 400)["error"]["field"], "filter");
  EXPECT_EQ(Send("POST", "/v1/prompts/greeting/versions/1/render", R"({"variables": 3})",
                 400)["error"]["field"],
            "variables");
}

fs::path CopyExamples(const fs::path& to) {
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(SourceDir() / "examples" / "prompts")) {
    fs::copy_file(e.path(), to / e.path().filename(), fs::copy_options::overwrite_existing);
  }
  return to;
}

TEST_F(PromptsTest, CliPushIsIdempotentAndCheckGatesCi) {
  const fs::path dir = CopyExamples(server_.data_dir().parent_path() / "prompts");
  CommandResult first = Cli({"prompt", "push", dir.string(), "-m", "initial", "-o", "table"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("4 prompt(s) changed"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("support-reply"), std::string::npos);

  CommandResult second = Cli({"prompt", "push", dir.string(), "-o", "json"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  json answer = json::parse(second.out);
  EXPECT_EQ(answer["changed"], 0);
  for (const json& r : answer["results"]) EXPECT_EQ(r["action"], "unchanged") << r;
  CommandResult check = Cli({"prompt", "push", "--check", dir.string(), "-o", "table"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("nothing changed"), std::string::npos);

  // Edit a copy: --check fails and changes nothing, push creates version 2, diff shows it.
  const fs::path file = dir / "summarize.yaml";
  std::stringstream text;
  text << std::ifstream(file).rdbuf();
  std::string edited = text.str();
  const std::string from = "temperature: 0\n";
  ASSERT_NE(edited.find(from), std::string::npos);
  edited.replace(edited.find(from), from.size(), "temperature: 0.3\n");
  std::ofstream(file) << edited;
  CommandResult failing = Cli({"prompt", "push", "--check", dir.string(), "-o", "table"});
  EXPECT_EQ(failing.exit_code, 1) << failing.out << failing.err;
  EXPECT_NE(failing.out.find("would create"), std::string::npos) << failing.out;
  CommandResult still = Cli({"prompt", "get", "summarize", "-o", "json"});
  ASSERT_EQ(still.exit_code, 0) << still.err;
  EXPECT_EQ(json::parse(still.out)["latest_version"], 1);

  CommandResult pushed = Cli({"prompt", "push", dir.string(), "-m", "warmer", "-o", "json"});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  json results = json::parse(pushed.out);
  EXPECT_EQ(results["changed"], 1);
  for (const json& r : results["results"]) {
    EXPECT_EQ(r["action"], r["name"] == "summarize" ? "created" : "unchanged") << r;
  }
  CommandResult diff = Cli({"prompt", "diff", "summarize@1", "summarize@latest", "-o", "table"});
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  EXPECT_NE(diff.out.find("-model.temperature: 0"), std::string::npos) << diff.out;
  EXPECT_NE(diff.out.find("+model.temperature: 0.3"), std::string::npos) << diff.out;

  // get NAME@REF prints a prompt file that pushes back as "unchanged".
  CommandResult get = Cli({"prompt", "get", "summarize@2", "-o", "table"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  const fs::path round_trip = dir.parent_path() / "round-trip.yaml";
  std::ofstream(round_trip) << get.out;
  CommandResult again = Cli({"prompt", "push", "--check", round_trip.string(), "-o", "json"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
}

TEST_F(PromptsTest, CliRenderLabelsAndErrors) {
  const fs::path dir = CopyExamples(server_.data_dir().parent_path() / "prompts");
  ASSERT_EQ(Cli({"prompt", "push", dir.string()}).exit_code, 0);

  CommandResult render = Cli({"prompt", "render", "support-reply@1", "--var",
                              "question=Where is my order?", "-o", "table"});
  ASSERT_EQ(render.exit_code, 0) << render.err;
  EXPECT_NE(render.out.find("user: Where is my order?"), std::string::npos) << render.out;
  EXPECT_NE(render.out.find("support agent for Acme"), std::string::npos) << render.out;
  const fs::path vars = dir.parent_path() / "vars.json";
  std::ofstream(vars) << R"({"question": "Hi", "company": "Initech"})";
  CommandResult from_file =
      Cli({"prompt", "render", "support-reply", "--vars-file", vars.string(), "-o", "json"});
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  EXPECT_NE(from_file.out.find("Initech"), std::string::npos);
  CommandResult missing = Cli({"prompt", "render", "support-reply@1"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("question"), std::string::npos) << missing.err;

  CommandResult set = Cli({"prompt", "label", "set", "support-reply", "production", "1", "--reason",
                           "launch", "-o", "table"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  CommandResult history =
      Cli({"prompt", "label", "history", "support-reply", "production", "-o", "json"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_EQ(json::parse(history.out)["items"][0]["reason"], "launch");
  EXPECT_EQ(Cli({"prompt", "label", "delete", "support-reply", "production"}).exit_code, 0);
  EXPECT_EQ(Cli({"prompt", "label", "delete", "support-reply", "production"}).exit_code, 4);
  CommandResult list = Cli({"prompt", "list", "-o", "json"});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_EQ(json::parse(list.out)["items"].size(), 4u);
  EXPECT_EQ(Cli({"prompt", "get", "nope@1"}).exit_code, 4);

  // Offline validation: errors with file:line:column, nothing sent.
  const fs::path bad = dir.parent_path() / "bad.yaml";
  std::ofstream(bad) << "apiVersion: ballast.dev/v1\nkind: Prompt\nmetadata: {name: bad}\n"
                        "spec:\n  template: \"{{ undeclared }}\"\n";
  CommandResult invalid = Cli({"prompt", "push", bad.string()});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_NE(invalid.err.find(bad.string() + ":5:"), std::string::npos) << invalid.err;
  EXPECT_NE(invalid.err.find("nothing pushed"), std::string::npos);
  EXPECT_EQ(Cli({"prompt", "get", "bad"}).exit_code, 4);

  CommandResult unreachable =
      RunBallast({"prompt", "list", "--server", "http://127.0.0.1:" + std::to_string(FreePort())});
  EXPECT_EQ(unreachable.exit_code, 3);
}

TEST(PromptsAuthTest, ReadsNeedViewerWritesNeedOperator) {
  ServerProcess::Options options;
  options.config_yaml = "auth:\n  mode: on\n";
  ServerProcess server(options);
  ASSERT_TRUE(server.Start()) << server.last_log();
  std::stringstream token;
  token << std::ifstream(server.data_dir() / "admin.token").rdbuf();
  std::string admin = token.str();
  while (!admin.empty() && (admin.back() == '\n' || admin.back() == '\r')) admin.pop_back();
  auto cli = server.Client();
  auto bearer = [](const std::string& t) {
    return httplib::Headers{{"Authorization", "Bearer " + t}};
  };
  auto res = cli->Post("/v1/tokens", bearer(admin), R"({"role": "viewer", "name": "v"})",
                       "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  const std::string viewer = json::parse(res->body)["token"];
  auto push =
      cli->Post("/v1/prompts/greeting/versions", bearer(viewer), kGreeting, "application/json");
  ASSERT_TRUE(push);
  EXPECT_EQ(push->status, 403);
  push = cli->Post("/v1/prompts/greeting/versions", bearer(admin), kGreeting, "application/json");
  ASSERT_TRUE(push);
  EXPECT_EQ(push->status, 201) << push->body;
  EXPECT_EQ(json::parse(push->body)["version"]["created_by"].get<std::string>().rfind("token:", 0),
            0u);
  auto read = cli->Get("/v1/prompts/greeting/versions/1", bearer(viewer));
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200);
  auto render = cli->Post("/v1/prompts/greeting/versions/1/render", bearer(viewer),
                          R"({"variables": {"name": "x"}})", "application/json");
  ASSERT_TRUE(render);
  EXPECT_EQ(render->status, 200) << render->body;
  auto label = cli->Put("/v1/prompts/greeting/labels/production", bearer(viewer),
                        R"({"version": 1})", "application/json");
  ASSERT_TRUE(label);
  EXPECT_EQ(label->status, 403);
  auto anonymous = cli->Get("/v1/prompts");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
}

}  // namespace
}  // namespace ballast::testing
