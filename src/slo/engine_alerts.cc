#include "slo/engine_alerts.h"

#include <set>

namespace ballast::slo {

std::vector<AlertEvent> EvaluateEngineAlerts(const SloEngine& engine, AlertEvaluator& evaluator,
                                             EpochMillis now, std::vector<std::string>* errors) {
  auto defs = engine.definitions();
  std::vector<AlertEvent> events;
  auto report_error = [errors](const std::string& slo, const Status& st) {
    if (errors != nullptr) errors->push_back(slo + ": " + st.message());
  };
  std::set<std::string, std::less<>> defined;
  for (const auto& [name, compiled] : defs->slos) {
    defined.insert(name);
    Result<std::vector<ObjectiveReport>> reports = engine.Report(name, "", now);
    if (!reports) {
      report_error(name, reports.error());
      continue;
    }
    for (const ObjectiveReport& r : *reports) {
      AlertSubject subject{name, r.objective->service, r.objective->index, r.objective->name, ""};
      Result<std::vector<AlertEvent>> out =
          evaluator.Evaluate(subject, compiled.rules, r.status, r.no_data, now);
      if (!out) {
        report_error(name, out.error());
        continue;
      }
      for (AlertEvent& e : *out) events.push_back(std::move(e));
    }
  }
  std::set<std::string> gone;
  for (const Alert& a : evaluator.List()) {
    if (!defined.contains(a.slo)) gone.insert(a.slo);
  }
  for (const std::string& slo : gone) {
    for (AlertEvent& e : evaluator.Forget(slo, now)) events.push_back(std::move(e));
  }
  evaluator.Prune(now);
  return events;
}

}  // namespace ballast::slo
