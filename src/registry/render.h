// Strict rendering of a prompt with caller-supplied variables.
//
//   Result<RenderedPrompt> r = Render(prompt.spec, {{"question", "Where is my order?"}});
//   if (!r) return r.error();            // InvalidArgument naming the variable
//   for (const Message& m : r->messages) ...
//
// Strict means nothing is guessed: a missing required variable, a variable the prompt does not
// declare, or a value that is not a string or a number is an InvalidArgument whose message names
// every offending variable and whose field is the first one ("variables.question"). Optional
// variables without a value use their default; an optional variable with neither renders as "".
// Numbers render as JSON numbers do (42, 0.5); strings are inserted as is, never re-scanned for
// placeholders.
//
// Thread safety: pure function.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "registry/prompt.h"

namespace ballast::registry {

struct RenderedPrompt {
  std::optional<std::string> text;  // set for text prompts
  std::vector<Message> messages;    // set for chat prompts

  // {"text": "..."} or {"messages": [{"role": ..., "content": ...}]}.
  nlohmann::json ToJson() const;
};

// `variables` must be a JSON object (null counts as {}). The spec is expected to have decoded
// without errors; a template that does not parse is reported as InvalidArgument too.
Result<RenderedPrompt> Render(const PromptSpec& spec, const nlohmann::json& variables);

}  // namespace ballast::registry
