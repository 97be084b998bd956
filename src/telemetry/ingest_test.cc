#include "telemetry/ingest.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/time.h"

namespace ballast::telemetry {
namespace {

const EpochMillis kNow = *ParseRfc3339("2026-11-27T19:00:00Z");

std::string Event(std::string_view time, std::string_view variant, std::string_view extra = "") {
  return R"({"time":")" + std::string(time) + R"(","service":"chat","variant":")" +
         std::string(variant) + R"(","model":"m1")" + std::string(extra) + "}\n";
}

class IngestTest : public ::testing::Test {
 protected:
  SimulatedClock clock_{kNow};
  SeriesKeyRegistry registry_;
  IngestOptions options_;
};

TEST_F(IngestTest, AggregatesPerKeyAndMinute) {
  std::string body = Event("2026-11-27T18:58:10Z", "stable", R"(,"latency_ms":100,"input_tokens":5)") +
                     Event("2026-11-27T18:58:50Z", "stable", R"(,"latency_ms":300,"outcome":"error")") +
                     Event("2026-11-27T18:59:05Z", "stable", R"(,"latency_ms":50)") +
                     Event("2026-11-27T18:58:20Z", "canary", R"(,"ttft_ms":7,"cost_usd":0.5)") +
                     R"({"type":"evaluation","time":"2026-11-27T18:58:00Z","service":"chat","name":"q","score":1})" "\n";
  IngestResult r = IngestNdjson(body, options_, registry_, clock_);
  EXPECT_EQ(r.accepted, 5);
  EXPECT_EQ(r.counters.requests, 4);
  EXPECT_EQ(r.counters.evaluations, 1);
  EXPECT_EQ(r.response_json, R"({"accepted":5,"rejected":[]})");
  ASSERT_EQ(r.batch.deltas.size(), 3u);
  ASSERT_EQ(r.batch.new_keys.size(), 2u);
  EXPECT_EQ(r.batch.new_keys[0].key, (SeriesKey{"chat", "stable", "m1", ""}));
  EXPECT_EQ(r.batch.new_keys[1].key, (SeriesKey{"chat", "canary", "m1", ""}));
  const RollupDelta& first = r.batch.deltas[0];
  EXPECT_EQ(first.key_id, r.batch.new_keys[0].id);
  EXPECT_EQ(first.minute, *ParseRfc3339("2026-11-27T18:58:00Z"));
  EXPECT_EQ(first.rollup.requests, 2);
  EXPECT_EQ(first.rollup.outcomes[static_cast<int>(Outcome::kError)], 1);
  EXPECT_EQ(first.rollup.input_tokens, 5);
  EXPECT_EQ(first.rollup.latency_ms.count(), 2);
  EXPECT_EQ(r.batch.deltas[1].minute, *ParseRfc3339("2026-11-27T18:59:00Z"));
  EXPECT_EQ(r.batch.deltas[2].rollup.ttft_ms.count(), 1);
  EXPECT_DOUBLE_EQ(r.batch.deltas[2].rollup.cost_usd, 0.5);
}

TEST_F(IngestTest, PendingKeysAreListedUntilPersisted) {
  std::string body = Event("2026-11-27T18:58:10Z", "stable");
  IngestResult first = IngestNdjson(body, options_, registry_, clock_);
  ASSERT_EQ(first.batch.new_keys.size(), 1u);
  // The first batch was never committed: the next batch lists the key again.
  IngestResult second = IngestNdjson(body, options_, registry_, clock_);
  ASSERT_EQ(second.batch.new_keys.size(), 1u);
  EXPECT_EQ(second.batch.new_keys[0].id, first.batch.new_keys[0].id);
  registry_.MarkPersisted(second.batch.new_keys);
  EXPECT_TRUE(IngestNdjson(body, options_, registry_, clock_).batch.new_keys.empty());
}

TEST_F(IngestTest, RejectedLinesInTheAnswerAreEscapedJson) {
  std::string body = Event("2026-11-27T18:58:10Z", "stable") +
                     R"({"time":"2026-11-27T18:58:10Z","service":"chat","outcome":"bo\"om"})" "\n";
  IngestResult r = IngestNdjson(body, options_, registry_, clock_);
  EXPECT_EQ(r.accepted, 1);
  ASSERT_EQ(r.rejected.size(), 1u);
  auto j = nlohmann::json::parse(r.response_json);
  EXPECT_EQ(j["accepted"], 1);
  EXPECT_EQ(j["rejected"][0]["line"], 2);
  EXPECT_EQ(j["rejected"][0]["error"],
            R"(field "outcome": unknown value "bo"om" (expected ok, error, timeout, rate_limited, filtered, cancelled))");
}

TEST_F(IngestTest, RejectedListIsCappedWithANote) {
  options_.max_rejected_in_answer = 2;
  IngestResult r = IngestNdjson("a\nb\nc\nd\n", options_, registry_, clock_);
  EXPECT_EQ(r.counters.rejected, 4);
  auto j = nlohmann::json::parse(r.response_json);
  EXPECT_EQ(j["rejected"].size(), 2u);
  EXPECT_EQ(j["rejected_total"], 4);
  EXPECT_TRUE(j.contains("note"));
}

