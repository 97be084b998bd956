// The tables of lineage node and edge types, and node id parsing (lineage_store.h).
#include "store/lineage_store.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace ballast::store {
namespace {

constexpr LineageNodeType kNodeTypes[] = {
    {"model_version", "a version of a registered model, NAME@N", true},
    {"prompt_version", "a version of a prompt, NAME@N", true},
    {"dataset_version", "a version of an eval dataset, NAME@N", true},
    {"eval_run", "an eval run, by its id", true},
    {"provider_model", "a provider's model id used as a base model (gpt-4o-2024-08-06)", false},
    {"commit", "a source code commit, by its hash", false},
    {"deployment", "a deployment of a model or prompt, by its id", false},
    {"incident", "an incident, by its id", false},
    {"rollout", "a rollout, by its id", false},
};

bool IsVersionType(std::string_view type) {
  return type == "model_version" || type == "prompt_version" || type == "dataset_version";
}

}  // namespace

std::span<const LineageNodeType> LineageNodeTypes() { return kNodeTypes; }

std::span<const LineageEdgeType> LineageEdgeTypes() {
  static const std::array<LineageEdgeType, 10> kEdgeTypes = {{
      {"fine_tuned_from", "a model version was fine-tuned from a base model",
       {"model_version"}, {"model_version", "provider_model"}},
      {"trained_on", "a model version was trained on a dataset version", {"model_version"},
       {"dataset_version"}},
      {"built_from", "a version was built from a code commit",
       {"model_version", "prompt_version", "dataset_version"}, {"commit"}},
      {"evaluated_with", "an eval run evaluated a model version", {"eval_run"},
       {"model_version"}},
      {"evaluated_on", "an eval run ran on a dataset version", {"eval_run"}, {"dataset_version"}},
      {"uses_prompt", "a run, model version, deployment or rollout uses a prompt version",
       {"eval_run", "model_version", "deployment", "rollout"}, {"prompt_version"}},
      {"deployed_as", "a deployment serves a model or prompt version", {"deployment"},
       {"model_version", "prompt_version"}},
      {"rolled_out", "a rollout moved traffic to a version or deployment", {"rollout"},
       {"model_version", "prompt_version", "deployment"}},
      {"produced_by", "a dataset version was produced by an incident, run or model",
       {"dataset_version"}, {"incident", "eval_run", "model_version"}},
      {"derived_from", "anything made from anything (the generic edge)", {}, {}},
  }};
  return kEdgeTypes;
}

Result<LineageNodeId> ParseLineageNode(std::string_view text, std::string_view field) {
  const std::string f(field);
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return Status::InvalidArgument(
        "node '" + std::string(text) + "' is not TYPE:ID (e.g. model_version:support-bot@3)", f);
  }
  const std::string_view type = text.substr(0, colon);
  const std::string_view key = text.substr(colon + 1);
  const auto& types = LineageNodeTypes();
  if (std::none_of(types.begin(), types.end(),
                   [&](const LineageNodeType& t) { return t.name == type; })) {
    std::string known;
    for (const LineageNodeType& t : types) known += (known.empty() ? "" : ", ") + std::string(t.name);
    return Status::InvalidArgument(
        "unknown node type '" + std::string(type) + "' (known: " + known + ")", f);
  }
  if (key.empty()) return Status::InvalidArgument("node '" + std::string(text) + "' has no id", f);
  if (key.size() > 512) return Status::InvalidArgument("node id is longer than 512 characters", f);
  for (char c : key) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return Status::InvalidArgument("node id holds a control character", f);
    }
  }
  if (IsVersionType(type)) {
    const size_t at = key.rfind('@');
    const std::string_view number = at == std::string_view::npos ? "" : key.substr(at + 1);
    int64_t n = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
    if (at == 0 || at == std::string_view::npos || number.empty() || ec != std::errc() ||
        end != number.data() + number.size() || n < 1 ||
        key.find('@') != at) {
      return Status::InvalidArgument("a " + std::string(type) + " node is NAME@N with N a version "
                                         "number (aliases and labels are not nodes), not '" +
                                         std::string(key) + "'",
                                     f);
    }
  } else if (type == "eval_run") {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), n);
    if (ec != std::errc() || end != key.data() + key.size() || n < 1) {
      return Status::InvalidArgument("an eval_run node is its numeric id, not '" +
                                         std::string(key) + "'",
                                     f);
    }
  }
  return LineageNodeId{std::string(type), std::string(key)};
}

std::optional<LineageDirection> ParseLineageDirection(std::string_view s) {
  if (s == "up") return LineageDirection::kUp;
  if (s == "down") return LineageDirection::kDown;
  if (s == "both") return LineageDirection::kBoth;
  return std::nullopt;
}

std::string_view LineageDirectionName(LineageDirection d) {
  switch (d) {
    case LineageDirection::kUp:
      return "up";
    case LineageDirection::kDown:
      return "down";
    case LineageDirection::kBoth:
      return "both";
  }
  return "both";
}

}  // namespace ballast::store
