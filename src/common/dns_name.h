// Object names: DNS-1123 subdomains, the naming rule shared by OpenSLO objects (src/slo) and
// registry prompts (src/registry), so that every name ballast stores is safe in URLs, file
// names, label values and SQL keys.
//
//   if (std::string why = DnsNameError(name); !why.empty()) diags.Error(pos, "metadata.name", why);
//
// Thread safety: pure function.
#pragma once

#include <string>
#include <string_view>

namespace ballast {

// Empty when `name` is valid, otherwise why not (quoting at most 64 characters of it). Valid:
// lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, each
// dot-separated part 1..63 characters, at most 253 in all.
std::string DnsNameError(std::string_view name);

}  // namespace ballast
