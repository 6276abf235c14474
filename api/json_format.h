#pragma once

// JSON rendering helpers shared by the API's handlers.

#include <cstdint>
#include <optional>
#include <string>

#include "nlohmann/json.hpp"

namespace lineaged::api {

// nlohmann/json with members in insertion order: request bodies, small answers.
using Json = nlohmann::ordered_json;

// ISO-8601 UTC like Java's Instant.toString(): "2024-11-26T13:05:34.626595Z",
// fraction digits in groups of three, none for whole seconds.
std::string FormatTimestamp(int64_t micros_since_epoch);

// Compact JSON text of a small document (errors, request echoes; model answers
// use JsonWriter). Never throws: invalid UTF-8 in a string becomes U+FFFD.
std::string DumpJson(const nlohmann::ordered_json& json);

}  // namespace lineaged::api
