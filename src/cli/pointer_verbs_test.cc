// The verbs of named pointers (pointer_verbs.h) as `ballast model alias` and `ballast prompt
// label` use them, against an in-process fake server: the requests sent (the delete reason in
// the query, history paged) and each noun's own rendering of moves and histories.
#include "cli/pointer_verbs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/cli_testing.h"
#include "cli/fake_server.h"

namespace ballast::cli {
namespace {

using ::testing::HasSubstr;

CliOutcome Cli(const std::vector<std::string>& args) { return RunCliForTest(args); }

TEST(PointerVerbsTest, DeleteSendsTheReasonInTheQueryAndPrintsTheNounsMove) {
  FakeBallastServer fake;
  fake.Delete("/v1/models/bot/aliases/champion", [](const auto&, auto& res) {
    res.set_content(R"({"model": "bot", "alias": "champion", "from_version": 2,
                        "to_version": null, "by": "token:a", "at": "t1", "reason": "rollback"})",
                    "application/json");
  });
  fake.Delete("/v1/prompts/greet/labels/production", [](const auto&, auto& res) {
    res.set_content(R"({"label": "production", "from_version": 3, "to_version": null})",
                    "application/json");
  });
  fake.Start();

  CliOutcome model = Cli({"model", "alias", "delete", "bot", "champion", "--reason", "rollback",
                          "--server", fake.url(), "-o", "table"});
  ASSERT_EQ(model.rc, 0) << model.err;
  EXPECT_EQ(model.out, "bot@champion: 2 -> none (by token:a at t1: rollback)\n");
  CliOutcome prompt = Cli({"prompt", "label", "delete", "greet", "production", "--reason", "done",
                           "--server", fake.url(), "-o", "table"});
  ASSERT_EQ(prompt.rc, 0) << prompt.err;
  EXPECT_EQ(prompt.out, "production removed (was version 3)\n");

  auto requests = fake.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "DELETE");
  EXPECT_EQ(requests[0].path, "/v1/models/bot/aliases/champion?reason=rollback");
  EXPECT_EQ(requests[1].path, "/v1/prompts/greet/labels/production?reason=done");
  EXPECT_EQ(requests[1].body, "");
}

TEST(PointerVerbsTest, HistoryFollowsPagesAndRendersPerNoun) {
  FakeBallastServer fake;
  fake.Get("/v1/models/bot/aliases/champion/history", [](const httplib::Request& req, auto& res) {
    if (req.get_param_value("page_token").empty()) {
      res.set_content(R"({"items": [{"at": "t1", "by": "a", "from_version": null,
                          "to_version": 1, "reason": "launch"}], "next_page_token": "p2"})",
                      "application/json");
    } else {
      res.set_content(R"({"items": [{"at": "t2", "by": "b", "from_version": 1,
                          "to_version": 2, "reason": ""}], "next_page_token": ""})",
                      "application/json");
    }
  });
  fake.Get("/v1/prompts/greet/labels/staging/history", [](const auto&, auto& res) {
    res.set_content(R"({"items": [], "next_page_token": ""})", "application/json");
  });
  fake.Start();

  CliOutcome model =
      Cli({"model", "alias", "history", "bot", "champion", "--server", fake.url(), "-o", "table"});
  ASSERT_EQ(model.rc, 0) << model.err;
  // Aliases: AT, BY, FROM, TO, REASON; both pages.
  EXPECT_THAT(model.out, HasSubstr("AT"));
  EXPECT_LT(model.out.find("BY"), model.out.find("FROM"));
  EXPECT_THAT(model.out, HasSubstr("launch"));
  EXPECT_THAT(model.out, HasSubstr("t2"));
  CliOutcome json =
      Cli({"model", "alias", "history", "bot", "champion", "--server", fake.url(), "-o", "json"});
  ASSERT_EQ(json.rc, 0) << json.err;
  EXPECT_EQ(Json::parse(json.out)["items"].size(), 2u);

  CliOutcome prompt = Cli(
      {"prompt", "label", "history", "greet", "staging", "--server", fake.url(), "-o", "table"});
  ASSERT_EQ(prompt.rc, 0) << prompt.err;
  EXPECT_EQ(prompt.out, "label staging never moved\n");
}

TEST(PointerVerbsTest, AServerErrorIsTheExitCode) {
  FakeBallastServer fake;
  fake.Delete("/v1/prompts/greet/labels/gone", [](const auto&, auto& res) {
    res.status = 404;
    res.set_content(R"({"error": {"code": "NOT_FOUND", "message": "no label 'gone'"}})",
                    "application/json");
  });
  fake.Start();
  CliOutcome o = Cli({"prompt", "label", "delete", "greet", "gone", "--server", fake.url()});
  EXPECT_EQ(o.rc, kExitNotFound);
  EXPECT_THAT(o.err, HasSubstr("no label 'gone'"));
  EXPECT_EQ(o.out, "");
}

}  // namespace
}  // namespace ballast::cli
