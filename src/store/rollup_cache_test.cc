#include "store/rollup_cache.h"

#include <gtest/gtest.h>

#include "store/test_fixtures.h"

namespace ballast::store {
namespace {

using testing::MakeRollup;

TEST(RollupCacheTest, FindReturnsInsertedRow) {
  RollupCache cache(4);
  EXPECT_EQ(cache.Find({1, 0}), nullptr);
  cache.Insert({1, 0}, MakeRollup(3));
  auto* e = cache.Find({1, 0});
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->rollup.requests, 3);
  EXPECT_FALSE(e->dirty);
  EXPECT_EQ(cache.Find({1, 60000}), nullptr);
  EXPECT_EQ(cache.Find({2, 0}), nullptr);
}

TEST(RollupCacheTest, TrimEvictsLeastRecentlyUsedAfterCommit) {
  RollupCache cache(2);
  cache.Insert({1, 0}, MakeRollup(1));
  cache.Insert({2, 0}, MakeRollup(1));
  cache.Insert({3, 0}, MakeRollup(1));
  ASSERT_NE(cache.Find({1, 0}), nullptr);  // 1 is now the most recent; 2 the least
  EXPECT_EQ(cache.size(), 3u);             // never evicts within a group
  cache.MarkAllCleanAndTrim();
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.Find({2, 0}), nullptr);
  EXPECT_NE(cache.Find({1, 0}), nullptr);
  EXPECT_NE(cache.Find({3, 0}), nullptr);
}

TEST(RollupCacheTest, DirtyRowsAreVisitedAndCleanedAtCommit) {
  RollupCache cache(8);
  cache.Insert({1, 0}, MakeRollup(1)).dirty = true;
  cache.Insert({2, 0}, MakeRollup(1));
  int dirty = 0;
  cache.ForEachDirty([&](RollupCache::Entry& e) {
    ++dirty;
    EXPECT_EQ(e.key.key_id, 1);
  });
  EXPECT_EQ(dirty, 1);
  cache.MarkAllCleanAndTrim();
  dirty = 0;
  cache.ForEachDirty([&](RollupCache::Entry&) { ++dirty; });
  EXPECT_EQ(dirty, 0);
}

TEST(RollupCacheTest, EraseBeforeDropsOldMinutesOnly) {
  RollupCache cache(8);
  cache.Insert({1, 0}, MakeRollup(1));
  cache.Insert({1, 60000}, MakeRollup(1)).dirty = true;
  cache.Insert({1, 120000}, MakeRollup(1));
  cache.EraseBefore(120000);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_NE(cache.Find({1, 120000}), nullptr);
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace ballast::store
