// The native model registry through the real server (API.md "Registry", docs/registry.md):
// models, versions, aliases and refs over HTTP, If-Match under concurrency, search, bad input,
// protected aliases under auth, and the `ballast model …` commands with their exit codes.
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "harness.h"

namespace ballast::testing {
namespace {

using nlohmann::json;

struct Answer {
  int status = 0;
  json body;
  std::string etag;
};

Answer Send(const ServerProcess& s, const std::string& method, const std::string& path,
            const json& body = nullptr, httplib::Headers headers = {}) {
  auto cli = s.Client();
  std::string text = body.is_null() ? "" : body.dump();
  auto call = [&]() -> httplib::Result {
    if (method == "POST") return cli->Post(path, headers, text, "application/json");
    if (method == "PATCH") return cli->Patch(path, headers, text, "application/json");
    if (method == "PUT") return cli->Put(path, headers, text, "application/json");
    if (method == "DELETE") return cli->Delete(path, headers, text, "application/json");
    return cli->Get(path, headers);
  };
  httplib::Result res = call();
  Answer a;
  if (!res) {
    ADD_FAILURE() << method << " " << path << ": no answer";
    return a;
  }
  a.status = res->status;
  a.body = json::parse(res->body, nullptr, false);
  a.etag = res->get_header_value("ETag");
  return a;
}

// Percent-encodes a query value.
std::string Encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

httplib::Headers IfMatch(const std::string& etag) { return {{"If-Match", "\"" + etag + "\""}}; }
httplib::Headers Bearer(const std::string& t) { return {{"Authorization", "Bearer " + t}}; }

std::string ErrorField(const Answer& a) { return a.body["error"].value("field", ""); }

class RegistryModelsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start()) << server_.last_log(); }
  void CreateModel(const json& body) {
    Answer a = Send(server_, "POST", "/v1/models", body);
    ASSERT_EQ(a.status, 201) << a.body.dump();
  }
  int64_t CreateVersion(const std::string& model, const json& body = {{"source", "gpt-4o"}}) {
    Answer a = Send(server_, "POST", "/v1/models/" + model + "/versions", body);
    EXPECT_EQ(a.status, 201) << a.body.dump();
    return a.body.value("version", int64_t{-1});
  }
  ServerProcess server_;
};

TEST_F(RegistryModelsTest, ModelLifecycleWithEtags) {
  Answer created = Send(server_, "POST", "/v1/models",
                        {{"name", "support-bot"},
                         {"description", "answers tickets"},
                         {"owner", "team-a"},
                         {"provider", "openai"},
                         {"tags", {{"team", "core"}}}});
  ASSERT_EQ(created.status, 201) << created.body.dump();
  EXPECT_EQ(created.body["name"], "support-bot");
  EXPECT_EQ(created.body["tags"]["team"], "core");
  EXPECT_EQ(created.body["created_by"], "anonymous");
  EXPECT_EQ(created.body["last_version"], 0);
  EXPECT_EQ(created.etag, "\"" + created.body["etag"].get<std::string>() + "\"");
  EXPECT_EQ(Send(server_, "POST", "/v1/models", {{"name", "support-bot"}}).status, 409);

  Answer got = Send(server_, "GET", "/v1/models/support-bot");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body, created.body);

  // A merge: only the named fields change; a tag set to null goes away.
  Answer patched = Send(server_, "PATCH", "/v1/models/support-bot",
                        {{"owner", "team-b"}, {"tags", {{"team", nullptr}, {"tier", "1"}}}},
                        IfMatch(got.body["etag"]));
  ASSERT_EQ(patched.status, 200) << patched.body.dump();
  EXPECT_EQ(patched.body["owner"], "team-b");
  EXPECT_EQ(patched.body["description"], "answers tickets");
  EXPECT_EQ(patched.body["tags"], json({{"tier", "1"}}));
  EXPECT_NE(patched.body["etag"], got.body["etag"]);

  // The etag read before the PATCH is stale now: 412, and nothing changes.
  Answer stale = Send(server_, "PATCH", "/v1/models/support-bot", {{"owner", "team-c"}},
                      IfMatch(got.body["etag"]));
  EXPECT_EQ(stale.status, 412) << stale.body.dump();
  EXPECT_EQ(stale.body["error"]["code"], "FAILED_PRECONDITION");
  EXPECT_EQ(Send(server_, "GET", "/v1/models/support-bot").body["owner"], "team-b");
  EXPECT_EQ(Send(server_, "DELETE", "/v1/models/support-bot", nullptr, IfMatch("nope")).status,
            412);

  // Soft delete frees the name; a model re-created under it is a new model.
  EXPECT_EQ(CreateVersion("support-bot"), 1);
  EXPECT_EQ(Send(server_, "DELETE", "/v1/models/support-bot").status, 204);
  EXPECT_EQ(Send(server_, "GET", "/v1/models/support-bot").status, 404);
  EXPECT_EQ(Send(server_, "GET", "/v1/models/support-bot/versions/1").status, 404);
  EXPECT_EQ(Send(server_, "DELETE", "/v1/models/support-bot").status, 404);
  Answer again = Send(server_, "POST", "/v1/models", {{"name", "support-bot"}});
  ASSERT_EQ(again.status, 201);
  EXPECT_NE(again.body["id"], created.body["id"]);
  EXPECT_EQ(CreateVersion("support-bot"), 1);
}

