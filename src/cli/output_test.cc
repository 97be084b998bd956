#include "cli/output.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <yaml-cpp/yaml.h>


namespace ballast::cli {
namespace {

TEST(OutputFormatTest, ParsesTheThreeFormatsAndNamesTheFieldOtherwise) {
  EXPECT_EQ(*ParseOutputFormat("table"), OutputFormat::kTable);
  EXPECT_EQ(*ParseOutputFormat("json"), OutputFormat::kJson);
  EXPECT_EQ(*ParseOutputFormat("yaml"), OutputFormat::kYaml);
  Result<OutputFormat> bad = ParseOutputFormat("xml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field(), "output");
  EXPECT_NE(bad.error().message().find("xml"), std::string::npos);
  EXPECT_EQ(DefaultOutputFormat(true), OutputFormat::kTable);
  EXPECT_EQ(DefaultOutputFormat(false), OutputFormat::kJson);
}

TEST(DisplayWidthTest, CountsCodePointsNotBytes) {
  EXPECT_EQ(DisplayWidth(""), 0u);
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("naïve"), 5u);
  EXPECT_EQ(DisplayWidth("…"), 1u);
  EXPECT_EQ(DisplayWidth("\xff\xfe"), 2u);  // invalid bytes still advance
  EXPECT_EQ(DisplayWidth("\xe2\x80"), 1u);  // truncated sequence does not read past the end
}

TEST(TruncateToWidthTest, CutsAtCodePointsWithEllipsis) {
  EXPECT_EQ(TruncateToWidth("abcdef", 6), "abcdef");
  EXPECT_EQ(TruncateToWidth("abcdef", 4), "abc…");
  EXPECT_EQ(TruncateToWidth("ééééé", 3), "éé…");
  EXPECT_EQ(TruncateToWidth("abc", 0), "");
  EXPECT_EQ(TruncateToWidth("abc", 1), "…");
}

TEST(TableTest, AlignsColumnsLeftAndRightWithoutTrailingSpaces) {
  Table t({{"SERVICE"}, {"REQUESTS", Align::kRight}, {"NOTE"}});
  t.AddRow({"chat", "1200", ""});
  t.AddRow({"summarizer-long", "7", "slow"});
  EXPECT_EQ(t.Render(),
            "SERVICE          REQUESTS  NOTE\n"
            "chat                 1200\n"
            "summarizer-long         7  slow\n");
}

TEST(TableTest, MissingCellsAreEmptyAndExtraCellsDropped) {
  Table t({{"A"}, {"B"}});
  t.AddRow({"1"});
  t.AddRow({"2", "3", "ignored"});
  EXPECT_EQ(t.Render(), "A  B\n1\n2  3\n");
}

TEST(TableTest, NarrowsTheWidestTruncatableColumnToFit) {
  Table t({{"NAME"}, {"DESCRIPTION"}, {"COUNT", Align::kRight, false}});
  t.AddRow({"alpha", "a rather long description of the thing", "123456"});
  // Unlimited: 5 + 2 + 38 + 2 + 6 = 53 columns.
  EXPECT_EQ(t.Render(0).find('\n'), 53u);
  std::string narrow = t.Render(30);
  EXPECT_EQ(narrow,
            "NAME   DESCRIPTION       COUNT\n"
            "alpha  a rather long …  123456\n");
  for (std::size_t start = 0; start < narrow.size();) {
    std::size_t end = narrow.find('\n', start);
    EXPECT_LE(DisplayWidth(std::string_view(narrow).substr(start, end - start)), 30u);
    start = end + 1;
  }
}

TEST(TableTest, NeverCutsNumbersEvenWhenTheTableCannotFit) {
  Table t({{"N", Align::kRight, false}, {"M", Align::kRight, false}});
  t.AddRow({"123456789", "987654321"});
  EXPECT_EQ(t.Render(5), "        N          M\n123456789  987654321\n");
}

TEST(JsonToYamlTest, GoldenDocument) {
  Json doc = Json::parse(R"({
    "name": "chat",
    "requests": 1200,
    "ratio": 0.25,
    "ok": true,
    "missing": null,
    "latency_ms": {"p50": 812, "p95": 1900.5},
    "tags": ["a", "b"],
    "series": [{"key": {"variant": "canary"}, "requests": 3}, {"key": {}, "requests": 0}],
    "empty_list": [],
    "empty_object": {},
    "matrix": [[1, 2], []]
  })");
  EXPECT_EQ(JsonToYaml(doc),
            "name: chat\n"
            "requests: 1200\n"
            "ratio: 0.25\n"
            "ok: true\n"
            "missing: null\n"
            "latency_ms:\n"
            "  p50: 812\n"
            "  p95: 1900.5\n"
            "tags:\n"
            "  - a\n"
            "  - b\n"
            "series:\n"
            "  - key:\n"
            "      variant: canary\n"
            "    requests: 3\n"
            "  - key: {}\n"
            "    requests: 0\n"
            "empty_list: []\n"
            "empty_object: {}\n"
            "matrix:\n"
            "  - - 1\n"
            "    - 2\n"
            "  - []\n");
}

TEST(JsonToYamlTest, QuotesStringsAParserWouldReadAsSomethingElse) {
  Json doc = {{"a", "true"},     {"b", "null"},
              {"c", "0123"},     {"d", "1e3"},
              {"e", ""},         {"f", "a: b"},
              {"g", "x #y"},     {"h", "line\nnext"},
              {"i", " lead"},    {"j", "2026-11-27T19:12:28Z"},
              {"k", "yes"},      {"l", "-dash"},
              {"m", "quote\"d"}, {"n", "gpt-4o@v2"},
              {"o", "~"},        {"key: colon", 1},
              {"123", 2}};
  EXPECT_EQ(JsonToYaml(doc),
            "a: \"true\"\n"
            "b: \"null\"\n"
            "c: \"0123\"\n"
            "d: \"1e3\"\n"
            "e: \"\"\n"
            "f: \"a: b\"\n"
            "g: \"x #y\"\n"
            "h: \"line\\nnext\"\n"
            "i: \" lead\"\n"
            "j: \"2026-11-27T19:12:28Z\"\n"
            "k: \"yes\"\n"
            "l: \"-dash\"\n"
            "m: \"quote\\\"d\"\n"
            "\"n\": gpt-4o@v2\n"  // "n" is a YAML 1.1 boolean
            "o: \"~\"\n"
            "\"key: colon\": 1\n"
            "\"123\": 2\n");
}

TEST(JsonToYamlTest, ScalarsAtTheTop) {
  EXPECT_EQ(JsonToYaml(Json(42)), "42\n");
  EXPECT_EQ(JsonToYaml(Json("on")), "\"on\"\n");
  EXPECT_EQ(JsonToYaml(Json::array()), "[]\n");
  EXPECT_EQ(JsonToYaml(Json::object()), "{}\n");
}

// YAML 1.2 core-schema scalars: [-+]?[0-9]+ is an integer; a decimal with an optional exponent
// is a float. Written out instead of std::regex, whose g++ 12 headers warn under -O2.
bool IsYamlInt(const std::string& s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

bool IsYamlFloat(const std::string& s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  size_t int_digits = digits();
  size_t frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    frac_digits = digits();
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

// YAML 1.2 core schema resolution of a yaml-cpp node, so the test can check that the emitter
// is faithful with a parser it did not write.
Json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = YamlToJson(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& item : node) out.push_back(YamlToJson(item));
      return out;
    }
    case YAML::NodeType::Null:
      return nullptr;
    default:
      break;
  }
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return s;  // quoted: always a string
  if (s == "null" || s == "~") return nullptr;
  if (s == "true") return true;
  if (s == "false") return false;
  if (IsYamlInt(s)) return node.as<int64_t>();
  if (IsYamlFloat(s)) return node.as<double>();
  return s;
}

