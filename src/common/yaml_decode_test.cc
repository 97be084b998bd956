#include "common/yaml_decode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ballast::yaml {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr Dialect kLenient{};
constexpr Dialect kStrict{.strict_scalars = true,
                          .signed_integers = true,
                          .name_found_type = true,
                          .max_json_depth = 3,
                          .max_json_nodes = 10};

// Parses `text` (one document) and runs `read` on it; returns every diagnostic as a line.
template <typename Read>
std::vector<std::string> Decode(const std::string& text, const Dialect& dialect, Read read) {
  Diagnostics diags;
  DecodeContext ctx("f.yaml", &diags, dialect);
  std::vector<YAML::Node> docs = ParseDocuments(ctx, text);
  if (!docs.empty()) read(ctx, docs.front());
  std::vector<std::string> out;
  for (const Diagnostic& d : diags.items()) out.push_back(d.ToString());
  return out;
}

TEST(ParseDocumentsTest, SplitsDocumentsAndKeepsPositions) {
  Diagnostics diags;
  DecodeContext ctx("f.yaml", &diags);
  std::vector<YAML::Node> docs = ParseDocuments(ctx, "a: 1\n---\nb: 2\n---\n");
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(ctx.Pos(docs[1]["b"]), (SourcePos{"f.yaml", 3, 4}));
  EXPECT_TRUE(yaml::IsNull(docs[2]));
}

TEST(ParseDocumentsTest, ReportsSyntaxErrorsWithPosition) {
  Diagnostics diags;
  DecodeContext ctx("f.yaml", &diags);
  EXPECT_TRUE(ParseDocuments(ctx, "a: 1\nb: [1, 2\n").empty());
  ASSERT_EQ(diags.error_count(), 1u);
  const Diagnostic& d = diags.items()[0];
  EXPECT_EQ(d.path, "");
  EXPECT_THAT(d.message, HasSubstr("invalid YAML/JSON: "));
  EXPECT_GT(d.pos.line, 0);
}

// yaml-cpp 0.7 would loop forever on these (jbeder/yaml-cpp#1319).
TEST(ParseDocumentsTest, InputThatStallsTheParserIsAnError) {
  for (const char* text : {",", ",\n,", "- a\n,"}) {
    Diagnostics diags;
    DecodeContext ctx("f.yaml", &diags);
    EXPECT_TRUE(ParseDocuments(ctx, text).empty()) << text;
    ASSERT_EQ(diags.error_count(), 1u) << text;
    EXPECT_THAT(diags.items()[0].message, HasSubstr("invalid YAML/JSON")) << text;
  }
}

TEST(PathTest, JoinsKeysAndIndexes) {
  EXPECT_EQ(JoinPath("", "spec"), "spec");
  EXPECT_EQ(JoinPath("spec", "target"), "spec.target");
  EXPECT_EQ(IndexPath("spec.objectives", 2), "spec.objectives[2]");
}

TEST(MapReaderTest, ReportsUnknownDuplicateAndMissingFields) {
  auto problems = Decode("name: a\nnmae: b\nname: c\n", kLenient, [](DecodeContext& ctx, auto doc) {
    MapReader m(ctx, doc, "metadata");
    EXPECT_EQ(m.String("name", true), "a");
    EXPECT_EQ(m.String("displayName", true), std::nullopt);
    m.Finish();
  });
  EXPECT_THAT(problems, ElementsAre("f.yaml:3:1: metadata.name: duplicate key",
                                    "f.yaml:1:1: metadata.displayName: required field is missing",
                                    "f.yaml:2:1: metadata.nmae: unknown field"));
}

TEST(MapReaderTest, NullValuesCountAsAbsentButArePositionedAtTheKey) {
  auto problems = Decode("a:\nb: ~\nc: 1\n", kLenient, [](DecodeContext& ctx, auto doc) {
    MapReader m(ctx, doc, "");
    EXPECT_FALSE(m.Has("a"));
    EXPECT_FALSE(m.Has("b"));
    EXPECT_TRUE(m.Has("c"));
    EXPECT_FALSE(m.Get("a").IsDefined());
    EXPECT_EQ(m.PosOf("b"), (SourcePos{"f.yaml", 2, 1}));
    EXPECT_EQ(m.PosOf("c"), (SourcePos{"f.yaml", 3, 4}));
    EXPECT_EQ(m.PosOf("missing"), (SourcePos{"f.yaml", 1, 1}));
    EXPECT_EQ(m.Number("c"), 1.0);
    EXPECT_EQ(ctx.Pos(m.KeyNode("c")), (SourcePos{"f.yaml", 3, 1}));
    m.Finish();
  });
  // Has and PosOf do not mark a key read; Get and the typed accessors do.
  EXPECT_THAT(problems, ElementsAre("f.yaml:2:1: b: unknown field"));
}

