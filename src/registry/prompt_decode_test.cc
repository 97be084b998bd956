#include "registry/prompt_decode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/source_tree_testing.h"

namespace ballast::registry {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using source_tree_testing::ReadFile;
using source_tree_testing::SourceDir;

// Diagnostic lines for `yaml`, errors and warnings.
std::vector<std::string> Problems(const std::string& yaml) {
  PromptFile f = DecodePromptFile(yaml, "p.yaml");
  std::vector<std::string> out;
  for (const Diagnostic& d : f.diagnostics.items()) out.push_back(d.ToString());
  return out;
}

// Golden files: every example decodes cleanly and matches its expected JSON form, which is
// src/registry/testdata/<example>.json (an array of PromptToJson objects).
TEST(DecodePromptFile, ExamplesMatchGoldens) {
  for (const char* name : {"support-reply", "summarize", "classifiers"}) {
    std::string path = SourceDir() + "/examples/prompts/" + name + ".yaml";
    std::string text = ReadFile(path);
    ASSERT_FALSE(text.empty()) << path;
    PromptFile f = DecodePromptFile(text, path);
    ASSERT_TRUE(f.ok()) << f.diagnostics.ToString();
    EXPECT_EQ(f.diagnostics.warning_count(), 0u) << f.diagnostics.ToString();
    nlohmann::json got = nlohmann::json::array();
    for (const Prompt& p : f.prompts) got.push_back(PromptToJson(p));
    std::string golden = ReadFile(SourceDir() + "/src/registry/testdata/" + name + ".json");
    ASSERT_FALSE(golden.empty()) << name;
    EXPECT_EQ(got, nlohmann::json::parse(golden)) << got.dump(2);
  }
}

TEST(DecodePromptFile, JsonFormDecodesToTheSamePrompt) {
  std::string text = ReadFile(SourceDir() + "/examples/prompts/support-reply.yaml");
  PromptFile f = DecodePromptFile(text, "a.yaml");
  ASSERT_EQ(f.prompts.size(), 1u);
  PromptFile back = DecodePromptFile(PromptToJson(f.prompts[0]).dump(), "a.json");
  ASSERT_TRUE(back.ok()) << back.diagnostics.ToString();
  EXPECT_EQ(back.prompts[0].spec, f.prompts[0].spec);
  EXPECT_EQ(back.prompts[0].labels, f.prompts[0].labels);
  EXPECT_EQ(back.prompts[0].pos.ToString(), "a.json:1:1");
}

TEST(DecodePromptFile, DefaultsAndShorthands) {
  PromptFile f = DecodePromptFile(R"(apiVersion: ballast.dev/v1
kind: Prompt
metadata: {name: p}
spec:
  template: "{{ a }}{{ b }}{{ c }}"
  variables:
    a:
    b: {required: false}
    c: {default: 5}
  model: {stop: END}
)",
                                  "p.yaml");
  ASSERT_TRUE(f.ok()) << f.diagnostics.ToString();
  const PromptSpec& s = f.prompts[0].spec;
  EXPECT_TRUE(s.variables.at("a").required);
  EXPECT_FALSE(s.variables.at("b").required);
  EXPECT_FALSE(s.variables.at("c").required);
  EXPECT_EQ(*s.variables.at("c").default_value, nlohmann::json(5));
  EXPECT_THAT(s.model.stop, ElementsAre("END"));
  EXPECT_FALSE(s.IsChat());
}

const char* kHeader = "apiVersion: ballast.dev/v1\nkind: Prompt\nmetadata: {name: p}\n";

TEST(DecodePromptFile, UnknownFieldsEverywhere) {
  EXPECT_THAT(Problems(std::string(kHeader) + R"(spec:
  template: hi
  tempalte: typo
  model: {temprature: 1}
extra: 1
)"),
              ElementsAre("p.yaml:6:3: spec.tempalte: unknown field",
                          "p.yaml:7:11: spec.model.temprature: unknown field",
                          "p.yaml:8:1: extra: unknown field"));
}

