#include "api/uuid.h"

#include "gtest/gtest.h"

namespace lineaged::api {
namespace {

TEST(Uuid, RoundTripsWithFormatUuid) {
  std::optional<graphstore::Uuid> uuid = ParseUuid("0193689c-9a6e-7b6d-8d4c-1d2f3a4b5c6d");
  ASSERT_TRUE(uuid.has_value());
  EXPECT_EQ((*uuid)[0], 0x01);
  EXPECT_EQ((*uuid)[15], 0x6d);
  EXPECT_EQ(graphstore::FormatUuid(*uuid), "0193689c-9a6e-7b6d-8d4c-1d2f3a4b5c6d");
}

TEST(Uuid, AcceptsUpperCase) {
  std::optional<graphstore::Uuid> uuid = ParseUuid("0193689C-9A6E-7B6D-8D4C-1D2F3A4B5C6D");
  ASSERT_TRUE(uuid.has_value());
  EXPECT_EQ(graphstore::FormatUuid(*uuid), "0193689c-9a6e-7b6d-8d4c-1d2f3a4b5c6d");
}

TEST(Uuid, RejectsAnythingElse) {
  for (const char* bad :
       {"", "not-a-uuid", "0193689c9a6e7b6d8d4c1d2f3a4b5c6d", "0193689c-9a6e-7b6d-8d4c-1d2f3a4b5c6",
        "0193689c-9a6e-7b6d-8d4c-1d2f3a4b5c6dd", "0193689g-9a6e-7b6d-8d4c-1d2f3a4b5c6d",
        "0193689c_9a6e-7b6d-8d4c-1d2f3a4b5c6d", "0193689-c9a6e-7b6d-8d4c-1d2f3a4b5c6d"}) {
    EXPECT_FALSE(ParseUuid(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace lineaged::api
