#include "store/rollup_cache.h"

#include <utility>

namespace ballast::store {

RollupCache::Entry* RollupCache::Find(const RowKey& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return &*it->second;
}

RollupCache::Entry& RollupCache::Insert(const RowKey& key, telemetry::Rollup rollup) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front(Entry{key, std::move(rollup), false});
  index_.emplace(key, lru_.begin());
  return lru_.front();
}

void RollupCache::MarkAllCleanAndTrim() {
  for (Entry& e : lru_) e.dirty = false;
  while (index_.size() > capacity_) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

void RollupCache::EraseBefore(EpochMillis before) {
  for (auto it = lru_.begin(); it != lru_.end();) {
    if (it->key.minute < before) {
      index_.erase(it->key);
      it = lru_.erase(it);
    } else {
      ++it;
    }
  }
}

void RollupCache::Clear() {
  index_.clear();
  lru_.clear();
}

}  // namespace ballast::store