// Two PATCHes carrying the same If-Match race: exactly one wins, the other gets 412; the loser
// re-reads and retries, and in the end both changes are there.
TEST_F(RegistryModelsTest, ConcurrentIfMatchPatchesLoseNothing) {
  CreateModel({{"name", "m"}});
  constexpr int kRounds = 10;
  for (int round = 0; round < kRounds; ++round) {
    const std::string etag = Send(server_, "GET", "/v1/models/m").body["etag"];
    std::atomic<int> won{0}, lost{0}, other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, t] {
        const std::string key = "r" + std::to_string(round) + "t" + std::to_string(t);
        json patch = {{"tags", {{key, "x"}}}};
        Answer a = Send(server_, "PATCH", "/v1/models/m", patch, IfMatch(etag));
        if (a.status == 200) {
          ++won;
          return;
        }
        if (a.status != 412) {
          ++other;
          return;
        }
        ++lost;
        Answer fresh = Send(server_, "GET", "/v1/models/m");
        Answer retry = Send(server_, "PATCH", "/v1/models/m", patch, IfMatch(fresh.body["etag"]));
        if (retry.status != 200) ++other;
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(won.load(), 1) << "round " << round;
    EXPECT_EQ(lost.load(), 1) << "round " << round;
    EXPECT_EQ(other.load(), 0) << "round " << round;
  }
  // Without If-Match, concurrent merges retry internally: every tag lands.
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      Answer a = Send(server_, "PATCH", "/v1/models/m", {{"tags", {{"free" + std::to_string(t), "y"}}}});
      EXPECT_EQ(a.status, 200) << a.body.dump();
    });
  }
  for (auto& th : threads) th.join();
  json tags = Send(server_, "GET", "/v1/models/m").body["tags"];
  EXPECT_EQ(tags.size(), 2u * kRounds + 6) << tags.dump();
  for (int round = 0; round < kRounds; ++round) {
    for (int t = 0; t < 2; ++t)
      EXPECT_TRUE(tags.contains("r" + std::to_string(round) + "t" + std::to_string(t)));
  }
}

