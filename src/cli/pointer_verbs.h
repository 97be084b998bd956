// The verbs of named pointers to versions: a model's aliases (`ballast model alias ...`) and a
// prompt's labels (`ballast prompt label ...`). Both are
//   <noun> set NAME POINTER VERSION [--reason R]  PUT    <collection>/<pointer>
//                                                        {"version": V, "reason": R}
//   <noun> delete NAME POINTER [--reason R]       DELETE <collection>/<pointer>?reason=R
//   <noun> history NAME POINTER                   GET    <collection>/<pointer>/history
//                                                        (every page)
// so the subcommands, the requests and the error handling live here once; each noun passes its
// words and how it renders a move and a history.
//
//   auto labels = std::make_unique<PointerVerbs>(prompt, PointerNoun{.noun = "label", ...});
//   ...after parsing:
//   if (std::optional<int> rc = labels->Run(console, global)) return *rc;
//
// Thread safety: like the CLI11 app it is added to: built, parsed and run on one thread. A
// PointerVerbs must not move once added (CLI11 holds pointers to its arguments), hence no copies.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "cli/commands.h"

namespace ballast::cli {

struct PointerNoun {
  std::string noun;          // "alias": the subcommand, and the POINTER word ("ALIAS")
  std::string summary;       // help of the subcommand: "Aliases and their history"
  std::string owner;         // "Model": NAME is the "Model name"
  std::string example;       // "champion", for the help of POINTER in `set`
  std::string history_help;  // help of POINTER in `history`: "Alias"
  // The collection route of a name's pointers, "{name}" standing for the URL-encoded name:
  // "/v1/models/{name}/aliases".
  std::string route;
  // The -o table text of a move answered by set and delete.
  std::function<std::string(const Json& move)> move_text;
  // The -o table text of a history ({"items": [...]}) of `pointer`.
  std::function<std::string(const Json& history, const std::string& pointer, size_t width)>
      history_text;
};

class PointerVerbs {
 public:
  // Adds `<noun>` with set, delete and history under `parent`.
  PointerVerbs(CLI::App* parent, PointerNoun noun);
  PointerVerbs(const PointerVerbs&) = delete;
  PointerVerbs& operator=(const PointerVerbs&) = delete;

  // The exit code of the verb that was parsed; nullopt when none of them was.
  std::optional<int> Run(Console& console, const GlobalOptions& global) const;

 private:
  PointerNoun noun_;
  std::string name_, pointer_, reason_;
  int64_t version_ = 0;
  CLI::App *set_ = nullptr, *remove_ = nullptr, *history_ = nullptr;
};

}  // namespace ballast::cli
