#include "rules/prom_text.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

namespace ballast::rules {
namespace {

// Shortest round-trip decimal digits of a finite, non-zero |v|: digits without leading or
// trailing zeros and the position of the decimal point (value = 0.DIGITS * 10^point).
struct Digits {
  std::string digits;
  int point = 0;
};

Digits ShortestDigits(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), std::fabs(v),
                                 std::chars_format::scientific);
  (void)ec;  // 64 bytes always hold a double in scientific form
  std::string_view text(buf, static_cast<size_t>(end - buf));
  size_t e = text.find('e');
  Digits d;
  for (char c : text.substr(0, e)) {
    if (c != '.') d.digits.push_back(c);
  }
  int exponent = std::atoi(std::string(text.substr(e + 1)).c_str());
  while (d.digits.size() > 1 && d.digits.back() == '0') d.digits.pop_back();
  d.point = exponent + 1;
  return d;
}

std::string FixedFromDigits(const Digits& d) {
  std::string out;
  const int n = static_cast<int>(d.digits.size());
  if (d.point <= 0) {
    out = "0.";
    out.append(static_cast<size_t>(-d.point), '0');
    out += d.digits;
  } else if (d.point >= n) {
    out = d.digits;
    out.append(static_cast<size_t>(d.point - n), '0');
  } else {
    out = d.digits.substr(0, static_cast<size_t>(d.point)) + "." +
          d.digits.substr(static_cast<size_t>(d.point));
  }
  return out;
}

std::string NonFinite(double v) {
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "+Inf" : "-Inf";
}

}  // namespace

std::string FormatGoFloat(double v) {
  if (!std::isfinite(v)) return NonFinite(v);
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  Digits d = ShortestDigits(v);
  std::string sign = v < 0 ? "-" : "";
  const int exp = d.point - 1;
  // strconv's 'g' with the shortest precision uses an exponent when exp < -4 || exp >= 6
  // (so Go prints 1e+06 for a million).
  if (exp < -4 || exp >= 6) {
    std::string out = sign + d.digits.substr(0, 1);
    if (d.digits.size() > 1) out += "." + d.digits.substr(1);
    out += exp < 0 ? "e-" : "e+";
    int a = std::abs(exp);
    if (a < 10) out += "0";
    out += std::to_string(a);
    return out;
  }
  return sign + FixedFromDigits(d);
}

std::string FormatGoFloatFixed(double v) {
  if (!std::isfinite(v)) return NonFinite(v);
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  Digits d = ShortestDigits(v);
  return (v < 0 ? "-" : "") + FixedFromDigits(d);
}

std::string FormatPromDuration(int64_t ms) {
  if (ms <= 0) return "0s";
  struct Unit {
    const char* name;
    int64_t mult;
    bool exact;
  };
  static constexpr Unit kUnits[] = {
      {"y", 365 * kDayMs, true}, {"w", 7 * kDayMs, true}, {"d", kDayMs, false},
      {"h", kHourMs, false},     {"m", kMinuteMs, false}, {"s", 1000, false},
      {"ms", 1, false}};
  std::string out;
  for (const Unit& u : kUnits) {
    if (u.exact && ms % u.mult != 0) continue;
    int64_t v = ms / u.mult;
    if (v > 0) {
      out += std::to_string(v) + u.name;
      ms -= v * u.mult;
    }
  }
  return out;
}

std::string FormatPeriod(int64_t ms) {
  if (ms > 0 && ms % kDayMs == 0) return std::to_string(ms / kDayMs) + "d";
  return FormatPromDuration(ms);
}

