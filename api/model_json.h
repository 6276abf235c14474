#pragma once

// Marquez's JSON for the store's read model: one function per entity, keys in
// Marquez's order, explicit nulls, timestamps as FormatTimestamp, facets as
// {name: facet object}, tags as arrays of strings. Pure functions of the
// structs in graphstore/types.h.
//
//   absl::StatusOr<graphstore::DatasetInfo> dataset = store.GetDataset(name);
//   std::string body = DumpJson(DatasetJson(*dataset));

#include <optional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

#include "graphstore/types.h"

namespace lineaged::api {

using Json = nlohmann::ordered_json;

// The UUID's text, or null.
Json UuidOrNull(const std::optional<graphstore::Uuid>& uuid);
// The string, or null.
Json StringOrNull(const std::optional<std::string>& text);

// {"namespace": ..., "name": ...}
Json QualifiedNameJson(const graphstore::QualifiedName& name);

// {name: parsed facet JSON}; deleted facets are left out. A facet whose text
// is not JSON (the store keeps only parsed objects, so never expected) is
// rendered as a JSON string rather than dropped.
Json FacetsJson(const std::vector<graphstore::Facet>& facets);

// {name, createdAt, updatedAt, ownerName, description, isHidden}
Json NamespaceJson(const graphstore::NamespaceInfo& ns);
// {type, name, createdAt, updatedAt, connectionUrl, description}
Json SourceJson(const graphstore::SourceInfo& source);
// {name, description}
Json TagJson(const graphstore::TagInfo& tag);
// {name, type, tags, description}
Json FieldJson(const graphstore::FieldInfo& field);

// Marquez's Run: id, createdAt, updatedAt, nominalStartTime, nominalEndTime,
// state, startedAt, endedAt, durationMs, args, jobVersion,
// inputDatasetVersions, outputDatasetVersions, facets.
Json RunJson(const graphstore::RunInfo& run);

// Marquez's Dataset (GET …/datasets/{ds}): id, type, name, physicalName,
// createdAt, updatedAt, namespace, sourceName, fields, tags, lastModifiedAt,
// lastLifecycleState, description, currentVersion, columnLineage (null when
// the dataset has none, as Marquez), facets, deleted.
Json DatasetJson(const graphstore::DatasetInfo& dataset);

// Marquez's DatasetVersion: id{namespace,name,version}, type, name,
// physicalName, createdAt, version, namespace, sourceName, fields, tags,
// lifecycleState, description, currentSchemaVersion, createdByRun, facets.
Json DatasetVersionJson(const graphstore::DatasetVersionInfo& version);

// Marquez's Job: id, type, name, simpleName, parentJobName, parentJobUuid,
// createdAt, updatedAt, namespace, inputs, outputs, location, description,
// latestRun, latestRuns, facets, currentVersion, labels, tags.
Json JobJson(const graphstore::JobInfo& job);

// Marquez's JobVersion: id{namespace,name,version}, name, createdAt, version,
// namespace, location, inputs, outputs, latestRun.
Json JobVersionJson(const graphstore::JobVersionInfo& version);

// The `data` of a lineage graph's DATASET node (Marquez's DatasetData): id,
// type, name, physicalName, createdAt, updatedAt, namespace, sourceName,
// fields, tags, lastModifiedAt, description, lastLifecycleState.
Json LineageDatasetDataJson(const graphstore::DatasetInfo& dataset);

// The `data` of a lineage graph's JOB node (Marquez's JobData): id, type,
// name, simpleName, parentJobName, parentJobUuid, currentRunUuid, createdAt,
// updatedAt, namespace, inputs, outputs, location, description, latestRun.
Json LineageJobDataJson(const graphstore::JobInfo& job);

// {"graph": [nodes sorted by id]} for GET /api/v1/lineage; edges are
// {origin, destination} sorted by (origin, destination).
Json LineageGraphJson(const graphstore::LineageGraph& graph);

// {type, name, updatedAt, namespace, nodeId}
Json SearchHitJson(const graphstore::SearchHit& hit);

// {"graph": [...]} for GET /api/v1/column-lineage, nodes sorted by id. Edges
// as Marquez's code builds them: inEdges {origin: node, destination:
// upstream field}, outEdges {origin: node, destination: downstream field}.
Json ColumnLineageGraphJson(const std::vector<graphstore::ColumnLineageNode>& nodes);

// {startInterval, endInterval, fail, start, complete, abort}
Json EventTypeCountsJson(const graphstore::EventTypeCounts& counts);

}  // namespace lineaged::api
