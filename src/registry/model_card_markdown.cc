#include "registry/model_card_markdown.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

namespace ballast::registry {
namespace {

// Words a YAML 1.1/1.2 reader would turn into something other than a string.
bool IsYamlKeyword(const std::string& s) {
  static const std::set<std::string> kWords = {
      "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes", "YES", "no", "No", "NO",
      "on",   "On",   "ON",   "off",   "Off",   "OFF",   "y",   "Y",   "n",   "N",  "null",
      "Null", "NULL", "~"};
  return kWords.contains(s);
}

// A scalar for the front matter: bare when it is a plain identifier that reads back as the same
// string, JSON-quoted otherwise.
std::string Scalar(const std::string& s) {
  bool plain = !s.empty() && !IsYamlKeyword(s) &&
               std::isalpha(static_cast<unsigned char>(s.front())) != 0;
  for (char c : s) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' ||
                    c == '.' || c == '/' || c == '@';
    if (!ok) plain = false;
  }
  if (plain) return s;
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Number(double v) { return nlohmann::json(v).dump(); }

void List(std::string& out, const std::string& key, const std::vector<std::string>& items) {
  if (items.empty()) return;
  out += key + ":\n";
  for (const std::string& s : items) out += "- " + Scalar(s) + "\n";
}

std::string Or(const std::string& a, const std::string& b) { return a.empty() ? b : a; }

void FrontMatter(std::string& out, const ModelCard& card, const CardContext& ctx) {
  out += "---\n";
  if (!card.model_details.license.empty())
    out += "license: " + Scalar(card.model_details.license) + "\n";
  List(out, "language", card.language);
  List(out, "tags", card.tags);
  if (!ctx.base_model.empty()) out += "base_model: " + Scalar(ctx.base_model) + "\n";
  std::vector<std::string> datasets;
  for (const auto* list : {&ctx.datasets, &card.training_data.datasets,
                           &card.evaluation_data.datasets}) {
    for (const std::string& d : *list) {
      if (std::find(datasets.begin(), datasets.end(), d) == datasets.end()) datasets.push_back(d);
    }
  }
  List(out, "datasets", datasets);
  // model-index: results grouped by (task, dataset), in first-seen order.
  std::vector<std::pair<std::pair<std::string, std::string>, std::vector<const CardEvalResult*>>>
      groups;
  for (const CardEvalResult& r : ctx.results) {
    if (r.metrics.empty()) continue;
    std::pair<std::string, std::string> key{r.task_type, r.dataset_type};
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.first == key; });
    if (it == groups.end()) {
      groups.push_back({key, {}});
      it = std::prev(groups.end());
    }
    it->second.push_back(&r);
  }
  if (!groups.empty()) {
    out += "model-index:\n";
    out += "- name: " + Scalar(ctx.model) + "\n";
    out += "  results:\n";
    for (const auto& [key, runs] : groups) {
      const CardEvalResult& first = *runs.front();
      out += "  - task:\n";
      out += "      type: " + Scalar(first.task_type) + "\n";
      out += "      name: " + Scalar(Or(first.task_name, first.task_type)) + "\n";
      out += "    dataset:\n";
      out += "      type: " + Scalar(first.dataset_type) + "\n";
      out += "      name: " + Scalar(Or(first.dataset_name, first.dataset_type)) + "\n";
      out += "    metrics:\n";
      for (const CardEvalResult* r : runs) {
        for (const CardMetricValue& m : r->metrics) {
          out += "    - type: " + Scalar(m.type) + "\n";
          out += "      value: " + Number(m.value) + "\n";
          out += "      name: " + Scalar(Or(m.name, m.type)) + "\n";
        }
      }
    }
  }
  out += "---\n\n";
}

void Field(std::string& out, const std::string& label, const std::string& value) {
  if (!value.empty()) out += "- **" + label + ":** " + value + "\n";
}

void FieldList(std::string& out, const std::string& label, const std::vector<std::string>& items,
               const std::string& sep = ", ") {
  if (items.empty()) return;
  std::string joined;
  for (const std::string& s : items) joined += (joined.empty() ? "" : sep) + s;
  Field(out, label, joined);
}

void Bullets(std::string& out, const std::string& heading, const std::vector<std::string>& items) {
  if (items.empty()) return;
  out += heading + "\n\n";
  for (const std::string& s : items) out += "- " + s + "\n";
  out += "\n";
}

void Section(std::string& out, const std::string& title, const std::string& body) {
  out += "## " + title + "\n\n";
  out += body.empty() ? "_Not documented._\n\n" : body + "\n";
}

// A Markdown table cell: pipes and line breaks would end the cell or the row.
std::string Cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

