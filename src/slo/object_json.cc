#include "slo/object_json.h"

#include "common/sha256.h"

namespace ballast::slo {
namespace {

using nlohmann::json;

void PutString(json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}

template <typename T>
void PutOptional(json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

json MetadataJson(const Metadata& md) {
  json j = json::object();
  j["name"] = md.name;
  PutString(j, "displayName", md.display_name);
  if (!md.labels.empty()) {
    json labels = json::object();
    for (const auto& [k, v] : md.labels) {
      if (v.list) {
        labels[k] = v.values;
      } else {
        labels[k] = v.values.empty() ? std::string() : v.values.front();
      }
    }
    j["labels"] = std::move(labels);
  }
  if (!md.annotations.empty()) j["annotations"] = md.annotations;
  return j;
}

json MetricSourceJson(const MetricSource& ms) {
  json j = json::object();
  PutString(j, "metricSourceRef", ms.metric_source_ref);
  PutString(j, "type", ms.type);
  if (ms.spec) j["spec"] = *ms.spec;
  return json{{"metricSource", std::move(j)}};
}

json SliSpecJson(const SliSpec& s) {
  json j = json::object();
  PutString(j, "description", s.description);
  if (s.threshold_metric)
    j["thresholdMetric"] = MetricSourceJson(s.threshold_metric->metric_source);
  if (s.ratio_metric) {
    const RatioMetric& r = *s.ratio_metric;
    json rj = json::object();
    PutOptional(rj, "counter", r.counter);
    if (r.good) rj["good"] = MetricSourceJson(*r.good);
    if (r.bad) rj["bad"] = MetricSourceJson(*r.bad);
    if (r.total) rj["total"] = MetricSourceJson(*r.total);
    if (r.raw) rj["raw"] = MetricSourceJson(*r.raw);
    PutString(rj, "rawType", r.raw_type);
    j["ratioMetric"] = std::move(rj);
  }
  return j;
}

json InlineSliJson(const InlineSli& sli) {
  return json{{"metadata", MetadataJson(sli.metadata)}, {"spec", SliSpecJson(sli.spec)}};
}

json ConditionSpecJson(const AlertConditionSpec& s) {
  json j = json::object();
  PutString(j, "description", s.description);
  j["severity"] = s.severity;
  json c = json::object();
  c["kind"] = s.condition.kind;
  if (s.condition.op) c["op"] = std::string(OpName(*s.condition.op));
  c["threshold"] = s.condition.threshold;
  c["lookbackWindow"] = DurationText(s.condition.lookback_window);
  if (s.condition.alert_after) c["alertAfter"] = DurationText(*s.condition.alert_after);
  j["condition"] = std::move(c);
  return j;
}

json TargetSpecJson(const AlertNotificationTargetSpec& s) {
  json j = json::object();
  j["target"] = s.target;
  PutString(j, "description", s.description);
  return j;
}

template <typename Spec, typename F>
json RefOrInlineJson(const RefOrInline<Spec>& e, const char* ref_key, Kind kind, F spec_json) {
  if (e.is_ref()) return json{{ref_key, e.ref}};
  json j = json::object();
  j["kind"] = std::string(KindName(kind));
  j["metadata"] = MetadataJson(e.metadata.value_or(Metadata{}));
  j["spec"] = spec_json(*e.spec);
  return j;
}

json PolicySpecJson(const AlertPolicySpec& s) {
  json j = json::object();
  PutString(j, "description", s.description);
  PutOptional(j, "alertWhenNoData", s.alert_when_no_data);
  PutOptional(j, "alertWhenResolved", s.alert_when_resolved);
  PutOptional(j, "alertWhenBreaching", s.alert_when_breaching);
  json conds = json::array();
  for (const auto& c : s.conditions)
    conds.push_back(RefOrInlineJson(c, "conditionRef", Kind::kAlertCondition, ConditionSpecJson));
  j["conditions"] = std::move(conds);
  json targets = json::array();
  for (const auto& t : s.notification_targets)
    targets.push_back(
        RefOrInlineJson(t, "targetRef", Kind::kAlertNotificationTarget, TargetSpecJson));
  j["notificationTargets"] = std::move(targets);
  return j;
}

json ObjectiveJson(const Objective& o) {
  json j = json::object();
  PutString(j, "displayName", o.display_name);
  if (o.op) j["op"] = std::string(OpName(*o.op));
  PutOptional(j, "value", o.value);
  PutOptional(j, "target", o.target);
  PutOptional(j, "targetPercent", o.target_percent);
  PutOptional(j, "timeSliceTarget", o.time_slice_target);
  if (o.time_slice_window) {
    if (o.time_slice_window_is_number) {
      j["timeSliceWindow"] = o.time_slice_window->count;
    } else {
      j["timeSliceWindow"] = DurationText(*o.time_slice_window);
    }
  }
  if (o.indicator) j["indicator"] = InlineSliJson(*o.indicator);
  PutString(j, "indicatorRef", o.indicator_ref);
  PutOptional(j, "compositeWeight", o.composite_weight);
  return j;
}

json SloSpecJson(const SloSpec& s) {
  json j = json::object();
  PutString(j, "description", s.description);
  j["service"] = s.service;
  if (s.indicator) j["indicator"] = InlineSliJson(*s.indicator);
  PutString(j, "indicatorRef", s.indicator_ref);
  if (!s.time_window.empty()) {
    json windows = json::array();
    for (const TimeWindow& w : s.time_window) {
      json wj = json::object();
      wj["duration"] = DurationText(w.duration);
      PutOptional(wj, "isRolling", w.is_rolling);
      if (w.calendar)
        wj["calendar"] =
            json{{"startTime", w.calendar->start_time}, {"timeZone", w.calendar->time_zone}};
      windows.push_back(std::move(wj));
    }
    j["timeWindow"] = std::move(windows);
  }
  j["budgetingMethod"] = std::string(BudgetingMethodName(s.budgeting_method));
  json objectives = json::array();
  for (const Objective& o : s.objectives) objectives.push_back(ObjectiveJson(o));
  j["objectives"] = std::move(objectives);
  if (!s.alert_policies.empty()) {
    json policies = json::array();
    for (const auto& p : s.alert_policies)
      policies.push_back(RefOrInlineJson(p, "alertPolicyRef", Kind::kAlertPolicy, PolicySpecJson));
    j["alertPolicies"] = std::move(policies);
  }
  return j;
}

json SpecJson(const Object& o) {
  switch (o.kind) {
    case Kind::kService: {
      json j = json::object();
      PutString(j, "description", o.As<ServiceSpec>().description);
      return j;
    }
    case Kind::kSli:
      return SliSpecJson(o.As<SliSpec>());
    case Kind::kSlo:
      return SloSpecJson(o.As<SloSpec>());
    case Kind::kAlertPolicy:
      return PolicySpecJson(o.As<AlertPolicySpec>());
    case Kind::kAlertCondition:
      return ConditionSpecJson(o.As<AlertConditionSpec>());
    case Kind::kAlertNotificationTarget:
      return TargetSpecJson(o.As<AlertNotificationTargetSpec>());
    case Kind::kDataSource: {
      const auto& s = o.As<DataSourceSpec>();
      json j = json::object();
      PutString(j, "description", s.description);
      j["type"] = s.type;
      if (s.connection_details) j["connectionDetails"] = *s.connection_details;
      return j;
    }
  }
  return json::object();
}

}  // namespace

nlohmann::json ToJson(const Object& object) {
  json j = json::object();
  j["apiVersion"] = object.api_version;
  j["kind"] = std::string(KindName(object.kind));
  j["metadata"] = MetadataJson(object.metadata);
  j["spec"] = SpecJson(object);
  return j;
}

std::string CanonicalJson(const Object& object) {
  // yaml-cpp passes bytes through; invalid UTF-8 is replaced rather than thrown on.
  return ToJson(object).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string ContentHash(const Object& object) { return Sha256Hex(CanonicalJson(object)); }

bool SameContent(const Object& a, const Object& b) { return CanonicalJson(a) == CanonicalJson(b); }

}  // namespace ballast::slo
