#include "common/dns_name.h"

#include <gtest/gtest.h>

#include <string>

namespace ballast {
namespace {

TEST(DnsNameErrorTest, AcceptsDnsSubdomains) {
  for (const char* name : {"a", "chat-api", "chat.v2", "0", "a-b.c-d.e", "x1"})
    EXPECT_EQ(DnsNameError(name), "") << name;
  EXPECT_EQ(DnsNameError(std::string(63, 'a') + "." + std::string(63, 'b')), "");
  std::string longest(253, 'a');  // four parts: 63 + 63 + 63 + 61 characters and three dots
  longest[63] = longest[127] = longest[191] = '.';
  EXPECT_EQ(DnsNameError(longest), "");
  EXPECT_NE(DnsNameError(longest + "a"), "");
}

TEST(DnsNameErrorTest, NamesTheRuleThatFails) {
  const std::string rule =
      ": must consist of lowercase letters, digits, '-' and '.', start and end with a letter or "
      "digit (DNS-1123)";
  EXPECT_EQ(DnsNameError(""), "name must not be empty");
  EXPECT_EQ(DnsNameError("Chat"), "invalid name \"Chat\"" + rule);
  EXPECT_EQ(DnsNameError("-chat"), "invalid name \"-chat\"" + rule);
  EXPECT_EQ(DnsNameError("chat-"), "invalid name \"chat-\"" + rule);
  EXPECT_EQ(DnsNameError("a..b"), "invalid name \"a..b\"" + rule);
  EXPECT_EQ(DnsNameError("a_b"), "invalid name \"a_b\"" + rule);
  EXPECT_EQ(DnsNameError(std::string(64, 'a')),
            "invalid name \"" + std::string(64, 'a') + "\": a part between dots is longer than 63");
  EXPECT_EQ(DnsNameError(std::string(254, 'a')),
            "invalid name \"" + std::string(64, 'a') + "...\": longer than 253 characters");
}

}  // namespace
}  // namespace ballast
