// Prompt: one `kind: Prompt` object as decoded from a prompt file (see docs/prompts.md).
//
//   apiVersion: ballast.dev/v1
//   kind: Prompt
//   metadata: {name: support-reply, labels: {team: support}}
//   spec:
//     messages:
//       - {role: system, content: "You answer for {{ company }}."}
//       - {role: user, content: "{{ question }}"}
//     variables:
//       company: {description: Brand name, default: Acme}
//       question: {description: The customer's question}
//     model: {model: gpt-4o@production, temperature: 0.2, max_tokens: 512}
//
// The spec is the versioned content: its canonical JSON (SpecToJson, sorted keys, no whitespace)
// is what ContentHash hashes, so formatting, key order, and spelling out a default
// (`required: true`) never create a new version. metadata (name, labels, annotations) is not
// content. Registry aliases such as `production` are not metadata.labels: they live in the
// registry and move between versions.
//
// Thread safety: values; no shared state.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/diagnostics.h"
#include "common/status.h"

namespace ballast::registry {

// Diagnostics are the shared type of common/diagnostics.h; these keep the registry:: spelling for
// callers outside src/registry (cli/prompt_cli.cc).
using ballast::Diagnostic;
using ballast::Diagnostics;
using ballast::Severity;
using ballast::SourcePos;

inline constexpr std::string_view kPromptApiVersion = "ballast.dev/v1";
inline constexpr std::string_view kPromptKind = "Prompt";

enum class Role { kSystem, kUser, kAssistant, kTool };
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

struct Message {
  Role role = Role::kUser;
  std::string content;  // a template
  friend bool operator==(const Message&, const Message&) = default;
};

struct Variable {
  std::string description;
  // A variable with a default is optional; `required: true` together with `default` is an error.
  bool required = true;
  // A string or a number, used when the caller passes no value.
  std::optional<nlohmann::json> default_value;
  friend bool operator==(const Variable&, const Variable&) = default;
};

// `name`, `name@alias` or `name@3`: a model in ballast's registry, by alias or version number.
struct ModelRef {
  std::string name;
  std::string ref;  // empty, an alias, or a version number in decimal
  bool IsVersionNumber() const;
  std::string ToString() const;
};
// InvalidArgument naming the problem when `text` is not NAME[@ALIAS|@VERSION]: NAME is
// non-empty without whitespace or '@'; ALIAS is [A-Za-z0-9][A-Za-z0-9_-]*; VERSION is >= 1.
Result<ModelRef> ParseModelRef(std::string_view text);

struct ModelParameters {
  std::optional<std::string> model;  // a ModelRef in text form
  std::optional<double> temperature;  // [0, 2]
  std::optional<int64_t> max_tokens;  // >= 1
  std::optional<double> top_p;        // (0, 1]
  std::vector<std::string> stop;      // `stop: "x"` is read as ["x"]
  // Provider-specific parameters passed through as is (frequency_penalty, seed, ...): an object.
  nlohmann::json parameters = nlohmann::json::object();
  friend bool operator==(const ModelParameters&, const ModelParameters&) = default;
};

struct PromptSpec {
  std::string description;
  // Exactly one of the two is set: a text template or a chat message list.
  std::optional<std::string> text;
  std::vector<Message> messages;
  std::map<std::string, Variable> variables;
  ModelParameters model;

  bool IsChat() const { return !text.has_value(); }
  friend bool operator==(const PromptSpec&, const PromptSpec&) = default;
};

struct Prompt {
  std::string name;  // DNS-1123, see PromptNameError
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  PromptSpec spec;
  SourcePos pos;  // where the object starts; not content
};

// Empty when `name` is a valid prompt name, else why not: lowercase letters, digits, '-' and '.',
// starting and ending with a letter or digit, parts between dots at most 63 characters, at most
// 253 in all (DNS-1123 subdomain, as for OpenSLO names: common/dns_name.h).
std::string PromptNameError(std::string_view name);

// The spec as JSON, in the field names of the file format; absent optional fields are omitted,
// `required` is always written and `stop` is always a list.
nlohmann::json SpecToJson(const PromptSpec& spec);
// The whole object (apiVersion, kind, metadata, spec) as JSON; decoding it gives the same prompt.
nlohmann::json PromptToJson(const Prompt& prompt);
// SpecToJson dumped with sorted keys and no whitespace. Strings are valid UTF-8 (the decoder
// rejects anything else), so this never fails.
std::string CanonicalSpecJson(const PromptSpec& spec);
// Lower-case hex SHA-256 of CanonicalSpecJson: 64 characters.
std::string ContentHash(const PromptSpec& spec);

}  // namespace ballast::registry
