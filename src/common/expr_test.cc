#include "common/expr.h"

#include "common/allocation_counter_testing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ballast::expr {
namespace {

using ::ballast::allocation_testing::AllocationCount;
using ::ballast::allocation_testing::AllocationCounterWorks;

enum Slot : SlotId { kLatency, kOutcome, kModel, kFlags, kAttrs, kScores, kStreaming, kTime, kTags };

const Schema& TestSchema() {
  static const Schema* schema = [] {
    auto* s = new Schema;
    s->AddField("latency_ms", ValueType::kNumber, kLatency)
        .AddEnum("outcome", {"ok", "error", "timeout"}, kOutcome)
        .AddField("model", ValueType::kString, kModel)
        .AddField("flags", ValueType::kStringList, kFlags)
        .AddMap("attributes", ValueType::kString, kAttrs)
        .AddMap("scores", ValueType::kNumber, kScores)
        .AddField("streaming", ValueType::kBool, kStreaming)
        .AddField("time", ValueType::kTime, kTime)
        .AddMap("tags", ValueType::kAny, kTags)
        .AddField("tags.team", ValueType::kString, kModel);  // longest match beats the map
    return s;
  }();
  return *schema;
}

struct FakeRecord final : Record {
  std::optional<double> latency;
  std::string outcome = "ok";
  std::string model;
  std::optional<std::vector<std::string_view>> flags;
  std::map<std::string, std::string, std::less<>> attrs;
  std::map<std::string, double, std::less<>> scores;
  std::optional<bool> streaming;
  std::optional<int64_t> time;
  std::map<std::string, FieldValue, std::less<>> tags;

