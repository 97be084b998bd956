// Registry store: listing with filters and order, concurrency, reopen and retiring versions.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "store/expr_sql.h"
#include "store/registry_test_fixtures.h"

namespace ballast::store {
namespace {

using registry_testing::Admin;
using registry_testing::kDay;
using registry_testing::kT0;
using registry_testing::Model;
using registry_testing::RegistryStoreTest;
using registry_testing::User;
using registry_testing::Version;

TEST_F(RegistryStoreTest, ListModelsPagesOrdersAndFilters) {
  for (std::string n : {"e", "b", "d", "a", "c"}) {
    RegisteredModel m = Model("support-" + n, n < "c" ? "core" : "edge");
    m.tags["letter"] = n;
    ASSERT_TRUE(R().CreateModel(m, User()));
  }
  std::vector<std::string> names;
  ListQuery q{.limit = 2};
  while (true) {
    auto page = R().ListModels(q);
    ASSERT_TRUE(page) << page.error().ToString();
    for (const auto& m : page->items) names.push_back(m.name);
    if (!page->next_offset) break;
    q.offset = *page->next_offset;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"support-a", "support-b", "support-c", "support-d",
                                             "support-e"}));

  auto desc = R().ListModels({.order_by = {{"owner", true}, {"name", true}}, .limit = 3});
  ASSERT_TRUE(desc);
  ASSERT_EQ(desc->items.size(), 3u);
  EXPECT_EQ(desc->items[0].name, "support-e");
  EXPECT_EQ(desc->items[2].name, "support-c");
  EXPECT_EQ(desc->next_offset, 3);

  SqlFilter filter{
      "m.owner = ? AND EXISTS (SELECT 1 FROM model_tags t WHERE t.model_id = m.id "
      "AND t.key = ? AND t.value LIKE ?)",
      {std::string("core"), std::string("letter"), std::string("b%")}};
  auto filtered = R().ListModels({.filter = filter});
  ASSERT_TRUE(filtered) << filtered.error().ToString();
  ASSERT_EQ(filtered->items.size(), 1u);
  EXPECT_EQ(filtered->items[0].name, "support-b");
  EXPECT_EQ(filtered->items[0].tags.at("letter"), "b");
  // A quoted '?' is not a placeholder.
  auto literal = R().ListModels({.filter = {"m.name != '?' AND m.created_at >= ?", {kT0}}});
  ASSERT_TRUE(literal) << literal.error().ToString();
  EXPECT_EQ(literal->items.size(), 5u);

  auto bad_order = R().ListModels({.order_by = {{"name", false}, {"secret", false}}});
  ASSERT_FALSE(bad_order);
  EXPECT_EQ(bad_order.error().field(), "order_by[1]");
  EXPECT_EQ(R().ListModels({.filter = {"1; DROP TABLE registered_models", {}}}).error().field(),
            "filter");
  EXPECT_EQ(R().ListModels({.filter = {"m.name = ?", {}}}).error().field(), "filter");
  EXPECT_EQ(R().ListModels({.filter = {"m.name = 'x", {}}}).error().field(), "filter");
  EXPECT_EQ(R().ListModels({.limit = 0}).error().field(), "limit");
  EXPECT_EQ(R().ListModels({.offset = -1}).error().field(), "offset");
  EXPECT_EQ(R().ListModels({})->items.size(), 5u);  // the table survived
}

TEST_F(RegistryStoreTest, ListVersionsAcrossModelsWithFilters) {
  Seed("a", 3);
  Seed("b", 2);
  ASSERT_TRUE(R().SetVersionTag("a", 2, "eval", "passed", User()));
  ASSERT_TRUE(R().TransitionStage("b", 1, Stage::kProduction, false, User()));

  auto of_a = R().ListVersions("a", {});
  ASSERT_TRUE(of_a);
  ASSERT_EQ(of_a->items.size(), 3u);
  EXPECT_EQ(of_a->items[0].version, 3);  // default: newest first

  auto all = R().ListVersions("", {.order_by = {{"name", false}, {"version", false}}});
  ASSERT_EQ(all->items.size(), 5u);
  EXPECT_EQ(all->items[0].model, "a");
  EXPECT_EQ(all->items[4].model, "b");
  EXPECT_EQ(all->items[4].version, 2);

  auto by_name = R().ListVersions(
      "", {.filter = {"m.name = ? AND v.version >= ?", {std::string("a"), int64_t{2}}}});
  ASSERT_TRUE(by_name) << by_name.error().ToString();
  EXPECT_EQ(by_name->items.size(), 2u);
  auto tagged = R().ListVersions(
      "", {.filter = {"EXISTS (SELECT 1 FROM model_version_tags t WHERE t.version_id = v.id AND "
                      "t.key = ? AND t.value = ?)",
                      {std::string("eval"), std::string("passed")}}});
  ASSERT_EQ(tagged->items.size(), 1u);
  EXPECT_EQ(tagged->items[0].model, "a");
  EXPECT_EQ(tagged->items[0].version, 2);
  auto staged = R().ListVersions("", {.filter = {"v.stage = ?", {std::string("Production")}}});
  ASSERT_EQ(staged->items.size(), 1u);
  EXPECT_EQ(staged->items[0].model, "b");
  auto page = R().ListVersions("a", {.offset = 2, .limit = 2});
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_FALSE(page->next_offset);
  EXPECT_CODE(R().ListVersions("nope", {}), kNotFound);
  EXPECT_EQ(R().ListVersions("a", {.order_by = {{"owner", false}}}).error().field(), "order_by[0]");
}

