// `ballast replay` on real third-party data (tests/data, from ../shared/data): each SLO's final
// figures against values computed here independently from the source files, and the alert
// timeline's consistency.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "harness.h"

namespace ballast::testing {
namespace {

using nlohmann::json;

std::string DataPath(const std::string& name) { return (SourceDir() / "tests/data" / name).string(); }

json ReplayJson(const std::string& slos, const std::string& events) {
  auto r = RunBallast({"replay", "--slos", (SourceDir() / "examples/replay" / slos).string(),
                       DataPath(events), "-o", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(r.out, nullptr, false);
}

const json& Objective(const json& result, const std::string& slo) {
  for (const auto& s : result["slos"]) {
    if (s["name"] == slo) return s["objectives"][0];
  }
  static const json kNone;
  ADD_FAILURE() << "no SLO " << slo << " in " << result["slos"].dump();
  return kNone;
}

// Alerts alternate firing/resolved per id, in time order.
void ExpectConsistentTimeline(const json& result) {
  std::map<std::string, std::string> state;
  std::string last_time;
  for (const auto& a : result["alerts"]) {
    const std::string t = a["time"].get<std::string>();
    EXPECT_GE(t, last_time);
    last_time = t;
    const std::string id = a["alert"]["id"].get<std::string>();
    const std::string s = a["alert"]["state"].get<std::string>();
    if (s == "resolved") EXPECT_EQ(state[id], "firing") << a.dump();
    if (s == "firing") EXPECT_NE(state[id], "firing") << a.dump();
    state[id] = s;
  }
}

TEST(ReplayDataTest, BurstGptAvailabilityCountsTheFailedRequests) {
  // Failed requests in the BurstGPT trace have zero response tokens.
  std::ifstream csv(DataPath("burstgpt1_first400.csv"));
  std::string line;
  std::getline(csv, line);  // header
  int total = 0, failed = 0;
  while (std::getline(csv, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) cols.push_back(c);
    ASSERT_GE(cols.size(), 4u);
    ++total;
    failed += cols[3] == "0";
  }
  ASSERT_EQ(total, 400);
  json r = ReplayJson("burstgpt-availability.yaml", "burstgpt1_events.ndjson");
  const json& o = Objective(r, "burstgpt-availability");
  EXPECT_EQ(o["total"], total);
  EXPECT_EQ(o["good"], total - failed);
  EXPECT_NEAR(o["sli"].get<double>(), 1.0 - double(failed) / total, 1e-12);
  EXPECT_EQ(r["events"]["rejected"], 0);
  // 4.25 % failures against a 1 % budget: the ticket (3×) alerts fire; no page (6×/14.4×
  // need a faster burn than this trace has over an hour).
  std::set<std::string> fired;
  for (const auto& a : r["alerts"]) {
    if (a["alert"]["state"] == "firing") fired.insert(a["alert"]["rule"].get<std::string>());
  }
  EXPECT_TRUE(fired.count("ticket-1d-2h")) << r["alerts"].dump();
  ExpectConsistentTimeline(r);
}

TEST(ReplayDataTest, VllmTtftObjectivesMatchTheServingLog) {
  std::ifstream in(DataPath("vllm_llama3.2-1b_burstgpt_scale100_detail.json"));
  json detail = json::parse(in);
  int total = 0, fast = 0;
  for (const auto& [id, req] : detail.items()) {
    ++total;
    fast += req["first_chunk_time"].get<double>() * 1000 <= 200;
  }
  // The p95 TTFT of each minute (nearest rank) of the converted events, against 250 ms.
  std::ifstream events(DataPath("vllm_scale100_events.ndjson"));
  std::map<std::string, std::vector<double>> by_minute;
  for (std::string line; std::getline(events, line);) {
    json e = json::parse(line);
    by_minute[e["time"].get<std::string>().substr(0, 16)].push_back(e["ttft_ms"].get<double>());
  }
  int good_minutes = 0;
  for (auto& [minute, v] : by_minute) {
    std::sort(v.begin(), v.end());
    size_t rank = static_cast<size_t>(std::ceil(0.95 * v.size()));
    good_minutes += v[rank - 1] < 250;
  }
  json r = ReplayJson("vllm-ttft.yaml", "vllm_scale100_events.ndjson");
  const json& o = Objective(r, "vllm-ttft");
  EXPECT_EQ(o["total"], total);
  EXPECT_EQ(o["good"], fast);
  const json& p95 = Objective(r, "vllm-ttft-p95");
  EXPECT_EQ(p95["total"], by_minute.size());
  EXPECT_EQ(p95["good"], good_minutes);
  EXPECT_EQ(p95["error_budget"]["unit"], "slices");
  ExpectConsistentTimeline(r);
}

TEST(ReplayDataTest, HaluEvalLabelsDriveTheQualityObjective) {
  std::ifstream in(DataPath("halueval_general_first200.jsonl"));
  int total = 0, hallucinated = 0;
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line);
    ++total;
    hallucinated += j["hallucination"] == "yes";
  }
  json r = ReplayJson("halueval-quality.yaml", "halueval_events.ndjson");
  const json& o = Objective(r, "halueval-no-hallucination");
  EXPECT_EQ(o["total"], total);
  EXPECT_EQ(o["good"], total - hallucinated);
  // 36 % hallucinations against a 10 % budget is a 3.6× burn: the 6h/30m page (6×) may fire
  // early when the first answers are worse; the tickets fire, and the budget is gone.
  EXPECT_TRUE(o["error_budget"]["exhausted"].get<bool>());
  bool ticket = false;
  for (const auto& a : r["alerts"]) {
    ticket |= a["alert"]["severity"] == "ticket" && a["alert"]["type"] == "burn_rate";
  }
  EXPECT_TRUE(ticket) << r["alerts"].dump();
  ExpectConsistentTimeline(r);
}

TEST(ReplayDataTest, TableOutputAndErrors) {
  auto r = RunBallast({"replay", "--slos", (SourceDir() / "examples/replay").string(),
                       DataPath("burstgpt1_events.ndjson"), "-o", "table"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("burstgpt-availability"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("alerts:"), std::string::npos) << r.out;
  auto missing = RunBallast({"replay", "--slos", (SourceDir() / "examples/replay").string(),
                             "/nonexistent.ndjson"});
  EXPECT_EQ(missing.exit_code, 1);
  auto bad_slos = RunBallast({"replay", "--slos", "-", DataPath("burstgpt1_events.ndjson")},
                             "kind: SLO\n");
  EXPECT_EQ(bad_slos.exit_code, 1);
  auto usage = RunBallast({"replay", DataPath("burstgpt1_events.ndjson")});
  EXPECT_EQ(usage.exit_code, 2);
}

}  // namespace
}  // namespace ballast::testing
