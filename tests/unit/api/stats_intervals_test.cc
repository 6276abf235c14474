#include "api/stats_intervals.h"

#include "gtest/gtest.h"

namespace lineaged::api {
namespace {

absl::Time At(const char* rfc3339) {
  absl::Time t;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &error)) << error;
  return t;
}

int64_t Micros(const char* rfc3339) { return absl::ToUnixMicros(At(rfc3339)); }

TEST(StatsIntervals, DayIsTwentyFourHoursEndingWithTheCurrentHour) {
  absl::StatusOr<std::vector<int64_t>> b =
      LineageEventStatsBoundaries("DAY", std::nullopt, At("2024-05-01T10:37:12Z"));
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->size(), 25u);
  EXPECT_EQ(b->front(), Micros("2024-04-30T11:00:00Z"));
  EXPECT_EQ((*b)[23], Micros("2024-05-01T10:00:00Z"));
  EXPECT_EQ(b->back(), Micros("2024-05-01T11:00:00Z"));
  for (size_t i = 1; i < b->size(); ++i) EXPECT_EQ((*b)[i] - (*b)[i - 1], 3600000000LL);
  EXPECT_TRUE(LineageEventStatsBoundaries("day", std::nullopt, At("2024-05-01T10:37:12Z")).ok());
}

TEST(StatsIntervals, WeekIsSevenDaysInTheTimeZone) {
  // 02:00 UTC on May 1st is still April 30th in New York (UTC-4 in May).
  absl::StatusOr<std::vector<int64_t>> b = LineageEventStatsBoundaries(
      "WEEK", std::string("America/New_York"), At("2024-05-01T02:00:00Z"));
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(b->size(), 8u);
  EXPECT_EQ(b->front(), Micros("2024-04-24T04:00:00Z"));
  EXPECT_EQ(b->back(), Micros("2024-05-01T04:00:00Z"));
}

TEST(StatsIntervals, Errors) {
  absl::Time now = At("2024-05-01T10:00:00Z");
  absl::StatusOr<std::vector<int64_t>> b = LineageEventStatsBoundaries("WEEK", std::nullopt, now);
  EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(b.status().message(), "Timezone must be specified for period 'WEEK'");

  b = LineageEventStatsBoundaries("MONTH", std::nullopt, now);
  EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(b.status().message(), "Invalid period");

  b = LineageEventStatsBoundaries("", std::nullopt, now);
  EXPECT_EQ(b.status().message(), "Invalid period");

  b = LineageEventStatsBoundaries("WEEK", std::string("Mars/Olympus_Mons"), now);
  EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lineaged::api
