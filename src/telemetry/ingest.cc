#include "telemetry/ingest.h"

#include "common/json_text.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>

#include "telemetry/otlp.h"

namespace ballast::telemetry {
namespace {

constexpr size_t kInitialSlots = 64;
constexpr size_t kKeyCacheSize = 1024;  // power of two; filled to at most half


size_t SlotHash(SeriesKeyId id, EpochMillis minute) {
  uint64_t h = static_cast<uint64_t>(id) * 0x9e3779b97f4a7c15ULL;
  h ^= static_cast<uint64_t>(minute / kMinuteMillis) + 0x632be59bd9b4e019ULL + (h << 6) + (h >> 2);
  return static_cast<size_t>(h ^ (h >> 29));
}

class AggregatingVisitor final : public EventVisitor {
 public:
  AggregatingVisitor(RollupAggregator& aggregator, SeriesKeyRegistry& registry,
                     const IngestOptions& options)
      : aggregator_(aggregator), registry_(registry), also_(options.also), join_(options.join) {}
  void OnRequest(int64_t line, const RequestEvent& e) override {
    const SeriesKeyId key = aggregator_.Add(e);
    if (join_ != nullptr && !e.request_id.empty() && Joins(e.service)) {
      join_->Remember(e.service, e.request_id, key);
    }
    if (also_ != nullptr) also_->OnRequest(line, e);
  }
  void OnEvaluation(int64_t line, const EvaluationEvent& e) override {
    if (join_ != nullptr && !e.request_id.empty()) join_->Join(e.service);
    if (also_ == nullptr) return;
    const SeriesKeyId key = join_ != nullptr ? join_->Find(e.service, e.request_id) : 0;
    if (key == 0 || !registry_.Find(key, request_key_) || request_key_.service != e.service) {
      also_->OnEvaluation(line, e);
      return;
    }
    EvaluationEvent joined = e;
    joined.variant = request_key_.variant;
    joined.model = request_key_.model;
    joined.prompt = request_key_.prompt;
    also_->OnEvaluation(line, joined);
  }

 private:
  // join_->Joins(service), remembered for the few services of a body until the joined set
  // changes (asking the join takes a shared lock and a set lookup).
  bool Joins(std::string_view service) {
    const uint64_t generation = join_->services_generation();
    if (generation == 0) return false;  // no service is joined
    if (generation != joins_generation_ || joins_.size() >= 16) {
      joins_.clear();
      joins_generation_ = generation;
    }
    for (const auto& [name, joins] : joins_) {
      if (name == service) return joins;
    }
    const bool joins = join_->Joins(service);
    joins_.emplace_back(std::string(service), joins);
    return joins;
  }

  RollupAggregator& aggregator_;
  SeriesKeyRegistry& registry_;
  EventVisitor* also_;
  RequestJoin* join_;
  SeriesKey request_key_;  // the joined request's key; `joined` views into it
  std::vector<std::pair<std::string, bool>> joins_;  // service -> join_->Joins(service)
  uint64_t joins_generation_ = 0;
};

// One parser and aggregator per thread, kept across requests for their buffers.
struct ThreadIngestState {
  IngestParser ndjson;
  OtlpTraceParser otlp;
  std::unique_ptr<RollupAggregator> aggregator;
};

ThreadIngestState& ThreadState(SeriesKeyRegistry& registry) {
  thread_local ThreadIngestState state;
  if (!state.aggregator)
    state.aggregator = std::make_unique<RollupAggregator>(registry);
  else
    state.aggregator->Reset(registry);
  return state;
}

void AppendRejected(std::string& out, const std::vector<LineError>& rejected, int64_t total,
                    std::string_view unit) {
  out += "\"rejected\":[";
  for (size_t i = 0; i < rejected.size(); ++i) {
    if (i) out += ',';
    out += "{\"";
    out.append(unit);
    out += "\":";
    out += std::to_string(rejected[i].line);
    out += ",\"error\":";
    AppendJsonString(out, rejected[i].error);
    out += '}';
  }
  out += ']';
  if (total > static_cast<int64_t>(rejected.size())) {
    out += ",\"rejected_total\":";
    out += std::to_string(total);
    out += ",\"note\":";
    AppendJsonString(out, "only the first " + std::to_string(rejected.size()) +
                              " rejected lines are listed");
  }
}

void CopyErrors(const std::vector<LineError>& from, size_t max, std::vector<LineError>& to) {
  size_t n = std::min(max, from.size());
  to.assign(from.begin(), from.begin() + static_cast<std::ptrdiff_t>(n));
}

}  // namespace

void RollupAggregator::Reset(SeriesKeyRegistry& registry) {
  registry_ = &registry;
  batch_ = {};
  std::fill(slots_.begin(), slots_.end(), Slot{0, 0, 0});
  used_ = 0;
  listed_new_.clear();
  folded_ = 0;
  ++generation_;  // empties every cache entry
  cached_ = 0;
}

// Returns the slot holding (id, minute) or the empty slot where it belongs. key_id 0 is empty.
size_t RollupAggregator::FindSlot(SeriesKeyId id, EpochMillis minute) {
  size_t mask = slots_.size() - 1;
  size_t i = SlotHash(id, minute) & mask;
  while (slots_[i].key_id != 0 && (slots_[i].key_id != id || slots_[i].minute != minute))
    i = (i + 1) & mask;
  return i;
}

void RollupAggregator::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? kInitialSlots : old.size() * 2, Slot{0, 0, 0});
  for (const Slot& s : old)
    if (s.key_id != 0) slots_[FindSlot(s.key_id, s.minute)] = s;
}

