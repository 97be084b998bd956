#include "registry/render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "registry/prompt_decode.h"

namespace ballast::registry {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

PromptSpec Decode(const std::string& yaml) {
  PromptFile f = DecodePromptFile(yaml, "t.yaml");
  EXPECT_TRUE(f.ok()) << f.diagnostics.ToString();
  return f.prompts.empty() ? PromptSpec{} : f.prompts[0].spec;
}

const char* kChat = R"(apiVersion: ballast.dev/v1
kind: Prompt
metadata: {name: chat}
spec:
  messages:
    - {role: system, content: "You work for {{ company }} ({{ n }} agents)."}
    - {role: user, content: "{{question}}"}
  variables:
    company: {default: Acme}
    n: {default: 12.5}
    question: {}
    extra: {required: false}
)";

TEST(Render, ChatWithDefaultsAndValues) {
  PromptSpec spec = Decode(kChat);
  Result<RenderedPrompt> r = Render(spec, json{{"question", "Where is {{ company }}?"}});
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->messages.size(), 2u);
  EXPECT_EQ(r->messages[0].role, Role::kSystem);
  EXPECT_EQ(r->messages[0].content, "You work for Acme (12.5 agents).");
  // Values are inserted verbatim, never re-expanded.
  EXPECT_EQ(r->messages[1].content, "Where is {{ company }}?");
  EXPECT_EQ(r->ToJson(), json::parse(R"({"messages":[{"role":"system","content":
      "You work for Acme (12.5 agents)."},{"role":"user","content":"Where is {{ company }}?"}]})"));
}

TEST(Render, ValuesOverrideDefaultsAndNumbersPrint) {
  PromptSpec spec = Decode(kChat);
  Result<RenderedPrompt> r = Render(spec, json{{"question", 42}, {"company", "Initech"}, {"n", 3}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->messages[0].content, "You work for Initech (3 agents).");
  EXPECT_EQ(r->messages[1].content, "42");
}

TEST(Render, MissingRequiredVariableIsNamed) {
  PromptSpec spec = Decode(kChat);
  Result<RenderedPrompt> r = Render(spec, json::object());
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().IsInvalidArgument());
  EXPECT_EQ(r.error().field(), "variables.question");
  EXPECT_THAT(r.error().message(), HasSubstr("missing required variable \"question\""));
}

TEST(Render, UnknownVariableIsNamed) {
  PromptSpec spec = Decode(kChat);
  Result<RenderedPrompt> r = Render(spec, json{{"question", "q"}, {"qustion", "typo"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field(), "variables.qustion");
  EXPECT_THAT(r.error().message(), HasSubstr("unknown variable \"qustion\""));
}

TEST(Render, NonScalarValuesAreRejected) {
  PromptSpec spec = Decode(kChat);
  for (const json& bad : {json(true), json(nullptr), json::array({1}), json{{"a", 1}}}) {
    Result<RenderedPrompt> r = Render(spec, json{{"question", bad}});
    ASSERT_FALSE(r) << bad.dump();
    EXPECT_EQ(r.error().field(), "variables.question");
    EXPECT_THAT(r.error().message(), HasSubstr("must be a string or a number"));
  }
}

TEST(Render, EveryProblemIsListed) {
  PromptSpec spec = Decode(kChat);
  Result<RenderedPrompt> r = Render(spec, json{{"zzz", 1}, {"company", false}});
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message(), HasSubstr("zzz"));
  EXPECT_THAT(r.error().message(), HasSubstr("company"));
  EXPECT_THAT(r.error().message(), HasSubstr("question"));
}

TEST(Render, VariablesMustBeAnObject) {
  PromptSpec spec = Decode(kChat);
  Result<RenderedPrompt> r = Render(spec, json::array());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field(), "variables");
}

TEST(Render, TextTemplateWithEscapes) {
  PromptSpec spec = Decode(R"(apiVersion: ballast.dev/v1
kind: Prompt
metadata: {name: text}
spec:
  template: "{{{{x}} = {{ x }}"
  variables: {x: }
)");
  Result<RenderedPrompt> r = Render(spec, json{{"x", "1"}});
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->text);
  EXPECT_EQ(*r->text, "{{x}} = 1");
  EXPECT_EQ(r->ToJson(), (json{{"text", "{{x}} = 1"}}));
}

TEST(Render, OptionalWithoutDefaultIsEmpty) {
  PromptSpec spec;
  spec.text = "[{{ a }}]";
  spec.variables["a"].required = false;
  Result<RenderedPrompt> r = Render(spec, nullptr);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r->text, "[]");
}

TEST(Render, SpecBuiltInCodeWithBadTemplateIsAnError) {
  PromptSpec spec;
  spec.text = "{{ a }} {{ b }}";
  spec.variables["a"] = {};
  Result<RenderedPrompt> r = Render(spec, json{{"a", "x"}});
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message(), HasSubstr("{{ b }}"));
  spec.text = "{{ a";
  EXPECT_FALSE(Render(spec, json{{"a", "x"}}));
}

}  // namespace
}  // namespace ballast::registry
