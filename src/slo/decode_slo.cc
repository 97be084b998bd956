// Decoding of SLO specs: time windows (rolling and calendar, with IANA time zones), budgeting
// methods and objectives.
#include <date/tz.h>

#include <sstream>
#include <utility>

#include "slo/decoder.h"

namespace ballast::slo::internal {
namespace {

constexpr int64_t kDayMillis = 24LL * 3600 * 1000;

bool HasUtcOffset(std::string_view s) {
  // An offset follows the seconds: "...:00Z", "...:00+02:00", "...:00.5-05:00".
  if (s.size() < 20) return false;
  std::string_view tail = s.substr(19);
  return tail.find_first_of("Zz+-") != std::string_view::npos;
}

// startTime: the spec's "2022-01-01 12:00:00" (no offset) read in `zone`, or RFC 3339.
std::optional<EpochMillis> ParseStartTime(const std::string& text, const date::time_zone* zone,
                                          std::string* error) {
  if (HasUtcOffset(text)) {
    Result<EpochMillis> t = ParseRfc3339(text);
    if (!t) {
      *error = t.error().message();
      return std::nullopt;
    }
    return *t;
  }
  std::string normalized = text;
  if (normalized.size() > 10 && (normalized[10] == 'T' || normalized[10] == 't'))
    normalized[10] = ' ';
  std::istringstream in(normalized);
  date::local_seconds local;
  in >> date::parse("%Y-%m-%d %H:%M:%S", local);
  if (in.fail() || in.peek() != std::char_traits<char>::eof()) {
    *error = "invalid startTime \"" + text.substr(0, 64) +
             "\": expected \"YYYY-MM-DD hh:mm:ss\" (read in timeZone) or RFC 3339";
    return std::nullopt;
  }
  if (zone == nullptr) return std::nullopt;  // the time zone error is reported already
  auto sys = zone->to_sys(local, date::choose::earliest);
  return std::chrono::duration_cast<std::chrono::milliseconds>(sys.time_since_epoch()).count();
}

std::optional<Calendar> DecodeCalendar(DecodeContext& ctx, const YAML::Node& node,
                                       const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.ok()) return std::nullopt;
  Calendar cal;
  SourcePos start_pos = m.PosOf("startTime");
  SourcePos zone_pos = m.PosOf("timeZone");
  cal.start_time = m.String("startTime", true).value_or("");
  cal.time_zone = m.String("timeZone", true).value_or("");
  const date::time_zone* zone = nullptr;
  if (m.Has("timeZone")) {
    try {
      zone = date::locate_zone(cal.time_zone);
    } catch (const std::exception& e) {
      ctx.Error(zone_pos, m.Path("timeZone"),
                "unknown time zone \"" + cal.time_zone.substr(0, 64) +
                    "\": expected an IANA name such as Europe/Paris or UTC");
    }
  }
  if (m.Has("startTime")) {
    std::string error;
    if (auto t = ParseStartTime(cal.start_time, zone, &error)) {
      cal.start = *t;
    } else if (!error.empty()) {
      ctx.Error(start_pos, m.Path("startTime"), error);
    }
  }
  m.Finish();
  return cal;
}

std::optional<TimeWindow> DecodeTimeWindow(DecodeContext& ctx, const YAML::Node& node,
                                           const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.ok()) return std::nullopt;
  TimeWindow w;
  auto duration = m.DurationField("duration", true);
  if (duration) w.duration = *duration;
  SourcePos rolling_pos = m.PosOf("isRolling");
  w.is_rolling = m.Bool("isRolling");
  if (YAML::Node cal = m.Get("calendar"); cal.IsDefined())
    w.calendar = DecodeCalendar(ctx, cal, m.Path("calendar"));
  bool has_calendar = m.Has("calendar");
  if (w.is_rolling.value_or(false) && has_calendar)
    ctx.Error(rolling_pos, m.Path("isRolling"),
              "a rolling window has no calendar: set isRolling: false or remove calendar");
  if (w.is_rolling.has_value() && !*w.is_rolling && !has_calendar)
    ctx.Error(m.pos(), m.Path("calendar"), "required when isRolling is false");
  if (duration && has_calendar && duration->ApproxMillis() < kDayMillis)
    ctx.Warning(m.node()["duration"], m.Path("duration"),
                "a calendar window of " + DurationText(*duration) +
                    " is unusually short (less than a day); did you mean " +
                    std::to_string(duration->count) + "M (months)?");
  m.Finish();
  return w;
}

