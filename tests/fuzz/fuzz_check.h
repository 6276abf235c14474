#pragma once

// FUZZ_CHECK(condition) << "context": aborts (which libFuzzer reports as a
// crash and saves the input) when a property of the code under test fails.
// Unlike assert(), it is active in every build type.

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

namespace lineaged::fuzz {

class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition) {
    message_ << file << ":" << line << ": FUZZ_CHECK(" << condition << ") failed: ";
  }
  [[noreturn]] ~CheckFailure() {
    std::fprintf(stderr, "%s\n", message_.str().c_str());
    std::abort();
  }
  template <typename T>
  CheckFailure& operator<<(const T& value) {
    message_ << value;
    return *this;
  }

 private:
  std::ostringstream message_;
};

}  // namespace lineaged::fuzz

#define FUZZ_CHECK(condition) \
  if (condition) {            \
  } else                      \
    ::lineaged::fuzz::CheckFailure(__FILE__, __LINE__, #condition)
