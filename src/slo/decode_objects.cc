// Decoding of metadata and of every kind except SLO (decode_slo.cc).
#include <utility>

#include "slo/decoder.h"

namespace ballast::slo::internal {
namespace {

constexpr size_t kMaxDescription = 1050;

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// The spec's rule for label keys and the name part of annotation keys.
bool IsQualifiedName(std::string_view s) {
  if (s.empty() || s.size() > 63 || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s)
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

bool IsAnnotationKey(std::string_view key) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) return IsQualifiedName(key);
  std::string_view prefix = key.substr(0, slash);
  return NameError(prefix).empty() && IsQualifiedName(key.substr(slash + 1));
}

std::string ReadDescription(MapReader& m) {
  std::string d = m.String("description").value_or("");
  if (d.size() > kMaxDescription)
    m.ctx().Error(m.PosOf("description"), m.Path("description"),
                  "longer than " + std::to_string(kMaxDescription) + " characters");
  return d;
}

void DecodeLabels(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
                  Metadata& md) {
  if (!node.IsMap()) {
    ctx.Error(node, path, "expected a mapping of label names to a string or a list of strings");
    return;
  }
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) {
      ctx.Error(kv.first, path, "label names must be strings");
      continue;
    }
    const std::string& key = kv.first.Scalar();
    std::string key_path = JoinPath(path, key);
    if (!IsQualifiedName(key))
      ctx.Error(kv.first, key_path,
                "invalid label name: at most 63 characters, letters, digits, '-', '_' and '.', "
                "starting and ending with a letter or digit");
    if (md.labels.count(key)) {
      ctx.Error(kv.first, key_path, "duplicate key");
      continue;
    }
    LabelValue value;
    const YAML::Node& v = kv.second;
    if (v.IsSequence()) {
      value.list = true;
      size_t i = 0;
      for (const auto& item : v) {
        if (auto s = ReadString(ctx, item, IndexPath(key_path, i))) value.values.push_back(*s);
        ++i;
      }
    } else if (v.IsScalar()) {
      value.values.push_back(v.Scalar());
    } else {
      ctx.Error(v, key_path, "expected a string or a list of strings");
      continue;
    }
    md.labels.emplace(key, std::move(value));
  }
}

void DecodeAnnotations(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
                       Metadata& md) {
  if (!node.IsMap()) {
    ctx.Error(node, path, "expected a mapping of strings to strings");
    return;
  }
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) {
      ctx.Error(kv.first, path, "annotation keys must be strings");
      continue;
    }
    const std::string& key = kv.first.Scalar();
    std::string key_path = JoinPath(path, key);
    if (!IsAnnotationKey(key))
      ctx.Error(kv.first, key_path,
                "invalid annotation key: an optional DNS-subdomain prefix and '/', then at most "
                "63 letters, digits, '-', '_' or '.'");
    if (md.annotations.count(key)) {
      ctx.Error(kv.first, key_path, "duplicate key");
      continue;
    }
    if (auto s = ReadString(ctx, kv.second, key_path)) md.annotations.emplace(key, *s);
  }
}

std::optional<MetricSource> DecodeMetricSource(DecodeContext& ctx, const YAML::Node& node,
                                               const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.ok()) return std::nullopt;
  MetricSource ms;
  ms.pos = m.pos();
  ms.path = path;
  ms.ref_pos = m.PosOf("metricSourceRef");
  ms.metric_source_ref = m.String("metricSourceRef").value_or("");
  if (!ms.metric_source_ref.empty()) {
    if (std::string err = NameError(ms.metric_source_ref); !err.empty())
      ctx.Error(ms.ref_pos, m.Path("metricSourceRef"), err);
  }
  ms.type = m.String("type").value_or("");
  if (ms.type.empty() && ms.metric_source_ref.empty())
    ctx.Error(m.pos(), m.Path("type"),
              "required field is missing (type may be omitted only with a metricSourceRef)");
  YAML::Node spec = m.Get("spec");
  if (spec.IsDefined()) {
    ms.spec = ToJson(ctx, spec, m.Path("spec"));
    if (spec.IsMap()) {
      for (const auto& kv : spec)
        if (kv.first.IsScalar()) ms.spec_field_pos[kv.first.Scalar()] = ctx.Pos(kv.second);
    }
  }
  m.Finish();
  return ms;
}

