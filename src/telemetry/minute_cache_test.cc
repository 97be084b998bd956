#include "telemetry/minute_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ballast::telemetry {
namespace {

// Whatever came before, the cache answers exactly as ParseRfc3339 does.
TEST(MinuteCacheTest, AgreesWithParseRfc3339InAnyOrder) {
  const std::vector<std::string> inputs = {
      "2026-11-27T18:00:00.250Z", "2026-11-27T18:00:59.999Z", "2026-11-27T18:00:07Z",
      "2026-11-27T18:00:60Z",     "2026-11-27T18:00:61Z",     "2026-11-27T18:00:6xZ",
      "2026-11-27T18:00:07.12aZ", "2026-11-27T18:00:07.123z", "2026-11-27T18:00:07.123+01:00",
      "2026-11-27T18:01:00.000Z", "2026-02-30T18:00:00.000Z", "2026-11-27T18:00:07.123",
      "2026-11-27 18:00:07.123Z", "1969-12-31T23:59:59.999Z", "2026-11-27T18:00:07.1234Z",
      "2026-11-27T18:00:07 123Z", "2026-11-27T18:00-07.123Z", ""};
  MinuteCache cache;
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      // Alternate orders so each input follows several others.
      const std::string& s = inputs[(i * (round + 1) * 7) % inputs.size()];
      Result<EpochMillis> want = ParseRfc3339(s);
      Result<EpochMillis> got = cache.Parse(s);
      ASSERT_EQ(got.has_value(), want.has_value()) << s;
      if (want) {
        EXPECT_EQ(*got, *want) << s;
      } else {
        EXPECT_EQ(got.error().message(), want.error().message()) << s;
      }
    }
  }
}

TEST(MinuteCacheTest, ConsecutiveMinutes) {
  MinuteCache cache;
  EXPECT_EQ(*cache.Parse("2026-11-27T18:00:10.000Z"), *ParseRfc3339("2026-11-27T18:00:10Z"));
  EXPECT_EQ(*cache.Parse("2026-11-27T18:01:10.000Z"), *ParseRfc3339("2026-11-27T18:01:10Z"));
  EXPECT_EQ(*cache.Parse("2026-11-27T18:00:11.000Z"), *ParseRfc3339("2026-11-27T18:00:11Z"));
}

}  // namespace
}  // namespace ballast::telemetry