  FieldValue Get(SlotId slot, std::string_view key) const override {
    switch (slot) {
      case kLatency: return latency ? FieldValue::Number(*latency) : FieldValue::Absent();
      case kOutcome: return FieldValue::String(outcome);
      case kModel: return model.empty() ? FieldValue::Absent() : FieldValue::String(model);
      case kFlags: return flags ? FieldValue::List(*flags) : FieldValue::Absent();
      case kAttrs: {
        auto it = attrs.find(key);
        return it == attrs.end() ? FieldValue::Absent() : FieldValue::String(it->second);
      }
      case kScores: {
        auto it = scores.find(key);
        return it == scores.end() ? FieldValue::Absent() : FieldValue::Number(it->second);
      }
      case kStreaming: return streaming ? FieldValue::Bool(*streaming) : FieldValue::Absent();
      case kTime: return time ? FieldValue::Number(static_cast<double>(*time)) : FieldValue::Absent();
      case kTags: {
        auto it = tags.find(key);
        return it == tags.end() ? FieldValue::Absent() : it->second;
      }
    }
    return FieldValue::Absent();
  }
};

FakeRecord SampleRecord() {
  FakeRecord r;
  r.latency = 420;
  r.outcome = "ok";
  r.model = "gpt-4o-mini";
  r.flags = std::vector<std::string_view>{"refusal", "pii_leak"};
  r.attrs = {{"tenant", "acme"}, {"region", "eu-west-1"}, {"gen_ai.system", "openai"}};
  r.scores = {{"quality", 0.83}};
  r.streaming = true;
  r.time = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
  r.tags = {{"team", FieldValue::String("search")}, {"stage", FieldValue::Number(2)},
            {"my key", FieldValue::String("v")}};
  return r;
}

// Compiles `text` against TestSchema (failing the test on an error) and evaluates it.
bool Matches(std::string_view text, const Record& record, Dialect dialect = Dialect::kStandard) {
  ParseOptions options;
  options.dialect = dialect;
  Result<Predicate> p = Compile(text, TestSchema(), options);
  if (!p) {
    ADD_FAILURE() << "compile failed for `" << text << "`: " << p.error().ToString();
    return false;
  }
  return p->Evaluate(record);
}

std::string CompileError(std::string_view text, Dialect dialect = Dialect::kStandard) {
  ParseOptions options;
  options.dialect = dialect;
  Result<Predicate> p = Compile(text, TestSchema(), options);
  if (p) return "<compiled>";
  EXPECT_TRUE(p.error().IsInvalidArgument());
  return p.error().message();
}

std::string Canonical(std::string_view text, Dialect dialect = Dialect::kStandard) {
  ParseOptions options;
  options.dialect = dialect;
  Result<Expression> e = Parse(text, options);
  if (!e) return "error: " + e.error().message();
  return Format(e->root);
}

// ---------------------------------------------------------------------------------------------
// Parsing.

TEST(ExprParseTest, BuildsTheAst) {
  Result<Expression> e =
      Parse("outcome = 'ok' AND ttft_ms <= 800 AND attributes.tenant IN ('a', 'b')");
  ASSERT_TRUE(e) << e.error().ToString();
  const Node& root = e->root;
  ASSERT_EQ(root.kind, NodeKind::kAnd);
  ASSERT_EQ(root.children.size(), 3u);
  const Node& a = root.children[0];
  EXPECT_EQ(a.kind, NodeKind::kComparison);
  EXPECT_EQ(a.field.ToString(), "outcome");
  EXPECT_EQ(a.op, Op::kEq);
  ASSERT_EQ(a.values.size(), 1u);
  EXPECT_EQ(a.values[0].kind, Literal::Kind::kString);
  EXPECT_EQ(a.values[0].string, "ok");
  EXPECT_EQ(a.values[0].position, 11);
  const Node& b = root.children[1];
  EXPECT_EQ(b.op, Op::kLe);
  EXPECT_EQ(b.position, 20);
  EXPECT_TRUE(b.values[0].integral);
  EXPECT_EQ(b.values[0].integer, 800);
  const Node& c = root.children[2];
  EXPECT_EQ(c.op, Op::kIn);
  EXPECT_THAT(c.field.segments, testing::ElementsAre("attributes", "tenant"));
  ASSERT_EQ(c.values.size(), 2u);
  EXPECT_EQ(c.values[1].string, "b");
}

TEST(ExprParseTest, PrecedenceAndParentheses) {
  // AND binds tighter than OR; NOT tighter than both.
  EXPECT_EQ(Canonical("a = 1 or b = 2 and c = 3"), "a = 1 OR b = 2 AND c = 3");
  Result<Expression> e = Parse("a = 1 OR b = 2 AND c = 3");
  ASSERT_TRUE(e);
  ASSERT_EQ(e->root.kind, NodeKind::kOr);
  EXPECT_EQ(e->root.children[1].kind, NodeKind::kAnd);
  EXPECT_EQ(Canonical("(a = 1 OR b = 2) AND c = 3"), "(a = 1 OR b = 2) AND c = 3");
  EXPECT_EQ(Canonical("NOT a = 1 AND b = 2"), "NOT a = 1 AND b = 2");
  EXPECT_EQ(Canonical("NOT (a = 1 AND b = 2)"), "NOT (a = 1 AND b = 2)");
  // Chains are flattened; redundant parentheses disappear.
  EXPECT_EQ(Canonical("((a = 1)) AND (b = 2 AND c = 3)"), "a = 1 AND b = 2 AND c = 3");
  EXPECT_EQ(Canonical("NoT x In (1,2) AnD y nOt LiKe 'a%' oR has(f,'x')"),
            "NOT x IN (1, 2) AND y NOT LIKE 'a%' OR has(f, 'x')");
}

TEST(ExprParseTest, Literals) {
  EXPECT_EQ(Canonical("s = 'it''s'"), "s = 'it''s'");
  EXPECT_EQ(Canonical("n = -1.5"), "n = -1.5");
  EXPECT_EQ(Canonical("n = 1e3"), "n = 1000.0");
  EXPECT_EQ(Canonical("n = 2.5E-2"), "n = 0.025000000000000001");
  EXPECT_EQ(Canonical("n = .5"), "n = 0.5");
  EXPECT_EQ(Canonical("n = -7"), "n = -7");
  EXPECT_EQ(Canonical("n>=-7"), "n >= -7");
  EXPECT_EQ(Canonical("b = TRUE or b = false"), "b = true OR b = false");
  EXPECT_EQ(Canonical("a <> 1 or a == 2"), "a != 1 OR a = 2");
  Result<Expression> e = Parse("n = 9223372036854775808");  // past int64: a float
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->root.values[0].integral);
  EXPECT_DOUBLE_EQ(e->root.values[0].number, 9223372036854775808.0);
  // A LIKE pattern keeps its backslashes; only '' is unescaped by the string syntax.
  e = Parse(R"(m LIKE 'a\%''b')");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->root.values[0].string, R"(a\%'b)");
}