namespace {

constexpr uint64_t kHashMul = 0x9e3779b97f4a7c15ULL;

uint64_t Mix(uint64_t h, uint64_t w) {
  h = (h ^ w) * kHashMul;
  return h ^ (h >> 32);
}

uint64_t Load64(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

uint32_t Load32(const char* p) {
  uint32_t w;
  std::memcpy(&w, p, 4);
  return w;
}

// A fast hash of one part for the key cache: the length and at most the first and last 8
// bytes, loaded without reading past the view (the views may point anywhere). Parts that
// differ only in their middle collide and are told apart by the cache's compare.
uint64_t HashPart(uint64_t h, std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  if (n >= 8) return Mix(Mix(h, Load64(p) + n), Load64(p + n - 8));
  if (n >= 4) return Mix(h, ((uint64_t{Load32(p)} << 32) | Load32(p + n - 4)) + n);
  if (n == 0) return Mix(h, 0);
  auto byte = [&](size_t i) { return uint64_t{static_cast<unsigned char>(p[i])}; };
  return Mix(h, (byte(0) << 16 | byte(n / 2) << 8 | byte(n - 1)) + (n << 24));
}

// Equality of a part with its cached copy; short parts (most) take word compares, not a call.
bool SamePart(std::string_view a, const std::string& b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* p = a.data();
  const char* q = b.data();
  if (n > 32) return std::memcmp(p, q, n) == 0;
  if (n > 16)
    return Load64(p) == Load64(q) && Load64(p + 8) == Load64(q + 8) &&
           Load64(p + n - 16) == Load64(q + n - 16) && Load64(p + n - 8) == Load64(q + n - 8);
  if (n >= 8) return Load64(p) == Load64(q) && Load64(p + n - 8) == Load64(q + n - 8);
  if (n >= 4) return Load32(p) == Load32(q) && Load32(p + n - 4) == Load32(q + n - 4);
  for (size_t i = 0; i < n; ++i)
    if (p[i] != q[i]) return false;
  return true;
}

uint64_t CacheHash(const RequestEvent& e) {
  uint64_t h = HashPart(0, e.service);
  h = HashPart(h, e.variant);
  h = HashPart(h, e.model);
  return HashPart(h, e.prompt);
}

}  // namespace

// The entry of e's key, or null with `empty_slot` where it would go (or SIZE_MAX when the
// table is at its load bound).
RollupAggregator::CachedKey* RollupAggregator::CacheFind(const RequestEvent& e, uint64_t hash,
                                                         size_t& empty_slot) {
  if (cache_.empty()) cache_.resize(kKeyCacheSize);
  const size_t mask = cache_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    CachedKey& c = cache_[i];
    if (c.generation != generation_) {
      empty_slot = cached_ * 2 < cache_.size() ? i : SIZE_MAX;
      return nullptr;
    }
    if (c.hash == hash && SamePart(e.service, c.service) && SamePart(e.variant, c.variant) &&
        SamePart(e.model, c.model) && SamePart(e.prompt, c.prompt))
      return &c;
  }
}

