#include "telemetry/series_keys.h"

#include <xxhash.h>

namespace ballast::telemetry {
namespace {

constexpr size_t kShards = 16;

SeriesKeyView ViewOf(const SeriesKey& k) { return {k.service, k.variant, k.model, k.prompt}; }

bool IsOverflow(const SeriesKeyView& k) {
  return k.variant == kOverflowLabel && k.model == kOverflowLabel && k.prompt == kOverflowLabel;
}

}  // namespace

uint64_t HashSeriesKey(const SeriesKeyView& key) {
  // Each part's hash seeds the next, so ("ab","c") and ("a","bc") differ.
  uint64_t h = XXH3_64bits_withSeed(key.service.data(), key.service.size(), 0x9e3779b97f4a7c15ULL);
  h = XXH3_64bits_withSeed(key.variant.data(), key.variant.size(), h);
  h = XXH3_64bits_withSeed(key.model.data(), key.model.size(), h);
  return XXH3_64bits_withSeed(key.prompt.data(), key.prompt.size(), h);
}

struct SeriesKeyRegistry::Entry {
  SeriesKeyId id = 0;
  std::atomic<bool> persisted{false};
};

struct SeriesKeyRegistry::Shard {
  struct Hash {
    using is_transparent = void;
    size_t operator()(const SeriesKey& k) const { return HashSeriesKey(ViewOf(k)); }
    size_t operator()(const SeriesKeyView& k) const { return HashSeriesKey(k); }
  };
  struct Equal {
    using is_transparent = void;
    bool operator()(const SeriesKey& a, const SeriesKey& b) const { return a == b; }
    bool operator()(const SeriesKeyView& a, const SeriesKey& b) const { return a == ViewOf(b); }
    bool operator()(const SeriesKey& a, const SeriesKeyView& b) const { return ViewOf(a) == b; }
  };
  std::mutex mutex;
  // Entries are heap-allocated so that by_id_ pointers stay valid across rehashes.
  std::unordered_map<SeriesKey, std::unique_ptr<Entry>, Hash, Equal> keys;  // GUARDED_BY(mutex)
};

SeriesKeyRegistry::SeriesKeyRegistry(SeriesKeyRegistryOptions options) : options_(options) {
  if (options_.max_keys_per_service < 1) options_.max_keys_per_service = 1;
  shards_.reserve(kShards);
  for (size_t i = 0; i < kShards; ++i) shards_.push_back(std::make_unique<Shard>());
}

SeriesKeyRegistry::~SeriesKeyRegistry() = default;

SeriesKeyRegistry::Shard& SeriesKeyRegistry::ShardFor(const SeriesKeyView& key, uint64_t& hash) {
  hash = HashSeriesKey(key);
  // The high bits pick the shard; the map uses the whole hash for its buckets.
  return *shards_[(hash >> 59) % kShards];
}

Status SeriesKeyRegistry::Seed(SeriesKeyId id, const SeriesKey& key) {
  if (id <= 0) return Status::InvalidArgument("series key id must be positive", "id");
  uint64_t hash;
  Shard& shard = ShardFor(ViewOf(key), hash);
  std::lock_guard lock(shard.mutex);
  auto it = shard.keys.find(key);
  if (it != shard.keys.end()) {
    if (it->second->id == id) return Status::Ok();
    return Status::InvalidArgument("series key registered twice with ids " +
                                   std::to_string(it->second->id) + " and " + std::to_string(id));
  }
  std::lock_guard services_lock(services_mutex_);
  if (by_id_.count(id))
    return Status::InvalidArgument("series key id " + std::to_string(id) + " used twice");
  auto entry = std::make_unique<Entry>();
  entry->id = id;
  entry->persisted.store(true, std::memory_order_relaxed);
  auto node = shard.keys.emplace(key, std::move(entry)).first;
  by_id_[id] = &node->first;
  if (!IsOverflow(ViewOf(key))) ++service_keys_[key.service];
  size_.fetch_add(1, std::memory_order_relaxed);
  SeriesKeyId next = next_id_.load();
  while (next <= id && !next_id_.compare_exchange_weak(next, id + 1)) {
  }
  return Status::Ok();
}

SeriesKeyRegistry::Resolved SeriesKeyRegistry::Resolve(const SeriesKeyView& key) {
  Resolved r = ResolveIn(key, !IsOverflow(key));
  if (r.id != 0) return r;
  // Over the bound: file under the service's overflow key, which is exempt from it.
  folded_events_.fetch_add(1, std::memory_order_relaxed);
  r = ResolveIn({key.service, kOverflowLabel, kOverflowLabel, kOverflowLabel}, false);
  r.folded = true;
  return r;
}

// Returns id 0 when `bounded` and the service is full.
SeriesKeyRegistry::Resolved SeriesKeyRegistry::ResolveIn(const SeriesKeyView& key, bool bounded) {
  uint64_t hash;
  Shard& shard = ShardFor(key, hash);
  std::lock_guard lock(shard.mutex);
  auto it = shard.keys.find(key);
  if (it != shard.keys.end())
    return {it->second->id, !it->second->persisted.load(std::memory_order_acquire), false};
  // Lock order: shard, then services_mutex_.
  std::lock_guard services_lock(services_mutex_);
  if (bounded) {
    auto sit = service_keys_.find(std::string(key.service));
    int64_t n = sit == service_keys_.end() ? 0 : sit->second;
    if (n >= options_.max_keys_per_service) return {};
    if (sit == service_keys_.end())
      service_keys_.emplace(std::string(key.service), 1);
    else
      ++sit->second;
  }
  auto entry = std::make_unique<Entry>();
  entry->id = next_id_.fetch_add(1);
  SeriesKeyId id = entry->id;
  auto node = shard.keys
                  .emplace(SeriesKey{std::string(key.service), std::string(key.variant),
                                     std::string(key.model), std::string(key.prompt)},
                           std::move(entry))
                  .first;
  by_id_[id] = &node->first;
  size_.fetch_add(1, std::memory_order_relaxed);
  return {id, true, false};
}

void SeriesKeyRegistry::MarkPersisted(const std::vector<NewSeriesKey>& keys) {
  for (const NewSeriesKey& k : keys) {
    uint64_t hash;
    Shard& shard = ShardFor(ViewOf(k.key), hash);
    std::lock_guard lock(shard.mutex);
    auto it = shard.keys.find(k.key);
    if (it != shard.keys.end() && it->second->id == k.id)
      it->second->persisted.store(true, std::memory_order_release);
  }
}

bool SeriesKeyRegistry::Find(SeriesKeyId id, SeriesKey& out) const {
  std::lock_guard lock(services_mutex_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return false;
  out = *it->second;  // map nodes never move and are never erased
  return true;
}

int64_t SeriesKeyRegistry::KeysOfService(std::string_view service) const {
  std::lock_guard lock(services_mutex_);
  auto it = service_keys_.find(std::string(service));
  return it == service_keys_.end() ? 0 : it->second;
}

}  // namespace ballast::telemetry
