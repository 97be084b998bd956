#include "server/mlflow_filter.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>

#include "common/expr.h"
#include "common/sha256.h"
#include "store/expr_sql.h"

namespace ballast::server::mlflow {

namespace {

using expr::Literal;
using expr::Node;
using expr::NodeKind;
using expr::Op;

// The columns are those registry_store.h lists for SqlFilter; the names are MLflow's.
const store::SearchFields& ModelFields() {
  static const store::SearchFields fields = [] {
    store::SearchFields f;
    f.AddColumn("name", expr::ValueType::kString, "m.name")
        .AddMap("tags", expr::ValueType::kString,
                {.table = "model_tags",
                 .owner_column = "model_id",
                 .owner_sql = "m.id",
                 .key_column = "key",
                 .value_column = "value"});
    return f;
  }();
  return fields;
}

const store::SearchFields& VersionFields() {
  static const store::SearchFields fields = [] {
    store::SearchFields f;
    f.AddColumn("name", expr::ValueType::kString, "m.name")
        .AddColumn("version_number", expr::ValueType::kNumber, "v.version")
        .AddColumn("run_id", expr::ValueType::kString, "v.run_id")
        .AddColumn("source_path", expr::ValueType::kString, "v.source")
        .AddMap("tags", expr::ValueType::kString,
                {.table = "model_version_tags",
                 .owner_column = "version_id",
                 .owner_sql = "v.id",
                 .key_column = "key",
                 .value_column = "value"});
    return f;
  }();
  return fields;
}

Status Invalid(std::string message) {
  return Status::InvalidArgument(std::move(message), "filter");
}

bool IsStringComparator(Op op) {
  return op == Op::kEq || op == Op::kNe || op == Op::kLike || op == Op::kILike;
}

bool IsNumericComparator(Op op) {
  return op == Op::kEq || op == Op::kNe || op == Op::kLt || op == Op::kLe || op == Op::kGt ||
         op == Op::kGe;
}

std::string ValueText(const Literal& l) {
  switch (l.kind) {
    case Literal::Kind::kString:
      return "'" + l.string + "'";
    case Literal::Kind::kNumber:
      return l.integral ? std::to_string(l.integer) : std::to_string(l.number);
    case Literal::Kind::kBool:
      return l.boolean ? "true" : "false";
  }
  return "?";
}

Status RequireStrings(const Node& n, std::string_view what) {
  for (const Literal& l : n.values) {
    if (l.kind != Literal::Kind::kString) {
      return Invalid("Expected a quoted string value for " + std::string(what) +
                     " (e.g. 'my-value'). Got value " + ValueText(l));
    }
  }
  return Status::Ok();
}

// Holds one comparison to MLflow's rules and rewrites its field to the declared name.
Status CheckComparison(Node& n, SearchKind kind) {
  std::vector<std::string>& seg = n.field.segments;
  const std::string op(expr::OpName(n.op));
  if (seg.empty()) return Invalid("a comparison has no field");
  // MLflow splits the identifier at its first '.': "<entity type>.<key>".
  std::string entity = seg.size() == 1 ? "attribute" : seg[0];
  std::string key;
  for (size_t i = seg.size() == 1 ? 0 : 1; i < seg.size(); ++i)
    key += (key.empty() ? "" : ".") + seg[i];
  if (entity == "tag" || entity == "tags") {
    if (!IsStringComparator(n.op)) {
      return Invalid("Invalid comparator '" + op + "' for tag '" + key +
                     "'; tags support =, !=, LIKE and ILIKE");
    }
    BALLAST_RETURN_IF_ERROR(RequireStrings(n, "tag"));
    seg = {"tags", key};
    return Status::Ok();
  }
  if (entity != "attribute" && entity != "attributes") {
    return Invalid("Invalid entity type '" + entity +
                   "'. Valid entity types are ('attribute', 'tag', 'tags')");
  }
  const bool versions = kind == SearchKind::kModelVersions;
  const char* valid = versions ? "name, run_id, source_path, version_number" : "name";
  const bool known =
      key == "name" ||
      (versions && (key == "run_id" || key == "source_path" || key == "version_number"));
  if (!known) {
    return Invalid("Invalid attribute key '" + key + "' specified. Valid keys are: " + valid);
  }
  seg = {key};
  if (key == "version_number") {
    if (!IsNumericComparator(n.op)) {
      return Invalid("Invalid comparator '" + op +
                     "' for version_number; it supports =, !=, <, <=, > and >=");
    }
    Literal& l = n.values.front();
    if (l.kind == Literal::Kind::kString) {
      // MLflow compares a quoted number too ("version_number = '3'").
      int64_t v = 0;
      auto [end, ec] = std::from_chars(l.string.data(), l.string.data() + l.string.size(), v);
      if (ec != std::errc() || end != l.string.data() + l.string.size()) {
        return Invalid("Expected an integer for version_number. Got value '" + l.string + "'");
      }
      l.kind = Literal::Kind::kNumber;
      l.integral = true;
      l.integer = v;
      l.number = static_cast<double>(v);
    } else if (l.kind != Literal::Kind::kNumber) {
      return Invalid("Expected an integer for version_number. Got value " + ValueText(l));
    }
    return Status::Ok();
  }
  if (n.op == Op::kIn) {
    if (key != "run_id") {
      return Invalid(
          "Only the 'run_id' attribute supports comparison with a list of quoted "
          "string values (IN)");
    }
  } else if (!IsStringComparator(n.op)) {
    return Invalid("Invalid comparator '" + op + "' for attribute '" + key +
                   "'; it supports =, !=, LIKE, ILIKE" + (key == "run_id" ? " and IN" : ""));
  }
  return RequireStrings(n, "attribute '" + key + "'");
}

Status CheckTree(Node& n, SearchKind kind) {
  switch (n.kind) {
    case NodeKind::kOr:
      return Invalid("OR is not supported in MLflow filters; join comparisons with AND");
    case NodeKind::kNot:
      return Invalid("NOT is not supported in MLflow filters");
    case NodeKind::kAnd:
      for (Node& c : n.children) BALLAST_RETURN_IF_ERROR(CheckTree(c, kind));
      return Status::Ok();
    case NodeKind::kComparison:
      return CheckComparison(n, kind);
  }
  return Invalid("unsupported filter");
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// A short digest binding a token's offset to its search.
std::string TokenCheck(int64_t offset, std::string_view fingerprint) {
  return Sha256Hex(std::string(fingerprint) + "#" + std::to_string(offset)).substr(0, 16);
}

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

Result<store::SqlFilter> TranslateFilter(std::string_view filter, SearchKind kind) {
  if (Trim(filter).empty()) return store::SqlFilter{};
  auto parsed = expr::Parse(filter, {.dialect = expr::Dialect::kMlflow});
  if (!parsed) {
    return Invalid("Invalid filter '" + std::string(filter) + "': " + parsed.error().message());
  }
  BALLAST_RETURN_IF_ERROR(CheckTree(parsed->root, kind));
  const store::SearchFields& fields =
      kind == SearchKind::kModelVersions ? VersionFields() : ModelFields();
  auto where = store::CompileWhere(parsed->root, fields);
  if (!where) {
    return Invalid("Invalid filter '" + std::string(filter) + "': " + where.error().message());
  }
  return store::SqlFilter{std::move(where->sql), std::move(where->params)};
}

Result<std::vector<store::OrderBy>> TranslateOrderBy(const std::vector<std::string>& clauses,
                                                     SearchKind kind) {
  const bool versions = kind == SearchKind::kModelVersions;
  std::vector<store::OrderBy> out;
  bool has_name = false, has_version = false;
  for (const std::string& raw : clauses) {
    std::string clause = Trim(raw);
    if (clause.empty()) continue;
    std::string key = clause;
    bool descending = false;
    size_t space = clause.find_last_of(" \t");
    if (space != std::string::npos) {
      std::string dir = Lower(clause.substr(space + 1));
      if (dir != "asc" && dir != "desc") {
        return Status::InvalidArgument(
            "Invalid order_by clause '" + raw + "': expected '<key> ASC' or '<key> DESC'",
            "order_by");
      }
      descending = dir == "desc";
      key = Trim(clause.substr(0, space));
    }
    for (std::string_view prefix : {"attribute.", "attributes."}) {
      if (key.rfind(prefix, 0) == 0) key = key.substr(prefix.size());
    }
    std::string column;
    if (key == "name") {
      column = "name";
      has_name = true;
    } else if (key == "last_updated_timestamp") {
      column = "updated_at";
    } else if (key == "creation_timestamp" || (!versions && key == "timestamp")) {
      column = "created_at";
    } else if (versions && key == "version_number") {
      column = "version";
      has_version = true;
    } else {
      return Status::InvalidArgument(
          "Invalid order_by key '" + key + "' in '" + raw + "'. Valid keys are " +
              (versions ? "name, version_number, creation_timestamp, last_updated_timestamp"
                        : "name, timestamp, last_updated_timestamp"),
          "order_by");
    }
    out.push_back({column, descending});
  }
  if (!has_name) out.push_back({"name", false});
  if (versions && !has_version) out.push_back({"version", true});
  return out;
}

std::string SearchFingerprint(SearchKind kind, std::string_view filter,
                              const std::vector<std::string>& order_by) {
  nlohmann::json j = {{"kind", kind == SearchKind::kModelVersions ? "versions" : "models"},
                      {"filter", std::string(filter)},
                      {"order_by", order_by}};
  return Sha256Hex(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string EncodePageToken(int64_t offset, std::string_view fingerprint) {
  nlohmann::json j = {{"offset", offset}, {"search", TokenCheck(offset, fingerprint)}};
  return Base64Encode(j.dump());
}

Result<int64_t> DecodePageToken(std::string_view token, std::string_view fingerprint) {
  auto bad = [](std::string why) {
    return Status::InvalidArgument("Invalid page token: " + why, "page_token");
  };
  std::string decoded;
  if (!Base64Decode(token, decoded)) return bad("could not base64-decode it");
  nlohmann::json j = nlohmann::json::parse(decoded, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad("it is not one this server issued");
  auto offset = j.find("offset");
  auto check = j.find("search");
  if (offset == j.end() || !offset->is_number_integer() || check == j.end() ||
      !check->is_string()) {
    return bad("it is not one this server issued");
  }
  const int64_t value = offset->get<int64_t>();
  if (value < 0) return bad("negative offset");
  if (check->get<std::string>() != TokenCheck(value, fingerprint)) {
    return bad("it was altered or belongs to a different search (filter or order_by changed)");
  }
  return value;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == bytes.size()) {
    uint32_t n = uint8_t(bytes[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

bool Base64Decode(std::string_view text, std::string& out) {
  out.clear();
  if (text.size() % 4 != 0) return false;
  for (size_t i = 0; i < text.size(); i += 4) {
    uint32_t n = 0;
    int pad = 0;
    for (size_t k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=') {
        // Padding only in the last group, only in its last two places, and only trailing.
        if (i + 4 != text.size() || k < 2) return false;
        ++pad;
        n <<= 6;
        continue;
      }
      if (pad > 0) return false;
      size_t v = kAlphabet.find(c);
      if (v == std::string_view::npos) return false;
      n = (n << 6) | static_cast<uint32_t>(v);
    }
    out += static_cast<char>((n >> 16) & 0xFF);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(n & 0xFF);
  }
  return true;
}

}  // namespace ballast::server::mlflow
