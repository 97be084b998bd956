#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "store/sqlite_store.h"
#include "store/test_fixtures.h"

namespace ballast::store {
namespace {

using telemetry::RollupDelta;
using testing::CommitAndWait;
using testing::kT0;
using testing::MakeCommit;
using testing::MakeKey;
using testing::MakeRollup;
using testing::TempDir;
using Kind = IngestOutcome::Kind;

constexpr EpochMillis kMin = telemetry::kMinuteMillis;

class CountingObserver : public WriterObserver {
 public:
  void OnCommit(double, int operations, bool ok) override {
    groups.fetch_add(1);
    ops.fetch_add(operations);
    if (!ok) failed.fetch_add(1);
  }
  std::atomic<int> groups{0}, ops{0}, failed{0};
};

class TelemetryStoreTest : public ::testing::Test {
 protected:
  void Open(size_t cache_rows = 16384, int capacity = 4096) {
    if (store_) store_->Close();
    StoreOptions o{.data_dir = dir_.path(),
                   .writer_queue_capacity = capacity,
                   .clock = &clock_,
                   .observer = &observer_};
    auto s = OpenSqliteStoreTuned(o, {.rollup_cache_rows = cache_rows});
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(*s);
  }
  void TearDown() override {
    if (store_) store_->Close();
  }
  TelemetryStore& T() { return store_->Telemetry(); }

  // Sum of requests over every row of `service`.
  int64_t TotalRequests(const std::string& service) {
    auto rows = T().QueryRollups(service, 0, kT0 * 2);
    EXPECT_TRUE(rows) << rows.error().ToString();
    int64_t n = 0;
    if (rows)
      for (const auto& r : *rows) n += r.rollup.requests;
    return n;
  }

  TempDir dir_;
  SimulatedClock clock_{kT0};
  CountingObserver observer_;
  std::unique_ptr<Store> store_;
};

TEST_F(TelemetryStoreTest, AppliedThenReplayedThenConflict) {
  Open();
  auto first = CommitAndWait(
      T(), MakeCommit("key-1", "hash-a", {MakeKey(1, "chat")}, {{1, kT0, MakeRollup(5)}}));
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(first->kind, Kind::kApplied);
  EXPECT_EQ(first->response_json, R"({"accepted":1})");

  IngestCommit retry = MakeCommit("key-1", "hash-a", {MakeKey(1, "chat")},
                                  {{1, kT0, MakeRollup(5)}, {1, kT0 + kMin, MakeRollup(1)}});
  auto replay = CommitAndWait(T(), std::move(retry));
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->kind, Kind::kReplayed);
  EXPECT_EQ(replay->response_json, R"({"accepted":1})");  // the stored answer, not the retry's

  auto conflict = CommitAndWait(
      T(), MakeCommit("key-1", "hash-b", {MakeKey(1, "chat")}, {{1, kT0, MakeRollup(7)}}));
  ASSERT_TRUE(conflict);
  EXPECT_EQ(conflict->kind, Kind::kConflict);

  EXPECT_EQ(TotalRequests("chat"), 5);
  auto stored = T().LookupIdempotency("key-1");
  ASSERT_TRUE(stored && stored->has_value());
  EXPECT_EQ((*stored)->body_hash, "hash-a");
  EXPECT_EQ((*stored)->response_json, R"({"accepted":1})");
  EXPECT_EQ((*stored)->created_at, kT0);
  EXPECT_EQ(*T().LookupIdempotency("key-2"), std::nullopt);

