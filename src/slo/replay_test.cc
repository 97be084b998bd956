#include "slo/replay.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/time.h"
#include "slo/loader.h"
#include "slo/test_support.h"

namespace ballast::slo {
namespace {

std::string GoldenDir(const std::string& name) {
  return testing::SourceDir() + "/tests/golden/replay/" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Replays `events` in chunks of about `chunk` bytes cut at line ends, as the CLI does.
nlohmann::json Replay(const std::string& slo_path, const std::string& events, size_t chunk,
                      std::unique_ptr<Replayer>* keep = nullptr) {
  LoadResult loaded = LoadPaths({slo_path});
  EXPECT_TRUE(loaded.ok()) << loaded.diagnostics.ToString();
  auto replayer =
      Replayer::Create(std::make_shared<const Catalog>(loaded.catalog.objects()), {});
  EXPECT_TRUE(replayer) << replayer.error().ToString();
  if (!replayer) return {};
  size_t pos = 0;
  while (pos < events.size()) {
    size_t end = std::min(events.size(), pos + chunk);
    if (end < events.size()) {
      size_t nl = events.rfind('\n', end - 1);
      end = nl == std::string::npos || nl < pos ? events.size() : nl + 1;
    }
    (*replayer)->Feed(std::string_view(events).substr(pos, end - pos));
    pos = end;
  }
  (*replayer)->Finish();
  nlohmann::json out = (*replayer)->ResultJson();
  if (keep != nullptr) *keep = std::move(*replayer);
  return out;
}

class ReplayGolden : public ::testing::TestWithParam<std::string> {};

// OpenSLO file + event stream -> the expected status and alert timeline, byte for byte in
// JSON. BALLAST_UPDATE_GOLDEN=1 rewrites expected.json (review the diff before committing).
TEST_P(ReplayGolden, MatchesExpectedStatusAndTimeline) {
  const std::string dir = GoldenDir(GetParam());
  const std::string events = ReadFile(dir + "/events.ndjson");
  ASSERT_FALSE(events.empty()) << dir;
  nlohmann::json got = Replay(dir + "/slos.yaml", events, 1 << 20);
  const std::string expected_path = dir + "/expected.json";
  if (std::getenv("BALLAST_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(expected_path) << got.dump(2) << "\n";
  }
  nlohmann::json expected = nlohmann::json::parse(ReadFile(expected_path), nullptr, false);
  ASSERT_FALSE(expected.is_discarded()) << "missing or bad " << expected_path;
  EXPECT_EQ(got, expected) << "diff: " << nlohmann::json::diff(expected, got).dump(2);

  // Chunking never changes the result (lines cut anywhere but at '\n' are not possible: the
  // CLI cuts at line ends, as Replay above does).
  EXPECT_EQ(Replay(dir + "/slos.yaml", events, 777), got);
}

INSTANTIATE_TEST_SUITE_P(Cases, ReplayGolden, ::testing::Values("outage", "quality"));

const nlohmann::json* FindSlo(const nlohmann::json& result, const std::string& name) {
  for (const auto& s : result["slos"]) {
    if (s["name"] == name) return &s;
  }
  return nullptr;
}

// The outage case against figures computed from how generate.py built it: one request every
// 5 s for 6 h (4,320), every request failing 03:00-03:20 (240) and every tenth 04:00-05:00
// (72).
TEST(ReplayTest, OutageCountsAndPageTimingMatchTheWorkbook) {
  const std::string dir = GoldenDir("outage");
  nlohmann::json r = Replay(dir + "/slos.yaml", ReadFile(dir + "/events.ndjson"), 1 << 16);
  const nlohmann::json* avail = FindSlo(r, "chat-availability");
  ASSERT_NE(avail, nullptr);
  EXPECT_EQ((*avail)["objectives"][0]["total"], 4320);
  EXPECT_EQ((*avail)["objectives"][0]["good"], 4320 - 240 - 72);

  const EpochMillis outage_start = *ParseRfc3339("2026-11-01T03:00:00Z");
  const EpochMillis outage_end = *ParseRfc3339("2026-11-01T03:20:00Z");
  std::optional<EpochMillis> fired, resolved;
  for (const auto& a : r["alerts"]) {
    if (a["alert"]["rule"] != "page-1h-5m") continue;
    EpochMillis t = *ParseRfc3339(a["time"].get<std::string>());
    if (a["alert"]["state"] == "firing" && !fired) fired = t;
    if (a["alert"]["state"] == "resolved" && fired && !resolved) resolved = t;
  }
  ASSERT_TRUE(fired && resolved) << r["alerts"].dump(2);
  // A 100 % outage on 99.9 %: 2 % of a 30-day budget goes in 0.02 × 30 d × 0.001 / 1 = 52 s of
  // failures; the first evaluation after that (1-minute steps) fires.
  EXPECT_GE(*fired, outage_start);
  EXPECT_LE(*fired, outage_start + 2 * 60'000);
  // It resolves once the 5-minute short window holds no failure.
  EXPECT_GT(*resolved, outage_end);
  EXPECT_LE(*resolved, outage_end + 6 * 60'000);
}

TEST(ReplayTest, RejectedLinesAreCountedWithTheirNumbers) {
  const std::string dir = GoldenDir("outage");
  std::string events =
      "{\"time\":\"2026-11-01T00:00:00Z\",\"service\":\"chat-api\"}\n"
      "not json\n"
      "\n"
      "{\"time\":\"2026-11-01T00:00:01Z\",\"service\":\"chat-api\",\"outcome\":\"boom\"}\n";
  std::unique_ptr<Replayer> replayer;
  nlohmann::json r = Replay(dir + "/slos.yaml", events + events, 60, &replayer);
  EXPECT_EQ(r["events"]["lines"], 8);
  EXPECT_EQ(r["events"]["requests"], 2);
  EXPECT_EQ(r["events"]["rejected"], 4);
  ASSERT_EQ(r["events"]["errors"].size(), 4u);
  EXPECT_EQ(r["events"]["errors"][0]["line"], 2);
  EXPECT_EQ(r["events"]["errors"][3]["line"], 8);
}

TEST(ReplayTest, SlosTheEngineCannotEvaluateAreRefusedUpFront) {
  LoadResult loaded = LoadText(R"(apiVersion: openslo/v1
kind: SLO
metadata: {name: prom}
spec:
  service: s
  indicator:
    metadata: {name: x}
    spec:
      ratioMetric:
        good: {metricSource: {type: prometheus, spec: {query: up}}}
        total: {metricSource: {type: prometheus, spec: {query: up}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
)");
  ASSERT_TRUE(loaded.ok()) << loaded.diagnostics.ToString();
  auto r = Replayer::Create(std::make_shared<const Catalog>(loaded.catalog.objects()), {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().ToString().find("ballast"), std::string::npos) << r.error().ToString();
  ReplayOptions bad_step;
  bad_step.step_ms = 10;
  EXPECT_FALSE(Replayer::Create(std::make_shared<const Catalog>(), bad_step));
}

}  // namespace
}  // namespace ballast::slo

namespace ballast::slo {
namespace {

// As on the server, an evaluation that names a request seen earlier counts under that request's
// variant (telemetry/request_join.h); one whose request was never seen keeps what it was sent.
TEST(ReplayTest, EvaluationsCountUnderTheirRequestsVariant) {
  std::string events;
  for (int i = 0; i < 10; ++i) {
    const bool canary = i % 5 == 0;  // r0 and r5
    const std::string t = "2026-11-01T00:00:" + std::string(i < 5 ? "0" : "") + std::to_string(2 * i);
    events += R"({"time":")" + t + R"(Z","service":"assistant","request_id":"r)" +
              std::to_string(i) + R"(","variant":")" + (canary ? "canary" : "stable") + "\"}\n";
    events += R"({"type":"evaluation","time":")" + t + R"(Z","service":"assistant","request_id":"r)" +
              std::to_string(i) + R"(","name":"faithfulness","score":)" +
              (canary ? "0.1" : "0.9") + "}\n";
  }
  events += R"({"type":"evaluation","time":"2026-11-01T00:00:30Z","service":"assistant","request_id":"nope","variant":"blue","name":"faithfulness","score":0.1})"
            "\n";
  std::unique_ptr<Replayer> replayer;
  Replay(GoldenDir("quality") + "/slos.yaml", events, 1 << 16, &replayer);
  const EpochMillis end = *ParseRfc3339("2026-11-01T00:01:00Z");
  auto counts = [&](const char* variant) {
    auto r = replayer->engine().Report("assistant-faithfulness", variant, end);
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? std::pair{(*r)[0].status.counts.good, (*r)[0].status.counts.total} : std::pair<uint64_t, uint64_t>{};
  };
  EXPECT_EQ(counts("canary"), (std::pair<uint64_t, uint64_t>{0, 2}));
  EXPECT_EQ(counts("stable"), (std::pair<uint64_t, uint64_t>{8, 8}));
  EXPECT_EQ(counts("blue"), (std::pair<uint64_t, uint64_t>{0, 1}));
}

}  // namespace
}  // namespace ballast::slo
