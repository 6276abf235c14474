#pragma once

// Timestamps as Marquez (Java's Instant) prints them: ISO-8601 UTC with 'Z',
// with milli- or microsecond digits only when they are not zero.

#include <cstdint>
#include <string>

namespace lineaged::graphstore {

std::string FormatIsoTimestamp(int64_t micros_since_epoch);

}  // namespace lineaged::graphstore
