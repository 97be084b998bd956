#include "slo/model.h"

#include <array>

namespace ballast::slo {
namespace {

constexpr std::array<std::string_view, kKindCount> kKindNames = {
    "Service",   "SLI", "SLO", "AlertPolicy", "AlertCondition", "AlertNotificationTarget",
    "DataSource"};
constexpr std::array<std::string_view, 4> kOpNames = {"lt", "lte", "gt", "gte"};
constexpr std::array<std::string_view, 3> kMethodNames = {"Occurrences", "Timeslices",
                                                          "RatioTimeslices"};

}  // namespace

std::string_view KindName(Kind kind) { return kKindNames[static_cast<int>(kind)]; }

std::optional<Kind> ParseKind(std::string_view name) {
  for (int i = 0; i < kKindCount; ++i)
    if (kKindNames[i] == name) return static_cast<Kind>(i);
  return std::nullopt;
}

std::string_view OpName(Op op) { return kOpNames[static_cast<int>(op)]; }

std::optional<Op> ParseOp(std::string_view name) {
  for (size_t i = 0; i < kOpNames.size(); ++i)
    if (kOpNames[i] == name) return static_cast<Op>(i);
  return std::nullopt;
}

bool Compare(double lhs, Op op, double rhs) {
  switch (op) {
    case Op::kLt:
      return lhs < rhs;
    case Op::kLte:
      return lhs <= rhs;
    case Op::kGt:
      return lhs > rhs;
    case Op::kGte:
      return lhs >= rhs;
  }
  return false;
}

std::string_view BudgetingMethodName(BudgetingMethod m) {
  return kMethodNames[static_cast<int>(m)];
}

std::optional<BudgetingMethod> ParseBudgetingMethod(std::string_view name) {
  for (size_t i = 0; i < kMethodNames.size(); ++i)
    if (kMethodNames[i] == name) return static_cast<BudgetingMethod>(i);
  return std::nullopt;
}

std::string DurationText(const Duration& d) {
  static constexpr std::array<char, 9> kUnits = {'?', 's', 'm', 'h', 'd', 'w', 'M', 'Q', 'Y'};
  if (d.unit == DurationUnit::kMillisecond) return d.ToString();
  return std::to_string(d.count) + kUnits[static_cast<int>(d.unit)];
}

TimeWindow EffectiveTimeWindow(const SloSpec& slo) {
  if (!slo.time_window.empty()) return slo.time_window.front();
  TimeWindow w;
  w.duration = Duration{30, DurationUnit::kDay};
  w.is_rolling = true;
  return w;
}

std::string DescribeObject(const Object& object) {
  std::string out(KindName(object.kind));
  out += ' ';
  out += object.metadata.name.empty() ? "<unnamed>" : object.metadata.name;
  return out;
}

}  // namespace ballast::slo
