#include "registry/prompt_diff.h"

#include <fmt/format.h>

#include "registry/line_diff.h"

namespace ballast::registry {
namespace {

void Flatten(const nlohmann::json& j, const std::string& prefix, std::string& out) {
  if (j.is_object() && !j.empty()) {
    for (const auto& [key, value] : j.items()) {
      Flatten(value, prefix.empty() ? key : prefix + "." + key, out);
    }
    return;
  }
  out += prefix;
  out += ": ";
  out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out += '\n';
}

}  // namespace

std::string TemplateDiffText(const PromptSpec& spec) {
  if (spec.text) return *spec.text;
  std::string out;
  for (size_t i = 0; i < spec.messages.size(); ++i) {
    const Message& m = spec.messages[i];
    if (i > 0) out += '\n';
    out += RoleName(m.role);
    out += ": ";
    out += m.content;
    if (out.back() != '\n') out += '\n';
  }
  return out;
}

std::string ParameterDiffText(const PromptSpec& spec) {
  nlohmann::json j = SpecToJson(spec);
  j.erase("template");
  j.erase("messages");
  std::string out;
  if (!j.empty()) Flatten(j, "", out);
  return out;
}

std::string PromptDiff(const PromptSpec& from, const PromptSpec& to, std::string_view from_label,
                       std::string_view to_label) {
  std::string out = UnifiedDiff(TemplateDiffText(from), TemplateDiffText(to),
                                fmt::format("{} template", from_label),
                                fmt::format("{} template", to_label));
  out += UnifiedDiff(ParameterDiffText(from), ParameterDiffText(to),
                     fmt::format("{} spec", from_label), fmt::format("{} spec", to_label));
  return out;
}

}  // namespace ballast::registry
