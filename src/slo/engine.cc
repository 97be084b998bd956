#include "slo/engine.h"

#include <algorithm>
#include <limits>

#include "common/sha256.h"
#include "slo/object_json.h"
#include "telemetry/event_record.h"
#include "telemetry/rollup.h"

namespace ballast::slo {
namespace {

constexpr int64_t kNoDataWindowMs = kMillisPerHour;
constexpr std::string_view kOtherVariant = "other";
// Events of timeslice objectives are kept only until their slice closes (plus late data).
constexpr SeriesOptions kSliceEventOptions{1, 1};
constexpr int kSliceMinuteDays = 2;

std::string DefinitionHash(const Catalog& catalog, const Object& slo, size_t index) {
  const SloSpec& spec = slo.As<SloSpec>();
  const Objective& obj = spec.objectives[index];
  nlohmann::json h;
  h["method"] = std::string(BudgetingMethodName(spec.budgeting_method));
  if (const SliSpec* sli = catalog.IndicatorFor(spec, obj)) {
    Object as_object;
    as_object.kind = Kind::kSli;
    as_object.spec = *sli;
    h["sli"] = ToJson(as_object)["spec"];
  }
  if (obj.op) h["op"] = std::string(OpName(*obj.op));
  if (obj.value) h["value"] = *obj.value;
  if (obj.time_slice_target) h["time_slice_target"] = *obj.time_slice_target;
  if (obj.time_slice_window) h["time_slice_window"] = obj.time_slice_window->ApproxMillis();
  return Sha256Hex(h.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)).substr(0, 12);
}

const CompiledObjective* ObjectiveOf(const Definitions& defs, const SeriesState& s) {
  auto it = defs.slos.find(s.slo);
  if (it == defs.slos.end() || s.objective >= it->second.objectives.size()) return nullptr;
  return &defs.objectives[it->second.objectives[s.objective]];
}

bool IsSliceMethod(BudgetingMethod m) { return m != BudgetingMethod::kOccurrences; }

std::optional<double> AggregateOf(const telemetry::DDSketch& sketch, Aggregate a) {
  if (sketch.empty()) return std::nullopt;
  switch (a) {
    case Aggregate::kP50:
    case Aggregate::kP90:
    case Aggregate::kP95:
    case Aggregate::kP99:
      return sketch.Quantile(AggregateQuantile(a));
    case Aggregate::kAvg:
      return sketch.sum() / static_cast<double>(sketch.count());
    case Aggregate::kMax:
      return sketch.max();
    case Aggregate::kSum:
      return sketch.sum();
    case Aggregate::kNone:
      break;
  }
  return std::nullopt;
}

}  // namespace

std::string SeriesKey(const CompiledObjective& o, std::string_view variant) {
  std::string key = o.slo;
  key += '/';
  key += std::to_string(o.index);
  key += '/';
  key += variant.empty() ? std::string_view("*") : variant;
  key += '/';
  key += o.definition_hash;
  return key;
}

