// Reading specs (errors with positions, OpenSLO v1 with Prometheus sources) and the YAML the
// generator writes.
#include "rules/generator.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "rules/test_support.h"

namespace ballast::rules {
namespace {

using testing::ReadFile;
using testing::SlothDir;

std::string Errors(const Generated& g) { return g.diagnostics.ToString(); }

constexpr const char* kMinimal = R"(version: "prometheus/v1"
service: "svc"
slos:
  - name: "avail"
    objective: 99
    sli:
      events:
        error_query: sum(rate(errors_total[{{.window}}]))
        total_query: sum(rate(requests_total[{{.window}}]))
    alerting:
      name: Burn
)";

TEST(ReadSpecs, MinimalSpecGeneratesThreeGroups) {
  Generated g = GeneratePrometheusRules(kMinimal, "m.yaml", {});
  ASSERT_TRUE(g.ok()) << Errors(g);
  ASSERT_EQ(g.documents.size(), 1u);
  ASSERT_EQ(g.documents[0].groups.size(), 3u);
  EXPECT_EQ(g.documents[0].groups[2].name, "sloth-slo-alerts-svc-avail");
  EXPECT_EQ(g.documents[0].groups[0].rules.size(), 8u);  // 7 windows + the 30d period
  EXPECT_NE(g.yaml.find("# DO NOT EDIT."), std::string::npos);
}

TEST(ReadSpecs, ErrorsNameFileLineColumnAndField) {
  struct Case {
    std::string from, to, want;
  };
  const std::vector<Case> cases = {
      {"objective: 99", "objective: 0", "m.yaml:5:16: slos[0].objective: must be greater than 0"},
      {"objective: 99", "objective: high", "m.yaml:5:16: slos[0].objective: 'high' is not a number"},
      {"name: \"avail\"", "name: \"a vail\"", "m.yaml:4:11: slos[0].name: 'a vail' is not a valid SLO name"},
      {"errors_total[{{.window}}]", "errors_total[5m]",
       "m.yaml:8:22: slos[0].sli.events.error_query: must use the {{.window}} template"},
      {"sum(rate(errors_total[{{.window}}]))", "sum(rate(errors_total[{{.window}}])",
       "slos[0].sli.events.error_query: invalid PromQL: unclosed '('"},
      {"sum(rate(errors_total[{{.window}}]))", "sum(rate(requests_total[{{.window}}]))",
       "slos[0].sli.events: the error and total queries must differ"},
      {"      name: Burn\n", "      labels: {a: b}\n",
       "slos[0].alerting.name: is required unless both the page and the ticket alerts"},
      {"      name: Burn\n", "      name: Burn\n      labels: {1bad: x}\n",
       "m.yaml:12:16: slos[0].alerting.labels.1bad: '1bad' is not a valid label name"},
      {"service: \"svc\"", "service: [svc]", "m.yaml:2:10: service: must be a string"},
      {"      events:\n        error_query: sum(rate(errors_total[{{.window}}]))\n"
       "        total_query: sum(rate(requests_total[{{.window}}]))\n",
       "      raw: foo\n", "m.yaml:7:12: slos[0].sli.raw.error_ratio_query: is required"},
      {"    sli:\n", "    sli:\n      plugin: {id: x}\n",
       "slos[0].sli.plugin: SLI plugins run Sloth's Go plugins"},
  };
  for (const Case& c : cases) {
    std::string text = kMinimal;
    ASSERT_NE(text.find(c.from), std::string::npos) << c.from;
    text.replace(text.find(c.from), c.from.size(), c.to);
    Generated g = GeneratePrometheusRules(text, "m.yaml", {});
    EXPECT_FALSE(g.ok()) << c.to;
    EXPECT_TRUE(g.yaml.empty());
    EXPECT_NE(Errors(g).find(c.want), std::string::npos) << c.to << "\n" << Errors(g);
  }
}

TEST(ReadSpecs, UnknownFieldsAreWarnings) {
  std::string text = std::string(kMinimal) + "    extra: 1\n";
  Generated g = GeneratePrometheusRules(text, "m.yaml", {});
  ASSERT_TRUE(g.ok()) << Errors(g);
  EXPECT_NE(Errors(g).find("warning: slos[0].extra: unknown field, ignored"), std::string::npos)
      << Errors(g);
}

TEST(ReadSpecs, UnknownDocumentsAndBrokenYamlAreErrors) {
  Generated g = GeneratePrometheusRules("apiVersion: v1\nkind: ConfigMap\n", "x.yaml", {});
  EXPECT_NE(Errors(g).find("unsupported apiVersion 'v1'"), std::string::npos) << Errors(g);
  g = GeneratePrometheusRules(std::string(kMinimal) + "---\nfoo: [\n", "x.yaml", {});
  EXPECT_NE(Errors(g).find("x.yaml:14:"), std::string::npos) << Errors(g);
  EXPECT_NE(Errors(g).find("invalid YAML"), std::string::npos) << Errors(g);
  g = GeneratePrometheusRules("# nothing\n", "x.yaml", {});
  EXPECT_NE(Errors(g).find("no SLO found"), std::string::npos) << Errors(g);
}

TEST(OpenSloV1, PrometheusRatioMetricGeneratesRulesAndAlerts) {
  const std::string path = SlothDir() + "/promtool/openslo-v1.yaml";
  GenerateOptions options;
  options.version = "ballast-test";
  Generated g = GeneratePrometheusRules(ReadFile(path), path, options);
  ASSERT_TRUE(g.ok()) << Errors(g);
  ASSERT_EQ(g.documents.size(), 1u);
  const RulesDocument& d = g.documents[0];
  EXPECT_EQ(d.kind, SpecKind::kOpenSloV1);
  ASSERT_EQ(d.groups.size(), 3u);
  EXPECT_EQ(d.groups[0].name, "sloth-slo-sli-recordings-chat-chat-availability-0");
  EXPECT_EQ(NormalizeWhitespace(d.groups[0].rules[0].expr),
            "( 1 - ( ( sum(rate(llm_requests_total{service=\"chat\",outcome=\"ok\"}[5m])) ) / ( "
            "sum(rate(llm_requests_total{service=\"chat\"}[5m])) ) ) )");
  const Rule& info = d.groups[1].rules.back();
  EXPECT_EQ(info.record, "sloth_slo_info");
  EXPECT_EQ(info.labels.at("sloth_spec"), "openslo/v1");
  EXPECT_EQ(info.labels.at("sloth_mode"), "cli-gen-openslo");
  EXPECT_EQ(info.labels.at("sloth_objective"), "99.9");
  ASSERT_EQ(d.groups[2].rules.size(), 2u);
  EXPECT_EQ(d.groups[2].rules[0].alert, "chat-availability");
  EXPECT_EQ(d.groups[2].rules[0].labels.at("sloth_severity"), "page");
}

constexpr const char* kOpenSloV1Bad = R"(apiVersion: openslo/v1
kind: SLO
metadata:
  name: lat
spec:
  service: chat
  budgetingMethod: Occurrences
  timeWindow:
    - duration: 7d
      isRolling: true
  indicator:
    metadata:
      name: lat-sli
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: Datadog
            spec:
              query: sum:errors{*}
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(requests_total[{{.window}}]))
  objectives:
    - target: 0.99
)";

