// Replayer: evaluates SLOs over a recorded event stream in simulated time, the events' own
// timestamps being the clock (`ballast replay`). It runs the same classification, series,
// slices, status and alert code as the server (SloEngine, EvaluateEngineAlerts), so what a
// replay says is what the server would have said had it seen the same events live.
//
//   auto replayer = Replayer::Create(catalog, {});
//   while (read a chunk of whole lines) replayer->Feed(chunk);
//   replayer->Finish();
//   for (const ReplayAlert& a : replayer->timeline()) ...
//   nlohmann::json out = replayer->ResultJson();
//
// Time: the SLOs are applied at the minute of the first valid event; every `step` of event time
// the engine closes slices and evaluates alerts at that instant, before the first event at or
// after it is counted. Events may be slightly out of order (each counts in its own minute); the
// accept window of live ingest does not apply. Finish() evaluates once more at the end of the
// last event's minute, after closing the slices that ended by then.
//
// Thread safety: none; one thread drives a Replayer.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "slo/alerts.h"
#include "slo/catalog.h"
#include "slo/engine.h"
#include "telemetry/ingest_parser.h"
#include "telemetry/request_join.h"
#include "telemetry/series_keys.h"

namespace ballast::slo {

struct ReplayOptions {
  int64_t step_ms = 60'000;  // evaluation interval in event time, ≥ 1 s
  EngineOptions engine;
  size_t max_errors = 20;  // rejected lines listed (all are counted)
};

struct ReplayAlert {
  EpochMillis time = 0;
  Alert alert;  // after the transition (firing or resolved)
  AlertState previous = AlertState::kInactive;
};

struct ReplayCounts {
  int64_t lines = 0;
  int64_t requests = 0;
  int64_t evaluations = 0;
  int64_t rejected = 0;
  int64_t classified = 0;  // (event, objective) pairs counted into some series
  std::optional<EpochMillis> first, last;
};

class Replayer final : private telemetry::EventVisitor {
 public:
  // Errors: the catalog's SLOs cannot be evaluated (another data source type, ...).
  static Result<std::unique_ptr<Replayer>> Create(std::shared_ptr<const Catalog> catalog,
                                                  const ReplayOptions& options);

  // Parses and counts `lines` (whole lines; the last may lack its newline only at the end of
  // the input). Line numbers continue across calls.
  void Feed(std::string_view lines);
  // Flushes, closes the last slices and evaluates at the end. Idempotent.
  void Finish();

  const ReplayCounts& counts() const { return counts_; }
  const std::vector<telemetry::LineError>& errors() const { return errors_; }
  const std::vector<ReplayAlert>& timeline() const { return timeline_; }
  // Alerts still firing at the end.
  std::vector<Alert> FiringAtEnd() const { return evaluator_.List(AlertState::kFiring); }
  // When the replay ended (the evaluation time of Finish), nullopt before any event.
  std::optional<EpochMillis> end_time() const { return end_; }
  const SloEngine& engine() const { return engine_; }

  // {"events": {...}, "from", "to", "slos": [status per SLO (status_json.h)],
  //  "alerts": [{"time", "transition", "alert": AlertToApiJson}], "firing_at_end": [...]}
  nlohmann::json ResultJson() const;

 private:
  Replayer(std::shared_ptr<const Catalog> catalog, const ReplayOptions& options);
  void OnRequest(int64_t line, const telemetry::RequestEvent& e) override;
  void OnEvaluation(int64_t line, const telemetry::EvaluationEvent& e) override;
  void Before(EpochMillis t);  // starts the engine on the first event, runs due ticks
  void Flush();
  void Tick(EpochMillis at);

  std::shared_ptr<const Catalog> catalog_;
  ReplayOptions options_;
  SloEngine engine_;
  AlertEvaluator evaluator_;
  telemetry::IngestParser parser_;
  // Evaluations take the variant, model and prompt of their request, as on the server
  // (telemetry/request_join.h): the requests' keys and the join of the services that need it.
  telemetry::SeriesKeyRegistry request_keys_;
  telemetry::RequestJoin join_;
  telemetry::SeriesKey joined_key_;
  std::optional<SloBatch> batch_;
  EpochMillis next_tick_ = 0;
  int64_t line_offset_ = 0;
  ReplayCounts counts_;
  std::vector<telemetry::LineError> errors_;
  std::vector<ReplayAlert> timeline_;
  std::optional<EpochMillis> end_;
  bool finished_ = false;
};

}  // namespace ballast::slo