Result<std::shared_ptr<const Definitions>> CompileDefinitions(
    const Catalog& catalog, const std::map<std::string, EpochMillis, std::less<>>& apply_times) {
  auto defs = std::make_shared<Definitions>();
  std::map<std::pair<EventKind, std::string>, int> interned;
  for (const Object& object : catalog.objects()) {
    if (object.kind != Kind::kSlo) continue;
    const SloSpec& spec = object.As<SloSpec>();
    CompiledSlo compiled{object, 0, {}};
    if (auto it = apply_times.find(object.metadata.name); it != apply_times.end()) {
      compiled.applied_at = it->second;
    }
    for (size_t i = 0; i < spec.objectives.size(); ++i) {
      const std::string context = DescribeObject(object);
      Result<CompiledSli> sli = CompileObjective(catalog, object, i);
      if (!sli) return sli.error().WithContext(context);
      Result<BudgetObjective> budget = BudgetObjectiveFor(spec, i);
      if (!budget) return budget.error().WithContext(context);
      if (budget->time_slice_ms % kMillisPerMinute != 0) {
        return Status::InvalidArgument(
                   "timeSliceWindow must be a whole number of minutes for ballast SLIs",
                   "spec.objectives[" + std::to_string(i) + "].timeSliceWindow")
            .WithContext(context);
      }
      CompiledObjective o{object.metadata.name,
                          spec.service,
                          i,
                          spec.objectives[i].display_name.empty() ? "objective-" + std::to_string(i)
                                                                  : spec.objectives[i].display_name,
                          *budget,
                          std::move(*sli),
                          DefinitionHash(catalog, object, i),
                          compiled.applied_at,
                          spec.objectives[i].time_slice_target.value_or(1.0)};
      auto intern = [&](const std::string& text, const expr::Predicate& p) -> int {
        if (text.empty()) return -1;
        auto [it, inserted] = interned.try_emplace(std::make_pair(o.sli.events(), text),
                                                   static_cast<int>(defs->predicates.size()));
        if (inserted) {
          defs->predicates.push_back(p);
          defs->request_predicates.push_back(o.sli.events() == EventKind::kRequests
                                                 ? RequestPredicate::Compile(text)
                                                 : std::nullopt);
        }
        return it->second;
      };
      if (o.sli.events() == EventKind::kRequests && !o.sli.field_name().empty()) {
        o.request_field = RequestField::Of(o.sli.field_name());
      }
      o.total_predicate = intern(o.sli.total_text(), o.sli.total_predicate());
      o.numerator_predicate = intern(o.sli.numerator_text(), o.sli.numerator_predicate());
      compiled.objectives.push_back(defs->objectives.size());
      defs->by_service[spec.service].push_back(defs->objectives.size());
      defs->objectives.push_back(std::move(o));
    }
    Result<std::vector<AlertRule>> rules = AlertRulesFor(catalog, object);
    if (!rules) return rules.error().WithContext(DescribeObject(object));
    compiled.rules = std::move(*rules);
    defs->slos.emplace(object.metadata.name, std::move(compiled));
  }
  return std::shared_ptr<const Definitions>(std::move(defs));
}

// SloEngine --------------------------------------------------------------------------------------

SloEngine::SloEngine(EngineOptions options)
    : options_(options), defs_(std::make_shared<Definitions>()), series_defs_(defs_) {}

std::shared_ptr<const Definitions> SloEngine::definitions() const {
  std::lock_guard lock(defs_mu_);
  return defs_;
}

void SloEngine::Configure(std::shared_ptr<const Definitions> defs) {
  std::lock_guard lock(mu_);
  for (auto it = by_key_.begin(); it != by_key_.end();) {
    SeriesState& s = *it->second;
    const CompiledObjective* o = ObjectiveOf(*defs, s);
    if (o == nullptr || SeriesKey(*o, s.variant) != s.key) {
      by_id_.erase(s.id);
      it = by_key_.erase(it);
    } else {
      ++it;
    }
  }
  series_defs_ = defs;
  resolved_.clear();
  std::lock_guard dlock(defs_mu_);
  defs_ = std::move(defs);
}

std::unique_ptr<SeriesState> SloEngine::NewSeriesLocked(const CompiledObjective& o, std::string key,
                                                        std::string_view variant, int64_t id,
                                                        EpochMillis created_at) const {
  const bool slices = IsSliceMethod(o.budget.method);
  auto s = std::make_unique<SeriesState>(
      SeriesState{id,
                  std::move(key),
                  o.slo,
                  o.index,
                  std::string(variant),
                  created_at,
                  SloSeries(slices ? kSliceEventOptions : options_.series),
                  std::nullopt,
                  0,
                  {},
                  false,
                  false});
  if (slices) {
    // Slices need minute resolution only for the short alert windows (≤ 6 h by default): two
    // days of minutes, then hours, keep a 90-day slice series well under 64 KiB.
    s->slices.emplace(SeriesOptions{std::min(options_.series.minute_days, kSliceMinuteDays),
                                    options_.series.hour_days});
    s->next_slice = created_at / o.budget.time_slice_ms * o.budget.time_slice_ms;
  }
  return s;
}

