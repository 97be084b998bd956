// `ballast validate -f FILE|DIR|- ...`: checks OpenSLO definitions offline, reporting every
// error and warning with file, line, column and field path. Exit 1 when any error was found.
#include <fmt/format.h>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/views.h"
#include "slo/loader.h"

namespace ballast::cli {

int RunValidateCommand(Console& console, const GlobalOptions& global,
                       const std::vector<std::string>& paths) {
  slo::LoadOptions options;
  std::vector<slo::Source> sources;
  Diagnostics read_errors;
  for (const std::string& path : paths) {
    slo::CollectSources(path, *console.in, options, &sources, &read_errors);
  }
  slo::LoadResult result = slo::LoadSources(sources, nullptr, options);
  Diagnostics all = read_errors;
  all.Append(result.diagnostics);

  Json diagnostics = Json::array();
  for (const Diagnostic& d : all.items()) {
    diagnostics.push_back({{"severity", d.severity == Severity::kError ? "error" : "warning"},
                           {"file", d.pos.file},
                           {"line", d.pos.line},
                           {"column", d.pos.column},
                           {"path", d.path},
                           {"message", d.message}});
  }
  Json objects = Json::array();
  for (const slo::Object& o : result.catalog.objects()) {
    objects.push_back({{"kind", std::string(slo::KindName(o.kind))}, {"name", o.metadata.name}});
  }
  Json summary = {{"valid", !all.HasErrors()},
                  {"files", sources.size()},
                  {"objects", objects},
                  {"errors", all.error_count()},
                  {"warnings", all.warning_count()},
                  {"diagnostics", diagnostics}};
  std::string text = all.ToString();
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += fmt::format("{} file{}, {} object{}: {} error{}, {} warning{}\n", sources.size(),
                      sources.size() == 1 ? "" : "s", objects.size(),
                      objects.size() == 1 ? "" : "s", all.error_count(),
                      all.error_count() == 1 ? "" : "s", all.warning_count(),
                      all.warning_count() == 1 ? "" : "s");
  *console.out << RenderAs(global.format, summary, text);
  return all.HasErrors() ? kExitFailure : kExitOk;
}

}  // namespace ballast::cli
