// Fixtures shared by the store tests: a temporary data directory removed on destruction, and
// builders of rollup batches. Test-only; not part of the ballast_store library.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "store/store.h"
#include "telemetry/rollup.h"

namespace ballast::store::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ballast-store-XXXXXX").string();
    char* made = mkdtemp(tmpl.data());
    EXPECT_NE(made, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline constexpr EpochMillis kT0 = 1'800'000'000'000;  // minute-aligned (2027-01-15)
static_assert(kT0 % telemetry::kMinuteMillis == 0);

// A rollup of `requests` ok requests with the given latencies (ms), ttft = latency / 4,
// 10 input and 20 output tokens and $0.001 each.
inline telemetry::Rollup MakeRollup(int requests, const std::vector<double>& latencies = {}) {
  telemetry::Rollup r;
  for (int i = 0; i < requests; ++i) {
    telemetry::RequestEvent e;
    e.service = "svc";
    e.input_tokens = 10;
    e.output_tokens = 20;
    e.cost_usd = 0.001;
    if (!latencies.empty()) {
      e.latency_ms = latencies[i % latencies.size()];
      e.ttft_ms = *e.latency_ms / 4;
    }
    r.Add(e);
  }
  return r;
}

inline telemetry::NewSeriesKey MakeKey(telemetry::SeriesKeyId id, std::string service,
                                       std::string variant = "stable") {
  return {id, {std::move(service), std::move(variant), "gpt-x", "greet@1"}};
}

inline IngestCommit MakeCommit(std::string idempotency_key, std::string body_hash,
                               std::vector<telemetry::NewSeriesKey> keys,
                               std::vector<telemetry::RollupDelta> deltas) {
  IngestCommit c;
  c.idempotency_key = std::move(idempotency_key);
  c.body_hash = std::move(body_hash);
  c.response_json = R"({"accepted":)" + std::to_string(deltas.size()) + "}";
  c.batch.new_keys = std::move(keys);
  c.batch.deltas = std::move(deltas);
  return c;
}

// CommitIngest and wait for `done`.
inline Result<IngestOutcome> CommitAndWait(TelemetryStore& t, IngestCommit commit) {
  auto promise = std::make_shared<std::promise<Result<IngestOutcome>>>();
  auto future = promise->get_future();
  Status queued = t.CommitIngest(
      std::move(commit), [promise](Result<IngestOutcome> r) { promise->set_value(std::move(r)); });
  if (!queued.ok()) return queued;
  return future.get();
}

}  // namespace ballast::store::testing
