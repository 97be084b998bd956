// Real third-party serving data (tests/data, copied from ../shared/data with attribution),
// converted to request events by scripts/convert_*.py, ingested with `ballast ingest`, and the
// server's stats checked against figures computed here, independently, from the source files.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "harness.h"

namespace ballast::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs a converter script; returns the NDJSON path.
fs::path Convert(const std::string& script, const fs::path& input, const fs::path& out_dir,
                 const std::string& extra = "") {
  fs::path out = out_dir / (script + ".ndjson");
  std::string cmd = "python3 '" + (SourceDir() / "scripts" / script).string() + "' '" +
                    input.string() + "' " + extra + " > '" + out.string() + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return out;
}

// The q-quantile with the lower-rank convention: the value at rank floor(q * (n - 1)).
double ExactQuantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(std::floor(q * static_cast<double>(v.size() - 1)))];
}

// DDSketch at 1 % relative accuracy; allow for neighbouring ranks as well.
void ExpectQuantileNear(const std::vector<double>& values, double q, double got) {
  std::vector<double> v = values;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  size_t lo_rank = static_cast<size_t>(std::floor(q * static_cast<double>(n - 1)));
  size_t hi_rank = std::min(n - 1, static_cast<size_t>(std::ceil(q * static_cast<double>(n - 1))));
  double lo = v[lo_rank > 0 ? lo_rank - 1 : 0] * 0.99;
  double hi = v[std::min(n - 1, hi_rank + 1)] * 1.01;
  EXPECT_GE(got, lo) << "q=" << q << " exact " << ExactQuantile(values, q);
  EXPECT_LE(got, hi) << "q=" << q << " exact " << ExactQuantile(values, q);
}

class DataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start()) << server_.last_log();
    work_ = server_.data_dir().parent_path() / "work";
    fs::create_directories(work_);
  }
  json Stats(const std::string& service, const std::string& query) {
    auto res = server_.Client()->Get("/v1/services/" + service + "/stats?from=" + TimeAgo(12 * 3600) + query);
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, 200) << res->body;
    return json::parse(res->body);
  }
  CommandResult Ingest(const fs::path& file) {
    return RunBallast({"ingest", file.string(), "--server", server_.base_url(), "-o", "json"});
  }
  ServerProcess server_;
  fs::path work_;
};

TEST_F(DataTest, VllmReplayTtftAndLatencyMatchTheSource) {
  fs::path src = SourceDir() / "tests/data/vllm_llama3.2-1b_burstgpt_scale100_detail.json";
  json records = json::parse(Slurp(src));
  std::vector<double> ttft, latency;
  int64_t input_tokens = 0;
  for (const auto& [id, r] : records.items()) {
    ttft.push_back(r["first_chunk_time"].get<double>() * 1000);
    latency.push_back(r["total_chunk_time"].get<double>() * 1000);
    input_tokens += r["sampled_in_num"].get<int64_t>();
  }
  ASSERT_EQ(ttft.size(), 500u);

  fs::path events = Convert("convert_vllm.py", src, work_);
  CommandResult r = Ingest(events);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  json stats = Stats("vllm-demo", "&group_by=model");
  ASSERT_EQ(stats["series"].size(), 1u) << stats.dump();
  json s = stats["series"][0];
  EXPECT_EQ(s["key"]["model"], "llama-3.2-1b");
  EXPECT_EQ(s["requests"], 500);
  EXPECT_EQ(s["outcomes"]["ok"], 500);
  EXPECT_EQ(s["input_tokens"], input_tokens);
  for (double q : {0.5, 0.9, 0.95, 0.99}) {
    std::string key = q == 0.5 ? "p50" : q == 0.9 ? "p90" : q == 0.95 ? "p95" : "p99";
    ExpectQuantileNear(ttft, q, s["ttft_ms"][key].get<double>());
    ExpectQuantileNear(latency, q, s["latency_ms"][key].get<double>());
  }
  // The data README's figures for scale 100: TTFT p50 0.068 s, p99 0.38 s.
  EXPECT_NEAR(s["ttft_ms"]["p50"].get<double>(), 68, 68 * 0.1);
  EXPECT_NEAR(s["ttft_ms"]["p99"].get<double>(), 380, 380 * 0.1);
  EXPECT_NEAR(s["latency_ms"]["max"].get<double>(), *std::max_element(latency.begin(), latency.end()), 0.01);
}

TEST_F(DataTest, BurstGptFailuresAreCountedAsErrors) {
  fs::path src = SourceDir() / "tests/data/burstgpt1_first400.csv";
  // Independent count: failures are rows whose request, response and total tokens are all 0.
  std::ifstream in(src);
  std::string line;
  std::getline(in, line);  // header
  int rows = 0, failures = 0;
  std::map<std::string, int> per_model;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, ',')) cols.push_back(c);
    ASSERT_GE(cols.size(), 5u) << line;
    ++rows;
    ++per_model[cols[1]];
    if (cols[2] == "0" && cols[3] == "0" && cols[4] == "0") ++failures;
  }
  ASSERT_EQ(rows, 400);
  ASSERT_EQ(failures, 17);  // as documented in ../shared/data/README.md

  fs::path events = Convert("convert_burstgpt.py", src, work_);
  CommandResult r = Ingest(events);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json stats = Stats("burstgpt", "&group_by=model");
  int64_t total = 0, errors = 0;
  for (const auto& s : stats["series"]) {
    total += s["requests"].get<int64_t>();
    errors += s["outcomes"]["error"].get<int64_t>();
    std::string model = s["key"]["model"];
    EXPECT_EQ(s["requests"].get<int>(), per_model[model]) << model;
  }
  EXPECT_EQ(total, 400);
  EXPECT_EQ(errors, 17);
}

TEST_F(DataTest, IngestReportsRejectedLinesWithFileLineNumbers) {
  fs::path file = work_ / "mixed.ndjson";
  std::ofstream out(file);
  for (int i = 0; i < 2500; ++i) {
    if (i == 1500) out << "{\"time\":\"" << TimeAgo(5) << "\",\"service\":\"mixed\",\"latency_ms\":\"slow\"}\n";
    else out << "{\"time\":\"" << TimeAgo(5) << "\",\"service\":\"mixed\"}\n";
  }
  out.close();
  CommandResult r = RunBallast({"ingest", file.string(), "--server", server_.base_url(),
                                "--batch-size", "1000", "-o", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  std::string all = r.out + r.err;
  EXPECT_NE(all.find("1501"), std::string::npos) << all;  // file line, not batch line 501
  EXPECT_NE(all.find("latency_ms"), std::string::npos) << all;
  EXPECT_EQ(Stats("mixed", "")["series"][0]["requests"], 2499);
}

TEST_F(DataTest, UnreachableServerExitsThree) {
  fs::path file = work_ / "one.ndjson";
  std::ofstream(file) << "{\"time\":\"" << TimeAgo(5) << "\",\"service\":\"x\"}\n";
  CommandResult r = RunBallast({"ingest", file.string(), "--server",
                                "http://127.0.0.1:" + std::to_string(FreePort()), "--max-retries", "1"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  CommandResult s = RunBallast({"stats", "nope", "--server", server_.base_url()});
  EXPECT_EQ(s.exit_code, 4) << s.out << s.err;
}

}  // namespace
}  // namespace ballast::testing
