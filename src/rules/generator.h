// Prometheus recording and alerting rules for SLOs, in Sloth's exact output format
// (https://github.com/slok/sloth), from Sloth specs or OpenSLO SLOs with Prometheus queries.
//
// Per SLO, three rule groups:
//  - sloth-slo-sli-recordings-<id>: `slo:sli_error:ratio_rate<w>` for every alert window (the
//    error ratio of the SLI over w) plus the SLO period, the latter averaged from the shortest
//    window's series instead of a 30-day rate;
//  - sloth-slo-meta-recordings-<id>: objective, error budget, period in days, current and
//    period burn rate, remaining budget, and `sloth_slo_info`;
//  - sloth-slo-alerts-<id>: the page and ticket multiwindow multi-burn-rate alerts (Google SRE
//    Workbook): each fires when both its short and long windows burn faster than its factor.
// Labels: sloth_id, sloth_service, sloth_slo (and sloth_window on SLI rules), the spec's labels
// and the extra labels of GenerateOptions. Sloth Kubernetes inputs give PrometheusRule objects.
//
//   GenerateOptions options;
//   options.version = "ballast-0.1.0";
//   Generated g = GeneratePrometheusRules(text, "slos.yaml", options);
//   if (!g.ok()) { std::cerr << g.diagnostics.ToString(); return 1; }
//   std::cout << g.yaml;
//
// Thread safety: pure functions of their arguments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostics.h"
#include "rules/alert_windows.h"
#include "rules/prom_text.h"
#include "rules/spec.h"

namespace ballast::rules {

struct GenerateOptions {
  // SLO period of Sloth specs and of OpenSLO SLOs without a time window (Sloth's
  // --default-slo-period, 30 days by default).
  int64_t default_period_ms = 30 * kDayMs;
  // Alert windows per SLO period; nullptr means Sloth's built-in 30d and 28d windows. Must
  // outlive the call.
  const AlertWindowsCatalog* windows = nullptr;
  bool disable_recordings = false;  // no SLI nor metadata recording groups
  bool disable_alerts = false;      // no alert groups
  Labels extra_labels;              // added to (and overriding) every SLO's labels
  // The generator version: the `sloth_version` label and the header comment.
  std::string version = "ballast";
};

struct Rule {
  std::string record;  // one of record / alert
  std::string alert;
  std::string expr;
  Labels labels;
  Labels annotations;
};

struct RuleGroup {
  std::string name;
  std::vector<Rule> rules;
};

// The rules of one input document: a Prometheus rules file, or (k8s set) a PrometheusRule.
struct RulesDocument {
  SpecKind kind = SpecKind::kSlothV1;
  std::optional<KubernetesMeta> k8s;
  std::vector<RuleGroup> groups;
};

struct Generated {
  std::vector<RulesDocument> documents;
  Diagnostics diagnostics;
  std::string yaml;  // every document, each with its header; empty on error
  bool ok() const { return !diagnostics.HasErrors(); }
};

// Reads, validates and generates. Errors (bad specs, SLO periods without alert windows) are in
// diagnostics with file, line, column and field; nothing is generated then.
Generated GeneratePrometheusRules(std::string_view text, const std::string& file_name,
                                  const GenerateOptions& options);

// The rules of already-read specs; errors (missing alert windows) go to `diags`.
std::vector<RulesDocument> GenerateRules(const SpecSet& specs, const GenerateOptions& options,
                                         Diagnostics* diags);

// YAML text of the documents, each preceded by "---" and the generated-code header.
std::string RenderRulesYaml(const std::vector<RulesDocument>& documents,
                            std::string_view version);

}  // namespace ballast::rules
