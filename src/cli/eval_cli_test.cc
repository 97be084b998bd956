// `ballast dataset|eval|lineage` against an in-process fake server: the requests they send,
// what they print (the lineage tree in full), and their exit codes.
#include "cli/eval_cli.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "cli/api_client.h"
#include "cli/cli.h"
#include "cli/fake_server.h"

namespace ballast::cli {
namespace {

using ::testing::HasSubstr;

struct Outcome {
  int rc = -1;
  std::string out;
  std::string err;
};

Outcome Cli(const std::vector<std::string>& args, const std::string& stdin_text = "") {
  std::ostringstream out, err;
  std::istringstream in(stdin_text);
  Console c;
  c.out = &out;
  c.err = &err;
  c.in = &in;
  c.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  c.sleep = [](std::chrono::milliseconds) {};
  Outcome o;
  o.rc = RunCli(args, c, nullptr);
  o.out = out.str();
  o.err = err.str();
  return o;
}

const char* kGraph = R"({
  "root": "model_version:ft@2", "direction": "both", "depth": 3, "truncated": false,
  "nodes": [
    {"id": "model_version:ft@2", "type": "model_version", "key": "ft@2", "depth": 0, "exists": true},
    {"id": "model_version:ft@1", "type": "model_version", "key": "ft@1", "depth": 1, "exists": true},
    {"id": "dataset_version:faq@1", "type": "dataset_version", "key": "faq@1", "depth": 2, "exists": false},
    {"id": "commit:abc", "type": "commit", "key": "abc", "depth": 2, "exists": true},
    {"id": "model_version:base@1", "type": "model_version", "key": "base@1", "depth": 2, "exists": true},
    {"id": "eval_run:7", "type": "eval_run", "key": "7", "depth": 1, "exists": true}
  ],
  "edges": [
    {"from": "model_version:ft@2", "to": "model_version:ft@1", "type": "fine_tuned_from"},
    {"from": "model_version:ft@1", "to": "model_version:base@1", "type": "fine_tuned_from"},
    {"from": "model_version:ft@1", "to": "dataset_version:faq@1", "type": "trained_on"},
    {"from": "model_version:ft@1", "to": "commit:abc", "type": "built_from"},
    {"from": "model_version:base@1", "to": "commit:abc", "type": "built_from"},
    {"from": "eval_run:7", "to": "model_version:ft@2", "type": "evaluated_with"}
  ]
})";

TEST(LineageTreeTest, PrintsSourcesAndDependentsAsATree) {
  const std::string want =
      "model_version:ft@2\n"
      "made from:\n"
      "  └── model_version:ft@1  [fine_tuned_from]\n"
      "      ├── model_version:base@1  [fine_tuned_from]\n"
      "      │   └── commit:abc  [built_from]\n"
      "      ├── dataset_version:faq@1  [trained_on] (not registered)\n"
      "      └── commit:abc  [built_from] (see above)\n"
      "built on it:\n"
      "  └── eval_run:7  [evaluated_with]\n";
  EXPECT_EQ(LineageTreeText(Json::parse(kGraph)), want);
}

TEST(LineageTreeTest, OneDirectionHasNoSectionTitles) {
  Json g = Json::parse(kGraph);
  g["direction"] = "down";
  EXPECT_EQ(LineageTreeText(g), "model_version:ft@2\n└── eval_run:7  [evaluated_with]\n");
  g["direction"] = "up";
  g["edges"] = Json::array();
  g["truncated"] = true;
  EXPECT_EQ(LineageTreeText(g),
            "model_version:ft@2\nmade from: (none)\n"
            "(truncated: the walk reached its node limit)\n");
}

TEST(LineageCommandTest, AsksForTheSubgraphAndPrintsTheTree) {
  FakeBallastServer fake;
  fake.Get("/v1/lineage", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_param_value("node") == "model_version:nope@1") {
      res.status = 404;
      res.set_content(R"({"error": {"code": "NOT_FOUND", "message": "node does not exist"}})",
                      "application/json");
      return;
    }
    res.set_content(kGraph, "application/json");
  });
  fake.Start();
  Outcome o = Cli({"lineage", "model_version:ft@2", "--direction", "both", "--depth", "3",
                   "--server", fake.url(), "-o", "table"});
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_THAT(o.out, HasSubstr("└── eval_run:7  [evaluated_with]"));
  ASSERT_EQ(fake.Requests().size(), 1u);
  EXPECT_THAT(fake.Requests()[0].path, HasSubstr("node=model_version:ft@2"));
  EXPECT_THAT(fake.Requests()[0].path, HasSubstr("direction=both"));
  EXPECT_THAT(fake.Requests()[0].path, HasSubstr("depth=3"));

  Outcome json = Cli({"lineage", "model_version:ft@2", "--server", fake.url(), "-o", "json"});
  EXPECT_EQ(json.rc, kExitOk);
  EXPECT_EQ(Json::parse(json.out)["edges"].size(), 6u);

  Outcome missing = Cli({"lineage", "model_version:nope@1", "--server", fake.url()});
  EXPECT_EQ(missing.rc, kExitNotFound);
  EXPECT_THAT(missing.err, HasSubstr("NOT_FOUND"));
}

