#pragma once

// JSON rendering helpers shared by the API's handlers.

#include <cstdint>
#include <optional>
#include <string>

#include "nlohmann/json.hpp"

namespace lineaged::api {

// ISO-8601 UTC like Java's Instant.toString(): "2024-11-26T13:05:34.626595Z",
// fraction digits in groups of three, none for whole seconds.
std::string FormatTimestamp(int64_t micros_since_epoch);

// FormatTimestamp, or JSON null.
nlohmann::ordered_json TimestampOrNull(const std::optional<int64_t>& micros);

// Compact JSON text. Never throws: invalid UTF-8 in a string (which only a
// percent-decoded path segment can carry) becomes U+FFFD.
std::string DumpJson(const nlohmann::ordered_json& json);

}  // namespace lineaged::api
