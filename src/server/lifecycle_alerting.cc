#include "server/lifecycle_alerting.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "notify/alert.h"
#include "slo/model.h"

namespace ballast::server {

LifecycleAlerting::LifecycleAlerting(store::Store& store, const SloRuntime& runtime,
                                     notify::Notifier* notifier, std::string external_url,
                                     registry::LifecycleAlertOptions options)
    : store_(store),
      runtime_(runtime),
      notifier_(notifier),
      external_url_(std::move(external_url)),
      alerts_(std::move(options)) {}

Status LifecycleAlerting::Restore() {
  BALLAST_ASSIGN_OR_RETURN(std::optional<std::string> state,
                           store_.ModelCards().LoadLifecycleAlertState());
  if (!state) return Status::Ok();
  std::lock_guard lock(mu_);
  return alerts_.Restore(*state);
}

std::vector<notify::Target> LifecycleAlerting::Targets() const {
  std::vector<notify::Target> out;
  std::shared_ptr<const slo::Catalog> catalog = runtime_.catalog();
  for (const slo::Object& o : catalog->objects()) {
    if (o.kind != slo::Kind::kAlertNotificationTarget) continue;
    auto opt_out = o.metadata.annotations.find(std::string(kLifecycleAlertsAnnotation));
    if (opt_out != o.metadata.annotations.end() && opt_out->second == "false") continue;
    const auto& spec = o.As<slo::AlertNotificationTargetSpec>();
    Result<notify::Target> t =
        notify::MakeTarget(o.metadata.name, spec.target, o.metadata.annotations);
    if (!t) {
      spdlog::warn("lifecycle alerts: target {}: {}", o.metadata.name, t.error().message());
      continue;
    }
    out.push_back(std::move(*t));
  }
  return out;
}

notify::Alert LifecycleAlerting::ToNotification(const registry::LifecycleAlert& alert,
                                                EpochMillis now,
                                                const std::string& external_url) {
  notify::Alert n;
  n.status = alert.state == registry::LifecycleAlertState::kFiring
                 ? std::string(notify::kStatusFiring)
                 : std::string(notify::kStatusResolved);
  n.labels = registry::LifecycleLabels(alert);
  n.annotations = registry::LifecycleAnnotations(alert, now);
  n.starts_at = alert.fired_at;
  if (alert.state == registry::LifecycleAlertState::kResolved) n.ends_at = alert.resolved_at;
  if (!external_url.empty()) {
    n.generator_url = external_url + "/v1/models/" + alert.model + "/versions/" +
                      std::to_string(alert.version);
  }
  n.fingerprint = alert.id;
  return n;
}

void LifecycleAlerting::Tick(EpochMillis now) {
  int64_t lookahead = 0;
  {
    std::lock_guard lock(mu_);
    lookahead = alerts_.lookahead_ms();
  }
  auto versions = store_.Registry().Retiring(lookahead, now);
  if (!versions) {
    spdlog::warn("lifecycle alerts: reading retiring versions: {}", versions.error().message());
    return;
  }
  std::vector<registry::VersionExposure> exposures;
  for (const store::ModelVersion& v : *versions) {
    if (!v.retires_at) continue;
    exposures.push_back({v.model, v.version, v.aliases, *v.retires_at, v.replacement,
                         v.lifecycle == store::Lifecycle::kRetired});
  }
  std::vector<registry::LifecycleEvent> events;
  std::string state;
  {
    std::lock_guard lock(mu_);
    events = alerts_.Evaluate(exposures, now);
    if (events.empty()) return;
    state = alerts_.Serialize();
  }
  if (Status st = store_.ModelCards().SaveLifecycleAlertState(std::move(state), now); !st.ok()) {
    spdlog::warn("lifecycle alerts: saving state: {}", st.message());
  }
  std::vector<notify::Alert> out;
  for (const registry::LifecycleEvent& e : events) {
    if (!e.notify) continue;
    spdlog::info("lifecycle alert {} {} ({}@{} {}d {})", e.alert.id,
                 registry::LifecycleAlertStateName(e.alert.state), e.alert.model, e.alert.version,
                 e.alert.threshold_days, e.alert.severity);
    out.push_back(ToNotification(e.alert, now, external_url_));
  }
  if (out.empty() || notifier_ == nullptr) return;
  std::vector<notify::Target> targets = Targets();
  {
    std::lock_guard lock(mu_);
    sent_ += static_cast<int64_t>(out.size() * targets.size());
  }
  for (const notify::Target& t : targets) notifier_->Notify(t, out);
}

std::vector<registry::LifecycleAlert> LifecycleAlerting::List(
    std::optional<registry::LifecycleAlertState> state) const {
  std::lock_guard lock(mu_);
  return alerts_.List(state);
}

std::vector<nlohmann::json> LifecycleAlerting::ApiItems(std::optional<std::string_view> state,
                                                        EpochMillis now) const {
  std::optional<registry::LifecycleAlertState> want;
  if (state) {
    if (*state == "firing") want = registry::LifecycleAlertState::kFiring;
    else if (*state == "resolved") want = registry::LifecycleAlertState::kResolved;
    else return {};  // lifecycle alerts are never pending or inactive
  }
  std::vector<nlohmann::json> out;
  for (const registry::LifecycleAlert& a : List(want)) {
    out.push_back(registry::LifecycleAlertToApiJson(a, now));
  }
  return out;
}

int64_t LifecycleAlerting::notifications_sent() const {
  std::lock_guard lock(mu_);
  return sent_;
}

}  // namespace ballast::server