TEST_F(RegistryModelsTest, VersionsNumbersRefsAndPatches) {
  CreateModel({{"name", "bot"}});
  Answer v1 = Send(server_, "POST", "/v1/models/bot/versions",
                   {{"source", "gpt-4o-2024-08-06"},
                    {"run_id", "run-1"},
                    {"tags", {{"k", "v"}}},
                    {"lifecycle", "deprecated"},
                    {"retires_at", "2027-01-01T00:00:00Z"},
                    {"replacement", "gpt-4.1"},
                    {"lineage",
                     {{"base_model", "gpt-4o"},
                      {"datasets", {"faq@1", "chats@2"}},
                      {"code_commit", "abc123"},
                      {"hyperparameters", {{"epochs", 3}}}}}});
  ASSERT_EQ(v1.status, 201) << v1.body.dump();
  EXPECT_EQ(v1.body["version"], 1);
  EXPECT_EQ(v1.body["status"], "READY");
  EXPECT_EQ(v1.body["stage"], "None");
  EXPECT_EQ(v1.body["retires_at"], "2027-01-01T00:00:00.000Z");
  EXPECT_EQ(v1.body["lineage"]["datasets"], json({"faq@1", "chats@2"}));
  EXPECT_EQ(v1.body["lineage"]["hyperparameters"]["epochs"], 3);
  EXPECT_EQ(CreateVersion("bot"), 2);
  EXPECT_EQ(CreateVersion("bot"), 3);

  // Numbers only go up: deleting the highest does not free its number.
  EXPECT_EQ(Send(server_, "DELETE", "/v1/models/bot/versions/3").status, 204);
  EXPECT_EQ(Send(server_, "GET", "/v1/models/bot/versions/3").status, 404);
  EXPECT_EQ(Send(server_, "GET", "/v1/models/bot/versions/latest").body["version"], 2);
  EXPECT_EQ(CreateVersion("bot"), 4);
  EXPECT_EQ(Send(server_, "GET", "/v1/models/bot").body["last_version"], 4);
  EXPECT_EQ(Send(server_, "GET", "/v1/models/bot/versions/latest").body["version"], 4);
  EXPECT_EQ(Send(server_, "POST", "/v1/models/nope/versions", {{"source", "x"}}).status, 404);

  // PATCH through an alias, with and without If-Match.
  ASSERT_EQ(Send(server_, "PUT", "/v1/models/bot/aliases/champion", {{"version", 1}}).status, 200);
  Answer by_alias = Send(server_, "GET", "/v1/models/bot/versions/champion");
  ASSERT_EQ(by_alias.status, 200);
  EXPECT_EQ(by_alias.body["version"], 1);
  EXPECT_EQ(by_alias.body["aliases"], json({"champion"}));
  Answer patched = Send(server_, "PATCH", "/v1/models/bot/versions/champion",
                        {{"lifecycle", "retired"}, {"retires_at", nullptr}},
                        IfMatch(by_alias.body["etag"]));
  ASSERT_EQ(patched.status, 200) << patched.body.dump();
  EXPECT_EQ(patched.body["lifecycle"], "retired");
  EXPECT_TRUE(patched.body["retires_at"].is_null());
  EXPECT_EQ(patched.body["source"], "gpt-4o-2024-08-06");
  EXPECT_EQ(patched.body["tags"]["k"], "v");
  EXPECT_EQ(Send(server_, "PATCH", "/v1/models/bot/versions/1", {{"description", "x"}},
                 IfMatch(by_alias.body["etag"]))
                .status,
            412);
  EXPECT_EQ(Send(server_, "DELETE", "/v1/models/bot/versions/1", nullptr,
                 IfMatch(by_alias.body["etag"]))
                .status,
            412);
  Answer fixed = Send(server_, "PATCH", "/v1/models/bot/versions/1", {{"source", "other"}});
  EXPECT_EQ(fixed.status, 400);
  EXPECT_EQ(ErrorField(fixed), "source");
  EXPECT_EQ(Send(server_, "GET", "/v1/models/bot/versions/0").status, 400);  // never a number
  EXPECT_EQ(Send(server_, "GET", "/v1/models/bot/versions/nosuchalias").status, 404);
}

