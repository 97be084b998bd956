// AlertWindows: the multiwindow multi-burn-rate alert parameters per SLO period, in Sloth's
// `AlertWindows` format (apiVersion sloth.slok.dev/v1, kind AlertWindows).
//
// Each file gives, for one SLO period, the share of the error budget that the page (quick and
// slow) and ticket (quick and slow) alerts tolerate losing within their long window, and the
// short/long windows they look at. The burn-rate factor of an alert is
//   errorBudgetPercent * period_hours / 100 / long_window_hours
// (2 % of a 30-day budget in 1 h = 14.4x), computed in the same order as Sloth so the printed
// factors are identical.
//
// The catalog holds Sloth's built-in Google SRE Workbook windows for 30 and 28 days, or, when
// a directory is given, exactly the files found there (*.yaml, *.yml, recursively), as Sloth's
// --slo-period-windows-path does. Two files for the same period must be identical.
//
//   Result<AlertWindowsCatalog> c = AlertWindowsCatalog::FromDirectory("windows/");
//   const AlertWindows* w = c->Find(30 * kDayMs);
//
// Thread safety: immutable after construction.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ballast::rules {

struct AlertWindow {
  double error_budget_percent = 0;
  int64_t short_window_ms = 0;
  int64_t long_window_ms = 0;
  friend bool operator==(const AlertWindow&, const AlertWindow&) = default;
};

struct AlertWindows {
  int64_t slo_period_ms = 0;
  AlertWindow page_quick;
  AlertWindow page_slow;
  AlertWindow ticket_quick;
  AlertWindow ticket_slow;
  std::string source;  // file it came from, "built-in" for the defaults

  // Burn-rate factor of one alert of this period (Sloth's getBurnRateFactor).
  double BurnRateFactor(const AlertWindow& w) const;

  bool SameParameters(const AlertWindows& o) const {
    return slo_period_ms == o.slo_period_ms && page_quick == o.page_quick &&
           page_slow == o.page_slow && ticket_quick == o.ticket_quick &&
           ticket_slow == o.ticket_slow;
  }
};

// Parses one AlertWindows document. Errors name `file` and the field ("spec.page.quick.
// longWindow: ...").
Result<AlertWindows> ParseAlertWindows(std::string_view yaml_text, const std::string& file);

class AlertWindowsCatalog {
 public:
  // Sloth's built-in windows: Google SRE Workbook parameters for 30 and 28 days.
  static AlertWindowsCatalog BuiltIn();
  // Every *.yaml/*.yml file under `dir` (recursively, sorted); no built-ins. Fails when the
  // directory is unreadable, a file is invalid, two files disagree on one period, or no file
  // is found.
  static Result<AlertWindowsCatalog> FromDirectory(const std::string& dir);

  // The windows for an SLO period, nullptr when none is loaded.
  const AlertWindows* Find(int64_t period_ms) const;
  // "28d, 30d": the periods available, for error messages.
  std::string PeriodsText() const;

  // Adds `w`; an identical duplicate is ignored, a different one for the same period fails.
  Status Add(AlertWindows w);

 private:
  std::map<int64_t, AlertWindows> by_period_;
};

}  // namespace ballast::rules
