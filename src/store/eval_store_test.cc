// EvalStore and LineageStore over SQLite: dataset versions and their cases, bad case lines named
// by line, eval runs pinned to model versions, and lineage walks (depth, direction, cycles,
// caps) over a graph built from registry records and explicit edges.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "store/registry_test_fixtures.h"

namespace ballast::store {
namespace {

using registry_testing::RegistryStoreTest;
using registry_testing::User;
using testing::kT0;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr const char* kThreeCases =
    R"({"vars": {"q": "hi"}, "expected": "hello"})"
    "\n"
    R"({"vars": {"q": "bye"}, "metadata": {"source": "prod"}})"
    "\n\n"
    R"({"expected": 3, "vars": {}})"
    "\n";

class EvalStoreTest : public RegistryStoreTest {
 protected:
  EvalStore& E() { return store_->Evals(); }
  LineageStore& L() { return store_->Lineage(); }

  DatasetVersion Push(const std::string& name, const std::string& jsonl) {
    auto w = E().CreateDatasetVersion(name, jsonl, "", User());
    EXPECT_TRUE(w) << w.error().ToString();
    return w ? w->version : DatasetVersion{};
  }
  void MakeDataset(const std::string& name) {
    auto d = E().CreateDataset({.name = name, .description = "d"}, User());
    ASSERT_TRUE(d) << d.error().ToString();
  }
  EvalRun Run(EvalRunInput in) {
    auto r = E().CreateRun(in, User());
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? *r : EvalRun{};
  }
  ModelVersion MakeVersion(const std::string& model, VersionLineage lineage) {
    ModelVersion v = registry_testing::Version(model);
    v.lineage = std::move(lineage);
    auto r = R().CreateVersion(v, User());
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? *r : ModelVersion{};
  }
  LineageGraph Walk(const std::string& root, LineageDirection dir, int depth,
                    int max_nodes = 500) {
    auto g = L().Subgraph({root, dir, depth, max_nodes});
    EXPECT_TRUE(g) << g.error().ToString();
    return g ? *g : LineageGraph{};
  }
  static std::set<std::string> Ids(const LineageGraph& g) {
    std::set<std::string> out;
    for (const LineageNode& n : g.nodes) out.insert(n.id.str());
    return out;
  }
};

// ---- datasets --------------------------------------------------------------------------------

TEST_F(EvalStoreTest, DatasetVersionsGoUpAndAnIdenticalPushCreatesNothing) {
  MakeDataset("faq");
  DatasetVersion v1 = Push("faq", kThreeCases);
  EXPECT_EQ(v1.version, 1);
  EXPECT_EQ(v1.case_count, 3);
  EXPECT_EQ(v1.content_hash.size(), 64u);

  auto again = E().CreateDatasetVersion("faq", kThreeCases, "", User());
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->version.version, 1);

  // Key order and spacing do not change the content: the cases are canonicalized.
  auto reordered = E().CreateDatasetVersion(
      "faq",
      R"({"expected":"hello","vars":{"q":"hi"}})"
      "\n"
      R"({"metadata":{"source":"prod"},"vars":{"q":"bye"}})"
      "\n"
      R"({"vars":{},"expected":3})",
      "", User());
  ASSERT_TRUE(reordered);
  EXPECT_FALSE(reordered->created);

  DatasetVersion v2 = Push("faq", R"({"vars": {"q": "new"}})");
  EXPECT_EQ(v2.version, 2);
  EXPECT_NE(v2.content_hash, v1.content_hash);
  // Going back to the first content is a new version: numbers never go down.
  EXPECT_EQ(Push("faq", kThreeCases).version, 3);
  EXPECT_EQ(E().GetDataset("faq")->last_version, 3);
  EXPECT_EQ(E().GetDatasetVersion("faq", "latest")->version, 3);
  EXPECT_EQ(E().GetDatasetVersion("faq", "1")->content_hash, v1.content_hash);
  EXPECT_CODE(E().GetDatasetVersion("faq", "9"), kNotFound);
  EXPECT_CODE(E().GetDatasetVersion("faq", "newest"), kInvalidArgument);

  auto versions = E().ListDatasetVersions("faq", 0, 2);
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->items.size(), 2u);
  EXPECT_EQ(versions->items[0].version, 3);  // newest first
  EXPECT_EQ(versions->next_offset, 2);
}