TEST_F(RegistryModelsTest, AliasHistoryAndRefs) {
  CreateModel({{"name", "bot"}});
  for (int i = 0; i < 3; ++i) CreateVersion("bot");
  Answer set = Send(server_, "PUT", "/v1/models/bot/aliases/champion",
                    {{"version", 1}, {"reason", "first eval"}});
  ASSERT_EQ(set.status, 200) << set.body.dump();
  EXPECT_TRUE(set.body["from_version"].is_null());
  EXPECT_EQ(set.body["to_version"], 1);
  Answer moved = Send(server_, "PUT", "/v1/models/bot/aliases/champion",
                      {{"version", 2}, {"reason", "v2 wins"}});
  EXPECT_EQ(moved.body["from_version"], 1);
  EXPECT_EQ(moved.body["to_version"], 2);

  Answer resolved = Send(server_, "GET", "/v1/models/resolve?ref=bot%40champion");
  ASSERT_EQ(resolved.status, 200) << resolved.body.dump();
  EXPECT_EQ(resolved.body["version"], 2);
  EXPECT_FALSE(resolved.etag.empty());
  EXPECT_EQ(Send(server_, "GET", "/v1/models/resolve?ref=bot@3").body["version"], 3);
  EXPECT_EQ(Send(server_, "GET", "/v1/models/resolve?ref=bot@latest").body["version"], 3);
  EXPECT_EQ(Send(server_, "GET", "/v1/models/resolve?ref=bot@nope").status, 404);
  EXPECT_EQ(Send(server_, "GET", "/v1/models/resolve?ref=ghost@1").status, 404);
  Answer no_at = Send(server_, "GET", "/v1/models/resolve?ref=bot");
  EXPECT_EQ(no_at.status, 400);
  EXPECT_EQ(ErrorField(no_at), "ref");
  EXPECT_EQ(ErrorField(Send(server_, "GET", "/v1/models/resolve")), "ref");

  // Deleting the version an alias points to removes the alias, recorded as a move.
  EXPECT_EQ(Send(server_, "DELETE", "/v1/models/bot/versions/2").status, 204);
  Answer removed = Send(server_, "PUT", "/v1/models/bot/aliases/champion", {{"version", 3}});
  EXPECT_TRUE(removed.body["from_version"].is_null()) << removed.body.dump();
  Answer deleted = Send(server_, "DELETE", "/v1/models/bot/aliases/champion?reason=rollback");
  ASSERT_EQ(deleted.status, 200) << deleted.body.dump();
  EXPECT_EQ(deleted.body["from_version"], 3);
  EXPECT_TRUE(deleted.body["to_version"].is_null());
  EXPECT_EQ(Send(server_, "DELETE", "/v1/models/bot/aliases/champion").status, 404);

  Answer history = Send(server_, "GET", "/v1/models/bot/aliases/champion/history");
  ASSERT_EQ(history.status, 200) << history.body.dump();
  const json& items = history.body["items"];
  ASSERT_EQ(items.size(), 5u) << items.dump();
  EXPECT_EQ(items[0]["reason"], "first eval");
  EXPECT_TRUE(items[0]["from_version"].is_null());
  EXPECT_EQ(items[1]["from_version"], 1);
  EXPECT_EQ(items[1]["to_version"], 2);
  EXPECT_EQ(items[1]["reason"], "v2 wins");
  EXPECT_EQ(items[2]["from_version"], 2);  // removed with version 2
  EXPECT_TRUE(items[2]["to_version"].is_null());
  EXPECT_EQ(items[4]["reason"], "rollback");
  for (const json& m : items) {
    EXPECT_EQ(m["by"], "anonymous");
    EXPECT_EQ(m["alias"], "champion");
    EXPECT_TRUE(m["at"].get<std::string>().ends_with("Z"));
  }
  Answer paged = Send(server_, "GET", "/v1/models/bot/aliases/champion/history?page_size=2");
  EXPECT_EQ(paged.body["items"].size(), 2u);
  EXPECT_EQ(paged.body["next_page_token"], "2");

  // Alias names: not all digits, not `latest`; versions must exist.
  EXPECT_EQ(Send(server_, "PUT", "/v1/models/bot/aliases/42", {{"version", 1}}).status, 400);
  EXPECT_EQ(Send(server_, "PUT", "/v1/models/bot/aliases/latest", {{"version", 1}}).status, 400);
  EXPECT_EQ(Send(server_, "PUT", "/v1/models/bot/aliases/ok", {{"version", 2}}).status, 404);
  Answer typed = Send(server_, "PUT", "/v1/models/bot/aliases/ok", {{"version", "1"}});
  EXPECT_EQ(typed.status, 400);
  EXPECT_EQ(ErrorField(typed), "version");
}

