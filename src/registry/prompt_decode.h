// Decoding prompt files: YAML (or JSON) text with one `kind: Prompt` object per document.
//
//   PromptFile f = DecodePromptFile(text, "prompts/support.yaml");
//   if (!f.ok()) { std::cerr << f.diagnostics.ToString(); return 1; }
//   for (const Prompt& p : f.prompts) ... ContentHash(p.spec) ...
//
// Decoding is strict and reports every problem in one pass, each with file:line:column and the
// field path: unknown fields, wrong types, invalid names, a spec with both or neither of
// `template` and `messages`, malformed placeholders, placeholders that name no declared variable,
// out-of-range model parameters, duplicate prompt names. A declared variable that no template
// uses is a warning (it may be kept for callers that still pass it).
//
// Thread safety: pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostics.h"
#include "registry/prompt.h"

namespace ballast::registry {

struct DecodeOptions {
  size_t max_bytes = 4 << 20;      // larger files are rejected unread
  size_t max_prompts = 1000;       // per file
  size_t max_template_bytes = 1 << 20;  // sum of a prompt's template texts
};

struct PromptFile {
  std::vector<Prompt> prompts;  // only prompts decoded without errors
  Diagnostics diagnostics;
  bool ok() const { return !diagnostics.HasErrors(); }
};

PromptFile DecodePromptFile(std::string_view text, std::string_view file_name,
                            const DecodeOptions& options = {});

}  // namespace ballast::registry
