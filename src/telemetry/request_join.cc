#include "telemetry/request_join.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>

namespace ballast::telemetry {

RequestJoin::RequestJoin(size_t capacity)
    : generation_size_(capacity == 0 ? 0 : std::max<size_t>(1, capacity / (2 * kShards))) {}

uint64_t RequestJoin::Hash(std::string_view service, std::string_view request_id) {
  // The service seeds the id's hash: ("a", "bc") and ("ab", "c") hash apart.
  const uint64_t seed = XXH3_64bits(service.data(), service.size());
  const uint64_t h = XXH3_64bits_withSeed(request_id.data(), request_id.size(), seed);
  return h == 0 ? 1 : h;  // 0 marks a free slot
}

RequestJoin::Table::Slot* RequestJoin::Table::Probe(uint64_t hash) {
  const size_t mask = slots.size() - 1;
  for (size_t i = (hash >> 4) & mask;; i = (i + 1) & mask) {  // low bits chose the shard
    if (slots[i].hash == hash || slots[i].hash == 0) return &slots[i];
  }
}

const RequestJoin::Table::Slot* RequestJoin::Table::Find(uint64_t hash) const {
  if (slots.empty()) return nullptr;
  const size_t mask = slots.size() - 1;
  for (size_t i = (hash >> 4) & mask;; i = (i + 1) & mask) {
    if (slots[i].hash == hash) return &slots[i];
    if (slots[i].hash == 0) return nullptr;
  }
}

void RequestJoin::Remember(std::string_view service, std::string_view request_id,
                           SeriesKeyId key) {
  if (generation_size_ == 0 || request_id.empty() || key == 0) return;
  const uint64_t h = Hash(service, request_id);
  Shard& s = shards_[h % kShards];
  std::lock_guard lock(s.mu);
  if (s.current.slots.empty()) s.current.slots.resize(std::bit_ceil(2 * generation_size_));
  Table::Slot* slot = s.current.Probe(h);
  if (slot->hash == 0) {
    if (s.current.used >= generation_size_) {  // full: the newer generation becomes the older
      std::swap(s.previous, s.current);
      if (s.current.slots.empty()) s.current.slots.resize(s.previous.slots.size());
      std::fill(s.current.slots.begin(), s.current.slots.end(), Table::Slot{});
      s.current.used = 0;
      slot = s.current.Probe(h);
    }
    ++s.current.used;
  }
  *slot = {h, key};
}

SeriesKeyId RequestJoin::Find(std::string_view service, std::string_view request_id) const {
  if (generation_size_ == 0 || request_id.empty()) return 0;
  const uint64_t h = Hash(service, request_id);
  const Shard& s = shards_[h % kShards];
  std::lock_guard lock(s.mu);
  if (const Table::Slot* slot = s.current.Find(h)) return slot->key;
  if (const Table::Slot* slot = s.previous.Find(h)) return slot->key;
  return 0;
}

void RequestJoin::Join(std::string_view service) {
  if (generation_size_ == 0 || Joins(service)) return;
  std::unique_lock lock(services_mu_);
  if (services_.size() >= kMaxServices) return;
  if (services_.emplace(service).second) services_generation_.fetch_add(1);
}

bool RequestJoin::Joins(std::string_view service) const {
  std::shared_lock lock(services_mu_);
  return services_.find(service) != services_.end();
}

size_t RequestJoin::size() const {
  size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.current.used + s.previous.used;
  }
  return n;
}

}  // namespace ballast::telemetry
