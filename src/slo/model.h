// The in-memory model of OpenSLO v1 (https://github.com/OpenSLO/OpenSLO): the seven kinds
// Service, SLI, SLO, AlertPolicy, AlertCondition, AlertNotificationTarget and DataSource.
//
// The model keeps what was written, not a normalised form: an optional field that was absent
// stays absent (std::optional / empty string), so that ToJson (object_json.h) gives back the
// document's content and re-applying the same file compares equal. Derived values (the effective
// target, the calendar start in UTC) are computed by the decoder and the accessors below.
//
// Positions (SourcePos) are kept on the fields that cross-object validation reports on: every
// reference and each object's start. They are not part of an object's content (equality and
// hashes ignore them).
//
// Objects are produced by the loader (loader.h), which also validates them; a model value built
// in code is not validated until passed to Validate (validator.h).
//
// Thread safety: plain values.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/diagnostics.h"
#include "common/dns_name.h"
#include "common/time.h"

namespace ballast::slo {

// Diagnostics are the shared type of common/diagnostics.h; these keep the slo:: spelling for
// callers outside src/slo (server/slo_handlers.cc).
using ballast::Diagnostic;
using ballast::Diagnostics;
using ballast::Severity;
using ballast::SourcePos;

inline constexpr std::string_view kApiVersionV1 = "openslo/v1";

enum class Kind {
  kService,
  kSli,
  kSlo,
  kAlertPolicy,
  kAlertCondition,
  kAlertNotificationTarget,
  kDataSource,
};
inline constexpr int kKindCount = 7;

// "SLO", "AlertPolicy", ... as written in documents.
std::string_view KindName(Kind kind);
// Exact, case-sensitive match of KindName; nullopt for anything else.
std::optional<Kind> ParseKind(std::string_view name);

// A label value is a string or a list of strings (OpenSLO allows both). `list` records which
// form was written so that the object converts back to the same JSON.
struct LabelValue {
  std::vector<std::string> values;
  bool list = false;
  friend bool operator==(const LabelValue&, const LabelValue&) = default;
};

struct Metadata {
  std::string name;
  std::string display_name;
  std::map<std::string, LabelValue> labels;
  std::map<std::string, std::string> annotations;
  SourcePos name_pos;
};

// Comparison operators of objectives and alert conditions.
enum class Op { kLt, kLte, kGt, kGte };
std::string_view OpName(Op op);  // "lt", "lte", "gt", "gte"
std::optional<Op> ParseOp(std::string_view name);
// `lhs op rhs`.
bool Compare(double lhs, Op op, double rhs);

// A metric source as written. `spec` is free-form (each data source type defines its own
// fields); spec_field_pos maps each top-level key of spec to where it was written, so the ballast
// source compiler can point at `where:` or `field:`.
struct MetricSource {
  std::string metric_source_ref;  // a DataSource name; may be empty
  std::string type;               // may be empty when metric_source_ref names a DataSource
  std::optional<nlohmann::json> spec;
  SourcePos pos;      // of the metricSource mapping
  SourcePos ref_pos;  // of metricSourceRef
  std::string path;   // field path of the metricSource: "spec.ratioMetric.good.metricSource"
  std::map<std::string, SourcePos> spec_field_pos;
};

struct RatioMetric {
  std::optional<bool> counter;
  std::optional<MetricSource> good;
  std::optional<MetricSource> bad;
  std::optional<MetricSource> total;
  std::optional<MetricSource> raw;
  std::string raw_type;  // "success" | "failure", only with raw
};

struct ThresholdMetric {
  MetricSource metric_source;
};

struct SliSpec {
  std::string description;
  std::optional<ThresholdMetric> threshold_metric;
  std::optional<RatioMetric> ratio_metric;
};

// An SLI written inside an SLO or an objective (metadata + spec, no apiVersion/kind).
struct InlineSli {
  Metadata metadata;
  SliSpec spec;
};

struct Calendar {
  std::string start_time;  // as written: "2022-01-01 12:00:00" or RFC 3339
  std::string time_zone;   // IANA name
  EpochMillis start = 0;   // start_time read in time_zone (or its own offset), in UTC
};

struct TimeWindow {
  Duration duration;
  std::optional<bool> is_rolling;
  std::optional<Calendar> calendar;

