#include "slo/alerts.h"

#include <cmath>
#include <cstdio>
#include <set>
#include <utility>

#include "common/sha256.h"
#include "common/time.h"

namespace ballast::slo {
namespace {

constexpr EpochMillis kMaxAlertTime = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

// "14.9", "2", "0.05": at most `decimals` decimals, trailing zeros dropped.
std::string Number(double v, int decimals = 1) {
  if (!std::isfinite(v)) return "∞";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

// A span for people: "2d", "7.5h", "48m", "30s".
std::string HumanSpan(double ms) {
  struct Unit {
    double ms;
    const char* suffix;
  };
  for (Unit u :
       {Unit{kMillisPerDay, "d"}, Unit{kMillisPerHour, "h"}, Unit{kMillisPerMinute, "m"}}) {
    if (ms >= u.ms) return Number(ms / u.ms) + u.suffix;
  }
  return Number(ms / 1000, 0) + "s";
}

std::string Percent(double ratio) { return Number(ratio * 100, 2) + " %"; }

std::string ObjectiveLabel(const AlertSubject& s) {
  return s.objective_name.empty() ? std::to_string(s.objective) : s.objective_name;
}

// "objective \"Requests succeed\" (variant canary)": who the description is about.
std::string About(const AlertSubject& s) {
  std::string out = "objective \"" + ObjectiveLabel(s) + "\"";
  if (!s.variant.empty()) out += " (variant " + s.variant + ")";
  return out;
}

void Describe(Alert& a, const AlertSubject& s, const AlertRule& rule, const ObjectiveStatus& status,
              const BurnRateReading* reading) {
  std::string summary;
  std::string description;
  switch (rule.type) {
    case AlertRuleType::kBurnRate: {
      const BurnRateWindow& w = reading->window;
      const std::string lw = FormatMillisAsDuration(w.long_ms);
      const std::string sw = FormatMillisAsDuration(w.short_ms);
      summary = s.slo + " is burning its error budget " + Number(reading->long_rate) +
                "× too fast (" + w.Name() + ")";
      description = "The error budget of " + About(s) + " burned " + Number(reading->long_rate) +
                    "× the sustainable rate over the last " + lw + " and " +
                    Number(reading->short_rate) + "× over the last " + sw + " (alert when " +
                    std::string(OpName(w.op)) + " " + Number(w.factor, 2) + "×). ";
      const double remaining = status.budget.remaining_ratio;
      if (status.budget.exhausted || remaining <= 0) {
        description += "The " + rule.period + " budget is already spent.";
      } else if (reading->long_rate > 0) {
        description +=
            "At this rate the " + rule.period + " budget is gone in " +
            HumanSpan(remaining * static_cast<double>(rule.period_ms) / reading->long_rate) + " (" +
            Percent(remaining) + " of it remains).";
      }
      break;
    }
    case AlertRuleType::kBudgetExhausted:
      summary = s.slo + " has exhausted its " + rule.period + " error budget";
      description = About(s) + " consumed " + Percent(status.budget.consumed_ratio) +
                    " of its error budget in the current period";
      if (status.sli) description += " (SLI " + Percent(*status.sli) + ")";
      description += ".";
      description[0] = 'O';  // "objective …" opens the sentence
      break;
    case AlertRuleType::kNoData:
      summary =
          s.slo + " has received no events for " + FormatMillisAsDuration(rule.no_data_window_ms);
      description = "No event was counted for " + About(s) + " in the last " +
                    FormatMillisAsDuration(rule.no_data_window_ms) +
                    ": check that the service still sends telemetry and that the SLI's "
                    "filters still match it.";
      break;
  }
  a.annotations = rule.annotations;
  a.annotations["summary"] = std::move(summary);
  a.annotations["description"] = std::move(description);
}

// Copies what the alert shows from the subject, the rule and the current readings.
void Refresh(Alert& a, const AlertSubject& s, const AlertRule& rule, const ObjectiveStatus& status,
             const BurnRateReading* reading) {
  a.slo = s.slo;
  a.service = s.service;
  a.objective = s.objective;
  a.objective_name = s.objective_name;
  a.variant = s.variant;
  a.rule = rule.name;
  a.id = AlertId(a.key());
  a.type = rule.type;
  a.severity = rule.severity;
  a.labels = rule.labels;
  a.labels["objective"] = ObjectiveLabel(s);
  if (!s.variant.empty()) a.labels["variant"] = s.variant;
  a.targets = rule.targets;
  a.notify_firing = rule.type != AlertRuleType::kBurnRate || rule.alert_when_breaching;
  a.notify_resolved = rule.alert_when_resolved;
  if (reading != nullptr) {
    a.long_window_ms = reading->window.long_ms;
    a.short_window_ms = reading->window.short_ms;
    a.long_burn = reading->long_rate;
    a.short_burn = reading->short_rate;
  }
  a.sli = status.sli;
  a.budget_consumed = status.budget.consumed_ratio;
  Describe(a, s, rule, status, reading);
}

AlertEvent Fire(Alert& a, EpochMillis now) {
  const AlertState previous = a.state;
  a.state = AlertState::kFiring;
  a.since = now;
  a.fired_at = now;
  return {a, previous, a.notify_firing};
}

}  // namespace

std::string_view AlertStateName(AlertState state) {
  switch (state) {
    case AlertState::kInactive:
      return "inactive";
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
    case AlertState::kResolved:
      return "resolved";
  }
  return "inactive";
}

std::optional<AlertState> ParseAlertState(std::string_view name) {
  for (AlertState s :
       {AlertState::kInactive, AlertState::kPending, AlertState::kFiring, AlertState::kResolved})
    if (AlertStateName(s) == name) return s;
  return std::nullopt;
}

std::string AlertId(const AlertKey& key) {
  // Fields end with '\n', which no name contains, so distinct keys never hash the same text.
  const std::string text =
      key.slo + "\n" + std::to_string(key.objective) + "\n" + key.variant + "\n" + key.rule + "\n";
  return Sha256Hex(text).substr(0, 16);
}

Result<std::vector<AlertEvent>> AlertEvaluator::Evaluate(const AlertSubject& subject,
                                                         std::span<const AlertRule> rules,
                                                         const ObjectiveStatus& status,
                                                         bool no_data, EpochMillis now) {
  // Check the contract before changing anything.
  std::set<std::string_view> names;
  std::vector<const BurnRateReading*> readings(rules.size(), nullptr);
  size_t burn = 0;
  for (size_t i = 0; i < rules.size(); ++i) {
    const AlertRule& r = rules[i];
    if (!names.insert(r.name).second)
      return Status::InvalidArgument("duplicate rule name \"" + r.name + "\"",
                                     "rules[" + std::to_string(i) + "].name");
    if (r.type != AlertRuleType::kBurnRate) continue;
    const std::string field = "burn_rates[" + std::to_string(burn) + "]";
    if (burn >= status.burn_rates.size())
      return Status::InvalidArgument("no reading for burn-rate rule \"" + r.name +
                                         "\": evaluate the objective with WindowsOf(rules)",
                                     field);
    const BurnRateReading& reading = status.burn_rates[burn];
    if (reading.window.long_ms != r.window.long_ms ||
        reading.window.short_ms != r.window.short_ms || reading.window.op != r.window.op ||
        reading.window.factor != r.window.factor)
      return Status::InvalidArgument("the reading is for window " + reading.window.Name() +
                                         ", rule \"" + r.name + "\" has " + r.window.Name(),
                                     field);
    readings[i] = &reading;
    ++burn;
  }
  if (burn != status.burn_rates.size())
    return Status::InvalidArgument(std::to_string(status.burn_rates.size()) +
                                       " burn-rate readings for " + std::to_string(burn) +
                                       " burn-rate rules",
                                   "burn_rates");

  std::vector<AlertEvent> events;
  auto settle = [&](std::map<AlertKey, Alert>::iterator it) {
    Alert& a = it->second;
    switch (a.state) {
      case AlertState::kPending:
        // A pending alert that clears never was: back to its earlier resolution, if recent.
        if (a.resolved_at && now - *a.resolved_at < options_.resolved_retention_ms) {
          a.state = AlertState::kResolved;
          a.since = *a.resolved_at;
          return std::next(it);
        }
        return alerts_.erase(it);
      case AlertState::kFiring:
        a.state = AlertState::kResolved;
        a.since = now;
        a.resolved_at = now;
        events.push_back({a, AlertState::kFiring, a.notify_firing && a.notify_resolved});
        return std::next(it);
      case AlertState::kResolved:
      case AlertState::kInactive:
        if (a.state == AlertState::kInactive || !a.resolved_at ||
            now - *a.resolved_at >= options_.resolved_retention_ms)
          return alerts_.erase(it);
        return std::next(it);
    }
    return std::next(it);
  };

  for (size_t i = 0; i < rules.size(); ++i) {
    const AlertRule& rule = rules[i];
    bool condition = false;
    switch (rule.type) {
      case AlertRuleType::kBurnRate:
        condition = readings[i]->breaching;
        break;
      case AlertRuleType::kBudgetExhausted:
        condition = status.budget.exhausted &&
                    status.counts.total >= options_.min_period_events;
        break;
      case AlertRuleType::kNoData:
        condition = no_data;
        break;
    }
    AlertKey key{subject.slo, subject.objective, subject.variant, rule.name};
    auto it = alerts_.find(key);
    if (!condition) {
      if (it != alerts_.end()) settle(it);
      continue;
    }
    if (it == alerts_.end()) it = alerts_.emplace(key, Alert{}).first;
    Alert& a = it->second;
    Refresh(a, subject, rule, status, readings[i]);
    switch (a.state) {
      case AlertState::kInactive:
      case AlertState::kResolved:
        if (rule.alert_after_ms > 0) {
          a.state = AlertState::kPending;
          a.since = now;
        } else {
          events.push_back(Fire(a, now));
        }
        break;
      case AlertState::kPending:
        if (now - a.since >= rule.alert_after_ms) events.push_back(Fire(a, now));
        break;
      case AlertState::kFiring:
        break;
    }
  }

  // Alerts of rules that are gone (the SLO was re-applied with other policies).
  auto it = alerts_.lower_bound(AlertKey{subject.slo, subject.objective, subject.variant, ""});
  while (it != alerts_.end() && it->first.slo == subject.slo &&
         it->first.objective == subject.objective && it->first.variant == subject.variant) {
    it = names.count(it->first.rule) ? std::next(it) : settle(it);
  }
  return events;
}

std::vector<AlertEvent> AlertEvaluator::Forget(std::string_view slo, EpochMillis now) {
  std::vector<AlertEvent> events;
  auto it = alerts_.lower_bound(AlertKey{std::string(slo), 0, "", ""});
  while (it != alerts_.end() && it->first.slo == slo) {
    Alert& a = it->second;
    if (a.state == AlertState::kFiring) {
      a.state = AlertState::kResolved;
      a.since = now;
      a.resolved_at = now;
      a.annotations["resolved_reason"] = "the SLO was deleted";
      events.push_back({a, AlertState::kFiring, a.notify_firing && a.notify_resolved});
    }
    it = alerts_.erase(it);
  }
  return events;
}

void AlertEvaluator::Prune(EpochMillis now) {
  for (auto it = alerts_.begin(); it != alerts_.end();) {
    const Alert& a = it->second;
    const bool expired = a.state == AlertState::kResolved &&
                         (!a.resolved_at || now - *a.resolved_at >= options_.resolved_retention_ms);
    it = expired ? alerts_.erase(it) : std::next(it);
  }
}

std::vector<Alert> AlertEvaluator::List(std::optional<AlertState> state) const {
  std::vector<Alert> out;
  for (const auto& [key, a] : alerts_)
    if (!state || a.state == *state) out.push_back(a);
  return out;
}

const Alert* AlertEvaluator::Find(std::string_view id) const {
  for (const auto& [key, a] : alerts_)
    if (a.id == id) return &a;
  return nullptr;
}

Status AlertEvaluator::Restore(std::vector<Alert> alerts) {
  std::map<AlertKey, Alert> restored;
  for (size_t i = 0; i < alerts.size(); ++i) {
    Alert& a = alerts[i];
    const std::string field = "alerts[" + std::to_string(i) + "]";
    if (a.state == AlertState::kInactive)
      return Status::InvalidArgument("an inactive alert is not stored", field + ".state");
    if (a.id != AlertId(a.key()))
      return Status::InvalidArgument("id " + a.id + " does not match the alert's key",
                                     field + ".id");
    // Times far outside any clock would overflow the state machine's arithmetic.
    for (auto [name, t] : {std::pair<const char*, std::optional<EpochMillis>>{"since", a.since},
                           {"fired_at", a.fired_at},
                           {"resolved_at", a.resolved_at}}) {
      if (t && (*t < 0 || *t > kMaxAlertTime))
        return Status::InvalidArgument("time out of range (0 to year 9999)", field + "." + name);
    }
    AlertKey key = a.key();
    if (!restored.emplace(key, std::move(a)).second)
      return Status::InvalidArgument(
          "a second alert with the same slo, objective, variant and "
          "rule",
          field);
  }
  alerts_ = std::move(restored);
  return Status::Ok();
}

}  // namespace ballast::slo
