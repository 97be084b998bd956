// SeriesKeyRegistry: the process-wide map from a series key (service, variant, model, prompt)
// to its numeric SeriesKeyId, used by every ingest request to file rollups under an id.
//
// Lookups take string_views and do not allocate when the key is known (the common case): keys
// live in sharded hash maps with heterogeneous lookup. At start the registry is seeded with the
// store's rows (Seed()); new ids continue from the largest seen + 1.
//
// Cardinality is bounded per service: once a service has max_keys_per_service keys, further
// new keys resolve to the service's overflow key (service, "other", "other", "other") and
// folded_events() counts each event so folded (exported on /metrics).
//
// Persistence: a key created here is "pending" until the store confirms it committed
// (MarkPersisted). Every batch that uses a pending key lists it in RollupBatch::new_keys, so a
// batch that is refused (queue full) or lost cannot leave a key the store never heard of.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "telemetry/rollup.h"

namespace ballast::telemetry {

// The four parts of a series key as views; what lookups take.
struct SeriesKeyView {
  std::string_view service;
  std::string_view variant;
  std::string_view model;
  std::string_view prompt;
  friend bool operator==(const SeriesKeyView&, const SeriesKeyView&) = default;
};

inline constexpr std::string_view kOverflowLabel = "other";

struct SeriesKeyRegistryOptions {
  // Distinct keys a service may have before new ones fold into its overflow key; the overflow
  // key itself does not count. Must be >= 1.
  int64_t max_keys_per_service = 10'000;
};

class SeriesKeyRegistry {
 public:
  struct Resolved {
    SeriesKeyId id = 0;
    bool pending = false;  // not yet confirmed persisted: list it in the batch's new_keys
    bool folded = false;   // the key was over the service's bound; id is the overflow key's
  };

  explicit SeriesKeyRegistry(SeriesKeyRegistryOptions options = {});
  ~SeriesKeyRegistry();
  SeriesKeyRegistry(const SeriesKeyRegistry&) = delete;
  SeriesKeyRegistry& operator=(const SeriesKeyRegistry&) = delete;

  // Registers a stored key as persisted. INVALID_ARGUMENT if id <= 0, or if the key or the id
  // is already registered differently. Seeded keys count towards their service's bound but
  // are never refused: what the store holds is kept.
  Status Seed(SeriesKeyId id, const SeriesKey& key);

  // The id of `key`, creating it (pending) if new.
  Resolved Resolve(const SeriesKeyView& key);

  // Marks keys as committed by the store; later batches no longer list them as new.
  void MarkPersisted(const std::vector<NewSeriesKey>& keys);

  // The key of an id, if registered.
  bool Find(SeriesKeyId id, SeriesKey& out) const;

  int64_t size() const { return size_.load(std::memory_order_relaxed); }
  int64_t folded_events() const { return folded_events_.load(std::memory_order_relaxed); }
  // Keys of `service`, excluding its overflow key.
  int64_t KeysOfService(std::string_view service) const;

 private:
  struct Shard;
  struct Entry;
  Shard& ShardFor(const SeriesKeyView& key, uint64_t& hash);
  Resolved ResolveIn(const SeriesKeyView& key, bool bounded);

  SeriesKeyRegistryOptions options_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<SeriesKeyId> next_id_{1};
  std::atomic<int64_t> size_{0};
  std::atomic<int64_t> folded_events_{0};
  mutable std::mutex services_mutex_;
  // Per service: the number of non-overflow keys. GUARDED_BY(services_mutex_).
  std::unordered_map<std::string, int64_t> service_keys_;
  // id -> the key stored in its shard's map node, for Find(). GUARDED_BY(services_mutex_).
  std::unordered_map<SeriesKeyId, const SeriesKey*> by_id_;
};

// Hash of the four parts (xxh3), shared by the registry and callers that cache ids.
uint64_t HashSeriesKey(const SeriesKeyView& key);

}  // namespace ballast::telemetry