TEST(DecodePromptFile, WrongTypes) {
  EXPECT_THAT(Problems(std::string(kHeader) + R"(spec:
  template: [a]
  variables:
    x: {required: "yes", default: true}
  model: {temperature: "0.5", max_tokens: 1.5, stop: [{a: 1}], parameters: [1]}
)"),
              ElementsAre(
                  "p.yaml:5:13: spec.template: expected a string, found a list",
                  "p.yaml:7:5: warning: spec.variables.x: declared but never used in a template",
                  "p.yaml:7:19: spec.variables.x.required: expected true or false, found a string",
                  "p.yaml:7:35: spec.variables.x.default: expected a string or a number, found a "
                  "boolean",
                  "p.yaml:8:24: spec.model.temperature: expected a number, found a string",
                  "p.yaml:8:43: spec.model.max_tokens: expected an integer, found a number",
                  "p.yaml:8:55: spec.model.stop[0]: expected a string, found a mapping",
                  "p.yaml:8:76: spec.model.parameters: expected a mapping, found a list"));
}

TEST(DecodePromptFile, EnvelopeErrors) {
  EXPECT_THAT(Problems("apiVersion: v2\nkind: Model\nmetadata: {name: Bad_Name}\n"),
              ElementsAre("p.yaml:1:1: spec: required field is missing",
                          "p.yaml:1:13: apiVersion: unsupported apiVersion \"v2\" (expected "
                          "ballast.dev/v1)",
                          "p.yaml:2:7: kind: unsupported kind \"Model\" (expected Prompt)",
                          "p.yaml:3:18: metadata.name: invalid name \"Bad_Name\": must consist of "
                          "lowercase letters, digits, '-' and '.', start and end with a letter or "
                          "digit (DNS-1123)"));
  EXPECT_THAT(Problems("[1, 2]"), ElementsAre("p.yaml:1:1: expected a mapping, found a list"));
  EXPECT_THAT(Problems("kind: Prompt\n"),
              ElementsAre("p.yaml:1:1: apiVersion: required field is missing",
                          "p.yaml:1:1: metadata: required field is missing",
                          "p.yaml:1:1: spec: required field is missing"));
}

TEST(DecodePromptFile, TemplateOrMessages) {
  EXPECT_THAT(Problems(std::string(kHeader) + "spec: {description: d}\n"),
              ElementsAre("p.yaml:4:7: spec: one of spec.template or spec.messages is required"));
  EXPECT_THAT(Problems(std::string(kHeader) + "spec: {template: a, messages: []}\n"),
              ElementsAre(HasSubstr("p.yaml:4:31: spec.messages: set either spec.template")));
  EXPECT_THAT(Problems(std::string(kHeader) + "spec: {messages: []}\n"),
              ElementsAre("p.yaml:4:18: spec.messages: a chat prompt needs at least one message"));
  EXPECT_THAT(Problems(std::string(kHeader) + "spec:\n  messages:\n    - {role: admin}\n"),
              ElementsAre("p.yaml:6:7: spec.messages[0].content: required field is missing",
                          "p.yaml:6:14: spec.messages[0].role: unknown role \"admin\" (expected "
                          "system, user, assistant or tool)"));
}

TEST(DecodePromptFile, PlaceholderErrorsAndUnusedVariables) {
  EXPECT_THAT(
      Problems(std::string(kHeader) + R"(spec:
  messages:
    - role: user
      content: |
        Hello {{ who }},
        {{ 1x }} {{ undeclared }}
  variables:
    who: {description: name}
    unused: {description: nobody reads me}
)"),
      ElementsAre("p.yaml:7:16: spec.messages[0].content: line 2, column 1 of the template: "
                  "malformed placeholder '{{ 1x }}': a name must match [A-Za-z_][A-Za-z0-9_]* "
                  "(write '{{{{' for a literal '{{')",
                  "p.yaml:7:16: spec.messages[0].content: line 2, column 10 of the template: "
                  "placeholder {{ undeclared }} is not a declared variable (declare it under "
                  "spec.variables)",
                  "p.yaml:12:5: warning: spec.variables.unused: declared but never used in a "
                  "template"));
}

TEST(DecodePromptFile, VariableRules) {
  EXPECT_THAT(Problems(std::string(kHeader) + R"(spec:
  template: "{{ a }}"
  variables:
    a: {required: true, default: x}
    9lives: {}
)"),
              ElementsAre("p.yaml:7:19: spec.variables.a.required: a variable with a default is "
                          "optional: remove `required: true` or the default",
                          "p.yaml:8:5: spec.variables.9lives: invalid variable name: must match "
                          "[A-Za-z_][A-Za-z0-9_]*"));
}

