#include "rules/alert_windows.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rules/prom_text.h"

namespace ballast::rules {
namespace {

// The position suffix for messages: " (line 12)".
std::string At(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  if (m.line < 0) return "";
  return " (line " + std::to_string(m.line + 1) + ")";
}

Result<double> ReadPercent(const YAML::Node& parent, const std::string& path) {
  const YAML::Node n = parent["errorBudgetPercent"];
  const std::string field = path + ".errorBudgetPercent";
  if (!n || n.IsNull()) return Status::InvalidArgument("is required", field);
  if (!n.IsScalar()) return Status::InvalidArgument("must be a number" + At(n), field);
  try {
    double v = n.as<double>();
    if (!(v > 0) || v > 100) {
      return Status::InvalidArgument("must be greater than 0 and at most 100" + At(n), field);
    }
    return v;
  } catch (const YAML::Exception&) {
    return Status::InvalidArgument("'" + n.Scalar() + "' is not a number" + At(n), field);
  }
}

Result<int64_t> ReadDuration(const YAML::Node& parent, const std::string& key,
                             const std::string& path) {
  const YAML::Node n = parent[key];
  const std::string field = path + "." + key;
  if (!n || n.IsNull()) return Status::InvalidArgument("is required", field);
  if (!n.IsScalar()) return Status::InvalidArgument("must be a duration" + At(n), field);
  std::optional<int64_t> ms = ParsePromDuration(n.Scalar());
  if (!ms) {
    return Status::InvalidArgument(
        "'" + n.Scalar() + "' is not a Prometheus duration (5m, 1h, 30d)" + At(n), field);
  }
  if (*ms == 0) return Status::InvalidArgument("must be greater than 0" + At(n), field);
  return *ms;
}

Result<AlertWindow> ReadWindow(const YAML::Node& spec, const char* severity, const char* speed) {
  const std::string path = std::string("spec.") + severity + "." + speed;
  const YAML::Node sev = spec[severity];
  if (!sev || !sev.IsMap()) return Status::InvalidArgument("is required", "spec." + std::string(severity));
  const YAML::Node n = sev[speed];
  if (!n || !n.IsMap()) return Status::InvalidArgument("is required", path);
  AlertWindow w;
  BALLAST_ASSIGN_OR_RETURN(w.error_budget_percent, ReadPercent(n, path));
  BALLAST_ASSIGN_OR_RETURN(w.short_window_ms, ReadDuration(n, "shortWindow", path));
  BALLAST_ASSIGN_OR_RETURN(w.long_window_ms, ReadDuration(n, "longWindow", path));
  if (w.short_window_ms >= w.long_window_ms) {
    return Status::InvalidArgument("shortWindow must be shorter than longWindow", path);
  }
  return w;
}

Result<AlertWindows> ParseNode(const YAML::Node& root) {
  if (!root.IsMap()) return Status::InvalidArgument("an AlertWindows document must be a mapping");
  const YAML::Node api = root["apiVersion"];
  const YAML::Node kind = root["kind"];
  if (!api || !api.IsScalar() || api.Scalar() != "sloth.slok.dev/v1") {
    return Status::InvalidArgument("must be sloth.slok.dev/v1", "apiVersion");
  }
  if (!kind || !kind.IsScalar() || kind.Scalar() != "AlertWindows") {
    return Status::InvalidArgument("must be AlertWindows", "kind");
  }
  const YAML::Node spec = root["spec"];
  if (!spec || !spec.IsMap()) return Status::InvalidArgument("is required", "spec");
  AlertWindows w;
  BALLAST_ASSIGN_OR_RETURN(w.slo_period_ms, ReadDuration(spec, "sloPeriod", "spec"));
  BALLAST_ASSIGN_OR_RETURN(w.page_quick, ReadWindow(spec, "page", "quick"));
  BALLAST_ASSIGN_OR_RETURN(w.page_slow, ReadWindow(spec, "page", "slow"));
  BALLAST_ASSIGN_OR_RETURN(w.ticket_quick, ReadWindow(spec, "ticket", "quick"));
  BALLAST_ASSIGN_OR_RETURN(w.ticket_slow, ReadWindow(spec, "ticket", "slow"));
  return w;
}

AlertWindows GoogleWindows(int64_t period_ms) {
  AlertWindows w;
  w.slo_period_ms = period_ms;
  w.page_quick = {2, 5 * kMinuteMs, kHourMs};
  w.page_slow = {5, 30 * kMinuteMs, 6 * kHourMs};
  w.ticket_quick = {10, 2 * kHourMs, kDayMs};
  w.ticket_slow = {10, 6 * kHourMs, 3 * kDayMs};
  w.source = "built-in";
  return w;
}

}  // namespace

double AlertWindows::BurnRateFactor(const AlertWindow& w) const {
  const double hours_required = w.error_budget_percent * GoHours(slo_period_ms) / 100;
  return hours_required / GoHours(w.long_window_ms);
}

Result<AlertWindows> ParseAlertWindows(std::string_view yaml_text, const std::string& file) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    Result<AlertWindows> w = ParseNode(root);
    if (!w) {
      Status s = w.error();
      return Status::InvalidArgument(file + ": " + (s.field().empty() ? "" : s.field() + ": ") +
                                         s.message(),
                                     s.field());
    }
    w->source = file;
    return w;
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(file + ": invalid YAML: " + e.what());
  }
}

