// The JSON forms of alerts (declared in alerts.h): storage (every field, versioned) and API.
#include <cmath>
#include <limits>
#include <utility>

#include "common/time.h"
#include "slo/alerts.h"

namespace ballast::slo {
namespace {

using json = nlohmann::json;

constexpr int kAlertsVersion = 1;

json OptionalTime(const std::optional<EpochMillis>& t) { return t ? json(*t) : json(nullptr); }

json OptionalRfc3339(const std::optional<EpochMillis>& t) {
  return t ? json(FormatRfc3339(*t)) : json(nullptr);
}

// Field readers of the storage form: each names the field it rejects.
class Reader {
 public:
  explicit Reader(const json& j) : j_(j) {}

  Status Object() const {
    return j_.is_object() ? Status::Ok() : Status::InvalidArgument("expected an object");
  }
  Status String(const char* key, std::string* out) const {
    const json* v = Get(key);
    if (v == nullptr || !v->is_string()) return Expected(key, "a string");
    *out = v->get<std::string>();
    return Status::Ok();
  }
  Status Int(const char* key, int64_t* out) const {
    const json* v = Get(key);
    if (v == nullptr) return Expected(key, "an integer");
    if (v->is_number_unsigned()) {
      if (v->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return Status::InvalidArgument("integer out of range", key);
      *out = static_cast<int64_t>(v->get<uint64_t>());
      return Status::Ok();
    }
    if (!v->is_number_integer()) return Expected(key, "an integer");
    *out = v->get<int64_t>();
    return Status::Ok();
  }
  Status OptionalInt(const char* key, std::optional<EpochMillis>* out) const {
    const json* v = Get(key);
    if (v == nullptr || v->is_null()) {
      out->reset();
      return Status::Ok();
    }
    int64_t x = 0;
    BALLAST_RETURN_IF_ERROR(Int(key, &x));
    *out = x;
    return Status::Ok();
  }
  Status Double(const char* key, double* out) const {
    const json* v = Get(key);
    if (v == nullptr || !v->is_number()) return Expected(key, "a number");
    *out = v->get<double>();
    if (!std::isfinite(*out)) return Status::InvalidArgument("not a finite number", key);
    return Status::Ok();
  }
  Status OptionalDouble(const char* key, std::optional<double>* out) const {
    const json* v = Get(key);
    if (v == nullptr || v->is_null()) {
      out->reset();
      return Status::Ok();
    }
    double x = 0;
    BALLAST_RETURN_IF_ERROR(Double(key, &x));
    *out = x;
    return Status::Ok();
  }
  Status Bool(const char* key, bool* out) const {
    const json* v = Get(key);
    if (v == nullptr || !v->is_boolean()) return Expected(key, "true or false");
    *out = v->get<bool>();
    return Status::Ok();
  }
  Status StringMap(const char* key, std::map<std::string, std::string>* out) const {
    const json* v = Get(key);
    if (v == nullptr || !v->is_object()) return Expected(key, "an object of strings");
    out->clear();
    for (const auto& [k, x] : v->items()) {
      if (!x.is_string())
        return Status::InvalidArgument("expected a string", std::string(key) + "." + k);
      (*out)[k] = x.get<std::string>();
    }
    return Status::Ok();
  }
  const json* Get(const char* key) const {
    auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }

 private:
  static Status Expected(const char* key, const char* what) {
    return Status::InvalidArgument(std::string("expected ") + what, key);
  }
  const json& j_;
};

Status TargetsFromJson(const Reader& r, std::vector<NotificationTarget>* out) {
  const json* v = r.Get("targets");
  if (v == nullptr || !v->is_array())
    return Status::InvalidArgument("expected a list of targets", "targets");
  out->clear();
  for (size_t i = 0; i < v->size(); ++i) {
    const std::string field = "targets[" + std::to_string(i) + "]";
    Reader t((*v)[i]);
    NotificationTarget target;
    Status st = t.Object();
    if (st.ok()) st = t.String("name", &target.name);
    if (st.ok()) st = t.String("url", &target.url);
    if (st.ok()) st = t.StringMap("annotations", &target.annotations);
    if (!st.ok())
      return Status::InvalidArgument(st.message(),
                                     st.field().empty() ? field : field + "." + st.field());
    out->push_back(std::move(target));
  }
  return Status::Ok();
}

Status FillAlert(const Reader& r, Alert* a) {
  BALLAST_RETURN_IF_ERROR(r.Object());
  BALLAST_RETURN_IF_ERROR(r.String("id", &a->id));
  BALLAST_RETURN_IF_ERROR(r.String("slo", &a->slo));
  BALLAST_RETURN_IF_ERROR(r.String("service", &a->service));
  int64_t objective = 0;
  BALLAST_RETURN_IF_ERROR(r.Int("objective", &objective));
  if (objective < 0) return Status::InvalidArgument("must not be negative", "objective");
  a->objective = static_cast<size_t>(objective);
  BALLAST_RETURN_IF_ERROR(r.String("objective_name", &a->objective_name));
  BALLAST_RETURN_IF_ERROR(r.String("variant", &a->variant));
  BALLAST_RETURN_IF_ERROR(r.String("rule", &a->rule));
  if (a->slo.empty()) return Status::InvalidArgument("must not be empty", "slo");
  if (a->rule.empty()) return Status::InvalidArgument("must not be empty", "rule");
  std::string text;
  BALLAST_RETURN_IF_ERROR(r.String("type", &text));
  auto type = ParseAlertRuleType(text);
  if (!type)
    return Status::InvalidArgument(
        "unknown type \"" + text + "\": expected burn_rate, budget_exhausted or no_data", "type");
  a->type = *type;
  BALLAST_RETURN_IF_ERROR(r.String("severity", &a->severity));
  BALLAST_RETURN_IF_ERROR(r.String("state", &text));
  auto state = ParseAlertState(text);
  if (!state || *state == AlertState::kInactive)
    return Status::InvalidArgument(
        "unknown state \"" + text + "\": expected pending, firing or resolved", "state");
  a->state = *state;
  BALLAST_RETURN_IF_ERROR(r.Int("since", &a->since));
  BALLAST_RETURN_IF_ERROR(r.OptionalInt("fired_at", &a->fired_at));
  BALLAST_RETURN_IF_ERROR(r.OptionalInt("resolved_at", &a->resolved_at));
  if (a->state == AlertState::kFiring && !a->fired_at)
    return Status::InvalidArgument("a firing alert needs fired_at", "fired_at");
  if (a->state == AlertState::kResolved && !a->resolved_at)
    return Status::InvalidArgument("a resolved alert needs resolved_at", "resolved_at");
  BALLAST_RETURN_IF_ERROR(r.Int("long_window_ms", &a->long_window_ms));
  BALLAST_RETURN_IF_ERROR(r.Int("short_window_ms", &a->short_window_ms));
  if (a->long_window_ms < 0)
    return Status::InvalidArgument("must not be negative", "long_window_ms");
  if (a->short_window_ms < 0)
    return Status::InvalidArgument("must not be negative", "short_window_ms");
  BALLAST_RETURN_IF_ERROR(r.Double("long_burn", &a->long_burn));
  BALLAST_RETURN_IF_ERROR(r.Double("short_burn", &a->short_burn));
  BALLAST_RETURN_IF_ERROR(r.OptionalDouble("sli", &a->sli));
  BALLAST_RETURN_IF_ERROR(r.Double("budget_consumed", &a->budget_consumed));
  BALLAST_RETURN_IF_ERROR(r.StringMap("labels", &a->labels));
  BALLAST_RETURN_IF_ERROR(r.StringMap("annotations", &a->annotations));
  BALLAST_RETURN_IF_ERROR(TargetsFromJson(r, &a->targets));
  BALLAST_RETURN_IF_ERROR(r.Bool("notify_firing", &a->notify_firing));
  BALLAST_RETURN_IF_ERROR(r.Bool("notify_resolved", &a->notify_resolved));
  if (a->id != AlertId(a->key()))
    return Status::InvalidArgument("id " + a->id +
                                       " does not match slo, objective, variant and "
                                       "rule",
                                   "id");
  return Status::Ok();
}

}  // namespace

json AlertToJson(const Alert& a) {
  json targets = json::array();
  for (const NotificationTarget& t : a.targets)
    targets.push_back({{"name", t.name}, {"url", t.url}, {"annotations", t.annotations}});
  return json{{"id", a.id},
              {"slo", a.slo},
              {"service", a.service},
              {"objective", a.objective},
              {"objective_name", a.objective_name},
              {"variant", a.variant},
              {"rule", a.rule},
              {"type", std::string(AlertRuleTypeName(a.type))},
              {"severity", a.severity},
              {"state", std::string(AlertStateName(a.state))},
              {"since", a.since},
              {"fired_at", OptionalTime(a.fired_at)},
              {"resolved_at", OptionalTime(a.resolved_at)},
              {"long_window_ms", a.long_window_ms},
              {"short_window_ms", a.short_window_ms},
              {"long_burn", a.long_burn},
              {"short_burn", a.short_burn},
              {"sli", a.sli ? json(*a.sli) : json(nullptr)},
              {"budget_consumed", a.budget_consumed},
              {"labels", a.labels},
              {"annotations", a.annotations},
              {"targets", std::move(targets)},
              {"notify_firing", a.notify_firing},
              {"notify_resolved", a.notify_resolved}};
}

Result<Alert> AlertFromJson(const json& j) {
  Alert a;
  BALLAST_RETURN_IF_ERROR(FillAlert(Reader(j), &a));
  return a;
}

json AlertToApiJson(const Alert& a) {
  json burn_rates = json::object();
  if (a.type == AlertRuleType::kBurnRate) {
    burn_rates[FormatMillisAsDuration(a.long_window_ms)] = a.long_burn;
    burn_rates[FormatMillisAsDuration(a.short_window_ms)] = a.short_burn;
  }
  return json{
      {"id", a.id},
      {"slo", a.slo},
      {"service", a.service},
      {"objective", a.objective_name.empty() ? std::to_string(a.objective) : a.objective_name},
      {"objective_index", a.objective},
      {"variant", a.variant},
      {"rule", a.rule},
      {"type", std::string(AlertRuleTypeName(a.type))},
      {"severity", a.severity},
      {"state", std::string(AlertStateName(a.state))},
      {"since", FormatRfc3339(a.since)},
      {"fired_at", OptionalRfc3339(a.fired_at)},
      {"resolved_at", OptionalRfc3339(a.resolved_at)},
      {"burn_rates", std::move(burn_rates)},
      {"sli", a.sli ? json(*a.sli) : json(nullptr)},
      {"budget_consumed", a.budget_consumed},
      {"labels", a.labels},
      {"annotations", a.annotations}};
}

std::string AlertEvaluator::SerializeAlerts() const {
  json alerts = json::array();
  for (const auto& [key, a] : alerts_) alerts.push_back(AlertToJson(a));
  json doc{{"version", kAlertsVersion}, {"alerts", std::move(alerts)}};
  // Replace rather than throw on invalid UTF-8 (annotations come from user documents).
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status AlertEvaluator::RestoreAlerts(std::string_view text) {
  json doc;
  try {
    doc = json::parse(text.data(), text.data() + text.size());
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) return Status::InvalidArgument("expected a JSON object");
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer())
    return Status::InvalidArgument("expected an integer version", "version");
  if (version->get<int64_t>() != kAlertsVersion)
    return Status::InvalidArgument("unsupported version " + version->dump() + " (expected " +
                                       std::to_string(kAlertsVersion) + ")",
                                   "version");
  auto list = doc.find("alerts");
  if (list == doc.end() || !list->is_array())
    return Status::InvalidArgument("expected a list of alerts", "alerts");
  std::vector<Alert> alerts;
  alerts.reserve(list->size());
  for (size_t i = 0; i < list->size(); ++i) {
    Alert a;
    Status st = FillAlert(Reader((*list)[i]), &a);
    if (!st.ok()) {
      const std::string field = "alerts[" + std::to_string(i) + "]";
      return Status::InvalidArgument(st.message(),
                                     st.field().empty() ? field : field + "." + st.field());
    }
    alerts.push_back(std::move(a));
  }
  return Restore(std::move(alerts));
}

}  // namespace ballast::slo
