#include <gtest/gtest.h>
#include <filesystem>
#include <iostream>
#include "slo/loader.h"
#include "slo/test_support.h"
namespace ballast::slo {
TEST(Survey, Print) {
  std::string root = testing::ConformanceDir();
  std::vector<std::string> files;
  for (auto& e : std::filesystem::recursive_directory_iterator(root))
    if (e.path().extension() == ".yaml" || e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (auto& f : files) {
    LoadResult r = LoadPaths({f});
    std::cout << "=== " << f.substr(root.size()) << " objects=" << r.catalog.objects().size() << "\n" << testing::Render(r.diagnostics, root + "/");
  }
  LoadResult r = LoadPaths({testing::SourceDir() + "/examples/slos"});
  std::cout << "=== examples\n" << r.diagnostics.ToString();
}
}
