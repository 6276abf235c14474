#pragma once

// The lineaged types in Apache Atlas and the mapping of one OpenLineage event
// to one POST /api/atlas/v2/entity/bulk request (docs/atlas.md):
//   dataset  -> openlineage_dataset : DataSet          qualifiedName <namespace>/<name>
//   job      -> openlineage_job     : Process          qualifiedName <namespace>/<name>
//   run      -> openlineage_run     : ProcessExecution qualifiedName <jobQN>:<runId>
// The job carries the accumulated inputs/outputs known to the graph store, so
// Atlas's replace-the-set semantics never drop an edge and never keep a stale
// one.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

#include "graphstore/types.h"

namespace lineaged::exporters {

// The typedefs lineaged registers ({"entityDefs":[...],"relationshipDefs":[...]}).
std::string LineagedTypedefsJson();

// qualifiedName conventions (frozen: Atlas keys entities by them).
std::string DatasetQualifiedName(std::string_view ns, std::string_view name);
std::string JobQualifiedName(std::string_view ns, std::string_view name);
std::string RunQualifiedName(std::string_view job_qualified_name, std::string_view run_id);

// Builds the bulk request for one stored event. `job_inputs`/`job_outputs`
// are the job's current inputs and outputs in the graph store (ignored for a
// DatasetEvent). InvalidArgument if the event JSON is unreadable.
absl::StatusOr<std::string> BuildBulkRequest(
    std::string_view event_json, const std::vector<graphstore::QualifiedName>& job_inputs,
    const std::vector<graphstore::QualifiedName>& job_outputs);

// The job of a RunEvent or JobEvent; nullopt for a DatasetEvent.
absl::StatusOr<std::optional<graphstore::QualifiedName>> EventJob(std::string_view event_json);

}  // namespace lineaged::exporters
