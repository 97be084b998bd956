// Fixtures of the SLO engine benchmarks (bench/slo_engine_bench.cc): a realistic set of OpenSLO
// definitions per service, NDJSON request events for ingest, and the serialized state of a
// series with weeks of history, as SloEngine::TakeSnapshot writes it.
//
// Sizes shrink under a sanitizer (kSmoke) so that `scripts/test` can run every benchmark once
// in a few seconds; the figures in docs/performance.md come from Release builds.
//
// Thread safety: plain functions of their arguments; not synchronised.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/time.h"
#include "slo/engine.h"
#include "slo/loader.h"
#include "telemetry/ddsketch.h"

namespace ballast::bench {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSmoke = true;
#else
inline constexpr bool kSmoke = false;
#endif

inline constexpr EpochMillis kNow = 1'795'000'000'000;  // 2026-11-18
inline constexpr int64_t kMinute = slo::kMillisPerMinute;
inline constexpr int64_t kHour = slo::kMillisPerHour;
inline constexpr int64_t kDay = slo::kMillisPerDay;

// The ten kinds of SLO a service gets, in this order; SLO k of a service is kind k % 10, and
// repeats (k ≥ 10) get tighter bounds so that every definition is distinct.
//   0 availability (ratio, outcome = 'ok')    5 p95 TTFT per minute (Timeslices, aggregate)
//   1 end-to-end latency threshold             6 no hallucination among judged requests (bad)
//   2 TTFT threshold of chat calls             7 time per output token threshold
//   3 safety: NOT has(flags, 'pii_leak')       8 latency of two tenants (IN, attributes)
//   4 cost per request, calendar month         9 canary availability (Timeslices, 5 min slices)
inline std::string SloYaml(const std::string& service, int k) {
  const int rep = k / 10;
  const double f = 1.0 + 0.05 * rep;  // repeats: slightly different bounds
  const std::string name = service + "-slo-" + std::to_string(k);
  std::string head = "---\napiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: " + name +
                     "\nspec:\n  service: " + service + "\n  indicator:\n    metadata:\n" +
                     "      name: " + name + "-sli\n    spec:\n";
  auto rolling = [](const char* d) {
    return std::string("  timeWindow:\n    - duration: ") + d + "\n      isRolling: true\n";
  };
  auto calendar = [](const char* tz) {
    return std::string(
               "  timeWindow:\n    - duration: 1M\n      isRolling: false\n      calendar:\n"
               "        startTime: 2025-01-01 00:00:00\n        timeZone: ") +
           tz + "\n";
  };
  auto thresh = [&](const std::string& where, const char* field, const char* agg) {
    std::string s = "      thresholdMetric:\n        metricSource:\n          type: ballast\n"
                    "          spec:\n";
    if (!where.empty()) s += "            where: \"" + where + "\"\n";
    s += std::string("            field: ") + field + "\n";
    if (agg) s += std::string("            aggregate: ") + agg + "\n";
    return s;
  };
  auto ratio = [&](const char* part, const std::string& where, const std::string& total) {
    std::string s = "      ratioMetric:\n        counter: true\n        " + std::string(part) +
                    ":\n          metricSource:\n            type: ballast\n            spec:\n"
                    "              where: \"" + where + "\"\n        total:\n"
                    "          metricSource:\n            type: ballast\n";
    s += total.empty() ? "            spec: {}\n"
                       : "            spec:\n              where: \"" + total + "\"\n";
    return s;
  };
  auto objective = [&](const char* op, double value, double target, const char* extra = "") {
    char buf[256];
    if (op) {
      std::snprintf(buf, sizeof buf,
                    "  objectives:\n    - displayName: objective\n      op: %s\n      value: %g\n"
                    "      target: %g\n%s",
                    op, value, target, extra);
    } else {
      std::snprintf(buf, sizeof buf,
                    "  objectives:\n    - displayName: objective\n      target: %g\n%s", target,
                    extra);
    }
    return std::string(buf);
  };
  const std::string occurrences = "  budgetingMethod: Occurrences\n";
  const std::string timeslices = "  budgetingMethod: Timeslices\n";
  switch (k % 10) {
    case 0:
      return head + ratio("good", "outcome = 'ok'", "outcome != 'cancelled'") + rolling("28d") +
             occurrences + objective(nullptr, 0, 0.995);
    case 1:
      return head + thresh("outcome = 'ok'", "latency_ms", nullptr) + rolling("28d") +
             occurrences + objective("lte", 4000 / f, 0.99);
    case 2:
      return head + thresh("outcome = 'ok' AND operation = 'chat'", "ttft_ms", nullptr) +
             rolling("28d") + occurrences + objective("lte", 800 / f, 0.95);
    case 3:
      return head + ratio("good", "NOT has(flags, 'pii_leak')", "") + rolling("30d") +
             occurrences + objective(nullptr, 0, 0.9995);
    case 4:
      return head + thresh("", "cost_usd", nullptr) + calendar("Europe/Paris") + occurrences +
             objective("lte", 0.02 / f, 0.99);
    case 5:
      return head + thresh("outcome = 'ok'", "ttft_ms", "p95") + calendar("America/New_York") +
             timeslices + objective("lt", 1200 / f, 0.99, "      timeSliceWindow: 1m\n");
    case 6:
      return head + ratio("bad", "has(flags, 'hallucination')", "scores.quality >= 0") +
             rolling("7d") + occurrences + objective(nullptr, 0, 0.98);
    case 7:
      return head + thresh("outcome = 'ok' AND output_tokens > 1", "tpot_ms", nullptr) +
             rolling("7d") + occurrences + objective("lte", 60 / f, 0.95);
    case 8:
      return head +
             thresh("attributes.tenant IN ('acme', 'globex') AND outcome = 'ok'", "latency_ms",
                    nullptr) +
             rolling("30d") + occurrences + objective("lte", 3000 / f, 0.99);
    default:
      return head + ratio("good", "outcome = 'ok'", "variant = 'canary'") + rolling("28d") +
             timeslices +
             objective(nullptr, 0, 0.99,
                       "      timeSliceTarget: 0.95\n      timeSliceWindow: 5m\n");
  }
}

inline std::string ServiceYaml(const std::string& service) {
  return "---\napiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: " + service + "\n";
}

// Services and `per_service` SLOs for each, as one multi-document YAML text.
inline std::string FleetYaml(const std::vector<std::string>& services, int per_service) {
  std::string out;
  for (const std::string& s : services) {
    out += ServiceYaml(s);
    for (int k = 0; k < per_service; ++k) out += SloYaml(s, k);
  }
  return out;
}

// Loads and compiles `yaml` (applied at `applied_at`); aborts the benchmark on any error,
// since every fixture must load.
inline std::shared_ptr<const slo::Definitions> CompileFleet(const std::string& yaml,
                                                            EpochMillis applied_at = 0) {
  slo::LoadResult loaded = slo::LoadText(yaml, "fleet.yaml");
  if (!loaded.ok()) {
    std::fprintf(stderr, "fixture SLOs do not load:\n%s\n", loaded.diagnostics.ToString().c_str());
    std::abort();
  }
  std::map<std::string, EpochMillis, std::less<>> times;
  if (applied_at > 0) {
    for (const slo::Object& o : loaded.catalog.objects()) times[o.metadata.name] = applied_at;
  }
  auto defs = slo::CompileDefinitions(loaded.catalog, times);
  if (!defs) {
    std::fprintf(stderr, "fixture SLOs do not compile: %s\n", defs.error().ToString().c_str());
    std::abort();
  }
  return *defs;
}

inline std::vector<std::string> ServiceNames(int n, const char* prefix = "svc-") {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%03d", prefix, i);
    out.emplace_back(buf);
  }
  return out;
}

