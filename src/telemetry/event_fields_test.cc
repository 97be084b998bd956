#include "telemetry/event_fields.h"

#include <gtest/gtest.h>

#include <string>

namespace ballast::telemetry {
namespace {

// A raw key as simdjson leaves it: the key's bytes, the closing quote, then padding.
std::string Padded(std::string_view key) { return std::string(key) + "\":1}" + std::string(32, ' '); }

TEST(EventFieldsTest, EveryNameLooksUpItsField) {
  for (int f = 1; f < kEventFieldCount; ++f) {
    auto field = static_cast<EventField>(f);
    EXPECT_EQ(LookupEventField(kFieldNames[f]), field) << kFieldNames[f];
    EXPECT_TRUE(RawKeyIs(Padded(kFieldNames[f]).c_str(), field)) << kFieldNames[f];
  }
  EXPECT_EQ(LookupEventField(""), EventField::kUnknown);
  EXPECT_EQ(LookupEventField("nam"), EventField::kUnknown);
  EXPECT_EQ(LookupEventField("names"), EventField::kUnknown);
  EXPECT_EQ(LookupEventField("Time"), EventField::kUnknown);
  EXPECT_EQ(LookupEventField("cached_input_tokenS"), EventField::kUnknown);
}

TEST(EventFieldsTest, RawKeyMustEndWhereTheNameEnds) {
  EXPECT_FALSE(RawKeyIs(Padded("times").c_str(), EventField::kTime));
  EXPECT_FALSE(RawKeyIs(Padded("tim").c_str(), EventField::kTime));
  EXPECT_FALSE(RawKeyIs(Padded("tim\\u0065").c_str(), EventField::kTime));
  EXPECT_FALSE(RawKeyIs(Padded("model").c_str(), EventField::kTime));
  EXPECT_FALSE(RawKeyIs(Padded("cached_input_tokenz").c_str(), EventField::kCachedInputTokens));
  EXPECT_FALSE(RawKeyIs(Padded("cached_input_tokens_").c_str(), EventField::kCachedInputTokens));
  // Every byte of the name counts, in each of the three words.
  std::string name(kFieldNames[static_cast<int>(EventField::kCachedInputTokens)]);
  for (size_t i = 0; i < name.size(); ++i) {
    std::string changed = name;
    changed[i] ^= 0x20;
    EXPECT_FALSE(RawKeyIs(Padded(changed).c_str(), EventField::kCachedInputTokens)) << changed;
  }
}

}  // namespace
}  // namespace ballast::telemetry
