// libFuzzer target: OTLP/HTTP JSON trace ingest on arbitrary bodies, also through gunzip when
// the input looks like gzip.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/clock.h"
#include "telemetry/gzip.h"
#include "telemetry/ingest.h"

using namespace ballast;
using namespace ballast::telemetry;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static SeriesKeyRegistry registry({.max_keys_per_service = 64});
  SimulatedClock clock(1'795'000'000'000);
  std::string_view body(reinterpret_cast<const char*>(data), size);
  std::string decoded;
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
    auto g = Gunzip(body, 1 << 20);
    if (!g) return 0;
    decoded = std::move(*g);
    body = decoded;
  }
  IngestOptions options;
  options.parser.enforce_accept_window = size % 2 == 0;
  auto r = IngestOtlpJson(body, options, registry, clock);
  if (r) registry.MarkPersisted(r->batch.new_keys);
  return 0;
}
