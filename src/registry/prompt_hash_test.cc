#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "registry/prompt.h"
#include "registry/prompt_decode.h"

namespace ballast::registry {
namespace {

struct Field {
  std::string key;
  std::string value;  // YAML flow value
};

// One prompt written as YAML with the given key order and layout style.
std::string WritePrompt(const std::vector<Field>& spec_fields, bool flow, int indent) {
  std::string pad(indent, ' ');
  std::string out = "kind: Prompt\nmetadata: {name: p}\napiVersion: ballast.dev/v1\n";
  if (flow) {
    out += "spec: {";
    for (size_t i = 0; i < spec_fields.size(); ++i) {
      out += (i ? ", " : "") + spec_fields[i].key + ": " + spec_fields[i].value;
    }
    out += "}\n";
    return out;
  }
  out += "spec:\n";
  for (const Field& f : spec_fields) {
    out += pad + f.key + ":   " + f.value + "   # comment\n";
  }
  return out;
}

TEST(ContentHash, KnownValueAndShape) {
  PromptSpec spec;
  spec.text = "hi";
  EXPECT_EQ(CanonicalSpecJson(spec), R"({"template":"hi"})");
  // sha256 of {"template":"hi"}, computed independently with sha256sum.
  EXPECT_EQ(ContentHash(spec), "5452ba955f70c8b84d4cd4b93b2bccc25dd6e8e88e3f8ebabcea4672d2277625");
}

TEST(ContentHash, MetadataIsNotContentButSpecIs) {
  auto hash = [](const std::string& yaml) {
    PromptFile f = DecodePromptFile(yaml, "p.yaml");
    EXPECT_TRUE(f.ok()) << f.diagnostics.ToString();
    return f.prompts.empty() ? std::string() : ContentHash(f.prompts[0].spec);
  };
  std::string base = "apiVersion: ballast.dev/v1\nkind: Prompt\n";
  std::string a = hash(base + "metadata: {name: a}\nspec: {template: hi}\n");
  std::string b = hash(base + "metadata: {name: b, labels: {x: y}}\nspec: {template: hi}\n");
  std::string c = hash(base + "metadata: {name: a}\nspec: {template: hi }\n");
  std::string d = hash(base + "metadata: {name: a}\nspec: {template: \"hi \"}\n");
  std::string e = hash(base + "metadata: {name: a}\nspec: {template: hi, model: {top_p: 1}}\n");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);  // plain scalars lose trailing spaces in YAML itself
  EXPECT_NE(a, d);
  EXPECT_NE(a, e);
  // Spelling out a default is not a change.
  std::string v1 = hash(base + "metadata: {name: a}\nspec: {template: '{{x}}', variables: {x: }}\n");
  std::string v2 = hash(base +
                        "metadata: {name: a}\nspec: {template: '{{x}}', variables: {x: {required: "
                        "true}}}\n");
  EXPECT_EQ(v1, v2);
}

RC_GTEST_PROP(ContentHash, ReorderingAndReformattingKeepsTheHash, ()) {
  std::vector<Field> fields = {
      {"template", "'Hello {{ name }}, you are {{ age }}.'"},
      {"description", "\"a test\""},
      {"variables", "{age: {default: 3, description: years}, name: {required: true}}"},
      {"model", "{temperature: 0.5, model: m@prod, stop: [x, y], parameters: {seed: 1, a: {b: "
                "2, c: 3}}, max_tokens: 10}"},
  };
  auto order = *rc::gen::container<std::vector<int>>(4, rc::gen::inRange(0, 1000));
  std::vector<size_t> idx = {0, 1, 2, 3};
  std::sort(idx.begin(), idx.end(), [&](size_t x, size_t y) {
    return order[x] != order[y] ? order[x] < order[y] : x < y;
  });
  std::vector<Field> shuffled;
  for (size_t i : idx) shuffled.push_back(fields[i]);
  bool flow = *rc::gen::arbitrary<bool>();
  int indent = *rc::gen::inRange(1, 8);

  PromptFile reference = DecodePromptFile(WritePrompt(fields, false, 2), "a.yaml");
  std::string text = WritePrompt(shuffled, flow, indent);
  PromptFile f = DecodePromptFile(text, "b.yaml");
  RC_ASSERT(reference.ok());
  RC_ASSERT(f.ok());
  RC_ASSERT(ContentHash(f.prompts[0].spec) == ContentHash(reference.prompts[0].spec));
  // The JSON form is one more formatting of the same content.
  PromptFile json = DecodePromptFile(PromptToJson(f.prompts[0]).dump(indent), "c.json");
  RC_ASSERT(json.ok());
  RC_ASSERT(ContentHash(json.prompts[0].spec) == ContentHash(reference.prompts[0].spec));
}

RC_GTEST_PROP(ContentHash, DifferentTemplatesHashDifferently, ()) {
  // Printable ASCII: decoded specs hold valid UTF-8 only.
  auto text = rc::gen::container<std::string>(rc::gen::inRange<char>(32, 127));
  std::string a = *text, b = *text;
  RC_PRE(a != b);
  PromptSpec x, y;
  x.text = a;
  y.text = b;
  RC_ASSERT(CanonicalSpecJson(x) != CanonicalSpecJson(y));
  RC_ASSERT(ContentHash(x) != ContentHash(y));
}

}  // namespace
}  // namespace ballast::registry
