// SLO engine benchmarks (issue 3, "Proof"): what the live evaluator costs on the ingest hot path,
// how long the status of 1,000 SLOs takes, how much memory one (SLO, variant) series holds with
// 90 days of retention, and how long a restart with 1,000 SLOs and 30 days of history takes.
//
//   BM_IngestWithSlos/N     IngestNdjson + SloBatch classification + Take + Apply, N SLOs per
//                           service (0, 10, 100); target: N = 10 at ≥ 70 % of N = 0
//   BM_StatusOf1000Slos     SloEngine::Report of 1,000 SLOs with 30 days of data; < 10 ms
//   BM_StatusJsonOf1000Slos the same plus StatusToJson and dump(), as GET /v1/slos renders
//   BM_SeriesMemory90Days/K one series of SLO kind K after 90 days of per-minute counts; < 64 KiB
//   BM_RestartFromSqlite    fresh SQLite store + SloRuntime::Start over 1,000 SLOs whose series
//                           hold 30 days of history plus a one-minute delta log; < 2 s
//   BM_RestartPhases        the same sequence step by step, with each step's time as a counter
//
//   build/<dir>/bench/slo_engine_bench --benchmark_repetitions=3 --benchmark_counters_tabular=true
//
// Under a sanitizer the sizes shrink (slo_engine_fixtures.h, kSmoke) so the smoke run of
// scripts/test stays short.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <spdlog/spdlog.h>

#include "slo_engine_fixtures.h"
#include "common/clock.h"
#include "server/config.h"
#include "server/slo_runtime.h"
#include "slo/engine.h"
#include "slo/status_json.h"
#include "store/store.h"
#include "telemetry/ingest.h"

namespace ballast::bench {
namespace {

using slo::CompiledObjective;
using slo::SloEngine;

void Fail(const std::string& what) {
  std::fprintf(stderr, "slo_engine_bench: %s\n", what.c_str());
  std::abort();
}

// 1. Classification on the ingest hot path ------------------------------------------------------

const std::vector<std::string>& IngestServices() {
  static const std::vector<std::string> s = {"chat-api", "search-rag", "summarizer",
                                             "support-bot"};
  return s;
}

constexpr int kIngestEvents = kSmoke ? 1'000 : 100'000;
constexpr int kIngestMinutes = kSmoke ? 1 : 10;  // 100k events over 10 minutes, as ingest_bench

const std::string& IngestBody() {
  static const std::string body =
      EventsBody(IngestServices(), kIngestEvents, kNow - kIngestMinutes * kMinute, kNow, 42);
  return body;
}

void BM_IngestWithSlos(benchmark::State& state) {
  const int per_service = static_cast<int>(state.range(0));
  const std::string& body = IngestBody();
  SimulatedClock clock(kNow);
  telemetry::SeriesKeyRegistry registry;
  SloEngine engine;
  if (per_service > 0) {
    engine.Configure(CompileFleet(FleetYaml(IngestServices(), per_service), kNow - kDay));
  }
  telemetry::IngestOptions options;
  int64_t seq = 0, accepted = 0, classified = 0;
  size_t deltas = 0;
  for (auto _ : state) {
    // As the server does per request: a batch over the current definitions, classification of
    // every accepted event, the counts taken for the commit and applied once "durable".
    slo::SloBatch batch(engine);
    options.also = &batch;
    telemetry::IngestResult r = telemetry::IngestNdjson(body, options, registry, clock);
    store::SloCounts counts = batch.Take();
    engine.Apply(counts, ++seq);
    accepted = r.accepted;
    classified = batch.classified();
    deltas = counts.deltas.size();
    benchmark::DoNotOptimize(r.batch.deltas.data());
  }
  if (accepted != kIngestEvents) state.SkipWithError("events were rejected");
  state.SetItemsProcessed(state.iterations() * kIngestEvents);
  state.counters["slos_per_service"] = per_service;
  state.counters["classified_per_event"] =
      static_cast<double>(classified) / static_cast<double>(kIngestEvents);
  state.counters["slo_deltas"] = static_cast<double>(deltas);
  state.counters["series"] = static_cast<double>(engine.SeriesCount());
}
BENCHMARK(BM_IngestWithSlos)->Arg(0)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond);

// 2. Status of 1,000 SLOs ---------------------------------------------------------------------

constexpr int kFleetServices = kSmoke ? 10 : 100;  // × 10 SLOs each
constexpr int kHistoryDays = kSmoke ? 2 : 30;

// One snapshot per (kind of objective, pattern): the expensive fill is shared, every series
// still gets its own state when restored.
const std::string& PatternSnapshot(const CompiledObjective& o, int days, uint32_t seed) {
  static std::map<std::tuple<int, int64_t, bool, int, uint32_t>, std::string> cache;
  const bool aggregate = o.sli.mode() == slo::CompiledSli::Mode::kAggregate;
  auto key = std::make_tuple(static_cast<int>(o.budget.method), o.budget.time_slice_ms, aggregate,
                             days, seed);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, SnapshotFor(o, days, kNow, seed)).first;
  return it->second;
}