  // Without a key every batch counts.
  ASSERT_TRUE(CommitAndWait(T(), MakeCommit("", "", {}, {{1, kT0, MakeRollup(2)}})));
  ASSERT_TRUE(CommitAndWait(T(), MakeCommit("", "", {}, {{1, kT0, MakeRollup(2)}})));
  EXPECT_EQ(TotalRequests("chat"), 9);
}

TEST_F(TelemetryStoreTest, SameKeyTwiceInOneGroupAppliesOnce) {
  Open();
  std::vector<std::future<Result<IngestOutcome>>> results;
  for (int i = 0; i < 20; ++i) {
    auto p = std::make_shared<std::promise<Result<IngestOutcome>>>();
    results.push_back(p->get_future());
    ASSERT_TRUE(
        T().CommitIngest(MakeCommit("dup", "h", {MakeKey(1, "chat")}, {{1, kT0, MakeRollup(1)}}),
                         [p](Result<IngestOutcome> r) { p->set_value(std::move(r)); })
            .ok());
  }
  int applied = 0;
  for (auto& f : results) {
    auto r = f.get();
    ASSERT_TRUE(r);
    applied += r->kind == Kind::kApplied;
  }
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(TotalRequests("chat"), 1);
}

// Sketches and counters merge the same whether the row comes from the writer's cache or from
// the database (tiny cache, and across a reopen).
class SketchMergeTest : public TelemetryStoreTest, public ::testing::WithParamInterface<size_t> {};

TEST_P(SketchMergeTest, MergesAcrossBatchesAndReopen) {
  Open(GetParam());
  const std::vector<std::vector<double>> parts = {{10, 20, 30}, {1000, 2000}, {0, 5.5, 700}};
  telemetry::Rollup expected_a, expected_b;
  for (size_t i = 0; i < parts.size(); ++i) {
    // Two rows alternate, so a one-row cache misses on every delta.
    telemetry::Rollup a = MakeRollup(static_cast<int>(parts[i].size()), parts[i]);
    telemetry::Rollup b = MakeRollup(1, {parts[i][0] * 2});
    expected_a.Merge(a);
    expected_b.Merge(b);
    std::vector<telemetry::NewSeriesKey> keys;
    if (i == 0) keys = {MakeKey(1, "chat"), MakeKey(2, "chat", "canary")};
    ASSERT_TRUE(CommitAndWait(
        T(), MakeCommit("k" + std::to_string(i), "h", keys, {{1, kT0, a}, {2, kT0, b}})));
    if (i == 1) Open(GetParam());  // the third batch merges into rows read back from disk
  }
  auto rows = T().QueryRollups("chat", kT0, kT0 + kMin);
  ASSERT_TRUE(rows) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 2u);
  const telemetry::Rollup& a = (*rows)[0].rollup;
  EXPECT_EQ((*rows)[0].key_id, 1);
  EXPECT_EQ(a.requests, 8);
  EXPECT_EQ(a.outcomes[0], 8);
  EXPECT_EQ(a.input_tokens, 80);
  EXPECT_EQ(a.output_tokens, 160);
  EXPECT_NEAR(a.cost_usd, 0.008, 1e-12);
  EXPECT_EQ(a.latency_ms, expected_a.latency_ms);
  EXPECT_EQ(a.ttft_ms, expected_a.ttft_ms);
  EXPECT_EQ(a.latency_ms.count(), 8);
  EXPECT_NEAR(a.latency_ms.Quantile(1.0), 2000, 2000 * 0.01);
  EXPECT_EQ((*rows)[1].rollup.latency_ms, expected_b.latency_ms);
  EXPECT_EQ((*rows)[1].rollup.requests, 3);
}

INSTANTIATE_TEST_SUITE_P(CacheSizes, SketchMergeTest, ::testing::Values(1, 16384));

TEST_F(TelemetryStoreTest, InvalidBatchFailsAloneAndLeavesNoKey) {
  Open();
  ASSERT_TRUE(
      CommitAndWait(T(), MakeCommit("ok-1", "h", {MakeKey(1, "chat")}, {{1, kT0, MakeRollup(1)}})));
  auto unknown = CommitAndWait(T(), MakeCommit("bad-1", "h", {}, {{99, kT0, MakeRollup(1)}}));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(unknown.error().message().find("series key id 99"), std::string::npos);
  EXPECT_EQ(*T().LookupIdempotency("bad-1"), std::nullopt);

  auto unaligned = CommitAndWait(
      T(), MakeCommit("bad-2", "h", {}, {{1, kT0, MakeRollup(0)}, {1, kT0 + 5, MakeRollup(0)}}));
  ASSERT_FALSE(unaligned);
  EXPECT_EQ(unaligned.error().field(), "deltas[1].minute");

  auto clash = CommitAndWait(
      T(), MakeCommit("bad-3", "h", {MakeKey(1, "other-service")}, {{1, kT0, MakeRollup(1)}}));
  ASSERT_FALSE(clash);
  EXPECT_NE(clash.error().message().find("conflicts with stored id 1"), std::string::npos)
      << clash.error().message();

  EXPECT_EQ(TotalRequests("chat"), 1);
  EXPECT_EQ(TotalRequests("other-service"), 0);
  // A retried key (same id, same key) is fine.
  ASSERT_TRUE(
      CommitAndWait(T(), MakeCommit("ok-2", "h", {MakeKey(1, "chat")}, {{1, kT0, MakeRollup(1)}})));
  EXPECT_EQ(TotalRequests("chat"), 2);
}

