#include "registry/lifecycle_alerts.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "common/sha256.h"
#include "common/time.h"

namespace ballast::registry {
namespace {

constexpr int kStateVersion = 1;
using nlohmann::json;

std::string JoinAliases(const std::vector<std::string>& aliases) {
  std::string out;
  for (const std::string& a : aliases) out += (out.empty() ? "" : ",") + a;
  return out;
}

std::string Ref(const LifecycleAlert& a) { return a.model + "@" + std::to_string(a.version); }

json AlertToStateJson(const LifecycleAlert& a) {
  return {{"id", a.id},
          {"model", a.model},
          {"version", a.version},
          {"aliases", a.aliases},
          {"retires_at", a.retires_at},
          {"replacement", a.replacement},
          {"threshold_days", a.threshold_days},
          {"severity", a.severity},
          {"state", std::string(LifecycleAlertStateName(a.state))},
          {"since", a.since},
          {"fired_at", a.fired_at},
          {"resolved_at", a.resolved_at ? json(*a.resolved_at) : json(nullptr)},
          {"resolution", a.resolution},
          {"notified", a.notified}};
}

Result<LifecycleAlert> AlertFromStateJson(const json& j, const std::string& path) {
  if (!j.is_object()) return Status::InvalidArgument("expected an object", path);
  LifecycleAlert a;
  // Typed reads; nlohmann throws type_error on a mismatch, caught by the caller per field.
  auto field = [&](const char* name) -> const json& {
    static const json kNull;
    auto it = j.find(name);
    return it == j.end() ? kNull : *it;
  };
  try {
    a.id = field("id").get<std::string>();
    a.model = field("model").get<std::string>();
    a.version = field("version").get<int64_t>();
    a.aliases = field("aliases").get<std::vector<std::string>>();
    a.retires_at = field("retires_at").get<int64_t>();
    a.replacement = field("replacement").get<std::string>();
    a.threshold_days = field("threshold_days").get<int>();
    a.severity = field("severity").get<std::string>();
    const std::string state = field("state").get<std::string>();
    if (state == "firing") a.state = LifecycleAlertState::kFiring;
    else if (state == "resolved") a.state = LifecycleAlertState::kResolved;
    else return Status::InvalidArgument("unknown state '" + state + "'", path + ".state");
    a.since = field("since").get<int64_t>();
    a.fired_at = field("fired_at").get<int64_t>();
    if (!field("resolved_at").is_null()) a.resolved_at = field("resolved_at").get<int64_t>();
    a.resolution = field("resolution").get<std::string>();
    a.notified = field("notified").get<std::vector<int>>();
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("bad field: ") + e.what(), path);
  }
  if (a.id != LifecycleAlertId(a.model, a.version)) {
    return Status::InvalidArgument("id does not match model and version", path + ".id");
  }
  return a;
}

}  // namespace

std::string_view LifecycleAlertStateName(LifecycleAlertState state) {
  return state == LifecycleAlertState::kFiring ? "firing" : "resolved";
}

std::string LifecycleAlertId(std::string_view model, int64_t version) {
  return Sha256Hex("model-lifecycle\n" + std::string(model) + "\n" + std::to_string(version) +
                   "\n")
      .substr(0, 16);
}

int64_t DaysLeft(EpochMillis retires_at, EpochMillis now) {
  // Saturating: retirement dates come from users.
  const __int128 remaining = static_cast<__int128>(retires_at) - now;
  __int128 days = remaining >= 0 ? (remaining + kLifecycleDayMillis - 1) / kLifecycleDayMillis
                                 : -((-remaining) / kLifecycleDayMillis);
  days = std::clamp<__int128>(days, std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::max());
  return static_cast<int64_t>(days);
}

std::map<std::string, std::string> LifecycleLabels(const LifecycleAlert& a) {
  return {{"alertname", "ballast_model_retiring"},
          {"model", a.model},
          {"version", std::to_string(a.version)},
          {"alias", JoinAliases(a.aliases)},
          {"severity", a.severity},
          {"threshold", std::to_string(a.threshold_days) + "d"}};
}