// `n` request events spread over [from, to): services round-robin-ish, 3 variants, 4 models,
// 3 prompts, 10 % errors, lognormal latency/TTFT, a quarter with scores, 2 % hallucination
// flags, 0.2 % pii_leak flags, every event with attributes (≈ 400 bytes each, the shape of
// bench/ingest_bench.cc).
inline std::string EventsBody(const std::vector<std::string>& services, int n, EpochMillis from,
                              EpochMillis to, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const char* variants[] = {"stable", "canary", "shadow"};
  const char* models[] = {"gpt-4o@production", "claude-3-5-sonnet", "llama-3.1-70b@3",
                          "mistral-large@champion"};
  const char* prompts[] = {"support-answer@12", "rag-synth@4", "summary@7"};
  const char* outcomes[] = {"ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "error", "timeout"};
  const char* operations[] = {"chat", "chat", "chat", "completion"};
  const char* tenants[] = {"acme", "globex", "initech", "umbrella", "hooli"};
  std::lognormal_distribution<double> latency(6.5, 0.6);
  std::lognormal_distribution<double> ttft(5.0, 0.5);
  std::uniform_int_distribution<int> tokens(20, 2000);
  std::string out;
  out.reserve(static_cast<size_t>(n) * 430);
  for (int i = 0; i < n; ++i) {
    const EpochMillis t = from + (to - from) * i / n;
    const int in = tokens(rng), outt = tokens(rng) / 4 + 2;
    const char* flags = i % 500 == 0  ? R"("flags":["pii_leak"],)"
                        : i % 50 == 0 ? R"("flags":["hallucination"],)"
                                      : "";
    char line[1024];
    const int len = std::snprintf(
        line, sizeof line,
        R"({"time":"%s","service":"%s","variant":"%s","request_id":"req-%08d","model":"%s",)"
        R"("prompt":"%s","provider":"openai","operation":"%s","outcome":"%s",)"
        R"("latency_ms":%.2f,"ttft_ms":%.2f,"input_tokens":%d,"output_tokens":%d,)"
        R"("cost_usd":%.6f,"finish_reason":"stop",%s%s"attributes":{"tenant":"%s","region":"eu-west-1"}})"
        "\n",
        FormatRfc3339(t).c_str(), services[rng() % services.size()].c_str(), variants[rng() % 3],
        i, models[rng() % 4], prompts[rng() % 3], operations[rng() % 4], outcomes[rng() % 10],
        latency(rng), ttft(rng), in, outt, (in * 2.5 + outt * 10) / 1e6,
        i % 4 == 0 ? R"("scores":{"quality":0.83,"faithfulness":0.91},)" : "", flags,
        tenants[rng() % 5]);
    out.append(line, static_cast<size_t>(len));
  }
  return out;
}

// Per-minute traffic of a busy series: 50-149 events a minute, a bad event now and then and a
// burst of errors once in a while.
inline slo::Counts MinuteTraffic(std::mt19937& rng) {
  const uint64_t total = 50 + rng() % 100;
  const uint64_t bad = rng() % 1000 == 0 ? total / 2 : rng() % 2;
  return {total - bad, total};
}

// The serialized SeriesState of an Occurrences objective with traffic in every minute of the
// `days` before `now` (minute buckets for the last 7 days, hour and day buckets before).
inline std::string OccurrencesSnapshot(int days, EpochMillis now, uint32_t seed) {
  std::mt19937 rng(seed);
  slo::SeriesState s;
  for (EpochMillis t = now - days * kDay; t < now; t += kMinute) {
    const slo::Counts c = MinuteTraffic(rng);
    (void)s.events.Add(t, c.good, c.total);
  }
  return s.Serialize();
}

// A Timeslices objective's state after `days` of traffic: the 1-day event series the engine
// keeps for slices not yet closed, every slice of the period judged into the slice series, and
// (percentile objectives) the per-minute sketches of the slice still open.
inline std::string TimeslicesSnapshot(int days, EpochMillis now, int64_t slice_ms, bool aggregate,
                                      uint32_t seed) {
  std::mt19937 rng(seed);
  slo::SeriesState s;
  s.events = slo::SloSeries(slo::SeriesOptions{1, 1});
  s.slices.emplace();
  for (EpochMillis t = now - days * kDay; t < now; t += kMinute) {
    const slo::Counts c = MinuteTraffic(rng);
    if (t >= now - kDay) (void)s.events.Add(t, aggregate ? c.total : c.good, c.total);
  }
  const EpochMillis open = now / slice_ms * slice_ms - slice_ms;  // the slice not yet closed
  for (EpochMillis t = now - days * kDay; t < open; t += slice_ms) {
    const bool good = rng() % 200 != 0;
    (void)s.slices->Add(t, good ? 1 : 0, 1);
  }
  s.next_slice = open;
  if (aggregate) {
    std::lognormal_distribution<double> ttft(5.0, 0.5);
    for (EpochMillis m = open; m < now; m += kMinute) {
      telemetry::DDSketch sketch;
      for (int i = 0; i < 100; ++i) sketch.Add(ttft(rng));
      s.sketches.emplace(m, std::move(sketch));
    }
  }
  return s.Serialize();
}

// The snapshot of objective `o` with `days` of history (a few patterns per kind, shared).
inline std::string SnapshotFor(const slo::CompiledObjective& o, int days, EpochMillis now,
                               uint32_t seed) {
  if (o.budget.method == slo::BudgetingMethod::kOccurrences) {
    return OccurrencesSnapshot(days, now, seed);
  }
  return TimeslicesSnapshot(days, now, o.budget.time_slice_ms,
                            o.sli.mode() == slo::CompiledSli::Mode::kAggregate, seed);
}

}  // namespace ballast::bench
