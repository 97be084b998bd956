// Unified diff between two versions of a prompt, for `ballast prompt diff NAME@A NAME@B` and
// `GET /v1/prompts/{name}/diff`.
//
// Two sections, each a unified diff (omitted when unchanged), like a multi-file `diff -u`:
//   - "template": the text template, or the messages rendered as blocks
//       system: first line of content
//       further lines of content
//     separated by blank lines;
//   - "spec": every other spec field flattened to sorted `key: value` lines, values as JSON
//     (`model.temperature: 0.2`, `variables.question.required: true`), so a change to model
//     parameters, variables or the description is visible whenever the content hash changes.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "registry/prompt.h"

namespace ballast::registry {

// The template section's text for one spec.
std::string TemplateDiffText(const PromptSpec& spec);
// The spec section's text for one spec: sorted "key: value" lines.
std::string ParameterDiffText(const PromptSpec& spec);

// Empty when both specs have the same content. Labels name the versions ("support-reply@3");
// section headers are "--- <label> template" and so on.
std::string PromptDiff(const PromptSpec& from, const PromptSpec& to, std::string_view from_label,
                       std::string_view to_label);

}  // namespace ballast::registry
