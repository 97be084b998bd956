#include "cli/views.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace ballast::cli {

std::string CellText(const Json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json ListItems(const Json& response, const char* fallback_key) {
  if (response.is_array()) return response;
  if (response.is_object()) {
    for (const char* key : {"items", fallback_key}) {
      auto it = response.find(key);
      if (it != response.end() && it->is_array()) return *it;
    }
  }
  return Json::array();
}

namespace {

std::string HeaderFor(const std::string& key) {
  std::string h = key;
  for (char& c : h)
    c = c == '_' ? ' ' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return h;
}

// A number formatted for a table: no more digits than a reader can use.
std::string Measure(const Json& v) {
  if (!v.is_number()) return "-";
  double d = v.get<double>();
  if (d >= 100 || d <= -100) return fmt::format("{:.0f}", d);
  if (d >= 10 || d <= -10) return fmt::format("{:.1f}", d);
  return fmt::format("{:.2f}", d);
}

const Json& Member(const Json& object, const char* key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

}  // namespace

Table ItemsTable(const Json& items, const std::vector<std::string>& preferred,
                 const std::string& scalar_header) {
  bool objects =
      std::any_of(items.begin(), items.end(), [](const Json& i) { return i.is_object(); });
  if (!objects) {
    Table table({{scalar_header}});
    for (const Json& item : items) table.AddRow({CellText(item)});
    return table;
  }
  std::vector<std::string> keys;
  auto add_key = [&](const std::string& k) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  };
  for (const std::string& k : preferred) {
    if (std::any_of(items.begin(), items.end(),
                    [&](const Json& i) { return i.is_object() && i.contains(k); })) {
      add_key(k);
    }
  }
  for (const Json& item : items) {
    if (!item.is_object()) continue;
    for (const auto& [k, v] : item.items()) add_key(k);
  }
  std::vector<Column> columns;
  for (const std::string& k : keys) columns.push_back({HeaderFor(k)});
  Table table(std::move(columns));
  for (const Json& item : items) {
    std::vector<std::string> row;
    for (const std::string& k : keys) row.push_back(CellText(Member(item, k.c_str())));
    table.AddRow(std::move(row));
  }
  return table;
}

Table StatsTable(const Json& stats) {
  Json series = ListItems(stats, "series");
  std::vector<std::string> key_fields;
  for (const char* k : {"variant", "model", "prompt"}) {
    if (std::any_of(series.begin(), series.end(),
                    [&](const Json& s) { return Member(s, "key").contains(k); })) {
      key_fields.push_back(k);
    }
  }
  bool has_service = false;
  for (const Json& s : series) {
    const Json& key = Member(s, "key");
    if (!key.is_object()) continue;
    for (const auto& [k, v] : key.items()) {
      if (k == "service") {
        has_service = true;  // the same on every row: the command's argument
      } else if (std::find(key_fields.begin(), key_fields.end(), k) == key_fields.end()) {
        key_fields.push_back(k);
      }
    }
  }
  // Ungrouped stats have only the service as key; show it rather than a row without a name.
  if (key_fields.empty() && has_service) key_fields.push_back("service");
  std::vector<Column> columns;
  for (const std::string& k : key_fields) columns.push_back({HeaderFor(k)});
  for (const char* h : {"REQUESTS", "ERROR %", "P50 MS", "P95 MS", "P99 MS", "TTFT P95 MS",
                        "IN TOKENS", "OUT TOKENS", "COST USD"}) {
    columns.push_back({h, Align::kRight, /*truncatable=*/false});
  }
  Table table(std::move(columns));
  for (const Json& s : series) {
    std::vector<std::string> row;
    for (const std::string& k : key_fields)
      row.push_back(CellText(Member(Member(s, "key"), k.c_str())));
    const Json& requests = Member(s, "requests");
    row.push_back(requests.is_number() ? CellText(requests) : "-");
    const Json& ok = Member(Member(s, "outcomes"), "ok");
    if (requests.is_number() && requests.get<double>() > 0 && Member(s, "outcomes").is_object()) {
      double good = ok.is_number() ? ok.get<double>() : 0.0;
      row.push_back(fmt::format("{:.2f}", 100.0 * (1.0 - good / requests.get<double>())));
    } else {
      row.push_back("-");
    }
    const Json& latency = Member(s, "latency_ms");
    for (const char* p : {"p50", "p95", "p99"}) row.push_back(Measure(Member(latency, p)));
    row.push_back(Measure(Member(Member(s, "ttft_ms"), "p95")));
    for (const char* k : {"input_tokens", "output_tokens"}) {
      const Json& n = Member(s, k);
      row.push_back(n.is_number() ? CellText(n) : "-");
    }
    const Json& cost = Member(s, "cost_usd");
    row.push_back(cost.is_number() ? fmt::format("{:.4f}", cost.get<double>()) : "-");
    table.AddRow(std::move(row));
  }
  return table;
}

std::string TokenCreatedText(const Json& token) {
  std::vector<std::pair<std::string, std::string>> lines;
  std::size_t width = 0;
  if (token.is_object()) {
    // Identity and secret first, whatever order the server wrote them in.
    std::vector<std::string> keys;
    for (const char* k : {"id", "name", "role", "token", "secret"}) {
      if (token.contains(k)) keys.emplace_back(k);
    }
    for (const auto& [k, v] : token.items()) {
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    }
    for (const std::string& k : keys) {
      lines.emplace_back(k, CellText(token[k]));
      width = std::max(width, k.size());
    }
  }
  std::string out;
  for (const auto& [k, v] : lines) out += fmt::format("{:<{}}  {}\n", k + ":", width + 1, v);
  out += "\nStore the secret now: it is shown only once and cannot be retrieved again.\n";
  return out;
}

std::string RenderAs(OutputFormat format, const Json& value, const std::string& table) {
  switch (format) {
    case OutputFormat::kJson:
      return PrettyJson(value);
    case OutputFormat::kYaml:
      return JsonToYaml(value);
    case OutputFormat::kTable:
      break;
  }
  return table;
}

}  // namespace ballast::cli
