#include "server/slo_alerting.h"

#include <spdlog/spdlog.h>

#include <map>

#include "slo/engine_alerts.h"

namespace ballast::server {

SloAlerting::SloAlerting(SloRuntime& runtime, notify::Notifier* notifier, std::string external_url)
    : runtime_(runtime), notifier_(notifier), external_url_(std::move(external_url)) {}

Status SloAlerting::Restore(const std::optional<std::string>& state) {
  if (!state || state->empty()) return Status::Ok();
  std::lock_guard lock(mu_);
  return evaluator_.RestoreAlerts(*state);
}

std::string SloAlerting::Serialize() const {
  std::lock_guard lock(mu_);
  return evaluator_.SerializeAlerts();
}

std::vector<slo::Alert> SloAlerting::List(std::optional<slo::AlertState> state) const {
  std::lock_guard lock(mu_);
  return evaluator_.List(state);
}

int SloAlerting::FiringCount(const std::string& slo) const {
  std::lock_guard lock(mu_);
  int n = 0;
  for (const slo::Alert& a : evaluator_.List(slo::AlertState::kFiring)) n += a.slo == slo;
  return n;
}

int64_t SloAlerting::notifications_sent() const {
  std::lock_guard lock(mu_);
  return sent_;
}

notify::Alert SloAlerting::ToNotification(const slo::Alert& alert,
                                          const std::string& external_url) {
  notify::Alert n;
  n.status = alert.state == slo::AlertState::kFiring ? std::string(notify::kStatusFiring)
                                                     : std::string(notify::kStatusResolved);
  n.labels = alert.labels;
  n.labels["alertname"] = "ballast_slo_" + std::string(slo::AlertRuleTypeName(alert.type));
  n.annotations = alert.annotations;
  n.starts_at = alert.fired_at.value_or(alert.since);
  if (alert.state == slo::AlertState::kResolved)
    n.ends_at = alert.resolved_at.value_or(alert.since);
  if (!external_url.empty()) n.generator_url = external_url + "/v1/slos/" + alert.slo;
  n.fingerprint = alert.id;
  return n;
}

void SloAlerting::Deliver(const std::vector<slo::AlertEvent>& events) {
  if (notifier_ == nullptr) return;
  // One message per target per tick, holding every alert that changed for it.
  std::map<std::string, std::pair<notify::Target, std::vector<notify::Alert>>> by_target;
  for (const slo::AlertEvent& e : events) {
    spdlog::info("alert {} {} ({} {} {})", e.alert.id, slo::AlertStateName(e.alert.state),
                 e.alert.slo, e.alert.rule, e.alert.severity);
    if (!e.notify) continue;
    for (const slo::NotificationTarget& t : e.alert.targets) {
      Result<notify::Target> target = notify::MakeTarget(t.name, t.url, t.annotations);
      if (!target) {
        spdlog::warn("alert {}: target {}: {}", e.alert.id, t.name, target.error().message());
        continue;
      }
      auto& slot = by_target[t.name];
      slot.first = *target;
      slot.second.push_back(ToNotification(e.alert, external_url_));
    }
  }
  for (auto& [name, slot] : by_target) {
    sent_ += static_cast<int64_t>(slot.second.size());
    notifier_->Notify(slot.first, std::move(slot.second));
  }
}

void SloAlerting::Tick(EpochMillis now) {
  std::vector<std::string> errors;
  std::vector<slo::AlertEvent> events;
  {
    std::lock_guard lock(mu_);
    events = slo::EvaluateEngineAlerts(runtime_.engine(), evaluator_, now, &errors);
    Deliver(events);
  }
  for (const std::string& e : errors) spdlog::warn("alerts: {}", e);
}

}  // namespace ballast::server
