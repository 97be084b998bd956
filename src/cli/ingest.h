// `ballast ingest`: sends an NDJSON stream to POST /v1/events in batches, each with its own
// Idempotency-Key, retrying a batch with the SAME key on connection errors, 429 and 503 so that
// the server counts it exactly once (DESIGN.md §4), and tallies accepted and rejected lines in
// the input's own line numbers.
//
//   IngestRun run = Ingest(client, file, options, hooks);
//   // run.exit_code: 0 all accepted; 1 lines rejected or batch refused; 3 unreachable; 4 404.
//
// Time, randomness and output go through IngestHooks so tests run without waiting.
//
// Thread safety: Ingest() runs on the caller's thread and uses `client` exclusively.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <istream>
#include <string>

#include "cli/api_client.h"
#include "cli/ingest_batch.h"

namespace ballast::cli {

struct IngestOptions {
  BatchLimits limits;
  RetryPolicy retry;
  bool gzip = false;  // send bodies with Content-Encoding: gzip
};

struct IngestHooks {
  // Waits before a retry. Default: std::this_thread::sleep_for.
  std::function<void(std::chrono::milliseconds)> sleep;
  // Jitter in [0, 1) for backoff. Default: uniform random.
  std::function<double()> jitter;
  // A fresh Idempotency-Key per batch. Default: NewIdempotencyKey().
  std::function<std::string()> new_key;
  // After each batch: bytes and lines of the input acknowledged so far.
  std::function<void(int64_t bytes, int64_t lines)> progress;
  // A one-line warning (retries), without newline. Default: dropped.
  std::function<void(const std::string&)> notice;
};

struct IngestRun {
  IngestTally tally;
  int64_t batches = 0;  // batches the server answered 2xx
  int64_t lines_read = 0;
  int exit_code = kExitOk;
  // When the run stopped before the end: the error line, and the first file line whose batch
  // was not acknowledged (resume from there; replaying earlier batches would be idempotent only
  // under the same keys).
  std::string error;
  int64_t stopped_at_line = 0;
};

IngestRun Ingest(ApiClient& client, std::istream& in, const IngestOptions& options,
                 IngestHooks hooks);

// 128 random bits as 32 lowercase hex characters.
std::string NewIdempotencyKey();

}  // namespace ballast::cli
