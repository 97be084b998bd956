// Zero-copy reading of simdjson On-Demand keys and string values for the NDJSON ingest parser
// (ingest_parser.cc): a key or string without escapes (almost all of them) is viewed in the
// input line instead of being unescaped into simdjson's string buffer.
//
// Every function here relies on simdjson's input padding: it may read up to 40 bytes from the
// start of a key or string that lies in the parsed line, which SIMDJSON_PADDING (64) covers.
// Include only from code that parses with simdjson::ondemand (the kernel namespace it aliases
// is chosen at compile time).
//
// Thread safety: the functions are pure; a MapKeyMemory belongs to one parser.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "telemetry/event_fields.h"

namespace ballast::telemetry {
namespace json_views {

namespace od = simdjson::ondemand;

inline std::string_view TypeName(od::json_type t) {
  switch (t) {
    case od::json_type::array: return "array";
    case od::json_type::object: return "object";
    case od::json_type::number: return "number";
    case od::json_type::string: return "string";
    case od::json_type::boolean: return "boolean";
    case od::json_type::null: return "null";
  }
  return "unknown";
}

inline std::string SimdjsonError(simdjson::error_code e) {
  return std::string("malformed JSON: ") + simdjson::error_message(e);
}

inline bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Whether n bytes at p hold a backslash, a word at a time. Reads up to 7 bytes past p + n:
// callers pass views into a line followed by SIMDJSON_PADDING readable bytes.
inline bool HasBackslash(const char* p, size_t n) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
  constexpr uint64_t kBackslashes = kOnes * '\\';
  auto has_zero_byte = [](uint64_t x) { return ((x - kOnes) & ~x & kHighs) != 0; };
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (has_zero_byte(w ^ kBackslashes)) return true;
  }
  if (i == n) return false;
  uint64_t w;
  std::memcpy(&w, p + i, 8);
  // Bytes past the end become 0xff, which cannot read as a backslash (little-endian order).
  uint64_t past_end = ~uint64_t{0} << (8 * (n - i));
  return has_zero_byte((w ^ kBackslashes) | past_end);
}

// The key of `f` as written, between its quotes. Its end is found from its value: only
// whitespace and the colon separate them, so no scan over the key is needed.
inline std::string_view RawKey(od::field& f) {
  const char* key = f.key().raw();
  const char* q = f.value().raw_json_token().data() - 1;
  while (*q != ':') --q;
  --q;
  while (*q != '"') --q;
  return {key, static_cast<size_t>(q - key)};
}

// The key of `f` unescaped and the field it names. A key without escapes (almost all) is its
// own unescaped form: it is matched in place and the copy simdjson would make is skipped.
inline simdjson::error_code KeyOf(od::field& f, std::string_view& key, EventField* id = nullptr) {
  key = RawKey(f);
  if (id) *id = LookupEventField(key);
  if ((id && *id != EventField::kUnknown) || !HasBackslash(key.data(), key.size()))
    return simdjson::SUCCESS;
  if (auto e = f.unescaped_key().get(key)) return e;
  if (id) *id = LookupEventField(key);
  return simdjson::SUCCESS;
}

// A string value without escapes, viewed in the line itself: stage 1 has validated its UTF-8
// and rejected unescaped control characters, so it equals what get_string() would copy out.
// False when `v` is not such a string (another type, or escapes to decode).
inline bool RawString(od::value& v, std::string_view& out) {
  std::string_view tok = v.raw_json_token();  // the token up to the next structural character
  if (tok.empty() || tok[0] != '"') return false;
  size_t end = tok.size();
  while (end > 1 && IsJsonSpace(tok[end - 1])) --end;
  if (end < 2 || tok[end - 1] != '"') return false;
  std::string_view content = tok.substr(1, end - 2);
  if (HasBackslash(content.data(), content.size())) return false;
  out = content;
  return true;
}

// The keys of the last map of one field, by position, each followed by its closing quote;
// empty where none is remembered. Maps of one client tend to repeat their keys in order.
struct MapKeyMemory {
  static constexpr size_t kKeys = 4;
  // Longer keys are not remembered, so that comparing one reads 40 bytes from a key: within
  // the line and its SIMDJSON_PADDING.
  static constexpr size_t kMaxKeyBytes = 32;
  struct Known {
    size_t size = 0;  // key bytes; 0 with masks all 0 when nothing is remembered
    std::array<uint64_t, 5> words{};  // the key then its closing quote, little-endian
    std::array<uint64_t, 5> masks{};  // which bytes of `words` count
  };
  std::array<Known, kKeys> keys;

  // The key of `f` at `position`, matched against the remembered one or else read (and then
  // remembered when it has no escape).
  simdjson::error_code Key(od::field& f, int position, std::string_view& key) {
    const char* raw = f.key().raw();
    Known* known = static_cast<size_t>(position) < kKeys ? &keys[position] : nullptr;
    if (known && known->masks[0] != 0) {
      uint64_t w[5];
      std::memcpy(w, raw, sizeof w);
      uint64_t diff = 0;
      for (size_t i = 0; i < 5; ++i) diff |= (w[i] ^ known->words[i]) & known->masks[i];
      if (diff == 0) {
        key = {raw, known->size};
        return simdjson::SUCCESS;
      }
    }
    if (auto e = KeyOf(f, key)) return e;
    if (known && key.data() == raw && key.size() <= kMaxKeyBytes) {
      *known = Known{};
      known->size = key.size();
      for (size_t i = 0; i <= key.size(); ++i) {
        const uint64_t byte = i < key.size() ? static_cast<unsigned char>(key[i]) : '"';
        known->words[i / 8] |= byte << (8 * (i % 8));
        known->masks[i / 8] |= uint64_t{0xff} << (8 * (i % 8));
      }
    }
    return simdjson::SUCCESS;
  }
};

}  // namespace json_views
}  // namespace ballast::telemetry