TEST_F(RegistryModelsTest, SearchOrderAndPaging) {
  for (auto [name, team, owner] : {std::tuple{"support-a", "core", "ann"},
                                   std::tuple{"support-b", "edge", "bob"},
                                   std::tuple{"sales-a", "core", "cid"},
                                   std::tuple{"support-c", "core", "dan"}}) {
    CreateModel({{"name", name}, {"owner", owner}, {"tags", {{"team", team}}}});
  }
  auto names = [](const Answer& a) {
    std::vector<std::string> out;
    for (const json& m : a.body["items"]) out.push_back(m["name"].get<std::string>());
    return out;
  };
  Answer found = Send(server_, "GET",
                      "/v1/models?filter=" +
                          Encode(
                              "name LIKE 'support%' AND tags.team = 'core'") +
                          "&order_by=name%20DESC");
  ASSERT_EQ(found.status, 200) << found.body.dump();
  EXPECT_EQ(names(found), (std::vector<std::string>{"support-c", "support-a"}));
  EXPECT_EQ(found.body["next_page_token"], "");

  Answer page1 = Send(server_, "GET", "/v1/models?page_size=3&order_by=owner%20DESC");
  EXPECT_EQ(names(page1), (std::vector<std::string>{"support-c", "sales-a", "support-b"}));
  ASSERT_NE(page1.body["next_page_token"], "");
  Answer page2 = Send(server_, "GET", "/v1/models?page_size=3&order_by=owner%20DESC&page_token=" +
                                          page1.body["next_page_token"].get<std::string>());
  EXPECT_EQ(names(page2), (std::vector<std::string>{"support-a"}));
  EXPECT_EQ(page2.body["next_page_token"], "");

  // Version search across lineage and lifecycle.
  Answer v = Send(server_, "POST", "/v1/models/support-a/versions",
                  {{"source", "s1"}, {"lifecycle", "deprecated"},
                   {"lineage", {{"datasets", {"faq@1"}}}}});
  ASSERT_EQ(v.status, 201);
  CreateVersion("support-a", {{"source", "s2"}});
  Answer vs = Send(server_, "GET",
                   "/v1/models/support-a/versions?filter=" +
                       Encode(
                           "has(datasets, 'faq@1') AND lifecycle = 'deprecated'"));
  ASSERT_EQ(vs.status, 200) << vs.body.dump();
  ASSERT_EQ(vs.body["items"].size(), 1u);
  EXPECT_EQ(vs.body["items"][0]["source"], "s1");
  Answer asc = Send(server_, "GET", "/v1/models/support-a/versions?order_by=version%20ASC");
  EXPECT_EQ(asc.body["items"][0]["version"], 1);
  EXPECT_EQ(asc.body["items"][1]["version"], 2);
  EXPECT_EQ(Send(server_, "GET", "/v1/models/ghost/versions").status, 404);

  for (auto [query, field] : {std::pair{"filter=owner%20%3D%203", "filter"},
                              std::pair{"filter=colour%20%3D%20'x'", "filter"},
                              std::pair{"filter=name%20%3D", "filter"},
                              std::pair{"order_by=description", "order_by"},
                              std::pair{"order_by=name%20SIDEWAYS", "order_by"},
                              std::pair{"page_size=0", "page_size"},
                              std::pair{"page_token=abc", "page_token"}}) {
    Answer bad = Send(server_, "GET", std::string("/v1/models?") + query);
    EXPECT_EQ(bad.status, 400) << query << ": " << bad.body.dump();
    EXPECT_EQ(ErrorField(bad), field) << query;
  }
}

