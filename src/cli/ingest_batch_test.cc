#include "cli/ingest_batch.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <sstream>

#include "cli/progress.h"

namespace ballast::cli {
namespace {

using std::chrono::milliseconds;

std::vector<Batch> ReadAll(const std::string& text, BatchLimits limits) {
  std::istringstream in(text);
  BatchReader reader(in, limits);
  std::vector<Batch> out;
  while (auto b = reader.Next()) out.push_back(std::move(*b));
  EXPECT_TRUE(reader.status().ok());
  return out;
}

TEST(BatchReaderTest, CutsByLineCountAndNumbersLinesAcrossBatches) {
  auto batches = ReadAll("a\nb\nc\nd\ne\n", {.max_lines = 2});
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].body, "a\nb\n");
  EXPECT_EQ(batches[0].first_line, 1);
  EXPECT_EQ(batches[1].body, "c\nd\n");
  EXPECT_EQ(batches[1].first_line, 3);
  EXPECT_EQ(batches[2].body, "e\n");
  EXPECT_EQ(batches[2].first_line, 5);
  EXPECT_EQ(batches[2].line_count, 1);
}

TEST(BatchReaderTest, CutsByBytesAndCarriesTheLineThatDidNotFit) {
  // Each line is 4 bytes with its newline; 10 bytes hold two.
  auto batches = ReadAll("aaa\nbbb\nccc\n", {.max_lines = 100, .max_bytes = 10});
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].body, "aaa\nbbb\n");
  EXPECT_EQ(batches[1].body, "ccc\n");
  EXPECT_EQ(batches[1].first_line, 3);
}

TEST(BatchReaderTest, ALineLongerThanTheLimitGoesAlone) {
  auto batches = ReadAll("a\nlooooooooong\nb\n", {.max_lines = 100, .max_bytes = 5});
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[1].body, "looooooooong\n");
  EXPECT_EQ(batches[1].first_line, 2);
  EXPECT_EQ(batches[2].first_line, 3);
}

TEST(BatchReaderTest, KeepsBlankLinesAndCrlfSoServerNumberingMatches) {
  auto batches = ReadAll("{\"a\":1}\r\n\n  \n{\"b\":2}", {.max_lines = 100});
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].body, "{\"a\":1}\r\n\n  \n{\"b\":2}\n");
  EXPECT_EQ(batches[0].line_count, 4);
  EXPECT_FALSE(batches[0].all_blank);
}

TEST(BatchReaderTest, MarksAllBlankBatches) {
  auto batches = ReadAll("x\n\n \n", {.max_lines = 1});
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_FALSE(batches[0].all_blank);
  EXPECT_TRUE(batches[1].all_blank);
  EXPECT_TRUE(batches[2].all_blank);
}

TEST(BatchReaderTest, EmptyInputHasNoBatches) { EXPECT_TRUE(ReadAll("", {}).empty()); }

TEST(BatchReaderTest, CountsBytesAndLines) {
  std::istringstream in("ab\ncd");
  BatchReader reader(in, {});
  ASSERT_TRUE(reader.Next());
  EXPECT_EQ(reader.bytes_read(), 5);
  EXPECT_EQ(reader.lines_read(), 2);
  EXPECT_FALSE(reader.Next());
}

// Property: concatenating the batches gives back the input (newline-terminated), each batch
// respects the limits unless it holds a single line, and line numbers are contiguous.
TEST(BatchReaderTest, BatchesPartitionTheInput) {
  bool ok = rc::check([](const std::vector<std::string>& raw_lines) {
    const auto max_lines = *rc::gen::inRange<std::size_t>(1, 6);
    const auto max_bytes = *rc::gen::inRange<std::size_t>(1, 40);
    std::string input;
    for (std::string l : raw_lines) {
      std::erase(l, '\n');
      input += l + "\n";
    }
    auto batches = ReadAll(input, {.max_lines = max_lines, .max_bytes = max_bytes});
    std::string joined;
    int64_t next = 1;
    for (const Batch& b : batches) {
      RC_ASSERT(b.first_line == next);
      RC_ASSERT(b.line_count >= 1);
      RC_ASSERT(b.line_count <= static_cast<int64_t>(max_lines));
      RC_ASSERT(b.line_count == 1 || b.body.size() <= max_bytes);
      joined += b.body;
      next += b.line_count;
    }
    RC_ASSERT(joined == input);
    RC_ASSERT(next - 1 == static_cast<int64_t>(raw_lines.size()));
  });
  EXPECT_TRUE(ok);
}