std::map<std::string, std::string> LifecycleAnnotations(const LifecycleAlert& a,
                                                        EpochMillis now) {
  const int64_t days = DaysLeft(a.retires_at, now);
  const std::string when =
      days >= 0 ? fmt::format("retires in {} day{}", days, days == 1 ? "" : "s")
                : fmt::format("passed its retirement date {} day{} ago", -days,
                              days == -1 ? "" : "s");
  std::map<std::string, std::string> out;
  out["summary"] = fmt::format("{} ({}) {} ({})", Ref(a), JoinAliases(a.aliases), when,
                               FormatRfc3339(a.retires_at));
  std::string description = fmt::format(
      "Model version {} is served through alias{} {} and {}.", Ref(a),
      a.aliases.size() == 1 ? "" : "es", JoinAliases(a.aliases), when);
  description += a.replacement.empty()
                     ? " No replacement is recorded: choose one and move the alias."
                     : " Move the alias to the replacement " + a.replacement + ".";
  out["description"] = description;
  out["retires_at"] = FormatRfc3339(a.retires_at);
  if (!a.replacement.empty()) out["replacement"] = a.replacement;
  if (!a.resolution.empty()) out["resolution"] = a.resolution;
  return out;
}

json LifecycleAlertToApiJson(const LifecycleAlert& a, EpochMillis now) {
  return {{"id", a.id},
          {"slo", ""},
          {"service", ""},
          {"rule", "model_retiring_" + std::to_string(a.threshold_days) + "d"},
          {"type", "model_lifecycle"},
          {"severity", a.severity},
          {"state", std::string(LifecycleAlertStateName(a.state))},
          {"since", FormatRfc3339(a.since)},
          {"fired_at", FormatRfc3339(a.fired_at)},
          {"resolved_at", a.resolved_at ? json(FormatRfc3339(*a.resolved_at)) : json(nullptr)},
          {"burn_rates", json::object()},
          {"labels", LifecycleLabels(a)},
          {"annotations", LifecycleAnnotations(a, now)},
          {"model", a.model},
          {"version", a.version},
          {"aliases", a.aliases},
          {"retires_at", FormatRfc3339(a.retires_at)},
          {"days_left", DaysLeft(a.retires_at, now)},
          {"replacement", a.replacement}};
}

LifecycleAlerts::LifecycleAlerts(LifecycleAlertOptions options) : options_(std::move(options)) {}

int64_t LifecycleAlerts::lookahead_ms() const {
  return options_.thresholds.empty() ? 0 : options_.thresholds.front().days * kLifecycleDayMillis;
}

const LifecycleThreshold* LifecycleAlerts::Crossed(EpochMillis retires_at,
                                                   EpochMillis now) const {
  const __int128 remaining = static_cast<__int128>(retires_at) - now;
  const LifecycleThreshold* crossed = nullptr;
  for (const LifecycleThreshold& t : options_.thresholds) {
    if (remaining <= static_cast<__int128>(t.days) * kLifecycleDayMillis) crossed = &t;
  }
  return crossed;
}

std::string LifecycleAlerts::SeverityOf(int days) const {
  for (const LifecycleThreshold& t : options_.thresholds)
    if (t.days == days) return t.severity;
  return "ticket";
}

void LifecycleAlerts::Resolve(LifecycleAlert& a, EpochMillis now, std::string reason,
                              std::vector<LifecycleEvent>& events) {
  a.state = LifecycleAlertState::kResolved;
  a.since = now;
  a.resolved_at = now;
  a.resolution = std::move(reason);
  events.push_back({a, true});
}

