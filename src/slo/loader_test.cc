// Loading forms (files, directories, stdin, YAML/JSON, lists, documents) and golden error
// messages with their positions.
#include "slo/loader.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "slo/test_support.h"

namespace ballast::slo {
namespace {

namespace fs = std::filesystem;

// A minimal valid SLO; tests replace parts of it. It is the shared availability SLO named
// "chat", over 28 days, with one bare objective (`- target: 0.99` on line 25): the positions in
// the golden messages below refer to this text.
std::string MinimalSlo() {
  std::string text = testing::kAvailabilitySlo;
  const std::pair<std::string_view, std::string_view> edits[] = {
      {"name: chat-availability", "name: chat"},
      {"duration: 30d", "duration: 28d"},
      {"    - displayName: Requests succeed\n      target: 0.999\n", "    - target: 0.99\n"}};
  for (const auto& [from, to] : edits) {
    size_t pos = text.find(from);
    if (pos == std::string::npos) std::abort();  // test_support.h changed: update the edits
    text.replace(pos, from.size(), to);
  }
  return text;
}
const std::string kSlo = MinimalSlo();

std::string Errors(const LoadResult& r) {
  std::string out;
  for (const Diagnostic& d : r.diagnostics.items())
    if (d.severity == Severity::kError) out += d.ToString() + "\n";
  return out;
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

TEST(Loader, MinimalSloLoadsWithOnlyTheUndeclaredServiceWarning) {
  LoadResult r = LoadText(kSlo, "chat.yaml");
  EXPECT_TRUE(r.ok()) << r.diagnostics.ToString();
  EXPECT_EQ(r.diagnostics.ToString(),
            "chat.yaml:6:12: warning: spec.service: Service \"chat-api\" is not declared\n");
  ASSERT_EQ(r.catalog.objects().size(), 1u);
  const SloSpec& slo = r.catalog.objects()[0].As<SloSpec>();
  EXPECT_DOUBLE_EQ(slo.objectives[0].Target(), 0.99);
  EXPECT_EQ(slo.time_window[0].duration, (Duration{28, DurationUnit::kDay}));
  EXPECT_TRUE(slo.time_window[0].Rolling());
}

// The brief's example message, exactly.
TEST(Loader, GoldenTargetTooLarge) {
  LoadResult r = LoadText(Replace(kSlo, "target: 0.99", "target: 1.5"), "slos/chat.yaml");
  EXPECT_EQ(Errors(r), "slos/chat.yaml:25:15: spec.objectives[0].target: must be less than 1\n");
}

struct Golden {
  const char* name;
  std::string from, to;
  std::string expected;  // every error, in order
};

class LoaderGolden : public ::testing::TestWithParam<Golden> {};

TEST_P(LoaderGolden, ReportsEveryErrorWithItsPosition) {
  const Golden& g = GetParam();
  LoadResult r = LoadText(Replace(kSlo, g.from, g.to), "f.yaml");
  EXPECT_EQ(Errors(r), g.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LoaderGolden,
    ::testing::Values(
        Golden{"TargetZero", "target: 0.99", "target: 0",
               "f.yaml:25:15: spec.objectives[0].target: must be greater than 0\n"},
        Golden{"BothTargets", "target: 0.99", "target: 0.99\n      targetPercent: 99",
               "f.yaml:26:22: spec.objectives[0].targetPercent: target and targetPercent are "
               "mutually exclusive: give one\n"},
        Golden{"PercentOutOfRange", "target: 0.99", "targetPercent: 100",
               "f.yaml:25:22: spec.objectives[0].targetPercent: must be less than 100\n"},
        Golden{"NoTarget", "target: 0.99", "displayName: x",
               "f.yaml:25:7: spec.objectives[0].target: one of target or targetPercent is "
               "required\n"},
        Golden{"UnknownField", "  service: chat-api", "  service: chat-api\n  sevrice: x",
               "f.yaml:7:3: spec.sevrice: unknown field\n"},
        Golden{"BadName", "name: chat", "name: Chat_1",
               "f.yaml:4:9: metadata.name: invalid name \"Chat_1\": must consist of lowercase "
               "letters, digits, '-' and '.', start and end with a letter or digit (DNS-1123)\n"},
        Golden{"BadDuration", "duration: 28d", "duration: 28x",
               "f.yaml:21:17: spec.timeWindow[0].duration: invalid duration \"28x\": unknown "
               "unit (expected s m h d w M Q Y) at position 2 (expected e.g. 5m, 1h, 28d, 1w, "
               "1M, 1Q, 1Y)\n"},
        Golden{"NumberAsString", "target: 0.99", "target: \"0.99\"",
               "f.yaml:25:15: spec.objectives[0].target: expected a number, found \"0.99\"\n"},
        Golden{"BadMethod", "budgetingMethod: Occurrences", "budgetingMethod: Occurences",
               "f.yaml:23:20: spec.budgetingMethod: invalid value \"Occurences\": expected "
               "Occurrences, Timeslices or RatioTimeslices\n"},
        Golden{"TimeslicesWithoutSlice", "budgetingMethod: Occurrences",
               "budgetingMethod: Timeslices",
               "f.yaml:25:7: spec.objectives[0].timeSliceWindow: required with budgetingMethod "
               "Timeslices\n"
               "f.yaml:25:7: spec.objectives[0].timeSliceTarget: required with budgetingMethod "
               "Timeslices\n"},
        Golden{"SliceLongerThanWindow", "target: 0.99",
               "target: 0.99\n      timeSliceTarget: 0.9\n      timeSliceWindow: 30d",
               "f.yaml:27:24: spec.objectives[0].timeSliceWindow: the time slice 30d is longer "
               "than the SLO's time window 28d\n"},
        Golden{"SliceTargetOutOfRange", "target: 0.99", "target: 0.99\n      timeSliceTarget: 1.2",
               "f.yaml:26:24: spec.objectives[0].timeSliceTarget: must be greater than 0 and at "
               "most 1\n"},
        Golden{"GoodAndBad", "        total:",
               "        bad:\n          metricSource:\n"
               "            type: ballast\n        total:",
               "f.yaml:18:11: spec.indicator.spec.ratioMetric.bad: good and bad are mutually "
               "exclusive: give one\n"},
        Golden{"NeitherGoodNorBad",
               "        good:\n          metricSource:\n            type: "
               "ballast\n            spec:\n              where: outcome = "
               "'ok'\n",
               "",
               "f.yaml:12:9: spec.indicator.spec.ratioMetric: one of good or bad is required "
               "with total\n"},
        Golden{"BadTimeZone", "      isRolling: true",
               "      isRolling: false\n      calendar:\n        startTime: 2024-01-01 00:00:00\n"
               "        timeZone: Mars/Olympus",
               "f.yaml:25:19: spec.timeWindow[0].calendar.timeZone: unknown time zone "
               "\"Mars/Olympus\": expected an IANA name such as Europe/Paris or UTC\n"},
        Golden{"BadStartTime", "      isRolling: true",
               "      calendar:\n        startTime: 2024-13-01\n        timeZone: UTC",
               "f.yaml:23:20: spec.timeWindow[0].calendar.startTime: invalid startTime "
               "\"2024-13-01\": expected \"YYYY-MM-DD hh:mm:ss\" (read in timeZone) or RFC "
               "3339\n"},
        Golden{"RollingWithCalendar", "      isRolling: true",
               "      isRolling: true\n      calendar:\n        startTime: 2024-01-01 00:00:00\n"
               "        timeZone: UTC",
               "f.yaml:22:18: spec.timeWindow[0].isRolling: a rolling window has no calendar: "
               "set isRolling: false or remove calendar\n"},
        Golden{"BadWhere", "where: outcome = 'ok'", "where: outcome = 'okay'",
               "f.yaml:16:22: spec.indicator.spec.ratioMetric.good.metricSource.spec.where: "
               "invalid filter on requests: unknown value 'okay' for field 'outcome' at position "
               "11; expected one of: ok, error, timeout, rate_limited, filtered, cancelled\n"},
        Golden{"FieldOnRatio", "where: outcome = 'ok'", "field: latency_ms",
               "f.yaml:16:22: spec.indicator.spec.ratioMetric.good.metricSource.spec.field: only "
               "for a thresholdMetric (a ratioMetric's good counts events)\n"},
        Golden{"UnknownIndicatorRef",
               "  indicator:\n    metadata:\n      name: ok\n    spec:\n      ratioMetric:\n"
               "        good:\n          metricSource:\n            type: ballast\n"
               "            spec:\n              where: outcome = 'ok'\n        total:\n"
               "          metricSource:\n            type: ballast\n",
               "  indicatorRef: chat-ok\n",
               "f.yaml:7:17: spec.indicatorRef: unknown SLI \"chat-ok\" (no such object among "
               "those loaded)\n"}),
    [](const ::testing::TestParamInfo<Golden>& info) { return std::string(info.param.name); });

// One pass reports every problem of a file, across objects and kinds.
TEST(Loader, CollectsEveryErrorInOnePass) {
  std::string text = std::string(kSlo) + R"(---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: Bad Name
spec:
  conditions:
    - conditionRef: missing
  notificationTargets: []
  extra: 1
---
apiVersion: openslo/v1alpha
kind: SLO
metadata:
  name: old
---
apiVersion: openslo/v1
kind: Widget
)";
  text = Replace(text, "target: 0.99", "target: 2");
  LoadResult r = LoadText(text, "all.yaml");
  EXPECT_EQ(Errors(r),
            "all.yaml:25:15: spec.objectives[0].target: must be less than 1\n"
            "all.yaml:30:9: metadata.name: invalid name \"Bad Name\": must consist of lowercase "
            "letters, digits, '-' and '.', start and end with a letter or digit (DNS-1123)\n"
            "all.yaml:33:21: spec.conditions[0].conditionRef: unknown AlertCondition \"missing\" "
            "(no such object among those loaded)\n"
            "all.yaml:35:3: spec.extra: unknown field\n"
            "all.yaml:37:13: apiVersion: openslo/v1alpha is not supported here: v1 expected "
            "(openslo/v1); only `ballast rules prometheus` reads v1alpha\n"
            "all.yaml:43:7: kind: unknown kind \"Widget\": expected Service, SLI, SLO, "
            "AlertPolicy, AlertCondition, AlertNotificationTarget or DataSource\n");
  EXPECT_EQ(r.diagnostics.error_count(), 6u);
}

TEST(Loader, SyntaxErrorHasPosition) {
  LoadResult r = LoadText("apiVersion: openslo/v1\nkind: [SLO\n", "bad.yaml");
  ASSERT_EQ(r.diagnostics.error_count(), 1u);
  EXPECT_EQ(r.diagnostics.items()[0].pos.file, "bad.yaml");
  EXPECT_GT(r.diagnostics.items()[0].pos.line, 0);
  EXPECT_NE(r.diagnostics.items()[0].message.find("invalid YAML/JSON"), std::string::npos);
}

// yaml-cpp 0.7 would loop forever (growing memory) on this input; found by fuzz/openslo_fuzz.cc.
TEST(Loader, LeadingCommaIsAnErrorNotAHang) {
  LoadResult r = LoadText("\n,\n", "comma.yaml");
  EXPECT_EQ(Errors(r), "comma.yaml:2:1: invalid YAML/JSON: unexpected token\n");
  r = LoadText(", apiVersion: openslo/v1\n  kind: Service\n", "comma2.yaml");
  EXPECT_EQ(r.diagnostics.error_count(), 1u) << r.diagnostics.ToString();
}

TEST(Loader, JsonWithPositions) {
  LoadResult r = LoadText(
      "{\"apiVersion\": \"openslo/v1\", \"kind\": \"Service\",\n"
      " \"metadata\": {\"name\": \"a\"}, \"spec\": {\"descripton\": \"x\"}}",
      "svc.json");
  EXPECT_EQ(Errors(r), "svc.json:2:38: spec.descripton: unknown field\n");
}

TEST(Loader, ErrorsAsStatus) {
  LoadResult r = LoadText(Replace(kSlo, "target: 0.99", "target: 1"), "x.yaml");
  Status s = r.diagnostics.ToStatus();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.field(), "spec.objectives[0].target");
  EXPECT_TRUE(LoadText(kSlo).diagnostics.ToStatus().ok());
}

TEST(Loader, ExistingCatalogResolvesReferences) {
  LoadResult base = LoadText(R"(apiVersion: openslo/v1
kind: SLI
metadata: {name: chat-ok}
spec:
  ratioMetric:
    good: {metricSource: {type: ballast, spec: {where: "outcome = 'ok'"}}}
    total: {metricSource: {type: ballast}}
)");
  ASSERT_TRUE(base.ok()) << base.diagnostics.ToString();
  std::string slo = R"(apiVersion: openslo/v1
kind: SLO
metadata: {name: chat}
spec:
  service: chat-api
  indicatorRef: chat-ok
  budgetingMethod: Occurrences
  timeWindow: [{duration: 1w, isRolling: true}]
  objectives: [{target: 0.9}]
)";
  EXPECT_FALSE(LoadText(slo).ok());
  LoadResult r = LoadText(slo, "<input>", &base.catalog);
  EXPECT_TRUE(r.ok()) << r.diagnostics.ToString();
  EXPECT_NE(r.catalog.IndicatorFor(r.catalog.objects()[0].As<SloSpec>(),
                                   r.catalog.objects()[0].As<SloSpec>().objectives[0]),
            nullptr);
}

class LoaderFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("slo_loader_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "nested");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const fs::path& rel, const std::string& text) { std::ofstream(dir_ / rel) << text; }
  fs::path dir_;
};

constexpr const char* kService = "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: %s\n";

std::string ServiceDoc(const std::string& name) {
  std::string s = kService;
  return Replace(s, "%s", name);
}

TEST_F(LoaderFiles, DirectoryIsRecursiveSortedAndFiltered) {
  Write("b.yaml", ServiceDoc("b"));
  Write("a.yml", ServiceDoc("a"));
  Write("nested/c.json",
        R"({"apiVersion": "openslo/v1", "kind": "Service", "metadata": {"name": "c"}})");
  Write("notes.txt", "not: an object");
  LoadResult r = LoadPaths({dir_.string()});
  EXPECT_TRUE(r.ok()) << r.diagnostics.ToString();
  ASSERT_EQ(r.catalog.objects().size(), 3u);
  EXPECT_EQ(r.catalog.objects()[0].metadata.name, "a");
  EXPECT_EQ(r.catalog.objects()[1].metadata.name, "b");
  EXPECT_EQ(r.catalog.objects()[2].metadata.name, "c");
}

TEST_F(LoaderFiles, ReferencesResolveAcrossFilesAndDuplicatesAreFound) {
  Write("a.yaml", ServiceDoc("chat-api"));
  Write("b.yaml", kSlo);
  Write("c.yaml", ServiceDoc("chat-api"));
  LoadResult r = LoadPaths(
      {(dir_ / "a.yaml").string(), (dir_ / "b.yaml").string(), (dir_ / "c.yaml").string()});
  std::string a = (dir_ / "a.yaml").string();
  EXPECT_EQ(Errors(r),
            (dir_ / "c.yaml").string() +
                ":4:9: metadata.name: duplicate Service \"chat-api\": already defined at " + a +
                ":4:9\n");
  EXPECT_EQ(r.diagnostics.warning_count(), 0u);  // the Service is declared
}

TEST_F(LoaderFiles, MissingFileAndTooLargeFile) {
  Write("big.yaml", std::string(2000, '#'));
  LoadOptions options;
  options.max_file_bytes = 1000;
  LoadResult r =
      LoadPaths({(dir_ / "none.yaml").string(), (dir_ / "big.yaml").string()}, nullptr, options);
  EXPECT_EQ(r.diagnostics.error_count(), 2u);
  EXPECT_NE(Errors(r).find("none.yaml: no such file or directory"), std::string::npos);
  EXPECT_NE(Errors(r).find("file too large (2000 bytes; limit 1000)"), std::string::npos);
}

TEST(LoaderStdin, DashReadsTheStream) {
  std::istringstream in(ServiceDoc("from-stdin"));
  std::vector<Source> sources;
  Diagnostics diags;
  CollectSources("-", in, LoadOptions{}, &sources, &diags);
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_EQ(sources[0].name, "<stdin>");
  LoadResult r = LoadSources(sources);
  ASSERT_EQ(r.catalog.objects().size(), 1u);
  EXPECT_EQ(r.catalog.objects()[0].metadata.name, "from-stdin");
}

TEST(Loader, EmptyInputWarns) {
  LoadResult r = LoadText("# nothing\n", "empty.yaml");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.diagnostics.ToString(), "empty.yaml: warning: no objects found\n");
}

