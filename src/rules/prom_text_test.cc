#include "rules/prom_text.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdlib>

#include "rules/alert_windows.h"

namespace ballast::rules {
namespace {

TEST(FormatGoFloat, MatchesGoShortestFormatting) {
  // Values Sloth printed in the corpus.
  EXPECT_EQ(FormatGoFloat(99.9 / 100), "0.9990000000000001");
  EXPECT_EQ(FormatGoFloat((100 - 99.9) / 100), "0.0009999999999999432");
  EXPECT_EQ(FormatGoFloat(0.95), "0.95");
  EXPECT_EQ(FormatGoFloat(30), "30");
  EXPECT_EQ(FormatGoFloat(14.4), "14.4");
  EXPECT_EQ(FormatGoFloat(5 * 672.0 / 100 / 6), "5.6000000000000005");
  EXPECT_EQ(FormatGoFloat(10 * 168.0 / 100 / 24 * 2), "1.4000000000000001");
  // Go's exponent rules: below 1e-4 and from 1e6.
  EXPECT_EQ(FormatGoFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatGoFloat(0.00001), "1e-05");
  EXPECT_EQ(FormatGoFloat((100 - 99.999) / 100), "1.0000000000047748e-05");
  EXPECT_EQ(FormatGoFloat(123456), "123456");
  EXPECT_EQ(FormatGoFloat(1e6), "1e+06");
  EXPECT_EQ(FormatGoFloat(1.5e21), "1.5e+21");
  EXPECT_EQ(FormatGoFloat(-2.5), "-2.5");
  EXPECT_EQ(FormatGoFloat(0), "0");
}

TEST(FormatGoFloatFixed, NeverUsesAnExponent) {
  EXPECT_EQ(FormatGoFloatFixed(99.9), "99.9");
  EXPECT_EQ(FormatGoFloatFixed(95), "95");
  EXPECT_EQ(FormatGoFloatFixed(0.00001), "0.00001");
  EXPECT_EQ(FormatGoFloatFixed(1e21), "1000000000000000000000");
}

RC_GTEST_PROP(FormatGoFloat, ReadsBackToTheSameDouble, ()) {
  const double v = *rc::gen::arbitrary<double>();
  RC_PRE(std::isfinite(v));
  RC_ASSERT(std::strtod(FormatGoFloat(v).c_str(), nullptr) == v);
  RC_ASSERT(std::strtod(FormatGoFloatFixed(v).c_str(), nullptr) == v);
}

TEST(PromDuration, FormatsAsPrometheus) {
  EXPECT_EQ(FormatPromDuration(5 * kMinuteMs), "5m");
  EXPECT_EQ(FormatPromDuration(30 * kDayMs), "30d");
  EXPECT_EQ(FormatPromDuration(28 * kDayMs), "4w");
  EXPECT_EQ(FormatPromDuration(7 * kDayMs), "1w");
  EXPECT_EQ(FormatPromDuration(24 * kHourMs), "1d");
  EXPECT_EQ(FormatPromDuration(36 * kHourMs), "1d12h");
  EXPECT_EQ(FormatPromDuration(365 * kDayMs), "1y");
  EXPECT_EQ(FormatPromDuration(90 * 1000), "1m30s");
  EXPECT_EQ(FormatPromDuration(0), "0s");
}

TEST(PromDuration, ParsesPrometheusSyntaxOnly) {
  EXPECT_EQ(ParsePromDuration("30d"), 30 * kDayMs);
  EXPECT_EQ(ParsePromDuration("1d12h"), 36 * kHourMs);
  EXPECT_EQ(ParsePromDuration("72h"), 3 * kDayMs);
  EXPECT_EQ(ParsePromDuration("1h30m"), 90 * kMinuteMs);
  EXPECT_EQ(ParsePromDuration("500ms"), 500);
  EXPECT_EQ(ParsePromDuration("0"), 0);
  for (const char* bad : {"", "d", "30", "30x", "1m1h", "-5m", "1.5h", "1h1h", "99999999999999999999y"}) {
    EXPECT_FALSE(ParsePromDuration(bad).has_value()) << bad;
  }
}

RC_GTEST_PROP(PromDuration, FormatParsesBack, ()) {
  const int64_t ms = *rc::gen::inRange<int64_t>(1, int64_t{1} << 45);
  RC_ASSERT(ParsePromDuration(FormatPromDuration(ms)) == std::optional<int64_t>(ms));
}

TEST(BurnRateFactor, MatchesTheSreWorkbook) {
  AlertWindows w = *AlertWindowsCatalog::BuiltIn().Find(30 * kDayMs);
  EXPECT_EQ(FormatGoFloat(w.BurnRateFactor(w.page_quick)), "14.4");
  EXPECT_EQ(FormatGoFloat(w.BurnRateFactor(w.page_slow)), "6");
  EXPECT_EQ(FormatGoFloat(w.BurnRateFactor(w.ticket_quick)), "3");
  EXPECT_EQ(FormatGoFloat(w.BurnRateFactor(w.ticket_slow)), "1");
  AlertWindows w28 = *AlertWindowsCatalog::BuiltIn().Find(28 * kDayMs);
  EXPECT_EQ(FormatGoFloat(w28.BurnRateFactor(w28.page_quick)), "13.44");
  EXPECT_EQ(FormatGoFloat(w28.BurnRateFactor(w28.ticket_slow)), "0.9333333333333333");
}

TEST(WindowTemplate, RendersOnlyTheWindowAction) {
  EXPECT_EQ(RenderWindow("rate(x[{{.window}}]) / rate(y[{{ .window }}])", "5m"),
            "rate(x[5m]) / rate(y[5m])");
  EXPECT_FALSE(RenderWindow("rate(x[{{.other}}])", "5m").has_value());
  EXPECT_FALSE(RenderWindow("rate(x[{{.window}]", "5m").has_value());
  EXPECT_TRUE(HasWindowTemplate("x[{{  .window\t}}]"));
  EXPECT_FALSE(HasWindowTemplate("x[5m]"));
}

TEST(QuerySyntax, CatchesUnbalancedQueries) {
  EXPECT_EQ(QuerySyntaxError("sum(rate(x{a=\"(\"}[5m]))"), "");
  EXPECT_EQ(QuerySyntaxError("sum(rate(x[5m])) # trailing ) comment"), "");
  EXPECT_NE(QuerySyntaxError("sum(rate(x[5m])"), "");
  EXPECT_NE(QuerySyntaxError("sum(rate(x[5m)))"), "");
  EXPECT_NE(QuerySyntaxError("x{a=\"b}"), "");
  EXPECT_NE(QuerySyntaxError("  \n"), "");
}

TEST(Names, FollowSlothAndPrometheusRules) {
  EXPECT_TRUE(IsValidSlothName("svc01"));
  EXPECT_TRUE(IsValidSlothName("requests-availability.v1_a"));
  EXPECT_FALSE(IsValidSlothName("a"));
  EXPECT_FALSE(IsValidSlothName("-svc"));
  EXPECT_FALSE(IsValidSlothName("svc 1"));
  EXPECT_TRUE(IsValidLabelName("global01k1"));
  EXPECT_TRUE(IsValidLabelName("_x"));
  EXPECT_FALSE(IsValidLabelName("1x"));
  EXPECT_FALSE(IsValidLabelName("a-b"));
  EXPECT_EQ(NormalizeWhitespace("  a\n  /\tb \n"), "a / b");
}

}  // namespace
}  // namespace ballast::rules