TEST(OpenSloV1, NonPrometheusSourcesAndMissingWindowsAreErrors) {
  Generated g = GeneratePrometheusRules(kOpenSloV1Bad, "v1.yaml", {});
  ASSERT_FALSE(g.ok());
  EXPECT_NE(Errors(g).find("spec.indicator.spec.ratioMetric.bad.metricSource.type: rules "
                           "prometheus needs a Prometheus metric source, got 'Datadog'"),
            std::string::npos)
      << Errors(g);

  std::string fixed = kOpenSloV1Bad;
  fixed.replace(fixed.find("type: Datadog"), 13, "type: prometheus");
  fixed.replace(fixed.find("sum:errors{*}"), 13, "sum(rate(errors_total[{{.window}}]))");
  g = GeneratePrometheusRules(fixed, "v1.yaml", {});
  ASSERT_FALSE(g.ok());
  EXPECT_NE(Errors(g).find("no alert windows for the 7d SLO period (available: 28d, 30d)"),
            std::string::npos)
      << Errors(g);

  Result<AlertWindowsCatalog> w7 =
      AlertWindowsCatalog::FromDirectory(SlothDir() + "/testdata/windows");
  ASSERT_TRUE(w7.has_value());
  GenerateOptions options;
  options.windows = &*w7;
  g = GeneratePrometheusRules(fixed, "v1.yaml", options);
  ASSERT_TRUE(g.ok()) << Errors(g);
  // bad/total: Sloth's events form.
  EXPECT_EQ(NormalizeWhitespace(g.documents[0].groups[0].rules[0].expr),
            "(sum(rate(errors_total[5m]))) / (sum(rate(requests_total[5m])))");
}

