#include "registry/template.h"

#include <algorithm>

namespace ballast::registry {
namespace {

// Advances `pos` over text[pos.offset, end), counting lines.
void Advance(std::string_view text, size_t end, TemplatePos& pos) {
  for (; pos.offset < end; ++pos.offset) {
    if (text[pos.offset] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else {
      ++pos.column;
    }
  }
}

void AppendText(std::vector<TemplateSegment>& segments, std::string_view s, TemplatePos pos) {
  if (s.empty()) return;
  if (!segments.empty() && segments.back().kind == TemplateSegment::Kind::kText) {
    segments.back().value.append(s);
    return;
  }
  segments.push_back({TemplateSegment::Kind::kText, std::string(s), pos});
}

std::string Shown(std::string_view s) {
  constexpr size_t kMax = 40;
  if (s.size() <= kMax) return std::string(s);
  return std::string(s.substr(0, kMax)) + "...";
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

bool IsVariableName(std::string_view name) {
  if (name.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(name[0])) return false;
  return std::all_of(name.begin() + 1, name.end(),
                     [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

std::vector<std::string> ParsedTemplate::Placeholders() const {
  std::vector<std::string> out;
  for (const TemplateSegment& s : segments) {
    if (s.kind != TemplateSegment::Kind::kPlaceholder) continue;
    if (std::find(out.begin(), out.end(), s.value) == out.end()) out.push_back(s.value);
  }
  return out;
}

ParsedTemplate ParseTemplate(std::string_view text) {
  ParsedTemplate out;
  TemplatePos pos;  // position of text[pos.offset]
  TemplatePos text_start = pos;
  size_t literal_from = 0;  // start of pending literal text not yet appended
  while (pos.offset < text.size()) {
    size_t open = text.find("{{", pos.offset);
    if (open == std::string_view::npos) break;
    Advance(text, open, pos);
    if (literal_from < open) {
      AppendText(out.segments, text.substr(literal_from, open - literal_from), text_start);
    }
    if (text.substr(open, 4) == "{{{{") {
      AppendText(out.segments, "{{", pos);
      Advance(text, open + 4, pos);
      literal_from = pos.offset;
      text_start = pos;
      continue;
    }
    TemplatePos open_pos = pos;
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      out.errors.push_back({open_pos, "unclosed placeholder: '{{' without a matching '}}' (write "
                                      "'{{{{' for a literal '{{')"});
      return out;
    }
    std::string_view inner = text.substr(open + 2, close - open - 2);
    std::string_view name = inner;
    while (!name.empty() && IsBlank(name.front())) name.remove_prefix(1);
    while (!name.empty() && IsBlank(name.back())) name.remove_suffix(1);
    if (!IsVariableName(name)) {
      std::string why = name.empty() ? "empty placeholder '{{" + Shown(inner) + "}}'"
                                     : "malformed placeholder '{{" + Shown(inner) + "}}'";
      out.errors.push_back(
          {open_pos, why + ": a name must match [A-Za-z_][A-Za-z0-9_]* (write '{{{{' for a "
                           "literal '{{')"});
    } else {
      out.segments.push_back(
          {TemplateSegment::Kind::kPlaceholder, std::string(name), open_pos});
    }
    Advance(text, close + 2, pos);
    literal_from = pos.offset;
    text_start = pos;
  }
  if (literal_from < text.size()) {
    AppendText(out.segments, text.substr(literal_from), text_start);
  }
  return out;
}

}  // namespace ballast::registry