TEST_F(TelemetryStoreTest, SeriesKeysAndServices) {
  Open();
  ASSERT_TRUE(CommitAndWait(
      T(),
      MakeCommit("a", "h", {MakeKey(1, "chat"), MakeKey(2, "chat", "canary"), MakeKey(3, "search")},
                 {{1, kT0 + 2 * kMin, MakeRollup(1)},
                  {2, kT0 + 5 * kMin, MakeRollup(1)},
                  {3, kT0, MakeRollup(1)}})));
  ASSERT_TRUE(CommitAndWait(T(), MakeCommit("b", "h", {}, {{1, kT0 + kMin, MakeRollup(1)}})));
  auto keys = T().LoadSeriesKeys();
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 3u);
  EXPECT_EQ((*keys)[1].id, 2);
  EXPECT_EQ((*keys)[1].key, (telemetry::SeriesKey{"chat", "canary", "gpt-x", "greet@1"}));

  auto services = T().ListServices();
  ASSERT_TRUE(services);
  ASSERT_EQ(services->size(), 2u);
  EXPECT_EQ((*services)[0].service, "chat");
  EXPECT_EQ((*services)[0].first_seen, kT0 + kMin);
  EXPECT_EQ((*services)[0].last_seen, kT0 + 5 * kMin);
  EXPECT_EQ((*services)[0].series, 2);
  EXPECT_EQ((*services)[1].service, "search");
  EXPECT_EQ((*services)[1].series, 1);

  auto window = T().QueryRollups("chat", kT0 + kMin, kT0 + 5 * kMin);  // [from, to)
  ASSERT_TRUE(window);
  ASSERT_EQ(window->size(), 2u);
  EXPECT_EQ((*window)[0].minute, kT0 + kMin);
  EXPECT_EQ((*window)[1].minute, kT0 + 2 * kMin);
}

TEST_F(TelemetryStoreTest, IdempotencyKeysExpireAfter24Hours) {
  Open();
  ASSERT_TRUE(
      CommitAndWait(T(), MakeCommit("k", "h1", {MakeKey(1, "chat")}, {{1, kT0, MakeRollup(1)}})));
  clock_.Advance(24LL * 3600 * 1000 + 1);
  EXPECT_EQ(*T().LookupIdempotency("k"), std::nullopt);
  auto again = CommitAndWait(T(), MakeCommit("k", "h2", {}, {{1, kT0, MakeRollup(1)}}));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->kind, Kind::kApplied);  // an expired key no longer conflicts
  EXPECT_EQ((*T().LookupIdempotency("k"))->body_hash, "h2");
  EXPECT_EQ(TotalRequests("chat"), 2);
}

TEST_F(TelemetryStoreTest, PruneDropsOldKeysAndRowsIncludingCachedOnes) {
  Open();
  ASSERT_TRUE(
      CommitAndWait(T(), MakeCommit("old", "h", {MakeKey(1, "chat")},
                                    {{1, kT0, MakeRollup(4)}, {1, kT0 + kMin, MakeRollup(1)}})));
  clock_.Advance(10 * kMin);
  ASSERT_TRUE(CommitAndWait(T(), MakeCommit("new", "h", {}, {{1, kT0 + kMin, MakeRollup(1)}})));
  ASSERT_TRUE(T().Prune(kT0 + 5 * kMin, kT0 + kMin).ok());
  clock_.Set(kT0 + 11 * kMin);
  EXPECT_EQ(*T().LookupIdempotency("old"), std::nullopt);
  EXPECT_TRUE(T().LookupIdempotency("new")->has_value());
  EXPECT_EQ(TotalRequests("chat"), 2);
  // The pruned row was in the writer's cache; a new delta must start from zero, not from 4.
  ASSERT_TRUE(CommitAndWait(T(), MakeCommit("", "", {}, {{1, kT0, MakeRollup(1)}})));
  auto rows = T().QueryRollups("chat", kT0, kT0 + kMin);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].rollup.requests, 1);
}