SeriesKeyId RollupAggregator::Add(const RequestEvent& e) {
  const uint64_t hash = CacheHash(e);
  size_t empty_slot;
  CachedKey* cached = CacheFind(e, hash, empty_slot);
  if (cached) {
    AddToDelta(cached->id, MinuteOf(e.time), e, cached);
    return cached->id;
  }
  SeriesKeyRegistry::Resolved r = registry_->Resolve({e.service, e.variant, e.model, e.prompt});
  if (r.folded) {
    ++folded_;  // not cached: the registry counts every folded event
  } else if (empty_slot != SIZE_MAX) {
    cached = &cache_[empty_slot];
    cached->hash = hash;
    cached->generation = generation_;
    cached->id = r.id;
    cached->minute = 0;
    cached->delta_index = SIZE_MAX;
    cached->service.assign(e.service);
    cached->variant.assign(e.variant);
    cached->model.assign(e.model);
    cached->prompt.assign(e.prompt);
    ++cached_;
  }
  if (r.pending && listed_new_.insert(r.id).second) {
    NewSeriesKey nk;
    nk.id = r.id;
    if (!registry_->Find(r.id, nk.key)) nk.key = {std::string(e.service), "", "", ""};
    batch_.new_keys.push_back(std::move(nk));
  }
  AddToDelta(r.id, MinuteOf(e.time), e, cached);
  return r.folded ? 0 : r.id;
}

void RollupAggregator::AddToDelta(SeriesKeyId id, EpochMillis minute, const RequestEvent& e,
                                  CachedKey* cached) {
  if (cached && cached->delta_index != SIZE_MAX && cached->minute == minute) {
    batch_.deltas[cached->delta_index].rollup.Add(e);
    return;
  }
  if ((used_ + 1) * 2 > slots_.size()) Grow();
  size_t i = FindSlot(id, minute);
  if (slots_[i].key_id == 0) {
    slots_[i] = {id, minute, batch_.deltas.size()};
    ++used_;
    RollupDelta d;
    d.key_id = id;
    d.minute = minute;
    batch_.deltas.push_back(std::move(d));
  }
  if (cached) {
    cached->minute = minute;
    cached->delta_index = slots_[i].index;
  }
  batch_.deltas[slots_[i].index].rollup.Add(e);
}

RollupBatch RollupAggregator::TakeBatch() {
  RollupBatch out = std::move(batch_);
  Reset(*registry_);
  return out;
}

IngestResult IngestNdjson(std::string_view body, const IngestOptions& options,
                          SeriesKeyRegistry& registry, const Clock& clock) {
  ThreadIngestState& st = ThreadState(registry);
  st.ndjson.set_options(options.parser);
  AggregatingVisitor visitor(*st.aggregator, registry, options);
  ParseCounts counts = st.ndjson.Parse(body, clock.NowMillis(), visitor);

  IngestResult result;
  result.accepted = counts.requests + counts.evaluations;
  result.counters.requests = counts.requests;
  result.counters.evaluations = counts.evaluations;
  result.counters.rejected = counts.rejected;
  result.counters.folded = st.aggregator->folded();
  CopyErrors(st.ndjson.errors(), options.max_rejected_in_answer, result.rejected);
  result.batch = st.aggregator->TakeBatch();

  std::string& out = result.response_json;
  out.reserve(64 + result.rejected.size() * 96);
  out += "{\"accepted\":";
  out += std::to_string(result.accepted);
  out += ',';
  AppendRejected(out, result.rejected, counts.rejected, "line");
  out += '}';
  return result;
}

Result<IngestResult> IngestOtlpJson(std::string_view body, const IngestOptions& options,
                                    SeriesKeyRegistry& registry, const Clock& clock) {
  ThreadIngestState& st = ThreadState(registry);
  st.otlp.set_options(options.parser);
  AggregatingVisitor visitor(*st.aggregator, registry, options);
  Result<OtlpParseCounts> parsed = st.otlp.Parse(body, clock.NowMillis(), visitor);
  if (!parsed) {
    st.aggregator->TakeBatch();  // drop anything aggregated before the error
    return parsed.error();
  }
  IngestResult result;
  result.accepted = parsed->accepted;
  result.counters.requests = parsed->accepted;
  result.counters.rejected = parsed->rejected;
  result.counters.ignored_spans = parsed->ignored;
  result.counters.folded = st.aggregator->folded();
  CopyErrors(st.otlp.errors(), options.max_rejected_in_answer, result.rejected);
  result.batch = st.aggregator->TakeBatch();

  // OTLP: a fully accepted request answers with partial_success unset.
  if (parsed->rejected == 0) {
    result.response_json = "{}";
    return result;
  }
  std::string message = std::to_string(parsed->rejected) + " span(s) rejected";
  for (size_t i = 0; i < result.rejected.size() && i < 10; ++i) {
    message += i ? "; " : ": ";
    message += "span " + std::to_string(result.rejected[i].line) + ": " + result.rejected[i].error;
  }
  if (parsed->rejected > 10) message += "; ...";
  std::string& out = result.response_json;
  out = "{\"partialSuccess\":{\"rejectedSpans\":";
  out += std::to_string(parsed->rejected);
  out += ",\"errorMessage\":";
  AppendJsonString(out, message);
  out += "}}";
  return result;
}

}  // namespace ballast::telemetry
