// The ballast data source (DESIGN.md §3): SLIs computed from ballast's own telemetry events.
//
//   metricSource:
//     type: ballast
//     spec:
//       events: requests          # or evaluations; default requests
//       where: outcome = 'ok'     # a filter expression (docs/expressions.md); default: all events
//       field: ttft_ms            # thresholdMetric only: the number compared with op/value
//       aggregate: p95            # thresholdMetric with Timeslices only: p50 p90 p95 p99 avg max
//       sum
//
// A ratioMetric counts events: `total` selects the events of the SLO's service that count;
// `good` (or `bad`) is evaluated only on events that matched `total`. A thresholdMetric reads
// `field` from each event that matches `where`: without `aggregate` each event is good when
// `field op value` holds (an event without the field is not counted); with `aggregate` (only
// under budgetingMethod Timeslices) the per-slice aggregate of `field` is compared with the
// objective's op/value, and a slice is good when the comparison holds.
//
// CompiledSli is what the evaluator runs per event: compiled expr::Predicates and a resolved
// field slot, so classifying an event costs one or two predicate evaluations and never
// allocates.
//
//   Result<CompiledSli> sli = CompileObjective(catalog, slo_object, 0);
//   switch (sli->Classify(telemetry::RequestEventRecord(event))) { ... }
//
// Thread safety: a CompiledSli is immutable after compilation and may be used from many threads
// at once (its predicates share their compiled programs).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/diagnostics.h"
#include "common/expr.h"
#include "common/status.h"
#include "slo/model.h"

namespace ballast::slo {

class Catalog;

// True for the data source type "ballast" (ASCII case-insensitive).
bool IsBallastType(std::string_view type);

enum class EventKind { kRequests, kEvaluations };
std::string_view EventKindName(EventKind k);

enum class Aggregate { kNone, kP50, kP90, kP95, kP99, kAvg, kMax, kSum };
std::string_view AggregateName(Aggregate a);  // "" for kNone
// The quantile of kP50..kP99 (0.5 ... 0.99); 0 for the others.
double AggregateQuantile(Aggregate a);

// The parsed `spec` of one ballast metric source.
struct BallastQuery {
  EventKind events = EventKind::kRequests;
  std::string where;  // empty: every event
  std::string field;  // empty when not given
  Aggregate aggregate = Aggregate::kNone;
  expr::Predicate predicate;  // `where` compiled against the events' schema
  expr::Schema::Resolved field_slot;
};

// Which part of an SLI a metric source is: what its spec may contain depends on it.
enum class SourceRole { kThreshold, kTotal, kGood, kBad };

// Parses and compiles the spec of a ballast metric source, reporting every problem (unknown
// keys, bad events, `where` that does not compile, a `field` that is not a number field,
// `field`/`aggregate` on a ratio part) to `diags`. nullopt when there was an error.
// `default_events` applies when the spec has no `events` (good/bad default to total's).
std::optional<BallastQuery> ParseBallastQuery(const MetricSource& source, SourceRole role,
                                              Diagnostics* diags,
                                              EventKind default_events = EventKind::kRequests);

enum class Verdict { kNotCounted, kGood, kBad };

class CompiledSli {
 public:
  enum class Mode {
    kRatioGood,  // total + good predicates
    kRatioBad,   // total + bad predicates
    kThreshold,  // where + field op value, per event
    kAggregate,  // where + field, aggregated per time slice and compared with op value
  };

  Mode mode() const { return mode_; }
  EventKind events() const { return events_; }
  Aggregate aggregate() const { return aggregate_; }
  Op op() const { return op_; }
  double value() const { return value_; }

  // Per-event verdict for kRatioGood, kRatioBad and kThreshold. For kAggregate it says only
  // whether the event is counted (kGood) or not (kNotCounted); use Sample for its value.
  Verdict Classify(const expr::Record& record) const;
  // The field value of a selected event (kThreshold, kAggregate); nullopt when the event does
  // not match `where` or lacks the field.
  std::optional<double> Sample(const expr::Record& record) const;
  // kAggregate: whether a slice whose aggregate is `aggregated` is good.
  bool SliceGood(double aggregated) const { return Compare(aggregated, op_, value_); }

  // The parts, for evaluators that share predicates between SLIs (SloBatch evaluates each
  // distinct `where` once per event): the selecting predicate (ratio: total; threshold and
  // aggregate: where) and the ratio's good/bad predicate, each with its expression text (empty:
  // every event), and the field read by threshold and aggregate SLIs.
  const expr::Predicate& total_predicate() const { return total_; }
  const expr::Predicate& numerator_predicate() const { return numerator_; }
  const std::string& total_text() const { return total_text_; }
  const std::string& numerator_text() const { return numerator_text_; }
  // The field of a threshold/aggregate SLI on `record`; nullopt when absent or not a number.
  std::optional<double> Field(const expr::Record& record) const;
  // Its name as written ("ttft_ms", "scores.quality"); empty for ratio SLIs.
  const std::string& field_name() const { return field_name_; }

 private:
  friend Result<CompiledSli> CompileSli(const Catalog&, const SliSpec&, const Objective&,
                                        BudgetingMethod);
  Mode mode_ = Mode::kRatioGood;
  EventKind events_ = EventKind::kRequests;
  expr::Predicate total_;      // ratio: total; threshold/aggregate: where
  expr::Predicate numerator_;  // ratio: good or bad
  std::string total_text_;
  std::string numerator_text_;
  expr::Schema::Resolved field_;
  std::string field_name_;
  Aggregate aggregate_ = Aggregate::kNone;
  Op op_ = Op::kLt;
  double value_ = 0;
};

// Compiles the SLI of one objective. Errors (InvalidArgument) name the problem: a non-ballast
// data source, raw ratios, a missing op/value on a threshold objective, aggregate without
// Timeslices, and any query error.
Result<CompiledSli> CompileSli(const Catalog& catalog, const SliSpec& sli,
                               const Objective& objective, BudgetingMethod method);

// Compiles objective `index` of an SLO object, resolving its indicator through `catalog`.
Result<CompiledSli> CompileObjective(const Catalog& catalog, const Object& slo, size_t index);

}  // namespace ballast::slo
