#include "registry/prompt.h"

#include <algorithm>

#include "common/dns_name.h"
#include "common/sha256.h"

namespace ballast::registry {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kSystem:
      return "system";
    case Role::kUser:
      return "user";
    case Role::kAssistant:
      return "assistant";
    case Role::kTool:
      return "tool";
  }
  return "user";
}

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "system") return Role::kSystem;
  if (name == "user") return Role::kUser;
  if (name == "assistant") return Role::kAssistant;
  if (name == "tool") return Role::kTool;
  return std::nullopt;
}

bool ModelRef::IsVersionNumber() const {
  return !ref.empty() && std::all_of(ref.begin(), ref.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
}

std::string ModelRef::ToString() const { return ref.empty() ? name : name + "@" + ref; }

Result<ModelRef> ParseModelRef(std::string_view text) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  auto alnum = [&](char c) { return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  ModelRef out;
  size_t at = text.find('@');
  std::string_view name = text.substr(0, at);
  if (name.empty()) return Status::InvalidArgument("model reference has an empty model name");
  for (char c : name) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || static_cast<unsigned char>(c) < 0x20)
      return Status::InvalidArgument("model name must not contain whitespace or control characters");
  }
  out.name = std::string(name);
  if (at == std::string_view::npos) return out;
  std::string_view ref = text.substr(at + 1);
  if (ref.empty()) return Status::InvalidArgument("model reference ends with '@' but no alias or version");
  if (std::all_of(ref.begin(), ref.end(), digit)) {
    if (ref.front() == '0')
      return Status::InvalidArgument("model version must be a number >= 1 without leading zeros");
  } else if (!alnum(ref.front()) || !std::all_of(ref.begin(), ref.end(), [&](char c) {
               return alnum(c) || c == '_' || c == '-';
             })) {
    return Status::InvalidArgument(
        "model alias must match [A-Za-z0-9][A-Za-z0-9_-]* (or be a version number)");
  }
  out.ref = std::string(ref);
  return out;
}

std::string PromptNameError(std::string_view name) { return DnsNameError(name); }

nlohmann::json SpecToJson(const PromptSpec& spec) {
  nlohmann::json j = nlohmann::json::object();
  if (!spec.description.empty()) j["description"] = spec.description;
  if (spec.text) {
    j["template"] = *spec.text;
  } else {
    nlohmann::json messages = nlohmann::json::array();
    for (const Message& m : spec.messages)
      messages.push_back({{"role", std::string(RoleName(m.role))}, {"content", m.content}});
    j["messages"] = std::move(messages);
  }
  if (!spec.variables.empty()) {
    nlohmann::json vars = nlohmann::json::object();
    for (const auto& [name, v] : spec.variables) {
      nlohmann::json var = {{"required", v.required}};
      if (!v.description.empty()) var["description"] = v.description;
      if (v.default_value) var["default"] = *v.default_value;
      vars[name] = std::move(var);
    }
    j["variables"] = std::move(vars);
  }
  const ModelParameters& m = spec.model;
  nlohmann::json model = nlohmann::json::object();
  if (m.model) model["model"] = *m.model;
  if (m.temperature) model["temperature"] = *m.temperature;
  if (m.max_tokens) model["max_tokens"] = *m.max_tokens;
  if (m.top_p) model["top_p"] = *m.top_p;
  if (!m.stop.empty()) model["stop"] = m.stop;
  if (!m.parameters.empty()) model["parameters"] = m.parameters;
  if (!model.empty()) j["model"] = std::move(model);
  return j;
}

nlohmann::json PromptToJson(const Prompt& prompt) {
  nlohmann::json metadata = {{"name", prompt.name}};
  if (!prompt.labels.empty()) metadata["labels"] = prompt.labels;
  if (!prompt.annotations.empty()) metadata["annotations"] = prompt.annotations;
  return {{"apiVersion", std::string(kPromptApiVersion)},
          {"kind", std::string(kPromptKind)},
          {"metadata", std::move(metadata)},
          {"spec", SpecToJson(prompt.spec)}};
}

std::string CanonicalSpecJson(const PromptSpec& spec) {
  // nlohmann::json objects are std::maps: keys come out sorted. Replacing invalid UTF-8 only
  // matters for specs built in code; decoded specs never hold any.
  return SpecToJson(spec).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ContentHash(const PromptSpec& spec) { return Sha256Hex(CanonicalSpecJson(spec)); }

}  // namespace ballast::registry
