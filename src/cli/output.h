// Output formatting for the CLI: `-o table|json|yaml`, aligned tables and a JSON -> YAML
// emitter, plus terminal detection. Every command prints through these so that all of them
// look and quote the same way.
//
//   Table t({{"SERVICE"}, {"REQUESTS", Align::kRight}});
//   t.AddRow({"chat", "1200"});
//   std::cout << t.Render(TerminalWidth(STDOUT_FILENO));
//
//   std::cout << JsonToYaml(nlohmann::ordered_json::parse(body));
//
// Thread safety: values and pure functions; a Table must not be mutated concurrently.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ballast::cli {

// Key order matters for humans reading the server's answers, so the CLI keeps it.
using Json = nlohmann::ordered_json;

enum class OutputFormat { kTable, kJson, kYaml };

// "table", "json" or "yaml"; anything else is INVALID_ARGUMENT naming field "output".
Result<OutputFormat> ParseOutputFormat(std::string_view text);
// The default when -o is absent: table for a terminal, json for pipes and files.
OutputFormat DefaultOutputFormat(bool stdout_is_terminal);

// True when `fd` is a terminal.
bool IsTerminal(int fd);
// Columns of the terminal on `fd`; $COLUMNS when that is not a terminal size; 0 (no limit)
// when neither is known.
std::size_t TerminalWidth(int fd);

// Number of terminal columns `text` takes: UTF-8 code points, each counted as one column
// (good enough for the Latin, digits and symbols our tables hold; invalid bytes count as one).
std::size_t DisplayWidth(std::string_view text);
// `text` cut to at most `width` columns, ending in "…" when something was cut.
std::string TruncateToWidth(std::string_view text, std::size_t width);

enum class Align { kLeft, kRight };

struct Column {
  std::string header;
  Align align = Align::kLeft;
  // Whether the column may be shortened (with "…") to fit the terminal. Numbers should not be:
  // a cut number is a wrong number.
  bool truncatable = true;
};

class Table {
 public:
  explicit Table(std::vector<Column> columns);

  // Cells beyond the columns are dropped; missing cells are empty.
  void AddRow(std::vector<std::string> cells);
  std::size_t row_count() const { return rows_.size(); }

  // Header line then one line per row, columns separated by two spaces, no trailing spaces,
  // every line ending in '\n'. With `max_width` > 0, truncatable columns are narrowed (widest
  // first, never below their header's width or 4 columns) until the table fits, when it can.
  std::string Render(std::size_t max_width = 0) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// Block-style YAML for a JSON value, ending in '\n'. Faithful: parsing the YAML with a YAML 1.2
// core-schema parser gives back the same value and types. Strings that a YAML parser would read
// as anything else ("true", "null", "0123", "1e3", "", strings with ':' or '#', ...) are
// double-quoted with JSON escapes; keys keep their order.
std::string JsonToYaml(const Json& value);

// Pretty JSON with two-space indentation and a final newline; invalid UTF-8 is replaced rather
// than thrown on.
std::string PrettyJson(const Json& value);

// Parses a response body. Errors (with the parser's position) are INVALID_ARGUMENT.
Result<Json> ParseJson(std::string_view text);

}  // namespace ballast::cli
