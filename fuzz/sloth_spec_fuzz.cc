// libFuzzer target for `ballast rules prometheus`' input: arbitrary bytes as a Sloth
// prometheus/v1 spec, a PrometheusServiceLevel, or an OpenSLO SLO with a Prometheus source.
// Generation must never crash: bad input ends in diagnostics, good input in rules YAML that
// yaml-cpp reads back.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rules/generator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ballast::rules;
  if (size > 64 * 1024) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  GenerateOptions options;
  options.version = "fuzz";
  Generated g = GeneratePrometheusRules(text, "fuzz.yaml", options);
  (void)g.diagnostics.ToString();
  if (!g.ok()) return 0;
  try {
    (void)YAML::Load(g.yaml);
  } catch (const YAML::Exception&) {
    std::abort();  // the generator wrote YAML it cannot read back
  }
  return 0;
}
