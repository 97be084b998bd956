// Compiled filter-expression predicates (common/expr.h) over telemetry::RequestEventRecord: the
// cost of one Evaluate for the shapes SLI classifiers and `where:` filters use, next to a
// hand-written C++ check of the same classifier (the floor an interpreter could reach), and the
// one-off cost of Parse and Compile.
//
//   build/h-load/bench/expr_bench --benchmark_counters_tabular=true
//
// Each Evaluate benchmark cycles through 1,024 varied events so branches are not trivially
// predicted; the `match` counter is the fraction of events the predicate accepted (a predicate
// that matches all or none would measure only its fastest path).
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "common/expr.h"
#include "telemetry/event.h"
#include "telemetry/event_record.h"

namespace ballast::telemetry {
namespace {

constexpr size_t kEvents = 1024;  // a power of two: the loop index is masked

const std::vector<RequestEvent>& Events() {
  static const std::vector<RequestEvent> events = [] {
    static const char* kServices[] = {"chat", "search-rag", "summarizer", "support-bot"};
    static const char* kModels[] = {"gpt-4o@production", "gpt-4o-mini", "claude-3-5-sonnet",
                                    "llama-3.1-70b@3", "mistral-large@2", "gemini-1.5-pro"};
    static const char* kPrompts[] = {"chat-answer@3", "chat-rewrite@2", "rag-synth@14"};
    static const char* kTenants[] = {"acme", "globex", "initech", "umbrella", "hooli", "stark"};
    static const char* kFlags[] = {"pii_leak", "jailbreak", "hallucination", "refusal"};
    static const char* kErrors[] = {"UpstreamTimeout", "ContextLengthExceeded", "RateLimit"};
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> unit(0, 1);
    std::lognormal_distribution<double> latency(6.6, 0.5);
    std::vector<RequestEvent> out(kEvents);
    for (RequestEvent& e : out) {
      e.time = 1'795'000'000'000 + static_cast<EpochMillis>(rng() % 600'000);
      e.service = kServices[rng() % 4];
      e.variant = unit(rng) < 0.9 ? "stable" : "canary";
      e.model = kModels[rng() % 6];
      e.prompt = kPrompts[rng() % 3];
      e.provider = "openai";
      double u = unit(rng);
      e.outcome = u < 0.9 ? Outcome::kOk : u < 0.95 ? Outcome::kError : Outcome::kTimeout;
      if (e.outcome != Outcome::kOk) e.error_type = kErrors[rng() % 3];
      e.latency_ms = latency(rng);
      e.ttft_ms = *e.latency_ms * (0.1 + 0.6 * unit(rng));
      e.input_tokens = 40 + static_cast<int64_t>(rng() % 4000);
      e.output_tokens = 2 + static_cast<int64_t>(rng() % 800);
      e.cost_usd = (*e.input_tokens * 2.5 + *e.output_tokens * 10.0) / 1e6;
      e.finish_reason = "stop";
      if (unit(rng) < 0.1) e.flags[e.flag_count++] = kFlags[rng() % 4];
      if (unit(rng) < 0.05) e.flags[e.flag_count++] = "pii_leak";
      e.attributes[e.attribute_count++] = {"region", "eu-west-1"};
      e.attributes[e.attribute_count++] = {"tenant", kTenants[rng() % 6]};
      e.attributes[e.attribute_count++] = {"route", "/v1/chat"};
      if (unit(rng) < 0.5) e.scores[e.score_count++] = {"quality", unit(rng)};
    }
    return out;
  }();
  return events;
}

struct Case {
  const char* name;
  const char* text;
};

const Case kCases[] = {
    {"1_clause", "outcome = 'ok'"},
    {"3_clause_classifier", "outcome = 'ok' AND ttft_ms <= 800 AND latency_ms < 2000"},
    {"sli_with_tenant_in",
     "outcome = 'ok' AND ttft_ms <= 800 AND attributes.tenant IN ('acme', 'globex')"},
    {"or_of_3", "outcome = 'timeout' OR latency_ms > 3000 OR has(flags, 'refusal')"},
    {"in_list_6_strings",
     "model IN ('gpt-4o@production', 'claude-3-5-sonnet', 'llama-3.1-70b@3', 'mistral-large@2', "
     "'qwen2.5-72b', 'command-r-plus')"},
    {"in_list_50_numbers",
     "output_tokens IN (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, "
     "71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, "
     "167, 173, 179, 181, 191, 193, 197, 199, 211, 223, 227, 229)"},
    {"like_prefix", "model LIKE 'gpt-4%'"},
    {"like_contains", "model LIKE '%sonnet%'"},
    {"like_general", "prompt LIKE 'chat-%@_'"},
    {"ilike_prefix", "model ILIKE 'GPT-4%'"},
    {"ilike_contains", "error_type ILIKE '%timeout%'"},
    {"has_flag", "has(flags, 'pii_leak')"},
    {"not_has_2_flags", "NOT has(flags, 'pii_leak') AND NOT has(flags, 'jailbreak')"},
    {"score_threshold", "scores.quality >= 0.7"},
};

void BM_Evaluate(benchmark::State& state, const char* text) {
  auto predicate = expr::Compile(text, RequestEventSchema());
  if (!predicate) {
    state.SkipWithError(predicate.error().message().c_str());
    return;
  }
  const std::vector<RequestEvent>& events = Events();
  std::vector<RequestEventRecord> records;
  records.reserve(events.size());
  for (const RequestEvent& e : events) records.emplace_back(e);
  size_t i = 0, matched = 0;
  for (auto _ : state) {
    bool m = predicate->Evaluate(records[i++ & (kEvents - 1)]);
    matched += m;
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["match"] = static_cast<double>(matched) / static_cast<double>(state.iterations());
}

// The 3-clause classifier written by hand over the struct: what Evaluate is measured against.
void BM_HandWrittenClassifier(benchmark::State& state) {
  const std::vector<RequestEvent>& events = Events();
  size_t i = 0, matched = 0;
  for (auto _ : state) {
    const RequestEvent& e = events[i++ & (kEvents - 1)];
    bool m = e.outcome == Outcome::kOk && e.ttft_ms && *e.ttft_ms <= 800 && e.latency_ms &&
             *e.latency_ms < 2000;
    matched += m;
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["match"] = static_cast<double>(matched) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_HandWrittenClassifier);

void BM_Parse(benchmark::State& state, const char* text) {
  for (auto _ : state) {
    auto e = expr::Parse(text);
    if (!e) {
      state.SkipWithError(e.error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(e);
  }
}

void BM_ParseAndCompile(benchmark::State& state, const char* text) {
  const expr::Schema& schema = RequestEventSchema();
  for (auto _ : state) {
    auto p = expr::Compile(text, schema);
    if (!p) {
      state.SkipWithError(p.error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(p);
  }
}

[[maybe_unused]] const bool kRegistered = [] {
  for (const Case& c : kCases)
    benchmark::RegisterBenchmark((std::string("BM_Evaluate/") + c.name).c_str(), BM_Evaluate,
                                 c.text);
  for (const char* name : {"1_clause", "3_clause_classifier", "in_list_50_numbers",
                           "like_general", "not_has_2_flags"}) {
    for (const Case& c : kCases) {
      if (std::string_view(c.name) != name) continue;
      benchmark::RegisterBenchmark((std::string("BM_Parse/") + c.name).c_str(), BM_Parse,
                                   c.text);
      benchmark::RegisterBenchmark((std::string("BM_ParseAndCompile/") + c.name).c_str(),
                                   BM_ParseAndCompile, c.text);
    }
  }
  return true;
}();

}  // namespace
}  // namespace ballast::telemetry

BENCHMARK_MAIN();