TEST(ExprParseTest, DottedPathsAcceptKeywordsAfterADot) {
  Result<Expression> e = Parse("attributes.gen_ai.system = 'x' AND attributes.in = 'y'");
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_THAT(e->root.children[0].field.segments,
              testing::ElementsAre("attributes", "gen_ai", "system"));
  EXPECT_THAT(e->root.children[1].field.segments, testing::ElementsAre("attributes", "in"));
}

TEST(ExprParseTest, MlflowDialect) {
  Result<Expression> e = Parse(R"(tags.`my key` = "it""s" AND name LIKE 'x%')",
                               ParseOptions{.dialect = Dialect::kMlflow});
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_EQ(e->dialect, Dialect::kMlflow);
  EXPECT_THAT(e->root.children[0].field.segments, testing::ElementsAre("tags", "my key"));
  EXPECT_EQ(e->root.children[0].values[0].string, "it\"s");
  EXPECT_EQ(Format(e->root), "tags.`my key` = 'it\"s' AND name LIKE 'x%'");
  EXPECT_EQ(Canonical("`and` = 1", Dialect::kMlflow), "`and` = 1");
  // The standard dialect refuses both, saying why.
  EXPECT_EQ(Canonical(R"(name = "x")"),
            "error: double-quoted string at position 8; use single quotes (double quotes are "
            "accepted only in the MLflow dialect)");
  EXPECT_EQ(Canonical("tags.`a b` = 'x'"),
            "error: backticked identifier at position 6; backticks are accepted only in the "
            "MLflow dialect");
}

TEST(ExprParseTest, SyntaxErrorsNamePositionAndExpectation) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"latency_ms =", "expected a value after '=' at position 13 (found end of input)"},
      {"latency_ms = )", "expected a value after '=' at position 14 (found ')')"},
      {"latency_ms <= AND", "expected a value after '<=' at position 15 (found 'AND')"},
      {"", "expected a field, NOT or '(' at position 1 (found end of input)"},
      {"   ", "expected a field, NOT or '(' at position 4 (found end of input)"},
      {"= 1", "expected a field, NOT or '(' at position 1 (found '=')"},
      {"a = 1 b = 2", "expected AND, OR or end of input at position 7 (found 'b')"},
      {"(a = 1", "unclosed '(' at position 1: expected ')' at position 7 (found end of input)"},
      {"a = 1)", "expected AND, OR or end of input at position 6 (found ')')"},
      {"a ~ 1", "unexpected character '~' at position 3"},
      {"a = 'x", "unterminated string starting at position 5"},
      {"a NOT = 1", "expected IN, LIKE or ILIKE after NOT at position 7 (found '=')"},
      {"a IN ()", "expected a value in the IN list at position 7 (found ')')"},
      {"a NOT IN (1,", "expected a value in the NOT IN list at position 13 (found end of input)"},
      {"a IN (1 2)", "expected ',' or ')' in the IN list at position 9 (found '2')"},
      {"a IN 1", "expected '(' after IN at position 6 (found '1')"},
      {"a LIKE 5", "expected a string pattern after LIKE at position 8 (found '5')"},
      {"a", "expected an operator (= != < <= > >= IN, NOT IN, LIKE, ILIKE) after field 'a' at "
            "position 2 (found end of input)"},
      {"a. = 1", "expected a name after '.' in field 'a' at position 4 (found '=')"},
      {"x = 1e999", "number out of range at position 5"},
      {"x = 12abc", "malformed number at position 5"},
      {"x = 1.2.3", "malformed number at position 5"},
      {"x = 1e", "expected digits in the exponent of number at position 5"},
      {"x = -", "expected digits in number at position 5"},
      {"has(flags 'x')", "expected ',' after the field in has() at position 11 (found ''x'')"},
      {"has(flags, 1)", "expected a string as the second argument of has() at position 12 "
                        "(found '1')"},
      {"has(flags, 'x'", "expected ')' to close has() at position 15 (found end of input)"},
      {"a ! 1", "unexpected character '!' (did you mean '!='?) at position 3"},
      {"a = \x01", "unexpected character 0x01 at position 5"},
      // A long token is clipped at 24 bytes, but never inside a UTF-8 character (the message
      // goes into JSON): the quote and 22 x's are 23 bytes, and the 'é' would straddle 24.
      {"a = 1 'xxxxxxxxxxxxxxxxxxxxxx\xc3\xa9'",
       "expected AND, OR or end of input at position 7 (found ''xxxxxxxxxxxxxxxxxxxxxx...')"},
  };
  for (const Case& c : cases) {
    Result<Expression> e = Parse(c.text);
    ASSERT_FALSE(e) << c.text;
    EXPECT_TRUE(e.error().IsInvalidArgument());
    EXPECT_EQ(e.error().message(), c.message) << "input: " << c.text;
  }
}

