#include "rules/generator.h"

#include <algorithm>
#include <set>

namespace ballast::rules {
namespace {

constexpr std::string_view kSliErrorMetric = "slo:sli_error:ratio_rate";
constexpr const char* kErrorBudgetMetric = "slo:error_budget:ratio";

Labels Merge(Labels base, const Labels& over) {
  for (const auto& [k, v] : over) base[k] = v;
  return base;
}

std::string SliErrorMetric(int64_t window_ms) {
  return std::string(kSliErrorMetric) + FormatPromDuration(window_ms);
}

Labels IdLabels(const RuleSlo& slo) {
  return {{"sloth_id", slo.id}, {"sloth_service", slo.service}, {"sloth_slo", slo.name}};
}

// `{sloth_id="a", sloth_service="b", sloth_slo="c"}`: Sloth's LabelsToPromFilter.
std::string Filter(const Labels& labels) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ", ";
    first = false;
    out += k + "=\"";
    for (char c : v) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out += "\"";
  }
  return out + "}";
}

// The SLI's error ratio over `window` (Sloth's events and raw generators).
std::string SliExpr(const RuleSlo& slo, const std::string& window) {
  std::string tpl = slo.raw_error_ratio_query
                        ? "(" + *slo.raw_error_ratio_query + ")"
                        : "(" + *slo.error_query + ")\n/\n(" + *slo.total_query + ")\n";
  // Validated when read: the template renders.
  return RenderWindow(tpl, window).value_or(tpl);
}

std::vector<Rule> SliRules(const RuleSlo& slo, const AlertWindows& w, const Labels& labels) {
  std::set<int64_t> unique = {w.page_quick.short_window_ms,   w.page_quick.long_window_ms,
                              w.page_slow.short_window_ms,    w.page_slow.long_window_ms,
                              w.ticket_quick.short_window_ms, w.ticket_quick.long_window_ms,
                              w.ticket_slow.short_window_ms,  w.ticket_slow.long_window_ms};
  std::vector<Rule> rules;
  for (int64_t window : unique) {
    const std::string text = FormatPromDuration(window);
    Rule r;
    r.record = SliErrorMetric(window);
    r.expr = SliExpr(slo, text);
    r.labels = Merge(Merge(IdLabels(slo), {{"sloth_window", text}}), labels);
    rules.push_back(std::move(r));
  }
  // The SLO period from the shortest window's series: a ratio of sums over the recorded
  // ratios, far cheaper than a rate over the whole period.
  const std::string period = FormatPromDuration(slo.period_ms);
  const std::string source = SliErrorMetric(w.page_quick.short_window_ms) + Filter(IdLabels(slo));
  Rule r;
  r.record = SliErrorMetric(slo.period_ms);
  r.expr = "sum_over_time(" + source + "[" + period + "])\n/ ignoring (sloth_window)\n" +
           "count_over_time(" + source + "[" + period + "])\n";
  r.labels = Merge(Merge(IdLabels(slo), {{"sloth_window", period}}), labels);
  rules.push_back(std::move(r));
  return rules;
}

std::string BurnRateExpr(const std::string& sli_metric, const std::string& filter) {
  return sli_metric + filter + "\n/ on(sloth_id, sloth_slo, sloth_service) group_left\n" +
         kErrorBudgetMetric + filter + "\n";
}

std::vector<Rule> MetaRules(const RuleSlo& slo, const AlertWindows& w, const Labels& slo_labels,
                            SpecKind kind, std::string_view version) {
  const Labels labels = Merge(IdLabels(slo), slo_labels);
  const std::string filter = Filter(IdLabels(slo));
  const double ratio = slo.objective / 100;
  std::vector<Rule> rules;
  auto add = [&](std::string record, std::string expr) {
    Rule r;
    r.record = std::move(record);
    r.expr = std::move(expr);
    r.labels = labels;
    rules.push_back(std::move(r));
  };
  add("slo:objective:ratio", "vector(" + FormatGoFloat(ratio) + ")");
  add(kErrorBudgetMetric, "vector(1-" + FormatGoFloat(ratio) + ")");
  add("slo:time_period:days", "vector(" + FormatGoFloat(GoHours(slo.period_ms) / 24) + ")");
  add("slo:current_burn_rate:ratio",
      BurnRateExpr(SliErrorMetric(w.page_quick.short_window_ms), filter));
  add("slo:period_burn_rate:ratio", BurnRateExpr(SliErrorMetric(slo.period_ms), filter));
  add("slo:period_error_budget_remaining:ratio", "1 - slo:period_burn_rate:ratio" + filter);
  add("sloth_slo_info", "vector(1)");
  rules.back().labels = Merge(labels, {{"sloth_version", std::string(version)},
                                       {"sloth_mode", std::string(ModeLabel(kind))},
                                       {"sloth_spec", std::string(SpecLabel(kind))},
                                       {"sloth_objective", FormatGoFloatFixed(slo.objective)}});
  return rules;
}

