// SloEngine: the live SLO evaluator. It holds the compiled objectives of every applied SLO,
// classifies ingested events into per-(SLO objective, variant) series, closes time slices, and
// reports statuses. It knows nothing of HTTP or SQL: the server feeds it committed counts and
// persists what it snapshots (store/slo_store.h describes the snapshot + delta log).
//
// Flow of one ingest (DESIGN.md "Hot path"):
//
//   SloBatch batch(engine);                        // a view of the SLOs at this moment
//   options.also = &batch;                         // every accepted event is classified
//   IngestResult r = IngestNdjson(body, options, ...);
//   commit.slo = batch.Take();                     // counter deltas + series not yet stored
//   store.CommitIngest(commit, done);              // the store's SloCountsSink then calls
//                                                  // engine.Apply(group counts, group seq)
//
// Counts reach memory only after they are durable (Apply), so a replayed or failed ingest never
// counts. The store applies each group commit's merged counts in one Apply, so the seq a
// snapshot reports (TakeSnapshot) covers exactly the deltas the engine holds. Every objective
// keeps a series per variant and one over all variants (variant ""), which alerts use. A new SLO
// counts events ingested after it was applied.
//
// Series identity: "<slo>/<objective>/<variant or *>/<definition hash>", where the hash covers
// the SLI, the budgeting method and the objective's op/value/time slice: changing the target or
// the window keeps an SLO's history, changing what is counted starts a new series.
//
// Timeslices and RatioTimeslices objectives keep a short event series (1 day) from which each
// slice's verdict is computed when the slice closes (its end plus a grace period for late
// events, on AdvanceTo), and a slice series over the full retention (minutes for two days, then
// hours: the short alert windows need minutes, the rest does not); percentile objectives
// (`aggregate`) keep a DDSketch per minute of the slices still open.
//
// Thread safety: every method may be called from any thread. SloBatch holds a snapshot of the
// definitions; Apply, AdvanceTo, Restore, Snapshot and the reports serialise on one mutex.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "slo/alert_rules.h"
#include "slo/ballast_source.h"
#include "slo/budget.h"
#include "slo/catalog.h"
#include "slo/request_predicate.h"
#include "slo/series.h"
#include "store/slo_store.h"
#include "telemetry/ddsketch.h"
#include "telemetry/ingest_parser.h"

namespace ballast::slo {

struct EngineOptions {
  SeriesOptions series;             // Occurrences event series and every slice series
  int max_variants = 16;            // per objective; more fold into "other"
  int64_t slice_grace_ms = 60'000;  // a slice closes this long after its end
  uint64_t min_events = kDefaultMinEvents;
};

// One compiled objective of an applied SLO.
struct CompiledObjective {
  std::string slo;
  std::string service;
  size_t index = 0;
  std::string name;  // displayName, else "objective-<index>"
  BudgetObjective budget;
  CompiledSli sli;
  std::string definition_hash;
  EpochMillis active_since = 0;  // when the SLO was applied (created or last updated)
  double time_slice_target = 1;  // Timeslices: share of good events that makes a slice good
  // Indices into Definitions::predicates of sli's selecting and good/bad predicates (-1: every
  // event): objectives with the same `where` share one, evaluated once per event.
  int total_predicate = -1;
  int numerator_predicate = -1;
  // sli's field read directly from a RequestEvent (requests SLIs with a field).
  std::optional<RequestField> request_field;
};

struct CompiledSlo {
  Object object;
  EpochMillis applied_at = 0;
  std::vector<size_t> objectives;  // indices into Definitions::objectives
  std::vector<AlertRule> rules;    // AlertRulesFor: burn-rate rules first (alert_rules.h)
};

// Heterogeneous lookup: an event's service (a string_view into the request body) finds its
// objectives without building a std::string.
struct ServiceNameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Everything applied, compiled; immutable once built.
struct Definitions {
  std::vector<CompiledObjective> objectives;
  std::map<std::string, CompiledSlo, std::less<>> slos;
  // service -> indices into objectives
  std::unordered_map<std::string, std::vector<size_t>, ServiceNameHash, std::equal_to<>> by_service;
  // The distinct predicates of every objective (by event kind and expression text).
  std::vector<expr::Predicate> predicates;
  // predicates[i] compiled for RequestEvent (request_predicate.h) where it covers the expression.
  std::vector<std::optional<RequestPredicate>> request_predicates;
};

// Compiles every SLO of `catalog` (apply_times: SLO name -> applied_at). Errors name the SLO and
// the field: a non-ballast data source, a timeSliceWindow that is not a whole number of minutes.
Result<std::shared_ptr<const Definitions>> CompileDefinitions(
    const Catalog& catalog, const std::map<std::string, EpochMillis, std::less<>>& apply_times);

// One (objective, variant) series of the engine.
struct SeriesState {
  int64_t id = 0;
  std::string key;
  std::string slo;
  size_t objective = 0;  // index into the current Definitions::objectives
  std::string variant;   // "" = all variants
  EpochMillis created_at = 0;
  SloSeries events;                                     // counted events (good/total) per minute
  std::optional<SloSeries> slices;                      // timeslice methods: closed slices
  EpochMillis next_slice = 0;                           // start of the first slice not yet closed
  std::map<EpochMillis, telemetry::DDSketch> sketches;  // aggregate: open slices, per minute
  bool persisted = false;
  bool dirty = false;

