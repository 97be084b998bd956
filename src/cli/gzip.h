// Gzip (RFC 1952) compression of request bodies, for `Content-Encoding: gzip` uploads.
//
// Thread safety: pure function.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace ballast::cli {

// The gzip encoding of `data` (zlib, default level). INTERNAL only if zlib itself fails.
Result<std::string> GzipCompress(std::string_view data);

}  // namespace ballast::cli
