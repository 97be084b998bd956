#include "registry/template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ballast::registry {
namespace {

using Kind = TemplateSegment::Kind;

TEST(ParseTemplate, TextAndPlaceholders) {
  ParsedTemplate t = ParseTemplate("Hi {{ name }}, order {{id}}.");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t.segments.size(), 5u);
  EXPECT_EQ(t.segments[0].value, "Hi ");
  EXPECT_EQ(t.segments[1].kind, Kind::kPlaceholder);
  EXPECT_EQ(t.segments[1].value, "name");
  EXPECT_EQ(t.segments[1].pos, (TemplatePos{3, 1, 4}));
  EXPECT_EQ(t.segments[2].value, ", order ");
  EXPECT_EQ(t.segments[3].value, "id");
  EXPECT_EQ(t.segments[4].value, ".");
  EXPECT_THAT(t.Placeholders(), ::testing::ElementsAre("name", "id"));
}

TEST(ParseTemplate, WhitespaceInsideBracesAndRepeats) {
  ParsedTemplate t = ParseTemplate("{{\tx\t}}{{x}}{{   _y9   }}");
  ASSERT_TRUE(t.ok());
  EXPECT_THAT(t.Placeholders(), ::testing::ElementsAre("x", "_y9"));
  EXPECT_EQ(t.segments.size(), 3u);
}

TEST(ParseTemplate, EscapedBracesAreLiteral) {
  ParsedTemplate t = ParseTemplate("a {{{{ b }} c {\"k\": {\"v\": 1}}");
  ASSERT_TRUE(t.ok()) << t.errors[0].message;
  ASSERT_EQ(t.segments.size(), 1u);
  EXPECT_EQ(t.segments[0].value, "a {{ b }} c {\"k\": {\"v\": 1}}");
  EXPECT_TRUE(t.Placeholders().empty());
}

TEST(ParseTemplate, EscapeNextToPlaceholder) {
  ParsedTemplate t = ParseTemplate("{{{{{{x}}");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t.segments.size(), 2u);
  EXPECT_EQ(t.segments[0].value, "{{");
  EXPECT_EQ(t.segments[1].value, "x");
}

TEST(ParseTemplate, MalformedPlaceholdersAreErrorsWithPositions) {
  ParsedTemplate t = ParseTemplate("ok {{ a }}\n  {{ 1x }} and {{a.b}} and {{}} end");
  ASSERT_EQ(t.errors.size(), 3u);
  EXPECT_EQ(t.errors[0].pos, (TemplatePos{13, 2, 3}));
  EXPECT_THAT(t.errors[0].message, ::testing::HasSubstr("malformed placeholder '{{ 1x }}'"));
  EXPECT_EQ(t.errors[1].pos.line, 2);
  EXPECT_EQ(t.errors[1].pos.column, 16);
  EXPECT_THAT(t.errors[1].message, ::testing::HasSubstr("{{a.b}}"));
  EXPECT_THAT(t.errors[2].message, ::testing::HasSubstr("empty placeholder"));
  // Scanning resumed: the valid placeholder and the text after the errors are kept.
  EXPECT_THAT(t.Placeholders(), ::testing::ElementsAre("a"));
  EXPECT_EQ(t.segments.back().value, "\n   and  and  end");
}

TEST(ParseTemplate, UnclosedPlaceholder) {
  ParsedTemplate t = ParseTemplate("line\nabc {{ name");
  ASSERT_EQ(t.errors.size(), 1u);
  EXPECT_EQ(t.errors[0].pos, (TemplatePos{9, 2, 5}));
  EXPECT_THAT(t.errors[0].message, ::testing::HasSubstr("unclosed"));
}

TEST(ParseTemplate, TripleBracesAreRejectedNotGuessed) {
  EXPECT_FALSE(ParseTemplate("{{{x}}}").ok());
  EXPECT_FALSE(ParseTemplate("{{ a b }}").ok());
  EXPECT_FALSE(ParseTemplate("{{ a\n}}").ok());
}

TEST(ParseTemplate, LoneBracesAndEmptyText) {
  EXPECT_TRUE(ParseTemplate("").ok());
  EXPECT_TRUE(ParseTemplate("").segments.empty());
  ParsedTemplate t = ParseTemplate("{ } }} {");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.segments[0].value, "{ } }} {");
}

TEST(IsVariableName, FollowsTheIdentifierRule) {
  EXPECT_TRUE(IsVariableName("a"));
  EXPECT_TRUE(IsVariableName("_"));
  EXPECT_TRUE(IsVariableName("Customer_Name2"));
  EXPECT_FALSE(IsVariableName(""));
  EXPECT_FALSE(IsVariableName("2a"));
  EXPECT_FALSE(IsVariableName("a-b"));
  EXPECT_FALSE(IsVariableName("é"));
}

}  // namespace
}  // namespace ballast::registry