TEST(LineageCommandTest, BadFlagsAreUsageErrors) {
  EXPECT_EQ(Cli({"lineage"}).rc, kExitUsage);
  EXPECT_EQ(Cli({"lineage", "commit:a", "--depth", "11"}).rc, kExitUsage);
  EXPECT_EQ(Cli({"lineage", "commit:a", "--direction", "sideways"}).rc, kExitUsage);
  EXPECT_EQ(Cli({"dataset"}).rc, kExitUsage);
  EXPECT_EQ(Cli({"dataset", "push", "faq"}).rc, kExitUsage);  // -f missing
  EXPECT_EQ(Cli({"eval", "get"}).rc, kExitUsage);
}

TEST(DatasetCommandTest, PushSendsTheFileAsNdjson) {
  FakeBallastServer fake;
  fake.Post("/v1/datasets/faq/versions", [](const httplib::Request&, httplib::Response& res) {
    res.status = 201;
    res.set_content(R"({"dataset": "faq", "version": 3, "ref": "faq@3", "case_count": 2,
                        "content_hash": "0123456789abcdef0123", "created": true})",
                    "application/json");
  });
  fake.Post("/v1/datasets/bad/versions", [](const httplib::Request&, httplib::Response& res) {
    res.status = 400;
    res.set_content(R"({"error": {"code": "INVALID_ARGUMENT", "message": "line 2: not valid
                        JSON", "field": "line 2"}})",
                    "application/json");
  });
  fake.Start();
  const std::string cases = "{\"vars\": {\"q\": 1}}\n{\"vars\": {\"q\": 2}}\n";
  Outcome o = Cli({"dataset", "push", "faq", "-f", "-", "--description", "more cases",
                   "--server", fake.url(), "-o", "table"},
                  cases);
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_EQ(o.out, "faq@3: created (2 cases, sha256 0123456789ab)\n");
  ASSERT_EQ(fake.Requests().size(), 1u);
  EXPECT_EQ(fake.Requests()[0].body, cases);
  EXPECT_EQ(fake.Requests()[0].Header("Content-Type"), "application/x-ndjson");
  EXPECT_THAT(fake.Requests()[0].path, HasSubstr("description=more cases"));

  Outcome bad = Cli({"dataset", "push", "bad", "-f", "-", "--server", fake.url()}, "x\n");
  EXPECT_EQ(bad.rc, kExitFailure);
  EXPECT_THAT(bad.err, HasSubstr("line 2"));
  Outcome unreadable =
      Cli({"dataset", "push", "faq", "-f", "/nonexistent/cases.jsonl", "--server", fake.url()});
  EXPECT_EQ(unreadable.rc, kExitFailure);
}

TEST(EvalCommandTest, CreateMergesFlagsIntoTheResultsFile) {
  FakeBallastServer fake;
  fake.Post("/v1/evals", [](const httplib::Request& req, httplib::Response& res) {
    Json body = Json::parse(req.body);
    res.status = 201;
    res.set_content(Json({{"id", 7},
                          {"model", "bot"},
                          {"model_version", 2},
                          {"dataset", "faq"},
                          {"dataset_version", 1},
                          {"passed", 1},
                          {"failed", 1},
                          {"pass_rate", 0.5},
                          {"echo", body}})
                        .dump(),
                    "application/json");
  });
  fake.Start();
  const std::string results =
      R"({"metrics": {"accuracy": 0.5}, "results": [{"case": 1, "pass": true},
          {"case": 2, "pass": false}], "model": "ignored@1"})";
  Outcome o = Cli({"eval", "create", "--model", "bot@champion", "--dataset", "faq@1", "--prompt",
                   "greet@3", "-f", "-", "--server", fake.url(), "-o", "table"},
                  results);
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_EQ(o.out, "eval run 7: bot@2 on faq@1: 1 passed, 1 failed (50.0%)\n");
  ASSERT_EQ(fake.Requests().size(), 1u);
  Json sent = Json::parse(fake.Requests()[0].body);
  EXPECT_EQ(sent["model"], "bot@champion");  // the flag wins over the file
  EXPECT_EQ(sent["prompt"], "greet@3");
  EXPECT_EQ(sent["dataset"], "faq@1");
  EXPECT_EQ(sent["results"].size(), 2u);

  Outcome missing = Cli({"eval", "create", "--dataset", "faq@1", "--server", fake.url()});
  EXPECT_EQ(missing.rc, kExitUsage);
  EXPECT_THAT(missing.err, HasSubstr("--model is required"));
  Outcome not_json =
      Cli({"eval", "create", "--model", "m@1", "--dataset", "d@1", "-f", "-", "--server",
           fake.url()},
          "[1, 2]");
  EXPECT_EQ(not_json.rc, kExitFailure);
  EXPECT_EQ(fake.Requests().size(), 1u);  // neither reached the server
}

}  // namespace
}  // namespace ballast::cli
