// JSON text helpers shared by every module that writes JSON by hand on a hot path (the ingest
// answer, HTTP error bodies): string literals escaped per RFC 8259.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace ballast {

// Appends `s` as a JSON string literal (with quotes). Control characters and DEL are escaped;
// invalid UTF-8 bytes are replaced with U+FFFD so the output is always valid JSON.
void AppendJsonString(std::string& out, std::string_view s);

// The JSON string literal for `s`.
inline std::string JsonQuote(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

}  // namespace ballast
