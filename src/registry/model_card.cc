#include "registry/model_card.h"

#include <fmt/format.h>

#include <utility>

#include "registry/yaml_reader.h"

namespace ballast::registry {
namespace {

using yaml::DecodeContext;
using yaml::IndexPath;
using yaml::MapReader;

class CardReader {
 public:
  CardReader(DecodeContext& ctx, const CardDecodeOptions& options) : ctx_(ctx), options_(options) {}

  void String(MapReader& r, std::string_view key, std::string& out) {
    if (auto v = r.String(key)) out = std::move(*v);
  }

  void StringList(MapReader& r, std::string_view key, std::vector<std::string>& out) {
    YAML::Node node = r.Get(key);
    if (!node.IsDefined()) return;
    const std::string path = r.Path(key);
    if (!node.IsSequence()) {
      ctx_.Error(node, path, "expected a list of strings, found " + yaml::DescribeType(node));
      return;
    }
    if (node.size() > options_.max_list_items) {
      ctx_.Error(node, path,
                 fmt::format("too many items ({}, limit {})", node.size(), options_.max_list_items));
      return;
    }
    for (size_t i = 0; i < node.size(); ++i) {
      if (auto v = yaml::ReadString(ctx_, node[i], IndexPath(path, i))) out.push_back(*v);
    }
  }

  // Runs `fill` on the mapping at `key` when present, then reports its unknown fields.
  template <typename Fill>
  void Section(MapReader& r, std::string_view key, Fill fill) {
    YAML::Node node = r.Get(key);
    if (!node.IsDefined()) return;
    MapReader s(ctx_, node, r.Path(key));
    if (!s.ok()) return;
    fill(s);
    s.Finish();
  }

  void Data(MapReader& r, std::string_view key, CardData& out) {
    Section(r, key, [&](MapReader& s) {
      StringList(s, "datasets", out.datasets);
      String(s, "motivation", out.motivation);
      String(s, "preprocessing", out.preprocessing);
    });
  }

  void Results(MapReader& r, std::string_view key, std::vector<QuantitativeResult>& out) {
    YAML::Node node = r.Get(key);
    if (!node.IsDefined()) return;
    const std::string path = r.Path(key);
    if (!node.IsSequence()) {
      ctx_.Error(node, path, "expected a list of results, found " + yaml::DescribeType(node));
      return;
    }
    if (node.size() > options_.max_list_items) {
      ctx_.Error(node, path,
                 fmt::format("too many items ({}, limit {})", node.size(), options_.max_list_items));
      return;
    }
    for (size_t i = 0; i < node.size(); ++i) {
      MapReader item(ctx_, node[i], IndexPath(path, i));
      if (!item.ok()) continue;
      QuantitativeResult q;
      bool complete = true;
      if (auto v = item.String("factor", /*required=*/true)) q.factor = *v; else complete = false;
      if (auto v = item.String("metric", /*required=*/true)) q.metric = *v; else complete = false;
      YAML::Node value = item.Get("value");
      if (!value.IsDefined()) {
        ctx_.Error(node[i], item.Path("value"), "required field is missing");
        complete = false;
      } else if (auto v = yaml::ReadNumber(ctx_, value, item.Path("value"))) {
        q.value = *v;
      } else {
        complete = false;
      }
      String(item, "dataset", q.dataset);
      item.Finish();
      if (complete) out.push_back(std::move(q));
    }
  }