TEST_F(TelemetryStoreTest, GroupCommitGroupsConcurrentSubmitters) {
  Open();
  ASSERT_TRUE(CommitAndWait(T(), MakeCommit("", "", {MakeKey(1, "chat")}, {})));
  const int before_groups = observer_.groups.load();
  constexpr int kThreads = 8, kPerThread = 50;
  std::atomic<int> applied{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::future<void>> waits;
      for (int i = 0; i < kPerThread; ++i) {
        auto p = std::make_shared<std::promise<void>>();
        waits.push_back(p->get_future());
        Status st =
            T().CommitIngest(MakeCommit("t" + std::to_string(t) + "-" + std::to_string(i), "h", {},
                                        {{1, kT0 + (i % 3) * kMin, MakeRollup(1)}}),
                             [p, &applied](Result<IngestOutcome> r) {
                               if (r && r->kind == Kind::kApplied) ++applied;
                               p->set_value();
                             });
        EXPECT_TRUE(st.ok()) << st.ToString();
      }
      for (auto& w : waits) w.wait();
    });
  }
  for (auto& t : threads) t.join();
  const int groups = observer_.groups.load() - before_groups;
  EXPECT_EQ(applied.load(), kThreads * kPerThread);
  EXPECT_LT(groups, kThreads * kPerThread) << "every operation committed alone";
  EXPECT_EQ(observer_.failed.load(), 0);
  EXPECT_EQ(TotalRequests("chat"), kThreads * kPerThread);
}

// Blocks the writer thread inside the first completion until released, so the queue fills.
struct BlockedWriter {
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  std::function<void(Result<IngestOutcome>)> Done() {
    return [this](Result<IngestOutcome>) {
      entered.set_value();
      released.wait();
    };
  }
};

TEST_F(TelemetryStoreTest, FullQueueRefusesSynchronouslyWithoutCallingDone) {
  Open(16384, /*capacity=*/3);
  BlockedWriter blocked;
  ASSERT_TRUE(T().CommitIngest(MakeCommit("", "", {MakeKey(1, "chat")}, {{1, kT0, MakeRollup(1)}}),
                               blocked.Done())
                  .ok());
  blocked.entered.get_future().wait();
  std::atomic<int> done_calls{0};
  auto count = [&](Result<IngestOutcome>) { ++done_calls; };
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(T().CommitIngest(MakeCommit("", "", {}, {{1, kT0, MakeRollup(1)}}), count).ok());
  }
  EXPECT_EQ(store_->WriterQueueDepth(), 4);
  Status full = T().CommitIngest(MakeCommit("", "", {}, {{1, kT0, MakeRollup(1)}}), count);
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted) << full.ToString();
  blocked.release.set_value();
  store_->Close();
  EXPECT_EQ(done_calls.load(), 3);
  Open();
  EXPECT_EQ(TotalRequests("chat"), 4);
}

TEST_F(TelemetryStoreTest, CloseDrainsEverythingQueued) {
  Open(16384, 1000);
  BlockedWriter blocked;
  ASSERT_TRUE(
      T().CommitIngest(MakeCommit("first", "h", {MakeKey(1, "chat")}, {{1, kT0, MakeRollup(1)}}),
                       blocked.Done())
          .ok());
  blocked.entered.get_future().wait();
  std::atomic<int> acknowledged{0};
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(T().CommitIngest(MakeCommit("q" + std::to_string(i), "h", {},
                                            {{1, kT0 + (i % 7) * kMin, MakeRollup(2)}}),
                                 [&](Result<IngestOutcome> r) { acknowledged += r.has_value(); })
                    .ok());
  }
  std::thread closer([this] { store_->Close(); });
  blocked.release.set_value();
  closer.join();
  EXPECT_EQ(acknowledged.load(), 500);
  Open();
  EXPECT_EQ(TotalRequests("chat"), 1 + 500 * 2);
  EXPECT_TRUE(T().LookupIdempotency("q499")->has_value());
}

TEST_F(TelemetryStoreTest, ConcurrentReadersSeeCommittedMonotonicTotals) {
  Open();
  ASSERT_TRUE(CommitAndWait(T(), MakeCommit("", "", {MakeKey(1, "chat")}, {})));
  constexpr int kCommits = 200;
  std::atomic<bool> writing{true};
  std::atomic<int> violations{0}, reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 6; ++r) {  // more readers than pooled connections
    readers.emplace_back([&] {
      int64_t last = 0;
      while (writing.load()) {
        int64_t now = TotalRequests("chat");
        if (now < last || now > kCommits) ++violations;
        last = now;
        ++reads;
        auto services = T().ListServices();
        if (!services) ++violations;
      }
    });
  }
  for (int i = 0; i < kCommits; ++i) {
    ASSERT_TRUE(CommitAndWait(T(), MakeCommit("", "", {}, {{1, kT0, MakeRollup(1)}})));
  }
  writing = false;
  for (auto& t : readers) t.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(TotalRequests("chat"), kCommits);
}

}  // namespace
}  // namespace ballast::store
