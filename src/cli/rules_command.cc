#include "cli/rules_command.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "rules/generator.h"

namespace ballast::cli {
namespace {

// Larger specs are refused: a rules file of that size is a mistake, not an SLO catalogue.
constexpr std::size_t kMaxSpecBytes = 16u << 20;

bool ReadInput(Console& console, const std::string& file, std::string* text) {
  if (file == "-") {
    if (console.in == nullptr) {
      *console.err << "error: -f -: no standard input\n";
      return false;
    }
    text->assign(std::istreambuf_iterator<char>(*console.in), std::istreambuf_iterator<char>());
  } else {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
      *console.err << "error: " << file << ": not a readable file\n";
      return false;
    }
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in) {
      *console.err << "error: " << file << ": cannot read\n";
      return false;
    }
    *text = ss.str();
  }
  if (text->size() > kMaxSpecBytes) {
    *console.err << "error: " << file << ": larger than " << (kMaxSpecBytes >> 20) << " MiB\n";
    return false;
  }
  return true;
}

// Writes through a temporary file so that a failed run never leaves half a rules file.
bool WriteOutput(Console& console, const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      *console.err << "error: --out " << path << ": cannot write\n";
      std::filesystem::remove(tmp);
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    *console.err << "error: --out " << path << ": " << ec.message() << "\n";
    std::filesystem::remove(tmp, ec);
    return false;
  }
  return true;
}

}  // namespace

CLI::App* AddRulesCommand(CLI::App& root, RulesArgs* args) {
  CLI::App* rules = root.add_subcommand("rules", "Generate rules for other monitoring systems");
  rules->require_subcommand(1);
  CLI::App* prom = rules->add_subcommand(
      "prometheus",
      "Prometheus recording and alerting rules in Sloth's format, from Sloth specs or OpenSLO "
      "SLOs with Prometheus queries");
  prom->add_option("-f,--file", args->file,
                   "Sloth prometheus/v1 or PrometheusServiceLevel spec, or OpenSLO v1alpha/v1 "
                   "SLOs (- for stdin)")
      ->required();
  prom->add_option("--out", args->out, "Write the rules to this file (default: stdout)");
  prom->add_option("--default-slo-period", args->default_slo_period,
                   "SLO period when the spec gives none (default 30d)");
  prom->add_option("--slo-period-windows-path", args->windows_path,
                   "Directory of Sloth AlertWindows files replacing the built-in 30d/28d windows");
  prom->add_flag("--disable-recordings", args->disable_recordings,
                 "Do not generate recording rules");
  prom->add_flag("--disable-alerts", args->disable_alerts, "Do not generate alert rules");
  prom->add_option("-l,--extra-labels", args->extra_labels,
                   "Extra label key=value added to every rule (repeatable)");
  return prom;
}

int RunRulesPrometheusCommand(Console& console, const RulesArgs& args) {
  rules::GenerateOptions options;
  options.version = std::string("ballast-") + BallastVersion();
  options.disable_alerts = args.disable_alerts;
  options.disable_recordings = args.disable_recordings;

  std::optional<int64_t> period = rules::ParsePromDuration(args.default_slo_period);
  if (!period || *period == 0) {
    *console.err << "error: --default-slo-period: '" << args.default_slo_period
                 << "' is not a Prometheus duration (30d, 28d, 4w)\n";
    return kExitUsage;
  }
  options.default_period_ms = *period;

  for (const std::string& kv : args.extra_labels) {
    const size_t eq = kv.find('=');
    const std::string key = kv.substr(0, eq);
    if (eq == std::string::npos || !rules::IsValidLabelName(key) || eq + 1 == kv.size()) {
      *console.err << "error: -l " << kv
                   << ": expected key=value with a Prometheus label name and a non-empty value\n";
      return kExitUsage;
    }
    options.extra_labels[key] = kv.substr(eq + 1);
  }

  std::optional<rules::AlertWindowsCatalog> windows;
  if (!args.windows_path.empty()) {
    Result<rules::AlertWindowsCatalog> loaded =
        rules::AlertWindowsCatalog::FromDirectory(args.windows_path);
    if (!loaded) {
      *console.err << "error: --slo-period-windows-path: " << loaded.error().message() << "\n";
      return kExitFailure;
    }
    windows = std::move(*loaded);
    options.windows = &*windows;
  }

  std::string text;
  if (!ReadInput(console, args.file, &text)) return kExitFailure;
  const std::string name = args.file == "-" ? "<stdin>" : args.file;
  rules::Generated generated = rules::GeneratePrometheusRules(text, name, options);
  if (!generated.diagnostics.empty()) {
    std::string report = generated.diagnostics.ToString();
    if (report.back() != '\n') report += '\n';
    *console.err << report;
  }
  if (!generated.ok()) {
    *console.err << "error: " << generated.diagnostics.error_count()
                 << " error(s); no rules written\n";
    return kExitFailure;
  }
  if (args.out.empty()) {
    *console.out << generated.yaml;
    return kExitOk;
  }
  return WriteOutput(console, args.out, generated.yaml) ? kExitOk : kExitFailure;
}

}  // namespace ballast::cli
