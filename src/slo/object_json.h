// Conversion of loaded objects back to JSON (for GET /v1/objects and `-o json`), and their
// canonical content: what "the same object" means when a file is re-applied.
//
// ToJson writes the fields that the document had, in OpenSLO's spelling, without positions
// (durations as written, see DurationText). Two documents that differ only in formatting, key
// order, comments, quoting style or YAML vs JSON have the same CanonicalJson and ContentHash.
//
//   if (ContentHash(stored) == ContentHash(incoming)) { /* nothing changes */ }
//
// Thread safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "slo/model.h"

namespace ballast::slo {

// Strings are the document's bytes, which may be invalid UTF-8: dump the result with
// nlohmann::json::error_handler_t::replace (as CanonicalJson does) or catch its type_error.
nlohmann::json ToJson(const Object& object);
// Compact JSON with object keys sorted: equal for equal content.
std::string CanonicalJson(const Object& object);
// Lower-case hex SHA-256 of CanonicalJson.
std::string ContentHash(const Object& object);
bool SameContent(const Object& a, const Object& b);

}  // namespace ballast::slo