TEST(ExprParseTest, LimitsAreErrorsNotCrashes) {
  std::string long_text = "model = '" + std::string(5000, 'x') + "'";
  Result<Expression> e = Parse(long_text);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message(), "expression is 5010 characters long; the limit is 4096");

  auto nested = [](int n) {
    return std::string(n, '(') + "a = 1" + std::string(n, ')');
  };
  EXPECT_TRUE(Parse(nested(64)));
  e = Parse(nested(65));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message(),
            "expression nested deeper than 64 levels (parentheses and NOTs) at position 65");

  std::string nots;
  for (int i = 0; i < 100000; ++i) nots += "NOT ";
  nots += "a = 1";
  ParseOptions huge;
  huge.max_length = 1 << 20;
  huge.max_depth = 1 << 30;  // clamped: the parser never recurses without bound
  e = Parse(nots, huge);
  ASSERT_FALSE(e);
  EXPECT_THAT(e.error().message(), testing::HasSubstr("nested deeper than 256 levels"));
  EXPECT_FALSE(Parse(std::string(100000, '('), huge));

  std::string list = "a IN (";
  for (int i = 0; i < 1001; ++i) list += (i ? "," : "") + std::to_string(i);
  list += ")";
  e = Parse(list, huge);
  ASSERT_FALSE(e);
  EXPECT_THAT(e.error().message(), testing::HasSubstr("IN list longer than 1000 values"));
}

// ---------------------------------------------------------------------------------------------
// Compiling against a schema.

TEST(ExprCompileTest, UnknownFieldListsValidOnes) {
  EXPECT_EQ(CompileError("model = 'x' AND latncy_ms < 3"),
            "unknown field 'latncy_ms' at position 17; valid fields: attributes.<key>, flags, "
            "latency_ms, model, outcome, scores.<key>, streaming, tags.<key>, tags.team, time");
  EXPECT_EQ(CompileError("attributes = 'x'"),
            "field 'attributes' needs a key, as in 'attributes.<key>' at position 1");
  EXPECT_EQ(CompileError("latency_ms.p99 > 3"),
            "field 'latency_ms' has no sub-fields ('latency_ms.p99') at position 1");
}

TEST(ExprCompileTest, TypeErrors) {
  EXPECT_EQ(CompileError("latency_ms = 'fast'"),
            "field 'latency_ms' is a number; it cannot be compared with the string 'fast' at "
            "position 14");
  EXPECT_EQ(CompileError("model IN ('a', 3)"),
            "field 'model' is a string; it cannot be compared with the number 3 at position 16");
  EXPECT_EQ(CompileError("streaming = 1"),
            "field 'streaming' is a boolean; it cannot be compared with the number 1 at position "
            "13");
  EXPECT_EQ(CompileError("streaming < true"),
            "operator '<' does not apply to true/false at position 13");
  EXPECT_EQ(CompileError("flags = 'pii_leak'"),
            "field 'flags' is a list of strings; test membership with has(flags, 'x') at "
            "position 1");
  EXPECT_EQ(CompileError("has(model, 'x')"),
            "has() needs a list field; 'model' is a string at position 1");
  EXPECT_EQ(CompileError("latency_ms LIKE '1%'"),
            "LIKE needs a string field; 'latency_ms' is a number at position 1");
  EXPECT_EQ(CompileError(R"(model LIKE 'abc\')"),
            R"(LIKE pattern ends with an unfinished escape '\' at position 12)");
  EXPECT_EQ(CompileError("outcome = 'eror'"),
            "unknown value 'eror' for field 'outcome' at position 11; expected one of: ok, error, "
            "timeout");
  EXPECT_EQ(CompileError("outcome NOT IN ('ok', 'timout')"),
            "unknown value 'timout' for field 'outcome' at position 23; expected one of: ok, "
            "error, timeout");
  EXPECT_THAT(CompileError("time > '2026-13-01T00:00:00Z'"),
              testing::StartsWith("invalid time '2026-13-01T00:00:00Z' at position 8; field "
                                  "'time' takes epoch milliseconds or an RFC 3339 time"));
  // kAny fields accept any literal; mismatches are decided at run time.
  EXPECT_EQ(CompileError("tags.stage = 'x' OR tags.stage IN (1, 'a', true)"), "<compiled>");
}

