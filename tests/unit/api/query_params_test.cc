#include "api/query_params.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "api/http_types.h"

namespace lineaged::api {
namespace {

using graphstore::RunState;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Request WithQuery(std::string_view query) {
  Request request;
  request.method = "GET";
  request.query = ParseQuery(query);
  return request;
}

TEST(Pagination, DefaultsAndValues) {
  absl::StatusOr<Pagination> page = ParsePagination(WithQuery(""), kDefaultLimit);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->limit, 100u);
  EXPECT_EQ(page->offset, 0u);

  page = ParsePagination(WithQuery(""), kDefaultSearchLimit);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->limit, 10u);

  page = ParsePagination(WithQuery("limit=0&offset=25"), kDefaultLimit);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->limit, 0u) << "limit 0 is allowed (an empty page with the true total)";
  EXPECT_EQ(page->offset, 25u);
}

TEST(Pagination, RejectsNegativeAndNonNumericNamingTheParameter) {
  absl::StatusOr<Pagination> page = ParsePagination(WithQuery("limit=-1"), kDefaultLimit);
  ASSERT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(page.status().message(), "query param limit must be greater than or equal to 0");

  page = ParsePagination(WithQuery("offset=-5"), kDefaultLimit);
  ASSERT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(page.status().message()), HasSubstr("offset"));

  for (const char* bad : {"limit=abc", "limit=", "limit=1.5", "limit=10x", "limit=99999999999"}) {
    page = ParsePagination(WithQuery(bad), kDefaultLimit);
    ASSERT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(page.status().message(), "query param limit must be an integer") << bad;
  }
}

TEST(NonNegativeInt, DepthParsing) {
  EXPECT_EQ(*ParseNonNegativeInt(WithQuery(""), "depth", 20), 20);
  EXPECT_EQ(*ParseNonNegativeInt(WithQuery("depth=0"), "depth", 20), 0);
  EXPECT_EQ(*ParseNonNegativeInt(WithQuery("depth=3"), "depth", 20), 3);
  EXPECT_FALSE(ParseNonNegativeInt(WithQuery("depth=-1"), "depth", 20).ok());
  EXPECT_FALSE(ParseNonNegativeInt(WithQuery("depth=two"), "depth", 20).ok());
}

TEST(Bool, TrueFalseAnyCase) {
  EXPECT_FALSE(*ParseBool(WithQuery(""), "withDownstream", false));
  EXPECT_TRUE(*ParseBool(WithQuery("withDownstream=TRUE"), "withDownstream", false));
  EXPECT_FALSE(*ParseBool(WithQuery("withDownstream=false"), "withDownstream", true));
  absl::StatusOr<bool> bad = ParseBool(WithQuery("withDownstream=yes"), "withDownstream", false);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("withDownstream"));
}

TEST(LastRunStates, RepeatedAndCommaSeparated) {
  absl::StatusOr<RunStateFilter> filter = ParseLastRunStates(
      WithQuery("lastRunStates=COMPLETED&lastRunStates=failed,RUNNING&lastRunStates=COMPLETED"));
  ASSERT_TRUE(filter.ok());
  EXPECT_THAT(filter->states,
              ElementsAre(RunState::kCompleted, RunState::kFailed, RunState::kRunning));
  EXPECT_FALSE(filter->matches_nothing);

  filter = ParseLastRunStates(WithQuery(""));
  ASSERT_TRUE(filter.ok());
  EXPECT_THAT(filter->states, IsEmpty());
  EXPECT_FALSE(filter->matches_nothing) << "no parameter: no filter";

  filter = ParseLastRunStates(WithQuery("lastRunStates=NEW,ABORTED"));
  ASSERT_TRUE(filter.ok());
  EXPECT_THAT(filter->states, ElementsAre(RunState::kNew, RunState::kAborted));
}

TEST(LastRunStates, OtherAloneMatchesNothingAndUnknownIsAnError) {
  absl::StatusOr<RunStateFilter> filter = ParseLastRunStates(WithQuery("lastRunStates=OTHER"));
  ASSERT_TRUE(filter.ok());
  EXPECT_TRUE(filter->matches_nothing);

  filter = ParseLastRunStates(WithQuery("lastRunStates=OTHER,FAILED"));
  ASSERT_TRUE(filter.ok());
  EXPECT_FALSE(filter->matches_nothing);
  EXPECT_THAT(filter->states, ElementsAre(RunState::kFailed));

  filter = ParseLastRunStates(WithQuery("lastRunStates=DONE"));
  EXPECT_EQ(filter.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(filter.status().message()), HasSubstr("DONE"));
}

TEST(DateParam, OnlyYyyyMmDd) {
  absl::StatusOr<std::optional<int64_t>> date = ParseDateParam(WithQuery(""), "before");
  ASSERT_TRUE(date.ok());
  EXPECT_FALSE(date->has_value());

  date = ParseDateParam(WithQuery("before=2024-05-01"), "before");
  ASSERT_TRUE(date.ok());
  EXPECT_EQ(**date, 1714521600000000);  // 2024-05-01T00:00:00Z

  for (const char* bad : {"before=2024-5-01", "before=2024-05-01T00:00:00Z", "before=yesterday",
                          "before=2024-13-01", "before="}) {
    date = ParseDateParam(WithQuery(bad), "before");
    ASSERT_EQ(date.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(date.status().message(), "query param before must be a date YYYY-MM-DD");
  }
}

TEST(TimestampParam, ZonedIso8601) {
  EXPECT_EQ(*ParseTimestampParam(WithQuery(""), "after", 7), 7);
  EXPECT_EQ(*ParseTimestampParam(WithQuery("after=2024-05-01T10:00:00Z"), "after", 0),
            1714557600000000);
  EXPECT_EQ(*ParseTimestampParam(WithQuery("after=2024-05-01T12:00:00.5%2B02:00"), "after", 0),
            1714557600500000);
  absl::StatusOr<int64_t> bad = ParseTimestampParam(WithQuery("after=2024-05-01"), "after", 0);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("after"));
}

TEST(ListParam, SplitsAndDropsBlanks) {
  EXPECT_THAT(ListParam(WithQuery("a=x&a=y,%20z,&b=q"), "a"), ElementsAre("x", "y", "z"));
  EXPECT_THAT(ListParam(WithQuery("b=q"), "a"), IsEmpty());
}

}  // namespace
}  // namespace lineaged::api