TEST(MapReaderTest, TakeAllMarksEveryKeyRead) {
  auto problems = Decode("x: 1\ny: 2\n", kLenient, [](DecodeContext& ctx, auto doc) {
    MapReader m(ctx, doc, "labels");
    auto all = m.TakeAll();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[1].first.Scalar(), "y");
    m.Finish();
  });
  EXPECT_TRUE(problems.empty());
}

TEST(MapReaderTest, TypedAccessors) {
  auto problems = Decode("s: text\nn: 0.5\nb: true\nd: 28d\nbad_d: 0m\nq: \"1\"\n", kLenient,
                         [](DecodeContext& ctx, auto doc) {
                           MapReader m(ctx, doc, "");
                           EXPECT_EQ(m.String("s"), "text");
                           EXPECT_EQ(m.Number("n"), 0.5);
                           EXPECT_EQ(m.Bool("b"), true);
                           std::optional<Duration> d = m.DurationField("d");
                           ASSERT_TRUE(d.has_value());
                           EXPECT_EQ(d->count, 28);
                           EXPECT_EQ(d->unit, DurationUnit::kDay);
                           EXPECT_EQ(m.DurationField("bad_d"), std::nullopt);
                           EXPECT_EQ(m.Number("q"), std::nullopt);  // quoted: a string
                           m.Finish();
                         });
  EXPECT_THAT(problems, ElementsAre("f.yaml:5:8: bad_d: duration must be positive",
                                    "f.yaml:6:4: q: expected a number, found \"1\""));
}

// The two dialects word the same mistakes differently; each module's messages are pinned here
// as well as in its own tests.
TEST(DialectTest, LenientQuotesScalarsAndNamesStructure) {
  auto problems =
      Decode("n: abc\nb: yes\nm: 5\nl: [1]\n", kLenient, [](DecodeContext& ctx, auto doc) {
        MapReader m(ctx, doc, "");
        m.Number("n");
        m.Bool("b");
        MapReader inner(ctx, m.Get("m"), "m");
        EXPECT_FALSE(inner.ok());
        ReadNumber(ctx, m.Get("l"), "l");
        m.Finish();
      });
  EXPECT_THAT(problems, ElementsAre("f.yaml:1:4: n: expected a number, found \"abc\"",
                                    "f.yaml:2:4: b: expected true or false",
                                    "f.yaml:3:4: m: expected a mapping, found a scalar",
                                    "f.yaml:4:4: l: expected a number, found a list"));
}

TEST(DialectTest, StrictNamesTheFoundType) {
  auto problems =
      Decode("n: abc\nb: 5\nm: true\ni: 1.5\n", kStrict, [](DecodeContext& ctx, auto doc) {
        MapReader m(ctx, doc, "");
        m.Number("n");
        ReadBool(ctx, m.Get("b"), "b");
        MapReader inner(ctx, m.Get("m"), "m");
        ReadInteger(ctx, m.Get("i"), "i");
        m.Finish();
      });
  EXPECT_THAT(problems, ElementsAre("f.yaml:1:4: n: expected a number, found a string",
                                    "f.yaml:2:4: b: expected true or false, found a number",
                                    "f.yaml:3:4: m: expected a mapping, found a boolean",
                                    "f.yaml:4:4: i: expected an integer, found a number"));
}

