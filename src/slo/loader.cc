#include "slo/loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <tuple>

#include "slo/decoder.h"
#include "slo/validator.h"
#include "slo/yaml_decode.h"

namespace ballast::slo {
namespace {

namespace fs = std::filesystem;

bool HasDefinitionExtension(const fs::path& p) {
  std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// Decodes the documents of one source into `objects`.
void DecodeSource(const Source& source, const LoadOptions& options, std::vector<Object>* objects,
                  Diagnostics* diags) {
  internal::DecodeContext ctx(source.name, diags, internal::kOpenSloDialect);
  size_t errors_before = diags->error_count();
  std::vector<YAML::Node> docs = yaml::ParseDocuments(ctx, source.text);
  if (diags->error_count() > errors_before) return;  // a syntax error, reported
  auto add = [&](const YAML::Node& node) {
    if (objects->size() >= options.max_objects) {
      ctx.Error(node, "", "too many objects (limit " + std::to_string(options.max_objects) + ")");
      return false;
    }
    if (auto obj = internal::DecodeObject(ctx, node)) objects->push_back(std::move(*obj));
    return true;
  };
  size_t found = 0;
  for (const YAML::Node& doc : docs) {
    if (internal::IsNull(doc)) continue;
    if (doc.IsSequence()) {
      for (const YAML::Node& item : doc) {
        ++found;
        if (!add(item)) return;
      }
    } else {
      ++found;
      if (!add(doc)) return;
    }
  }
  if (found == 0) diags->Warning(SourcePos{source.name}, "", "no objects found");
}

bool ReadFile(const fs::path& path, const LoadOptions& options, std::vector<Source>* out,
              Diagnostics* diags) {
  std::string name = path.string();
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) {
    diags->Error(SourcePos{name}, "", "cannot read: " + ec.message());
    return false;
  }
  if (size > options.max_file_bytes) {
    diags->Error(SourcePos{name}, "",
                 "file too large (" + std::to_string(size) + " bytes; limit " +
                     std::to_string(options.max_file_bytes) + ")");
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags->Error(SourcePos{name}, "", "cannot open file");
    return false;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  out->push_back({std::move(name), std::move(text)});
  return true;
}

// Validates, then orders diagnostics by file (in load order), line and column, so that output
// reads top to bottom whichever pass found a problem.
LoadResult Finish(std::vector<Object> objects, Diagnostics diags, const Catalog* existing,
                  const std::vector<Source>& sources) {
  LoadResult r{Catalog(std::move(objects), existing), std::move(diags)};
  Validate(r.catalog, &r.diagnostics);
  std::map<std::string, size_t> file_order;
  for (const Source& s : sources) file_order.emplace(s.name, file_order.size());
  std::vector<Diagnostic> items = r.diagnostics.items();
  auto key = [&](const Diagnostic& d) {
    auto it = file_order.find(d.pos.file);
    return std::make_tuple(it == file_order.end() ? 0 : it->second, d.pos.line, d.pos.column);
  };
  std::stable_sort(items.begin(), items.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  Diagnostics sorted;
  for (Diagnostic& d : items) sorted.Add(std::move(d));
  r.diagnostics = std::move(sorted);
  return r;
}

}  // namespace

void CollectSources(const std::string& path, std::istream& in, const LoadOptions& options,
                    std::vector<Source>* out, Diagnostics* diags) {
  if (path == "-") {
    std::string text;
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      text.append(buf, static_cast<size_t>(in.gcount()));
      if (text.size() > options.max_file_bytes) {
        diags->Error(SourcePos{"<stdin>"}, "",
                     "input too large (limit " + std::to_string(options.max_file_bytes) + ")");
        return;
      }
    }
    out->push_back({"<stdin>", std::move(text)});
    return;
  }
  std::error_code ec;
  fs::path p(path);
  auto status = fs::status(p, ec);
  if (ec || !fs::exists(status)) {
    diags->Error(SourcePos{path}, "", "no such file or directory");
    return;
  }
  if (!fs::is_directory(status)) {
    ReadFile(p, options, out, diags);
    return;
  }
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(p, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && HasDefinitionExtension(it->path())) files.push_back(it->path());
  }
  if (ec) diags->Error(SourcePos{path}, "", "cannot list directory: " + ec.message());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) ReadFile(f, options, out, diags);
}

LoadResult LoadSources(const std::vector<Source>& sources, const Catalog* existing,
                       const LoadOptions& options) {
  std::vector<Object> objects;
  Diagnostics diags;
  for (const Source& s : sources) DecodeSource(s, options, &objects, &diags);
  return Finish(std::move(objects), std::move(diags), existing, sources);
}

LoadResult LoadText(std::string_view text, const std::string& file_name, const Catalog* existing,
                    const LoadOptions& options) {
  return LoadSources({Source{file_name, std::string(text)}}, existing, options);
}

LoadResult LoadPaths(const std::vector<std::string>& paths, const Catalog* existing,
                     const LoadOptions& options) {
  std::vector<Source> sources;
  Diagnostics diags;
  for (const std::string& p : paths) CollectSources(p, std::cin, options, &sources, &diags);
  std::vector<Object> objects;
  for (const Source& s : sources) DecodeSource(s, options, &objects, &diags);
  return Finish(std::move(objects), std::move(diags), existing, sources);
}

}  // namespace ballast::slo
