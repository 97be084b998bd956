#include "common/json_text.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ballast {
namespace {

TEST(JsonQuoteTest, EscapesAndRepairsUtf8) {
  std::string appended = "x";
  AppendJsonString(appended, std::string("a\"b\\c\n\x01\x7f", 8));
  EXPECT_EQ(appended, "x\"a\\\"b\\\\c\\n\\u0001\\u007f\"");
  EXPECT_EQ(JsonQuote("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_EQ(JsonQuote("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
  std::string bad = JsonQuote("x\xFFy");
  EXPECT_EQ(bad, "\"x\xEF\xBF\xBDy\"");
  EXPECT_FALSE(nlohmann::json::parse(JsonQuote("\xC3"), nullptr, false).is_discarded());
}

}  // namespace
}  // namespace ballast