 private:
  DecodeContext& ctx_;
  const CardDecodeOptions& options_;
};

void Decode(DecodeContext& ctx, const YAML::Node& doc, const CardDecodeOptions& options,
            ModelCard& card) {
  MapReader r(ctx, doc, "");
  if (!r.ok()) return;
  CardReader c(ctx, options);
  c.Section(r, "model_details", [&](MapReader& s) {
    ModelDetails& d = card.model_details;
    c.StringList(s, "developers", d.developers);
    c.String(s, "date", d.date);
    c.String(s, "version", d.version);
    c.String(s, "type", d.type);
    c.String(s, "training_algorithms", d.training_algorithms);
    c.String(s, "parameters", d.parameters);
    c.StringList(s, "resources", d.resources);
    c.String(s, "citation", d.citation);
    c.String(s, "license", d.license);
    c.String(s, "contact", d.contact);
  });
  c.Section(r, "intended_use", [&](MapReader& s) {
    c.StringList(s, "primary_uses", card.intended_use.primary_uses);
    c.StringList(s, "primary_users", card.intended_use.primary_users);
    c.StringList(s, "out_of_scope", card.intended_use.out_of_scope);
  });
  c.Section(r, "factors", [&](MapReader& s) {
    c.StringList(s, "relevant", card.factors.relevant);
    c.StringList(s, "evaluation", card.factors.evaluation);
  });
  c.Section(r, "metrics", [&](MapReader& s) {
    c.StringList(s, "performance_measures", card.metrics.performance_measures);
    c.StringList(s, "decision_thresholds", card.metrics.decision_thresholds);
    c.String(s, "variation_approaches", card.metrics.variation_approaches);
  });
  c.Data(r, "evaluation_data", card.evaluation_data);
  c.Data(r, "training_data", card.training_data);
  c.Section(r, "quantitative_analyses", [&](MapReader& s) {
    c.Results(s, "unitary", card.quantitative_analyses.unitary);
    c.Results(s, "intersectional", card.quantitative_analyses.intersectional);
  });
  c.StringList(r, "ethical_considerations", card.ethical_considerations);
  c.StringList(r, "caveats_and_recommendations", card.caveats_and_recommendations);
  c.StringList(r, "language", card.language);
  c.StringList(r, "tags", card.tags);
  r.Finish();
}

nlohmann::json DataJson(const CardData& d) {
  return {{"datasets", d.datasets}, {"motivation", d.motivation},
          {"preprocessing", d.preprocessing}};
}

nlohmann::json ResultsJson(const std::vector<QuantitativeResult>& results) {
  nlohmann::json out = nlohmann::json::array();
  for (const QuantitativeResult& q : results) {
    out.push_back(
        {{"factor", q.factor}, {"metric", q.metric}, {"value", q.value}, {"dataset", q.dataset}});
  }
  return out;
}

}  // namespace

CardFile DecodeModelCard(std::string_view text, std::string_view file_name,
                         const CardDecodeOptions& options) {
  CardFile out;
  DecodeContext ctx(std::string(file_name), &out.diagnostics, internal::kRegistryDialect);
  if (text.size() > options.max_bytes) {
    out.diagnostics.Error(SourcePos{std::string(file_name)}, "",
                          fmt::format("model card too large ({} bytes, limit {})", text.size(),
                                      options.max_bytes));
    return out;
  }
  std::vector<YAML::Node> docs = yaml::ParseDocuments(ctx, std::string(text));
  if (out.diagnostics.HasErrors()) return out;
  ModelCard card;
  size_t seen = 0;
  for (const YAML::Node& doc : docs) {
    if (ctx.IsNull(doc)) continue;
    if (++seen > 1) {
      ctx.Error(doc, "", "a model card is one document; found a second one");
      break;
    }
    Decode(ctx, doc, options, card);
  }
  out.diagnostics.SortByPosition();
  if (!out.diagnostics.HasErrors()) out.card = std::move(card);
  return out;
}

nlohmann::json ModelCardToJson(const ModelCard& card) {
  const ModelDetails& d = card.model_details;
  return {
      {"model_details",
       {{"developers", d.developers},
        {"date", d.date},
        {"version", d.version},
        {"type", d.type},
        {"training_algorithms", d.training_algorithms},
        {"parameters", d.parameters},
        {"resources", d.resources},
        {"citation", d.citation},
        {"license", d.license},
        {"contact", d.contact}}},
      {"intended_use",
       {{"primary_uses", card.intended_use.primary_uses},
        {"primary_users", card.intended_use.primary_users},
        {"out_of_scope", card.intended_use.out_of_scope}}},
      {"factors", {{"relevant", card.factors.relevant}, {"evaluation", card.factors.evaluation}}},
      {"metrics",
       {{"performance_measures", card.metrics.performance_measures},
        {"decision_thresholds", card.metrics.decision_thresholds},
        {"variation_approaches", card.metrics.variation_approaches}}},
      {"evaluation_data", DataJson(card.evaluation_data)},
      {"training_data", DataJson(card.training_data)},
      {"quantitative_analyses",
       {{"unitary", ResultsJson(card.quantitative_analyses.unitary)},
        {"intersectional", ResultsJson(card.quantitative_analyses.intersectional)}}},
      {"ethical_considerations", card.ethical_considerations},
      {"caveats_and_recommendations", card.caveats_and_recommendations},
      {"language", card.language},
      {"tags", card.tags},
  };
}

}  // namespace ballast::registry
