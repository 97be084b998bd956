// SloBatch: the per-request classification of SloEngine (engine.h), on the ingest hot path.
#include <algorithm>
#include <map>

#include "slo/engine.h"
#include "telemetry/event_record.h"
#include "telemetry/rollup.h"

namespace ballast::slo {

SloBatch::SloBatch(SloEngine& engine) : engine_(engine), defs_(engine.definitions()) {
  recent_slot_.assign(defs_->objectives.size() * kCachedVariants, 0);
  memo_generation_.assign(defs_->predicates.size(), 0);
  memo_value_.assign(defs_->predicates.size(), 0);
}

const std::vector<size_t>* SloBatch::ObjectivesOf(std::string_view service) {
  if (defs_->by_service.empty()) return nullptr;
  for (size_t i = 0; i < recent_count_; ++i) {
    if (recent_services_[i].name == service) return recent_services_[i].objectives;
  }
  auto it = defs_->by_service.find(service);
  const std::vector<size_t>* objectives = it == defs_->by_service.end() ? nullptr : &it->second;
  RecentService& slot = recent_services_[recent_next_];
  recent_next_ = (recent_next_ + 1) % kRecentServices;
  if (recent_count_ < kRecentServices) ++recent_count_;
  slot.name.assign(service);
  slot.objectives = objectives;
  return objectives;
}

uint32_t SloBatch::VariantId(std::string_view variant) {
  for (size_t i = 0; i < variants_.size(); ++i) {
    if (variants_[i] == variant) return static_cast<uint32_t>(i);
  }
  variants_.emplace_back(variant);
  return static_cast<uint32_t>(variants_.size() - 1);
}

bool SloBatch::Holds(int index, const expr::Record& record,
                     const telemetry::RequestEvent* request) {
  if (index < 0) return true;
  const auto i = static_cast<size_t>(index);
  if (memo_generation_[i] != generation_) {
    memo_generation_[i] = generation_;
    const std::optional<RequestPredicate>& fast = defs_->request_predicates[i];
    const bool holds = request != nullptr && fast ? fast->Evaluate(*request)
                                                  : defs_->predicates[i].Evaluate(record);
    memo_value_[i] = holds ? 1 : 0;
  }
  return memo_value_[i] != 0;
}

void SloBatch::OnRequest(int64_t, const telemetry::RequestEvent& e) {
  const std::vector<size_t>* objectives = ObjectivesOf(e.service);
  if (objectives == nullptr) return;
  telemetry::RequestEventRecord record(e);
  ClassifyRecord(*objectives, record, &e, EventKind::kRequests, e.variant, e.time);
}

void SloBatch::OnEvaluation(int64_t, const telemetry::EvaluationEvent& e) {
  const std::vector<size_t>* objectives = ObjectivesOf(e.service);
  if (objectives == nullptr) return;
  telemetry::EvaluationEventRecord record(e);
  ClassifyRecord(*objectives, record, nullptr, EventKind::kEvaluations, e.variant, e.time);
}

std::optional<double> SloBatch::FieldOf(const CompiledObjective& o, const expr::Record& record,
                                        const telemetry::RequestEvent* request) {
  if (request != nullptr && o.request_field) return o.request_field->Read(*request);
  return o.sli.Field(record);
}

void SloBatch::ClassifyRecord(const std::vector<size_t>& objectives, const expr::Record& record,
                              const telemetry::RequestEvent* request, EventKind kind,
                              std::string_view variant, EpochMillis time) {
  if (++generation_ == 0) {  // wrapped: forget every memo
    std::fill(memo_generation_.begin(), memo_generation_.end(), 0);
    generation_ = 1;
  }
  const uint32_t vid = VariantId(variant);
  const EpochMillis minute = telemetry::MinuteOf(time);
  for (size_t idx : objectives) {
    const CompiledObjective& o = defs_->objectives[idx];
    if (o.sli.events() != kind) continue;
    const auto obj = static_cast<uint32_t>(idx);
    switch (o.sli.mode()) {
      case CompiledSli::Mode::kAggregate: {
        if (!Holds(o.total_predicate, record, request)) break;
        std::optional<double> v = FieldOf(o, record, request);
        if (v) Count(obj, vid, minute, true, v);
        break;
      }
      case CompiledSli::Mode::kThreshold: {
        if (!Holds(o.total_predicate, record, request)) break;
        std::optional<double> v = FieldOf(o, record, request);
        if (v) Count(obj, vid, minute, Compare(*v, o.sli.op(), o.sli.value()), std::nullopt);
        break;
      }
      case CompiledSli::Mode::kRatioGood:
        if (Holds(o.total_predicate, record, request)) {
          Count(obj, vid, minute, Holds(o.numerator_predicate, record, request), std::nullopt);
        }
        break;
      case CompiledSli::Mode::kRatioBad:
        if (Holds(o.total_predicate, record, request)) {
          Count(obj, vid, minute, !Holds(o.numerator_predicate, record, request), std::nullopt);
        }
        break;
    }
  }
}

void SloBatch::Count(uint32_t objective, uint32_t variant, EpochMillis minute, bool good,
                     std::optional<double> sample) {
  ++classified_;
  uint32_t* recent = variant < kCachedVariants
                         ? &recent_slot_[size_t{objective} * kCachedVariants + variant]
                         : nullptr;
  size_t slot;
  if (recent != nullptr && *recent != 0 && slots_[*recent - 1].minute == minute) {
    slot = *recent - 1;
  } else {
    auto [it, inserted] = slot_index_.try_emplace(SlotKey{objective, variant, minute},
                                                  static_cast<uint32_t>(slots_.size()));
    if (inserted) {
      slots_.push_back({objective, variant, minute, {}, std::nullopt});
      if (sample) slots_.back().sketch.emplace();
    }
    slot = it->second;
    if (recent != nullptr) *recent = static_cast<uint32_t>(slot + 1);
  }
  Slot& s = slots_[slot];
  s.counts.total += 1;
  if (good) s.counts.good += 1;
  if (sample && s.sketch) s.sketch->Add(*sample);
}

store::SloCounts SloBatch::Take() {
  struct AllKey {
    size_t objective;
    EpochMillis minute;
    bool operator<(const AllKey& o) const {
      return objective != o.objective ? objective < o.objective : minute < o.minute;
    }
  };
  constexpr uint32_t kAllVariants = ~uint32_t{0};
  // The all-variants series: the sum of each (objective, minute) over the batch's variants.
  std::map<AllKey, Slot> all;
  for (const Slot& slot : slots_) {
    auto [it, inserted] =
        all.try_emplace(AllKey{slot.objective, slot.minute},
                        Slot{slot.objective, kAllVariants, slot.minute, {}, std::nullopt});
    it->second.counts += slot.counts;
    if (slot.sketch) {
      if (!it->second.sketch) it->second.sketch.emplace();
      it->second.sketch->Merge(*slot.sketch);
    }
  }
  std::vector<const Slot*> emitted;
  emitted.reserve(slots_.size() + all.size());
  for (const Slot& slot : slots_) emitted.push_back(&slot);
  for (const auto& [key, slot] : all) emitted.push_back(&slot);

  store::SloCounts out;
  std::vector<int64_t> ids(emitted.size());
  {
    // One lock for the whole batch: the engine's per-objective cache finds known series without
    // building their keys.
    std::lock_guard lock(engine_.mu_);
    for (size_t i = 0; i < emitted.size(); ++i) {
      const Slot& slot = *emitted[i];
      const std::string_view variant = slot.variant == kAllVariants
                                           ? std::string_view()
                                           : std::string_view(variants_[slot.variant]);
      store::SloSeriesRow row;
      ids[i] = engine_.ResolveSeriesLocked(*defs_, slot.objective, variant, slot.minute, &row);
      if (ids[i] != 0 && row.id != 0 &&
          std::none_of(out.new_series.begin(), out.new_series.end(),
                       [&](const store::SloSeriesRow& r) { return r.id == row.id; })) {
        out.new_series.push_back(std::move(row));
      }
    }
  }
  out.deltas.reserve(emitted.size());
  for (size_t i = 0; i < emitted.size(); ++i) {
    if (ids[i] == 0) continue;
    const Slot& slot = *emitted[i];
    out.deltas.push_back({ids[i], slot.minute, slot.counts.good, slot.counts.total,
                          slot.sketch ? slot.sketch->Serialize() : std::string()});
  }
  slots_.clear();
  slot_index_.clear();
  std::fill(recent_slot_.begin(), recent_slot_.end(), 0);
  variants_.clear();
  return out;
}

}  // namespace ballast::slo