// One multiwindow multi-burn-rate alert (page or ticket): its quick and slow windows.
Rule AlertRule(const RuleSlo& slo, const AlertMeta& meta, const AlertWindows& w,
               const AlertWindow& quick, const AlertWindow& slow, const char* severity) {
  const std::string filter = Filter(IdLabels(slo));
  const std::string budget = FormatGoFloat((100 - slo.objective) / 100);
  auto cond = [&](int64_t window, double factor) {
    return "max(" + SliErrorMetric(window) + filter + " > (" + FormatGoFloat(factor) + " * " +
           budget + ")) without (sloth_window)";
  };
  const double qf = w.BurnRateFactor(quick);
  const double sf = w.BurnRateFactor(slow);
  Rule r;
  r.alert = meta.name;
  r.expr = "(\n    " + cond(quick.short_window_ms, qf) + "\n    and\n    " +
           cond(quick.long_window_ms, qf) + "\n)\nor\n(\n    " + cond(slow.short_window_ms, sf) +
           "\n    and\n    " + cond(slow.long_window_ms, sf) + "\n)\n";
  // Recording-rule labels reach the alert through the expression; only severity is added.
  r.labels = Merge({{"sloth_severity", severity}}, meta.labels);
  r.annotations = Merge(
      {{"title", std::string("(") + severity +
                     ") {{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn "
                     "rate is too fast."},
       {"summary",
        "{{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is over "
        "expected."}},
      meta.annotations);
  return r;
}

}  // namespace

std::vector<RulesDocument> GenerateRules(const SpecSet& specs, const GenerateOptions& options,
                                         Diagnostics* diags) {
  AlertWindowsCatalog builtin = AlertWindowsCatalog::BuiltIn();
  const AlertWindowsCatalog& catalog = options.windows != nullptr ? *options.windows : builtin;
  std::vector<RulesDocument> out;
  for (const SpecDocument& doc : specs.documents) {
    const size_t errors_before = diags->error_count();
    RulesDocument rd;
    rd.kind = doc.kind;
    rd.k8s = doc.k8s;
    for (const RuleSlo& slo : doc.slos) {
      const AlertWindows* w = catalog.Find(slo.period_ms);
      if (w == nullptr) {
        diags->Error(slo.pos, slo.path,
                     "no alert windows for the " + FormatPeriod(slo.period_ms) +
                         " SLO period (available: " + catalog.PeriodsText() +
                         "); add an AlertWindows file with --slo-period-windows-path");
        continue;
      }
      if (slo.period_ms == w->page_quick.short_window_ms) {
        diags->Error(slo.pos, slo.path, "the SLO period equals the shortest alert window");
        continue;
      }
      const Labels labels = Merge(slo.labels, options.extra_labels);
      if (!options.disable_recordings) {
        rd.groups.push_back({"sloth-slo-sli-recordings-" + slo.id, SliRules(slo, *w, labels)});
        rd.groups.push_back({"sloth-slo-meta-recordings-" + slo.id,
                             MetaRules(slo, *w, labels, doc.kind, options.version)});
      }
      if (!options.disable_alerts) {
        RuleGroup alerts{"sloth-slo-alerts-" + slo.id, {}};
        if (!slo.page.disable) {
          alerts.rules.push_back(
              AlertRule(slo, slo.page, *w, w->page_quick, w->page_slow, "page"));
        }
        if (!slo.ticket.disable) {
          alerts.rules.push_back(
              AlertRule(slo, slo.ticket, *w, w->ticket_quick, w->ticket_slow, "ticket"));
        }
        if (!alerts.rules.empty()) rd.groups.push_back(std::move(alerts));
      }
    }
    if (rd.groups.empty()) {
      if (diags->error_count() != errors_before) continue;
      diags->Warning(doc.pos, "", "no rules to generate for this document (all disabled)");
      continue;
    }
    out.push_back(std::move(rd));
  }
  return out;
}

Generated GeneratePrometheusRules(std::string_view text, const std::string& file_name,
                                  const GenerateOptions& options) {
  Generated g;
  SpecSet specs = ReadSpecs(text, file_name, options.default_period_ms);
  g.diagnostics = specs.diagnostics;
  if (g.diagnostics.HasErrors()) return g;
  if (specs.documents.empty()) {
    g.diagnostics.Error({file_name, 0, 0}, "", "no SLO found in the input");
    return g;
  }
  g.documents = GenerateRules(specs, options, &g.diagnostics);
  if (g.diagnostics.HasErrors()) {
    g.documents.clear();
    return g;
  }
  g.yaml = RenderRulesYaml(g.documents, options.version);
  return g;
}

}  // namespace ballast::rules
