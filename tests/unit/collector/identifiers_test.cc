#include "collector/internal/identifiers.h"

#include "gtest/gtest.h"

namespace lineaged::collector::internal {
namespace {

TEST(ParseIsoTime, AcceptsTheFormsRealProducersSend) {
  auto z = ParseIsoTime("2020-12-28T09:52:00.001Z");
  ASSERT_TRUE(z);
  EXPECT_EQ(z->micros, 1609149120001000);
  EXPECT_TRUE(z->had_zone);

  auto offset = ParseIsoTime("2020-12-28T19:52:00.001+10:00");
  ASSERT_TRUE(offset);
  EXPECT_EQ(offset->micros, 1609149120001000);

  auto airflow = ParseIsoTime("2024-11-26T13:05:34.626595+00:00");
  ASSERT_TRUE(airflow);
  EXPECT_EQ(airflow->micros % 1000000, 626595);

  auto nanos = ParseIsoTime("2020-12-28T09:52:00.001000999Z");
  ASSERT_TRUE(nanos);
  EXPECT_EQ(nanos->micros, 1609149120001000);

  auto no_zone = ParseIsoTime("2020-12-28T09:52:00.001");
  ASSERT_TRUE(no_zone);
  EXPECT_FALSE(no_zone->had_zone);
  EXPECT_EQ(no_zone->micros, 1609149120001000);  // UTC assumed

  auto compact_offset = ParseIsoTime("2020-12-28T04:52:00.001-0500");
  ASSERT_TRUE(compact_offset);
  EXPECT_EQ(compact_offset->micros, 1609149120001000);
}

TEST(ParseIsoTime, RejectsWhatIsNotADateTime) {
  for (const char* bad : {"2021-11-03", "yesterday", "", "2021-13-01T00:00:00Z",
                          "2021-02-30T00:00:00Z", "2021-11-03T25:00:00Z", "2021-11-03T10:00:00Q",
                          "2021-11-03T10:00:00.Z", "2021-11-03T10:00:00Z trailing"}) {
    EXPECT_FALSE(ParseIsoTime(bad)) << bad;
  }
}

TEST(ParseUuid, ParsesCanonicalFormAnyCase) {
  auto id = ParseUuid("0191D3D6-3b5f-7b7e-9c1a-6a0b1c2d3e4f");
  ASSERT_TRUE(id);
  EXPECT_EQ(graphstore::FormatUuid(*id), "0191d3d6-3b5f-7b7e-9c1a-6a0b1c2d3e4f");
  EXPECT_FALSE(ParseUuid("run_id"));
  EXPECT_FALSE(ParseUuid("0191d3d6x3b5f-7b7e-9c1a-6a0b1c2d3e4f"));
  EXPECT_FALSE(ParseUuid("0191d3d6-3b5f-7b7e-9c1a-6a0b1c2d3e4g"));
}

TEST(NameUuidFromBytes, MatchesJavaUuidNameUuidFromBytes) {
  // Java: UUID.nameUUIDFromBytes("run_id".getBytes(UTF_8)), which Marquez uses
  // for non-UUID runIds (value computed independently with Python's hashlib).
  EXPECT_EQ(graphstore::FormatUuid(NameUuidFromBytes("run_id")),
            "0acf093b-3c88-3560-8dc6-22a33921d360");
}

TEST(ContentHash, IsDeterministicAndContentSensitive) {
  EXPECT_EQ(ContentHash("abc"), ContentHash("abc"));
  EXPECT_NE(ContentHash("abc"), ContentHash("abd"));
}

}  // namespace
}  // namespace lineaged::collector::internal
