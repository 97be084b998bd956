#include "registry/model_card_markdown.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>

#include "common/source_tree_testing.h"

namespace ballast::registry {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using source_tree_testing::ReadFile;
using source_tree_testing::SourceDir;

// The YAML between the leading `---` lines.
std::string FrontMatterOf(const std::string& md) {
  EXPECT_THAT(md, StartsWith("---\n"));
  size_t end = md.find("\n---\n", 3);
  EXPECT_NE(end, std::string::npos);
  return md.substr(4, end - 3);
}

CardContext SupportBotContext() {
  CardContext ctx;
  ctx.model = "support-bot";
  ctx.version = 3;
  ctx.aliases = {"champion", "production"};
  ctx.base_model = "meta-llama/Meta-Llama-3-8B-Instruct";
  ctx.datasets = {"support-tickets-train@7", "glossary@2"};
  ctx.lifecycle = "deprecated";
  ctx.retires_at = "2027-03-01T00:00:00Z";
  ctx.replacement = "support-bot@4";
  ctx.results = {
      {"text-generation", "Support reply drafting", "support-tickets-eval@4",
       "Support tickets (eval v4)", {{"faithfulness", 0.88, "Faithfulness"}, {"resolution_rate", 0.64, ""}}},
      {"text-generation", "", "support-tickets-eval@4", "", {{"refusal_rate", 0.02, "Refusals"}}},
      {"summarization", "Thread summary", "threads@1", "", {{"rouge_l", 0.41, "ROUGE-L"}}},
  };
  return ctx;
}

TEST(ModelCardMarkdownTest, MatchesGolden) {
  CardFile f = DecodeModelCard(ReadFile(SourceDir() + "/examples/cards/support-bot.yaml"), "c");
  ASSERT_TRUE(f.ok()) << f.diagnostics.ToString();
  std::string md = RenderModelCardMarkdown(*f.card, SupportBotContext());
  const std::string path = SourceDir() + "/src/registry/testdata/model_card/support-bot.md";
  if (std::getenv("BALLAST_UPDATE_GOLDENS") != nullptr) std::ofstream(path) << md;
  EXPECT_EQ(md, ReadFile(path)) << "actual:\n" << md;
}

TEST(ModelCardMarkdownTest, FrontMatterIsValidYamlWithTheHubKeys) {
  CardFile f = DecodeModelCard(ReadFile(SourceDir() + "/examples/cards/support-bot.yaml"), "c");
  ASSERT_TRUE(f.ok());
  YAML::Node fm = YAML::Load(FrontMatterOf(RenderModelCardMarkdown(*f.card, SupportBotContext())));
  EXPECT_EQ(fm["license"].as<std::string>(), "apache-2.0");
  EXPECT_EQ(fm["language"][1].as<std::string>(), "de");
  EXPECT_EQ(fm["base_model"].as<std::string>(), "meta-llama/Meta-Llama-3-8B-Instruct");
  // Lineage datasets first, then the card's, without repeats.
  ASSERT_EQ(fm["datasets"].size(), 3u);
  EXPECT_EQ(fm["datasets"][2].as<std::string>(), "support-tickets-eval@4");
  YAML::Node index = fm["model-index"];
  ASSERT_EQ(index.size(), 1u);
  EXPECT_EQ(index[0]["name"].as<std::string>(), "support-bot");
  YAML::Node results = index[0]["results"];
  ASSERT_EQ(results.size(), 2u);  // grouped by (task, dataset)
  EXPECT_EQ(results[0]["task"]["type"].as<std::string>(), "text-generation");
  EXPECT_EQ(results[0]["metrics"].size(), 3u);
  EXPECT_EQ(results[0]["metrics"][1]["name"].as<std::string>(), "resolution_rate");
  EXPECT_DOUBLE_EQ(results[0]["metrics"][1]["value"].as<double>(), 0.64);
  EXPECT_EQ(results[1]["dataset"]["name"].as<std::string>(), "threads@1");
}

TEST(ModelCardMarkdownTest, UserTextCannotBreakTheFrontMatter) {
  ModelCard card;
  card.model_details.license = "x\n---\nlicense: evil";
  card.tags = {"yes", "a: b", "- c", "\"q\"", "#x"};
  CardContext ctx;
  ctx.model = "m";
  ctx.version = 1;
  std::string md = RenderModelCardMarkdown(card, ctx);
  YAML::Node fm = YAML::Load(FrontMatterOf(md));
  EXPECT_EQ(fm["license"].as<std::string>(), "x\n---\nlicense: evil");
  ASSERT_EQ(fm["tags"].size(), 5u);
  EXPECT_EQ(fm["tags"][0].as<std::string>(), "yes");
  EXPECT_TRUE(fm["tags"][0].IsScalar());
  EXPECT_EQ(fm["tags"][1].as<std::string>(), "a: b");
  EXPECT_EQ(fm["tags"][4].as<std::string>(), "#x");
}

TEST(ModelCardMarkdownTest, EmptyCardRendersEverySectionAsNotDocumented) {
  CardContext ctx;
  ctx.model = "m";
  ctx.version = 2;
  std::string md = RenderModelCardMarkdown(ModelCard{}, ctx);
  EXPECT_THAT(md, StartsWith("---\n---\n\n# Model card: m version 2\n"));
  EXPECT_THAT(md, HasSubstr("## Caveats and recommendations\n\n_Not documented._\n"));
  EXPECT_THAT(md, Not(HasSubstr("model-index")));
  EXPECT_THAT(md, Not(HasSubstr("## Evaluation results")));
}

}  // namespace
}  // namespace ballast::registry
