#include "api/query_params.h"

#include <charconv>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

#include "graphstore/base/strings.h"

namespace lineaged::api {
namespace {

absl::Status NotAnInteger(std::string_view name) {
  return absl::InvalidArgumentError(
      absl::StrCat("query param ", AsAbsl(name), " must be an integer"));
}

absl::Status Negative(std::string_view name) {
  return absl::InvalidArgumentError(
      absl::StrCat("query param ", AsAbsl(name), " must be greater than or equal to 0"));
}

// A non-negative integer no larger than `max`.
absl::StatusOr<int64_t> ParseCount(const std::string& text, std::string_view name, int64_t max) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value > max) return NotAnInteger(name);
  if (value < 0) return Negative(name);
  return value;
}

}  // namespace

absl::StatusOr<Pagination> ParsePagination(const Request& request, size_t default_limit) {
  Pagination page;
  page.limit = default_limit;
  // Marquez takes both as Java ints.
  constexpr int64_t kMax = INT32_MAX;
  if (std::optional<std::string> text = request.Query("limit")) {
    absl::StatusOr<int64_t> limit = ParseCount(*text, "limit", kMax);
    if (!limit.ok()) return limit.status();
    page.limit = static_cast<size_t>(*limit);
  }
  if (std::optional<std::string> text = request.Query("offset")) {
    absl::StatusOr<int64_t> offset = ParseCount(*text, "offset", kMax);
    if (!offset.ok()) return offset.status();
    page.offset = static_cast<size_t>(*offset);
  }
  return page;
}

absl::StatusOr<int> ParseNonNegativeInt(const Request& request, std::string_view name,
                                        int default_value) {
  std::optional<std::string> text = request.Query(name);
  if (!text) return default_value;
  absl::StatusOr<int64_t> value = ParseCount(*text, name, INT32_MAX);
  if (!value.ok()) return value.status();
  return static_cast<int>(*value);
}

absl::StatusOr<bool> ParseBool(const Request& request, std::string_view name, bool default_value) {
  std::optional<std::string> text = request.Query(name);
  if (!text) return default_value;
  std::string lower = absl::AsciiStrToLower(*text);
  if (lower == "true") return true;
  if (lower == "false") return false;
  return absl::InvalidArgumentError(
      absl::StrCat("query param ", AsAbsl(name), " must be true or false"));
}

std::vector<std::string> ListParam(const Request& request, std::string_view name) {
  std::vector<std::string> values;
  auto [begin, end] = request.query.equal_range(std::string(name));
  for (auto it = begin; it != end; ++it) {
    for (absl::string_view part : absl::StrSplit(it->second, ',')) {
      part = absl::StripAsciiWhitespace(part);
      if (!part.empty()) values.emplace_back(part);
    }
  }
  return values;
}

absl::StatusOr<RunStateFilter> ParseLastRunStates(const Request& request) {
  using graphstore::RunState;
  RunStateFilter filter;
  bool other = false;
  for (const std::string& value : ListParam(request, "lastRunStates")) {
    std::string upper = absl::AsciiStrToUpper(value);
    std::optional<RunState> state;
    if (upper == "NEW") state = RunState::kNew;
    if (upper == "RUNNING") state = RunState::kRunning;
    if (upper == "COMPLETED") state = RunState::kCompleted;
    if (upper == "ABORTED") state = RunState::kAborted;
    if (upper == "FAILED") state = RunState::kFailed;
    if (upper == "OTHER") {
      other = true;
      continue;
    }
    if (!state) {
      return absl::InvalidArgumentError(absl::StrCat(
          "query param lastRunStates must be NEW, RUNNING, COMPLETED, ABORTED, FAILED or OTHER "
          "(got '",
          value, "')"));
    }
    bool seen = false;
    for (RunState s : filter.states) seen = seen || s == *state;
    if (!seen) filter.states.push_back(*state);
  }
  filter.matches_nothing = other && filter.states.empty();
  return filter;
}

absl::StatusOr<std::optional<int64_t>> ParseDateParam(const Request& request,
                                                      std::string_view name) {
  std::optional<std::string> text = request.Query(name);
  if (!text) return std::optional<int64_t>();
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("query param ", AsAbsl(name), " must be a date YYYY-MM-DD"));
  };
  // absl::ParseTime alone would accept "2024-1-5"; Marquez's pattern is strict.
  if (text->size() != 10 || (*text)[4] != '-' || (*text)[7] != '-') return bad();
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>((*text)[i]))) return bad();
  }
  absl::Time time;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%d", *text, absl::UTCTimeZone(), &time, &error)) return bad();
  return std::optional<int64_t>(absl::ToUnixMicros(time));
}

absl::StatusOr<int64_t> ParseTimestampParam(const Request& request, std::string_view name,
                                            int64_t default_micros) {
  std::optional<std::string> text = request.Query(name);
  if (!text) return default_micros;
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, *text, &time, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("query param ", AsAbsl(name),
                     " must be an ISO-8601 date-time with a zone, e.g. 2024-01-01T00:00:00Z"));
  }
  return absl::ToUnixMicros(time);
}

}  // namespace lineaged::api