TEST_F(RegistryModelsTest, BadBodiesNameTheField) {
  CreateModel({{"name", "bot"}});
  CreateVersion("bot");
  struct Case {
    const char* method;
    const char* path;
    json body;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"POST", "/v1/models", {{"owner", "x"}}, "name"},
      {"POST", "/v1/models", {{"name", "x"}, {"colour", "red"}}, "colour"},
      {"POST", "/v1/models", {{"name", 5}}, "name"},
      {"POST", "/v1/models", {{"name", "a@b"}}, "name"},
      {"POST", "/v1/models", {{"name", "x"}, {"tags", {{"t", 1}}}}, "tags.t"},
      {"POST", "/v1/models", {{"name", "x"}, {"protected_aliases", "prod"}}, "protected_aliases"},
      {"PATCH", "/v1/models/bot", {{"name", "renamed"}}, "name"},
      {"PATCH", "/v1/models/bot", {{"owner", 1}}, "owner"},
      {"POST", "/v1/models/bot/versions", {{"run_id", "r"}}, "source"},
      {"POST", "/v1/models/bot/versions", {{"source", "s"}, {"version", 9}}, "version"},
      {"POST", "/v1/models/bot/versions", {{"source", "s"}, {"retires_at", "tomorrow"}},
       "retires_at"},
      {"POST", "/v1/models/bot/versions", {{"source", "s"}, {"lineage", {{"datasets", "d"}}}},
       "lineage.datasets"},
      {"PATCH", "/v1/models/bot/versions/1", {{"lifecycle", "sunset"}}, "lifecycle"},
      {"PUT", "/v1/models/bot/aliases/prod", {{"versoin", 1}}, "versoin"},
  };
  for (const Case& c : cases) {
    Answer a = Send(server_, c.method, c.path, c.body);
    EXPECT_EQ(a.status, 400) << c.method << " " << c.path << " " << c.body.dump() << ": "
                             << a.body.dump();
    EXPECT_EQ(ErrorField(a), c.field) << c.method << " " << c.path << " " << a.body.dump();
  }
  auto raw = server_.Client()->Post("/v1/models", "{not json", "application/json");
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->status, 400);
  EXPECT_EQ(server_.Client()->Post("/v1/models/bot", "{}", "application/json")->status, 405);
}

