// Gunzip: decodes a gzip body (Content-Encoding: gzip) with a hard cap on the decoded size, so
// a small compressed request cannot expand into gigabytes (a zip bomb).
//
// Concatenated gzip members (RFC 1952 §2.2) are decoded as one stream.
//
// Thread safety: a pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ballast::telemetry {

// PAYLOAD_TOO_LARGE once the output would exceed `max_output_bytes`; INVALID_ARGUMENT for data
// that is not valid gzip (bad header, corrupt stream, CRC mismatch, truncated, trailing bytes).
Result<std::string> Gunzip(std::string_view compressed, size_t max_output_bytes);

// Gzip-compresses `data` (for tests, benchmarks and clients).
Result<std::string> Gzip(std::string_view data);

}  // namespace ballast::telemetry