SeriesState* SloEngine::CreateOrFindLocked(const Definitions& defs, size_t objective,
                                           std::string_view variant, EpochMillis first_minute) {
  const CompiledObjective& o = defs.objectives[objective];
  std::string key = SeriesKey(o, variant);
  auto it = by_key_.find(key);
  if (it == by_key_.end()) {
    // The objective must still be current: a batch may have started before a Configure.
    auto slo = series_defs_->slos.find(o.slo);
    if (slo == series_defs_->slos.end() || o.index >= slo->second.objectives.size() ||
        series_defs_->objectives[slo->second.objectives[o.index]].definition_hash !=
            o.definition_hash) {
      return nullptr;
    }
    if (!variant.empty() && variant != kOtherVariant) {
      int variants = 0;
      for (const auto& [k, s] : by_key_) {
        if (s->slo == o.slo && s->objective == o.index && !s->variant.empty()) ++variants;
      }
      if (variants >= options_.max_variants) {
        variant = kOtherVariant;
        key = SeriesKey(o, variant);
        it = by_key_.find(key);
      }
    }
  }
  if (it == by_key_.end()) {
    const EpochMillis created = o.active_since > 0 ? o.active_since : first_minute;
    auto state = NewSeriesLocked(o, key, variant, next_id_++, created);
    it = by_key_.emplace(key, std::move(state)).first;
    by_id_[it->second->id] = it->second.get();
  }
  return it->second.get();
}

int64_t SloEngine::ResolveSeriesLocked(const Definitions& defs, size_t objective,
                                       std::string_view variant, EpochMillis first_minute,
                                       store::SloSeriesRow* row) {
  SeriesState* s = nullptr;
  std::vector<std::pair<std::string, SeriesState*>>* cached = nullptr;
  if (&defs == series_defs_.get()) {
    if (resolved_.size() != defs.objectives.size()) resolved_.assign(defs.objectives.size(), {});
    cached = &resolved_[objective];
    for (const auto& [v, state] : *cached) {
      if (v == variant) {
        s = state;
        break;
      }
    }
  }
  if (s == nullptr) {
    s = CreateOrFindLocked(defs, objective, variant, first_minute);
    if (s == nullptr) return 0;
    if (cached != nullptr) cached->emplace_back(std::string(variant), s);
  }
  if (!s->persisted) *row = {s->id, s->key, s->slo, s->created_at, ""};
  return s->id;
}

void SloEngine::ApplyDeltaLocked(const Definitions& defs, const store::SloCountDelta& d) {
  auto it = by_id_.find(d.series_id);
  if (it == by_id_.end()) return;
  SeriesState& s = *it->second;
  s.persisted = true;
  if (d.total > 0 && s.events.Add(d.minute, d.good, d.total).ok()) s.dirty = true;
  if (d.has_sketch() && s.slices && d.minute >= s.next_slice) {
    const CompiledObjective* o = ObjectiveOf(defs, s);
    if (o == nullptr || o->sli.mode() != CompiledSli::Mode::kAggregate) return;
    // Live deltas carry the sketch decoded; restored ones (LoadSloDeltas) only its bytes.
    std::optional<telemetry::DDSketch> decoded;
    if (!d.samples) {
      Result<telemetry::DDSketch> bytes = telemetry::DDSketch::Deserialize(d.sketch);
      if (!bytes) return;
      decoded = std::move(*bytes);
    }
    const telemetry::DDSketch& sketch = d.samples ? *d.samples : *decoded;
    auto [slot, inserted] = s.sketches.try_emplace(d.minute, sketch.relative_accuracy());
    if (slot->second.relative_accuracy() == sketch.relative_accuracy()) {
      slot->second.Merge(sketch);
    }
  }
}

void SloEngine::Apply(const store::SloCounts& counts, int64_t seq) {
  std::lock_guard lock(mu_);
  for (const store::SloSeriesRow& row : counts.new_series) {
    if (auto it = by_id_.find(row.id); it != by_id_.end()) it->second->persisted = true;
  }
  for (const store::SloCountDelta& d : counts.deltas) ApplyDeltaLocked(*series_defs_, d);
  applied_seq_ = std::max(applied_seq_, seq);
}