// `good:`, `bad:`, `total:` and `raw:` each hold {metricSource: ...}.
std::optional<MetricSource> DecodeMetricHolder(MapReader& parent, std::string_view key) {
  YAML::Node node = parent.Get(key);
  if (!node.IsDefined()) return std::nullopt;
  MapReader m(parent.ctx(), node, parent.Path(key));
  if (!m.ok()) return std::nullopt;
  std::optional<MetricSource> out;
  YAML::Node ms = m.Get("metricSource");
  if (!ms.IsDefined()) {
    parent.ctx().Error(m.pos(), m.Path("metricSource"), "required field is missing");
  } else {
    out = DecodeMetricSource(parent.ctx(), ms, m.Path("metricSource"));
  }
  m.Finish();
  return out;
}

std::optional<RatioMetric> DecodeRatioMetric(DecodeContext& ctx, const YAML::Node& node,
                                             const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.ok()) return std::nullopt;
  RatioMetric r;
  r.counter = m.Bool("counter");
  bool has_good = m.Has("good"), has_bad = m.Has("bad"), has_total = m.Has("total"),
       has_raw = m.Has("raw");
  r.good = DecodeMetricHolder(m, "good");
  r.bad = DecodeMetricHolder(m, "bad");
  r.total = DecodeMetricHolder(m, "total");
  r.raw = DecodeMetricHolder(m, "raw");
  SourcePos raw_type_pos = m.PosOf("rawType");
  r.raw_type = m.String("rawType").value_or("");
  if (has_raw) {
    if (has_good || has_bad || has_total)
      ctx.Error(m.PosOf("raw"), m.Path("raw"),
                "raw cannot be used together with good, bad or total");
    if (r.raw_type.empty())
      ctx.Error(m.pos(), m.Path("rawType"), "required with raw (success or failure)");
  } else {
    if (!has_total)
      ctx.Error(m.pos(), m.Path("total"), "required field is missing (or use raw with rawType)");
    if (has_good && has_bad)
      ctx.Error(m.PosOf("bad"), m.Path("bad"), "good and bad are mutually exclusive: give one");
    if (!has_good && !has_bad)
      ctx.Error(m.pos(), path, "one of good or bad is required with total");
    if (!r.raw_type.empty()) ctx.Error(raw_type_pos, m.Path("rawType"), "only allowed with raw");
  }
  if (!r.raw_type.empty() && r.raw_type != "success" && r.raw_type != "failure")
    ctx.Error(raw_type_pos, m.Path("rawType"),
              "invalid value \"" + r.raw_type + "\": expected success or failure");
  m.Finish();
  return r;
}

std::optional<AlertConditionSpec> DecodeAlertConditionSpec(DecodeContext& ctx,
                                                           const YAML::Node& node,
                                                           const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.ok()) return std::nullopt;
  AlertConditionSpec s;
  s.description = ReadDescription(m);
  s.severity = m.String("severity", true).value_or("");
  YAML::Node cond = m.Get("condition");
  if (!cond.IsDefined()) {
    ctx.Error(m.pos(), m.Path("condition"), "required field is missing");
  } else if (MapReader c(ctx, cond, m.Path("condition")); c.ok()) {
    SourcePos kind_pos = c.PosOf("kind");
    s.condition.kind = c.String("kind").value_or("burnrate");
    if (s.condition.kind != "burnrate")
      ctx.Error(kind_pos, c.Path("kind"),
                "unsupported condition kind \"" + s.condition.kind + "\": expected burnrate");
    s.condition.op = ReadOp(c, "op");
    SourcePos threshold_pos = c.PosOf("threshold");
    s.condition.threshold = c.Number("threshold", true).value_or(0);
    if (c.Has("threshold") && s.condition.threshold <= 0)
      ctx.Error(threshold_pos, c.Path("threshold"), "a burn-rate threshold must be positive");
    if (auto d = c.DurationField("lookbackWindow", true)) s.condition.lookback_window = *d;
    s.condition.alert_after = c.DurationField("alertAfter");
    c.Finish();
  }
  m.Finish();
  return s;
}

std::optional<AlertNotificationTargetSpec> DecodeTargetSpec(DecodeContext& ctx,
                                                            const YAML::Node& node,
                                                            const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.ok()) return std::nullopt;
  AlertNotificationTargetSpec s;
  s.target = m.String("target", true).value_or("");
  s.description = ReadDescription(m);
  m.Finish();
  return s;
}

std::optional<DataSourceSpec> DecodeDataSourceSpec(DecodeContext& ctx, const YAML::Node& node,
                                                   const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.ok()) return std::nullopt;
  DataSourceSpec s;
  s.description = ReadDescription(m);
  s.type = m.String("type", true).value_or("");
  YAML::Node cd = m.Get("connectionDetails");
  if (cd.IsDefined()) s.connection_details = ToJson(ctx, cd, m.Path("connectionDetails"));
  m.Finish();
  return s;
}

