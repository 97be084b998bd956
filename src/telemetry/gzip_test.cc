#include "telemetry/gzip.h"

#include <gtest/gtest.h>

namespace ballast::telemetry {
namespace {

TEST(GzipTest, RoundTrips) {
  std::string data;
  for (int i = 0; i < 10000; ++i) data += "line " + std::to_string(i) + "\n";
  auto z = Gzip(data);
  ASSERT_TRUE(z.has_value());
  EXPECT_LT(z->size(), data.size());
  auto back = Gunzip(*z, 1 << 20);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(*back, data);
}

TEST(GzipTest, EmptyInputRoundTrips) {
  auto z = Gzip("");
  ASSERT_TRUE(z.has_value());
  auto back = Gunzip(*z, 10);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, "");
}

TEST(GzipTest, ConcatenatedMembers) {
  auto a = Gzip("hello ");
  auto b = Gzip("world");
  auto back = Gunzip(*a + *b, 100);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(*back, "hello world");
}

TEST(GzipTest, CapStopsAZipBomb) {
  std::string zeros(50 << 20, '\0');  // 50 MiB compresses to ~50 KiB
  auto z = Gzip(zeros);
  ASSERT_TRUE(z.has_value());
  EXPECT_LT(z->size(), 100u << 10);
  auto r = Gunzip(*z, 1 << 20);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kPayloadTooLarge);
  // Exactly at the cap is fine.
  auto exact = Gunzip(*Gzip(std::string(1000, 'a')), 1000);
  ASSERT_TRUE(exact.has_value());
  EXPECT_EQ(exact->size(), 1000u);
  EXPECT_EQ(Gunzip(*Gzip(std::string(1001, 'a')), 1000).error().code(),
            StatusCode::kPayloadTooLarge);
}

TEST(GzipTest, CorruptAndTruncatedInputs) {
  auto z = *Gzip("some text that is long enough to be worth compressing, some text");
  EXPECT_TRUE(Gunzip("not gzip at all", 100).error().IsInvalidArgument());
  EXPECT_TRUE(Gunzip("", 100).error().IsInvalidArgument());
  EXPECT_TRUE(Gunzip(z.substr(0, z.size() / 2), 100).error().IsInvalidArgument());
  std::string flipped = z;
  flipped[z.size() - 6] ^= 0x55;  // CRC32 in the trailer
  EXPECT_TRUE(Gunzip(flipped, 1000).error().IsInvalidArgument());
  EXPECT_TRUE(Gunzip(z + "trailing", 1000).error().IsInvalidArgument());
}

}  // namespace
}  // namespace ballast::telemetry
