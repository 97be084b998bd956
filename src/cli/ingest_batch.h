// The pure parts of `ballast ingest`: cutting an NDJSON stream into batches for
// POST /v1/events, mapping the server's per-batch line numbers back to the file's, and the
// retry policy (which answers are retried, and how long to wait). No network here, so all of it
// is unit-tested directly; ingest.h drives it against a server.
//
// Thread safety: BatchReader and IngestTally are single-threaded values; the free functions are
// pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace ballast::cli {

struct BatchLimits {
  std::size_t max_lines = 1000;
  // A batch stops growing before its body would pass this size; a single longer line is sent
  // alone (the server then judges it).
  std::size_t max_bytes = 4 * 1024 * 1024;
};

struct Batch {
  std::string body;        // the lines, each ending in '\n', exactly as read (CR kept)
  int64_t first_line = 0;  // file line number (from 1) of the batch's line 1
  int64_t line_count = 0;  // blank lines included, so numbering matches the server's
  bool all_blank = true;   // nothing but whitespace: not worth a request
};

// Reads lines from `in` and groups them into batches. Lines are counted from 1 across the
// whole stream; blank lines are kept in the batch so the server's numbering (which counts them)
// maps back with simple arithmetic.
class BatchReader {
 public:
  BatchReader(std::istream& in, BatchLimits limits);

  // The next batch, or nullopt at the end of input (check status() then).
  std::optional<Batch> Next();
  // Bytes consumed so far, line terminators included.
  int64_t bytes_read() const { return bytes_read_; }
  // Lines read so far.
  int64_t lines_read() const { return next_line_ - 1; }
  // Not OK when reading failed (as opposed to reaching the end).
  const Status& status() const { return status_; }

 private:
  bool ReadLine(std::string& line);

  std::istream& in_;
  BatchLimits limits_;
  std::optional<std::string> carry_;  // a line read that did not fit in the previous batch
  int64_t next_line_ = 1;
  int64_t bytes_read_ = 0;
  Status status_;
};

// File line number for the server's `batch_line` (from 1) within `batch`; nullopt when the
// server named a line the batch does not have.
std::optional<int64_t> FileLineFor(const Batch& batch, int64_t batch_line);

struct RejectedLine {
  int64_t line = 0;  // file line number; 0 when the server's line could not be mapped
  std::string error;
};

// Totals over all batches. Keeps at most `kMaxKept` rejected lines in memory (the count stays
// exact) so a file of garbage cannot exhaust memory.
class IngestTally {
 public:
  static constexpr std::size_t kMaxKept = 10000;

  // Adds one batch's 2xx answer: {"accepted": N, "rejected": [{"line": L, "error": "..."}]}.
  // A malformed answer is INTERNAL naming the field, and nothing is counted.
  Status AddAnswer(const Batch& batch, std::string_view answer_json);
  // Counts every line of `batch` as rejected with `error` (the whole batch was refused).
  void RejectBatch(const Batch& batch, const std::string& error);

  int64_t accepted() const { return accepted_; }
  int64_t rejected_count() const { return rejected_count_; }
  const std::vector<RejectedLine>& rejected() const { return rejected_; }

 private:
  void Reject(int64_t line, std::string error);

  int64_t accepted_ = 0;
  int64_t rejected_count_ = 0;
  std::vector<RejectedLine> rejected_;
};

struct RetryPolicy {
  int max_retries = 8;                                // after the first attempt
  std::chrono::milliseconds initial_backoff{500};     // doubled per retry
  std::chrono::milliseconds max_backoff{30000};       // cap of the computed backoff
  std::chrono::milliseconds max_retry_after{300000};  // cap of a server's Retry-After
};

// 429 and 503 are worth retrying with the same Idempotency-Key; everything else is final.
bool IsRetryableStatus(int http_status);

// Retry-After as delta-seconds ("120") or an HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT",
// relative to `now`); nullopt when absent or unreadable. A date in the past is zero.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view header, EpochMillis now);

// Delay before retry number `retry` (0 for the first retry). With a Retry-After, that (capped
// at max_retry_after); otherwise exponential backoff capped at max_backoff, with "equal
// jitter": half fixed, half scaled by `jitter` in [0, 1), so that many clients do not retry in
// lockstep.
std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int retry,
                                     std::optional<std::chrono::milliseconds> retry_after,
                                     double jitter);

}  // namespace ballast::cli
