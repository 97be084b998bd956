// ProgressBar: one self-rewriting status line on a terminal for long operations (API.md: "Long
// operations show a progress bar on a terminal and nothing extra when piped"). Disabled, it
// writes nothing at all.
//
// Thread safety: single-threaded; owned by the command that reports progress.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace ballast::cli {

// The text of one progress line, without '\r': a 20-cell bar and a percentage when the total is
// known, then "lines, bytes"; e.g. "[#########           ]  45%  1,200 lines  1.5 MiB / 3.3 MiB".
std::string RenderProgressLine(int64_t bytes_done, std::optional<int64_t> bytes_total,
                               int64_t lines_done);

// "512 B", "1.5 KiB", "3.3 MiB", "1.0 GiB".
std::string FormatBytes(int64_t bytes);
// 1234567 -> "1,234,567".
std::string FormatCount(int64_t n);

class ProgressBar {
 public:
  // `enabled` is normally "stderr is a terminal".
  ProgressBar(std::ostream& out, bool enabled, std::optional<int64_t> bytes_total);
  ~ProgressBar();

  void Update(int64_t bytes_done, int64_t lines_done);
  // Erases the line (so that a message can be printed); the next Update() redraws it.
  void Clear();
  // Erases the line for good so the final report starts on a clean line. Idempotent.
  void Finish();

 private:
  std::ostream& out_;
  bool enabled_;
  std::optional<int64_t> bytes_total_;
  std::size_t last_length_ = 0;
  bool finished_ = false;
};

}  // namespace ballast::cli