TEST(RegistryModelsAuthTest, ProtectedAliasesNeedAnAdmin) {
  ServerProcess::Options options;
  options.config_yaml = "auth:\n  mode: on\n";
  ServerProcess s(options);
  ASSERT_TRUE(s.Start()) << s.last_log();
  std::string admin;
  std::ifstream(s.data_dir() / "admin.token") >> admin;
  auto token = [&](const std::string& role) {
    Answer a = Send(s, "POST", "/v1/tokens", {{"role", role}, {"name", role}}, Bearer(admin));
    return a.body.value("token", std::string());
  };
  const std::string op = token("operator");
  const std::string viewer = token("viewer");
  ASSERT_FALSE(op.empty());

  // An operator may create a model with protected aliases, but not change the set later.
  Answer created = Send(s, "POST", "/v1/models",
                        {{"name", "bot"}, {"protected_aliases", {"production"}}}, Bearer(op));
  ASSERT_EQ(created.status, 201) << created.body.dump();
  EXPECT_EQ(Send(s, "POST", "/v1/models", {{"name", "other"}}, Bearer(viewer)).status, 403);
  EXPECT_EQ(Send(s, "GET", "/v1/models/bot", nullptr, Bearer(viewer)).status, 200);
  EXPECT_EQ(Send(s, "GET", "/v1/models/bot").status, 401);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(Send(s, "POST", "/v1/models/bot/versions", {{"source", "s"}}, Bearer(op)).status,
              201);
  }
  EXPECT_EQ(Send(s, "PUT", "/v1/models/bot/aliases/staging", {{"version", 1}}, Bearer(op)).status,
            200);
  Answer denied =
      Send(s, "PUT", "/v1/models/bot/aliases/production", {{"version", 1}}, Bearer(op));
  EXPECT_EQ(denied.status, 403) << denied.body.dump();
  Answer allowed = Send(s, "PUT", "/v1/models/bot/aliases/production",
                        {{"version", 1}, {"reason", "launch"}}, Bearer(admin));
  EXPECT_EQ(allowed.status, 200) << allowed.body.dump();
  EXPECT_EQ(Send(s, "DELETE", "/v1/models/bot/aliases/production", nullptr, Bearer(op)).status,
            403);
  EXPECT_EQ(Send(s, "DELETE", "/v1/models/bot/versions/1", nullptr, Bearer(op)).status, 403);
  EXPECT_EQ(
      Send(s, "PATCH", "/v1/models/bot", {{"protected_aliases", json::array()}}, Bearer(op)).status,
      403);
  Answer patched = Send(s, "PATCH", "/v1/models/bot",
                        {{"protected_aliases", {"production", "champion"}}}, Bearer(admin));
  ASSERT_EQ(patched.status, 200) << patched.body.dump();
  EXPECT_EQ(patched.body["protected_aliases"], json({"champion", "production"}));

  Answer history = Send(s, "GET", "/v1/models/bot/aliases/production/history", nullptr,
                        Bearer(viewer));
  ASSERT_EQ(history.body["items"].size(), 1u);
  EXPECT_TRUE(history.body["items"][0]["by"].get<std::string>().starts_with("token:"));
  EXPECT_EQ(history.body["items"][0]["reason"], "launch");
}