TEST(FileLineForTest, MapsBatchLinesToFileLines) {
  Batch b{.body = "", .first_line = 1001, .line_count = 1000};
  EXPECT_EQ(FileLineFor(b, 1), 1001);
  EXPECT_EQ(FileLineFor(b, 3), 1003);
  EXPECT_EQ(FileLineFor(b, 1000), 2000);
  EXPECT_EQ(FileLineFor(b, 0), std::nullopt);
  EXPECT_EQ(FileLineFor(b, 1001), std::nullopt);
}

TEST(IngestTallyTest, AddsAnswersInFileLineNumbers) {
  Batch first{.body = "", .first_line = 1, .line_count = 3};
  Batch second{.body = "", .first_line = 4, .line_count = 3};
  IngestTally tally;
  ASSERT_TRUE(tally.AddAnswer(first, R"({"accepted": 3, "rejected": []})").ok());
  ASSERT_TRUE(tally
                  .AddAnswer(second, R"({"accepted": 1, "rejected": [
                      {"line": 1, "error": "time: missing"}, {"line": 3, "error": "bad"}]})")
                  .ok());
  EXPECT_EQ(tally.accepted(), 4);
  EXPECT_EQ(tally.rejected_count(), 2);
  ASSERT_EQ(tally.rejected().size(), 2u);
  EXPECT_EQ(tally.rejected()[0].line, 4);
  EXPECT_EQ(tally.rejected()[0].error, "time: missing");
  EXPECT_EQ(tally.rejected()[1].line, 6);
}

TEST(IngestTallyTest, ALineOutsideTheBatchIsKeptWithAnExplanation) {
  Batch b{.body = "", .first_line = 10, .line_count = 2};
  IngestTally tally;
  ASSERT_TRUE(
      tally.AddAnswer(b, R"({"accepted": 1, "rejected": [{"line": 7, "error": "x"}]})").ok());
  ASSERT_EQ(tally.rejected().size(), 1u);
  EXPECT_EQ(tally.rejected()[0].line, 0);
  EXPECT_NE(tally.rejected()[0].error.find("line 7 of a 2-line batch starting at line 10"),
            std::string::npos);
}

TEST(IngestTallyTest, MalformedAnswersNameTheFieldAndCountNothing) {
  Batch b{.body = "", .first_line = 1, .line_count = 2};
  IngestTally tally;
  Status s = tally.AddAnswer(b, "not json");
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  s = tally.AddAnswer(b, R"({"rejected": []})");
  EXPECT_EQ(s.field(), "accepted");
  s = tally.AddAnswer(b, R"({"accepted": 1, "rejected": {}})");
  EXPECT_EQ(s.field(), "rejected");
  s = tally.AddAnswer(b, R"({"accepted": 1, "rejected": [{"line": 1}, {"error": "x"}]})");
  EXPECT_EQ(s.field(), "rejected[1]");
  EXPECT_EQ(tally.accepted(), 0);
  EXPECT_EQ(tally.rejected_count(), 0);
}

TEST(IngestTallyTest, RejectBatchCountsEveryLine) {
  Batch b{.body = "", .first_line = 5, .line_count = 3};
  IngestTally tally;
  tally.RejectBatch(b, "batch refused: PAYLOAD_TOO_LARGE: too big");
  ASSERT_EQ(tally.rejected().size(), 3u);
  EXPECT_EQ(tally.rejected()[0].line, 5);
  EXPECT_EQ(tally.rejected()[2].line, 7);
}

TEST(IngestTallyTest, KeepsABoundedListButAnExactCount) {
  Batch b{.body = "", .first_line = 1, .line_count = IngestTally::kMaxKept + 5};
  IngestTally tally;
  tally.RejectBatch(b, "x");
  EXPECT_EQ(tally.rejected_count(), static_cast<int64_t>(IngestTally::kMaxKept + 5));
  EXPECT_EQ(tally.rejected().size(), IngestTally::kMaxKept);
}

