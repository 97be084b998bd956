// Text conventions shared with Sloth and Prometheus, so that generated rules read exactly as
// Sloth writes them: Go's float formatting (`%g`/`%v` and strconv 'f' -1), Prometheus duration
// syntax ("5m", "1d12h", "4w"), label-name rules and the `{{.window}}` query template.
//
//   FormatGoFloat(0.999)          -> "0.999"
//   FormatGoFloat(1e-05)          -> "1e-05"      (Go switches to an exponent below 1e-4)
//   FormatPromDuration(28 * kDay) -> "4w"         (Prometheus' model.Duration.String)
//   RenderWindow("rate(x[{{.window}}])", "5m") -> "rate(x[5m])"
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ballast::rules {

inline constexpr int64_t kMinuteMs = 60 * 1000;
inline constexpr int64_t kHourMs = 60 * kMinuteMs;
inline constexpr int64_t kDayMs = 24 * kHourMs;

// Go's fmt "%v"/"%g" of a float64: the shortest representation that reads back to the same
// double, with an exponent ("1e-05", "1.5e+07") when the decimal exponent is < -4 or >= 6.
// Infinity and NaN print as Go does ("+Inf", "NaN").
std::string FormatGoFloat(double v);

// Go's strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent ("99.9").
std::string FormatGoFloatFixed(double v);

// Prometheus' model.Duration text: the largest units first, years and weeks only when they
// divide the duration exactly ("30d", "4w", "1d12h", "90s", "0s").
std::string FormatPromDuration(int64_t ms);

// An SLO period for messages: whole days as days ("28d", "7d"), otherwise FormatPromDuration.
std::string FormatPeriod(int64_t ms);

// Prometheus' model.ParseDuration: "0" or [Ny][Nw][Nd][Nh][Nm][Ns][Nms] in that order, at least
// one part. nullopt for anything else (empty, negative, unknown unit, overflow).
std::optional<int64_t> ParsePromDuration(std::string_view text);

// Go's time.Duration.Hours() of a duration given in milliseconds (same rounding as Go, so that
// burn-rate factors match Sloth's to the last digit).
double GoHours(int64_t ms);

// A Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidLabelName(std::string_view name);

// Sloth's names (service, SLO name, SLO id): alphanumerics, '-', '_' and '.', starting and
// ending with an alphanumeric, at least two characters.
bool IsValidSlothName(std::string_view name);

// True when `query` contains the `{{.window}}` template (spaces inside the braces allowed).
bool HasWindowTemplate(std::string_view query);

// Replaces every `{{.window}}` (spaces allowed) with `window`. Returns nullopt when another
// template action (`{{...}}`) remains, which Sloth's template engine would refuse.
std::optional<std::string> RenderWindow(std::string_view query, std::string_view window);

// A light PromQL sanity check after template rendering: balanced (), [] and {} outside string
// literals and closed string literals. Empty when fine, otherwise what is wrong. (Full PromQL
// validation is promtool's job; this catches the typos that would make every rule invalid.)
std::string QuerySyntaxError(std::string_view query);

// Collapses every run of whitespace to one space and trims the ends: how expressions are
// compared (generated text and Sloth's differ only in line breaks and indentation).
std::string NormalizeWhitespace(std::string_view text);

}  // namespace ballast::rules
