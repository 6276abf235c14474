#include "api/json_format.h"

#include <random>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace lineaged::api {
namespace {

TEST(FormatTimestamp, PrintsLikeJavaInstant) {
  EXPECT_EQ(FormatTimestamp(1609149120000000), "2020-12-28T09:52:00Z");
  EXPECT_EQ(FormatTimestamp(1609149120001000), "2020-12-28T09:52:00.001Z");
  EXPECT_EQ(FormatTimestamp(1609149120001500), "2020-12-28T09:52:00.001500Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999999Z");
}

// The digit-by-digit formatter against absl::FormatTime over many instants,
// before and after the epoch.
TEST(FormatTimestamp, AgreesWithAbslFormatTime) {
  std::mt19937_64 random(42);
  std::uniform_int_distribution<int64_t> micros(-5000000000000000, 250000000000000000);
  for (int i = 0; i < 20000; ++i) {
    int64_t t = micros(random);
    if (i % 3 == 0) t -= t % 1000000;  // whole seconds
    if (i % 3 == 1) t -= t % 1000;     // whole milliseconds
    std::string expected =
        absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixMicros(t), absl::UTCTimeZone());
    int64_t fraction = ((t % 1000000) + 1000000) % 1000000;
    if (fraction == 0) {
      expected += "Z";
    } else if (fraction % 1000 == 0) {
      expected += absl::StrFormat(".%03dZ", fraction / 1000);
    } else {
      expected += absl::StrFormat(".%06dZ", fraction);
    }
    ASSERT_EQ(FormatTimestamp(t), expected) << t;
  }
}

}  // namespace
}  // namespace lineaged::api