AlertWindowsCatalog AlertWindowsCatalog::BuiltIn() {
  AlertWindowsCatalog c;
  c.by_period_[30 * kDayMs] = GoogleWindows(30 * kDayMs);
  c.by_period_[28 * kDayMs] = GoogleWindows(28 * kDayMs);
  return c;
}

Status AlertWindowsCatalog::Add(AlertWindows w) {
  auto it = by_period_.find(w.slo_period_ms);
  if (it == by_period_.end()) {
    by_period_.emplace(w.slo_period_ms, std::move(w));
    return Status::Ok();
  }
  if (it->second.SameParameters(w)) return Status::Ok();
  return Status::InvalidArgument(w.source + ": alert windows for the " +
                                     FormatPeriod(w.slo_period_ms) +
                                     " SLO period are already defined differently by " +
                                     it->second.source,
                                 "spec.sloPeriod");
}

Result<AlertWindowsCatalog> AlertWindowsCatalog::FromDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status::InvalidArgument(dir + ": not a readable directory", "--slo-period-windows-path");
  }
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string ext = it->path().extension().string();
    if (ext == ".yaml" || ext == ".yml") files.push_back(it->path());
  }
  if (ec) return Status::InvalidArgument(dir + ": " + ec.message(), "--slo-period-windows-path");
  std::sort(files.begin(), files.end());
  AlertWindowsCatalog c;
  for (const fs::path& p : files) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in) return Status::InvalidArgument(p.string() + ": cannot read", "--slo-period-windows-path");
    BALLAST_ASSIGN_OR_RETURN(AlertWindows w, ParseAlertWindows(ss.str(), p.string()));
    BALLAST_RETURN_IF_ERROR(c.Add(std::move(w)));
  }
  if (c.by_period_.empty()) {
    return Status::InvalidArgument(dir + ": no AlertWindows file (*.yaml, *.yml) found",
                                   "--slo-period-windows-path");
  }
  return c;
}

const AlertWindows* AlertWindowsCatalog::Find(int64_t period_ms) const {
  auto it = by_period_.find(period_ms);
  return it == by_period_.end() ? nullptr : &it->second;
}

std::string AlertWindowsCatalog::PeriodsText() const {
  std::string out;
  for (const auto& [period, w] : by_period_) {
    if (!out.empty()) out += ", ";
    out += FormatPeriod(period);
  }
  return out.empty() ? "none" : out;
}

}  // namespace ballast::rules