Result<int64_t> SloEngine::Restore(const std::vector<store::SloSeriesRow>& rows,
                                   const std::vector<store::SloDeltaRow>& deltas) {
  std::lock_guard lock(mu_);
  const Definitions& defs = *series_defs_;
  resolved_.clear();  // series may be replaced
  int64_t skipped = 0;
  for (const store::SloSeriesRow& row : rows) {
    next_id_ = std::max(next_id_, row.id + 1);
    // "<slo>/<objective>/<variant>/<hash>": SLO names contain no '/'.
    const size_t a = row.series_key.find('/');
    const size_t b = a == std::string::npos ? a : row.series_key.find('/', a + 1);
    // Variants may hold '/', the hash never does: the variant ends at the last '/'.
    const size_t c = b == std::string::npos ? b : row.series_key.rfind('/');
    if (c == std::string::npos) {
      ++skipped;
      continue;
    }
    std::string variant = row.series_key.substr(b + 1, c - b - 1);
    if (variant == "*") variant.clear();
    SeriesState probe;
    probe.slo = row.series_key.substr(0, a);
    probe.objective = std::strtoull(row.series_key.c_str() + a + 1, nullptr, 10);
    const CompiledObjective* o = ObjectiveOf(defs, probe);
    if (o == nullptr || SeriesKey(*o, variant) != row.series_key) {
      ++skipped;
      continue;
    }
    auto state = NewSeriesLocked(*o, row.series_key, variant, row.id, row.created_at);
    if (!row.snapshot.empty()) {
      Status st = state->Deserialize(row.snapshot);
      if (!st.ok()) return st.WithContext("series " + row.series_key);
    }
    state->persisted = true;
    by_id_[row.id] = state.get();
    by_key_[row.series_key] = std::move(state);
  }
  for (const store::SloDeltaRow& d : deltas) {
    ApplyDeltaLocked(defs, d.delta);
    applied_seq_ = std::max(applied_seq_, d.seq);
  }
  return skipped;
}

void SloEngine::CloseSlicesLocked(SeriesState& s, const CompiledObjective& o, EpochMillis now) {
  const int64_t slice = o.budget.time_slice_ms;
  if (!s.slices || slice <= 0) return;
  // After a long pause only slices the event series still holds can be judged.
  if (std::optional<EpochMillis> since = s.events.RetainedSince()) {
    s.next_slice = std::max(s.next_slice, *since / slice * slice);
  } else {
    s.next_slice = std::max(s.next_slice, (now - options_.slice_grace_ms) / slice * slice - slice);
  }
  while (s.next_slice + slice + options_.slice_grace_ms <= now) {
    const EpochMillis start = s.next_slice;
    const EpochMillis end = start + slice;
    Counts add;
    if (o.sli.mode() == CompiledSli::Mode::kAggregate) {
      std::optional<telemetry::DDSketch> merged;
      for (auto it = s.sketches.lower_bound(start); it != s.sketches.end() && it->first < end;
           ++it) {
        if (!merged) merged.emplace(it->second.relative_accuracy());
        if (merged->relative_accuracy() == it->second.relative_accuracy())
          merged->Merge(it->second);
      }
      std::optional<double> value;
      if (merged) value = AggregateOf(*merged, o.sli.aggregate());
      add = TimesliceCounts(SliceVerdictFromAggregate(value, o.sli.op(), o.sli.value()));
    } else {
      const Counts c = s.events.Sum(start, end);
      if (o.budget.method == BudgetingMethod::kRatioTimeslices) {
        add = RatioTimesliceCounts(c);
      } else {
        add = TimesliceCounts(SliceVerdictFromCounts(c, o.time_slice_target));
      }
    }
    if (add.total > 0 && s.slices->Add(start, add.good, add.total).ok()) s.dirty = true;
    s.sketches.erase(s.sketches.begin(), s.sketches.lower_bound(end));
    s.next_slice = end;
    s.dirty = true;
  }
}