TEST_F(EvalStoreTest, CasesAreCanonicalAndPagedInOrder) {
  MakeDataset("faq");
  Push("faq", kThreeCases);
  auto page = E().ListCases("faq", 1, 0, 2);
  ASSERT_TRUE(page) << page.error().ToString();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].index, 1);
  EXPECT_EQ(page->items[0].json, R"({"expected":"hello","vars":{"q":"hi"}})");
  EXPECT_EQ(page->next_offset, 2);
  auto rest = E().ListCases("faq", 1, 2, 2);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].index, 3);
  EXPECT_FALSE(rest->next_offset);
  EXPECT_CODE(E().ListCases("faq", 2, 0, 10), kNotFound);
}

TEST_F(EvalStoreTest, BadLinesAreNamedByTheirLineNumber) {
  MakeDataset("faq");
  // Line 3 is blank and still counted; CRLF endings are accepted.
  const std::string text =
      "{\"vars\": {}}\r\n{\"vars\": {\"a\": 1}}\r\n\r\n{\"vars\": [1]}\r\n{\"vars\": {}}\r\n";
  auto r = E().CreateDatasetVersion("faq", text, "", User());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.error().field(), "line 4.vars");
  EXPECT_THAT(r.error().message(), HasSubstr("line 4: vars must be a JSON object"));

  ParsedCases p = ParseCasesJsonl("{\"vars\": {}}\nnot json\n{\"vars\": {}, \"expect\": 1}\n{}\n");
  ASSERT_EQ(p.problems.size(), 3u);
  EXPECT_EQ(p.problems[0].line, 2);
  EXPECT_THAT(p.problems[0].message, HasSubstr("not valid JSON"));
  EXPECT_EQ(p.problems[1].line, 3);
  EXPECT_EQ(p.problems[1].field, "expect");
  EXPECT_EQ(p.problems[2].line, 4);
  EXPECT_EQ(p.problems[2].field, "vars");
  EXPECT_THAT(CaseProblemsStatus(p.problems).message(), HasSubstr("(and 2 more bad lines)"));

  ParsedCases empty = ParseCasesJsonl("\n  \n");
  ASSERT_EQ(empty.problems.size(), 1u);
  EXPECT_EQ(CaseProblemsStatus(empty.problems).field(), "cases");
  EXPECT_CODE(E().CreateDatasetVersion("faq", "", "", User()), kInvalidArgument);
  // Nothing was written by the refused pushes.
  EXPECT_EQ(E().GetDataset("faq")->last_version, 0);
}

TEST_F(EvalStoreTest, DatasetNamesAreUniqueAmongLiveDatasets) {
  MakeDataset("faq");
  EXPECT_CODE(E().CreateDataset({.name = "faq"}, User()), kAlreadyExists);
  EXPECT_CODE(E().CreateDataset({.name = "bad@name"}, User()), kInvalidArgument);
  EXPECT_CODE(E().CreateDatasetVersion("nope", kThreeCases, "", User()), kNotFound);
  Push("faq", kThreeCases);
  ASSERT_TRUE(E().DeleteDataset("faq", "", User()).ok());
  EXPECT_CODE(E().GetDataset("faq"), kNotFound);
  auto again = E().CreateDataset({.name = "faq"}, User());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->last_version, 0);
  auto list = E().ListDatasets(0, 100);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_CODE(E().DeleteDataset("faq", "stale", User()), kFailedPrecondition);
}

// ---- eval runs -------------------------------------------------------------------------------

