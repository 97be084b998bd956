// RefCache: what a ref such as `support-bot@production` resolved to, kept in memory so the hot
// path of a gateway or the rollout controller (resolve the alias on every request) does not run
// half a dozen SQLite statements each time. It is invalidated by writes, not by time: every
// write of the owning store runs inside a WriteScope, and the cache answers only while no write
// is in flight and none has happened since the entry was read.
//
//   RefCache<ModelVersion>::Ticket ticket = cache.Begin();    // before the read snapshot starts
//   if (auto hit = cache.Get(key)) return *hit;
//   ... read from SQLite ...
//   cache.Put(ticket, key, value);                            // dropped if a write came between
//
//   { RefCache<ModelVersion>::WriteScope scope(cache); ... write and wait for the commit ... }
//
// Why this never serves a stale value to a caller that could know better: an entry is stored
// only when no write was in flight from before its read snapshot began until it is stored, and
// it is served only while no write has started since. A write counts as in flight from before it
// is submitted until its commit has returned, so once a writer has been told "committed", every
// Get misses or sees a value read after that commit. The cache belongs to one store instance
// and assumes every write to its tables goes through that instance (true of the embedded SQLite
// store, whose database one server process owns).
//
// Memory is bounded: at `capacity` entries the cache starts over. Errors are never cached.
//
// Thread safety: every method from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ballast::store {

template <typename V>
class RefCache {
 public:
  // The cache's write epoch at the start of a read; Put refuses the value unless it still holds.
  struct Ticket {
    uint64_t epoch = 0;
    bool cacheable = false;
  };

  // Marks one write as in flight for its lifetime (construct before submitting the write,
  // destroy after its commit has returned, whether it succeeded or not).
  class WriteScope {
   public:
    explicit WriteScope(RefCache& cache) : cache_(cache) {
      cache_.started_.fetch_add(1, std::memory_order_acq_rel);
    }
    ~WriteScope() { cache_.finished_.fetch_add(1, std::memory_order_acq_rel); }
    WriteScope(const WriteScope&) = delete;
    WriteScope& operator=(const WriteScope&) = delete;

   private:
    RefCache& cache_;
  };

  explicit RefCache(size_t capacity = 16384) : capacity_(capacity) {}

  Ticket Begin() const {
    const uint64_t started = started_.load(std::memory_order_acquire);
    return {started, finished_.load(std::memory_order_acquire) == started};
  }

  std::optional<V> Get(std::string_view key) const {
    std::shared_lock lock(mu_);
    const uint64_t started = started_.load(std::memory_order_acquire);
    if (started != epoch_ || finished_.load(std::memory_order_acquire) != started) {
      return std::nullopt;
    }
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }

  void Put(const Ticket& ticket, std::string_view key, const V& value) {
    if (!ticket.cacheable) return;
    std::unique_lock lock(mu_);
    const uint64_t started = started_.load(std::memory_order_acquire);
    if (started != ticket.epoch || finished_.load(std::memory_order_acquire) != started) return;
    if (epoch_ != started || entries_.size() >= capacity_) {
      entries_.clear();
      epoch_ = started;
    }
    entries_.insert_or_assign(std::string(key), value);
  }

  // Entries held (some may be from an old epoch and no longer served).
  size_t size() const {
    std::shared_lock lock(mu_);
    return entries_.size();
  }

 private:
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  const size_t capacity_;
  std::atomic<uint64_t> started_{0};   // writes begun
  std::atomic<uint64_t> finished_{0};  // writes whose commit has returned
  mutable std::shared_mutex mu_;
  uint64_t epoch_ = 0;  // the value of started_ that entries_ were read at (guarded by mu_)
  std::unordered_map<std::string, V, KeyHash, std::equal_to<>> entries_;
};

}  // namespace ballast::store
