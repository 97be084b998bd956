#include "registry/prompt_decode.h"

#include <fmt/format.h>

#include <map>
#include <set>
#include <utility>

#include "registry/template.h"
#include "registry/yaml_reader.h"

namespace ballast::registry {
namespace {

using yaml::DecodeContext;
using yaml::IndexPath;
using yaml::JoinPath;
using yaml::MapReader;

std::string Where(const TemplatePos& pos) {
  return "line " + std::to_string(pos.line) + ", column " + std::to_string(pos.column) +
         " of the template";
}

std::map<std::string, std::string> ReadStringMap(DecodeContext& ctx, const YAML::Node& node,
                                                 const std::string& path) {
  std::map<std::string, std::string> out;
  MapReader r(ctx, node, path);
  if (!r.ok()) return out;
  for (const auto& [key, value] : r.TakeAll()) {
    std::string key_path = JoinPath(path, key.Scalar());
    if (key.Scalar().empty() || !yaml::IsValidUtf8(key.Scalar())) {
      ctx.Error(key, key_path, "keys must be non-empty UTF-8 strings");
      continue;
    }
    if (auto v = yaml::ReadString(ctx, value, key_path)) out[key.Scalar()] = *v;
  }
  return out;
}

std::optional<Variable> ReadVariable(DecodeContext& ctx, const YAML::Node& node,
                                     const std::string& path) {
  Variable v;
  if (ctx.IsNull(node)) return v;  // `name:` alone: required, no description
  MapReader r(ctx, node, path);
  if (!r.ok()) return std::nullopt;
  if (auto d = r.String("description")) v.description = *d;
  YAML::Node required = r.Get("required");
  std::optional<bool> req;
  if (required.IsDefined()) req = yaml::ReadBool(ctx, required, r.Path("required"));
  YAML::Node def = r.Get("default");
  if (def.IsDefined()) {
    v.default_value = yaml::ReadStringOrNumber(ctx, def, r.Path("default"));
    if (req == true) {
      ctx.Error(required, r.Path("required"),
                "a variable with a default is optional: remove `required: true` or the default");
    }
    v.required = false;
  } else if (req) {
    v.required = *req;
  }
  r.Finish();
  return v;
}

// "must be in [0, 2]" / "must be in (0, 1]".
std::string RangeText(double lo, bool lo_open, double hi) {
  return fmt::format("must be in {}{}, {}]", lo_open ? "(" : "[", lo, hi);
}

void ReadModel(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
               ModelParameters& m) {
  MapReader r(ctx, node, path);
  if (!r.ok()) return;
  YAML::Node model = r.Get("model");
  if (model.IsDefined()) {
    if (auto s = yaml::ReadString(ctx, model, r.Path("model"))) {
      Result<ModelRef> ref = ParseModelRef(*s);
      if (ref) {
        m.model = *s;
      } else {
        ctx.Error(model, r.Path("model"), ref.error().message());
      }
    }
  }
  auto number_in = [&](std::string_view key, double lo, bool lo_open, double hi,
                       std::optional<double>& out) {
    YAML::Node n = r.Get(key);
    if (!n.IsDefined()) return;
    std::optional<double> v = yaml::ReadNumber(ctx, n, r.Path(key));
    if (!v) return;
    if ((lo_open ? *v <= lo : *v < lo) || *v > hi) {
      ctx.Error(n, r.Path(key), fmt::format("{} {}", *v, RangeText(lo, lo_open, hi)));
      return;
    }
    out = v;
  };
  number_in("temperature", 0, false, 2, m.temperature);
  number_in("top_p", 0, true, 1, m.top_p);
  YAML::Node max_tokens = r.Get("max_tokens");
  if (max_tokens.IsDefined()) {
    if (auto v = yaml::ReadInteger(ctx, max_tokens, r.Path("max_tokens"))) {
      if (*v < 1) {
        ctx.Error(max_tokens, r.Path("max_tokens"), "must be at least 1");
      } else {
        m.max_tokens = *v;
      }
    }
  }
  YAML::Node stop = r.Get("stop");
  if (stop.IsDefined()) {
    auto add = [&](const YAML::Node& item, const std::string& item_path) {
      std::optional<std::string> s = yaml::ReadString(ctx, item, item_path);
      if (!s) return;
      if (s->empty()) {
        ctx.Error(item, item_path, "a stop sequence must not be empty");
        return;
      }
      m.stop.push_back(*s);
    };
    if (stop.IsSequence()) {
      for (size_t i = 0; i < stop.size(); ++i) add(stop[i], IndexPath(r.Path("stop"), i));
    } else {
      add(stop, r.Path("stop"));
    }
  }
  YAML::Node params = r.Get("parameters");
  if (params.IsDefined()) {
    if (!params.IsMap()) {
      ctx.Error(params, r.Path("parameters"),
                "expected a mapping, found " + yaml::DescribeType(params));
    } else if (auto j = yaml::ToJson(ctx, params, r.Path("parameters"))) {
      for (std::string_view typed : {"model", "temperature", "max_tokens", "top_p", "stop"}) {
        if (j->contains(typed)) {
          ctx.Error(params, JoinPath(r.Path("parameters"), typed),
                    fmt::format("set {} instead", r.Path(typed)));
        }
      }
      m.parameters = std::move(*j);
    }
  }
  r.Finish();
}

// Parses one template and checks its placeholders against the declared variables.
void CheckTemplate(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
                   const std::string& text, const std::map<std::string, Variable>& variables,
                   bool variables_ok, std::set<std::string>& used) {
  ParsedTemplate t = ParseTemplate(text);
  for (const TemplateError& e : t.errors) ctx.Error(node, path, Where(e.pos) + ": " + e.message);
  std::set<std::string> reported;
  for (const TemplateSegment& s : t.segments) {
    if (s.kind != TemplateSegment::Kind::kPlaceholder) continue;
    used.insert(s.value);
    if (!variables_ok || variables.count(s.value) > 0 || !reported.insert(s.value).second)
      continue;
    ctx.Error(node, path,
              fmt::format("{}: placeholder {{{{ {} }}}} is not a declared variable (declare it "
                          "under spec.variables)",
                          Where(s.pos), s.value));
  }
}

void ReadSpec(DecodeContext& ctx, const YAML::Node& node, const DecodeOptions& options,
              PromptSpec& spec) {
  MapReader r(ctx, node, "spec");
  if (!r.ok()) return;
  if (auto d = r.String("description")) spec.description = *d;

  // Variables first: template checks need them.
  bool variables_ok = true;
  std::map<std::string, YAML::Node> variable_keys;
  YAML::Node vars = r.Get("variables");
  if (vars.IsDefined()) {
    MapReader vr(ctx, vars, "spec.variables");
    variables_ok = vr.ok();
    for (const auto& [key, value] : vr.TakeAll()) {
      std::string var_path = JoinPath("spec.variables", key.Scalar());
      if (!IsVariableName(key.Scalar())) {
        ctx.Error(key, var_path,
                  "invalid variable name: must match [A-Za-z_][A-Za-z0-9_]*");
        variables_ok = false;
        continue;
      }
      if (auto v = ReadVariable(ctx, value, var_path)) {
        spec.variables[key.Scalar()] = std::move(*v);
        variable_keys[key.Scalar()] = key;
      } else {
        variables_ok = false;
      }
    }
  }

  std::set<std::string> used;
  size_t template_bytes = 0;
  YAML::Node text = r.Get("template");
  YAML::Node messages = r.Get("messages");
  if (text.IsDefined() && messages.IsDefined()) {
    ctx.Error(messages, "spec.messages",
              "set either spec.template (a text prompt) or spec.messages (a chat prompt), not both");
  } else if (!text.IsDefined() && !messages.IsDefined()) {
    ctx.Error(node, "spec", "one of spec.template or spec.messages is required");
  }
  if (text.IsDefined()) {
    if (auto s = yaml::ReadString(ctx, text, "spec.template")) {
      template_bytes += s->size();
      CheckTemplate(ctx, text, "spec.template", *s, spec.variables, variables_ok, used);
      spec.text = std::move(*s);
    }
  } else if (messages.IsDefined()) {
    spec.text.reset();
    if (!messages.IsSequence()) {
      ctx.Error(messages, "spec.messages",
                "expected a list, found " + yaml::DescribeType(messages));
    } else if (messages.size() == 0) {
      ctx.Error(messages, "spec.messages", "a chat prompt needs at least one message");
    }
    for (size_t i = 0; messages.IsSequence() && i < messages.size(); ++i) {
      std::string item_path = IndexPath("spec.messages", i);
      YAML::Node item = messages[i];
      MapReader mr(ctx, item, item_path);
      if (!mr.ok()) continue;
      Message m;
      YAML::Node role = mr.Get("role");
      if (auto name = mr.String("role", /*required=*/true)) {
        if (auto parsed = ParseRole(*name)) {
          m.role = *parsed;
        } else {
          ctx.Error(role, mr.Path("role"),
                    fmt::format("unknown role \"{}\" (expected system, user, assistant or tool)",
                                name->substr(0, 40)));
        }
      }
      YAML::Node content = mr.Get("content");
      if (auto c = mr.String("content", /*required=*/true)) {
        template_bytes += c->size();
        CheckTemplate(ctx, content, mr.Path("content"), *c, spec.variables, variables_ok, used);
        m.content = std::move(*c);
      }
      mr.Finish();
      spec.messages.push_back(std::move(m));
      if (template_bytes > options.max_template_bytes) break;
    }
  }
  if (template_bytes > options.max_template_bytes) {
    ctx.Error(node, "spec",
              fmt::format("templates too large ({} bytes, limit {})", template_bytes,
                          options.max_template_bytes));
  }
  for (const auto& [name, key] : variable_keys) {
    if (used.count(name) == 0) {
      ctx.Warning(key, JoinPath("spec.variables", name), "declared but never used in a template");
    }
  }

  YAML::Node model = r.Get("model");
  if (model.IsDefined()) ReadModel(ctx, model, "spec.model", spec.model);
  r.Finish();
}

std::optional<Prompt> DecodePrompt(DecodeContext& ctx, const YAML::Node& doc,
                                   const DecodeOptions& options) {
  size_t errors_before = ctx.diags().error_count();
  MapReader r(ctx, doc, "");
  if (!r.ok()) return std::nullopt;
  Prompt p;
  p.pos = ctx.Pos(doc);
  YAML::Node api = r.Get("apiVersion");
  if (auto v = r.String("apiVersion", /*required=*/true); v && *v != kPromptApiVersion) {
    ctx.Error(api, "apiVersion",
              fmt::format("unsupported apiVersion \"{}\" (expected {})", v->substr(0, 40),
                          kPromptApiVersion));
  }
  YAML::Node kind = r.Get("kind");
  if (auto v = r.String("kind", /*required=*/true); v && *v != kPromptKind) {
    ctx.Error(kind, "kind",
              fmt::format("unsupported kind \"{}\" (expected {})", v->substr(0, 40), kPromptKind));
  }
  YAML::Node metadata = r.Get("metadata");
  if (!metadata.IsDefined()) {
    ctx.Error(doc, "metadata", "required field is missing");
  } else {
    MapReader mr(ctx, metadata, "metadata");
    if (mr.ok()) {
      YAML::Node name = mr.Get("name");
      if (auto n = mr.String("name", /*required=*/true)) {
        if (std::string why = PromptNameError(*n); !why.empty()) {
          ctx.Error(name, "metadata.name", why);
        }
        p.name = std::move(*n);
      }
      YAML::Node labels = mr.Get("labels");
      if (labels.IsDefined()) p.labels = ReadStringMap(ctx, labels, "metadata.labels");
      YAML::Node annotations = mr.Get("annotations");
      if (annotations.IsDefined()) {
        p.annotations = ReadStringMap(ctx, annotations, "metadata.annotations");
      }
      mr.Finish();
    }
  }
  YAML::Node spec = r.Get("spec");
  if (!spec.IsDefined()) {
    ctx.Error(doc, "spec", "required field is missing");
  } else {
    ReadSpec(ctx, spec, options, p.spec);
  }
  r.Finish();
  if (ctx.diags().error_count() != errors_before) return std::nullopt;
  return p;
}

}  // namespace

PromptFile DecodePromptFile(std::string_view text, std::string_view file_name,
                            const DecodeOptions& options) {
  PromptFile out;
  DecodeContext ctx(std::string(file_name), &out.diagnostics, internal::kRegistryDialect);
  if (text.size() > options.max_bytes) {
    out.diagnostics.Error(SourcePos{std::string(file_name)}, "",
                          fmt::format("file too large ({} bytes, limit {})", text.size(),
                                      options.max_bytes));
    return out;
  }
  std::vector<YAML::Node> docs = yaml::ParseDocuments(ctx, std::string(text));
  std::map<std::string, SourcePos> seen;
  size_t objects = 0;
  for (const YAML::Node& doc : docs) {
    if (ctx.IsNull(doc)) continue;
    if (++objects > options.max_prompts) {
      ctx.Error(doc, "", fmt::format("too many prompts in one file (limit {})",
                                     options.max_prompts));
      break;
    }
    std::optional<Prompt> p = DecodePrompt(ctx, doc, options);
    if (!p) continue;
    auto [it, fresh] = seen.emplace(p->name, p->pos);
    if (!fresh) {
      ctx.Error(doc, "metadata.name",
                fmt::format("duplicate prompt \"{}\" (first defined at {})", p->name,
                            it->second.ToString()));
      continue;
    }
    out.prompts.push_back(std::move(*p));
  }
  out.diagnostics.SortByPosition();
  return out;
}

}  // namespace ballast::registry
