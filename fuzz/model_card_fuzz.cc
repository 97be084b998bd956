// libFuzzer target for model cards: arbitrary bytes as a YAML/JSON card. Decoding must never
// crash; a card that decodes must survive a round trip through its JSON form unchanged (the
// server stores that JSON and decodes it again on every read), and must render to Markdown whose
// front matter is closed.
//
// Links ballast_registry (and through it yaml-cpp, nlohmann-json and fmt) besides common.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "registry/model_card.h"
#include "registry/model_card_markdown.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ballast::registry;
  if (size > 64 * 1024) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  CardFile f = DecodeModelCard(text, "fuzz.yaml");
  (void)f.diagnostics.ToString();
  if (!f.ok()) return 0;
  if (!f.card) abort();
  std::string json =
      ModelCardToJson(*f.card).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  CardFile back = DecodeModelCard(json, "fuzz.json");
  if (!back.ok() || !back.card || !(*back.card == *f.card)) abort();
  CardContext ctx;
  ctx.model = "m";
  ctx.version = 1;
  ctx.results = {{"text-generation", "", "d@1", "", {{"accuracy", 0.5, ""}}}};
  std::string md = RenderModelCardMarkdown(*f.card, ctx);
  if (md.rfind("---\n", 0) != 0 ||
      md.find("\n---\n\n# Model card: m version 1\n") == std::string::npos) {
    abort();
  }
  return 0;
}
