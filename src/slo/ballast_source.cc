#include "slo/ballast_source.h"

#include <array>
#include <cmath>

#include "slo/catalog.h"
#include "telemetry/event_record.h"

namespace ballast::slo {
namespace {

constexpr std::array<std::string_view, 8> kAggregateNames = {"",    "p50", "p90", "p95",
                                                             "p99", "avg", "max", "sum"};

const expr::Schema& SchemaFor(EventKind k) {
  return k == EventKind::kRequests ? telemetry::RequestEventSchema()
                                   : telemetry::EvaluationEventSchema();
}

std::string_view RoleName(SourceRole role) {
  switch (role) {
    case SourceRole::kThreshold:
      return "thresholdMetric";
    case SourceRole::kTotal:
      return "total";
    case SourceRole::kGood:
      return "good";
    case SourceRole::kBad:
      return "bad";
  }
  return "";
}

// The first error of a scratch Diagnostics as a Status.
Status FirstError(const Diagnostics& d) {
  for (const Diagnostic& item : d.items())
    if (item.severity == Severity::kError)
      return Status::InvalidArgument(item.ToString(), item.path);
  return Status::InvalidArgument("invalid ballast metric source");
}

}  // namespace

bool IsBallastType(std::string_view type) {
  constexpr std::string_view kName = "ballast";
  if (type.size() != kName.size()) return false;
  for (size_t i = 0; i < type.size(); ++i) {
    char c = type[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kName[i]) return false;
  }
  return true;
}

std::string_view EventKindName(EventKind k) {
  return k == EventKind::kRequests ? "requests" : "evaluations";
}

std::string_view AggregateName(Aggregate a) { return kAggregateNames[static_cast<int>(a)]; }

double AggregateQuantile(Aggregate a) {
  switch (a) {
    case Aggregate::kP50:
      return 0.5;
    case Aggregate::kP90:
      return 0.9;
    case Aggregate::kP95:
      return 0.95;
    case Aggregate::kP99:
      return 0.99;
    default:
      return 0;
  }
}

std::optional<BallastQuery> ParseBallastQuery(const MetricSource& source, SourceRole role,
                                              Diagnostics* diags, EventKind default_events) {
  size_t errors_before = diags->error_count();
  std::string spec_path = source.path + ".spec";
  auto pos_of = [&](const std::string& key) {
    auto it = source.spec_field_pos.find(key);
    return it != source.spec_field_pos.end() ? it->second : source.pos;
  };
  auto path_of = [&](const std::string& key) { return spec_path + "." + key; };
  BallastQuery q;
  q.events = default_events;
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json& spec = source.spec ? *source.spec : kEmpty;
  if (!spec.is_object()) {
    diags->Error(source.pos, spec_path, "expected a mapping with events, where, field, aggregate");
    return std::nullopt;
  }
  auto string_field = [&](const char* key, std::string* out) {
    auto it = spec.find(key);
    if (it == spec.end() || it->is_null()) return false;
    if (!it->is_string()) {
      diags->Error(pos_of(key), path_of(key), "expected a string");
      return false;
    }
    *out = it->get<std::string>();
    return true;
  };
  for (const auto& [key, value] : spec.items()) {
    if (key != "events" && key != "where" && key != "field" && key != "aggregate")
      diags->Error(pos_of(key), path_of(key),
                   "unknown field of the ballast data source (expected events, where, field, "
                   "aggregate)");
  }
  std::string events;
  if (string_field("events", &events)) {
    if (events == "requests") {
      q.events = EventKind::kRequests;
    } else if (events == "evaluations") {
      q.events = EventKind::kEvaluations;
    } else {
      diags->Error(
          pos_of("events"), path_of("events"),
          "invalid value \"" + events.substr(0, 64) + "\": expected requests or evaluations");
    }
  }
  const expr::Schema& schema = SchemaFor(q.events);
  if (string_field("where", &q.where)) {
    Result<expr::Predicate> p = expr::Compile(q.where, schema);
    if (p) {
      q.predicate = *p;
    } else {
      diags->Error(
          pos_of("where"), path_of("where"),
          "invalid filter on " + std::string(EventKindName(q.events)) + ": " + p.error().message());
    }
  }
  bool has_field = string_field("field", &q.field);
  if (has_field && role != SourceRole::kThreshold) {
    diags->Error(pos_of("field"), path_of("field"),
                 "only for a thresholdMetric (a ratioMetric's " + std::string(RoleName(role)) +
                     " counts events)");
  } else if (has_field) {
    expr::FieldPath fp;
    // Dotted paths (scores.quality) resolve through the schema's map entries.
    size_t start = 0;
    while (true) {
      size_t dot = q.field.find('.', start);
      fp.segments.push_back(q.field.substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    Result<expr::Schema::Resolved> r = schema.Resolve(fp);
    if (!r) {
      diags->Error(pos_of("field"), path_of("field"), r.error().message());
    } else if (r->type != expr::ValueType::kNumber) {
      diags->Error(pos_of("field"), path_of("field"),
                   "\"" + q.field + "\" is not a number field of " +
                       std::string(EventKindName(q.events)) + " (it is " +
                       std::string(expr::ValueTypeName(r->type)) + ")");
    } else {
      q.field_slot = *r;
    }
  } else if (role == SourceRole::kThreshold) {
    diags->Error(source.pos, path_of("field"),
                 "required for a thresholdMetric: the number field compared with the objective's "
                 "op and value (e.g. latency_ms)");
  }
  std::string aggregate;
  if (string_field("aggregate", &aggregate)) {
    bool found = false;
    for (size_t i = 1; i < kAggregateNames.size(); ++i) {
      if (kAggregateNames[i] == aggregate) {
        q.aggregate = static_cast<Aggregate>(i);
        found = true;
      }
    }
    if (!found)
      diags->Error(pos_of("aggregate"), path_of("aggregate"),
                   "invalid value \"" + aggregate.substr(0, 64) +
                       "\": expected p50, p90, p95, p99, avg, max or sum");
    if (role != SourceRole::kThreshold)
      diags->Error(pos_of("aggregate"), path_of("aggregate"), "only for a thresholdMetric");
  }
  if (diags->error_count() > errors_before) return std::nullopt;
  return q;
}

Verdict CompiledSli::Classify(const expr::Record& record) const {
  switch (mode_) {
    case Mode::kRatioGood:
      if (!total_.Evaluate(record)) return Verdict::kNotCounted;
      return numerator_.Evaluate(record) ? Verdict::kGood : Verdict::kBad;
    case Mode::kRatioBad:
      if (!total_.Evaluate(record)) return Verdict::kNotCounted;
      return numerator_.Evaluate(record) ? Verdict::kBad : Verdict::kGood;
    case Mode::kThreshold: {
      std::optional<double> v = Sample(record);
      if (!v) return Verdict::kNotCounted;
      return Compare(*v, op_, value_) ? Verdict::kGood : Verdict::kBad;
    }
    case Mode::kAggregate:
      return Sample(record) ? Verdict::kGood : Verdict::kNotCounted;
  }
  return Verdict::kNotCounted;
}

std::optional<double> CompiledSli::Sample(const expr::Record& record) const {
  if (mode_ != Mode::kThreshold && mode_ != Mode::kAggregate) return std::nullopt;
  if (!total_.Evaluate(record)) return std::nullopt;
  return Field(record);
}

std::optional<double> CompiledSli::Field(const expr::Record& record) const {
  expr::FieldValue f = record.Get(field_.slot, field_.key);
  if (f.kind != expr::FieldValue::Kind::kNumber || std::isnan(f.number)) return std::nullopt;
  return f.number;
}

Result<CompiledSli> CompileSli(const Catalog& catalog, const SliSpec& sli,
                               const Objective& objective, BudgetingMethod method) {
  auto check_type = [&](const MetricSource& ms) -> Status {
    std::string type = catalog.EffectiveType(ms);
    if (IsBallastType(type)) return Status::Ok();
    return Status::InvalidArgument(
        ms.path + ": data source type \"" + type +
            "\" cannot be evaluated by ballast (only type ballast); `ballast rules prometheus` "
            "handles Prometheus SLIs",
        ms.path);
  };
  CompiledSli out;
  Diagnostics scratch;
  if (sli.threshold_metric) {
    const MetricSource& ms = sli.threshold_metric->metric_source;
    BALLAST_RETURN_IF_ERROR(check_type(ms));
    auto q = ParseBallastQuery(ms, SourceRole::kThreshold, &scratch);
    if (!q) return FirstError(scratch);
    if (!objective.op || !objective.value)
      return Status::InvalidArgument("a thresholdMetric objective needs op and value", "op");
    out.events_ = q->events;
    out.total_ = q->predicate;
    out.total_text_ = q->where;
    out.field_ = q->field_slot;
    out.field_name_ = q->field;
    out.op_ = *objective.op;
    out.value_ = *objective.value;
    out.aggregate_ = q->aggregate;
    if (q->aggregate != Aggregate::kNone) {
      if (method != BudgetingMethod::kTimeslices)
        return Status::InvalidArgument("aggregate needs budgetingMethod Timeslices", "aggregate");
      out.mode_ = CompiledSli::Mode::kAggregate;
    } else {
      out.mode_ = CompiledSli::Mode::kThreshold;
    }
    return out;
  }
  if (!sli.ratio_metric) return Status::InvalidArgument("the SLI has no metric");
  const RatioMetric& r = sli.ratio_metric.value();
  if (r.raw)
    return Status::InvalidArgument("raw ratios are not supported by the ballast data source",
                                   "raw");
  if (!r.total || (!r.good && !r.bad))
    return Status::InvalidArgument("a ratioMetric needs total and good or bad");
  BALLAST_RETURN_IF_ERROR(check_type(*r.total));
  auto total = ParseBallastQuery(*r.total, SourceRole::kTotal, &scratch);
  if (!total) return FirstError(scratch);
  const MetricSource& num_source = r.good ? *r.good : *r.bad;
  BALLAST_RETURN_IF_ERROR(check_type(num_source));
  auto num = ParseBallastQuery(num_source, r.good ? SourceRole::kGood : SourceRole::kBad, &scratch,
                               total->events);
  if (!num) return FirstError(scratch);
  if (num->events != total->events)
    return Status::InvalidArgument("good/bad must count the same events as total", "events");
  out.mode_ = r.good ? CompiledSli::Mode::kRatioGood : CompiledSli::Mode::kRatioBad;
  out.events_ = total->events;
  out.total_ = total->predicate;
  out.total_text_ = total->where;
  out.numerator_ = num->predicate;
  out.numerator_text_ = num->where;
  return out;
}

Result<CompiledSli> CompileObjective(const Catalog& catalog, const Object& slo, size_t index) {
  if (slo.kind != Kind::kSlo)
    return Status::InvalidArgument(DescribeObject(slo) + " is not an SLO");
  const SloSpec& spec = slo.As<SloSpec>();
  if (index >= spec.objectives.size())
    return Status::InvalidArgument(DescribeObject(slo) + " has no objective " +
                                   std::to_string(index));
  const Objective& o = spec.objectives[index];
  const SliSpec* sli = catalog.IndicatorFor(spec, o);
  if (sli == nullptr)
    return Status::InvalidArgument(DescribeObject(slo) + ": its indicator is not defined");
  Result<CompiledSli> c = CompileSli(catalog, *sli, o, spec.budgeting_method);
  if (!c) return c.error().WithContext(DescribeObject(slo));
  return c;
}

}  // namespace ballast::slo