struct StatusFleet {
  SloEngine engine;
  std::vector<std::string> names;
};

const StatusFleet& ThousandSlos() {
  static StatusFleet* fleet = [] {
    auto* f = new StatusFleet;
    auto defs = CompileFleet(FleetYaml(ServiceNames(kFleetServices), 10), kNow - 60 * kDay);
    f->engine.Configure(defs);
    std::vector<store::SloSeriesRow> rows;
    int64_t id = 1;
    for (const CompiledObjective& o : defs->objectives) {
      rows.push_back({id, slo::SeriesKey(o, ""), o.slo, kNow - 60 * kDay,
                      PatternSnapshot(o, kHistoryDays, static_cast<uint32_t>(id % 3))});
      ++id;
    }
    auto skipped = f->engine.Restore(rows, {});
    if (!skipped || *skipped != 0) Fail("status fleet did not restore");
    f->engine.AdvanceTo(kNow);
    for (const auto& [name, compiled] : defs->slos) f->names.push_back(name);
    return f;
  }();
  return *fleet;
}

void BM_StatusOf1000Slos(benchmark::State& state) {
  const StatusFleet& f = ThousandSlos();
  size_t windows = 0, breaching = 0;
  for (auto _ : state) {
    windows = breaching = 0;
    for (const std::string& name : f.names) {
      auto reports = f.engine.Report(name, "", kNow);
      if (!reports) {
        state.SkipWithError(reports.error().ToString().c_str());
        return;
      }
      for (const slo::ObjectiveReport& r : *reports) {
        windows += r.status.burn_rates.size();
        for (const auto& b : r.status.burn_rates) breaching += b.breaching;
        if (!r.status.sli) state.SkipWithError("an SLO has no data");
      }
      benchmark::DoNotOptimize(reports->data());
    }
  }
  state.counters["slos"] = static_cast<double>(f.names.size());
  state.counters["windows_per_slo"] =
      static_cast<double>(windows) / static_cast<double>(f.names.size());
  state.counters["breaching"] = static_cast<double>(breaching);
  state.counters["per_slo_us"] = benchmark::Counter(
      static_cast<double>(f.names.size()),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert,
      benchmark::Counter::kIs1000);
}
BENCHMARK(BM_StatusOf1000Slos)->Unit(benchmark::kMillisecond);

