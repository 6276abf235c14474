#pragma once

// Extracts from a validated OpenLineage event what the store models beyond
// names: facets (as minified JSON), schema fields, documentation, data
// source, lifecycle state, symlinks, column lineage, job type and location,
// nominal times and the parent run.

#include <string>

#include "simdjson.h"

#include "graphstore/types.h"

namespace lineaged::collector::internal {

// Fills event's mentions from `root`, which the validator has accepted.
// Returns "" or, for a dataset namespace Marquez refuses, the 400 message.
// Job namespaces are sanitised instead, as Marquez does.
std::string ExtractModel(simdjson::dom::object root, graphstore::Event* event);

// Marquez's namespace rule: [a-zA-Z0-9:;=/_\-.@+], 1..1024 characters.
bool IsValidNamespace(std::string_view name);

// Replaces every character outside Marquez's ingest set with '_'.
std::string SanitizeNamespace(std::string_view name);

}  // namespace lineaged::collector::internal
