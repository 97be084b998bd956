#include "cli/ingest.h"

#include <fmt/format.h>

#include <random>
#include <thread>

#include "cli/gzip.h"

namespace ballast::cli {

std::string NewIdempotencyKey() {
  std::random_device device;
  std::uniform_int_distribution<uint32_t> word;
  std::string key;
  for (int i = 0; i < 4; ++i) key += fmt::format("{:08x}", word(device));
  return key;
}

namespace {

void FillDefaultHooks(IngestHooks& hooks) {
  if (!hooks.sleep)
    hooks.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  if (!hooks.jitter) {
    hooks.jitter = [rng = std::mt19937_64(std::random_device{}())]() mutable {
      return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    };
  }
  if (!hooks.new_key) hooks.new_key = NewIdempotencyKey;
  if (!hooks.progress) hooks.progress = [](int64_t, int64_t) {};
  if (!hooks.notice) hooks.notice = [](const std::string&) {};
}

std::string DescribeDelay(std::chrono::milliseconds d) {
  return fmt::format("{:.1f}s", static_cast<double>(d.count()) / 1000.0);
}

enum class BatchFate { kDone, kStop };

// Sends one batch until it gets a final answer, recording the outcome in `run`.
BatchFate SendBatch(ApiClient& client, const Batch& batch, const IngestOptions& options,
                    IngestHooks& hooks, IngestRun& run) {
  HttpRequest request;
  request.method = "POST";
  request.path = "/v1/events";
  request.content_type = "application/x-ndjson";
  request.headers.emplace_back("Idempotency-Key", hooks.new_key());
  if (options.gzip) {
    Result<std::string> compressed = GzipCompress(batch.body);
    if (!compressed) {
      run.error = "error: " + compressed.error().ToString();
      run.exit_code = kExitFailure;
      return BatchFate::kStop;
    }
    request.body = std::move(*compressed);
    request.headers.emplace_back("Content-Encoding", "gzip");
  } else {
    request.body = batch.body;
  }

  const std::string where = fmt::format("batch at line {}", batch.first_line);
  for (int retry = 0;; ++retry) {
    Result<HttpResponse> response = client.Send(request);
    std::string failure;  // why this attempt is to be retried
    std::optional<std::chrono::milliseconds> retry_after;
    if (!response) {
      failure = response.error().message();
      if (retry >= options.retry.max_retries) {
        run.error = fmt::format("error: {} ({} attempts)", failure, retry + 1);
        run.exit_code = kExitUnreachable;
        return BatchFate::kStop;
      }
    } else if (IsSuccess(response->status)) {
      Status added = run.tally.AddAnswer(batch, response->body);
      if (!added.ok()) {
        run.error = "error: " + added.ToString();
        run.exit_code = kExitFailure;
        return BatchFate::kStop;
      }
      ++run.batches;
      return BatchFate::kDone;
    } else {
      ServerError err = DecodeServerError(*response);
      if (IsRetryableStatus(response->status)) {
        failure = fmt::format("{}: {}", err.code, err.message);
        if (retry >= options.retry.max_retries) {
          run.error = fmt::format("{} ({} attempts)", FormatServerError(err), retry + 1);
          run.exit_code = kExitFailure;
          return BatchFate::kStop;
        }
        retry_after = ParseRetryAfter(response->retry_after, RealClock::Get().NowMillis());
      } else if (response->status == 401 || response->status == 403 || response->status == 404) {
        // Every later batch would be refused the same way.
        run.error = FormatServerError(err);
        run.exit_code = ExitCodeForHttpStatus(response->status);
        return BatchFate::kStop;
      } else {
        // The batch as a whole was refused (too large, malformed encoding, ...); the other
        // batches may still be fine.
        std::string reason = fmt::format("{}: {}", err.code, err.message);
        if (!err.field.empty()) reason += fmt::format(" (field: {})", err.field);
        run.tally.RejectBatch(batch, "batch refused: " + reason);
        hooks.notice(fmt::format("warning: {} refused: {}", where, reason));
        return BatchFate::kDone;
      }
    }
    std::chrono::milliseconds delay = RetryDelay(options.retry, retry, retry_after, hooks.jitter());
    hooks.notice(fmt::format("warning: {}: {}; retry {}/{} in {}", where, failure, retry + 1,
                             options.retry.max_retries, DescribeDelay(delay)));
    hooks.sleep(delay);
  }
}

}  // namespace

IngestRun Ingest(ApiClient& client, std::istream& in, const IngestOptions& options,
                 IngestHooks hooks) {
  FillDefaultHooks(hooks);
  IngestRun run;
  BatchReader reader(in, options.limits);
  while (std::optional<Batch> batch = reader.Next()) {
    run.lines_read = reader.lines_read();
    if (!batch->all_blank && SendBatch(client, *batch, options, hooks, run) == BatchFate::kStop) {
      run.stopped_at_line = batch->first_line;
      return run;
    }
    hooks.progress(reader.bytes_read(), reader.lines_read());
  }
  run.lines_read = reader.lines_read();
  if (!reader.status().ok()) {
    run.error = "error: " + reader.status().ToString();
    run.exit_code = kExitFailure;
    run.stopped_at_line = reader.lines_read() + 1;
    return run;
  }
  if (run.tally.rejected_count() > 0) run.exit_code = kExitFailure;
  return run;
}

}  // namespace ballast::cli
