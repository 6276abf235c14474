#pragma once

// The buckets of GET /api/v1/stats/lineage-events, as Marquez's StatsDao
// draws them: period DAY is the 24 hours ending with the current (UTC) hour,
// one bucket per hour; WEEK is the 7 calendar days ending today in the given
// IANA time zone, one bucket per day.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lineaged::api {

// The bucket boundaries in UTC microseconds, ascending: 25 for DAY, 8 for
// WEEK (bucket i is [b[i], b[i+1])). `period` is DAY or WEEK in any case.
// InvalidArgument "Invalid period", "Timezone must be specified for period
// 'WEEK'", or naming an unknown time zone.
absl::StatusOr<std::vector<int64_t>> LineageEventStatsBoundaries(
    std::string_view period, const std::optional<std::string>& timezone, absl::Time now);

}  // namespace lineaged::api