std::optional<ServiceSpec> DecodeServiceSpec(DecodeContext& ctx, const YAML::Node& node,
                                             const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.ok()) return std::nullopt;
  ServiceSpec s;
  s.description = ReadDescription(m);
  m.Finish();
  return s;
}

template <typename T>
std::optional<Spec> Wrap(std::optional<T> v) {
  if (!v) return std::nullopt;
  return Spec(std::move(*v));
}

}  // namespace

std::optional<Op> ReadOp(MapReader& m, std::string_view key) {
  SourcePos pos = m.PosOf(key);
  auto text = m.String(key);
  if (!text) return std::nullopt;
  auto op = ParseOp(*text);
  if (!op)
    m.ctx().Error(pos, m.Path(key),
                  "invalid operator \"" + *text + "\": expected lt, lte, gt or gte");
  return op;
}

Metadata DecodeMetadata(MapReader& parent) {
  Metadata md;
  YAML::Node node = parent.Get("metadata");
  DecodeContext& ctx = parent.ctx();
  if (!node.IsDefined()) {
    ctx.Error(parent.pos(), parent.Path("metadata"), "required field is missing");
    return md;
  }
  MapReader m(ctx, node, parent.Path("metadata"));
  if (!m.ok()) return md;
  md.name_pos = m.PosOf("name");
  md.name = m.String("name", true).value_or("");
  if (m.Has("name")) {
    if (std::string err = NameError(md.name); !err.empty())
      ctx.Error(md.name_pos, m.Path("name"), err);
  }
  md.display_name = m.String("displayName").value_or("");
  if (YAML::Node labels = m.Get("labels"); labels.IsDefined())
    DecodeLabels(ctx, labels, m.Path("labels"), md);
  if (YAML::Node ann = m.Get("annotations"); ann.IsDefined())
    DecodeAnnotations(ctx, ann, m.Path("annotations"), md);
  m.Finish();
  return md;
}

std::optional<SliSpec> DecodeSliSpec(DecodeContext& ctx, const YAML::Node& node,
                                     const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.ok()) return std::nullopt;
  SliSpec s;
  s.description = ReadDescription(m);
  bool has_threshold = m.Has("thresholdMetric"), has_ratio = m.Has("ratioMetric");
  if (has_threshold && has_ratio)
    ctx.Error(m.PosOf("ratioMetric"), m.Path("ratioMetric"),
              "thresholdMetric and ratioMetric are mutually exclusive: give one");
  if (!has_threshold && !has_ratio)
    ctx.Error(m.pos(), path, "one of thresholdMetric or ratioMetric is required");
  if (YAML::Node t = m.Get("thresholdMetric"); t.IsDefined()) {
    MapReader tm(ctx, t, m.Path("thresholdMetric"));
    if (tm.ok()) {
      YAML::Node ms = tm.Get("metricSource");
      if (!ms.IsDefined()) {
        ctx.Error(tm.pos(), tm.Path("metricSource"), "required field is missing");
      } else if (auto src = DecodeMetricSource(ctx, ms, tm.Path("metricSource"))) {
        s.threshold_metric = ThresholdMetric{std::move(*src)};
      }
      tm.Finish();
    }
  }
  if (YAML::Node r = m.Get("ratioMetric"); r.IsDefined())
    s.ratio_metric = DecodeRatioMetric(ctx, r, m.Path("ratioMetric"));
  m.Finish();
  return s;
}

std::optional<InlineSli> DecodeInlineSli(DecodeContext& ctx, const YAML::Node& node,
                                         const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.ok()) return std::nullopt;
  InlineSli sli;
  sli.metadata = DecodeMetadata(m);
  YAML::Node spec = m.Get("spec");
  std::optional<SliSpec> decoded;
  if (!spec.IsDefined()) {
    ctx.Error(m.pos(), m.Path("spec"), "required field is missing");
  } else {
    decoded = DecodeSliSpec(ctx, spec, m.Path("spec"));
  }
  m.Finish();
  if (!decoded) return std::nullopt;
  sli.spec = std::move(*decoded);
  return sli;
}