TEST_F(EvalStoreTest, RunsPinTheModelVersionTheAliasPointedAt) {
  Seed("bot", 2);
  ASSERT_TRUE(R().SetAlias("bot", "champion", 1, "", User()));
  MakeDataset("faq");
  Push("faq", kThreeCases);
  EvalRun run = Run({.model_ref = "bot@champion",
                     .dataset_ref = "faq@1",
                     .metrics = {{"accuracy", 0.5}, {"latency_p95_ms", 812}},
                     .results = {{2, false, 0.1, "nope"}, {1, true, std::nullopt, ""}}});
  EXPECT_EQ(run.model, "bot");
  EXPECT_EQ(run.model_version, 1);
  EXPECT_EQ(run.dataset, "faq");
  EXPECT_EQ(run.dataset_version, 1);
  EXPECT_EQ(run.passed, 1);
  EXPECT_EQ(run.failed, 1);
  ASSERT_EQ(run.results.size(), 2u);
  EXPECT_EQ(run.results[0].case_index, 1);  // ordered by case
  EXPECT_EQ(run.results[1].score, 0.1);
  EXPECT_EQ(run.results[1].output, "nope");

  // Moving the alias afterwards does not move the run.
  ASSERT_TRUE(R().SetAlias("bot", "champion", 2, "", User()));
  Run({.model_ref = "bot@2", .dataset_ref = "faq", .metrics = {{"accuracy", 0.9}}});
  auto v1 = E().RunsForModelVersion("bot", 1);
  ASSERT_TRUE(v1) << v1.error().ToString();
  ASSERT_EQ(v1->size(), 1u);
  EXPECT_EQ((*v1)[0].id, run.id);
  EXPECT_EQ((*v1)[0].metrics.at("latency_p95_ms"), 812);
  EXPECT_TRUE((*v1)[0].results.empty());
  EXPECT_EQ(E().RunsForModelVersion("bot", 2)->size(), 1u);
  EXPECT_CODE(E().RunsForModelVersion("nobody", 1), kNotFound);

  auto got = E().GetRun(run.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->results.size(), 2u);
  EXPECT_CODE(E().GetRun(999), kNotFound);

  auto by_model = E().ListRuns({.model = "bot"});
  ASSERT_TRUE(by_model);
  EXPECT_EQ(by_model->items.size(), 2u);
  EXPECT_EQ(by_model->items[0].model_version, 2);  // newest first
  EXPECT_EQ(E().ListRuns({.model = "bot@champion"})->items.size(), 1u);
  EXPECT_EQ(E().ListRuns({.dataset = "faq@1"})->items.size(), 2u);
  EXPECT_EQ(E().ListRuns({.model = "other"})->items.size(), 0u);
  auto paged = E().ListRuns({.limit = 1});
  ASSERT_TRUE(paged);
  EXPECT_EQ(paged->next_offset, 1);
}

TEST_F(EvalStoreTest, RunInputIsCheckedFieldByField) {
  Seed("bot", 1);
  MakeDataset("faq");
  Push("faq", kThreeCases);
  auto field_of = [&](EvalRunInput in) {
    auto r = E().CreateRun(in, User());
    return r ? std::string("ok") : r.error().field();
  };
  EXPECT_EQ(field_of({.model_ref = "", .dataset_ref = "faq@1"}), "model");
  EXPECT_EQ(field_of({.model_ref = "bot@1", .dataset_ref = ""}), "dataset");
  EXPECT_EQ(field_of({.model_ref = "bot@1", .dataset_ref = "faq@1", .results = {{4, true}}}),
            "results[0].case");
  EXPECT_EQ(field_of({.model_ref = "bot@1",
                      .dataset_ref = "faq@1",
                      .results = {{1, true}, {1, false}}}),
            "results[1].case");
  EXPECT_EQ(field_of({.model_ref = "bot@1",
                      .dataset_ref = "faq@1",
                      .metrics = {{"acc", std::numeric_limits<double>::infinity()}}}),
            "metrics.acc");
  EXPECT_EQ(field_of({.model_ref = "bot@@1", .dataset_ref = "faq@1"}), "model");
  EXPECT_CODE(E().CreateRun({.model_ref = "bot@7", .dataset_ref = "faq@1"}, User()), kNotFound);
  EXPECT_CODE(E().CreateRun({.model_ref = "bot@1", .dataset_ref = "faq@2"}, User()), kNotFound);
  EXPECT_CODE(E().CreateRun({.model_ref = "bot@1", .prompt_ref = "greet@production",
                             .dataset_ref = "faq@1"},
                            User()),
              kNotFound);  // no such prompt in the prompt store
  EXPECT_EQ(E().ListRuns({})->items.size(), 0u);
}