  // The series the budget is computed over.
  const SloSeries& Budgeted() const { return slices ? *slices : events; }
  size_t MemoryBytes() const;
  std::string Serialize() const;
  Status Deserialize(std::string_view bytes);
};

// The status of one objective at one time.
struct ObjectiveReport {
  const CompiledObjective* objective = nullptr;
  std::string variant;
  ObjectiveStatus status;
  Counts recent;  // events in the no-data window (1 h) up to now
  bool has_series = false;
  bool no_data = false;  // NoData() over the SLO's no-data rule window (alert_rules.h)
};

class SloEngine;

// Classifies the events of one ingest request (telemetry::EventVisitor) and turns them into the
// SloCounts for the commit. Not thread-safe: one per request.
class SloBatch final : public telemetry::EventVisitor {
 public:
  explicit SloBatch(SloEngine& engine);
  void OnRequest(int64_t line, const telemetry::RequestEvent& e) override;
  void OnEvaluation(int64_t line, const telemetry::EvaluationEvent& e) override;
  // Deltas per (series, minute) for each variant and for all variants; registers new series.
  store::SloCounts Take();
  int64_t classified() const { return classified_; }

 private:
  // Variants of this batch are small integers (VariantId), so that the per-event work compares
  // numbers, not strings.
  struct Slot {
    uint32_t objective;
    uint32_t variant;
    EpochMillis minute;
    Counts counts;
    std::optional<telemetry::DDSketch> sketch;
  };
  struct SlotKey {
    uint32_t objective;
    uint32_t variant;
    EpochMillis minute;
    friend bool operator==(const SlotKey&, const SlotKey&) = default;
  };
  struct SlotKeyHash {
    size_t operator()(const SlotKey& k) const {
      uint64_t h = (uint64_t{k.objective} << 32 | k.variant) * 0x9e3779b97f4a7c15ULL;
      return static_cast<size_t>(h ^ (static_cast<uint64_t>(k.minute) * 0xc2b2ae3d27d4eb4fULL));
    }
  };
  static constexpr uint32_t kCachedVariants = 8;

  void Count(uint32_t objective, uint32_t variant, EpochMillis minute, bool good,
             std::optional<double> sample);
  // `request`: the same event as `record` when it is a request (fast predicates and fields).
  void ClassifyRecord(const std::vector<size_t>& objectives, const expr::Record& record,
                      const telemetry::RequestEvent* request, EventKind kind,
                      std::string_view variant, EpochMillis time);
  std::optional<double> FieldOf(const CompiledObjective& o, const expr::Record& record,
                                const telemetry::RequestEvent* request);
  // The objectives of `service` (nullptr when none); caches the last service seen.
  const std::vector<size_t>* ObjectivesOf(std::string_view service);
  uint32_t VariantId(std::string_view variant);
  // Predicate `index` on the current event, evaluated at most once per event.
  bool Holds(int index, const expr::Record& record, const telemetry::RequestEvent* request);

  SloEngine& engine_;
  std::shared_ptr<const Definitions> defs_;
  std::vector<Slot> slots_;
  std::unordered_map<SlotKey, uint32_t, SlotKeyHash> slot_index_;
  // Per (objective, variant < kCachedVariants): 1 + the slot used last, 0 when none.
  std::vector<uint32_t> recent_slot_;
  std::vector<std::string> variants_;
  // The services seen last and their objectives (nullptr: none), replaced round-robin: a batch
  // usually mixes a few services, which then never reach the hash map.
  struct RecentService {
    std::string name;
    const std::vector<size_t>* objectives = nullptr;
  };
  static constexpr size_t kRecentServices = 8;
  std::array<RecentService, kRecentServices> recent_services_;
  size_t recent_count_ = 0;
  size_t recent_next_ = 0;
  // Per predicate: the event generation it was evaluated for, and its value then.
  std::vector<uint32_t> memo_generation_;
  std::vector<uint8_t> memo_value_;
  uint32_t generation_ = 0;
  // The current request's fields (RequestField::ReadFixed), valid when fields_generation_ ==
  // generation_.
  RequestField::FixedFields fields_{};
  uint32_t fields_generation_ = 0;
  int64_t classified_ = 0;
};

class SloEngine {
 public:
  explicit SloEngine(EngineOptions options = {});