std::optional<AlertPolicySpec> DecodeAlertPolicySpec(DecodeContext& ctx, const YAML::Node& node,
                                                     const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.ok()) return std::nullopt;
  AlertPolicySpec s;
  s.description = ReadDescription(m);
  s.alert_when_no_data = m.Bool("alertWhenNoData");
  s.alert_when_resolved = m.Bool("alertWhenResolved");
  s.alert_when_breaching = m.Bool("alertWhenBreaching");
  YAML::Node conds = m.Get("conditions");
  if (!conds.IsDefined()) {
    ctx.Error(m.pos(), m.Path("conditions"), "required field is missing");
  } else if (!conds.IsSequence()) {
    ctx.Error(conds, m.Path("conditions"), "expected a list");
  } else {
    // The spec allows exactly one condition per policy ("an array for future-proofing").
    if (conds.size() != 1)
      ctx.Error(conds, m.Path("conditions"),
                "must hold exactly one condition (found " + std::to_string(conds.size()) +
                    "); use one AlertPolicy per condition");
    for (size_t i = 0; i < conds.size(); ++i) {
      if (auto c = DecodeRefOrInline<AlertConditionSpec>(
              ctx, conds[i], IndexPath(m.Path("conditions"), i), "conditionRef",
              Kind::kAlertCondition, DecodeAlertConditionSpec))
        s.conditions.push_back(std::move(*c));
    }
  }
  YAML::Node targets = m.Get("notificationTargets");
  if (!targets.IsDefined()) {
    ctx.Error(m.pos(), m.Path("notificationTargets"), "required field is missing");
  } else if (!targets.IsSequence()) {
    ctx.Error(targets, m.Path("notificationTargets"), "expected a list");
  } else {
    for (size_t i = 0; i < targets.size(); ++i) {
      if (auto t = DecodeRefOrInline<AlertNotificationTargetSpec>(
              ctx, targets[i], IndexPath(m.Path("notificationTargets"), i), "targetRef",
              Kind::kAlertNotificationTarget, DecodeTargetSpec))
        s.notification_targets.push_back(std::move(*t));
    }
  }
  m.Finish();
  return s;
}

std::optional<Object> DecodeObject(DecodeContext& ctx, const YAML::Node& node) {
  MapReader m(ctx, node, "");
  if (!m.ok()) return std::nullopt;
  Object obj;
  obj.pos = m.pos();
  SourcePos api_pos = m.PosOf("apiVersion");
  auto api = m.String("apiVersion", true);
  if (!api) return std::nullopt;
  if (*api == "openslo/v1alpha") {
    ctx.Error(api_pos, "apiVersion",
              "openslo/v1alpha is not supported here: v1 expected (openslo/v1); only `ballast "
              "rules prometheus` reads v1alpha");
    return std::nullopt;
  }
  if (*api != kApiVersionV1) {
    ctx.Error(api_pos, "apiVersion",
              "unsupported apiVersion \"" + api->substr(0, 64) + "\": v1 expected (openslo/v1)");
    return std::nullopt;
  }
  obj.api_version = *api;
  SourcePos kind_pos = m.PosOf("kind");
  auto kind_text = m.String("kind", true);
  if (!kind_text) return std::nullopt;
  auto kind = ParseKind(*kind_text);
  if (!kind) {
    ctx.Error(kind_pos, "kind",
              "unknown kind \"" + kind_text->substr(0, 64) +
                  "\": expected Service, SLI, SLO, AlertPolicy, AlertCondition, "
                  "AlertNotificationTarget or DataSource");
    return std::nullopt;
  }
  obj.kind = *kind;
  obj.metadata = DecodeMetadata(m);
  YAML::Node spec = m.Get("spec");
  std::optional<Spec> decoded;
  if (!spec.IsDefined()) {
    if (obj.kind == Kind::kService) {
      decoded = ServiceSpec{};  // a Service's spec has only an optional description
    } else {
      ctx.Error(m.pos(), "spec", "required field is missing");
    }
  } else {
    switch (obj.kind) {
      case Kind::kService:
        decoded = Wrap(DecodeServiceSpec(ctx, spec, "spec"));
        break;
      case Kind::kSli:
        decoded = Wrap(DecodeSliSpec(ctx, spec, "spec"));
        break;
      case Kind::kSlo:
        decoded = Wrap(DecodeSloSpec(ctx, spec, "spec"));
        break;
      case Kind::kAlertPolicy:
        decoded = Wrap(DecodeAlertPolicySpec(ctx, spec, "spec"));
        break;
      case Kind::kAlertCondition:
        decoded = Wrap(DecodeAlertConditionSpec(ctx, spec, "spec"));
        break;
      case Kind::kAlertNotificationTarget:
        decoded = Wrap(DecodeTargetSpec(ctx, spec, "spec"));
        break;
      case Kind::kDataSource:
        decoded = Wrap(DecodeDataSourceSpec(ctx, spec, "spec"));
        break;
    }
  }
  m.Finish();
  if (!decoded) return std::nullopt;
  obj.spec = std::move(*decoded);
  return obj;
}

}  // namespace ballast::slo::internal
