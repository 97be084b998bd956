#include "telemetry/gzip.h"

#include <zlib.h>

#include <algorithm>

namespace ballast::telemetry {
namespace {

constexpr size_t kChunk = 64 * 1024;

}  // namespace

Result<std::string> Gunzip(std::string_view compressed, size_t max_output_bytes) {
  z_stream z{};
  // 16 + MAX_WBITS: expect a gzip header and trailer (not raw deflate or zlib).
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return Status::Internal("inflateInit2 failed");
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(std::min<size_t>(compressed.size(), UINT32_MAX));
  size_t remaining_in = compressed.size() - z.avail_in;
  Status error;
  bool ended = false;
  while (true) {
    if (out.size() >= max_output_bytes + 1) {
      error = Status::PayloadTooLarge("gzip body expands beyond " +
                                      std::to_string(max_output_bytes) + " bytes");
      break;
    }
    size_t old = out.size();
    size_t grow = std::min(kChunk, max_output_bytes + 1 - old);
    out.resize(old + grow);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + old);
    z.avail_out = static_cast<uInt>(grow);
    int rc = inflate(&z, Z_NO_FLUSH);
    out.resize(old + (grow - z.avail_out));
    if (z.avail_in == 0 && remaining_in > 0) {
      size_t n = std::min<size_t>(remaining_in, UINT32_MAX);
      z.avail_in = static_cast<uInt>(n);
      remaining_in -= n;
    }
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0 && remaining_in == 0) {
        ended = true;
        break;
      }
      // Another gzip member follows.
      if (inflateReset(&z) != Z_OK) {
        error = Status::Internal("inflateReset failed");
        break;
      }
      continue;
    }
    if (rc == Z_BUF_ERROR && z.avail_in == 0 && remaining_in == 0) {
      error = Status::InvalidArgument("gzip body is truncated");
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      error = Status::InvalidArgument(std::string("corrupt gzip body: ") +
                                      (z.msg ? z.msg : "inflate error " + std::to_string(rc)));
      break;
    }
  }
  inflateEnd(&z);
  if (!ended) {
    if (error.ok()) error = Status::InvalidArgument("gzip body is truncated");
    return error;
  }
  if (out.size() > max_output_bytes)
    return Status::PayloadTooLarge("gzip body expands beyond " + std::to_string(max_output_bytes) +
                                   " bytes");
  return out;
}

Result<std::string> Gzip(std::string_view data) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    return Status::Internal("deflateInit2 failed");
  std::string out;
  out.resize(deflateBound(&z, static_cast<uLong>(data.size())) + 32);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  size_t produced = out.size() - z.avail_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return Status::Internal("deflate failed");
  out.resize(produced);
  return out;
}

}  // namespace ballast::telemetry