// The fragments of the real expression compiler (store/expr_sql.h) over the documented columns
// and side tables.
TEST_F(RegistryStoreTest, FiltersFromTheExpressionCompiler) {
  for (auto [name, team] : std::vector<std::pair<std::string, std::string>>{
           {"support-a", "core"}, {"support-b", "edge"}, {"sales-a", "core"}}) {
    RegisteredModel m = Model(name);
    m.tags["team"] = team;
    ASSERT_TRUE(R().CreateModel(m, User()));
    ModelVersion v = Version(name);
    v.lineage.dataset_refs = {"faq@" + std::to_string(name.size())};
    ASSERT_TRUE(R().CreateVersion(v, User()));
    ASSERT_TRUE(R().CreateVersion(Version(name), User()));
  }
  SearchFields models;
  models.AddColumn("name", expr::ValueType::kString, "m.name", true)
      .AddColumn("owner", expr::ValueType::kString, "m.owner", true)
      .AddMap("tags", expr::ValueType::kString,
              {.table = "model_tags",
               .owner_column = "model_id",
               .owner_sql = "m.id",
               .key_column = "key",
               .value_column = "value"});
  auto where = CompileWhere("name LIKE 'support%' AND tags.team = 'core'", models);
  ASSERT_TRUE(where) << where.error().ToString();
  auto page = R().ListModels({.filter = {where->sql, where->params}});
  ASSERT_TRUE(page) << page.error().ToString();
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].name, "support-a");

  SearchFields versions;
  versions.AddColumn("name", expr::ValueType::kString, "m.name", true)
      .AddColumn("version", expr::ValueType::kNumber, "v.version", true)
      .AddList("datasets", {.table = "model_version_datasets",
                            .owner_column = "version_id",
                            .owner_sql = "v.id",
                            .value_column = "ref"});
  auto vwhere = CompileWhere("has(datasets, 'faq@9') AND version = 1", versions);
  ASSERT_TRUE(vwhere) << vwhere.error().ToString();
  auto vpage = R().ListVersions("", {.filter = {vwhere->sql, vwhere->params}});
  ASSERT_TRUE(vpage) << vpage.error().ToString();
  ASSERT_EQ(vpage->items.size(), 2u);  // support-a and support-b (9 characters), not sales-a
  EXPECT_EQ(vpage->items[0].model, "support-a");
  EXPECT_EQ(vpage->items[1].model, "support-b");
}

// N threads update the same model with read-modify-write; each update appends the thread's
// token to the description. A stale etag must fail and be retried, so every token survives
// (no lost update) and every etag is won by exactly one writer.
TEST_F(RegistryStoreTest, ConcurrentUpdatesLoseNothing) {
  Seed("m", 0);
  constexpr int kThreads = 8;
  constexpr int kUpdatesEach = 10;
  std::mutex mu;
  std::vector<std::string> won_etags;
  std::atomic<int> conflicts{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kUpdatesEach; ++i) {
        while (true) {
          auto current = R().GetModel("m");
          if (!current) {
            ++errors;
            return;
          }
          RegisteredModel desired = *current;
          desired.description += "[" + std::to_string(t) + "." + std::to_string(i) + "]";
          auto r = R().UpdateModel("m", desired, current->etag, User());
          if (r) {
            std::lock_guard lock(mu);
            won_etags.push_back(current->etag);
            break;
          }
          if (r.error().code() != StatusCode::kFailedPrecondition) {
            ++errors;
            return;
          }
          ++conflicts;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  const std::string description = R().GetModel("m")->description;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kUpdatesEach; ++i) {
      std::string token = "[" + std::to_string(t) + "." + std::to_string(i) + "]";
      EXPECT_NE(description.find(token), std::string::npos) << token << " was lost";
    }
  }
  EXPECT_EQ(won_etags.size(), static_cast<size_t>(kThreads * kUpdatesEach));
  EXPECT_EQ(std::set<std::string>(won_etags.begin(), won_etags.end()).size(), won_etags.size())
      << "two updates won with the same etag";
  RecordProperty("etag_conflicts", conflicts.load());
}