std::optional<int64_t> ParsePromDuration(std::string_view text) {
  if (text == "0") return 0;
  if (text.empty()) return std::nullopt;
  struct Unit {
    std::string_view name;
    int64_t mult;
  };
  static constexpr Unit kUnits[] = {{"y", 365 * kDayMs}, {"w", 7 * kDayMs}, {"d", kDayMs},
                                    {"h", kHourMs},      {"m", kMinuteMs},  {"s", 1000},
                                    {"ms", 1}};
  size_t next_unit = 0;
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == start || i - start > 18) return std::nullopt;
    int64_t n = 0;
    std::from_chars(text.data() + start, text.data() + i, n);
    size_t unit_start = i;
    while (i < text.size() && (text[i] < '0' || text[i] > '9')) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    bool found = false;
    for (; next_unit < std::size(kUnits); ++next_unit) {
      if (kUnits[next_unit].name == unit) {
        found = true;
        break;
      }
    }
    if (!found) return std::nullopt;
    const int64_t mult = kUnits[next_unit].mult;
    if (n > (std::numeric_limits<int64_t>::max() - total) / mult) return std::nullopt;
    total += n * mult;
    ++next_unit;
  }
  return total;
}

double GoHours(int64_t ms) {
  // Go: hour := d / Hour; nsec := d % Hour; return float64(hour) + float64(nsec)/(60*60*1e9).
  const int64_t hours = ms / kHourMs;
  const int64_t rest_ns = (ms % kHourMs) * 1000000;
  return static_cast<double>(hours) + static_cast<double>(rest_ns) / (60 * 60 * 1e9);
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool IsValidSlothName(std::string_view name) {
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (name.size() < 2 || !alnum(name.front()) || !alnum(name.back())) return false;
  for (char c : name) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

namespace {

// Length of a `{{ .window }}` action starting at `pos` (which holds "{{"), or 0.
size_t WindowActionLength(std::string_view s, size_t pos) {
  size_t i = pos + 2;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  if (s.substr(i, 7) != ".window") return 0;
  i += 7;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  if (s.substr(i, 2) != "}}") return 0;
  return i + 2 - pos;
}

}  // namespace

bool HasWindowTemplate(std::string_view query) {
  for (size_t pos = query.find("{{"); pos != std::string_view::npos;
       pos = query.find("{{", pos + 1)) {
    if (WindowActionLength(query, pos) > 0) return true;
  }
  return false;
}

std::optional<std::string> RenderWindow(std::string_view query, std::string_view window) {
  std::string out;
  size_t i = 0;
  while (i < query.size()) {
    size_t pos = query.find("{{", i);
    if (pos == std::string_view::npos) {
      out.append(query.substr(i));
      break;
    }
    size_t len = WindowActionLength(query, pos);
    if (len == 0) return std::nullopt;
    out.append(query.substr(i, pos - i));
    out.append(window);
    i = pos + len;
  }
  return out;
}

std::string QuerySyntaxError(std::string_view query) {
  std::vector<char> open;
  char quote = 0;
  for (size_t i = 0; i < query.size(); ++i) {
    char c = query[i];
    if (quote != 0) {
      if (c == '\\' && quote != '`') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    switch (c) {
      case '"':
      case '\'':
      case '`':
        quote = c;
        break;
      case '#':  // a PromQL comment runs to the end of the line
        while (i < query.size() && query[i] != '\n') ++i;
        break;
      case '(':
      case '[':
      case '{':
        open.push_back(c);
        break;
      case ')':
      case ']':
      case '}': {
        char want = c == ')' ? '(' : c == ']' ? '[' : '{';
        if (open.empty() || open.back() != want) {
          return "unbalanced '" + std::string(1, c) + "' at offset " + std::to_string(i);
        }
        open.pop_back();
        break;
      }
      default:
        break;
    }
  }
  if (quote != 0) return "unterminated string literal";
  if (!open.empty()) return "unclosed '" + std::string(1, open.back()) + "'";
  bool blank = true;
  for (char c : query) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') blank = false;
  }
  if (blank) return "empty query";
  return "";
}

std::string NormalizeWhitespace(std::string_view text) {
  std::string out;
  bool pending_space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace ballast::rules