  // isRolling when written; otherwise rolling unless a calendar is given (the spec's default).
  bool Rolling() const { return is_rolling.value_or(!calendar.has_value()); }
};

enum class BudgetingMethod { kOccurrences, kTimeslices, kRatioTimeslices };
std::string_view BudgetingMethodName(BudgetingMethod m);
std::optional<BudgetingMethod> ParseBudgetingMethod(std::string_view name);

struct Objective {
  std::string display_name;
  std::optional<Op> op;
  std::optional<double> value;
  std::optional<double> target;          // (0, 1)
  std::optional<double> target_percent;  // (0, 100)
  std::optional<double> time_slice_target;
  std::optional<Duration> time_slice_window;
  // timeSliceWindow written as a bare number (minutes, per the spec): kept to convert back.
  bool time_slice_window_is_number = false;
  std::optional<InlineSli> indicator;  // composite SLOs: per-objective indicators
  std::string indicator_ref;
  SourcePos indicator_ref_pos;
  std::optional<double> composite_weight;
  SourcePos pos;  // of the objective's mapping
  SourcePos op_pos;
  SourcePos value_pos;
  SourcePos time_slice_target_pos;

  // target, or targetPercent / 100. Only meaningful on a validated objective.
  double Target() const { return target ? *target : target_percent.value_or(0) / 100.0; }
};

struct AlertConditionSpec {
  std::string description;
  std::string severity;
  struct Condition {
    std::string kind;  // "burnrate"
    std::optional<Op> op;
    double threshold = 0;
    Duration lookback_window;
    std::optional<Duration> alert_after;
  } condition;
};

struct AlertNotificationTargetSpec {
  std::string target;
  std::string description;
};

// A list entry that is either a reference (`conditionRef: x`) or an inline object.
template <typename Spec>
struct RefOrInline {
  std::string ref;
  SourcePos ref_pos;
  // Inline: metadata and spec (the inline form also carries `kind`, checked by the decoder).
  std::optional<Metadata> metadata;
  std::optional<Spec> spec;

  bool is_ref() const { return !spec.has_value(); }
};

struct AlertPolicySpec {
  std::string description;
  std::optional<bool> alert_when_no_data;
  std::optional<bool> alert_when_resolved;
  std::optional<bool> alert_when_breaching;
  std::vector<RefOrInline<AlertConditionSpec>> conditions;
  std::vector<RefOrInline<AlertNotificationTargetSpec>> notification_targets;
};

struct SloSpec {
  std::string description;
  std::string service;
  SourcePos service_pos;
  std::optional<InlineSli> indicator;
  std::string indicator_ref;
  SourcePos indicator_ref_pos;
  // The spec's list of exactly one item; empty when the document has no timeWindow.
  std::vector<TimeWindow> time_window;
  BudgetingMethod budgeting_method = BudgetingMethod::kOccurrences;
  std::vector<Objective> objectives;
  std::vector<RefOrInline<AlertPolicySpec>> alert_policies;
};

// The window an SLO is evaluated over: its timeWindow, or a rolling 30 days when it has none
// (the loader warns about that).
TimeWindow EffectiveTimeWindow(const SloSpec& slo);

struct ServiceSpec {
  std::string description;
};

struct DataSourceSpec {
  std::string description;
  std::string type;
  std::optional<nlohmann::json> connection_details;
};

using Spec = std::variant<ServiceSpec, SliSpec, SloSpec, AlertPolicySpec, AlertConditionSpec,
                          AlertNotificationTargetSpec, DataSourceSpec>;

// One top-level object. The alternative held by `spec` always matches `kind`.
struct Object {
  std::string api_version{kApiVersionV1};
  Kind kind = Kind::kService;
  Metadata metadata;
  Spec spec;
  SourcePos pos;  // where the object starts

  template <typename T>
  const T& As() const {
    return std::get<T>(spec);
  }
  template <typename T>
  T& As() {
    return std::get<T>(spec);
  }
};

// A duration as written: "28d" stays "28d" (Duration::ToString would say "4w"); compound forms
// such as "1h30m", kept in milliseconds by ParseDuration, use Duration::ToString.
std::string DurationText(const Duration& d);

// "SLO chat-availability": how messages name an object.
std::string DescribeObject(const Object& object);

}  // namespace ballast::slo

namespace ballast::slo {

// Empty when `name` is a valid object name, otherwise why not. Names follow DNS-1123
// subdomains (the spec's RFC 1123 rule, extended with '.' as the spec encourages; see
// common/dns_name.h): lowercase letters, digits, '-' and '.', starting and ending with a letter
// or digit, each dot-separated part at most 63 characters, at most 253 in all.
inline std::string NameError(std::string_view name) { return DnsNameError(name); }

}  // namespace ballast::slo
