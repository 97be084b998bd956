#include "telemetry/series_keys.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace ballast::telemetry {
namespace {

TEST(SeriesKeyRegistryTest, AssignsStableIdsAndMarksNewKeysPending) {
  SeriesKeyRegistry reg;
  auto a = reg.Resolve({"svc", "stable", "m", "p"});
  auto b = reg.Resolve({"svc", "canary", "m", "p"});
  auto a2 = reg.Resolve({"svc", "stable", "m", "p"});
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(a.id, a2.id);
  EXPECT_TRUE(a.pending);
  EXPECT_TRUE(a2.pending);  // pending until the store confirms
  EXPECT_EQ(reg.size(), 2);
  reg.MarkPersisted({{a.id, {"svc", "stable", "m", "p"}}});
  EXPECT_FALSE(reg.Resolve({"svc", "stable", "m", "p"}).pending);
  EXPECT_TRUE(reg.Resolve({"svc", "canary", "m", "p"}).pending);
}

TEST(SeriesKeyRegistryTest, PartsAreNotConcatenated) {
  SeriesKeyRegistry reg;
  EXPECT_NE(reg.Resolve({"ab", "c", "", ""}).id, reg.Resolve({"a", "bc", "", ""}).id);
}

TEST(SeriesKeyRegistryTest, SeedContinuesAfterTheLargestId) {
  SeriesKeyRegistry reg;
  ASSERT_TRUE(reg.Seed(7, {"svc", "stable", "m", "p"}).ok());
  ASSERT_TRUE(reg.Seed(3, {"svc", "canary", "m", "p"}).ok());
  auto seeded = reg.Resolve({"svc", "stable", "m", "p"});
  EXPECT_EQ(seeded.id, 7);
  EXPECT_FALSE(seeded.pending);
  EXPECT_EQ(reg.Resolve({"other-svc", "stable", "", ""}).id, 8);
  SeriesKey k;
  ASSERT_TRUE(reg.Find(3, k));
  EXPECT_EQ(k.variant, "canary");
  EXPECT_FALSE(reg.Find(99, k));
}

TEST(SeriesKeyRegistryTest, SeedRejectsConflicts) {
  SeriesKeyRegistry reg;
  EXPECT_TRUE(reg.Seed(0, {"s", "v", "m", "p"}).IsInvalidArgument());
  ASSERT_TRUE(reg.Seed(1, {"s", "v", "m", "p"}).ok());
  EXPECT_TRUE(reg.Seed(1, {"s", "v", "m", "p"}).ok());  // idempotent
  EXPECT_TRUE(reg.Seed(2, {"s", "v", "m", "p"}).IsInvalidArgument());
  EXPECT_TRUE(reg.Seed(1, {"s", "v2", "m", "p"}).IsInvalidArgument());
}

TEST(SeriesKeyRegistryTest, FoldsPastTheCardinalityBound) {
  SeriesKeyRegistry reg({.max_keys_per_service = 3});
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(reg.Resolve({"svc", "v", std::to_string(i), ""}).folded);
  auto f1 = reg.Resolve({"svc", "v", "x", ""});
  auto f2 = reg.Resolve({"svc", "v", "y", ""});
  EXPECT_TRUE(f1.folded);
  EXPECT_EQ(f1.id, f2.id);
  SeriesKey k;
  ASSERT_TRUE(reg.Find(f1.id, k));
  EXPECT_EQ(k, (SeriesKey{"svc", "other", "other", "other"}));
  EXPECT_EQ(reg.folded_events(), 2);
  EXPECT_EQ(reg.KeysOfService("svc"), 3);
  // Known keys still resolve; other services are unaffected.
  EXPECT_FALSE(reg.Resolve({"svc", "v", "1", ""}).folded);
  EXPECT_FALSE(reg.Resolve({"svc2", "v", "x", ""}).folded);
}

TEST(SeriesKeyRegistryTest, ConcurrentResolvesAgree) {
  SeriesKeyRegistry reg;
  constexpr int kThreads = 4, kKeys = 500;
  std::vector<std::vector<SeriesKeyId>> ids(kThreads, std::vector<SeriesKeyId>(kKeys));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kKeys; ++i)
        ids[t][i] = reg.Resolve({"svc", "v", "m" + std::to_string(i), ""}).id;
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(ids[t], ids[0]);
  EXPECT_EQ(std::set<SeriesKeyId>(ids[0].begin(), ids[0].end()).size(), size_t{kKeys});
  EXPECT_EQ(reg.size(), kKeys);
}

}  // namespace
}  // namespace ballast::telemetry
