#include "cli/output.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

namespace ballast::cli {

Result<OutputFormat> ParseOutputFormat(std::string_view text) {
  if (text == "table") return OutputFormat::kTable;
  if (text == "json") return OutputFormat::kJson;
  if (text == "yaml") return OutputFormat::kYaml;
  return Status::InvalidArgument(
      fmt::format("unknown output format '{}' (expected table, json or yaml)", text), "output");
}

OutputFormat DefaultOutputFormat(bool stdout_is_terminal) {
  return stdout_is_terminal ? OutputFormat::kTable : OutputFormat::kJson;
}

bool IsTerminal(int fd) { return ::isatty(fd) == 1; }

std::size_t TerminalWidth(int fd) {
  struct winsize ws {};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* columns = std::getenv("COLUMNS"); columns != nullptr) {
    std::size_t n = 0;
    std::string_view s(columns);
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc() && ptr == s.data() + s.size()) return n;
  }
  return 0;
}

namespace {

// Length in bytes of the UTF-8 sequence starting with `lead`; 1 for invalid lead bytes so
// that garbage still advances.
std::size_t Utf8SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

}  // namespace

std::size_t DisplayWidth(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size(); ++width) {
    i += std::min(Utf8SequenceLength(static_cast<unsigned char>(text[i])), text.size() - i);
  }
  return width;
}

std::string TruncateToWidth(std::string_view text, std::size_t width) {
  if (DisplayWidth(text) <= width) return std::string(text);
  if (width == 0) return "";
  std::size_t i = 0;
  for (std::size_t col = 0; col + 1 < width && i < text.size(); ++col) {
    i += std::min(Utf8SequenceLength(static_cast<unsigned char>(text[i])), text.size() - i);
  }
  return std::string(text.substr(0, i)) + "…";
}

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::Render(std::size_t max_width) const {
  const std::size_t n = columns_.size();
  if (n == 0) return "";
  std::vector<std::size_t> widths(n), floors(n);
  for (std::size_t c = 0; c < n; ++c) {
    widths[c] = DisplayWidth(columns_[c].header);
    for (const auto& row : rows_) widths[c] = std::max(widths[c], DisplayWidth(row[c]));
    floors[c] = columns_[c].truncatable ? std::max<std::size_t>(DisplayWidth(columns_[c].header), 4)
                                        : widths[c];
    floors[c] = std::min(floors[c], widths[c]);
  }
  if (max_width > 0) {
    std::size_t total = 2 * (n - 1);
    for (std::size_t w : widths) total += w;
    while (total > max_width) {
      // Narrow the widest column that can still give up a column of text.
      std::size_t pick = n;
      for (std::size_t c = 0; c < n; ++c) {
        if (widths[c] > floors[c] && (pick == n || widths[c] > widths[pick])) pick = c;
      }
      if (pick == n) break;  // cannot fit; print it wide rather than drop numbers
      --widths[pick];
      --total;
    }
  }

  std::string out;
  auto emit_line = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t c = 0; c < n; ++c) {
      std::string cell = TruncateToWidth(cells[c], widths[c]);
      std::size_t pad = widths[c] - DisplayWidth(cell);
      if (c > 0) line += "  ";
      if (columns_[c].align == Align::kRight) {
        line.append(pad, ' ');
        line += cell;
      } else {
        line += cell;
        line.append(pad, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  std::vector<std::string> headers;
  for (const auto& col : columns_) headers.push_back(col.header);
  emit_line(headers);
  for (const auto& row : rows_) emit_line(row);
  return out;
}

namespace {

bool IsYamlReservedWord(std::string_view s) {
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::string_view kWords[] = {"true", "false", "yes", "no", "on",   "off",
                                                "null", "y",     "n",   "~",  ".nan", ".inf"};
  return std::find(std::begin(kWords), std::end(kWords), lower) != std::end(kWords);
}

// A plain (unquoted) scalar is used only when no YAML 1.1 or 1.2 parser can read it as
// anything but this string: letters first, then a conservative character set.
bool CanBePlain(std::string_view s) {
  if (s.empty() || IsYamlReservedWord(s)) return false;
  if (!std::isalpha(static_cast<unsigned char>(s.front())) && s.front() != '_') return false;
  if (s.back() == ' ') return false;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == '/' || c == '@' || c == ' ' ||
        c == '+') {
      continue;
    }
    return false;
  }
  return true;
}

std::string YamlScalar(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case Json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      if (CanBePlain(s)) return s;
      // YAML double-quoted scalars accept JSON's escapes, so the JSON encoding is exact.
      return v.dump(-1, ' ', false, Json::error_handler_t::replace);
    }
    default:  // numbers: JSON's shortest round-trip form is also a YAML 1.2 int/float
      return v.dump();
  }
}

std::string YamlKey(const std::string& key) { return YamlScalar(Json(key)); }

bool IsNonEmptyContainer(const Json& v) { return (v.is_object() || v.is_array()) && !v.empty(); }

void EmitYaml(const Json& v, std::size_t indent, std::string& out);

// Emits `v` as the item of a sequence at `indent`: the first line of the nested block starts
// right after "- ", the rest stay indented by two more columns.
void EmitSequenceItem(const Json& v, std::size_t indent, std::string& out) {
  out.append(indent, ' ');
  out += "-";
  if (!IsNonEmptyContainer(v)) {
    out += v.is_object() ? " {}" : v.is_array() ? " []" : " " + YamlScalar(v);
    out += '\n';
    return;
  }
  std::string nested;
  EmitYaml(v, indent + 2, nested);
  out += ' ';
  out += nested.substr(indent + 2);  // drop the first line's indentation
}

void EmitYaml(const Json& v, std::size_t indent, std::string& out) {
  if (v.is_object()) {
    if (v.empty()) {
      out.append(indent, ' ');
      out += "{}\n";
      return;
    }
    for (const auto& [key, child] : v.items()) {
      out.append(indent, ' ');
      out += YamlKey(key);
      out += ':';
      if (IsNonEmptyContainer(child)) {
        out += '\n';
        EmitYaml(child, indent + 2, out);
      } else {
        out += child.is_object() ? " {}" : child.is_array() ? " []" : " " + YamlScalar(child);
        out += '\n';
      }
    }
  } else if (v.is_array()) {
    if (v.empty()) {
      out.append(indent, ' ');
      out += "[]\n";
      return;
    }
    for (const auto& child : v) EmitSequenceItem(child, indent, out);
  } else {
    out.append(indent, ' ');
    out += YamlScalar(v);
    out += '\n';
  }
}

}  // namespace

std::string JsonToYaml(const Json& value) {
  std::string out;
  EmitYaml(value, 0, out);
  return out;
}

std::string PrettyJson(const Json& value) {
  return value.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

Result<Json> ParseJson(std::string_view text) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    return Status::InvalidArgument(
        fmt::format("response is not valid JSON at byte {}: {}", e.byte, e.what()), "body");
  }
}

}  // namespace ballast::cli