TEST(OpenSloV1, CalendarWindowsAndTimeslicesAreRefused) {
  std::string text = kOpenSloV1Bad;
  text.replace(text.find("type: Datadog"), 13, "type: prometheus");
  text.replace(text.find("sum:errors{*}"), 13, "sum(rate(errors_total[{{.window}}]))");
  text.replace(text.find("budgetingMethod: Occurrences"), 28, "budgetingMethod: Timeslices");
  text.replace(text.find("- target: 0.99"), 14,
               "- target: 0.99\n      timeSliceTarget: 0.9\n      timeSliceWindow: 1m");
  Generated g = GeneratePrometheusRules(text, "v1.yaml", {});
  EXPECT_NE(Errors(g).find("spec.budgetingMethod: Timeslices is not supported"), std::string::npos)
      << Errors(g);
}

TEST(RenderRulesYaml, QuotesWhatWouldNotReadBackAsAString) {
  RulesDocument doc;
  Rule r;
  r.record = "x";
  r.expr = "vector(1)";
  r.labels = {{"a", "99.9"}, {"b", "true"}, {"c", "{{$labels.x}}"}, {"d", "it's: odd"},
              {"e", " lead"}, {"f", "tab\there"}, {"g", "ctl\x01"}, {"h", "null"}};
  r.annotations = {{"multi", "line one\n  line two\n"}, {"lead", "  indented\nx"},
                   {"nofinal", "a\nb"}, {"many", "a\n\n\n"}};
  doc.groups.push_back({"g", {r}});
  const std::string yaml = RenderRulesYaml({doc}, "v");
  std::vector<YAML::Node> docs = testing::Documents(yaml);
  ASSERT_EQ(docs.size(), 1u) << yaml;
  const YAML::Node rule = docs[0]["groups"][0]["rules"][0];
  for (const auto& [k, v] : r.labels) EXPECT_EQ(rule["labels"][k].Scalar(), v) << k << "\n" << yaml;
  for (const auto& [k, v] : r.annotations) {
    EXPECT_EQ(rule["annotations"][k].Scalar(), v) << k << "\n" << yaml;
  }
}

RC_GTEST_PROP(RenderRulesYaml, AnyLabelValueReadsBack, ()) {
  const std::string value = *rc::gen::container<std::string>(
      rc::gen::element<char>('a', 'Z', '0', ' ', ':', '#', '\'', '"', '{', '}', '-', '\n', '\t',
                             '|', '>', '&', '*', '!', '%', '@', '`', ',', '[', ']', '?', '.'));
  RulesDocument doc;
  Rule r;
  r.record = "x";
  r.expr = value.empty() ? "v" : value;
  r.labels = {{"k", value}};
  doc.groups.push_back({"g", {r}});
  const std::string yaml = RenderRulesYaml({doc}, "v");
  std::vector<YAML::Node> docs = testing::Documents(yaml);
  RC_ASSERT(docs.size() == 1u);
  RC_ASSERT(docs[0]["groups"][0]["rules"][0]["labels"]["k"].as<std::string>() == value);
  RC_ASSERT(docs[0]["groups"][0]["rules"][0]["expr"].as<std::string>() == r.expr);
}

RC_GTEST_PROP(GeneratePrometheusRules, ArbitraryInputNeverCrashes, ()) {
  // Mutations of a valid spec: every result is either rules or errors, never a crash.
  std::string text = kMinimal;
  const int edits = *rc::gen::inRange(1, 6);
  for (int i = 0; i < edits; ++i) {
    const size_t pos = *rc::gen::inRange<size_t>(0, text.size());
    const char c = *rc::gen::element<char>('{', '}', '[', ']', ':', '-', ' ', '\n', '"', 'x', '9',
                                           '#', '\'', '|');
    if (*rc::gen::arbitrary<bool>()) {
      text.insert(pos, 1, c);
    } else if (pos < text.size()) {
      text.erase(pos, 1);
    }
  }
  Generated g = GeneratePrometheusRules(text, "fuzz.yaml", {});
  RC_ASSERT(g.ok() == !g.yaml.empty());
}

}  // namespace
}  // namespace ballast::rules
