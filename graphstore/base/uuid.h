#pragma once

// UUID text forms and name-based UUIDs, shared by the collector (run ids), the
// store (version ids) and the API (path parameters).

#include <optional>
#include <string_view>

#include "graphstore/types.h"

namespace lineaged::graphstore {

// Parses the canonical 8-4-4-4-12 hex form, any case.
std::optional<Uuid> ParseUuid(std::string_view text);

// Java's UUID.nameUUIDFromBytes (MD5, version 3): what Marquez does with a
// runId that is not a UUID, so both servers give such runs the same id. The
// store derives its deterministic version ids the same way.
Uuid NameUuidFromBytes(std::string_view bytes);

}  // namespace lineaged::graphstore
