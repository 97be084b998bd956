// libFuzzer target for the OpenSLO loader: arbitrary bytes as a YAML/JSON file. Loading must
// never crash, and an object set that loads without errors must survive a round trip through
// its JSON form (ToJson -> load -> same canonical content), and compile.
//
// Links ballast_slo (and through it yaml-cpp and date-tz) besides common and telemetry.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "slo/ballast_source.h"
#include "slo/loader.h"
#include "slo/object_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ballast::slo;
  if (size > 64 * 1024) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  LoadResult r = LoadText(text, "fuzz.yaml");
  (void)r.diagnostics.ToString();
  if (!r.ok()) return 0;
  nlohmann::json all = nlohmann::json::array();
  for (const Object& o : r.catalog.objects()) {
    all.push_back(ToJson(o));
    (void)ContentHash(o);
    if (o.kind != Kind::kSlo) continue;
    for (size_t i = 0; i < o.As<SloSpec>().objectives.size(); ++i)
      (void)CompileObjective(r.catalog, o, i);
  }
  std::string json;
  try {
    json = all.dump();
  } catch (const nlohmann::json::exception&) {
    return 0;  // invalid UTF-8 in a string: no exact JSON form to compare
  }
  LoadResult back = LoadText(json, "fuzz.json");
  if (!back.ok() || back.catalog.objects().size() != r.catalog.objects().size()) abort();
  for (size_t i = 0; i < r.catalog.objects().size(); ++i)
    if (CanonicalJson(back.catalog.objects()[i]) != CanonicalJson(r.catalog.objects()[i])) abort();
  return 0;
}
