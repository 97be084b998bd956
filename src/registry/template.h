// Prompt templates: text with `{{ name }}` placeholders.
//
//   Hello {{ customer }}, your order {{order_id}} has shipped.
//
// Syntax (see docs/prompts.md):
//   - `{{ name }}` is a placeholder; `name` matches [A-Za-z_][A-Za-z0-9_]*, and spaces or tabs
//     may surround it inside the braces.
//   - `{{{{` is an escaped, literal `{{`. A `}}` outside a placeholder is literal text as is,
//     so JSON examples such as `{"a": {"b": 1}}` need no escaping.
//   - Anything else after `{{` (`{{ 1x }}`, `{{ a.b }}`, `{{}}`, an unclosed `{{`) is an error
//     with its position: templates never silently keep a half-written placeholder.
//
// ParseTemplate never fails as a call: problems are returned in `errors`, all of them in one pass
// (scanning resumes after each malformed placeholder; an unclosed `{{` ends the scan).
//
// Thread safety: pure functions over values.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ballast::registry {

// A position inside a template: byte offset plus 1-based line and column (columns count bytes).
struct TemplatePos {
  size_t offset = 0;
  int line = 1;
  int column = 1;
  friend bool operator==(const TemplatePos&, const TemplatePos&) = default;
};

struct TemplateSegment {
  enum class Kind { kText, kPlaceholder };
  Kind kind = Kind::kText;
  // Literal text (escapes already resolved) or the placeholder's variable name.
  std::string value;
  TemplatePos pos;  // where the segment starts in the template source
  friend bool operator==(const TemplateSegment&, const TemplateSegment&) = default;
};

struct TemplateError {
  TemplatePos pos;
  std::string message;
};

struct ParsedTemplate {
  std::vector<TemplateSegment> segments;  // adjacent text is merged into one segment
  std::vector<TemplateError> errors;

  bool ok() const { return errors.empty(); }
  // Variable names in order of first use, without repeats.
  std::vector<std::string> Placeholders() const;
};

ParsedTemplate ParseTemplate(std::string_view text);

// True when `name` is a valid placeholder / variable name: [A-Za-z_][A-Za-z0-9_]*.
bool IsVariableName(std::string_view name);

}  // namespace ballast::registry
