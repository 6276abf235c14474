#pragma once

// Parsing of the REST API's query parameters. Every error is InvalidArgument
// with a message naming the parameter ("query param limit must be greater
// than or equal to 0"), so handlers can answer 400 through StatusResponse.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

#include "api/http_types.h"
#include "graphstore/types.h"

namespace lineaged::api {

inline constexpr size_t kDefaultLimit = 100;  // Marquez's default page size
inline constexpr size_t kDefaultSearchLimit = 10;

struct Pagination {
  size_t limit = kDefaultLimit;
  size_t offset = 0;
};

// `limit` (default `default_limit`) and `offset` (default 0); each must be a
// non-negative integer.
absl::StatusOr<Pagination> ParsePagination(const Request& request, size_t default_limit);

// A non-negative integer parameter, `default_value` when absent.
absl::StatusOr<int> ParseNonNegativeInt(const Request& request, std::string_view name,
                                        int default_value);

// "true"/"false" in any case, `default_value` when absent.
absl::StatusOr<bool> ParseBool(const Request& request, std::string_view name, bool default_value);

// Every value of a repeatable parameter, each also split on commas, blanks
// dropped: "a=x&a=y,z" gives {x, y, z}.
std::vector<std::string> ListParam(const Request& request, std::string_view name);

// lastRunStates: NEW, RUNNING, COMPLETED, ABORTED, FAILED, OTHER (any case),
// repeatable and/or comma-separated. Empty states and !matches_nothing means
// no filter. The store has no OTHER state (Marquez never gives a run one on
// ingest), so a filter of OTHER alone matches nothing.
struct RunStateFilter {
  std::vector<graphstore::RunState> states;
  bool matches_nothing = false;
};
absl::StatusOr<RunStateFilter> ParseLastRunStates(const Request& request);

// A calendar date "YYYY-MM-DD" as UTC microseconds at its midnight; nullopt
// when the parameter is absent.
absl::StatusOr<std::optional<int64_t>> ParseDateParam(const Request& request,
                                                      std::string_view name);

// An ISO-8601 date-time with a zone ("2024-01-01T00:00:00Z", "…+02:00",
// fractions allowed) as UTC microseconds; `default_micros` when absent.
absl::StatusOr<int64_t> ParseTimestampParam(const Request& request, std::string_view name,
                                            int64_t default_micros);

}  // namespace lineaged::api
