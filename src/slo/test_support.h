// Shared by the slo tests: locating the source tree and asserting on diagnostics.
#pragma once

#include <cstdlib>
#include <string>

#include "slo/diagnostics.h"

namespace ballast::slo::testing {

// The source root, from BALLAST_SOURCE_DIR (set by ctest); "." when unset.
inline std::string SourceDir() {
  const char* dir = std::getenv("BALLAST_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

inline std::string ConformanceDir() { return SourceDir() + "/tests/conformance/openslo"; }

// Diagnostics as one string with the source directory prefix removed, for readable failures
// and stable golden comparisons.
inline std::string Render(const Diagnostics& d, const std::string& strip_prefix) {
  std::string out = d.ToString();
  size_t pos = 0;
  while ((pos = out.find(strip_prefix, pos)) != std::string::npos)
    out.erase(pos, strip_prefix.size());
  return out;
}

}  // namespace ballast::slo::testing