  const EngineOptions& options() const { return options_; }

  // Replaces the definitions. Series of objectives that still exist (same key) are kept; the
  // others are dropped from memory.
  void Configure(std::shared_ptr<const Definitions> defs);
  std::shared_ptr<const Definitions> definitions() const;

  // Counts committed by the store (`seq` as returned with the commit; 0 when unknown).
  void Apply(const store::SloCounts& counts, int64_t seq);

  // Loads persisted series and the deltas committed after their snapshots. Rows whose key is
  // not a current objective are skipped (and counted in the result).
  Result<int64_t> Restore(const std::vector<store::SloSeriesRow>& rows,
                          const std::vector<store::SloDeltaRow>& deltas);

  // Closes every time slice that ended at least the grace period before `now`.
  void AdvanceTo(EpochMillis now);

  // The state of the series changed since the last snapshot, and the seq it includes.
  struct Snapshot {
    std::vector<std::pair<int64_t, std::string>> series;
    int64_t through_seq = 0;
  };
  Snapshot TakeSnapshot();
  // After a snapshot could not be saved: the next one writes every series.
  void MarkAllDirty();

  // Status of every objective of `slo` for `variant` ("" = all variants), with the burn rates
  // over the windows of the SLO's burn-rate alert rules (WindowsOf(rules)), so that readings and
  // rules line up. NOT_FOUND for an unknown SLO.
  Result<std::vector<ObjectiveReport>> Report(std::string_view slo, std::string_view variant,
                                              EpochMillis now) const;
  // Chart points of one objective's series (ChartSeries in budget.h).
  Result<std::vector<ChartPoint>> Chart(std::string_view slo, size_t objective,
                                        std::string_view variant, EpochMillis from, EpochMillis to,
                                        int64_t step_ms) const;
  // Variants with a series for `slo` (excluding "").
  std::vector<std::string> Variants(std::string_view slo) const;

  // Memory of every series, and their number.
  size_t MemoryBytes() const;
  size_t SeriesCount() const;

 private:
  friend class SloBatch;
  // Finds or creates the series of (objective, variant) (mu_ held); returns its id (0 when the
  // objective is no longer current), and fills `row` when the series still has to be stored.
  int64_t ResolveSeriesLocked(const Definitions& defs, size_t objective, std::string_view variant,
                              EpochMillis first_minute, store::SloSeriesRow* row);
  SeriesState* CreateOrFindLocked(const Definitions& defs, size_t objective,
                                  std::string_view variant, EpochMillis first_minute);
  SeriesState* FindLocked(const CompiledObjective& o, std::string_view variant) const;
  void ApplyDeltaLocked(const Definitions& defs, const store::SloCountDelta& d);
  void CloseSlicesLocked(SeriesState& s, const CompiledObjective& o, EpochMillis now);
  std::unique_ptr<SeriesState> NewSeriesLocked(const CompiledObjective& o, std::string key,
                                               std::string_view variant, int64_t id,
                                               EpochMillis created_at) const;

  const EngineOptions options_;
  mutable std::mutex defs_mu_;
  std::shared_ptr<const Definitions> defs_;  // guarded by defs_mu_

  mutable std::mutex mu_;
  std::shared_ptr<const Definitions> series_defs_;                        // guarded by mu_
  std::unordered_map<std::string, std::unique_ptr<SeriesState>> by_key_;  // guarded by mu_
  std::unordered_map<int64_t, SeriesState*> by_id_;                       // guarded by mu_
  // Per objective of series_defs_: the series each variant resolved to, so that SloBatch::Take
  // finds a batch's series without building keys. Cleared whenever series_defs_ or by_key_ lose
  // entries.
  std::vector<std::vector<std::pair<std::string, SeriesState*>>> resolved_;  // guarded by mu_
  int64_t next_id_ = 1;                                                   // guarded by mu_
  int64_t applied_seq_ = 0;                                               // guarded by mu_
};

// "<slo>/<objective>/<variant or *>/<hash>".
std::string SeriesKey(const CompiledObjective& o, std::string_view variant);

}  // namespace ballast::slo