std::string ResultsTable(const std::vector<QuantitativeResult>& results) {
  if (results.empty()) return "";
  std::string out = "| Factor | Metric | Value | Dataset |\n|---|---|---|---|\n";
  for (const QuantitativeResult& q : results) {
    out += "| " + Cell(q.factor) + " | " + Cell(q.metric) + " | " + Number(q.value) + " | " +
           Cell(q.dataset) + " |\n";
  }
  return out;
}

std::string DataBody(const CardData& d) {
  std::string b;
  FieldList(b, "Datasets", d.datasets);
  Field(b, "Motivation", d.motivation);
  Field(b, "Preprocessing", d.preprocessing);
  return b;
}

}  // namespace

std::string RenderModelCardMarkdown(const ModelCard& card, const CardContext& ctx) {
  std::string out;
  FrontMatter(out, card, ctx);
  out += fmt::format("# Model card: {} version {}\n\n", ctx.model, ctx.version);
  if (!ctx.aliases.empty()) {
    std::string joined;
    for (const std::string& a : ctx.aliases) joined += (joined.empty() ? "`" : ", `") + a + "`";
    out += "Aliases: " + joined + "\n\n";
  }
  if (!ctx.lifecycle.empty() || !ctx.retires_at.empty()) {
    std::string line = "Lifecycle: " + Or(ctx.lifecycle, "active");
    if (!ctx.retires_at.empty()) line += "; retires " + ctx.retires_at;
    if (!ctx.replacement.empty()) line += "; replacement `" + ctx.replacement + "`";
    out += line + "\n\n";
  }

  const ModelDetails& d = card.model_details;
  std::string details;
  FieldList(details, "Developers", d.developers);
  Field(details, "Date", d.date);
  Field(details, "Version", d.version);
  Field(details, "Type", d.type);
  Field(details, "Training algorithms", d.training_algorithms);
  Field(details, "Parameters", d.parameters);
  FieldList(details, "Paper or resources", d.resources);
  Field(details, "Citation", d.citation);
  Field(details, "License", d.license);
  Field(details, "Contact", d.contact);
  Section(out, "Model details", details);

  std::string use;
  Bullets(use, "Primary intended uses:", card.intended_use.primary_uses);
  Bullets(use, "Primary intended users:", card.intended_use.primary_users);
  Bullets(use, "Out-of-scope uses:", card.intended_use.out_of_scope);
  if (!use.empty()) use.pop_back();
  Section(out, "Intended use", use);

  std::string factors;
  Bullets(factors, "Relevant factors:", card.factors.relevant);
  Bullets(factors, "Evaluation factors:", card.factors.evaluation);
  if (!factors.empty()) factors.pop_back();
  Section(out, "Factors", factors);

  std::string metrics;
  FieldList(metrics, "Performance measures", card.metrics.performance_measures);
  FieldList(metrics, "Decision thresholds", card.metrics.decision_thresholds, "; ");
  Field(metrics, "Variation approaches", card.metrics.variation_approaches);
  Section(out, "Metrics", metrics);

  Section(out, "Evaluation data", DataBody(card.evaluation_data));
  Section(out, "Training data", DataBody(card.training_data));

  std::string quant;
  if (!card.quantitative_analyses.unitary.empty())
    quant += "Unitary results:\n\n" + ResultsTable(card.quantitative_analyses.unitary) + "\n";
  if (!card.quantitative_analyses.intersectional.empty()) {
    quant += "Intersectional results:\n\n" +
             ResultsTable(card.quantitative_analyses.intersectional) + "\n";
  }
  if (!quant.empty()) quant.pop_back();
  Section(out, "Quantitative analyses", quant);

  std::string evals;
  for (const CardEvalResult& r : ctx.results) {
    for (const CardMetricValue& m : r.metrics) {
      evals += "| " + Cell(Or(r.task_name, r.task_type)) + " | " +
               Cell(Or(r.dataset_name, r.dataset_type)) + " | " + Cell(Or(m.name, m.type)) +
               " | " + Number(m.value) + " |\n";
    }
  }
  if (!evals.empty()) {
    Section(out, "Evaluation results",
            "| Task | Dataset | Metric | Value |\n|---|---|---|---|\n" + evals);
  }

  std::string ethics;
  for (const std::string& s : card.ethical_considerations) ethics += "- " + s + "\n";
  Section(out, "Ethical considerations", ethics);
  std::string caveats;
  for (const std::string& s : card.caveats_and_recommendations) caveats += "- " + s + "\n";
  Section(out, "Caveats and recommendations", caveats);
  out.pop_back();  // one newline at the end
  return out;
}

}  // namespace ballast::registry
