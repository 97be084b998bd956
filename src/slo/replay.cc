#include "slo/replay.h"

#include <algorithm>

#include "common/time.h"
#include "slo/engine_alerts.h"
#include "slo/status_json.h"
#include "telemetry/rollup.h"

namespace ballast::slo {
namespace {

std::map<std::string, EpochMillis, std::less<>> AppliedAt(const Catalog& catalog, EpochMillis t) {
  std::map<std::string, EpochMillis, std::less<>> times;
  for (const Object& o : catalog.objects()) {
    if (o.kind == Kind::kSlo) times[o.metadata.name] = t;
  }
  return times;
}

}  // namespace

Result<std::unique_ptr<Replayer>> Replayer::Create(std::shared_ptr<const Catalog> catalog,
                                                   const ReplayOptions& options) {
  if (options.step_ms < 1000) {
    return Status::InvalidArgument("the evaluation step must be at least 1s", "step");
  }
  // Compile once now so that an SLO the engine cannot evaluate is reported before any event.
  BALLAST_RETURN_IF_ERROR(CompileDefinitions(*catalog, AppliedAt(*catalog, 0)).status());
  return std::unique_ptr<Replayer>(new Replayer(std::move(catalog), options));
}

Replayer::Replayer(std::shared_ptr<const Catalog> catalog, const ReplayOptions& options)
    : catalog_(std::move(catalog)), options_(options), engine_(options.engine) {
  telemetry::IngestParserOptions po;
  po.enforce_accept_window = false;
  po.max_errors_kept = options.max_errors;
  parser_.set_options(po);
}

void Replayer::Feed(std::string_view lines) {
  if (finished_ || lines.empty()) return;
  telemetry::ParseCounts c = parser_.Parse(lines, 0, *this);
  for (const telemetry::LineError& e : parser_.errors()) {
    if (errors_.size() >= options_.max_errors) break;
    errors_.push_back({e.line + line_offset_, e.error});
  }
  counts_.lines += c.lines;
  counts_.requests += c.requests;
  counts_.evaluations += c.evaluations;
  counts_.rejected += c.rejected;
  line_offset_ += c.lines;
}

void Replayer::OnRequest(int64_t line, const telemetry::RequestEvent& e) {
  Before(e.time);
  if (!e.request_id.empty() && join_.services_generation() != 0 && join_.Joins(e.service)) {
    telemetry::SeriesKeyRegistry::Resolved key =
        request_keys_.Resolve({e.service, e.variant, e.model, e.prompt});
    if (!key.folded) join_.Remember(e.service, e.request_id, key.id);
  }
  batch_->OnRequest(line, e);
}

void Replayer::OnEvaluation(int64_t line, const telemetry::EvaluationEvent& e) {
  Before(e.time);
  if (e.request_id.empty()) {
    batch_->OnEvaluation(line, e);
    return;
  }
  join_.Join(e.service);
  const telemetry::SeriesKeyId key = join_.Find(e.service, e.request_id);
  if (key == 0 || !request_keys_.Find(key, joined_key_)) {
    batch_->OnEvaluation(line, e);
    return;
  }
  telemetry::EvaluationEvent joined = e;
  joined.variant = joined_key_.variant;
  joined.model = joined_key_.model;
  joined.prompt = joined_key_.prompt;
  batch_->OnEvaluation(line, joined);
}

void Replayer::Before(EpochMillis t) {
  if (!batch_) {
    const EpochMillis start = telemetry::MinuteOf(t);
    // Create() compiled the same catalog: this cannot fail for a reason it did not report.
    auto defs = CompileDefinitions(*catalog_, AppliedAt(*catalog_, start));
    if (defs) {
      engine_.Configure(*defs);
      for (const CompiledObjective& o : (*defs)->objectives) {
        if (o.sli.events() == EventKind::kEvaluations) join_.Join(o.service);
      }
    }
    batch_.emplace(engine_);
    next_tick_ = start + options_.step_ms;
  }
  counts_.first = std::min(counts_.first.value_or(t), t);
  counts_.last = std::max(counts_.last.value_or(t), t);
  while (t >= next_tick_) {
    Flush();
    Tick(next_tick_);
    next_tick_ += options_.step_ms;
  }
}

void Replayer::Flush() {
  if (!batch_) return;
  counts_.classified += batch_->classified();
  store::SloCounts c = batch_->Take();
  if (!c.empty()) engine_.Apply(c, 0);
}

void Replayer::Tick(EpochMillis at) {
  engine_.AdvanceTo(at);
  for (AlertEvent& e : EvaluateEngineAlerts(engine_, evaluator_, at)) {
    timeline_.push_back({at, std::move(e.alert), e.previous});
  }
}

void Replayer::Finish() {
  if (finished_) return;
  finished_ = true;
  if (!batch_ || !counts_.last) return;
  Flush();
  const EpochMillis end = telemetry::MinuteOf(*counts_.last) + 60'000;
  // Close the slices that ended with the last minute, then judge the state at its end.
  engine_.AdvanceTo(end + options_.engine.slice_grace_ms);
  for (AlertEvent& e : EvaluateEngineAlerts(engine_, evaluator_, end - 1)) {
    timeline_.push_back({end - 1, std::move(e.alert), e.previous});
  }
  end_ = end - 1;
}

nlohmann::json Replayer::ResultJson() const {
  nlohmann::json out;
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& e : errors_) errors.push_back({{"line", e.line}, {"error", e.error}});
  out["events"] = {{"lines", counts_.lines},
                   {"requests", counts_.requests},
                   {"evaluations", counts_.evaluations},
                   {"rejected", counts_.rejected},
                   {"classified", counts_.classified},
                   {"errors", errors}};
  out["from"] = counts_.first ? nlohmann::json(FormatRfc3339(*counts_.first)) : nullptr;
  out["to"] = counts_.last ? nlohmann::json(FormatRfc3339(*counts_.last)) : nullptr;
  nlohmann::json slos = nlohmann::json::array();
  auto defs = engine_.definitions();
  if (end_) {
    for (const auto& [name, compiled] : defs->slos) {
      auto reports = engine_.Report(name, "", *end_);
      if (reports) slos.push_back(StatusToJson(compiled, *reports, *end_));
    }
  }
  out["slos"] = std::move(slos);
  nlohmann::json alerts = nlohmann::json::array();
  for (const ReplayAlert& a : timeline_) {
    alerts.push_back({{"time", FormatRfc3339(a.time)},
                      {"transition", std::string(AlertStateName(a.previous)) + " -> " +
                                         std::string(AlertStateName(a.alert.state))},
                      {"alert", AlertToApiJson(a.alert)}});
  }
  out["alerts"] = std::move(alerts);
  nlohmann::json firing = nlohmann::json::array();
  for (const Alert& a : FiringAtEnd()) firing.push_back(AlertToApiJson(a));
  out["firing_at_end"] = std::move(firing);
  return out;
}

}  // namespace ballast::slo
