#include "tests/testing/data.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <gtest/gtest.h>

namespace lineaged::testing {

std::string TestDataDir() { return LINEAGED_TEST_DATA_DIR; }

std::string ReadTestData(const std::string& relative_path) {
  const std::string path = TestDataDir() + "/" + relative_path;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot open test data file " << path;
    return "";
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::vector<std::string> ListTestData(const std::string& dir) {
  std::vector<std::string> files;
  std::string prefix = dir;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  std::error_code ec;
  std::filesystem::directory_iterator it(TestDataDir() + "/" + prefix, ec);
  if (ec) {
    ADD_FAILURE() << "cannot list test data directory " << TestDataDir() << "/" << prefix << ": "
                  << ec.message();
    return files;
  }
  for (const auto& entry : it) {
    if (entry.is_regular_file(ec)) {
      files.push_back(prefix + "/" + entry.path().filename().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace lineaged::testing
