#pragma once

// Read-only queries over the emulator's EntityStore: classic lineage
// (atlas-contract.md §3, EntityLineageService.getLineageInfoV2) and basic
// search (§4, the subset checklist point 53 asks for).

#include <string>

#include "absl/status/statusor.h"

#include "tests/atlas_emulator/internal/entity_store.h"
#include "tests/atlas_emulator/internal/json_util.h"
#include "tests/atlas_emulator/internal/type_registry.h"

namespace lineaged::testing::internal {

// The most relations one lineage answer holds (min(9000, atlas.lineage.max.node.count)).
inline constexpr size_t kMaxLineageRelations = 9000;

// AtlasLineageInfo of `guid`. `direction` is INPUT, OUTPUT or BOTH; `depth`
// counts DataSet->Process->DataSet hops, 0 meaning unlimited. Errors: 404
// ATLAS-404-00-005 (unknown guid), 404 ATLAS-404-00-011 (neither DataSet nor
// Process).
absl::StatusOr<Json> Lineage(const EntityStore& store, const TypeRegistry& registry,
                             const std::string& guid, const std::string& direction, int depth);

// POST /v2/search/basic with SearchParameters `params` (GET builds the same
// object from its query string). Errors: 400 ATLAS-400-00-029 (negative
// limit/offset, entityFilters without typeName), ATLAS-400-00-047 (nothing to
// search by), ATLAS-400-00-00A (unknown typeName).
absl::StatusOr<Json> BasicSearch(const EntityStore& store, const TypeRegistry& registry,
                                 const Json& params);

}  // namespace lineaged::testing::internal
