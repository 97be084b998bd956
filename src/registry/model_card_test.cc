#include "registry/model_card.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/source_tree_testing.h"

namespace ballast::registry {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using source_tree_testing::ReadFile;
using source_tree_testing::SourceDir;

// Every error of decoding `text` as "line:column: field: message" (file name dropped).
std::vector<std::string> Errors(const std::string& text) {
  CardFile f = DecodeModelCard(text, "c.yaml");
  std::vector<std::string> out;
  for (const Diagnostic& d : f.diagnostics.items()) {
    out.push_back(std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + ": " +
                  d.path + ": " + d.message);
  }
  EXPECT_EQ(f.ok(), out.empty());
  EXPECT_EQ(f.card.has_value(), out.empty());
  return out;
}

TEST(ModelCardDecodeTest, ExampleCardDecodesEverySection) {
  std::string text = ReadFile(SourceDir() + "/examples/cards/support-bot.yaml");
  ASSERT_FALSE(text.empty());
  CardFile f = DecodeModelCard(text, "support-bot.yaml");
  ASSERT_TRUE(f.ok()) << f.diagnostics.ToString();
  const ModelCard& c = *f.card;
  EXPECT_THAT(c.model_details.developers, ElementsAre("Support Platform team", "Acme AI"));
  EXPECT_EQ(c.model_details.license, "apache-2.0");
  EXPECT_EQ(c.model_details.version, "3");
  EXPECT_THAT(c.intended_use.out_of_scope,
              ElementsAre("Legal or medical advice", "Sending replies without human review"));
  EXPECT_THAT(c.factors.evaluation, ElementsAre("ticket language", "channel"));
  EXPECT_EQ(c.metrics.decision_thresholds.size(), 1u);
  EXPECT_THAT(c.evaluation_data.datasets, ElementsAre("support-tickets-eval@4"));
  EXPECT_THAT(c.training_data.datasets, ElementsAre("support-tickets-train@7"));
  ASSERT_EQ(c.quantitative_analyses.unitary.size(), 2u);
  EXPECT_EQ(c.quantitative_analyses.unitary[1].factor, "language=de");
  EXPECT_DOUBLE_EQ(c.quantitative_analyses.unitary[1].value, 0.86);
  ASSERT_EQ(c.quantitative_analyses.intersectional.size(), 1u);
  EXPECT_EQ(c.quantitative_analyses.intersectional[0].dataset, "");
  EXPECT_EQ(c.ethical_considerations.size(), 2u);
  EXPECT_EQ(c.caveats_and_recommendations.size(), 2u);
  EXPECT_THAT(c.language, ElementsAre("en", "de"));
  EXPECT_THAT(c.tags, ElementsAre("text-generation", "customer-support"));
}

TEST(ModelCardDecodeTest, JsonRoundTripGivesAnEqualCard) {
  CardFile f = DecodeModelCard(ReadFile(SourceDir() + "/examples/cards/support-bot.yaml"), "a");
  ASSERT_TRUE(f.ok()) << f.diagnostics.ToString();
  CardFile back = DecodeModelCard(ModelCardToJson(*f.card).dump(), "b.json");
  ASSERT_TRUE(back.ok()) << back.diagnostics.ToString();
  EXPECT_EQ(*back.card, *f.card);
}

TEST(ModelCardDecodeTest, EmptyDocumentAndEmptyObjectAreEmptyCards) {
  for (const char* text : {"", "{}", "# nothing\n"}) {
    CardFile f = DecodeModelCard(text, "e");
    ASSERT_TRUE(f.ok()) << text << ": " << f.diagnostics.ToString();
    EXPECT_EQ(*f.card, ModelCard{});
  }
}

TEST(ModelCardDecodeTest, UnknownFieldsAreNamed) {
  EXPECT_THAT(Errors("model_details:\n  licence: mit\nintended_uses: []\n"),
              ElementsAre("2:3: model_details.licence: unknown field",
                          "3:1: intended_uses: unknown field"));
  EXPECT_THAT(Errors(R"({"quantitative_analyses": {"unitary": [{"factor": "a", "metric": "m",
                        "value": 1, "p": 2}]}})"),
              ElementsAre(HasSubstr("quantitative_analyses.unitary[0].p: unknown field")));
}

TEST(ModelCardDecodeTest, WrongTypesNameTheFieldAndWhatWasFound) {
  EXPECT_THAT(Errors("model_details:\n  developers: alice\n"),
              ElementsAre("2:15: model_details.developers: expected a list of strings, found "
                          "a string"));
  EXPECT_THAT(Errors("model_details: [1]\n"),
              ElementsAre(HasSubstr("model_details: expected a mapping, found a list")));
  EXPECT_THAT(Errors("tags: [a, {b: c}]\n"),
              ElementsAre(HasSubstr("tags[1]: expected a string, found a mapping")));
  EXPECT_THAT(Errors("quantitative_analyses:\n  unitary:\n    - {factor: a, metric: m, "
                     "value: high}\n"),
              ElementsAre(HasSubstr("quantitative_analyses.unitary[0].value: expected a number")));
  EXPECT_THAT(Errors("[1, 2]"), ElementsAre(HasSubstr("expected a mapping, found a list")));
}

TEST(ModelCardDecodeTest, MissingResultFieldsAreRequired) {
  EXPECT_THAT(Errors("quantitative_analyses:\n  intersectional:\n    - {metric: m}\n"),
              ElementsAre(HasSubstr("intersectional[0].factor: required field is missing"),
                          HasSubstr("intersectional[0].value: required field is missing")));
}

TEST(ModelCardDecodeTest, BadSyntaxSecondDocumentAndSizeAreRefused) {
  EXPECT_THAT(Errors("model_details: {developers: [a\n"),
              ElementsAre(HasSubstr("invalid YAML/JSON")));
  EXPECT_THAT(Errors("tags: [a]\n---\ntags: [b]\n"),
              ElementsAre(HasSubstr("a model card is one document")));
  CardFile big = DecodeModelCard(std::string(300 * 1024, ' '), "big");
  EXPECT_FALSE(big.ok());
  EXPECT_THAT(big.diagnostics.ToString(), HasSubstr("too large"));
  CardDecodeOptions few;
  few.max_list_items = 2;
  CardFile many = DecodeModelCard("tags: [a, b, c]", "many", few);
  EXPECT_THAT(many.diagnostics.ToString(), HasSubstr("tags: too many items (3, limit 2)"));
}

TEST(ModelCardDecodeTest, ToJsonWritesEverySectionEvenWhenEmpty) {
  nlohmann::json j = ModelCardToJson(ModelCard{});
  for (const char* key :
       {"model_details", "intended_use", "factors", "metrics", "evaluation_data", "training_data",
        "quantitative_analyses", "ethical_considerations", "caveats_and_recommendations",
        "language", "tags"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["model_details"]["developers"], nlohmann::json::array());
}

}  // namespace
}  // namespace ballast::registry
