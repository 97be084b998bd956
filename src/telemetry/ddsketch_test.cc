#include "telemetry/ddsketch.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace ballast::telemetry {
namespace {

// The rank definition DDSketch::Quantile documents: 0-based rank floor(q * (n - 1)).
double ExactQuantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  auto rank = static_cast<size_t>(q * static_cast<double>(v.size() - 1));
  return v[rank];
}

DDSketch SketchOf(const std::vector<double>& values) {
  DDSketch s;
  for (double v : values) EXPECT_TRUE(s.Add(v));
  return s;
}

// Positive values spread over many orders of magnitude, plus some zeros.
rc::Gen<double> ValueGen() {
  return rc::gen::weightedOneOf<double>(
      {{1, rc::gen::just(0.0)},
       {10, rc::gen::map(rc::gen::pair(rc::gen::inRange(1, 1'000'000), rc::gen::inRange(-6, 7)),
                         [](std::pair<int, int> p) { return p.first * std::pow(10.0, p.second); })}});
}

rc::Gen<std::vector<double>> ValuesGen() { return rc::gen::container<std::vector<double>>(ValueGen()); }

TEST(DDSketchTest, EmptySketch) {
  DDSketch s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.Quantile(0.5), 0);
  EXPECT_EQ(s.count(), 0);
}

TEST(DDSketchTest, RejectsNegativeAndNonFinite) {
  DDSketch s;
  EXPECT_FALSE(s.Add(-1));
  EXPECT_FALSE(s.Add(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_FALSE(s.Add(std::numeric_limits<double>::infinity()));
  EXPECT_TRUE(s.empty());
}

TEST(DDSketchTest, TracksCountSumMinMax) {
  DDSketch s = SketchOf({3, 0, 10, 7});
  EXPECT_EQ(s.count(), 4);
  EXPECT_DOUBLE_EQ(s.sum(), 20);
  EXPECT_EQ(s.min(), 0);
  EXPECT_EQ(s.max(), 10);
  EXPECT_EQ(s.Quantile(0), 0);
  EXPECT_EQ(s.Quantile(1), 10);
}

TEST(DDSketchTest, KnownQuantilesWithinOnePercent) {
  DDSketch s;
  for (int i = 1; i <= 1000; ++i) s.Add(i);
  EXPECT_NEAR(s.Quantile(0.5), 500, 5);
  EXPECT_NEAR(s.Quantile(0.99), 990, 9.9);
  EXPECT_NEAR(s.Quantile(0.01), 10, 0.1);
}

RC_GTEST_PROP(DDSketchProperty, EveryQuantileWithinRelativeError, ()) {
  auto values = *rc::gen::nonEmpty(ValuesGen());
  DDSketch s = SketchOf(values);
  for (double q : {0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0}) {
    double exact = ExactQuantile(values, q);
    double got = s.Quantile(q);
    RC_ASSERT(std::fabs(got - exact) <= 0.01 * exact * (1 + 1e-9));
  }
}

RC_GTEST_PROP(DDSketchProperty, MergeIsAssociativeAndCommutative, ()) {
  DDSketch a = SketchOf(*ValuesGen());
  DDSketch b = SketchOf(*ValuesGen());
  DDSketch c = SketchOf(*ValuesGen());
  DDSketch bc = b;
  bc.Merge(c);
  DDSketch left = a;  // merge(a, merge(b, c))
  left.Merge(bc);
  DDSketch ab = a;
  ab.Merge(b);
  DDSketch right = ab;  // merge(merge(a, b), c)
  right.Merge(c);
  RC_ASSERT(left == right);
  DDSketch ba = b;
  ba.Merge(a);
  RC_ASSERT(ab == ba);
}

RC_GTEST_PROP(DDSketchProperty, MergeEqualsInsertingAll, ()) {
  auto xs = *ValuesGen();
  auto ys = *ValuesGen();
  DDSketch merged = SketchOf(xs);
  merged.Merge(SketchOf(ys));
  std::vector<double> all = xs;
  all.insert(all.end(), ys.begin(), ys.end());
  RC_ASSERT(merged == SketchOf(all));
}

RC_GTEST_PROP(DDSketchProperty, SerializeRoundTrips, ()) {
  DDSketch s = SketchOf(*ValuesGen());
  auto back = DDSketch::Deserialize(s.Serialize());
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == s);
  RC_ASSERT(back->sum() == s.sum());
}

RC_GTEST_PROP(DDSketchProperty, DeserializeNeverCrashesOnGarbage, ()) {
  auto bytes = *rc::gen::container<std::string>(rc::gen::arbitrary<char>());
  auto r = DDSketch::Deserialize(bytes);
  if (r) RC_ASSERT(DDSketch::Deserialize(r->Serialize()).has_value());
}

TEST(DDSketchTest, EqualityDetectsDifferentBins) {
  EXPECT_FALSE(SketchOf({1, 2, 3}) == SketchOf({1, 2, 4}));
  EXPECT_FALSE(SketchOf({1, 2}) == SketchOf({1, 2, 2}));
  EXPECT_TRUE(SketchOf({1, 2, 3}) == SketchOf({3, 2, 1}));
}

TEST(DDSketchTest, MergeIntoEmptyAndFromEmpty) {
  DDSketch a = SketchOf({5, 50});
  DDSketch empty;
  DDSketch copy = a;
  copy.Merge(empty);
  EXPECT_EQ(copy, a);
  empty.Merge(a);
  EXPECT_EQ(empty, a);
}

TEST(DDSketchTest, SerializeIsCompact) {
  DDSketch s;
  for (int i = 0; i < 10000; ++i) s.Add(100 + i % 50);  // a narrow range: few bins
  EXPECT_LT(s.Serialize().size(), 100u);
}

TEST(DDSketchTest, DeserializeRejectsEveryTruncation) {
  std::string bytes = SketchOf({0, 1, 2.5, 1000, 123456}).Serialize();
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = DDSketch::Deserialize(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(r.has_value()) << "prefix of " << n << " bytes";
    EXPECT_TRUE(r.error().IsInvalidArgument());
  }
  EXPECT_TRUE(DDSketch::Deserialize(bytes).has_value());
}

TEST(DDSketchTest, DeserializeRejectsCorruptFields) {
  std::string good = SketchOf({1, 2, 3}).Serialize();
  std::string bad_format = good;
  bad_format[0] = 7;
  EXPECT_NE(DDSketch::Deserialize(bad_format).error().message().find("unknown format"),
            std::string::npos);
  EXPECT_FALSE(DDSketch::Deserialize(good + "x").has_value());  // trailing bytes
  std::string bad_count = good;
  bad_count[9] = 5;  // count varint right after the 8-byte accuracy: 3 -> 5
  EXPECT_NE(DDSketch::Deserialize(bad_count).error().message().find("add up"), std::string::npos);
}

TEST(DDSketchTest, DeserializeRejectsHugeBinCount) {
  // format, alpha, count 1, zero 0, sum/min/max, min index 0, then 2^40 bins.
  std::string s(1, '\x01');
  double alpha = 0.01, one = 1;
  s.append(reinterpret_cast<const char*>(&alpha), 8);
  s += '\x01';
  s += '\x00';
  for (int i = 0; i < 3; ++i) s.append(reinterpret_cast<const char*>(&one), 8);
  s += '\x00';
  s += "\x80\x80\x80\x80\x80\x20";  // varint 2^40
  auto r = DDSketch::Deserialize(s);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("too many bins"), std::string::npos);
}

