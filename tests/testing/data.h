#pragma once

// Access to the checked-in test data under tests/data/ (see
// tests/data/SOURCES.md). Paths are relative to tests/data, e.g.
// "corpus/compat/airflow/events/line_01.json".

#include <string>
#include <vector>

namespace lineaged::testing {

// Absolute path of tests/data in the source tree.
std::string TestDataDir();

// The bytes of tests/data/<relative_path>. On failure records a non-fatal test
// failure and returns "".
std::string ReadTestData(const std::string& relative_path);

// The regular files directly inside tests/data/<dir> (not recursive), as paths
// relative to tests/data that ReadTestData accepts, sorted bytewise. On failure
// records a non-fatal test failure and returns an empty list.
std::vector<std::string> ListTestData(const std::string& dir);

}  // namespace lineaged::testing
