// RequestJoin: which series key (service, variant, model, prompt) served each recent request,
// by request id, so that an evaluation event arriving later (a judge score, user feedback) is
// counted under the variant, model and prompt of its request (DESIGN.md §3: "It carries the
// variant/model/prompt of its request when the request was seen"). Without it a canary's
// quality would be filed under whatever variant the evaluator sent, usually none.
//
//   join.Join("chat-api");   // an SLO of chat-api counts evaluation events
//   if (join.Joins(request.service)) join.Remember(request.service, request.request_id, key_id);
//   SeriesKeyId key = join.Find(evaluation.service, evaluation.request_id);  // 0: unknown
//
// Remembering costs a few hundred nanoseconds per request (a hash and a cache miss), so only the
// requests of services that need it are remembered: those marked with Join(), which the server
// does for every service with an SLO over evaluation events and for every service that sends an
// evaluation event with a request_id (from then on).
//
// Memory is bounded: it remembers about the last `capacity` request ids (two generations per
// shard; when the newer one is full the older one is forgotten), in flat tables of 16-byte slots
// at most half full: about 32 MiB for the default million, allocated per shard on first use. A request
// is identified by a 64-bit hash of (service, request_id); two ids colliding is about one in
// 10^7 at a million remembered. What is remembered is not persisted: after a restart, an
// evaluation of a request ingested before it keeps the labels it was sent with.
//
// Thread safety: every method from any thread (sharded locks).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/rollup.h"

namespace ballast::telemetry {

class RequestJoin {
 public:
  // `capacity` 0 remembers nothing (Find always answers 0).
  explicit RequestJoin(size_t capacity = 1'000'000);
  RequestJoin(const RequestJoin&) = delete;
  RequestJoin& operator=(const RequestJoin&) = delete;

  // Records that `service`'s request `request_id` was filed under `key` (an empty id or key 0
  // is ignored). A later Remember of the same request replaces the key.
  void Remember(std::string_view service, std::string_view request_id, SeriesKeyId key);

  // The key of that request, or 0 when it was never seen or has been forgotten.
  SeriesKeyId Find(std::string_view service, std::string_view request_id) const;

  // Request ids remembered now (both generations).
  size_t size() const;

  // Marks `service` as one whose requests are remembered (idempotent). At most kMaxServices
  // are joined (service names come from clients); later ones are ignored.
  static constexpr size_t kMaxServices = 10'000;
  void Join(std::string_view service);
  // Whether Join(service) was called. Callers on a hot path cache the answer per service and
  // ask again when services_generation() changed.
  bool Joins(std::string_view service) const;
  uint64_t services_generation() const { return services_generation_.load(); }

 private:
  static constexpr size_t kShards = 16;
  // An open-addressing table of (request hash, key), at most half full; hash 0 marks a free slot.
  struct Table {
    struct Slot {
      uint64_t hash = 0;
      SeriesKeyId key = 0;
    };
    std::vector<Slot> slots;  // a power of two in size once allocated
    size_t used = 0;
    Slot* Probe(uint64_t hash);
    const Slot* Find(uint64_t hash) const;
  };
  struct Shard {
    mutable std::mutex mu;
    Table current;   // GUARDED_BY(mu)
    Table previous;  // GUARDED_BY(mu)
  };
  static uint64_t Hash(std::string_view service, std::string_view request_id);

  size_t generation_size_;  // entries per shard generation before it turns over
  std::array<Shard, kShards> shards_;
  mutable std::shared_mutex services_mu_;
  std::set<std::string, std::less<>> services_;  // GUARDED_BY(services_mu_)
  std::atomic<uint64_t> services_generation_{0};
};

}  // namespace ballast::telemetry
