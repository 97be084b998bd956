#include "common/dns_name.h"

namespace ballast {

std::string DnsNameError(std::string_view name) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  const char* rule =
      ": must consist of lowercase letters, digits, '-' and '.', start and end with a letter or "
      "digit (DNS-1123)";
  std::string shown = "\"" + std::string(name.substr(0, 64)) + (name.size() > 64 ? "...\"" : "\"");
  if (name.empty()) return "name must not be empty";
  if (name.size() > 253) return "invalid name " + shown + ": longer than 253 characters";
  size_t part_start = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i < name.size() && name[i] != '.') {
      if (!alnum(name[i]) && name[i] != '-') return "invalid name " + shown + rule;
      continue;
    }
    size_t len = i - part_start;
    if (len == 0 || !alnum(name[part_start]) || !alnum(name[i - 1]))
      return "invalid name " + shown + rule;
    if (len > 63) return "invalid name " + shown + ": a part between dots is longer than 63";
    part_start = i + 1;
  }
  return {};
}

}  // namespace ballast