rc::Gen<std::string> TrickyString() {
  return rc::gen::oneOf(
      rc::gen::container<std::string>(rc::gen::inRange<char>(1, 127)),
      rc::gen::element<std::string>("true", "False", "NULL", "~", "-", "- a", "? x", "1.5", "0x1F",
                                    ".inf", "a: b", "#c", "x #y", "'q'", "\"dq\"", "é ü ✓",
                                    "tab\there", "trail ", "@at", "*star", "&amp", "!tag", "%pct",
                                    "|bar", ">gt", "[x]", "{y}", "a,b"));
}

rc::Gen<Json> JsonValue(int depth) {
  auto scalar =
      rc::gen::oneOf(rc::gen::just(Json(nullptr)),
                     rc::gen::map(rc::gen::arbitrary<bool>(), [](bool b) { return Json(b); }),
                     rc::gen::map(rc::gen::arbitrary<int64_t>(), [](int64_t i) { return Json(i); }),
                     rc::gen::map(rc::gen::inRange(-1000000, 1000000),
                                  [](int i) { return Json(static_cast<double>(i) / 64.0 + 0.5); }),
                     rc::gen::map(TrickyString(), [](std::string s) { return Json(s); }));
  if (depth <= 0) return scalar;
  // Small fan-out keeps trees at most a few hundred nodes.
  auto array = rc::gen::map(rc::gen::mapcat(rc::gen::inRange(0, 4),
                                            [depth](int n) {
                                              return rc::gen::container<std::vector<Json>>(
                                                  n, JsonValue(depth - 1));
                                            }),
                            [](std::vector<Json> v) {
                              Json a = Json::array();
                              for (auto& x : v) a.push_back(std::move(x));
                              return a;
                            });
  auto object = rc::gen::map(
      rc::gen::mapcat(rc::gen::inRange(0, 4),
                      [depth](int n) {
                        return rc::gen::container<std::vector<std::pair<std::string, Json>>>(
                            n, rc::gen::pair(TrickyString(), JsonValue(depth - 1)));
                      }),
      [](std::vector<std::pair<std::string, Json>> kvs) {
        Json o = Json::object();
        for (auto& [k, v] : kvs) o[k] = std::move(v);
        return o;
      });
  return rc::gen::oneOf(scalar, array, object);
}

TEST(JsonToYamlTest, ParsesBackToTheSameValue) {
  bool ok = rc::check([] {
    Json value = *JsonValue(3);
    std::string yaml = JsonToYaml(value);
    YAML::Node node;
    try {
      node = YAML::Load(yaml);
    } catch (const YAML::Exception& e) {
      RC_FAIL(std::string("yaml-cpp rejected:\n") + yaml + "\n" + e.what());
    }
    Json back = YamlToJson(node);
    // Compare via the unordered type: key order is kept, but the equality of doubles and
    // integers must be by value.
    RC_ASSERT(nlohmann::json::parse(back.dump()) == nlohmann::json::parse(value.dump()));
  });
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace ballast::cli
