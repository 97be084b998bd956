// ModelCard: the structured fields of a model card, following the sections of Mitchell et al.
// 2019, "Model Cards for Model Reporting" (model details, intended use, factors, metrics,
// evaluation data, training data, quantitative analyses, ethical considerations, caveats and
// recommendations), plus the Hugging Face metadata that has no place in those sections
// (`language`, `tags`).
//
//   CardFile f = DecodeModelCard(yaml_or_json_text, "cards/support-bot.yaml");
//   if (!f.ok()) return f.diagnostics.ToStatus();   // every error, with line, column and field
//   std::string stored = ModelCardToJson(*f.card).dump();
//
// Decoding is strict: unknown fields are errors naming the field (so a typo never silently drops
// a section), wrong types name the field and what was found, every field is optional. JSON is
// read through the same YAML path, so JSON errors also carry line and column. ModelCardToJson
// writes every field (empty ones included), and DecodeModelCard of its dump gives back an equal
// card.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostics.h"

namespace ballast::registry {

struct ModelDetails {
  std::vector<std::string> developers;  // people or organisations that built the model
  std::string date;                     // when it was built or released (free text, ISO 8601)
  std::string version;
  std::string type;  // "decoder-only transformer", "gradient-boosted trees", ...
  // Training algorithms, parameters, fairness constraints or other applied approaches.
  std::string training_algorithms;
  std::string parameters;               // e.g. "8B parameters, context 128k"
  std::vector<std::string> resources;   // papers or other resources (URLs)
  std::string citation;                 // how to cite it
  std::string license;                  // SPDX id where there is one ("apache-2.0")
  std::string contact;                  // where to send questions or comments
  friend bool operator==(const ModelDetails&, const ModelDetails&) = default;
};

struct IntendedUse {
  std::vector<std::string> primary_uses;
  std::vector<std::string> primary_users;
  std::vector<std::string> out_of_scope;  // uses the model is not fit for
  friend bool operator==(const IntendedUse&, const IntendedUse&) = default;
};

struct Factors {
  std::vector<std::string> relevant;    // groups, instrumentation, environments that matter
  std::vector<std::string> evaluation;  // those the evaluation reports on, and why
  friend bool operator==(const Factors&, const Factors&) = default;
};

struct CardMetrics {
  std::vector<std::string> performance_measures;
  std::vector<std::string> decision_thresholds;  // each with why it was chosen
  std::string variation_approaches;  // how the measurements' variation is computed
  friend bool operator==(const CardMetrics&, const CardMetrics&) = default;
};

// Evaluation data and training data share this shape (the paper asks training data to mirror
// evaluation data when it can be shared).
struct CardData {
  std::vector<std::string> datasets;  // dataset refs ("dataset@3") or public dataset ids
  std::string motivation;             // why these datasets
  std::string preprocessing;
  friend bool operator==(const CardData&, const CardData&) = default;
};

// One measured value for a factor (unitary) or a combination of factors (intersectional).
struct QuantitativeResult {
  std::string factor;  // "language=de", or "language=de, channel=email" for intersections
  std::string metric;  // one of metrics.performance_measures, by convention
  double value = 0;
  std::string dataset;  // optional
  friend bool operator==(const QuantitativeResult&, const QuantitativeResult&) = default;
};

struct QuantitativeAnalyses {
  std::vector<QuantitativeResult> unitary;
  std::vector<QuantitativeResult> intersectional;
  friend bool operator==(const QuantitativeAnalyses&, const QuantitativeAnalyses&) = default;
};

struct ModelCard {
  ModelDetails model_details;
  IntendedUse intended_use;
  Factors factors;
  CardMetrics metrics;
  CardData evaluation_data;
  CardData training_data;
  QuantitativeAnalyses quantitative_analyses;
  std::vector<std::string> ethical_considerations;
  std::vector<std::string> caveats_and_recommendations;
  // Hugging Face metadata, rendered into the front matter only.
  std::vector<std::string> language;  // ISO 639-1 codes
  std::vector<std::string> tags;
  friend bool operator==(const ModelCard&, const ModelCard&) = default;
};

struct CardDecodeOptions {
  size_t max_bytes = 256 * 1024;  // larger texts are refused unread
  size_t max_list_items = 1000;   // per list
};

struct CardFile {
  std::optional<ModelCard> card;  // set when there is no error
  Diagnostics diagnostics;
  bool ok() const { return !diagnostics.HasErrors(); }
};

// One YAML or JSON document holding a mapping of the fields above (an empty document is an
// empty card). `file_name` prefixes positions in diagnostics.
CardFile DecodeModelCard(std::string_view text, std::string_view file_name,
                         const CardDecodeOptions& options = {});

// Every field, in the decoder's names.
nlohmann::json ModelCardToJson(const ModelCard& card);

}  // namespace ballast::registry