TEST_F(RegistryStoreTest, ConcurrentCreatesGetDistinctNumbers) {
  Seed("m", 0);
  constexpr int kThreads = 6;
  constexpr int kEach = 10;
  std::mutex mu;
  std::vector<int64_t> numbers;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        auto v = R().CreateVersion(Version("m"), User());
        std::lock_guard lock(mu);
        numbers.push_back(v ? v->version : -1);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<int64_t> distinct(numbers.begin(), numbers.end());
  ASSERT_EQ(distinct.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(*distinct.begin(), 1);
  EXPECT_EQ(*distinct.rbegin(), kThreads * kEach);
}

TEST_F(RegistryStoreTest, EverythingSurvivesReopen) {
  RegisteredModel m = Model("m");
  m.tags = {{"team", "core"}};
  m.protected_aliases = {"production"};
  ASSERT_TRUE(R().CreateModel(m, User()));
  ASSERT_TRUE(R().CreateVersion(Version("m"), User()));
  ASSERT_TRUE(R().CreateVersion(Version("m", "gpt-4.1"), User()));
  ASSERT_TRUE(R().SetVersionTag("m", 2, "eval", "ok", User()));
  ASSERT_TRUE(R().SetAlias("m", "production", 2, "go", Admin()));
  ASSERT_TRUE(R().TransitionStage("m", 2, Stage::kStaging, false, User()));
  const std::string etag = R().GetModel("m")->etag;
  Open();
  auto got = R().GetModel("m");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->tags, m.tags);
  EXPECT_EQ(got->protected_aliases, m.protected_aliases);
  EXPECT_EQ(got->aliases, (std::map<std::string, int64_t>{{"production", 2}}));
  EXPECT_EQ(got->etag, etag);
  auto v = R().ResolveRef("m@production");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->source, "gpt-4.1");
  EXPECT_EQ(v->stage, Stage::kStaging);
  EXPECT_EQ(v->tags.at("eval"), "ok");
  EXPECT_EQ(R().AliasHistory("m", "production")->size(), 1u);
  EXPECT_CODE(R().SetAlias("m", "production", 1, "", User()), kPermissionDenied);
}

TEST_F(RegistryStoreTest, RetiringListsAliasedVersionsInTheWindow) {
  const EpochMillis now = kT0;
  Seed("m", 5);
  Seed("n", 1);
  auto retire = [&](const std::string& model, int64_t version, EpochMillis at) {
    ModelVersion v = *R().GetVersion(model, version);
    v.lifecycle = Lifecycle::kDeprecated;
    v.retires_at = at;
    ASSERT_TRUE(R().UpdateVersion(model, version, v, v.etag, User()));
  };
  retire("m", 1, now - kDay);       // already retired, still aliased: exposed
  retire("m", 2, now + 10 * kDay);  // aliased twice
  retire("m", 3, now + 40 * kDay);  // aliased, outside 30 days
  retire("m", 4, now + 5 * kDay);   // not aliased: nobody exposed
  retire("n", 1, now + 20 * kDay);  // aliased, then deleted
  ASSERT_TRUE(R().SetAlias("m", "legacy", 1, "", User()));
  ASSERT_TRUE(R().SetAlias("m", "production", 2, "", User()));
  ASSERT_TRUE(R().SetAlias("m", "champion", 2, "", User()));
  ASSERT_TRUE(R().SetAlias("m", "canary", 3, "", User()));
  ASSERT_TRUE(R().SetAlias("n", "production", 1, "", User()));
  ASSERT_TRUE(R().DeleteVersion("n", 1, "", User()).ok());

  auto within30 = R().Retiring(30 * kDay, now);
  ASSERT_TRUE(within30) << within30.error().ToString();
  ASSERT_EQ(within30->size(), 2u);
  EXPECT_EQ((*within30)[0].version, 1);
  EXPECT_EQ((*within30)[1].version, 2);
  EXPECT_EQ((*within30)[1].aliases, (std::vector<std::string>{"champion", "production"}));
  auto within90 = R().Retiring(90 * kDay, now);
  ASSERT_EQ(within90->size(), 3u);
  EXPECT_EQ((*within90)[2].version, 3);
  EXPECT_EQ(R().Retiring(0, now)->size(), 1u);
  EXPECT_EQ(R().Retiring(std::numeric_limits<int64_t>::max(), now)->size(), 3u);  // no overflow
  EXPECT_CODE(R().Retiring(-1, now), kInvalidArgument);
}

}  // namespace
}  // namespace ballast::store
