#include "cli/pointer_verbs.h"

#include <cctype>
#include <utility>

#include "cli/api_client.h"

namespace ballast::cli {

PointerVerbs::PointerVerbs(CLI::App* parent, PointerNoun noun) : noun_(std::move(noun)) {
  std::string word = noun_.noun;  // "ALIAS"
  for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string title = noun_.noun;  // "Alias"
  if (!title.empty())
    title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));

  // "an alias", "a label": enough English for the nouns there are.
  const std::string a_noun =
      (std::string("aeiou").find(noun_.noun.empty() ? 'x' : noun_.noun[0]) == std::string::npos
           ? "a "
           : "an ") +
      noun_.noun;
  const std::string owner_help = noun_.owner + " name";

  CLI::App* group = parent->add_subcommand(noun_.noun, noun_.summary);
  group->require_subcommand(1);
  set_ = group->add_subcommand("set", "Point " + a_noun + " at a version");
  set_->add_option("NAME", name_, owner_help)->required();
  set_->add_option(word, pointer_, title + ", e.g. " + noun_.example)->required();
  set_->add_option("VERSION", version_, "Version number")->required();
  set_->add_option("--reason", reason_, "Why (recorded in the history)");
  remove_ = group->add_subcommand("delete", "Remove " + a_noun);
  remove_->add_option("NAME", name_, owner_help)->required();
  remove_->add_option(word, pointer_, title)->required();
  remove_->add_option("--reason", reason_, "Why (recorded in the history)");
  history_ = group->add_subcommand("history", "Every move of " + a_noun + ", oldest first");
  history_->add_option("NAME", name_, owner_help)->required();
  history_->add_option(word, pointer_, noun_.history_help)->required();
}

std::optional<int> PointerVerbs::Run(Console& console, const GlobalOptions& global) const {
  if (!set_->parsed() && !remove_->parsed() && !history_->parsed()) return std::nullopt;
  std::string path = noun_.route;
  const size_t at = path.find("{name}");
  if (at != std::string::npos) path.replace(at, 6, UrlEncode(name_));
  path += "/" + UrlEncode(pointer_);
  Json answer;
  if (history_->parsed()) {
    int rc = CallAllPages(console, global, path + "/history", answer);
    if (rc == kExitOk) {
      Print(console, global, answer, noun_.history_text(answer, pointer_, console.out_width));
    }
    return rc;
  }
  HttpRequest request{.method = set_->parsed() ? "PUT" : "DELETE", .path = path};
  if (set_->parsed()) {
    Json body = {{"version", version_}};
    if (!reason_.empty()) body["reason"] = reason_;
    request.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
    request.content_type = "application/json";
  } else if (!reason_.empty()) {
    // Both servers read a delete's reason from the query: a DELETE body is often dropped.
    request.path += "?reason=" + UrlEncode(reason_);
  }
  int rc = Call(console, global, request, answer);
  if (rc == kExitOk) Print(console, global, answer, noun_.move_text(answer));
  return rc;
}

}  // namespace ballast::cli
