// The definition and SLO commands: `apply`, `delete`, `get`, `slo list`, `slo status` and
// `alerts`. `apply` validates the files offline first (every error with its file and line,
// exit 1) and sends them only when they are valid, so the server's answer is about what the
// server knows (references to stored objects, data source support).
#include <fmt/format.h>

#include <cmath>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/views.h"
#include "slo/loader.h"

namespace ballast::cli {
namespace {

std::string Percent(const Json& v, int decimals = 3) {
  if (!v.is_number()) return "-";
  return fmt::format("{:.{}f}%", v.get<double>() * 100, decimals);
}

std::string Rate(const Json& v) {
  if (!v.is_number()) return "-";
  return fmt::format("{:.2f}x", v.get<double>());
}

std::string Str(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump();
}

// The kinds a user may type in any case ("slo", "alertpolicy").
std::string CanonicalKind(const std::string& kind) {
  static const char* kKinds[] = {
      "Service",   "SLI", "SLO", "AlertPolicy", "AlertCondition", "AlertNotificationTarget",
      "DataSource"};
  for (const char* k : kKinds) {
    if (kind.size() == std::string_view(k).size() &&
        std::equal(kind.begin(), kind.end(), k,
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return k;
    }
  }
  return kind;
}

}  // namespace

int RunApplyCommand(Console& console, const GlobalOptions& global,
                    const std::vector<std::string>& paths, bool dry_run) {
  slo::LoadOptions options;
  std::vector<slo::Source> sources;
  Diagnostics diags;
  for (const std::string& path : paths) {
    slo::CollectSources(path, *console.in, options, &sources, &diags);
  }
  slo::LoadResult loaded = slo::LoadSources(sources, nullptr, options);
  diags.Append(loaded.diagnostics);
  // References to objects stored on the server are only known there: let it judge those.
  Diagnostics local;
  for (const Diagnostic& d : diags.items()) {
    const bool unresolved =
        d.message.find("(no such object among those loaded)") != std::string::npos;
    if (d.severity == Severity::kError && unresolved) continue;
    local.Add(d);
  }
  if (local.HasErrors()) {
    *console.err << local.ToString();
    *console.err << fmt::format("{} error(s): nothing applied\n", local.error_count());
    return kExitFailure;
  }
  if (sources.empty()) {
    *console.err << "error: no definitions found in " << fmt::format("{}", fmt::join(paths, ", "))
                 << "\n";
    return kExitFailure;
  }
  std::string body;
  for (const slo::Source& s : sources) {
    if (!body.empty()) body += "\n---\n";
    body += s.text;
  }
  Json answer;
  int rc = Call(console, global,
                {.method = "POST",
                 .path = std::string("/v1/apply") + (dry_run ? "?dry_run=true" : ""),
                 .body = body,
                 .content_type = "application/yaml"},
                answer);
  if (rc != kExitOk) return rc;
  Table table({{"KIND"}, {"NAME"}, {"ACTION"}});
  for (const Json& r : ListItems(answer, "results")) {
    table.AddRow(
        {Str(r["kind"]), Str(r["name"]), Str(r["action"]) + (dry_run ? " (dry run)" : "")});
  }
  Print(console, global, answer, table.Render(console.out_width));
  return kExitOk;
}

int RunDeleteCommand(Console& console, const GlobalOptions& global, const std::string& kind,
                     const std::string& name) {
  Json answer;
  int rc = Call(console, global,
                {.method = "DELETE",
                 .path = "/v1/objects/" + UrlEncode(CanonicalKind(kind)) + "/" + UrlEncode(name)},
                answer);
  if (rc != kExitOk) return rc;
  Print(console, global, answer, fmt::format("{} {} deleted\n", CanonicalKind(kind), name));
  return kExitOk;
}

int RunGetCommand(Console& console, const GlobalOptions& global, const std::string& kind,
                  const std::string& name) {
  Json answer;
  if (!name.empty()) {
    int rc = Call(console, global,
                  {.method = "GET",
                   .path = "/v1/objects/" + UrlEncode(CanonicalKind(kind)) + "/" + UrlEncode(name)},
                  answer);
    if (rc != kExitOk) return rc;
    // A single object reads best as the document it is: YAML even for -o table.
    Json object = answer.contains("object") ? answer["object"] : answer;
    *console.out << (global.format == OutputFormat::kJson ? answer.dump(2) + "\n"
                                                          : JsonToYaml(object));
    return kExitOk;
  }
  std::string path = "/v1/objects";
  if (!kind.empty()) path += "?kind=" + UrlEncode(CanonicalKind(kind));
  int rc = CallAllPages(console, global, path, answer);
  if (rc != kExitOk) return rc;
  Table table({{"KIND"}, {"NAME"}, {"GENERATION"}, {"APPLIED AT"}, {"APPLIED BY"}, {"ETAG"}});
  for (const Json& o : ListItems(answer, "items")) {
    table.AddRow({Str(o["kind"]), Str(o["name"]), Str(o["generation"]), Str(o["applied_at"]),
                  Str(o["applied_by"]), Str(o["etag"])});
  }
  Print(console, global, answer, table.Render(console.out_width));
  return kExitOk;
}

int RunSloListCommand(Console& console, const GlobalOptions& global) {
  Json answer;
  int rc = CallAllPages(console, global, "/v1/slos", answer);
  if (rc != kExitOk) return rc;
  Table table({{"SLO"},
               {"SERVICE"},
               {"OBJECTIVE"},
               {"TARGET"},
               {"SLI"},
               {"BUDGET LEFT"},
               {"BURN 1H"},
               {"ALERTS"}});
  for (const Json& slo : ListItems(answer, "items")) {
    for (const Json& o : slo.value("objectives", Json::array())) {
      const Json burn = o.value("burn_rates", Json::object());
      std::string burn_1h = "-";
      for (const char* w : {"1h", "2h", "6h"}) {  // the page window of the SLO's period
        if (burn.contains(w)) {
          burn_1h = Rate(burn[w]);
          break;
        }
      }
      table.AddRow({Str(slo["name"]), Str(slo["service"]), Str(o["name"]), Percent(o["target"]),
                    Percent(o["sli"]), Percent(o["remaining_ratio"], 1), burn_1h,
                    slo.contains("alerts_firing") ? Str(slo["alerts_firing"]) : "-"});
    }
  }
  std::string text = table.row_count() == 0 ? "no SLOs applied (see ballast apply)\n"
                                            : table.Render(console.out_width);
  Print(console, global, answer, text);
  return kExitOk;
}

int RunSloStatusCommand(Console& console, const GlobalOptions& global, const std::string& name,
                        const std::string& variant) {
  std::string path = "/v1/slos/" + UrlEncode(name) + "/status";
  if (!variant.empty()) path += "?variant=" + UrlEncode(variant);
  Json st;
  int rc = Call(console, global, {.method = "GET", .path = path}, st);
  if (rc != kExitOk) return rc;
  const Json window = st.value("window", Json::object());
  std::string text = fmt::format(
      "SLO {} (service {}{}), {} {} window {} .. {}, {}\n", Str(st["name"]), Str(st["service"]),
      variant.empty() ? "" : ", variant " + variant, Str(window["duration"]),
      window.value("is_rolling", true) ? "rolling" : "calendar", Str(window["start"]),
      Str(window["end"]), Str(st["budgeting_method"]));
  Table table({{"OBJECTIVE"},
               {"TARGET"},
               {"SLI"},
               {"GOOD"},
               {"TOTAL"},
               {"BUDGET LEFT"},
               {"BURN 5M"},
               {"BURN 1H"},
               {"BURN 6H"},
               {"BURN 1D"},
               {"EXHAUSTED AT"}});
  for (const Json& o : st.value("objectives", Json::array())) {
    const Json burn = o.value("burn_rates", Json::object());
    auto rate = [&](const char* w) { return burn.contains(w) ? Rate(burn[w]) : "-"; };
    const Json budget = o.value("error_budget", Json::object());
    table.AddRow({Str(o["name"]), Percent(o["target"]), Percent(o["sli"]), Str(o["good"]),
                  Str(o["total"]), Percent(budget["remaining_ratio"], 1), rate("5m"), rate("1h"),
                  rate("6h"), rate("1d"), Str(o["exhausted_at"])});
  }
  Print(console, global, st, text + table.Render(console.out_width));
  return kExitOk;
}

int RunAlertsCommand(Console& console, const GlobalOptions& global, const std::string& state) {
  std::string path = "/v1/alerts";
  if (!state.empty()) path += "?state=" + UrlEncode(state);
  Json answer;
  int rc = CallAllPages(console, global, path, answer);
  if (rc != kExitOk) return rc;
  Table table({{"ID"},
               {"SLO"},
               {"OBJECTIVE"},
               {"RULE"},
               {"SEVERITY"},
               {"STATE"},
               {"SINCE"},
               {"BURN RATES"}});
  for (const Json& a : ListItems(answer, "items")) {
    std::string rates;
    const Json burn = a.value("burn_rates", Json::object());
    for (const auto& [w, v] : burn.items()) {
      rates += (rates.empty() ? "" : " ") + w + "=" + Rate(v);
    }
    table.AddRow({Str(a["id"]), Str(a["slo"]), Str(a.value("objective", Json())),
                  Str(a.value("rule", Json())), Str(a["severity"]), Str(a["state"]),
                  Str(a["since"]), rates.empty() ? "-" : rates});
  }
  std::string text = table.row_count() == 0
                         ? (state.empty() ? "no alerts\n" : "no " + state + " alerts\n")
                         : table.Render(console.out_width);
  Print(console, global, answer, text);
  return kExitOk;
}

}  // namespace ballast::cli