TEST(DDSketchTest, ExtremeValuesStayBounded) {
  DDSketch s;
  EXPECT_TRUE(s.Add(std::numeric_limits<double>::denorm_min()));
  EXPECT_TRUE(s.Add(std::numeric_limits<double>::max()));
  EXPECT_EQ(s.Quantile(1), std::numeric_limits<double>::max());
  auto back = DDSketch::Deserialize(s.Serialize());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, s);
}

// The bin formula of the format: what every stored sketch was built with.
int ReferenceIndex(double v, double alpha) {
  return static_cast<int>(std::ceil(std::log(v) / std::log((1 + alpha) / (1 - alpha))));
}

// The bin a sketch files a single value v > 0 under, read back from Serialize(): format byte,
// alpha, count 1 and zero count 0 (one byte each), sum, min and max, then the zigzag varint of
// the lowest bin.
int BinOf(double v, double alpha = 0.01) {
  DDSketch s(alpha);
  EXPECT_TRUE(s.Add(v));
  std::string bytes = s.Serialize();
  uint64_t zz = 0;
  for (size_t i = 35, shift = 0; i < bytes.size(); ++i, shift += 7) {
    zz |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i]) & 0x7f) << shift;
    if ((static_cast<uint8_t>(bytes[i]) & 0x80) == 0) break;
  }
  return static_cast<int>(static_cast<int64_t>(zz >> 1) ^ -static_cast<int64_t>(zz & 1));
}

// The default accuracy finds bins through a table; it must agree with the formula everywhere,
// most of all on both sides of each bin's edge.
TEST(DDSketchIndexTest, TableAgreesWithTheFormulaAtBinEdges) {
  const double gamma = 1.01 / 0.99;
  int checked = 0;
  for (int i = -2200; i <= 1500; ++i) {  // edges from ~1e-19 to ~1e13, past the table's range
    double x = std::pow(gamma, i);
    for (int step = 0; step < 3; ++step) x = std::nextafter(x, 0.0);
    for (int step = 0; step < 6; ++step, x = std::nextafter(x, 1e300)) {
      ASSERT_EQ(BinOf(x), ReferenceIndex(x, 0.01)) << x;
      ++checked;
    }
  }
  EXPECT_GT(checked, 20'000);
}

RC_GTEST_PROP(DDSketchIndexProperty, TableAgreesWithTheFormula, ()) {
  auto mantissa = *rc::gen::inRange<int64_t>(1, int64_t{1} << 52);
  auto exponent = *rc::gen::inRange(-40, 50);
  double v = std::ldexp(1.0 + static_cast<double>(mantissa) / 4503599627370496.0, exponent);
  RC_ASSERT(BinOf(v) == ReferenceIndex(v, 0.01));
}

TEST(DDSketchIndexTest, OtherAccuraciesUseTheFormula) {
  for (double v : {1e-9, 0.5, 1.0, 3.7, 1234.5, 9e11}) EXPECT_EQ(BinOf(v, 0.02), ReferenceIndex(v, 0.02));
}

}  // namespace
}  // namespace ballast::telemetry
