#include "api/json_format.h"

#include "gtest/gtest.h"

namespace lineaged::api {
namespace {

TEST(FormatTimestamp, PrintsLikeJavaInstant) {
  EXPECT_EQ(FormatTimestamp(1609149120000000), "2020-12-28T09:52:00Z");
  EXPECT_EQ(FormatTimestamp(1609149120001000), "2020-12-28T09:52:00.001Z");
  EXPECT_EQ(FormatTimestamp(1609149120001500), "2020-12-28T09:52:00.001500Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999999Z");
}

}  // namespace
}  // namespace lineaged::api
