#pragma once

// Timestamps as Marquez (Java's Instant) prints them: ISO-8601 UTC with 'Z',
// with milli- or microsecond digits only when they are not zero.

#include <cstddef>
#include <cstdint>
#include <string>

namespace lineaged::graphstore {

// Room for the longest text FormatIsoTimestamp writes (a year of up to 12
// characters, signed, and microseconds), with a terminating NUL.
inline constexpr size_t kIsoTimestampBufferSize = 40;

// Writes the timestamp into `out` (kIsoTimestampBufferSize bytes) and returns
// its length; no allocation, for the API's JSON writer.
size_t FormatIsoTimestamp(int64_t micros_since_epoch, char* out);

std::string FormatIsoTimestamp(int64_t micros_since_epoch);

}  // namespace lineaged::graphstore