TEST(ExprCompileTest, HandBuiltAstsAreValidated) {
  Node not_node;
  not_node.kind = NodeKind::kNot;
  not_node.position = 3;
  Result<Predicate> p = Compile(not_node, TestSchema());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message(), "NOT needs exactly one operand at position 3");

  Node cmp;
  cmp.field.segments = {"latency_ms"};
  cmp.op = Op::kLt;
  p = Compile(cmp, TestSchema());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message(), "'<' needs one value at position 0");

  cmp.values.push_back(Literal{.kind = Literal::Kind::kNumber, .number = 500});
  p = Compile(cmp, TestSchema());
  ASSERT_TRUE(p) << p.error().ToString();
  FakeRecord r = SampleRecord();
  EXPECT_TRUE(p->Evaluate(r));

  // A hand-built chain deeper than any parse could produce is refused, not recursed into.
  Node deep = cmp;
  for (int i = 0; i < 600; ++i) {
    Node n;
    n.kind = NodeKind::kNot;
    n.children.push_back(std::move(deep));
    deep = std::move(n);
  }
  p = Compile(deep, TestSchema());
  ASSERT_FALSE(p);
  EXPECT_THAT(p.error().message(), testing::HasSubstr("nested deeper than"));
}

// ---------------------------------------------------------------------------------------------
// Evaluation.

TEST(ExprEvalTest, DefaultPredicateMatchesEverything) {
  FakeRecord r;
  EXPECT_TRUE(Predicate().Evaluate(r));
}

TEST(ExprEvalTest, NumberComparisons) {
  FakeRecord r = SampleRecord();  // latency 420
  EXPECT_TRUE(Matches("latency_ms = 420", r));
  EXPECT_TRUE(Matches("latency_ms = 420.0", r));
  EXPECT_FALSE(Matches("latency_ms != 420", r));
  EXPECT_TRUE(Matches("latency_ms < 420.5", r));
  EXPECT_FALSE(Matches("latency_ms < 420", r));
  EXPECT_TRUE(Matches("latency_ms <= 420", r));
  EXPECT_FALSE(Matches("latency_ms > 4.2e2", r));
  EXPECT_TRUE(Matches("latency_ms > -1", r));
  EXPECT_FALSE(Matches("latency_ms >= 421", r));
  EXPECT_TRUE(Matches("scores.quality >= 0.8 AND scores.quality < 0.9", r));
  EXPECT_TRUE(Matches("latency_ms IN (5, 420, 1)", r));
  EXPECT_FALSE(Matches("latency_ms NOT IN (420, 5, 420)", r));
  EXPECT_TRUE(Matches("latency_ms NOT IN (419, 421)", r));
}

TEST(ExprEvalTest, StringAndBoolComparisons) {
  FakeRecord r = SampleRecord();
  EXPECT_TRUE(Matches("outcome = 'ok'", r));
  EXPECT_TRUE(Matches("outcome != 'error'", r));
  EXPECT_TRUE(Matches("model > 'gpt-4' AND model < 'gpt-5'", r));  // byte order
  EXPECT_TRUE(Matches("attributes.tenant IN ('zeta', 'acme', 'beta')", r));
  EXPECT_FALSE(Matches("attributes.tenant IN ('ACME')", r));  // = is case-sensitive
  EXPECT_TRUE(Matches("attributes.region NOT IN ('us-east-1')", r));
  EXPECT_TRUE(Matches("attributes.gen_ai.system = 'openai'", r));
  EXPECT_TRUE(Matches("streaming = true AND streaming != false", r));
  EXPECT_TRUE(Matches("tags.team = 'gpt-4o-mini'", r));  // the field, not the map (slot kModel)
}

