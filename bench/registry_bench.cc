// Registry store benchmarks, in process (issue 4 "Proof"): with 100,000 model versions stored
// (1,000 models × 100 versions, tags, aliases, lifecycle dates), the latency of
//
//   BM_CreateVersionDurable   creating a version with synchronous=FULL (one fsync per group
//                             commit; one submitter, so every create is its own commit)
//   BM_ResolveAlias           resolving `name@alias` (target: p99 under 20 µs in process)
//   BM_ResolveAliasAfterWrite the same, each right after a write (the resolve cache dropped)
//   BM_ResolveNumber          resolving `name@N`
//   BM_SearchVersions         a filtered search: the versions with a tag of models of one team
//                             whose name starts with "support", one page of 100 (and the same
//                             newest first: BM_SearchVersionsNewestFirst)
//   BM_SearchModels           `name LIKE 'support%' AND tags.team = 'core'` over the models
//
// Each reports p50/p99/max in microseconds as counters (percentiles over every iteration).
// The store is seeded once per process (non-durable, 4 threads) and reopened durable. The size
// comes from $REGISTRY_BENCH_VERSIONS (default 100000; the test suite's smoke run sets it
// small): models = versions / 100.
//
//   build/release/bench/registry_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "store/expr_sql.h"
#include "store/sqlite_store.h"

