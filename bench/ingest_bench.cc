// Ingest hot-path benchmarks (DESIGN.md §2): parse + validate + aggregate NDJSON through
// IngestNdjson, against a bare simdjson On-Demand pass that reads every field of the same
// buffer; and the resident memory of 10,000 active series keys.
//
//   build/h-telemetry-rel/bench/ingest_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <fstream>
#include <random>
#include <string>

#include "common/clock.h"
#include "common/time.h"
#include "telemetry/ingest.h"

namespace ballast::telemetry {
namespace {

constexpr int kEvents = 100'000;
const EpochMillis kNow = 1'795'000'000'000;  // 2026-11-18

// 100k request events over 10 minutes: 4 services x 3 variants x 4 models x 3 prompts, realistic
// fields, a quarter with scores, some flags, every one with attributes.
const std::string& Body() {
  static const std::string body = [] {
    std::mt19937_64 rng(42);
    const char* services[] = {"chat-api", "search-rag", "summarizer", "support-bot"};
    const char* variants[] = {"stable", "canary", "shadow"};
    const char* models[] = {"gpt-4o@production", "claude-3-5-sonnet", "llama-3.1-70b@3",
                            "mistral-large@champion"};
    const char* prompts[] = {"support-answer@12", "rag-synth@4", "summary@7"};
    const char* outcomes[] = {"ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "error", "timeout"};
    const char* tenants[] = {"acme", "globex", "initech", "umbrella", "hooli"};
    std::lognormal_distribution<double> latency(6.5, 0.6);
    std::lognormal_distribution<double> ttft(5.0, 0.5);
    std::uniform_int_distribution<int> tokens(20, 2000);
    std::string out;
    out.reserve(kEvents * 420);
    for (int i = 0; i < kEvents; ++i) {
      EpochMillis t = kNow - 600'000 + i * 6;
      int in = tokens(rng), outt = tokens(rng) / 4 + 2;
      char line[1024];
      int n = std::snprintf(
          line, sizeof line,
          R"({"time":"%s","service":"%s","variant":"%s","request_id":"req-%08d","model":"%s",)"
          R"("prompt":"%s","provider":"openai","operation":"chat","outcome":"%s",)"
          R"("latency_ms":%.2f,"ttft_ms":%.2f,"input_tokens":%d,"output_tokens":%d,)"
          R"("cost_usd":%.6f,"finish_reason":"stop",%s%s"attributes":{"tenant":"%s","region":"eu-west-1"}})"
          "\n",
          FormatRfc3339(t).c_str(), services[rng() % 4], variants[rng() % 3], i,
          models[rng() % 4], prompts[rng() % 3], outcomes[rng() % 10], latency(rng), ttft(rng),
          in, outt, (in * 2.5 + outt * 10) / 1e6,
          i % 4 == 0 ? R"("scores":{"quality":0.83,"faithfulness":0.91},)" : "",
          i % 50 == 0 ? R"("flags":["hallucination"],)" : "", tenants[rng() % 5]);
      out.append(line, static_cast<size_t>(n));
    }
    return out;
  }();
  return body;
}

// Arg 1: with the server's RequestJoin, the services not joined (no SLO over evaluations: the
// default); arg 2: every service joined (each request id remembered for later evaluations).
void BM_IngestPipeline(benchmark::State& state) {
  const std::string& body = Body();
  SimulatedClock clock(kNow);
  SeriesKeyRegistry registry;
  RequestJoin join;
  IngestOptions options;
  if (state.range(0) >= 1) options.join = &join;
  if (state.range(0) == 2) {
    for (const char* s : {"chat-api", "search-rag", "summarizer", "support-bot"}) join.Join(s);
  }
  int64_t accepted = 0;
  for (auto _ : state) {
    IngestResult r = IngestNdjson(body, options, registry, clock);
    accepted = r.accepted;
    benchmark::DoNotOptimize(r.batch.deltas.data());
  }
  if (accepted != kEvents) state.SkipWithError("events were rejected");
  state.SetItemsProcessed(state.iterations() * kEvents);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_IngestPipeline)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

// The floor: one On-Demand pass over the same lines touching every value, no validation.
void BM_BareOnDemand(benchmark::State& state) {
  const std::string& body = Body();
  simdjson::padded_string padded(body);
  simdjson::ondemand::parser parser;
  for (auto _ : state) {
    double sum = 0;
    size_t strings = 0;
    size_t pos = 0;
    while (pos < padded.size()) {
      size_t end = body.find('\n', pos);
      if (end == std::string::npos) end = body.size();
      auto doc = parser.iterate(padded.data() + pos, end - pos, padded.size() + simdjson::SIMDJSON_PADDING - pos);
      pos = end + 1;
      simdjson::ondemand::object obj;
      if (doc.get_object().get(obj)) continue;
      for (auto f : obj) {
        simdjson::ondemand::field field;
        if (std::move(f).get(field)) break;
        std::string_view key = field.unescaped_key().value_unsafe();
        strings += key.size();
        simdjson::ondemand::value v = field.value();
        switch (v.type().value_unsafe()) {
          case simdjson::ondemand::json_type::string: strings += v.get_string().value_unsafe().size(); break;
          case simdjson::ondemand::json_type::number: sum += v.get_double().value_unsafe(); break;
          case simdjson::ondemand::json_type::object: {
            // Named, not a temporary: range-for over value_unsafe() of a temporary result
            // would iterate a destroyed object.
            simdjson::ondemand::object inner_obj = v.get_object().value_unsafe();
            for (auto g : inner_obj) {
              simdjson::ondemand::field inner = g.value_unsafe();
              strings += inner.unescaped_key().value_unsafe().size();
              auto iv = inner.value();
              if (iv.type().value_unsafe() == simdjson::ondemand::json_type::number)
                sum += iv.get_double().value_unsafe();
              else
                strings += iv.get_string().value_unsafe().size();
            }
            break;
          }
          case simdjson::ondemand::json_type::array: {
            simdjson::ondemand::array arr = v.get_array().value_unsafe();
            for (auto g : arr) strings += g.get_string().value_unsafe().size();
            break;
          }
          default: break;
        }
      }
    }
    benchmark::DoNotOptimize(sum);
    benchmark::DoNotOptimize(strings);
  }
  state.SetItemsProcessed(state.iterations() * kEvents);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_BareOnDemand)->Unit(benchmark::kMillisecond);

int64_t ResidentKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  return -1;
}

// 10,000 active keys: the registry plus one batch with one minute of rollups per key, each
// with realistic latency and TTFT spreads (so the dense sketches have their usual width).
void BM_MemoryTenThousandKeys(benchmark::State& state) {
  for (auto _ : state) {
    int64_t before = ResidentKiB();
    SimulatedClock clock(kNow);
    auto registry = std::make_unique<SeriesKeyRegistry>();
    std::string body;
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> latency(6.5, 0.6);
    std::lognormal_distribution<double> ttft(5.0, 0.5);
    for (int round = 0; round < 5; ++round) {
      for (int k = 0; k < 10'000; ++k) {
        char line[256];
        int n = std::snprintf(line, sizeof line,
                              R"({"time":%lld,"service":"svc-%d","model":"model-%d","prompt":"p-%d",)"
                              R"("latency_ms":%.1f,"ttft_ms":%.1f})"
                              "\n",
                              static_cast<long long>(kNow - 30'000), k % 10, k / 10 % 100, k / 1000,
                              latency(rng), ttft(rng));
        body.append(line, static_cast<size_t>(n));
      }
    }
    IngestResult r = IngestNdjson(body, IngestOptions{}, *registry, clock);
    std::string().swap(body);
    int64_t after = ResidentKiB();
    state.counters["keys"] = static_cast<double>(registry->size());
    state.counters["deltas"] = static_cast<double>(r.batch.deltas.size());
    state.counters["rss_growth_MiB"] = static_cast<double>(after - before) / 1024.0;
    state.counters["rss_total_MiB"] = static_cast<double>(after) / 1024.0;
    benchmark::DoNotOptimize(r.batch.deltas.data());
  }
}
BENCHMARK(BM_MemoryTenThousandKeys)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ballast::telemetry

BENCHMARK_MAIN();