void BM_StatusJsonOf1000Slos(benchmark::State& state) {
  const StatusFleet& f = ThousandSlos();
  auto defs = f.engine.definitions();
  size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    for (const std::string& name : f.names) {
      auto reports = f.engine.Report(name, "", kNow);
      if (!reports) {
        state.SkipWithError(reports.error().ToString().c_str());
        return;
      }
      bytes += slo::StatusToJson(defs->slos.find(name)->second, *reports, kNow).dump().size();
    }
  }
  state.counters["slos"] = static_cast<double>(f.names.size());
  state.counters["json_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_StatusJsonOf1000Slos)->Unit(benchmark::kMillisecond);

// 3. Memory of one series with 90 days of retention -------------------------------------------

constexpr int kRetentionDays = kSmoke ? 3 : 90;

// One SLO of kind `kind` (slo_engine_fixtures.h); its all-variants series receives the
// per-minute counts of `kRetentionDays` through Apply, as ingest commits deliver them, and the
// engine closes slices hourly as the evaluation timer would.
void BM_SeriesMemory90Days(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  const EpochMillis start = kNow - kRetentionDays * kDay;
  size_t engine_bytes = 0, state_bytes = 0, snapshot_bytes = 0, series = 0;
  for (auto _ : state) {
    SloEngine engine;
    auto defs = CompileFleet(ServiceYaml("mem") + SloYaml("mem", kind), start);
    engine.Configure(defs);
    const CompiledObjective& o = defs->objectives.at(0);
    const bool aggregate = o.sli.mode() == slo::CompiledSli::Mode::kAggregate;
    auto restored = engine.Restore({{1, slo::SeriesKey(o, ""), o.slo, start, ""}}, {});
    if (!restored || *restored != 0) Fail("memory series did not restore");
    std::vector<std::string> sketches;  // a pool of per-minute TTFT sketches
    std::mt19937 rng(7);
    std::lognormal_distribution<double> ttft(5.0, 0.5);
    for (int i = 0; aggregate && i < 16; ++i) {
      telemetry::DDSketch s;
      for (int j = 0; j < 100; ++j) s.Add(ttft(rng));
      sketches.push_back(s.Serialize());
    }
    int64_t seq = 0;
    for (EpochMillis hour = start; hour < kNow; hour += kHour) {
      store::SloCounts counts;
      for (EpochMillis m = hour; m < hour + kHour; m += kMinute) {
        const slo::Counts c = MinuteTraffic(rng);
        counts.deltas.push_back({1, m, aggregate ? c.total : c.good, c.total,
                                 aggregate ? sketches[rng() % sketches.size()] : std::string()});
      }
      engine.Apply(counts, ++seq);
      engine.AdvanceTo(hour + kHour + engine.options().slice_grace_ms);
    }
    engine_bytes = engine.MemoryBytes();
    series = engine.SeriesCount();
    SloEngine::Snapshot snap = engine.TakeSnapshot();
    if (snap.series.size() != 1) Fail("memory series was not snapshotted");
    snapshot_bytes = snap.series[0].second.size();
    slo::SeriesState copy;
    if (!copy.Deserialize(snap.series[0].second).ok()) Fail("snapshot does not load");
    state_bytes = copy.MemoryBytes();
    auto report = engine.Report(o.slo, "", kNow);
    if (!report || !report->at(0).status.sli) Fail("memory series has no SLI");
  }
  state.counters["kind"] = kind;
  state.counters["series"] = static_cast<double>(series);
  state.counters["engine_bytes_per_series"] = static_cast<double>(engine_bytes / series);
  state.counters["state_bytes"] = static_cast<double>(state_bytes);
  state.counters["snapshot_bytes"] = static_cast<double>(snapshot_bytes);
}
// 0: Occurrences (availability); 5: Timeslices of 1 min with a p95 aggregate; 9: Timeslices of
// 5 min with a ratio SLI.
BENCHMARK(BM_SeriesMemory90Days)->Arg(0)->Arg(5)->Arg(9)->Iterations(1)->Unit(
    benchmark::kMillisecond);

// 4. Restart ----------------------------------------------------------------------------------

constexpr int kLogCommits = kSmoke ? 5 : 60;     // one ingest commit a second since the snapshot
constexpr int kEventsPerCommit = kSmoke ? 200 : 1'000;

Result<store::IngestOutcome> CommitSlo(store::Store& st, store::SloCounts counts) {
  std::promise<Result<store::IngestOutcome>> done;
  store::IngestCommit commit;
  commit.slo = std::move(counts);
  commit.received_at = kNow;
  Status queued = st.Telemetry().CommitIngest(
      std::move(commit), [&](Result<store::IngestOutcome> r) { done.set_value(std::move(r)); });
  if (!queued.ok()) return queued;
  return done.get_future().get();
}

// A data directory as a server leaves it after a crash: 1,000 SLOs applied, every (SLO, variant)
// series snapshotted with 30 days of history, and the deltas of the minute since the snapshot.
struct RestartFixture {
  std::string dir;
  size_t series = 0;
  size_t deltas = 0;
  size_t snapshot_bytes = 0;

  RestartFixture() {
    spdlog::set_level(spdlog::level::warn);  // SloRuntime::Start logs each restart
    char tmpl[] = "/tmp/ballast-slo-restart-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) Fail("mkdtemp failed");
    dir = tmpl;
    SimulatedClock clock(kNow - 60 * kDay);  // the SLOs were applied two months ago
    auto opened = store::OpenSqliteStore({.data_dir = dir, .durable = false, .clock = &clock});
    if (!opened) Fail(opened.error().ToString());
    std::unique_ptr<store::Store> st = std::move(*opened);
    {
      server::SloRuntime runtime(*st, clock, server::SloConfig{});
      if (auto started = runtime.Start(); !started) Fail(started.error().ToString());
      const std::vector<std::string> services = ServiceNames(kFleetServices);
      auto applied = runtime.Apply(FleetYaml(services, 10), false, "bench");
      if (!applied) Fail(applied.error().status.ToString());
      clock.Set(kNow);

      // The ingest commits since the snapshot; the first one also registers every series.
      SloEngine& engine = runtime.engine();
      telemetry::SeriesKeyRegistry registry;
      std::vector<store::SloCounts> log;
      for (int i = 0; i <= kLogCommits; ++i) {
        const EpochMillis from = kNow - kMinute + i * kMinute / (kLogCommits + 1);
        std::string body = EventsBody(services, i == 0 ? 20 * kEventsPerCommit : kEventsPerCommit,
                                      from, from + kMinute / (kLogCommits + 1), 100 + i);
        slo::SloBatch batch(engine);
        telemetry::IngestOptions options;
        options.also = &batch;
        telemetry::IngestNdjson(body, options, registry, clock);
        log.push_back(batch.Take());
        if (i == 0) engine.Apply(log[0], 0);  // series ids handed out; later ones are known
      }
      auto first = CommitSlo(*st, std::move(log[0]));
      if (!first) Fail(first.error().ToString());
      // The snapshot: each series with 30 days of history of its objective's kind.
      auto defs = engine.definitions();
      auto rows = st->Slos().LoadSloSeries();
      if (!rows) Fail(rows.error().ToString());
      std::vector<std::pair<int64_t, std::string>> snapshots;
      for (const store::SloSeriesRow& row : *rows) {
        const std::string slo_name = row.series_key.substr(0, row.series_key.find('/'));
        const CompiledObjective& o =
            defs->objectives.at(defs->slos.at(slo_name).objectives.at(0));
        snapshots.emplace_back(row.id, PatternSnapshot(o, kHistoryDays,
                                                       static_cast<uint32_t>(row.id % 3)));
        snapshot_bytes += snapshots.back().second.size();
      }
      Status saved = st->Slos().SaveSloSnapshot(std::move(snapshots), first->slo_seq, "{}");
      if (!saved.ok()) Fail(saved.ToString());
      for (size_t i = 1; i < log.size(); ++i) {
        deltas += log[i].deltas.size();
        auto r = CommitSlo(*st, std::move(log[i]));
        if (!r) Fail(r.error().ToString());
      }
      auto all_rows = st->Slos().LoadSloSeries();
      if (!all_rows) Fail(all_rows.error().ToString());
      series = all_rows->size();
      // No Stop(): a crash leaves the delta log for the restart to replay.
    }
    st->Close();
  }
  ~RestartFixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

const RestartFixture& Restart() {
  static RestartFixture fixture;
  return fixture;
}

void RestartCounters(benchmark::State& state, const RestartFixture& f) {
  state.counters["slos"] = kFleetServices * 10;
  state.counters["series"] = static_cast<double>(f.series);
  state.counters["log_deltas"] = static_cast<double>(f.deltas);
  state.counters["snapshot_MB"] = static_cast<double>(f.snapshot_bytes) / 1e6;
}

void BM_RestartFromSqlite(benchmark::State& state) {
  const RestartFixture& f = Restart();
  SimulatedClock clock(kNow);
  size_t restored = 0;
  int64_t start_ms = 0;
  for (auto _ : state) {
    auto opened = store::OpenSqliteStore({.data_dir = f.dir, .clock = &clock});
    if (!opened) Fail(opened.error().ToString());
    {
      server::SloRuntime runtime(**opened, clock, server::SloConfig{});
      auto started = runtime.Start();
      if (!started) Fail(started.error().ToString());
      start_ms = *started;
      restored = runtime.engine().SeriesCount();
    }
    (*opened)->Close();
  }
  if (restored != f.series) state.SkipWithError("not every series was restored");
  RestartCounters(state, f);
  state.counters["start_ms"] = static_cast<double>(start_ms);
}
BENCHMARK(BM_RestartFromSqlite)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(
    kSmoke ? 1 : 3);

// SloRuntime::Start's steps, each timed: objects → catalog → CompileDefinitions → Configure →
// LoadSloSeries → LoadSloDeltas → Restore → AdvanceTo.
void BM_RestartPhases(benchmark::State& state) {
  const RestartFixture& f = Restart();
  SimulatedClock clock(kNow);
  std::map<std::string, double> ms;
  using Steady = std::chrono::steady_clock;
  for (auto _ : state) {
    auto opened = store::OpenSqliteStore({.data_dir = f.dir, .clock = &clock});
    if (!opened) Fail(opened.error().ToString());
    store::Store& st = **opened;
    auto t = Steady::now();
    auto lap = [&](const char* phase) {
      const auto now = Steady::now();
      ms[phase] += std::chrono::duration<double, std::milli>(now - t).count();
      t = now;
    };
    auto objects = st.Slos().ListObjects("");
    std::vector<slo::Source> sources;
    for (const store::StoredObject& row : *objects) {
      sources.push_back({"stored " + row.kind + " " + row.name, row.content_json});
    }
    lap("objects_ms");
    slo::LoadResult loaded = slo::LoadSources(sources);
    if (!loaded.ok()) Fail(loaded.diagnostics.ToString());
    lap("catalog_ms");
    std::map<std::string, EpochMillis, std::less<>> applied;
    for (const store::StoredObject& row : *objects) {
      if (row.kind == "SLO") applied[row.name] = row.applied_at;
    }
    auto defs = slo::CompileDefinitions(loaded.catalog, applied);
    if (!defs) Fail(defs.error().ToString());
    SloEngine engine;
    engine.Configure(*defs);
    lap("compile_ms");
    auto rows = st.Slos().LoadSloSeries();
    lap("load_series_ms");
    auto deltas = st.Slos().LoadSloDeltas();
    lap("load_deltas_ms");
    auto skipped = engine.Restore(*rows, *deltas);
    if (!skipped || *skipped != 0) Fail("restore skipped series");
    lap("restore_ms");
    engine.AdvanceTo(kNow);
    lap("advance_ms");
    st.Close();
  }
  RestartCounters(state, f);
  for (const auto& [phase, total] : ms) {
    state.counters[phase] = total / static_cast<double>(state.iterations());
  }
}
BENCHMARK(BM_RestartPhases)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(
    kSmoke ? 1 : 3);

}  // namespace
}  // namespace ballast::bench

BENCHMARK_MAIN();