TEST_F(IngestTest, FoldedEventsAreCounted) {
  SeriesKeyRegistry small({.max_keys_per_service = 1});
  std::string body = Event("2026-11-27T18:58:10Z", "a") + Event("2026-11-27T18:58:11Z", "b") +
                     Event("2026-11-27T18:58:12Z", "c");
  IngestResult r = IngestNdjson(body, options_, small, clock_);
  EXPECT_EQ(r.counters.folded, 2);
  ASSERT_EQ(r.batch.deltas.size(), 2u);
  EXPECT_EQ(r.batch.deltas[1].rollup.requests, 2);
  ASSERT_EQ(r.batch.new_keys.size(), 2u);
  EXPECT_EQ(r.batch.new_keys[1].key, (SeriesKey{"chat", "other", "other", "other"}));
}

TEST_F(IngestTest, ManySeriesGrowTheTable) {
  std::string body;
  for (int i = 0; i < 500; ++i)
    body += R"({"time":"2026-11-27T18:58:10Z","service":"chat","model":"m)" +
            std::to_string(i) + "\"}\n";
  IngestResult r = IngestNdjson(body + body, options_, registry_, clock_);
  EXPECT_EQ(r.accepted, 1000);
  ASSERT_EQ(r.batch.deltas.size(), 500u);
  for (const auto& d : r.batch.deltas) EXPECT_EQ(d.rollup.requests, 2);
}

// The aggregator caches keys by a hash of their parts' ends: keys differing only in the middle
// of a part, or in which part holds which text, must still be told apart.
TEST_F(IngestTest, KeysThatDifferOnlyInTheMiddleAreSeparate) {
  std::string body;
  for (int round = 0; round < 3; ++round) {
    for (const char* model : {"model-aaaaaaaa-alpha-0001", "model-aaaaaaab-alpha-0001",
                              "model-aaaaaaaa-alphb-0001", "ab", "abc", "a"}) {
      body += R"({"time":"2026-11-27T18:58:10Z","service":"chat","model":")" +
              std::string(model) + "\"}\n";
    }
    body += R"({"time":"2026-11-27T18:58:10Z","service":"chat","model":"","prompt":"ab"})" "\n";
    body += R"({"time":"2026-11-27T18:58:10Z","service":"chat","model":"ab","prompt":""})" "\n";
  }
  IngestResult r = IngestNdjson(body, options_, registry_, clock_);
  EXPECT_EQ(r.accepted, 24);
  ASSERT_EQ(r.batch.deltas.size(), 7u);  // "ab" with no prompt is one key, listed twice a round
  EXPECT_EQ(r.batch.new_keys.size(), 7u);
  int64_t total = 0;
  for (const auto& d : r.batch.deltas) total += d.rollup.requests;
  EXPECT_EQ(total, 24);
  EXPECT_EQ(r.batch.deltas[0].rollup.requests, 3);
  SeriesKey k;
  ASSERT_TRUE(registry_.Find(r.batch.deltas[1].key_id, k));
  EXPECT_EQ(k.model, "model-aaaaaaab-alpha-0001");
}

// More keys than the cache holds (it fills to half of 1024 slots), and minutes that alternate
// for one key: every event still lands in its own (key, minute) delta.
TEST_F(IngestTest, ManyKeysAndAlternatingMinutes) {
  std::string body;
  for (int i = 0; i < 1500; ++i) {
    body += R"({"time":"2026-11-27T18:5)" + std::to_string(8 + i / 750) +
            R"(:10Z","service":"chat","model":"m)" + std::to_string(i % 750) + "\"}\n";
  }
  IngestResult r = IngestNdjson(body + body, options_, registry_, clock_);
  EXPECT_EQ(r.accepted, 3000);
  ASSERT_EQ(r.batch.deltas.size(), 1500u);
  for (const auto& d : r.batch.deltas) EXPECT_EQ(d.rollup.requests, 2);
  // A second batch against another registry must not reuse the first one's ids.
  SeriesKeyRegistry other;
  IngestResult again = IngestNdjson(body, options_, other, clock_);
  EXPECT_EQ(again.batch.new_keys.size(), 750u);
  EXPECT_EQ(other.size(), 750);
}

std::string ReadTestData(const std::string& name) {
  const char* root = std::getenv("BALLAST_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/tests/data/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The converted BurstGPT_1 slice: every row is accepted and the 17 failures are errors.
TEST_F(IngestTest, BurstGptSliceFromTestData) {
  std::string body = ReadTestData("burstgpt1_events.ndjson");
  ASSERT_FALSE(body.empty()) << "set BALLAST_SOURCE_DIR to the source tree";
  options_.parser.enforce_accept_window = false;  // a replay of fixed times
  IngestResult r = IngestNdjson(body, options_, registry_, clock_);
  EXPECT_EQ(r.accepted, 400);
  EXPECT_TRUE(r.rejected.empty()) << r.rejected[0].error;
  int64_t requests = 0, errors = 0;
  for (const auto& d : r.batch.deltas) {
    requests += d.rollup.requests;
    errors += d.rollup.outcomes[static_cast<int>(Outcome::kError)];
  }
  EXPECT_EQ(requests, 400);
  EXPECT_EQ(errors, 17);
}

// The converted vLLM scale-100 replay: TTFT p50 is about 68 ms (shared/data/README.md).
TEST_F(IngestTest, VllmReplayFromTestData) {
  std::string body = ReadTestData("vllm_scale100_events.ndjson");
  ASSERT_FALSE(body.empty());
  options_.parser.enforce_accept_window = false;
  IngestResult r = IngestNdjson(body, options_, registry_, clock_);
  EXPECT_EQ(r.accepted, 500);
  Rollup all;
  for (const auto& d : r.batch.deltas) all.Merge(d.rollup);
  EXPECT_EQ(all.ttft_ms.count(), 500);
  EXPECT_NEAR(all.ttft_ms.Quantile(0.5), 68, 15);
}

}  // namespace
}  // namespace ballast::telemetry
