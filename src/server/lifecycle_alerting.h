// LifecycleAlerting: provider lifecycle alerts in the server (docs/alerts.md, "Lifecycle
// alerts"). On every SLO evaluation tick (the same timer as SloAlerting) it reads the versions
// that an alias exposes and that retire within the largest threshold (RegistryStore::Retiring),
// runs the registry::LifecycleAlerts state machine, saves its state whenever it changes
// (ModelCardStore::SaveLifecycleAlertState, before delivering, so a restart never notifies a
// threshold twice), and hands firing and resolved alerts to the Notifier in the same
// Alertmanager or Slack payloads as SLO alerts. GET /v1/alerts lists them after the SLO alerts.
//
// Who receives them: every applied OpenSLO AlertNotificationTarget, except those annotated
// `ballast.dev/lifecycle-alerts: "false"` (targets inlined in an AlertPolicy belong to that
// policy and are not used).
//
//   LifecycleAlerting lifecycle(*store, *slo, notifier.get(), external_url);
//   lifecycle.Restore();                       // warn and start empty on error
//   slo.set_tick_hook([&](EpochMillis now) { alerting.Tick(now); lifecycle.Tick(now); });
//
// Thread safety: every method may be called from any thread; Tick is meant for one thread at a
// time (the evaluation thread); one mutex guards the state machine.
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "notify/notifier.h"
#include "registry/lifecycle_alerts.h"
#include "server/slo_runtime.h"
#include "store/store.h"

namespace ballast::server {

// The annotation that keeps an AlertNotificationTarget out of lifecycle alerts.
inline constexpr std::string_view kLifecycleAlertsAnnotation = "ballast.dev/lifecycle-alerts";

class LifecycleAlerting {
 public:
  // `notifier` may be null (no delivery); `external_url` prefixes links in notifications.
  LifecycleAlerting(store::Store& store, const SloRuntime& runtime, notify::Notifier* notifier,
                    std::string external_url, registry::LifecycleAlertOptions options = {});

  // Loads the saved state; on error the state stays empty (the caller logs it).
  Status Restore();
  // One evaluation at `now`. A failed registry read changes nothing (no alert resolves because
  // the database was busy).
  void Tick(EpochMillis now);

  std::vector<registry::LifecycleAlert> List(
      std::optional<registry::LifecycleAlertState> state = std::nullopt) const;
  // GET /v1/alerts items for `state` ("pending" and "inactive" give none), at `now`.
  std::vector<nlohmann::json> ApiItems(std::optional<std::string_view> state,
                                       EpochMillis now) const;
  int64_t notifications_sent() const;

  // The notification form of an alert.
  static notify::Alert ToNotification(const registry::LifecycleAlert& alert, EpochMillis now,
                                      const std::string& external_url);

 private:
  std::vector<notify::Target> Targets() const;

  store::Store& store_;
  const SloRuntime& runtime_;
  notify::Notifier* notifier_;
  const std::string external_url_;
  mutable std::mutex mu_;
  registry::LifecycleAlerts alerts_;  // guarded by mu_
  int64_t sent_ = 0;                  // guarded by mu_
};

}  // namespace ballast::server
