// MinuteCache: parses the RFC 3339 times of ingest events, remembering the last minute seen.
//
// The events of one batch mostly share their minute, and most clients write times as
// "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DDTHH:MM:SS.sssZ". For those, once the minute prefix has
// been parsed (and validated) by ParseRfc3339, a later time of the same minute costs a 16-byte
// compare and five digits. Any other shape, and every miss, takes ParseRfc3339, so results and
// errors are exactly ParseRfc3339's.
//
// Thread safety: none; one per parser.
#pragma once

#include <cstring>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "common/time.h"

namespace ballast::telemetry {

class MinuteCache {
 public:
  Result<EpochMillis> Parse(std::string_view s) {
    int64_t within;
    if (Canonical(s, within) && valid_ && std::memcmp(s.data(), prefix_, kPrefix) == 0)
      return base_ + within;
    Result<EpochMillis> parsed = ParseRfc3339(s);
    if (parsed && Canonical(s, within)) {
      std::memcpy(prefix_, s.data(), kPrefix);
      base_ = *parsed - within;
      valid_ = true;
    }
    return parsed;
  }

 private:
  static constexpr size_t kPrefix = 16;  // "YYYY-MM-DDTHH:MM"
  static bool Digit(char c) { return c >= '0' && c <= '9'; }
  // Millis within the minute of a canonical time whose prefix has been validated elsewhere.
  static bool Canonical(std::string_view s, int64_t& within) {
    if (s.size() != 20 && s.size() != 24) return false;
    if (s[16] != ':' || !Digit(s[17]) || !Digit(s[18])) return false;
    int64_t sec = (s[17] - '0') * 10 + (s[18] - '0');
    if (sec > 60) return false;  // 60: a leap second, folded forward as ParseRfc3339 does
    int64_t ms = 0;
    if (s.size() == 24) {
      if (s[19] != '.' || s[23] != 'Z' || !Digit(s[20]) || !Digit(s[21]) || !Digit(s[22]))
        return false;
      ms = (s[20] - '0') * 100 + (s[21] - '0') * 10 + (s[22] - '0');
    } else if (s[19] != 'Z') {
      return false;
    }
    within = sec * 1000 + ms;
    return true;
  }
  char prefix_[kPrefix] = {};
  EpochMillis base_ = 0;
  bool valid_ = false;
};

}  // namespace ballast::telemetry