TEST(DecodePromptFile, ModelParameterRanges) {
  EXPECT_THAT(Problems(std::string(kHeader) + R"(spec:
  template: hi
  model:
    model: "gpt 4"
    temperature: 2.5
    top_p: 0
    max_tokens: 0
    stop: ""
    parameters: {temperature: 1, seed: 1}
)"),
              ElementsAre("p.yaml:7:12: spec.model.model: model name must not contain whitespace "
                          "or control characters",
                          "p.yaml:8:18: spec.model.temperature: 2.5 must be in [0, 2]",
                          "p.yaml:9:12: spec.model.top_p: 0 must be in (0, 1]",
                          "p.yaml:10:17: spec.model.max_tokens: must be at least 1",
                          "p.yaml:11:11: spec.model.stop: a stop sequence must not be empty",
                          "p.yaml:12:17: spec.model.parameters.temperature: set "
                          "spec.model.temperature instead"));
}

TEST(ParseModelRef, Forms) {
  EXPECT_EQ(ParseModelRef("gpt-4o")->ToString(), "gpt-4o");
  Result<ModelRef> alias = ParseModelRef("gpt-4o@production");
  ASSERT_TRUE(alias);
  EXPECT_EQ(alias->name, "gpt-4o");
  EXPECT_EQ(alias->ref, "production");
  EXPECT_FALSE(alias->IsVersionNumber());
  EXPECT_TRUE(ParseModelRef("org/Model-1.5@3")->IsVersionNumber());
  EXPECT_FALSE(ParseModelRef("m@"));
  EXPECT_FALSE(ParseModelRef("@prod"));
  EXPECT_FALSE(ParseModelRef("m@03"));
  EXPECT_FALSE(ParseModelRef("m@-x"));
  EXPECT_FALSE(ParseModelRef("m@a@b"));
}

TEST(DecodePromptFile, SeveralDocumentsAndDuplicates) {
  std::string doc = std::string(kHeader) + "spec: {template: hi}\n";
  PromptFile f = DecodePromptFile(doc + "---\n" + doc + "---\n", "p.yaml");
  ASSERT_EQ(f.prompts.size(), 1u);
  EXPECT_THAT(f.diagnostics.ToString(),
              HasSubstr("p.yaml:6:1: metadata.name: duplicate prompt \"p\" (first defined at "
                        "p.yaml:1:1)"));
}

TEST(DecodePromptFile, SyntaxErrorsAndLimits) {
  EXPECT_THAT(Problems("a: [1, 2\n"), ElementsAre(HasSubstr("invalid YAML/JSON")));
  EXPECT_THAT(Problems(",\n"), ElementsAre(HasSubstr("p.yaml:1:1: invalid YAML/JSON")));
  EXPECT_TRUE(Problems("").empty());
  EXPECT_TRUE(Problems("---\n---\n").empty());
  DecodeOptions small;
  small.max_bytes = 10;
  PromptFile f = DecodePromptFile(std::string(kHeader), "p.yaml", small);
  EXPECT_THAT(f.diagnostics.ToString(), HasSubstr("file too large"));
  EXPECT_FALSE(f.ok());
}

TEST(DecodePromptFile, AliasBombIsBounded) {
  std::string bomb = std::string(kHeader) +
                     "spec:\n  template: hi\n  model:\n    parameters:\n"
                     "      a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
                     "      b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                     "      c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                     "      d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                     "      e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
  EXPECT_THAT(Problems(bomb), ElementsAre(HasSubstr("value too large")));
}

TEST(DecodePromptFile, InvalidUtf8IsRejected) {
  std::string text = std::string(kHeader) + "spec: {template: \"a\xff\"}\n";
  EXPECT_THAT(Problems(text), ElementsAre(HasSubstr("spec.template: string is not valid UTF-8")));
}

TEST(Diagnostics, ToStatusListsErrorsAndNamesFirstField) {
  PromptFile f = DecodePromptFile("apiVersion: 1\nkind: Prompt\n", "p.yaml");
  Status s = f.diagnostics.ToStatus();
  EXPECT_TRUE(s.IsInvalidArgument());
  // Diagnostics are in document order: the missing fields are reported at the mapping (1:1).
  EXPECT_EQ(s.field(), "metadata");
  EXPECT_THAT(s.message(), HasSubstr("p.yaml:1:1: metadata: required field is missing"));
  EXPECT_THAT(s.message(), HasSubstr("p.yaml:1:13: apiVersion: unsupported apiVersion"));
}

}  // namespace
}  // namespace ballast::registry
