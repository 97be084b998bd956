#include "cli/gzip.h"

#include <fmt/format.h>
#include <zlib.h>

namespace ballast::cli {

Result<std::string> GzipCompress(std::string_view data) {
  if (data.size() > 0xFFFFFFFFu) return Status::Internal("gzip: body larger than 4 GiB");
  z_stream zs{};
  // windowBits 15 + 16 selects the gzip wrapper instead of zlib's.
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return Status::Internal("gzip: deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  std::size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Status::Internal(fmt::format("gzip: deflate returned {}", rc));
  out.resize(produced);
  return out;
}

}  // namespace ballast::cli
