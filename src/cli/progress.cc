#include "cli/progress.h"

#include <fmt/format.h>

#include <algorithm>

namespace ballast::cli {

std::string FormatBytes(int64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int unit = -1;
  while (v >= 1024 && unit < 3) {
    v /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f} {}", v, kUnits[unit]);
}

std::string FormatCount(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string RenderProgressLine(int64_t bytes_done, std::optional<int64_t> bytes_total,
                               int64_t lines_done) {
  constexpr int kCells = 20;
  std::string line;
  if (bytes_total && *bytes_total > 0) {
    double share = std::clamp(static_cast<double>(bytes_done) / *bytes_total, 0.0, 1.0);
    int filled = static_cast<int>(share * kCells);
    line = fmt::format("[{}{}] {:3d}%  ", std::string(filled, '#'),
                       std::string(kCells - filled, ' '), static_cast<int>(share * 100));
  }
  line += fmt::format("{} lines  {}", FormatCount(lines_done), FormatBytes(bytes_done));
  if (bytes_total) line += " / " + FormatBytes(*bytes_total);
  return line;
}

ProgressBar::ProgressBar(std::ostream& out, bool enabled, std::optional<int64_t> bytes_total)
    : out_(out), enabled_(enabled), bytes_total_(bytes_total) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(int64_t bytes_done, int64_t lines_done) {
  if (!enabled_ || finished_) return;
  std::string line = RenderProgressLine(bytes_done, bytes_total_, lines_done);
  std::size_t pad = last_length_ > line.size() ? last_length_ - line.size() : 0;
  out_ << '\r' << line << std::string(pad, ' ') << std::flush;
  last_length_ = line.size();
}

void ProgressBar::Clear() {
  if (!enabled_ || finished_ || last_length_ == 0) return;
  out_ << '\r' << std::string(last_length_, ' ') << '\r' << std::flush;
  last_length_ = 0;
}

void ProgressBar::Finish() {
  Clear();
  finished_ = true;
}

}  // namespace ballast::cli