TEST_F(EvalStoreTest, PromptRefsArePinnedThroughThePromptStore) {
  Seed("bot", 1);
  MakeDataset("faq");
  Push("faq", kThreeCases);
  const std::string spec = R"({"template":"Hi {{ q }}","variables":{"q":{"required":true}}})";
  auto pushed = store_->Prompts().Push({"greet", spec, "first"}, User());
  ASSERT_TRUE(pushed) << pushed.error().ToString();
  EvalRun run = Run({.model_ref = "bot@1", .prompt_ref = "greet@latest", .dataset_ref = "faq@1"});
  EXPECT_EQ(run.prompt, "greet");
  EXPECT_EQ(run.prompt_version, 1);
  EXPECT_EQ(run.prompt_ref, "greet@latest");
  EXPECT_EQ(E().ListRuns({.prompt = "greet@1"})->items.size(), 1u);
  EXPECT_EQ(E().ListRuns({.prompt = "greet"})->items.size(), 1u);
}

// ---- lineage ---------------------------------------------------------------------------------

// base@1 (from a provider model) <- ft@1 (trained on faq@1, commit abc) <- ft@2 (base ft@champion)
// eval run on ft@1 with faq@1.
class LineageTest : public EvalStoreTest {
 protected:
  void SetUp() override {
    EvalStoreTest::SetUp();
    ASSERT_TRUE(R().CreateModel(registry_testing::Model("base"), User()));
    ASSERT_TRUE(R().CreateModel(registry_testing::Model("ft"), User()));
    MakeVersion("base", {.base_model = "gpt-4o-2024-08-06"});
    MakeDataset("faq");
    Push("faq", kThreeCases);
    MakeVersion("ft", {.base_model = "base@1", .dataset_refs = {"faq@1"}, .code_commit = "abc"});
    ASSERT_TRUE(R().SetAlias("ft", "champion", 1, "", User()));
    MakeVersion("ft", {.base_model = "ft@champion"});
    run_ = Run({.model_ref = "ft@1", .dataset_ref = "faq@1", .metrics = {{"acc", 1}}});
  }
  EvalRun run_;
};

TEST_F(LineageTest, UpFollowsSourcesToTheDepthAsked) {
  LineageGraph one = Walk("model_version:ft@2", LineageDirection::kUp, 1);
  EXPECT_EQ(Ids(one), (std::set<std::string>{"model_version:ft@2", "model_version:ft@1"}));
  ASSERT_EQ(one.edges.size(), 1u);
  EXPECT_EQ(one.edges[0], (LineageEdge{"model_version:ft@2", "model_version:ft@1",
                                       "fine_tuned_from", true}));

  LineageGraph three = Walk("model_version:ft@2", LineageDirection::kUp, 3);
  EXPECT_EQ(Ids(three),
            (std::set<std::string>{"model_version:ft@2", "model_version:ft@1",
                                   "model_version:base@1", "dataset_version:faq@1", "commit:abc",
                                   "provider_model:gpt-4o-2024-08-06"}));
  EXPECT_EQ(three.nodes[0].id.str(), "model_version:ft@2");
  for (const LineageNode& n : three.nodes) {
    if (n.id.str() == "provider_model:gpt-4o-2024-08-06") {
      EXPECT_EQ(n.depth, 3);
    }
    if (n.id.str() == "commit:abc") {
      EXPECT_EQ(n.depth, 2);
    }
  }
  // Nothing downstream is included going up.
  EXPECT_FALSE(Ids(three).contains("eval_run:" + std::to_string(run_.id)));
}

TEST_F(LineageTest, DownFindsWhatWasBuiltOnANode) {
  const std::string run = "eval_run:" + std::to_string(run_.id);
  LineageGraph g = Walk("dataset_version:faq@1", LineageDirection::kDown, 1);
  EXPECT_EQ(Ids(g), (std::set<std::string>{"dataset_version:faq@1", "model_version:ft@1", run}));
  EXPECT_THAT(g.edges, UnorderedElementsAre(
                           LineageEdge{"model_version:ft@1", "dataset_version:faq@1",
                                       "trained_on", true},
                           LineageEdge{run, "dataset_version:faq@1", "evaluated_on", true}));
  LineageGraph two = Walk("dataset_version:faq@1", LineageDirection::kDown, 2);
  EXPECT_TRUE(Ids(two).contains("model_version:ft@2"));  // through the alias champion

  LineageGraph both = Walk("model_version:ft@1", LineageDirection::kBoth, 1);
  EXPECT_EQ(Ids(both), (std::set<std::string>{"model_version:ft@1", "model_version:base@1",
                                              "dataset_version:faq@1", "commit:abc",
                                              "model_version:ft@2", run}));
  LineageGraph commit = Walk("commit:abc", LineageDirection::kDown, 1);
  EXPECT_EQ(Ids(commit), (std::set<std::string>{"commit:abc", "model_version:ft@1"}));
}