TEST(Loader, TooManyObjects) {
  LoadOptions options;
  options.max_objects = 2;
  std::string text;
  for (const char* name : {"a", "b", "c"})
    text +=
        std::string("- {apiVersion: openslo/v1, kind: Service, metadata: {name: ") + name + "}}\n";
  LoadResult r = LoadText(text, "many.yaml", nullptr, options);
  EXPECT_EQ(r.catalog.objects().size(), 2u);
  EXPECT_NE(Errors(r).find("too many objects (limit 2)"), std::string::npos);
}

TEST(Loader, LabelsStringOrListAndAnnotations) {
  LoadResult r = LoadText(R"(apiVersion: openslo/v1
kind: Service
metadata:
  name: s
  labels:
    team: a
    env: [prod, dev]
    "-bad": x
  annotations:
    ballast.dev/format: slack
    "bad key/x/y": z
)",
                          "l.yaml");
  EXPECT_EQ(r.diagnostics.error_count(), 2u) << r.diagnostics.ToString();
  const Metadata& md = r.catalog.objects()[0].metadata;
  EXPECT_FALSE(md.labels.at("team").list);
  EXPECT_EQ(md.labels.at("env").values, (std::vector<std::string>{"prod", "dev"}));
  EXPECT_EQ(md.annotations.at("ballast.dev/format"), "slack");
}

TEST(Loader, AliasBombIsBounded) {
  std::string text =
      "apiVersion: openslo/v1\nkind: DataSource\nmetadata: {name: d}\n"
      "spec:\n  type: x\n  connectionDetails:\n"
      "    a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'k'; ++c) {
    text += std::string("    ") + c + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
    prev = c;
  }
  LoadResult r = LoadText(text, "bomb.yaml");
  EXPECT_NE(Errors(r).find("value too large"), std::string::npos) << Errors(r);
}

}  // namespace
}  // namespace ballast::slo