namespace ballast::store {
namespace {

constexpr EpochMillis kT0 = 1'800'000'000'000;
constexpr int kVersionsPerModel = 100;
const char* const kTeams[] = {"core", "search", "support", "growth", "infra"};

struct Fixture {
  std::string dir;
  std::unique_ptr<Store> store;
  int models = 0;
  std::atomic<int64_t> seq{0};
};
Fixture* g_fixture = nullptr;

int64_t ConfiguredVersions() {
  const char* env = std::getenv("REGISTRY_BENCH_VERSIONS");
  int64_t n = env ? std::atoll(env) : 100'000;
  return std::max<int64_t>(n, kVersionsPerModel);
}

std::string ModelName(int i) {
  // A fifth of the names start with "support", as the search benchmark expects.
  return (i % 5 == 0 ? "support-bot-" : "assistant-") + std::to_string(i);
}

void Die(const char* what, const Status& st) {
  std::fprintf(stderr, "%s: %s\n", what, st.ToString().c_str());
  std::abort();
}

void Seed(Store& store, int models) {
  RegistryStore& r = store.Registry();
  Actor actor{"bench", kT0, true};
  std::atomic<int> next{0};
  auto work = [&] {
    for (int i = next.fetch_add(1); i < models; i = next.fetch_add(1)) {
      RegisteredModel m;
      m.name = ModelName(i);
      m.owner = "owner-" + std::to_string(i % 17);
      m.provider = i % 2 ? "openai" : "self-hosted";
      m.description = "benchmark model";
      m.tags = {{"team", kTeams[i % 5]}, {"tier", i % 3 ? "standard" : "critical"}};
      if (auto c = r.CreateModel(m, actor); !c) Die("create model", c.error());
      for (int v = 1; v <= kVersionsPerModel; ++v) {
        ModelVersion mv;
        mv.model = m.name;
        mv.source = "gpt-4o-2024-08-" + std::to_string(v);
        mv.tags = {{"eval", v % 4 ? "passed" : "failed"}, {"batch", std::to_string(v % 10)}};
        mv.retires_at = kT0 + (v % 90) * 86'400'000LL;
        mv.lineage.code_commit = "c0ffee" + std::to_string(v);
        if (auto c = r.CreateVersion(mv, actor); !c) Die("create version", c.error());
      }
      if (auto a = r.SetAlias(m.name, "production", 90, "seed", actor); !a)
        Die("alias", a.error());
      if (auto a = r.SetAlias(m.name, "champion", 95, "seed", actor); !a)
        Die("alias", a.error());
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(work);
  for (auto& t : threads) t.join();
}

Fixture& GetFixture() {
  if (g_fixture) return *g_fixture;
  g_fixture = new Fixture();
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "ballast-registry-bench-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) std::abort();
  g_fixture->dir = tmpl;
  g_fixture->models = static_cast<int>(ConfiguredVersions() / kVersionsPerModel);
  auto started = std::chrono::steady_clock::now();
  {
    auto seeding = OpenSqliteStore({.data_dir = tmpl, .durable = false});
    if (!seeding) Die("open", seeding.error());
    Seed(**seeding, g_fixture->models);
    (*seeding)->Close();
  }
  std::fprintf(stderr, "seeded %d models × %d versions in %.1f s\n", g_fixture->models,
               kVersionsPerModel,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  auto store = OpenSqliteStore({.data_dir = tmpl, .durable = true});
  if (!store) Die("reopen", store.error());
  g_fixture->store = std::move(*store);
  return *g_fixture;
}

// Times `op` once per iteration (after an untimed `prepare`) and reports percentiles in
// microseconds.
template <typename Op, typename Prepare = void (*)()>
void Timed(benchmark::State& state, Op op, Prepare prepare = [] {}) {
  std::vector<double> us;
  us.reserve(1 << 16);
  for (auto _ : state) {
    state.PauseTiming();
    prepare();
    state.ResumeTiming();
    auto t0 = std::chrono::steady_clock::now();
    op();
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, size_t(q * us.size()))]; };
  state.counters["p50_us"] = at(0.50);
  state.counters["p99_us"] = at(0.99);
  state.counters["max_us"] = us.back();
  state.counters["stored_versions"] = double(g_fixture->models) * kVersionsPerModel;
}

void BM_CreateVersionDurable(benchmark::State& state) {
  Fixture& f = GetFixture();
  Actor actor{"bench", kT0, false};
  Timed(state, [&] {
    int64_t i = f.seq.fetch_add(1);
    ModelVersion mv;
    mv.model = ModelName(static_cast<int>(i % f.models));
    mv.source = "ft:gpt-4o:bench:" + std::to_string(i);
    mv.tags = {{"eval", "pending"}};
    auto v = f.store->Registry().CreateVersion(mv, actor);
    if (!v) state.SkipWithError(v.error().ToString().c_str());
  });
}
BENCHMARK(BM_CreateVersionDurable)->UseRealTime();

void BM_ResolveAlias(benchmark::State& state) {
  Fixture& f = GetFixture();
  std::vector<std::string> refs;
  for (int i = 0; i < f.models; ++i) refs.push_back(ModelName(i) + "@production");
  size_t n = 0;
  Timed(state, [&] {
    auto v = f.store->Registry().ResolveRef(refs[n++ % refs.size()]);
    if (!v) state.SkipWithError(v.error().ToString().c_str());
    benchmark::DoNotOptimize(v);
  });
}
BENCHMARK(BM_ResolveAlias)->UseRealTime();

// The same right after a write of the registry (a tag set on another model, untimed): the
// resolve cache has been dropped, so every resolve reads SQLite (six statements).
void BM_ResolveAliasAfterWrite(benchmark::State& state) {
  Fixture& f = GetFixture();
  Actor actor{"bench", kT0, false};
  std::vector<std::string> refs;
  for (int i = 1; i < f.models; ++i) refs.push_back(ModelName(i) + "@production");
  size_t n = 0;
  const std::string writes_to = ModelName(0);
  Timed(
      state,
      [&] {
        auto v = f.store->Registry().ResolveRef(refs[n++ % refs.size()]);
        if (!v) state.SkipWithError(v.error().ToString().c_str());
        benchmark::DoNotOptimize(v);
      },
      [&] {
        auto t = f.store->Registry().SetModelTag(writes_to, "touched", std::to_string(n), actor);
        if (!t) state.SkipWithError(t.error().ToString().c_str());
      });
}
BENCHMARK(BM_ResolveAliasAfterWrite)->UseRealTime()->Iterations(2000);

void BM_ResolveNumber(benchmark::State& state) {
  Fixture& f = GetFixture();
  std::mt19937 rng(7);
  std::vector<std::string> refs;
  for (int i = 0; i < 4096; ++i) {
    refs.push_back(ModelName(int(rng() % f.models)) + "@" +
                   std::to_string(1 + rng() % kVersionsPerModel));
  }
  size_t n = 0;
  Timed(state, [&] {
    auto v = f.store->Registry().ResolveRef(refs[n++ % refs.size()]);
    if (!v) state.SkipWithError(v.error().ToString().c_str());
    benchmark::DoNotOptimize(v);
  });
}
BENCHMARK(BM_ResolveNumber)->UseRealTime();

// The filter the way the HTTP routes compile it: expression language -> SQL over the columns
// registry_store.h documents.
SqlFilter VersionFilter(std::string_view text) {
  SearchFields fields;
  fields.AddColumn("name", expr::ValueType::kString, "m.name")
      .AddColumn("source", expr::ValueType::kString, "v.source")
      .AddColumn("retires_at", expr::ValueType::kTime, "v.retires_at")
      .AddMap("model_tags", expr::ValueType::kString,
              {.table = "model_tags", .owner_column = "model_id", .owner_sql = "m.id",
               .key_column = "key", .value_column = "value"})
      .AddMap("tags", expr::ValueType::kString,
              {.table = "model_version_tags", .owner_column = "version_id",
               .owner_sql = "v.id", .key_column = "key", .value_column = "value"});
  auto where = CompileWhere(text, fields);
  if (!where) Die("compile filter", where.error());
  return SqlFilter{std::move(where->sql), std::move(where->params)};
}

void SearchVersions(benchmark::State& state, std::vector<OrderBy> order) {
  Fixture& f = GetFixture();
  ListQuery q;
  q.filter = VersionFilter("model_tags.team = 'core' AND tags.eval = 'failed' AND "
                           "name LIKE 'support%'");
  q.order_by = std::move(order);
  q.limit = 100;
  size_t found = 0;
  Timed(state, [&] {
    auto page = f.store->Registry().ListVersions("", q);
    if (!page) state.SkipWithError(page.error().ToString().c_str());
    found = page ? page->items.size() : 0;
  });
  state.counters["found"] = double(found);
}

// Default order (model name, version descending): SQLite walks the name index and stops after
// one page.
void BM_SearchVersions(benchmark::State& state) { SearchVersions(state, {}); }
BENCHMARK(BM_SearchVersions)->UseRealTime();

// Newest first across every matching model: every match (a twentieth of all versions) is
// sorted before the first page is known.
void BM_SearchVersionsNewestFirst(benchmark::State& state) {
  SearchVersions(state, {{"created_at", true}});
}
BENCHMARK(BM_SearchVersionsNewestFirst)->UseRealTime();

void BM_SearchModels(benchmark::State& state) {
  Fixture& f = GetFixture();
  SearchFields fields;
  fields.AddColumn("name", expr::ValueType::kString, "m.name")
      .AddMap("tags", expr::ValueType::kString,
              {.table = "model_tags", .owner_column = "model_id", .owner_sql = "m.id",
               .key_column = "key", .value_column = "value"});
  auto where = CompileWhere("name LIKE 'support%' AND tags.team = 'core'", fields);
  if (!where) Die("compile filter", where.error());
  ListQuery q;
  q.filter = SqlFilter{where->sql, where->params};
  q.limit = 100;
  size_t found = 0;
  Timed(state, [&] {
    auto page = f.store->Registry().ListModels(q);
    if (!page) state.SkipWithError(page.error().ToString().c_str());
    found = page ? page->items.size() : 0;
  });
  state.counters["found"] = double(found);
}
BENCHMARK(BM_SearchModels)->UseRealTime();

}  // namespace
}  // namespace ballast::store

BENCHMARK_MAIN();
