// Decoders of Sloth's own formats (prometheus/v1 and the Kubernetes PrometheusServiceLevel)
// and of OpenSLO v1alpha SLOs, following Sloth's mapping and validation rules.
#include <cctype>

#include "rules/prom_text.h"
#include "rules/spec_reader.h"

namespace ballast::rules::internal {
namespace {

// Field names that differ between the prometheus/v1 spec (snake case) and the Kubernetes
// resource (camel case).
struct FieldNames {
  const char* page_alert;
  const char* ticket_alert;
  const char* error_query;
  const char* total_query;
  const char* error_ratio_query;
};
constexpr FieldNames kSnake{"page_alert", "ticket_alert", "error_query", "total_query",
                            "error_ratio_query"};
constexpr FieldNames kCamel{"pageAlert", "ticketAlert", "errorQuery", "totalQuery",
                            "errorRatioQuery"};

Labels Merge(Labels base, const Labels& over) {
  for (const auto& [k, v] : over) base[k] = v;
  return base;
}

void CheckName(Reader& r, const YAML::Node& at, const std::string& path,
               const std::string& value, const char* what) {
  if (value.empty()) {
    r.Error(at, path, "is required");
  } else if (!IsValidSlothName(value)) {
    r.Error(at, path,
            std::string("'") + value + "' is not a valid " + what +
                " (letters, digits, '-', '_' and '.', starting and ending with a letter or digit)");
  }
}

void DecodeAlert(const YAML::Node& alerting, const char* key, const std::string& path, Reader& r,
                 const std::string& name, const Labels& labels, const Labels& annotations,
                 AlertMeta* out) {
  const YAML::Node n = Child(alerting, key);
  const std::string field = Join(path, key);
  out->name = name;
  out->labels = labels;
  out->annotations = annotations;
  if (!n || n.IsNull()) return;
  if (!n.IsMap()) {
    r.Error(n, field, "must be a mapping");
    return;
  }
  r.WarnUnknownKeys(n, field, {"disable", "labels", "annotations"});
  out->disable = r.Bool(n, "disable", field);
  out->labels = Merge(labels, r.LabelMap(n, "labels", field, false));
  out->annotations = Merge(annotations, r.LabelMap(n, "annotations", field, true));
}

// One SLO of a Sloth spec (either format).
void DecodeSlothSlo(const YAML::Node& n, const std::string& path, const FieldNames& f,
                    const std::string& service, const Labels& service_labels,
                    int64_t period_ms, Reader& r, std::vector<RuleSlo>* out) {
  if (!n.IsMap()) {
    r.Error(n, path, "must be a mapping");
    return;
  }
  r.WarnUnknownKeys(n, path,
                    {"name", "description", "objective", "labels", "sli", "alerting", "plugins",
                     "infoLabels", "interval"});
  RuleSlo slo;
  slo.pos = r.Pos(n);
  slo.path = path;
  slo.service = service;
  slo.period_ms = period_ms;
  slo.name = r.String(n, "name", path).value_or("");
  CheckName(r, Child(n, "name").IsDefined() ? Child(n, "name") : n, Join(path, "name"), slo.name, "SLO name");
  slo.id = service + "-" + slo.name;
  slo.description = r.String(n, "description", path).value_or("");
  std::optional<double> objective = r.Number(n, "objective", path);
  const YAML::Node obj_node = Child(n, "objective").IsDefined() ? Child(n, "objective") : n;
  if (!objective) {
    if (!Child(n, "objective").IsDefined()) r.Error(n, Join(path, "objective"), "is required");
  } else if (!(*objective > 0) || *objective > 100) {
    r.Error(obj_node, Join(path, "objective"),
            "must be greater than 0 and at most 100 (a percentage), got " +
                FormatGoFloatFixed(*objective));
  } else {
    slo.objective = *objective;
  }
  slo.labels = Merge(service_labels, r.LabelMap(n, "labels", path, false));
  if (Child(n, "plugins").IsDefined() && !Child(n, "plugins").IsNull()) {
    r.Error(Child(n, "plugins"), Join(path, "plugins"),
            "SLO plugins run Sloth's Go plugins, which ballast does not support");
  }

  const std::string sli_path = Join(path, "sli");
  const YAML::Node sli = Child(n, "sli");
  if (!sli || sli.IsNull() || (sli.IsMap() && sli.size() == 0)) {
    r.Error(sli.IsDefined() ? sli : n, sli_path, "is required: one of raw or events");
  } else if (!sli.IsMap()) {
    r.Error(sli, sli_path, "must be a mapping with raw or events");
  } else {
    r.WarnUnknownKeys(sli, sli_path, {"raw", "events", "plugin"});
    int kinds = 0;
    for (const char* k : {"raw", "events", "plugin"}) {
      if (Child(sli, k).IsDefined() && !Child(sli, k).IsNull()) ++kinds;
    }
    if (kinds > 1) r.Error(sli, sli_path, "only one of raw, events or plugin may be set");
    if (kinds == 0) r.Error(sli, sli_path, "is required: one of raw or events");
    if (Child(sli, "plugin").IsDefined() && !Child(sli, "plugin").IsNull()) {
      r.Error(Child(sli, "plugin"), Join(sli_path, "plugin"),
              "SLI plugins run Sloth's Go plugins, which ballast does not support");
    }
    if (const YAML::Node raw = Child(sli, "raw"); raw.IsDefined() && !raw.IsNull()) {
      const std::string raw_path = Join(sli_path, "raw");
      r.WarnUnknownKeys(raw, raw_path, {f.error_ratio_query});
      std::string q = r.String(raw, f.error_ratio_query, raw_path).value_or("");
      r.CheckQuery(Child(raw, f.error_ratio_query).IsDefined() ? Child(raw, f.error_ratio_query) : raw,
                   Join(raw_path, f.error_ratio_query), q, true);
      slo.raw_error_ratio_query = q;
    }
    if (const YAML::Node ev = Child(sli, "events"); ev.IsDefined() && !ev.IsNull()) {
      const std::string ev_path = Join(sli_path, "events");
      r.WarnUnknownKeys(ev, ev_path, {f.error_query, f.total_query});
      std::string eq = r.String(ev, f.error_query, ev_path).value_or("");
      std::string tq = r.String(ev, f.total_query, ev_path).value_or("");
      r.CheckQuery(Child(ev, f.error_query).IsDefined() ? Child(ev, f.error_query) : ev,
                   Join(ev_path, f.error_query), eq, true);
      r.CheckQuery(Child(ev, f.total_query).IsDefined() ? Child(ev, f.total_query) : ev,
                   Join(ev_path, f.total_query), tq, true);
      if (!eq.empty() && eq == tq) {
        r.Error(ev, ev_path, "the error and total queries must differ");
      }
      slo.error_query = eq;
      slo.total_query = tq;
    }
  }

  const std::string al_path = Join(path, "alerting");
  const YAML::Node alerting = Child(n, "alerting");
  if (alerting.IsDefined() && !alerting.IsNull() && !alerting.IsMap()) {
    r.Error(alerting, al_path, "must be a mapping");
  }
  std::string alert_name;
  Labels alert_labels, alert_annotations;
  if (alerting.IsMap()) {
    r.WarnUnknownKeys(alerting, al_path,
                      {"name", "labels", "annotations", f.page_alert, f.ticket_alert});
    alert_name = r.String(alerting, "name", al_path).value_or("");
    alert_labels = r.LabelMap(alerting, "labels", al_path, false);
    alert_annotations = r.LabelMap(alerting, "annotations", al_path, true);
  }
  DecodeAlert(alerting, f.page_alert, al_path, r, alert_name, alert_labels, alert_annotations,
              &slo.page);
  DecodeAlert(alerting, f.ticket_alert, al_path, r, alert_name, alert_labels, alert_annotations,
              &slo.ticket);
  if (alert_name.empty() && (!slo.page.disable || !slo.ticket.disable)) {
    r.Error(alerting.IsMap() && Child(alerting, "name").IsDefined() ? Child(alerting, "name")
            : alerting.IsDefined()                            ? alerting
                                                              : n,
            Join(al_path, "name"),
            "is required unless both the page and the ticket alerts are disabled");
  }
  out->push_back(std::move(slo));
}

void DecodeSlothBody(const YAML::Node& body, const std::string& prefix, const FieldNames& f,
                     Reader& r, int64_t period_ms, std::vector<RuleSlo>* slos) {
  const std::string service_path = Join(prefix, "service");
  std::string service = r.String(body, "service", prefix).value_or("");
  CheckName(r, Child(body, "service").IsDefined() ? Child(body, "service") : body, service_path, service,
            "service name");
  Labels labels = r.LabelMap(body, "labels", prefix, false);
  if (Child(body, "slo_plugins").IsDefined() && !Child(body, "slo_plugins").IsNull()) {
    r.Error(Child(body, "slo_plugins"), Join(prefix, "slo_plugins"),
            "SLO plugins run Sloth's Go plugins, which ballast does not support");
  }
  const YAML::Node list = Child(body, "slos");
  const std::string slos_path = Join(prefix, "slos");
  if (!list || list.IsNull() || (list.IsSequence() && list.size() == 0)) {
    r.Error(list.IsDefined() ? list : body, slos_path, "at least one SLO is required");
    return;
  }
  if (!list.IsSequence()) {
    r.Error(list, slos_path, "must be a list of SLOs");
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    DecodeSlothSlo(list[i], slos_path + "[" + std::to_string(i) + "]", f, service, labels,
                   period_ms, r, slos);
  }
}

}  // namespace

void DecodeSlothV1(const YAML::Node& root, Reader& r, int64_t default_period_ms,
                   std::vector<SpecDocument>* out) {
  const int before = r.errors();
  r.WarnUnknownKeys(root, "", {"version", "service", "labels", "slos", "slo_plugins"});
  SpecDocument doc;
  doc.kind = SpecKind::kSlothV1;
  doc.pos = r.Pos(root);
  DecodeSlothBody(root, "", kSnake, r, default_period_ms, &doc.slos);
  if (r.errors() == before) out->push_back(std::move(doc));
}

void DecodeSlothK8s(const YAML::Node& root, Reader& r, int64_t default_period_ms,
                    std::vector<SpecDocument>* out) {
  const int before = r.errors();
  r.WarnUnknownKeys(root, "", {"apiVersion", "kind", "metadata", "spec", "status"});
  SpecDocument doc;
  doc.kind = SpecKind::kSlothK8s;
  doc.pos = r.Pos(root);
  KubernetesMeta meta;
  const YAML::Node md = Child(root, "metadata");
  if (!md.IsMap()) {
    r.Error(md.IsDefined() ? md : root, "metadata", "is required: name and namespace");
  } else {
    meta.name = r.String(md, "name", "metadata").value_or("");
    if (meta.name.empty()) r.Error(md, "metadata.name", "is required");
    meta.name_space = r.String(md, "namespace", "metadata").value_or("");
    meta.labels = r.LabelMap(md, "labels", "metadata", true, true);
    meta.annotations = r.LabelMap(md, "annotations", "metadata", true, true);
  }
  doc.k8s = meta;
  const YAML::Node spec = Child(root, "spec");
  if (!spec.IsMap()) {
    r.Error(spec.IsDefined() ? spec : root, "spec", "is required");
  } else {
    r.WarnUnknownKeys(spec, "spec", {"service", "labels", "slos", "sloPlugins"});
    DecodeSlothBody(spec, "spec", kCamel, r, default_period_ms, &doc.slos);
  }
  if (r.errors() == before) out->push_back(std::move(doc));
}

void DecodeOpenSloV1Alpha(const YAML::Node& root, Reader& r, int64_t default_period_ms,
                          std::vector<SpecDocument>* out) {
  const int before = r.errors();
  r.WarnUnknownKeys(root, "", {"apiVersion", "kind", "metadata", "spec"});
  SpecDocument doc;
  doc.kind = SpecKind::kOpenSloV1Alpha;
  doc.pos = r.Pos(root);
  const YAML::Node md = Child(root, "metadata");
  std::string name = md.IsMap() ? r.String(md, "name", "metadata").value_or("") : "";
  CheckName(r, md.IsMap() && Child(md, "name").IsDefined() ? Child(md, "name") : root, "metadata.name", name,
            "SLO name");
  const YAML::Node spec = Child(root, "spec");
  if (!spec.IsMap()) {
    r.Error(spec.IsDefined() ? spec : root, "spec", "is required");
    return;
  }
  r.WarnUnknownKeys(spec, "spec",
                    {"service", "description", "budgetingMethod", "objectives", "timeWindows",
                     "indicator"});
  std::string service = r.String(spec, "service", "spec").value_or("");
  CheckName(r, Child(spec, "service").IsDefined() ? Child(spec, "service") : spec, "spec.service", service,
            "service name");
  std::string description = r.String(spec, "description", "spec").value_or("");

  int64_t period_ms = default_period_ms;
  const YAML::Node windows = Child(spec, "timeWindows");
  if (windows.IsDefined() && !windows.IsNull()) {
    if (!windows.IsSequence()) {
      r.Error(windows, "spec.timeWindows", "must be a list");
    } else if (windows.size() > 1) {
      r.Error(windows, "spec.timeWindows", "only one time window is supported");
    } else if (windows.size() == 1) {
      const YAML::Node w = windows[0];
      const std::string wp = "spec.timeWindows[0]";
      std::string unit = r.String(w, "unit", wp).value_or("");
      std::string lower;
      for (char c : unit) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      std::optional<double> count = r.Number(w, "count", wp);
      if (lower != "day") {
        r.Error(Child(w, "unit").IsDefined() ? Child(w, "unit") : w, wp + ".unit",
                "only Day time windows are supported, got '" + unit + "'");
      } else if (!count || *count < 1 || *count != static_cast<double>(static_cast<int64_t>(*count)) ||
                 *count > 3650) {
        r.Error(Child(w, "count").IsDefined() ? Child(w, "count") : w, wp + ".count",
                "must be a whole number of days between 1 and 3650");
      } else {
        period_ms = static_cast<int64_t>(*count) * kDayMs;
      }
    }
  }

  const YAML::Node objectives = Child(spec, "objectives");
  if (!objectives.IsSequence() || objectives.size() == 0) {
    r.Error(objectives.IsDefined() ? objectives : spec, "spec.objectives",
            "at least one objective is required");
    return;
  }
  for (size_t i = 0; i < objectives.size(); ++i) {
    const YAML::Node o = objectives[i];
    const std::string op = "spec.objectives[" + std::to_string(i) + "]";
    RuleSlo slo;
    slo.pos = r.Pos(o);
    slo.path = op;
    slo.service = service;
    slo.name = name + "-" + std::to_string(i);
    slo.id = service + "-" + slo.name;
    slo.description = description;
    slo.period_ms = period_ms;
    slo.page.disable = true;  // Sloth generates no alerts for OpenSLO SLOs
    slo.ticket.disable = true;
    if (!o.IsMap()) {
      r.Error(o, op, "must be a mapping");
      continue;
    }
    std::optional<double> target = r.Number(o, "target", op);
    if (!target) {
      if (!Child(o, "target").IsDefined()) r.Error(o, op + ".target", "is required");
    } else if (!(*target > 0) || *target > 1) {
      r.Error(Child(o, "target"), op + ".target",
              "must be greater than 0 and at most 1, got " + FormatGoFloatFixed(*target));
    } else {
      slo.objective = *target * 100;  // OpenSLO targets are ratios, Sloth's objectives percents
    }
    const YAML::Node ratio = o["ratioMetrics"];
    if (!ratio.IsMap()) {
      r.Error(ratio.IsDefined() ? ratio : o, op + ".ratioMetrics",
              "is required: only ratio objectives (good/total) are supported");
      continue;
    }
    std::string queries[2];
    const char* parts[2] = {"good", "total"};
    for (int k = 0; k < 2; ++k) {
      const std::string pp = op + ".ratioMetrics." + parts[k];
      const YAML::Node m = Child(ratio, parts[k]);
      if (!m.IsMap()) {
        r.Error(m.IsDefined() ? m : ratio, pp, "is required");
        continue;
      }
      std::string source = r.String(m, "source", pp).value_or("");
      if (source != "prometheus" && source != "sloth") {
        r.Error(Child(m, "source").IsDefined() ? Child(m, "source") : m, pp + ".source",
                "must be prometheus or sloth, got '" + source + "'");
      }
      std::string type = r.String(m, "queryType", pp).value_or("");
      if (type != "promql") {
        r.Error(Child(m, "queryType").IsDefined() ? Child(m, "queryType") : m, pp + ".queryType",
                "must be promql, got '" + type + "'");
      }
      queries[k] = r.String(m, "query", pp).value_or("");
      r.CheckQuery(Child(m, "query").IsDefined() ? Child(m, "query") : m, pp + ".query", queries[k], false);
    }
    if (!HasWindowTemplate(queries[0]) && !HasWindowTemplate(queries[1])) {
      r.Error(ratio, op + ".ratioMetrics", "the queries must use the {{.window}} template");
    }
    // Sloth's mapping: the good/total ratio turned into an error ratio.
    slo.raw_error_ratio_query = "\n  1 - (\n    (\n      " + queries[0] +
                                "\n    )\n    /\n    (\n      " + queries[1] + "\n    )\n  )\n";
    doc.slos.push_back(std::move(slo));
  }
  if (r.errors() == before) out->push_back(std::move(doc));
}

}  // namespace ballast::rules::internal
