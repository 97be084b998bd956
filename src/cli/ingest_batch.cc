#include "cli/ingest_batch.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>

#include "cli/output.h"

namespace ballast::cli {

BatchReader::BatchReader(std::istream& in, BatchLimits limits) : in_(in), limits_(limits) {
  limits_.max_lines = std::max<std::size_t>(limits_.max_lines, 1);
}

bool BatchReader::ReadLine(std::string& line) {
  if (!std::getline(in_, line)) {
    if (in_.bad())
      status_ = Status::Internal(fmt::format("read failed after line {}", next_line_ - 1));
    return false;
  }
  bytes_read_ += static_cast<int64_t>(line.size()) + (in_.eof() ? 0 : 1);
  return true;
}

std::optional<Batch> BatchReader::Next() {
  Batch batch;
  batch.first_line = next_line_;
  std::string line;
  while (batch.line_count < static_cast<int64_t>(limits_.max_lines)) {
    if (carry_) {
      line = std::move(*carry_);
      carry_.reset();
    } else if (!ReadLine(line)) {
      break;
    }
    if (batch.line_count > 0 && batch.body.size() + line.size() + 1 > limits_.max_bytes) {
      carry_ = std::move(line);
      break;
    }
    if (std::any_of(line.begin(), line.end(), [](unsigned char c) { return !std::isspace(c); })) {
      batch.all_blank = false;
    }
    batch.body += line;
    batch.body += '\n';
    ++batch.line_count;
    ++next_line_;
  }
  if (batch.line_count == 0) return std::nullopt;
  return batch;
}

std::optional<int64_t> FileLineFor(const Batch& batch, int64_t batch_line) {
  if (batch_line < 1 || batch_line > batch.line_count) return std::nullopt;
  return batch.first_line + batch_line - 1;
}

Status IngestTally::AddAnswer(const Batch& batch, std::string_view answer_json) {
  Result<Json> answer = ParseJson(answer_json);
  if (!answer) return Status::Internal("ingest answer: " + answer.error().message());
  if (!answer->is_object()) return Status::Internal("ingest answer is not a JSON object");
  auto accepted = answer->find("accepted");
  if (accepted == answer->end() || !accepted->is_number_integer() || accepted->get<int64_t>() < 0) {
    return Status(StatusCode::kInternal, "ingest answer lacks a non-negative integer", "accepted");
  }
  std::vector<RejectedLine> lines;
  if (auto rejected = answer->find("rejected"); rejected != answer->end()) {
    if (!rejected->is_array()) {
      return Status(StatusCode::kInternal, "ingest answer's rejected is not an array", "rejected");
    }
    for (std::size_t i = 0; i < rejected->size(); ++i) {
      const Json& r = (*rejected)[i];
      std::string field = fmt::format("rejected[{}]", i);
      if (!r.is_object() || !r.contains("line") || !r["line"].is_number_integer()) {
        return Status(StatusCode::kInternal, "rejected entry lacks an integer line", field);
      }
      int64_t batch_line = r["line"].get<int64_t>();
      std::string error = r.contains("error") && r["error"].is_string()
                              ? r["error"].get<std::string>()
                              : std::string("rejected");
      std::optional<int64_t> file_line = FileLineFor(batch, batch_line);
      if (!file_line) {
        error = fmt::format("{} (server named line {} of a {}-line batch starting at line {})",
                            error, batch_line, batch.line_count, batch.first_line);
      }
      lines.push_back({file_line.value_or(0), std::move(error)});
    }
  }
  accepted_ += accepted->get<int64_t>();
  for (auto& l : lines) Reject(l.line, std::move(l.error));
  return Status::Ok();
}

void IngestTally::RejectBatch(const Batch& batch, const std::string& error) {
  for (int64_t i = 0; i < batch.line_count; ++i) Reject(batch.first_line + i, error);
}

void IngestTally::Reject(int64_t line, std::string error) {
  ++rejected_count_;
  if (rejected_.size() < kMaxKept) rejected_.push_back({line, std::move(error)});
}

bool IsRetryableStatus(int http_status) { return http_status == 429 || http_status == 503; }

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view header, EpochMillis now) {
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  if (header.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(header.front()))) {
    int64_t seconds = 0;
    auto [ptr, ec] = std::from_chars(header.data(), header.data() + header.size(), seconds);
    if (ec != std::errc() || ptr != header.data() + header.size()) return std::nullopt;
    // Saturate absurd values instead of overflowing; RetryDelay caps them anyway.
    seconds = std::min<int64_t>(seconds, int64_t{1} << 40);
    return std::chrono::milliseconds(seconds * 1000);
  }
  // IMF-fixdate, the only HTTP-date form senders may generate (RFC 9110 §5.6.7).
  std::tm tm{};
  std::string text(header);
  const char* end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  EpochMillis at = static_cast<EpochMillis>(::timegm(&tm)) * 1000;
  return std::chrono::milliseconds(std::max<EpochMillis>(at - now, 0));
}

std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int retry,
                                     std::optional<std::chrono::milliseconds> retry_after,
                                     double jitter) {
  if (retry_after) return std::min(*retry_after, policy.max_retry_after);
  jitter = std::clamp(jitter, 0.0, 1.0);
  int64_t base = policy.initial_backoff.count();
  const int64_t cap = policy.max_backoff.count();
  for (int i = 0; i < retry && base < cap; ++i) base *= 2;
  base = std::min(base, cap);
  return std::chrono::milliseconds(base / 2 + static_cast<int64_t>(jitter * (base - base / 2)));
}

}  // namespace ballast::cli