// timeSliceWindow: a duration shorthand or a bare number of minutes (the spec's default unit).
std::optional<Duration> ReadSliceWindow(MapReader& m, bool* is_number) {
  YAML::Node v = m.Get("timeSliceWindow");
  if (!v.IsDefined()) return std::nullopt;
  if (v.IsScalar() && v.Tag() != "!" && !v.Scalar().empty() &&
      v.Scalar().find_first_not_of("0123456789") == std::string::npos) {
    *is_number = true;
    auto minutes = ReadNumber(m.ctx(), v, m.Path("timeSliceWindow"));
    if (!minutes) return std::nullopt;
    if (*minutes <= 0 || *minutes > 1e6) {
      m.ctx().Error(v, m.Path("timeSliceWindow"), "must be a positive number of minutes");
      return std::nullopt;
    }
    return Duration{static_cast<int64_t>(*minutes), DurationUnit::kMinute};
  }
  return ReadDuration(m.ctx(), v, m.Path("timeSliceWindow"));
}

std::optional<Objective> DecodeObjective(DecodeContext& ctx, const YAML::Node& node,
                                         const std::string& path, const SloSpec& slo,
                                         bool method_known, const std::optional<Duration>& window) {
  MapReader m(ctx, node, path);
  if (!m.ok()) return std::nullopt;
  Objective o;
  o.pos = m.pos();
  o.display_name = m.String("displayName").value_or("");
  o.op_pos = m.PosOf("op");
  o.op = ReadOp(m, "op");
  o.value_pos = m.PosOf("value");
  o.value = m.Number("value");

  SourcePos target_pos = m.PosOf("target"), percent_pos = m.PosOf("targetPercent");
  o.target = m.Number("target");
  o.target_percent = m.Number("targetPercent");
  if (o.target && o.target_percent) {
    ctx.Error(percent_pos, m.Path("targetPercent"),
              "target and targetPercent are mutually exclusive: give one");
  } else if (!m.Has("target") && !m.Has("targetPercent")) {
    ctx.Error(m.pos(), m.Path("target"), "one of target or targetPercent is required");
  }
  if (o.target) {
    if (*o.target >= 1) ctx.Error(target_pos, m.Path("target"), "must be less than 1");
    if (*o.target <= 0) ctx.Error(target_pos, m.Path("target"), "must be greater than 0");
  }
  if (o.target_percent) {
    if (*o.target_percent >= 100)
      ctx.Error(percent_pos, m.Path("targetPercent"), "must be less than 100");
    if (*o.target_percent <= 0)
      ctx.Error(percent_pos, m.Path("targetPercent"), "must be greater than 0");
  }

  o.time_slice_target_pos = m.PosOf("timeSliceTarget");
  o.time_slice_target = m.Number("timeSliceTarget");
  if (o.time_slice_target && (*o.time_slice_target <= 0 || *o.time_slice_target > 1))
    ctx.Error(o.time_slice_target_pos, m.Path("timeSliceTarget"),
              "must be greater than 0 and at most 1");
  SourcePos slice_pos = m.PosOf("timeSliceWindow");
  o.time_slice_window = ReadSliceWindow(m, &o.time_slice_window_is_number);

  bool timeslices = slo.budgeting_method != BudgetingMethod::kOccurrences;
  if (method_known && timeslices && !m.Has("timeSliceWindow"))
    ctx.Error(
        m.pos(), m.Path("timeSliceWindow"),
        "required with budgetingMethod " + std::string(BudgetingMethodName(slo.budgeting_method)));
  if (method_known && !timeslices) {
    if (m.Has("timeSliceWindow"))
      ctx.diags().Warning(slice_pos, m.Path("timeSliceWindow"),
                          "ignored with budgetingMethod Occurrences");
    if (m.Has("timeSliceTarget"))
      ctx.diags().Warning(o.time_slice_target_pos, m.Path("timeSliceTarget"),
                          "ignored with budgetingMethod Occurrences");
  }
  if (o.time_slice_window && window && window->ApproxMillis() < o.time_slice_window->ApproxMillis())
    ctx.Error(slice_pos, m.Path("timeSliceWindow"),
              "the time slice " + DurationText(*o.time_slice_window) +
                  " is longer than the SLO's time window " + DurationText(*window));

  o.indicator_ref_pos = m.PosOf("indicatorRef");
  o.indicator_ref = m.String("indicatorRef").value_or("");
  if (YAML::Node ind = m.Get("indicator"); ind.IsDefined())
    o.indicator = DecodeInlineSli(ctx, ind, m.Path("indicator"));
  bool own_indicator = m.Has("indicator") || m.Has("indicatorRef");
  bool slo_indicator = slo.indicator.has_value() || !slo.indicator_ref.empty();
  if (m.Has("indicator") && m.Has("indicatorRef"))
    ctx.Error(o.indicator_ref_pos, m.Path("indicatorRef"),
              "indicator and indicatorRef are mutually exclusive: give one");
  if (own_indicator && slo_indicator)
    ctx.Error(
        m.Has("indicator") ? m.PosOf("indicator") : o.indicator_ref_pos, path,
        "the SLO already has an indicator: give it on the SLO or on every objective, not both");
  if (!own_indicator && !slo_indicator)
    ctx.Error(m.pos(), path,
              "no indicator: give spec.indicator or spec.indicatorRef (or one on every objective)");
  if (!o.indicator_ref.empty()) {
    if (std::string err = NameError(o.indicator_ref); !err.empty())
      ctx.Error(o.indicator_ref_pos, m.Path("indicatorRef"), err);
  }
  SourcePos weight_pos = m.PosOf("compositeWeight");
  o.composite_weight = m.Number("compositeWeight");
  if (o.composite_weight && *o.composite_weight <= 0)
    ctx.Error(weight_pos, m.Path("compositeWeight"), "must be greater than 0");
  m.Finish();
  return o;
}

}  // namespace

