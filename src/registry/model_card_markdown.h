// Rendering a model card as Markdown with Hugging Face-style YAML front matter, so the text can
// be published as a README.md on the Hub or read as is.
//
//   CardContext ctx{.model = "support-bot", .version = 3, .base_model = "llama-3-8b",
//                   .datasets = {"tickets@2"}, .results = eval_results};
//   std::string md = RenderModelCardMarkdown(card, ctx);
//
// The front matter holds `license` (model_details.license), `language`, `tags`, `base_model`,
// `datasets` (the version's lineage datasets, then the card's training and evaluation datasets,
// without repeats) and a `model-index` with one entry whose `results` are the version's eval
// results grouped by (task, dataset). Keys without a value are left out, so an empty card
// renders to a short, valid document. The body has one `##` section per card section, in the
// order of Mitchell et al. 2019, and the eval results again as a table.
//
// Scalars in the front matter are double-quoted (JSON escaping, which YAML accepts) unless they
// are plain identifiers that YAML reads back as the same string, so no user text can break the
// `---` block.
//
// Thread safety: pure function.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "registry/model_card.h"

namespace ballast::registry {

struct CardMetricValue {
  std::string type;  // machine name: "accuracy", "faithfulness"
  double value = 0;
  std::string name;  // display name; "" = type
};

// The results of one eval run, as the front matter's model-index wants them. Callers map their
// eval runs into this (the renderer knows nothing of the eval store).
struct CardEvalResult {
  std::string task_type;  // "text-generation"
  std::string task_name;  // "" = task_type
  std::string dataset_type;  // dataset id or ref: "support-tickets@3"
  std::string dataset_name;  // "" = dataset_type
  std::vector<CardMetricValue> metrics;
};

struct CardContext {
  std::string model;  // registered model name
  int64_t version = 0;
  std::vector<std::string> aliases;  // aliases pointing at the version, for the heading
  std::string base_model;            // lineage; "" = none
  std::vector<std::string> datasets;  // lineage dataset refs
  std::string lifecycle;              // "active", "deprecated", ...; "" = not shown
  std::string retires_at;             // RFC 3339; "" = none
  std::string replacement;            // "" = none
  std::vector<CardEvalResult> results;
};

std::string RenderModelCardMarkdown(const ModelCard& card, const CardContext& context);

}  // namespace ballast::registry