TEST(ExprEvalTest, AbsentFieldComparisonsAreFalseAndNotNegatesThem) {
  FakeRecord r;  // latency, model, flags, streaming, time absent; outcome "ok"
  for (const char* text :
       {"latency_ms = 1", "latency_ms != 1", "latency_ms < 1", "latency_ms >= 1",
        "latency_ms IN (1, 2)", "latency_ms NOT IN (1, 2)", "model LIKE '%'",
        "model NOT LIKE 'x%'", "model ILIKE '%'", "model NOT ILIKE 'x'", "has(flags, 'x')",
        "attributes.tenant = 'acme'", "attributes.tenant != 'acme'", "scores.quality < 0.5",
        "streaming = false", "streaming != true", "time > 0", "tags.anything = 1"}) {
    EXPECT_FALSE(Matches(text, r)) << text;
    EXPECT_TRUE(Matches("NOT " + std::string(text), r)) << "NOT " << text;
    EXPECT_TRUE(Matches("NOT (" + std::string(text) + ")", r)) << "NOT (" << text << ")";
  }
  // So `x != v` and `NOT x = v` differ exactly on records without x.
  EXPECT_FALSE(Matches("latency_ms != 5", r));
  EXPECT_TRUE(Matches("NOT latency_ms = 5", r));
  EXPECT_TRUE(Matches("latency_ms = 5 OR outcome = 'ok'", r));
}

TEST(ExprEvalTest, NanIsTreatedAsAbsent) {
  FakeRecord r;
  r.latency = std::nan("");
  EXPECT_FALSE(Matches("latency_ms != 1", r));
  EXPECT_FALSE(Matches("latency_ms NOT IN (1)", r));
  EXPECT_TRUE(Matches("NOT latency_ms = 1", r));
}

TEST(ExprEvalTest, HasTestsListMembership) {
  FakeRecord r = SampleRecord();
  EXPECT_TRUE(Matches("has(flags, 'pii_leak')", r));
  EXPECT_TRUE(Matches("HAS(flags, 'refusal') AND NOT has(flags, 'jailbreak')", r));
  EXPECT_FALSE(Matches("has(flags, 'PII_LEAK')", r));
  r.flags = std::vector<std::string_view>{};
  EXPECT_FALSE(Matches("has(flags, 'pii_leak')", r));
  EXPECT_TRUE(Matches("NOT has(flags, 'pii_leak')", r));
}

TEST(ExprEvalTest, TimeFieldsTakeRfc3339OrMillis) {
  FakeRecord r = SampleRecord();  // 2026-01-01T00:00:00Z
  EXPECT_TRUE(Matches("time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:00:00.001Z'", r));
  EXPECT_TRUE(Matches("time = '2026-01-01T01:00:00+01:00'", r));
  EXPECT_TRUE(Matches("time = 1767225600000", r));
  EXPECT_FALSE(Matches("time > 1767225600000", r));
}

TEST(ExprEvalTest, AnyTypedFieldsMismatchAtRunTimeIsFalse) {
  FakeRecord r = SampleRecord();  // tags.team "search" (string), tags.stage 2 (number)
  EXPECT_TRUE(Matches("tags.stage = 2", r));
  EXPECT_FALSE(Matches("tags.stage = '2'", r));
  EXPECT_FALSE(Matches("tags.stage != '2'", r));  // a mismatch is false, like an absent field
  EXPECT_TRUE(Matches("tags.stage IN ('a', 2)", r));
  EXPECT_FALSE(Matches("tags.stage NOT IN ('a', 'b')", r));  // no number in the list: false
  EXPECT_TRUE(Matches("tags.stage NOT IN ('a', 3)", r));
  EXPECT_FALSE(Matches("tags.stage LIKE '2'", r));
  EXPECT_FALSE(Matches("has(tags.stage, '2')", r));
  EXPECT_TRUE(Matches("tags.`my key` = \"v\"", r, Dialect::kMlflow));
}

TEST(ExprEvalTest, RecordReturningTheWrongKindIsTreatedAsAbsent) {
  struct Confused final : Record {
    FieldValue Get(SlotId, std::string_view) const override { return FieldValue::Bool(true); }
  } confused;
  EXPECT_FALSE(Matches("latency_ms != 1", confused));
  EXPECT_FALSE(Matches("model NOT LIKE 'x'", confused));
  EXPECT_FALSE(Matches("has(flags, 'x')", confused));
  EXPECT_TRUE(Matches("NOT model IN ('a')", confused));
}

