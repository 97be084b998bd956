#include "store/ref_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace ballast::store {
namespace {

TEST(RefCacheTest, ServesWhatWasPutUntilAWriteStarts) {
  RefCache<int> cache;
  EXPECT_FALSE(cache.Get("m@prod"));
  RefCache<int>::Ticket t = cache.Begin();
  cache.Put(t, "m@prod", 3);
  EXPECT_EQ(cache.Get("m@prod"), 3);
  EXPECT_FALSE(cache.Get("m@canary"));
  {
    RefCache<int>::WriteScope write(cache);
    EXPECT_FALSE(cache.Get("m@prod")) << "a write in flight may already have changed it";
  }
  EXPECT_FALSE(cache.Get("m@prod")) << "an entry read before a write is never served after it";
  RefCache<int>::Ticket after = cache.Begin();
  cache.Put(after, "m@prod", 4);
  EXPECT_EQ(cache.Get("m@prod"), 4);
  EXPECT_EQ(cache.size(), 1u) << "entries of an old epoch are dropped by the first new Put";
}

TEST(RefCacheTest, RefusesAValueReadAcrossAWrite) {
  RefCache<int> cache;
  RefCache<int>::Ticket before = cache.Begin();
  { RefCache<int>::WriteScope write(cache); }
  cache.Put(before, "k", 1);  // read may have started before the write committed
  EXPECT_FALSE(cache.Get("k"));

  RefCache<int>::Ticket t = cache.Begin();
  RefCache<int>::WriteScope in_flight(cache);
  cache.Put(t, "k", 2);  // the write started after the read began: the value may be stale
  EXPECT_FALSE(cache.Get("k"));
  RefCache<int>::Ticket during = cache.Begin();
  EXPECT_FALSE(during.cacheable) << "a read that starts during a write could see either side";
  cache.Put(during, "k", 3);
  EXPECT_FALSE(cache.Get("k"));
}

TEST(RefCacheTest, StaysWithinItsCapacity) {
  RefCache<int> cache(4);
  for (int i = 0; i < 10; ++i) {
    cache.Put(cache.Begin(), "k" + std::to_string(i), i);
    EXPECT_LE(cache.size(), 4u);
    EXPECT_EQ(cache.Get("k" + std::to_string(i)), i);
  }
}

// A writer publishes increasing values of one key, marking each acknowledged once its scope has
// ended; readers go through the cache the way the store does. No reader may see a value older
// than one acknowledged before its read began.
TEST(RefCacheTest, NeverServesAValueOlderThanAnAcknowledgedWrite) {
  RefCache<int> cache;
  std::atomic<int> table{0};
  std::atomic<int> acknowledged{0};
  std::atomic<bool> stop{false};
  std::atomic<int> hits{0};
  std::atomic<int> stale{0};
  std::thread writer([&] {
    for (int i = 1; i <= 20000; ++i) {
      {
        RefCache<int>::WriteScope scope(cache);
        table.store(i);
      }
      acknowledged.store(i);
      if (i % 64 == 0) std::this_thread::yield();
    }
    stop.store(true);
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        const int floor = acknowledged.load();
        RefCache<int>::Ticket t = cache.Begin();
        std::optional<int> v = cache.Get("k");
        if (v) {
          hits.fetch_add(1);
        } else {
          v = table.load();
          cache.Put(t, "k", *v);
        }
        if (*v < floor) stale.fetch_add(1);
      }
    });
  }
  writer.join();
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(stale.load(), 0);
  // After the last write the cache fills again and serves.
  cache.Put(cache.Begin(), "k", table.load());
  EXPECT_EQ(cache.Get("k"), 20000);
}

}  // namespace
}  // namespace ballast::store