std::vector<LifecycleEvent> LifecycleAlerts::Evaluate(
    const std::vector<VersionExposure>& exposures, EpochMillis now) {
  std::vector<LifecycleEvent> events;
  std::map<std::pair<std::string, int64_t>, const VersionExposure*> seen;
  for (const VersionExposure& e : exposures) seen[{e.model, e.version}] = &e;

  for (const auto& [key, e] : seen) {
    const LifecycleThreshold* t = Crossed(e->retires_at, now);
    auto it = alerts_.find(key);
    if (t == nullptr || e->retired) continue;  // handled by the resolve pass below
    // Thresholds at or before the one crossed are all covered by this notification.
    std::vector<int> covered;
    for (const LifecycleThreshold& th : options_.thresholds)
      if (th.days >= t->days) covered.push_back(th.days);
    if (it == alerts_.end() || it->second.state == LifecycleAlertState::kResolved) {
      LifecycleAlert a;
      a.id = LifecycleAlertId(e->model, e->version);
      a.model = e->model;
      a.version = e->version;
      a.aliases = e->aliases;
      a.retires_at = e->retires_at;
      a.replacement = e->replacement;
      a.threshold_days = t->days;
      a.severity = t->severity;
      a.state = LifecycleAlertState::kFiring;
      a.since = now;
      a.fired_at = now;
      a.notified = covered;
      alerts_[key] = a;
      events.push_back({std::move(a), true});
      continue;
    }
    LifecycleAlert& a = it->second;
    const LifecycleAlert before = a;
    a.aliases = e->aliases;
    a.retires_at = e->retires_at;
    a.replacement = e->replacement;
    bool notify = false;
    if (t->days < a.threshold_days) {
      // Escalation: notified once per threshold.
      notify = std::find(a.notified.begin(), a.notified.end(), t->days) == a.notified.end();
      a.fired_at = notify ? now : a.fired_at;
    }
    a.threshold_days = t->days;
    a.severity = t->severity;
    a.notified = covered;  // also forgets thresholds after `t` when the date moved later
    if (!(a == before)) events.push_back({a, notify});
  }

  for (auto& [key, a] : alerts_) {
    if (a.state != LifecycleAlertState::kFiring) continue;
    auto s = seen.find(key);
    if (s == seen.end()) {
      Resolve(a, now, "no alias points at the version any more, or it was deleted", events);
    } else if (s->second->retired) {
      Resolve(a, now, "the version is retired", events);
    } else if (Crossed(s->second->retires_at, now) == nullptr) {
      Resolve(a, now, "the retirement date moved beyond the alert window", events);
    }
  }
  std::erase_if(alerts_, [&](const auto& kv) {
    const LifecycleAlert& a = kv.second;
    return a.state == LifecycleAlertState::kResolved && a.resolved_at &&
           now - *a.resolved_at > options_.resolved_retention_ms;
  });
  return events;
}

std::vector<LifecycleAlert> LifecycleAlerts::List(
    std::optional<LifecycleAlertState> state) const {
  std::vector<LifecycleAlert> out;
  for (const auto& [key, a] : alerts_)
    if (!state || a.state == *state) out.push_back(a);
  return out;
}

std::string LifecycleAlerts::Serialize() const {
  json alerts = json::array();
  for (const auto& [key, a] : alerts_) alerts.push_back(AlertToStateJson(a));
  return json{{"version", kStateVersion}, {"alerts", std::move(alerts)}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

Status LifecycleAlerts::Restore(std::string_view text) {
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::InvalidArgument("lifecycle alert state is not a JSON object");
  }
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer() || *version != kStateVersion) {
    return Status::InvalidArgument("unsupported lifecycle alert state version", "version");
  }
  auto list = doc.find("alerts");
  if (list == doc.end() || !list->is_array()) {
    return Status::InvalidArgument("expected a list", "alerts");
  }
  std::map<std::pair<std::string, int64_t>, LifecycleAlert> restored;
  for (size_t i = 0; i < list->size(); ++i) {
    BALLAST_ASSIGN_OR_RETURN(LifecycleAlert a,
                             AlertFromStateJson((*list)[i], "alerts[" + std::to_string(i) + "]"));
    std::pair<std::string, int64_t> key{a.model, a.version};
    restored[key] = std::move(a);
  }
  alerts_ = std::move(restored);
  return Status::Ok();
}

}  // namespace ballast::registry