struct LikeCase {
  const char* pattern;
  const char* text;
  bool like;
  bool ilike;
};

TEST(ExprEvalTest, LikePatterns) {
  const LikeCase cases[] = {
      {"gpt-4%", "gpt-4o-mini", true, true},
      {"GPT-4%", "gpt-4o-mini", false, true},
      {"%mini", "gpt-4o-mini", true, true},
      {"%MINI", "gpt-4o-mini", false, true},
      {"%4o%", "gpt-4o-mini", true, true},
      {"%4O%", "gpt-4o-mini", false, true},
      {"gpt-4o-mini", "gpt-4o-mini", true, true},
      {"gpt-4o-min", "gpt-4o-mini", false, false},
      {"gpt_4o%", "gpt-4o-mini", true, true},
      {"gpt_4o", "gpt-4o-mini", false, false},
      {"%", "", true, true},
      {"", "", true, true},
      {"", "a", false, false},
      {"_", "", false, false},
      {"%%", "abc", true, true},
      {"a%b%c", "aXXbYYc", true, true},
      {"a%b%c", "aXXbYY", false, false},
      {"%aab", "aaab", true, true},          // needs backtracking
      {"%a_b%", "xxaxbyy", true, true},
      {"%a_b%", "xxaxxbyy", false, false},
      {R"(100\%)", "100%", true, true},      // escaped wildcard
      {R"(100\%)", "1000", false, false},
      {R"(a\_b)", "a_b", true, true},
      {R"(a\_b)", "axb", false, false},
      {R"(a\\b)", R"(a\b)", true, true},
      {R"(%\%%)", "50% off", true, true},
      {"_", "é", true, true},                // one UTF-8 character, two bytes
      {"__", "é", false, false},
      {"caf_", "café", true, true},
      {"%é_", "éé€", true, true},
      {"%_é", "€é", true, true},
  };
  for (const LikeCase& c : cases) {
    FakeRecord r;
    r.model = c.text;
    if (r.model.empty()) r.tags = {{"m", FieldValue::String("")}};
    std::string field = r.model.empty() ? "tags.m" : "model";
    auto quoted = [](std::string s) {
      std::string out = "'";
      for (char ch : s) out += ch == '\'' ? std::string("''") : std::string(1, ch);
      return out + "'";
    };
    std::string like = field + " LIKE " + quoted(c.pattern);
    std::string ilike = field + " ILIKE " + quoted(c.pattern);
    EXPECT_EQ(Matches(like, r), c.like) << like << " on '" << c.text << "'";
    EXPECT_EQ(Matches(ilike, r), c.ilike) << ilike << " on '" << c.text << "'";
    EXPECT_EQ(Matches(field + " NOT LIKE " + quoted(c.pattern), r), !c.like) << like;
    EXPECT_EQ(Matches(field + " NOT ILIKE " + quoted(c.pattern), r), !c.ilike) << ilike;
  }
}

TEST(ExprEvalTest, CompoundClassifier) {
  const char* good =
      "outcome = 'ok' AND latency_ms <= 800 AND attributes.tenant IN ('acme', 'globex') "
      "AND NOT has(flags, 'pii_leak') AND model ILIKE 'GPT-4%'";
  FakeRecord r = SampleRecord();
  EXPECT_FALSE(Matches(good, r));  // pii_leak flag
  r.flags = std::vector<std::string_view>{"refusal"};
  EXPECT_TRUE(Matches(good, r));
  r.latency = 801;
  EXPECT_FALSE(Matches(good, r));
}

// The hot-path promise: evaluating never touches the heap.
TEST(ExprEvalTest, EvaluateDoesNotAllocate) {
  if (!AllocationCounterWorks()) GTEST_SKIP() << "operator new is replaced elsewhere";
  Result<Predicate> p = Compile(
      "(outcome = 'ok' AND latency_ms <= 800 AND attributes.tenant IN ('acme', 'globex', 'a', "
      "'b', 'c') AND NOT has(flags, 'jailbreak') AND model ILIKE '%4O%' AND model LIKE 'g_t%i' "
      "AND scores.quality NOT IN (0.1, 0.2) AND streaming = true AND time >= "
      "'2025-01-01T00:00:00Z' AND tags.stage IN (1, 2, 'x') AND model NOT LIKE '%x%y%') OR "
      "attributes.missing = 'x'",
      TestSchema());
  ASSERT_TRUE(p) << p.error().ToString();
  FakeRecord r = SampleRecord();
  bool result = false;
  {
    AllocationCount count;
    for (int i = 0; i < 1000; ++i) result = p->Evaluate(r);
    EXPECT_EQ(count.count(), 0u);
  }
  EXPECT_TRUE(result);
}

