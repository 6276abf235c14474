#pragma once

// Extracts from a validated OpenLineage event what the store models beyond
// names: facets (as minified JSON), schema fields, documentation, data
// source, lifecycle state, symlinks, column lineage, job type and location,
// nominal times and the parent run.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simdjson.h"

#include "graphstore/types.h"

namespace lineaged::collector::internal {

// The text of every member of the facets objects ExtractModel reads, cut from
// the minified event rather than re-serialised from the DOM: a facet's text is
// then a copy, not a walk of its tree (docs/performance.md, tenth session).
// Each list holds one entry per member in document order: its JSON text, or
// empty when the member is not an object. A list is absent when its facets
// object is.
struct FacetTexts {
  using Members = std::vector<std::string_view>;
  struct Dataset {
    std::optional<Members> facets;
    std::optional<Members> io_facets;  // inputFacets or outputFacets
  };
  std::optional<Members> run;
  std::optional<Members> job;
  std::optional<Dataset> dataset;  // a DatasetEvent's
  std::vector<Dataset> inputs;
  std::vector<Dataset> outputs;
};

// Finds the facets' texts in `minified`, a minified event whose buffer holds
// `capacity` bytes (at least size + simdjson::SIMDJSON_PADDING). Reads the
// same members as ExtractModel: the first of each key, as the DOM's at_key
// does. The views point into `minified`. nullopt if the text does not parse.
std::optional<FacetTexts> FindFacetTexts(simdjson::ondemand::parser& parser,
                                         std::string_view minified, size_t capacity);

// Fills event's mentions from `root`, which the validator has accepted.
// Returns "" or, for a dataset namespace Marquez refuses, the 400 message.
// Job namespaces are sanitised instead, as Marquez does. Facet texts come
// from `texts` where it has them (it must describe the same document) and
// are re-serialised from `root` otherwise.
std::string ExtractModel(simdjson::dom::object root, const FacetTexts* texts,
                         graphstore::Event* event);

// Marquez's namespace rule: [a-zA-Z0-9:;=/_\-.@+], 1..1024 characters.
bool IsValidNamespace(std::string_view name);

// Replaces every character outside Marquez's ingest set with '_'.
std::string SanitizeNamespace(std::string_view name);

}  // namespace lineaged::collector::internal
