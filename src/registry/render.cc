#include "registry/render.h"

#include <fmt/format.h>

#include <map>

#include "registry/template.h"

namespace ballast::registry {
namespace {

std::string_view JsonTypeName(const nlohmann::json& v) {
  if (v.is_boolean()) return "a boolean";
  if (v.is_null()) return "null";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "an object";
  return "a value";
}

Result<std::string> Expand(std::string_view text, const std::map<std::string, std::string>& values,
                           std::string_view where) {
  ParsedTemplate t = ParseTemplate(text);
  if (!t.ok()) {
    const TemplateError& e = t.errors.front();
    return Status::InvalidArgument(
        fmt::format("{}: line {}, column {}: {}", where, e.pos.line, e.pos.column, e.message),
        std::string(where));
  }
  std::string out;
  out.reserve(text.size());
  for (const TemplateSegment& s : t.segments) {
    if (s.kind == TemplateSegment::Kind::kText) {
      out += s.value;
      continue;
    }
    auto it = values.find(s.value);
    if (it == values.end()) {
      return Status::InvalidArgument(
          fmt::format("{}: placeholder {{{{ {} }}}} is not a declared variable", where, s.value),
          std::string(where));
    }
    out += it->second;
  }
  return out;
}

}  // namespace

nlohmann::json RenderedPrompt::ToJson() const {
  if (text) return {{"text", *text}};
  nlohmann::json messages_json = nlohmann::json::array();
  for (const Message& m : messages)
    messages_json.push_back({{"role", std::string(RoleName(m.role))}, {"content", m.content}});
  return {{"messages", std::move(messages_json)}};
}

Result<RenderedPrompt> Render(const PromptSpec& spec, const nlohmann::json& variables) {
  if (!variables.is_null() && !variables.is_object()) {
    return Status::InvalidArgument(
        fmt::format("variables must be an object, found {}", variables.type_name()), "variables");
  }
  std::vector<std::string> problems;
  std::string first_field;
  auto problem = [&](const std::string& name, std::string message) {
    if (first_field.empty()) first_field = "variables." + name;
    problems.push_back(std::move(message));
  };
  std::map<std::string, std::string> values;
  if (variables.is_object()) {
    for (const auto& [name, value] : variables.items()) {
      if (spec.variables.count(name) == 0) {
        problem(name, fmt::format("unknown variable \"{}\": the prompt does not declare it",
                                  name.substr(0, 64)));
      } else if (value.is_string()) {
        values[name] = value.get<std::string>();
      } else if (value.is_number()) {
        values[name] = value.dump();
      } else {
        problem(name, fmt::format("variable \"{}\" must be a string or a number, found {}", name,
                                  JsonTypeName(value)));
      }
    }
  }
  for (const auto& [name, var] : spec.variables) {
    if (variables.is_object() && variables.contains(name)) continue;
    if (var.required) {
      problem(name, fmt::format("missing required variable \"{}\"", name));
    } else if (var.default_value) {
      values[name] = var.default_value->is_string() ? var.default_value->get<std::string>()
                                                    : var.default_value->dump();
    } else {
      values[name] = "";
    }
  }
  if (!problems.empty()) {
    std::string message;
    for (const std::string& p : problems) message += (message.empty() ? "" : "; ") + p;
    return Status::InvalidArgument(std::move(message), std::move(first_field));
  }
  RenderedPrompt out;
  if (spec.text) {
    BALLAST_ASSIGN_OR_RETURN(std::string text, Expand(*spec.text, values, "spec.template"));
    out.text = std::move(text);
    return out;
  }
  for (size_t i = 0; i < spec.messages.size(); ++i) {
    const Message& m = spec.messages[i];
    BALLAST_ASSIGN_OR_RETURN(
        std::string content,
        Expand(m.content, values, fmt::format("spec.messages[{}].content", i)));
    out.messages.push_back({m.role, std::move(content)});
  }
  return out;
}

}  // namespace ballast::registry