// ---------------------------------------------------------------------------------------------
// Properties.

// Random ASTs in the shapes the parser produces (flattened chains, no NOT directly under a
// comparison), so Parse(Format(ast)) must give back the same canonical text.
Node RandomNode(int depth) {
  int kind = depth <= 0 ? 3 : *rc::gen::inRange(0, 4);
  Node n;
  if (kind < 2) {
    n.kind = kind == 0 ? NodeKind::kAnd : NodeKind::kOr;
    int count = *rc::gen::inRange(2, 4);
    for (int i = 0; i < count; ++i) {
      Node c = RandomNode(depth - 1);
      if (c.kind == n.kind) c = RandomNode(0);  // the parser would flatten it
      n.children.push_back(std::move(c));
    }
    return n;
  }
  if (kind == 2) {
    n.kind = NodeKind::kNot;
    n.children.push_back(RandomNode(depth - 1));
    return n;
  }
  n.kind = NodeKind::kComparison;
  n.field.segments.push_back(*rc::gen::element<std::string>("a", "latency_ms", "x_1"));
  if (*rc::gen::arbitrary<bool>())
    n.field.segments.push_back(*rc::gen::element<std::string>("k", "in", "b2"));
  n.op = static_cast<Op>(*rc::gen::inRange(0, static_cast<int>(Op::kHas) + 1));
  int values = (n.op == Op::kIn || n.op == Op::kNotIn) ? *rc::gen::inRange(1, 4) : 1;
  for (int i = 0; i < values; ++i) {
    Literal l;
    bool string_only = n.op >= Op::kLike;
    int lk = string_only ? 0 : *rc::gen::inRange(0, 3);
    if (lk == 0) {
      l.kind = Literal::Kind::kString;
      l.string = *rc::gen::container<std::string>(rc::gen::element('a', '\'', '%', ' ', '\\'));
    } else if (lk == 1) {
      l.kind = Literal::Kind::kNumber;
      l.number = *rc::gen::map(rc::gen::arbitrary<int>(), [](int v) { return v / 8.0; });
      l.integral = *rc::gen::arbitrary<bool>() && l.number == std::floor(l.number);
      l.integer = static_cast<int64_t>(l.number);
    } else {
      l.kind = Literal::Kind::kBool;
      l.boolean = *rc::gen::arbitrary<bool>();
    }
    n.values.push_back(std::move(l));
  }
  return n;
}

RC_GTEST_PROP(ExprProperty, FormatThenParseIsStable, ()) {
  Node ast = RandomNode(*rc::gen::inRange(0, 5));
  std::string text = Format(ast);
  ParseOptions options;
  options.max_length = 1 << 20;
  Result<Expression> parsed = Parse(text, options);
  RC_ASSERT(parsed.has_value());
  RC_ASSERT(Format(parsed->root) == text);
}

RC_GTEST_PROP(ExprProperty, ArbitraryTextNeverCrashesAndRoundTrips, (const std::string& text)) {
  for (Dialect d : {Dialect::kStandard, Dialect::kMlflow}) {
    ParseOptions options;
    options.dialect = d;
    Result<Expression> e = Parse(text, options);
    if (!e) {
      RC_ASSERT(e.error().message().find("position") != std::string::npos ||
                e.error().message().find("limit") != std::string::npos);
      continue;
    }
    ParseOptions relaxed = options;
    relaxed.dialect = Dialect::kMlflow;
    relaxed.max_length = 1 << 20;
    Result<Expression> again = Parse(Format(e->root), relaxed);
    RC_ASSERT(again.has_value());
    RC_ASSERT(Format(again->root) == Format(e->root));
    (void)Compile(e->root, TestSchema());
  }
}

}  // namespace
}  // namespace ballast::expr