std::optional<SloSpec> DecodeSloSpec(DecodeContext& ctx, const YAML::Node& node,
                                     const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.ok()) return std::nullopt;
  SloSpec s;
  s.description = m.String("description").value_or("");
  if (s.description.size() > 1050)
    ctx.Error(m.PosOf("description"), m.Path("description"), "longer than 1050 characters");
  s.service_pos = m.PosOf("service");
  s.service = m.String("service", true).value_or("");
  if (m.Has("service")) {
    if (std::string err = NameError(s.service); !err.empty())
      ctx.Error(s.service_pos, m.Path("service"), err);
  }

  s.indicator_ref_pos = m.PosOf("indicatorRef");
  s.indicator_ref = m.String("indicatorRef").value_or("");
  if (!s.indicator_ref.empty()) {
    if (std::string err = NameError(s.indicator_ref); !err.empty())
      ctx.Error(s.indicator_ref_pos, m.Path("indicatorRef"), err);
  }
  if (YAML::Node ind = m.Get("indicator"); ind.IsDefined())
    s.indicator = DecodeInlineSli(ctx, ind, m.Path("indicator"));
  if (m.Has("indicator") && m.Has("indicatorRef"))
    ctx.Error(s.indicator_ref_pos, m.Path("indicatorRef"),
              "indicator and indicatorRef are mutually exclusive: give one");

  std::optional<Duration> window;
  if (YAML::Node tw = m.Get("timeWindow"); tw.IsDefined()) {
    if (!tw.IsSequence()) {
      ctx.Error(tw, m.Path("timeWindow"), "expected a list with exactly one time window");
    } else {
      if (tw.size() != 1)
        ctx.Error(tw, m.Path("timeWindow"),
                  "must hold exactly one time window (found " + std::to_string(tw.size()) + ")");
      for (size_t i = 0; i < tw.size(); ++i) {
        if (auto w = DecodeTimeWindow(ctx, tw[i], IndexPath(m.Path("timeWindow"), i))) {
          if (!window && w->duration.count > 0) window = w->duration;
          s.time_window.push_back(std::move(*w));
        }
      }
    }
  } else {
    ctx.diags().Warning(m.pos(), m.Path("timeWindow"),
                        "no time window: ballast evaluates this SLO over a rolling 30d window");
  }

  SourcePos method_pos = m.PosOf("budgetingMethod");
  bool method_known = false;
  if (auto method = m.String("budgetingMethod", true)) {
    if (auto bm = ParseBudgetingMethod(*method)) {
      s.budgeting_method = *bm;
      method_known = true;
    } else {
      ctx.Error(method_pos, m.Path("budgetingMethod"),
                "invalid value \"" + method->substr(0, 64) +
                    "\": expected Occurrences, Timeslices or RatioTimeslices");
    }
  }

  YAML::Node objectives = m.Get("objectives");
  if (!objectives.IsDefined()) {
    ctx.Error(m.pos(), m.Path("objectives"), "required field is missing");
  } else if (!objectives.IsSequence() || objectives.size() == 0) {
    ctx.Error(objectives, m.Path("objectives"), "expected a list of at least one objective");
  } else {
    for (size_t i = 0; i < objectives.size(); ++i) {
      if (auto o = DecodeObjective(ctx, objectives[i], IndexPath(m.Path("objectives"), i), s,
                                   method_known, window))
        s.objectives.push_back(std::move(*o));
    }
  }

  if (YAML::Node policies = m.Get("alertPolicies"); policies.IsDefined()) {
    if (!policies.IsSequence()) {
      ctx.Error(policies, m.Path("alertPolicies"), "expected a list");
    } else {
      for (size_t i = 0; i < policies.size(); ++i) {
        if (auto p = DecodeRefOrInline<AlertPolicySpec>(
                ctx, policies[i], IndexPath(m.Path("alertPolicies"), i), "alertPolicyRef",
                Kind::kAlertPolicy, DecodeAlertPolicySpec))
          s.alert_policies.push_back(std::move(*p));
      }
    }
  }
  m.Finish();
  return s;
}

}  // namespace ballast::slo::internal