TEST(DialectTest, StrictChecksUtf8AndTaggedNulls) {
  const std::string text = "s: \"a\xff\"\nt: !x null\n";
  auto lenient = Decode(text, kLenient, [](DecodeContext& ctx, auto doc) {
    MapReader m(ctx, doc, "");
    EXPECT_EQ(m.String("s"), "a\xff");
    EXPECT_TRUE(m.Has("t"));
    EXPECT_EQ(m.String("t"), "null");
    m.Finish();
  });
  EXPECT_TRUE(lenient.empty());
  auto strict = Decode(text, kStrict, [](DecodeContext& ctx, auto doc) {
    MapReader m(ctx, doc, "");
    EXPECT_EQ(m.String("s"), std::nullopt);
    EXPECT_FALSE(m.Get("t").IsDefined());
    EXPECT_TRUE(ctx.IsNull(doc["t"]));
    EXPECT_EQ(ReadString(ctx, doc["t"], "t"), std::nullopt);
    m.Finish();
  });
  EXPECT_THAT(strict, ElementsAre("f.yaml:1:4: s: string is not valid UTF-8",
                                  "f.yaml:2:4: t: expected a string, found null"));
}

TEST(ToJsonTest, FollowsTheCoreSchemaForPlainScalars) {
  Decode("{a: 1, b: \"1\", c: 1.5, d: true, e: ~, f: [x, \"y\"], g: +5}", kLenient,
         [](DecodeContext& ctx, auto doc) {
           std::optional<nlohmann::json> j = ToJson(ctx, doc, "spec");
           ASSERT_TRUE(j.has_value());
           EXPECT_EQ(j->dump(),
                     R"({"a":1,"b":"1","c":1.5,"d":true,"e":null,"f":["x","y"],"g":5.0})");
         });
  Decode("{g: +5, h: !x null}", kStrict, [](DecodeContext& ctx, auto doc) {
    std::optional<nlohmann::json> j = ToJson(ctx, doc, "spec");
    ASSERT_TRUE(j.has_value());
    EXPECT_EQ(j->dump(), R"({"g":5,"h":null})");
  });
}

TEST(ToJsonTest, EnforcesTheDialectsLimits) {
  auto deep = Decode("a: {b: {c: {d: {e: 1}}}}", kStrict, [](DecodeContext& ctx, auto doc) {
    EXPECT_EQ(ToJson(ctx, doc, "spec"), std::nullopt);
  });
  EXPECT_THAT(deep, ElementsAre(HasSubstr("spec.a.b.c.d: value nested deeper than 3")));
  auto wide = Decode(
      "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]", kStrict,
      [](DecodeContext& ctx, auto doc) { EXPECT_EQ(ToJson(ctx, doc, "spec"), std::nullopt); });
  EXPECT_THAT(wide, ElementsAre(HasSubstr("value too large (more than 10 nodes")));
  auto ok = Decode(
      "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]", kLenient,
      [](DecodeContext& ctx, auto doc) { EXPECT_TRUE(ToJson(ctx, doc, "spec").has_value()); });
  EXPECT_TRUE(ok.empty());
}

TEST(ReadStringOrNumberTest, AcceptsOnlyStringsAndNumbers) {
  auto problems = Decode("[abc, 5, true, [1]]", kStrict, [](DecodeContext& ctx, auto doc) {
    EXPECT_EQ(ReadStringOrNumber(ctx, doc[0], "v"), nlohmann::json("abc"));
    EXPECT_EQ(ReadStringOrNumber(ctx, doc[1], "v"), nlohmann::json(5));
    EXPECT_EQ(ReadStringOrNumber(ctx, doc[2], "v"), std::nullopt);
    EXPECT_EQ(ReadStringOrNumber(ctx, doc[3], "v"), std::nullopt);
  });
  EXPECT_THAT(problems,
              ElementsAre("f.yaml:1:10: v: expected a string or a number, found a boolean",
                          "f.yaml:1:16: v: expected a string or a number, found a list"));
}

TEST(IsValidUtf8Test, RejectsMalformedSequences) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
}

TEST(DescribeTypeTest, ClassifiesScalars) {
  YAML::Node doc = YAML::Load("[\"5\", 5, true, !x null, text, {a: 1}, [1]]");
  std::vector<std::string> names;
  for (const YAML::Node& n : doc) names.push_back(DescribeType(n));
  EXPECT_THAT(names, ElementsAre("a string", "a number", "a boolean", "null", "a string",
                                 "a mapping", "a list"));
}

}  // namespace
}  // namespace ballast::yaml
