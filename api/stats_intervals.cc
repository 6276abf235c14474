#include "api/stats_intervals.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"

namespace lineaged::api {

absl::StatusOr<std::vector<int64_t>> LineageEventStatsBoundaries(
    std::string_view period, const std::optional<std::string>& timezone, absl::Time now) {
  std::string upper = absl::AsciiStrToUpper(absl::string_view(period.data(), period.size()));
  std::vector<int64_t> boundaries;
  if (upper == "DAY") {
    absl::CivilHour hour = absl::ToCivilHour(now, absl::UTCTimeZone());
    for (int i = -23; i <= 1; ++i) {
      boundaries.push_back(absl::ToUnixMicros(absl::FromCivil(hour + i, absl::UTCTimeZone())));
    }
    return boundaries;
  }
  if (upper != "WEEK") return absl::InvalidArgumentError("Invalid period");
  if (!timezone || timezone->empty()) {
    return absl::InvalidArgumentError("Timezone must be specified for period 'WEEK'");
  }
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(*timezone, &zone)) {
    return absl::InvalidArgumentError(absl::StrCat("Invalid timezone '", *timezone, "'"));
  }
  absl::CivilDay today = absl::ToCivilDay(now, zone);
  for (int i = -6; i <= 1; ++i) {
    boundaries.push_back(absl::ToUnixMicros(absl::FromCivil(today + i, zone)));
  }
  return boundaries;
}

}  // namespace lineaged::api
