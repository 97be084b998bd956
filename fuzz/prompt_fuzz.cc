// libFuzzer target for prompt files: arbitrary bytes as a YAML/JSON prompt file. Decoding must
// never crash; every prompt that decodes must survive a round trip through its JSON form with the
// same content hash, render with its defaults plus a value for each required variable, and diff
// against itself to nothing. Any template text is also fed to the placeholder parser.
//
// Links ballast_registry (and through it yaml-cpp, nlohmann-json and fmt) besides common.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "registry/line_diff.h"
#include "registry/prompt_decode.h"
#include "registry/prompt_diff.h"
#include "registry/render.h"
#include "registry/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ballast::registry;
  if (size > 64 * 1024) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)ParseTemplate(text);
  PromptFile f = DecodePromptFile(text, "fuzz.yaml");
  (void)f.diagnostics.ToString();
  for (const Prompt& p : f.prompts) {
    std::string hash = ContentHash(p.spec);
    PromptFile back = DecodePromptFile(PromptToJson(p).dump(), "fuzz.json");
    if (!back.ok() || back.prompts.size() != 1) abort();
    if (ContentHash(back.prompts[0].spec) != hash) abort();
    nlohmann::json vars = nlohmann::json::object();
    for (const auto& [name, v] : p.spec.variables)
      if (v.required) vars[name] = "x";
    if (!Render(p.spec, vars)) abort();
    if (!PromptDiff(p.spec, p.spec, "a", "b").empty()) abort();
  }
  // Diff the two halves of the input as texts.
  std::string_view a = text.substr(0, size / 2), b = text.substr(size / 2);
  (void)UnifiedDiff(a, b, "a", "b");
  return 0;
}
