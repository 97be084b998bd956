// Crash safety: a client sends batches, each with its own Idempotency-Key and retried until
// acknowledged, while the server is killed with SIGKILL at random moments and restarted.
// Afterwards the stored totals equal exactly the events sent: nothing acknowledged is lost and
// nothing retried is counted twice.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <random>
#include <thread>

#include "harness.h"

namespace ballast::testing {
namespace {

using nlohmann::json;

TEST(CrashTest, KillNineDuringIngestLosesAndDoublesNothing) {
  ServerProcess::Options options;
  options.port = FreePort();
  ServerProcess server(options);
  ASSERT_TRUE(server.Start()) << server.last_log();

  constexpr int kClients = 3;
  constexpr int kMaxBatchesPerClient = 100000;
  constexpr int kKills = 5;
  constexpr int kEventsPerBatch = 50;
  std::atomic<int> acknowledged{0};
  std::atomic<int> retries{0};
  std::atomic<bool> stop{false};
  std::vector<int> batches_sent(kClients, 0);

  auto client = [&](int id) {
    std::mt19937 rng(id);
    for (int b = 0; b < kMaxBatchesPerClient && !stop.load(); ++b) {
      std::string body;
      for (int i = 0; i < kEventsPerBatch; ++i) {
        body += "{\"time\":\"" + TimeAgo(10) + "\",\"service\":\"crash\",\"output_tokens\":" +
                std::to_string(1 + (b * kEventsPerBatch + i) % 7) + "}\n";
      }
      std::string key = "crash-" + std::to_string(id) + "-" + std::to_string(b);
      for (int attempt = 0;; ++attempt) {
        httplib::Client cli("127.0.0.1", options.port);
        cli.set_connection_timeout(2);
        cli.set_read_timeout(10);
        auto res = cli.Post("/v1/events", {{"Idempotency-Key", key}}, body, "application/x-ndjson");
        if (res && res->status == 200) {
          ASSERT_EQ(json::parse(res->body)["accepted"], kEventsPerBatch) << res->body;
          acknowledged.fetch_add(1);
          batches_sent[id] = b + 1;
          break;
        }
        ASSERT_TRUE(!res || res->status == 429 || res->status == 503) << res->status << res->body;
        ASSERT_LT(attempt, 2000) << "batch never acknowledged";
        retries.fetch_add(1);
        std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 30));
      }
    }
  };

  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) clients.emplace_back(client, c);

  std::mt19937 rng(42);
  int kills = 0;
  for (int k = 0; k < kKills; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 400));
    server.Kill();
    ++kills;
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 200));
    ASSERT_TRUE(server.Start()) << server.last_log();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop = true;  // each client finishes (acknowledges) the batch it is on, then stops
  for (auto& t : clients) t.join();
  EXPECT_GT(acknowledged.load(), 10 * kClients) << "batches must be in flight around the kills";

  // Totals after one more crash and restart.
  server.Kill();
  ASSERT_TRUE(server.Start()) << server.last_log();
  auto res = server.Client()->Get("/v1/services/crash/stats?from=" + TimeAgo(3600));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json stats = json::parse(res->body);
  int64_t expected_tokens = 0;
  int64_t expected_events = 0;
  for (int c = 0; c < kClients; ++c) {
    expected_events += int64_t{batches_sent[c]} * kEventsPerBatch;
    for (int b = 0; b < batches_sent[c]; ++b)
      for (int i = 0; i < kEventsPerBatch; ++i) expected_tokens += 1 + (b * kEventsPerBatch + i) % 7;
  }
  EXPECT_EQ(stats["series"][0]["requests"].get<int64_t>(), expected_events);
  EXPECT_EQ(stats["series"][0]["output_tokens"].get<int64_t>(), expected_tokens);
  std::printf("crash test: %d kills, %d retries, %d batches acknowledged\n", kills, retries.load(),
              acknowledged.load());
}

}  // namespace
}  // namespace ballast::testing