TEST(RetryPolicyTest, RetriesOnly429And503) {
  EXPECT_TRUE(IsRetryableStatus(429));
  EXPECT_TRUE(IsRetryableStatus(503));
  for (int s : {200, 400, 401, 404, 409, 413, 500, 502}) EXPECT_FALSE(IsRetryableStatus(s)) << s;
}

TEST(RetryPolicyTest, ParsesRetryAfterSecondsAndHttpDates) {
  EXPECT_EQ(ParseRetryAfter("", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("2", 0), milliseconds(2000));
  EXPECT_EQ(ParseRetryAfter(" 0 ", 0), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("1.5", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", 0), std::nullopt);
  // Wed, 21 Oct 2015 07:28:00 GMT = 1445412480 s.
  const EpochMillis now = 1445412480000 - 30000;
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now), milliseconds(30000));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now + 60000), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT junk", now), std::nullopt);
}

TEST(RetryPolicyTest, BacksOffExponentiallyWithJitterAndACap) {
  RetryPolicy p{.max_retries = 10,
                .initial_backoff = milliseconds(500),
                .max_backoff = milliseconds(4000),
                .max_retry_after = milliseconds(60000)};
  EXPECT_EQ(RetryDelay(p, 0, std::nullopt, 0.0), milliseconds(250));
  EXPECT_EQ(RetryDelay(p, 0, std::nullopt, 1.0), milliseconds(500));
  EXPECT_EQ(RetryDelay(p, 1, std::nullopt, 1.0), milliseconds(1000));
  EXPECT_EQ(RetryDelay(p, 2, std::nullopt, 0.5), milliseconds(1500));
  EXPECT_EQ(RetryDelay(p, 3, std::nullopt, 1.0), milliseconds(4000));
  EXPECT_EQ(RetryDelay(p, 60, std::nullopt, 1.0), milliseconds(4000));  // no overflow
  EXPECT_EQ(RetryDelay(p, 60, std::nullopt, 0.0), milliseconds(2000));
}

TEST(RetryPolicyTest, HonoursRetryAfterUpToItsCap) {
  RetryPolicy p{.max_retry_after = milliseconds(60000)};
  EXPECT_EQ(RetryDelay(p, 0, milliseconds(7000), 0.9), milliseconds(7000));
  EXPECT_EQ(RetryDelay(p, 5, milliseconds(0), 0.9), milliseconds(0));
  EXPECT_EQ(RetryDelay(p, 0, milliseconds(3600000), 0.9), milliseconds(60000));
}

TEST(ProgressTest, RendersBarWhenTotalIsKnown) {
  EXPECT_EQ(RenderProgressLine(512, 1024, 1200),
            "[##########          ]  50%  1,200 lines  512 B / 1.0 KiB");
  EXPECT_EQ(RenderProgressLine(3 * 1024 * 1024 / 2, std::nullopt, 7), "7 lines  1.5 MiB");
  EXPECT_EQ(RenderProgressLine(10, 0, 1), "1 lines  10 B / 0 B");
}

TEST(ProgressTest, DisabledWritesNothingAndEnabledErasesItsLine) {
  std::ostringstream quiet;
  {
    ProgressBar bar(quiet, false, 100);
    bar.Update(50, 1);
  }
  EXPECT_EQ(quiet.str(), "");
  std::ostringstream tty;
  ProgressBar bar(tty, true, std::nullopt);
  bar.Update(10, 1);
  bar.Finish();
  bar.Update(20, 2);  // ignored after Finish
  EXPECT_EQ(tty.str(), "\r1 lines  10 B\r             \r");
}

TEST(FormatTest, CountsAndBytes) {
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(1000), "1,000");
  EXPECT_EQ(FormatCount(1234567), "1,234,567");
  EXPECT_EQ(FormatCount(-1234), "-1,234");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1024 * 1024 * 4), "4.0 MiB");
}

}  // namespace
}  // namespace ballast::cli
