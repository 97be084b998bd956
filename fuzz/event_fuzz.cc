// libFuzzer target: the NDJSON ingest pipeline (parse, validate, aggregate, answer) on
// arbitrary bodies, with and without the accept window, then a round trip of every rollup
// sketch through Serialize/Deserialize.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/clock.h"
#include "telemetry/ingest.h"

using namespace ballast;
using namespace ballast::telemetry;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static SeriesKeyRegistry registry({.max_keys_per_service = 64});
  SimulatedClock clock(1'795'000'000'000);
  std::string_view body(reinterpret_cast<const char*>(data), size);
  IngestOptions options;
  options.parser.max_line_bytes = 4096;
  options.parser.enforce_accept_window = size % 2 == 0;
  IngestResult r = IngestNdjson(body, options, registry, clock);
  if (r.accepted + r.counters.rejected < 0) __builtin_trap();
  for (const RollupDelta& d : r.batch.deltas) {
    auto back = DDSketch::Deserialize(d.rollup.latency_ms.Serialize());
    if (!back || !(*back == d.rollup.latency_ms)) __builtin_trap();
  }
  registry.MarkPersisted(r.batch.new_keys);
  return 0;
}
