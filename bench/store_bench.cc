// Store benchmarks: durable commit throughput and latency of ingest batches through the single
// writer with group commit (DESIGN.md §4).
//
// A batch models one 1,000-event POST /v1/events: 10 deltas (10 series keys, 100 events each,
// with latency and TTFT sketches) and a fresh idempotency key. synchronous=FULL unless the
// benchmark name says nodurable.
//
//   BM_CommitSync/threads:N   N submitters, each waits for its batch's fsync before the next:
//                             latency per commit (p50/p99 counters) and throughput.
//   BM_CommitPipelined/N      one submitter keeping N batches in flight: writer throughput.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <random>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite_store.h"

namespace ballast::store {
namespace {

constexpr int kKeys = 10;
constexpr int kEventsPerDelta = 100;
constexpr EpochMillis kT0 = 1'800'000'000'000;

// Counts group commits, to report the average group size.
class GroupCounter : public WriterObserver {
 public:
  void OnCommit(double, int operations, bool) override {
    commits.fetch_add(1, std::memory_order_relaxed);
    ops.fetch_add(operations, std::memory_order_relaxed);
  }
  std::atomic<int64_t> commits{0}, ops{0};
};

struct Fixture {
  GroupCounter groups;
  std::string dir;
  std::unique_ptr<Store> store;
  std::vector<telemetry::RollupDelta> template_deltas;
  std::atomic<int64_t> next_batch{0};
};
Fixture* g_fixture = nullptr;

void OpenFixture(bool durable) {
  g_fixture = new Fixture();
  std::string tmpl = (std::filesystem::temp_directory_path() / "ballast-bench-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) abort();
  g_fixture->dir = tmpl;
  auto store =
      OpenSqliteStore({.data_dir = tmpl, .durable = durable, .observer = &g_fixture->groups});
  if (!store) {
    fprintf(stderr, "open: %s\n", store.error().ToString().c_str());
    abort();
  }
  g_fixture->store = std::move(*store);

  std::mt19937 rng(42);
  std::lognormal_distribution<double> latency(6.5, 0.6);  // ~700 ms median
  IngestCommit keys;
  for (int k = 0; k < kKeys; ++k) {
    keys.batch.new_keys.push_back(
        {k + 1, {"svc-" + std::to_string(k % 3), "variant-" + std::to_string(k), "gpt-x", "p@1"}});
    telemetry::Rollup r;
    for (int e = 0; e < kEventsPerDelta; ++e) {
      telemetry::RequestEvent ev;
      ev.latency_ms = latency(rng);
      ev.ttft_ms = *ev.latency_ms / 5;
      ev.input_tokens = 500;
      ev.output_tokens = 200;
      ev.cost_usd = 0.002;
      r.Add(ev);
    }
    g_fixture->template_deltas.push_back({k + 1, kT0, std::move(r)});
  }
  std::promise<Status> done;
  if (!g_fixture->store->Telemetry()
           .CommitIngest(std::move(keys),
                         [&](Result<IngestOutcome> r) { done.set_value(r.status()); })
           .ok())
    abort();
  Status st = done.get_future().get();
  if (!st.ok()) {
    fprintf(stderr, "inserting series keys: %s\n", st.ToString().c_str());
    abort();
  }
}

void CloseFixture() {
  g_fixture->store->Close();
  std::error_code ec;
  std::filesystem::remove_all(g_fixture->dir, ec);
  delete g_fixture;
  g_fixture = nullptr;
}

void SetupDurable(const benchmark::State&) { OpenFixture(true); }
void SetupNotDurable(const benchmark::State&) { OpenFixture(false); }
void Teardown(const benchmark::State&) { CloseFixture(); }

IngestCommit NextBatch() {
  const int64_t n = g_fixture->next_batch.fetch_add(1);
  IngestCommit c;
  c.idempotency_key = "bench-" + std::to_string(n);
  c.body_hash = "h";
  c.response_json = R"({"accepted":1000,"rejected":[]})";
  c.batch.deltas = g_fixture->template_deltas;
  // Minutes advance slowly, as live traffic does: consecutive batches hit the same rows.
  for (auto& d : c.batch.deltas) d.minute = kT0 + (n / 2000) * telemetry::kMinuteMillis;
  return c;
}

// Batches per transaction so far in this run (setup's one-batch commit included).
void SetGroupSize(benchmark::State& state) {
  if (state.thread_index() != 0) return;
  const int64_t commits = g_fixture->groups.commits.load();
  if (commits > 0) {
    state.counters["batches_per_commit"] =
        static_cast<double>(g_fixture->groups.ops.load()) / static_cast<double>(commits);
  }
}

void SetPercentiles(benchmark::State& state, std::vector<double>& micros) {
  if (micros.empty()) return;
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) { return micros[static_cast<size_t>(q * (micros.size() - 1))]; };
  state.counters["p50_us"] = benchmark::Counter(at(0.5), benchmark::Counter::kAvgThreads);
  state.counters["p99_us"] = benchmark::Counter(at(0.99), benchmark::Counter::kAvgThreads);
}

void BM_CommitSync(benchmark::State& state) {
  TelemetryStore& t = g_fixture->store->Telemetry();
  std::vector<double> micros;
  for (auto _ : state) {
    IngestCommit batch = NextBatch();
    std::promise<bool> done;
    const auto start = std::chrono::steady_clock::now();
    Status st = t.CommitIngest(std::move(batch),
                               [&](Result<IngestOutcome> r) { done.set_value(r.has_value()); });
    if (!st.ok() || !done.get_future().get()) {
      state.SkipWithError("commit failed");
      break;
    }
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
  }
  state.SetItemsProcessed(state.iterations());  // batches
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kKeys * kEventsPerDelta,
                         benchmark::Counter::kIsRate);
  SetPercentiles(state, micros);
  SetGroupSize(state);
}
BENCHMARK(BM_CommitSync)
    ->Setup(SetupDurable)
    ->Teardown(Teardown)
    ->ThreadRange(1, 64)
    ->UseRealTime()
    ->MinTime(2.0);
BENCHMARK(BM_CommitSync)
    ->Name("BM_CommitSync_nodurable")
    ->Setup(SetupNotDurable)
    ->Teardown(Teardown)
    ->Threads(16)
    ->UseRealTime()
    ->MinTime(2.0);

void BM_CommitPipelined(benchmark::State& state) {
  TelemetryStore& t = g_fixture->store->Telemetry();
  std::counting_semaphore<1 << 20> slots(state.range(0));
  std::atomic<int64_t> failures{0};
  for (auto _ : state) {
    slots.acquire();
    while (true) {
      Status st = t.CommitIngest(NextBatch(), [&](Result<IngestOutcome> r) {
        if (!r) ++failures;
        slots.release();
      });
      if (st.ok()) break;
      if (!st.IsResourceExhausted()) {
        state.SkipWithError(st.ToString().c_str());
        return;
      }
      std::this_thread::yield();
    }
  }
  for (int64_t i = 0; i < state.range(0); ++i) slots.acquire();  // wait for the tail
  if (failures.load() != 0) state.SkipWithError("commit failed");
  SetGroupSize(state);
  state.SetItemsProcessed(state.iterations());
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kKeys * kEventsPerDelta,
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CommitPipelined)
    ->Setup(SetupDurable)
    ->Teardown(Teardown)
    ->Arg(64)
    ->Arg(512)
    ->UseRealTime()
    ->MinTime(2.0);

}  // namespace
}  // namespace ballast::store

BENCHMARK_MAIN();
