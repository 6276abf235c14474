#pragma once

// TempDir: a fresh, private directory for one test, deleted with everything in
// it when the TempDir goes out of scope.
//
//   lineaged::testing::TempDir dir;
//   std::string data_dir = dir.path() + "/data";

#include <string>

namespace lineaged::testing {

// Not thread-safe; owned by one test.
class TempDir {
 public:
  // Creates `$TMPDIR/lineaged-XXXXXX` (or under /tmp when TMPDIR is unset or
  // empty). Aborts the test binary if the directory cannot be created, since no
  // test can run without it.
  TempDir();

  // Removes the directory recursively. Errors are ignored.
  ~TempDir();

  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Absolute path, without a trailing slash.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace lineaged::testing