TEST_F(RegistryModelsTest, CliCommandsAndExitCodes) {
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", server_.base_url(), "-o", "json"});
    return RunBallast(args);
  };
  CommandResult c = run({"model", "create", "bot", "--owner", "team-a", "--tag", "team=core",
                         "--protect", "production"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(json::parse(c.out)["protected_aliases"], json({"production"}));
  EXPECT_EQ(run({"model", "create", "bot"}).exit_code, 1);  // already exists
  CommandResult badtag = run({"model", "create", "x", "--tag", "novalue"});
  EXPECT_EQ(badtag.exit_code, 2);
  EXPECT_NE(badtag.err.find("KEY=VALUE"), std::string::npos);

  CommandResult v = run({"model", "version", "create", "bot", "--source", "gpt-4o",
                         "--dataset", "faq@1", "--dataset", "chats@2", "--base-model", "base@1",
                         "--retires-at", "2027-01-01T00:00:00Z", "--tag", "k=v"});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  json vj = json::parse(v.out);
  EXPECT_EQ(vj["version"], 1);
  EXPECT_EQ(vj["lineage"]["datasets"], json({"faq@1", "chats@2"}));
  EXPECT_EQ(run({"model", "version", "create", "bot", "--source", "gpt-4.1"}).exit_code, 0);
  EXPECT_EQ(run({"model", "version", "create", "bot", "--source", "s", "--lifecycle", "old"})
                .exit_code,
            1);

  CommandResult alias =
      run({"model", "alias", "set", "bot", "champion", "2", "--reason", "better evals"});
  ASSERT_EQ(alias.exit_code, 0) << alias.err;
  EXPECT_EQ(json::parse(alias.out)["to_version"], 2);
  CommandResult resolved = run({"model", "resolve", "bot@champion"});
  ASSERT_EQ(resolved.exit_code, 0) << resolved.err;
  EXPECT_EQ(json::parse(resolved.out)["version"], 2);
  EXPECT_EQ(json::parse(run({"model", "version", "get", "bot@latest"}).out)["source"],
            "gpt-4.1");
  CommandResult hist = run({"model", "alias", "history", "bot", "champion"});
  ASSERT_EQ(hist.exit_code, 0) << hist.err;
  EXPECT_EQ(json::parse(hist.out)["items"][0]["reason"], "better evals");

  CommandResult upd = run({"model", "update", "bot", "--description", "new", "--remove-tag",
                           "team", "--unprotect", "production", "--protect", "gold"});
  // Changing the protected set needs an admin; auth is off here, so the anonymous caller is one.
  ASSERT_EQ(upd.exit_code, 0) << upd.err;
  json uj = json::parse(upd.out);
  EXPECT_EQ(uj["description"], "new");
  EXPECT_TRUE(uj["tags"].empty());
  EXPECT_EQ(uj["protected_aliases"], json({"gold"}));
  EXPECT_EQ(run({"model", "update", "bot"}).exit_code, 2);  // nothing to update

  CommandResult vupd = run({"model", "version", "update", "bot@1", "--lifecycle", "deprecated",
                            "--retires-at", ""});
  ASSERT_EQ(vupd.exit_code, 0) << vupd.err;
  EXPECT_TRUE(json::parse(vupd.out)["retires_at"].is_null());

  CommandResult list = run({"model", "version", "list", "bot", "--order-by", "version ASC",
                            "--limit", "1"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  json lj = json::parse(list.out);
  ASSERT_EQ(lj["items"].size(), 1u);
  EXPECT_EQ(lj["items"][0]["version"], 1);
  CommandResult filtered = run({"model", "list", "--filter", "owner = 'team-a'"});
  ASSERT_EQ(filtered.exit_code, 0) << filtered.err;
  EXPECT_EQ(json::parse(filtered.out)["items"].size(), 1u);
  EXPECT_EQ(run({"model", "list", "--filter", "owner ="}).exit_code, 1);

  CommandResult table = RunBallast(
      {"--server", server_.base_url(), "-o", "table", "model", "version", "list", "bot"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out.rfind("VERSION", 0), 0u) << table.out;
  EXPECT_NE(table.out.find("champion"), std::string::npos) << table.out;
  CommandResult yaml = RunBallast(
      {"--server", server_.base_url(), "-o", "yaml", "model", "get", "bot"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  EXPECT_NE(yaml.out.find("name: bot\n"), std::string::npos) << yaml.out;

  EXPECT_EQ(run({"model", "get", "ghost"}).exit_code, 4);
  EXPECT_EQ(run({"model", "version", "get", "bot@9"}).exit_code, 4);
  EXPECT_EQ(run({"model", "version", "get", "bot"}).exit_code, 1);  // not a ref
  EXPECT_EQ(run({"model", "resolve", "bot"}).exit_code, 1);
  EXPECT_EQ(run({"model", "alias", "set", "bot", "x", "two"}).exit_code, 2);
  EXPECT_EQ(run({"model"}).exit_code, 2);

  CommandResult adel = run({"model", "alias", "delete", "bot", "champion", "--reason", "done"});
  ASSERT_EQ(adel.exit_code, 0) << adel.err;
  EXPECT_EQ(json::parse(adel.out)["reason"], "done");
  EXPECT_EQ(run({"model", "version", "delete", "bot@2"}).exit_code, 0);
  EXPECT_EQ(run({"model", "version", "get", "bot@2"}).exit_code, 4);
  EXPECT_EQ(run({"model", "delete", "bot"}).exit_code, 0);
  EXPECT_EQ(run({"model", "get", "bot"}).exit_code, 4);

  CommandResult down = RunBallast({"--server", "http://127.0.0.1:" + std::to_string(FreePort()),
                                   "model", "list"});
  EXPECT_EQ(down.exit_code, 3) << down.err;
}

}  // namespace
}  // namespace ballast::testing