TEST_F(LineageTest, ExplicitEdgesJoinTheGraphAndCyclesEnd) {
  ASSERT_TRUE(L().AddEdge({"deployment:prod-eu", "model_version:ft@2", "deployed_as"}, User()));
  // Idempotent.
  ASSERT_TRUE(L().AddEdge({"deployment:prod-eu", "model_version:ft@2", "deployed_as"}, User()));
  LineageGraph down = Walk("model_version:ft@1", LineageDirection::kDown, 2);
  EXPECT_TRUE(Ids(down).contains("deployment:prod-eu"));
  EXPECT_EQ(std::count_if(down.edges.begin(), down.edges.end(),
                          [](const LineageEdge& e) { return e.type == "deployed_as"; }),
            1);

  ASSERT_TRUE(L().AddEdge({"commit:x", "commit:y", "derived_from"}, User()));
  ASSERT_TRUE(L().AddEdge({"commit:y", "commit:z", "derived_from"}, User()));
  ASSERT_TRUE(L().AddEdge({"commit:z", "commit:x", "derived_from"}, User()));
  LineageGraph cycle = Walk("commit:x", LineageDirection::kBoth, 10);
  EXPECT_EQ(Ids(cycle), (std::set<std::string>{"commit:x", "commit:y", "commit:z"}));
  EXPECT_EQ(cycle.edges.size(), 3u);
  EXPECT_FALSE(cycle.truncated);

  LineageGraph capped = Walk("commit:x", LineageDirection::kBoth, 10, 2);
  EXPECT_EQ(capped.nodes.size(), 2u);
  EXPECT_TRUE(capped.truncated);
}

TEST_F(LineageTest, BadEdgesAndUnknownNodesAreRefused) {
  EXPECT_CODE(L().AddEdge({"commit:x", "commit:y", "loves"}, User()), kInvalidArgument);
  auto wrong_end = L().AddEdge({"commit:x", "model_version:ft@1", "trained_on"}, User());
  ASSERT_FALSE(wrong_end);
  EXPECT_EQ(wrong_end.error().field(), "from");
  EXPECT_CODE(L().AddEdge({"commit:x", "commit:x", "derived_from"}, User()), kInvalidArgument);
  EXPECT_CODE(L().AddEdge({"deployment:d", "model_version:ft@9", "deployed_as"}, User()),
              kNotFound);
  EXPECT_CODE(L().AddEdge({"deployment:d", "model_version:ft@champion", "deployed_as"}, User()),
              kInvalidArgument);  // aliases are not nodes
  EXPECT_CODE(L().AddEdge({"thing:d", "commit:a", "derived_from"}, User()), kInvalidArgument);

  EXPECT_CODE(L().Subgraph({"model_version:ft@9", LineageDirection::kUp, 2}), kNotFound);
  EXPECT_CODE(L().Subgraph({"commit:never", LineageDirection::kBoth, 2}), kNotFound);
  EXPECT_CODE(L().Subgraph({"prompt_version:greet@1", LineageDirection::kBoth, 2}), kNotFound);
  EXPECT_CODE(L().Subgraph({"model_version:ft@1", LineageDirection::kUp, 11}), kInvalidArgument);
  EXPECT_CODE(L().Subgraph({"model_version:ft@1", LineageDirection::kUp, 0}), kInvalidArgument);
  EXPECT_CODE(L().Subgraph({"ft@1", LineageDirection::kUp, 1}), kInvalidArgument);
  // A dataset named by a model version but never registered is on an edge: it exists there.
  MakeVersion("base", {.dataset_refs = {"pretrain@4"}});
  LineageGraph g = Walk("dataset_version:pretrain@4", LineageDirection::kDown, 1);
  ASSERT_FALSE(g.nodes.empty());
  EXPECT_FALSE(g.nodes[0].exists);
  EXPECT_EQ(g.nodes.size(), 2u);
}

}  // namespace
}  // namespace ballast::store
