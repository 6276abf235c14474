#pragma once

// UUIDs in path and query parameters (run ids, version ids). Formatting is
// graphstore::FormatUuid; this is its inverse.

#include <optional>
#include <string_view>

#include "graphstore/types.h"

namespace lineaged::api {

// Parses the canonical 8-4-4-4-12 hex form, either case; nullopt otherwise.
std::optional<graphstore::Uuid> ParseUuid(std::string_view text);

}  // namespace lineaged::api