void SloEngine::AdvanceTo(EpochMillis now) {
  std::lock_guard lock(mu_);
  for (auto& [key, s] : by_key_) {
    const CompiledObjective* o = ObjectiveOf(*series_defs_, *s);
    if (o != nullptr) CloseSlicesLocked(*s, *o, now);
  }
}

SloEngine::Snapshot SloEngine::TakeSnapshot() {
  std::lock_guard lock(mu_);
  Snapshot snap;
  snap.through_seq = applied_seq_;
  for (auto& [key, s] : by_key_) {
    if (!s->dirty || !s->persisted) continue;
    snap.series.emplace_back(s->id, s->Serialize());
    s->dirty = false;
  }
  return snap;
}

void SloEngine::MarkAllDirty() {
  std::lock_guard lock(mu_);
  for (auto& [key, s] : by_key_) s->dirty = true;
}

SeriesState* SloEngine::FindLocked(const CompiledObjective& o, std::string_view variant) const {
  auto it = by_key_.find(SeriesKey(o, variant));
  return it == by_key_.end() ? nullptr : it->second.get();
}

Result<std::vector<ObjectiveReport>> SloEngine::Report(std::string_view slo,
                                                       std::string_view variant,
                                                       EpochMillis now) const {
  std::lock_guard lock(mu_);
  const Definitions& defs = *series_defs_;
  auto it = defs.slos.find(slo);
  if (it == defs.slos.end()) return Status::NotFound("no SLO named '" + std::string(slo) + "'");
  std::vector<ObjectiveReport> out;
  static const SloSeries kEmpty(SeriesOptions{1, 1});
  for (size_t idx : it->second.objectives) {
    const CompiledObjective& o = defs.objectives[idx];
    const SeriesState* s = FindLocked(o, variant);
    const std::vector<BurnRateWindow> windows = WindowsOf(it->second.rules);
    EvaluateOptions eo;
    eo.min_events = options_.min_events;
    Result<ObjectiveStatus> st =
        EvaluateObjective(o.budget, s ? s->Budgeted() : kEmpty, windows, now, eo);
    if (!st) return st.error().WithContext(o.slo);
    ObjectiveReport r;
    r.objective = &o;
    r.variant = std::string(variant);
    r.status = std::move(*st);
    r.has_series = s != nullptr;
    if (s) r.recent = s->events.SumRolling(now, kNoDataWindowMs);
    int64_t no_data_window = kDefaultNoDataWindowMs;
    for (const AlertRule& rule : it->second.rules) {
      if (rule.type == AlertRuleType::kNoData) no_data_window = rule.no_data_window_ms;
    }
    r.no_data = NoData(s ? s->events : kEmpty, o.active_since, now, no_data_window);
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<ChartPoint>> SloEngine::Chart(std::string_view slo, size_t objective,
                                                 std::string_view variant, EpochMillis from,
                                                 EpochMillis to, int64_t step_ms) const {
  std::lock_guard lock(mu_);
  const Definitions& defs = *series_defs_;
  auto it = defs.slos.find(slo);
  if (it == defs.slos.end()) return Status::NotFound("no SLO named '" + std::string(slo) + "'");
  if (objective >= it->second.objectives.size()) {
    return Status::InvalidArgument(
        "the SLO has " + std::to_string(it->second.objectives.size()) + " objectives", "objective");
  }
  const CompiledObjective& o = defs.objectives[it->second.objectives[objective]];
  static const SloSeries kEmpty(SeriesOptions{1, 1});
  const SeriesState* s = FindLocked(o, variant);
  return ChartSeries(o.budget, s ? s->Budgeted() : kEmpty, from, to, step_ms);
}

std::vector<std::string> SloEngine::Variants(std::string_view slo) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [key, s] : by_key_) {
    if (s->slo == slo && !s->variant.empty() &&
        std::find(out.begin(), out.end(), s->variant) == out.end()) {
      out.push_back(s->variant);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

size_t SloEngine::MemoryBytes() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [key, s] : by_key_) n += s->MemoryBytes() + key.capacity() + 64;
  return n;
}

size_t SloEngine::SeriesCount() const {
  std::lock_guard lock(mu_);
  return by_key_.size();
}

}  // namespace ballast::slo
