// SLO evaluation cost: the status (SLI, error budget, burn rate of every default alert window,
// exhaustion forecast) of 1,000 SLOs computed in-process from their bucket series, and the
// memory and serialized size of one series with 90 days of retention.
//
// Target (issue 3): all 1,000 statuses in under 10 ms.
//
//   build/<dir>/bench/slo_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "slo/budget.h"
#include "slo/series.h"
#include "slo/windows.h"

namespace ballast::slo {
namespace {

constexpr int64_t kMin = kMillisPerMinute;
constexpr int64_t kDay = kMillisPerDay;
constexpr EpochMillis kNow = 1'795'000'000'000;

// 90 days of traffic: every minute of the last 7 days (minute buckets), and one add per
// 10 minutes before that (hour and day buckets), with a few bad events.
SloSeries FilledSeries(uint32_t seed) {
  SloSeries s;
  std::mt19937 rng(seed);
  for (EpochMillis t = kNow - 90 * kDay + kMin; t <= kNow; t += kMin) {
    const bool recent = t > kNow - 7 * kDay;
    if (!recent && (t / kMin) % 10 != 0) continue;
    const uint64_t total = 50 + rng() % 100;
    const uint64_t bad = rng() % 1000 == 0 ? total / 2 : rng() % 2;
    (void)s.Add(t, total - bad, total);
  }
  return s;
}

struct Fleet {
  std::vector<SloSeries> series;
  std::vector<BudgetObjective> objectives;
  std::vector<std::vector<BurnRateWindow>> windows;
};

const Fleet& ThousandSlos() {
  static const Fleet fleet = [] {
    Fleet f;
    f.series.reserve(1000);
    for (uint32_t i = 0; i < 1000; ++i) {
      // Share the expensive fill across a few patterns; every SLO still has its own series.
      static const std::vector<SloSeries> patterns = {FilledSeries(1), FilledSeries(2),
                                                      FilledSeries(3), FilledSeries(4)};
      f.series.push_back(patterns[i % patterns.size()]);
      BudgetObjective o;
      o.method = BudgetingMethod::kOccurrences;
      o.target = i % 2 ? 0.999 : 0.99;
      o.window.duration = Duration{i % 3 == 0 ? 28 : 30, DurationUnit::kDay};
      if (i % 5 == 0) {  // a calendar month in a time zone
        o.window.duration = Duration{1, DurationUnit::kMonth};
        o.window.is_rolling = false;
        o.window.calendar = Calendar{"2026-01-01T00:00:00Z", "Europe/Paris",
                                     1'767'222'000'000};  // 2026-01-01 00:00 Paris
      }
      f.objectives.push_back(o);
      f.windows.push_back(DefaultBurnRateWindows(PeriodMillis(o.window)));
    }
    return f;
  }();
  return fleet;
}

void BM_StatusOf1000Slos(benchmark::State& state) {
  const Fleet& f = ThousandSlos();
  size_t firing = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < f.series.size(); ++i) {
      auto st = EvaluateObjective(f.objectives[i], f.series[i], f.windows[i], kNow);
      if (!st) state.SkipWithError(st.error().ToString().c_str());
      for (const auto& r : st->burn_rates) firing += r.breaching;
      benchmark::DoNotOptimize(st->exhausted_at);
    }
  }
  benchmark::DoNotOptimize(firing);
  state.counters["slos"] = static_cast<double>(f.series.size());
  state.counters["per_slo_us"] = benchmark::Counter(
      static_cast<double>(f.series.size()),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert,
      benchmark::Counter::kIs1000);
}
BENCHMARK(BM_StatusOf1000Slos)->Unit(benchmark::kMillisecond);

void BM_BurnRate1hWindow(benchmark::State& state) {
  const SloSeries& s = ThousandSlos().series[0];
  for (auto _ : state) benchmark::DoNotOptimize(s.SumRolling(kNow, 60 * kMin));
}
BENCHMARK(BM_BurnRate1hWindow);

void BM_Sum30Days(benchmark::State& state) {
  const SloSeries& s = ThousandSlos().series[0];
  for (auto _ : state) benchmark::DoNotOptimize(s.SumRolling(kNow + 37 * kMin, 30 * kDay));
}
BENCHMARK(BM_Sum30Days);

void BM_SeriesAdd(benchmark::State& state) {
  SloSeries s;
  EpochMillis t = kNow;
  for (auto _ : state) {
    t += 997;  // a new minute every ~60 adds
    benchmark::DoNotOptimize(s.Add(t, 1, 1));
  }
}
BENCHMARK(BM_SeriesAdd);

void BM_SeriesBytes90Days(benchmark::State& state) {
  const SloSeries& s = ThousandSlos().series[0];
  std::string image;
  for (auto _ : state) {
    image = s.Serialize();
    benchmark::DoNotOptimize(image.data());
  }
  state.counters["memory_bytes"] = static_cast<double>(s.MemoryBytes());
  state.counters["serialized_bytes"] = static_cast<double>(image.size());
}
BENCHMARK(BM_SeriesBytes90Days)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ballast::slo

BENCHMARK_MAIN();
