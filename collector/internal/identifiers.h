#pragma once

// Text formats the collector accepts: ISO-8601 timestamps and UUIDs.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "graphstore/base/uuid.h"
#include "graphstore/types.h"

namespace lineaged::collector::internal {

struct ParsedTime {
  int64_t micros = 0;     // UTC
  bool had_zone = false;  // false: no offset given, UTC assumed
};

// Accepts "YYYY-MM-DDTHH:MM[:SS[.fraction]][Z|+HH:MM|+HHMM|+HH]" (a space may
// replace 'T'). A date alone, or anything else, is nullopt.
std::optional<ParsedTime> ParseIsoTime(std::string_view text);

// UUID parsing and Java's nameUUIDFromBytes live with the store's types.
using graphstore::NameUuidFromBytes;
using graphstore::ParseUuid;

// First 16 bytes of SHA-256.
std::array<uint8_t, 16> ContentHash(std::string_view bytes);

}  // namespace lineaged::collector::internal
