#include "cli/views.h"

#include <gtest/gtest.h>

namespace ballast::cli {
namespace {

TEST(StatsTableTest, UngroupedStatsShowTheServiceAndDashesForMissingValues) {
  Json stats = Json::parse(R"({"series": [{"key": {"service": "chat"}, "requests": 0,
      "outcomes": {"ok": 0}, "input_tokens": 0, "output_tokens": 0, "cost_usd": 0,
      "latency_ms": {"p50": null, "p95": null, "p99": null}, "ttft_ms": null}]})");
  EXPECT_EQ(StatsTable(stats).Render(),
            "SERVICE  REQUESTS  ERROR %  P50 MS  P95 MS  P99 MS  TTFT P95 MS  IN TOKENS  "
            "OUT TOKENS  COST USD\n"
            "chat            0        -       -       -       -            -          0  "
            "         0    0.0000\n");
}

TEST(StatsTableTest, GroupedByModelAndPromptKeepsKeyOrderAndFormatsMeasures) {
  Json stats = Json::parse(R"({"series": [
      {"key": {"service": "s", "prompt": "p@2", "model": "m@1"}, "requests": 4,
       "outcomes": {"ok": 1, "error": 3}, "latency_ms": {"p50": 5.123, "p95": 12.34, "p99": 1234.5},
       "ttft_ms": {"p95": 0.5}}]})");
  EXPECT_EQ(StatsTable(stats).Render(),
            "MODEL  PROMPT  REQUESTS  ERROR %  P50 MS  P95 MS  P99 MS  TTFT P95 MS  IN TOKENS  "
            "OUT TOKENS  COST USD\n"
            "m@1    p@2            4    75.00    5.12    12.3    1234         0.50          -  "
            "         -         -\n");
}

TEST(StatsTableTest, EmptySeriesHasOnlyTheHeader) {
  Table t = StatsTable(Json::parse(R"({"series": []})"));
  EXPECT_EQ(t.row_count(), 0u);
  Table garbage = StatsTable(Json::parse(R"("not an object")"));
  EXPECT_EQ(garbage.row_count(), 0u);
}

TEST(ItemsTableTest, PreferredColumnsFirstThenOthersInOrderOfAppearance) {
  Json items = Json::parse(R"([{"series": 3, "name": "chat", "extra": {"a": 1}},
                               {"name": "sum", "region": "eu", "series": null}])");
  EXPECT_EQ(ItemsTable(items, {"name", "first_seen", "series"}, "NAME").Render(),
            "NAME  SERIES  EXTRA    REGION\n"
            "chat  3       {\"a\":1}  -\n"
            "sum   -       -        eu\n");
}

TEST(ItemsTableTest, ScalarListsBecomeOneColumn) {
  EXPECT_EQ(ItemsTable(Json::parse(R"(["a", "b"])"), {}, "SERVICE").Render(), "SERVICE\na\nb\n");
}

TEST(ListItemsTest, FindsTheList) {
  EXPECT_EQ(ListItems(Json::parse("[1]"), "x"), Json::parse("[1]"));
  EXPECT_EQ(ListItems(Json::parse(R"({"items": [2]})"), "x"), Json::parse("[2]"));
  EXPECT_EQ(ListItems(Json::parse(R"({"x": [3]})"), "x"), Json::parse("[3]"));
  EXPECT_EQ(ListItems(Json::parse(R"({"items": 4})"), "x"), Json::array());
  EXPECT_EQ(ListItems(Json(nullptr), "x"), Json::array());
}

TEST(RenderAsTest, PicksTheFormat) {
  Json v = {{"a", 1}};
  EXPECT_EQ(RenderAs(OutputFormat::kJson, v, "T"), "{\n  \"a\": 1\n}\n");
  EXPECT_EQ(RenderAs(OutputFormat::kYaml, v, "T"), "a: 1\n");
  EXPECT_EQ(RenderAs(OutputFormat::kTable, v, "T"), "T");
}

}  // namespace
}  // namespace ballast::cli
