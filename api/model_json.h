#pragma once

// Marquez's JSON for the store's read model: one function per entity, keys in
// Marquez's order, explicit nulls, ISO timestamps, facets as {name: facet
// object}, tags as arrays of strings. Each writes one JSON value to `out` and
// depends only on the structs in graphstore/types.h.
//
//   absl::StatusOr<graphstore::DatasetInfo> dataset = store.GetDataset(name);
//   JsonWriter out;
//   WriteDatasetJson(*dataset, out);
//   std::string body = out.Take();

#include <functional>
#include <vector>

#include "api/json_writer.h"
#include "graphstore/types.h"

namespace lineaged::api {

// {"namespace": ..., "name": ...}
void WriteQualifiedNameJson(const graphstore::QualifiedName& name, JsonWriter& out);

// {name: facet object}; deleted facets are left out. The stored facet text is
// copied verbatim (the collector keeps only minified, parsed JSON).
void WriteFacetsJson(const std::vector<graphstore::Facet>& facets, JsonWriter& out);

// {name, createdAt, updatedAt, ownerName, description, isHidden}
void WriteNamespaceJson(const graphstore::NamespaceInfo& ns, JsonWriter& out);
// {type, name, createdAt, updatedAt, connectionUrl, description}
void WriteSourceJson(const graphstore::SourceInfo& source, JsonWriter& out);
// {name, description}
void WriteTagJson(const graphstore::TagInfo& tag, JsonWriter& out);
// {name, type, tags, description}
void WriteFieldJson(const graphstore::FieldInfo& field, JsonWriter& out);

// Marquez's Run: id, createdAt, updatedAt, nominalStartTime, nominalEndTime,
// state, startedAt, endedAt, durationMs, args, jobVersion,
// inputDatasetVersions, outputDatasetVersions, facets.
void WriteRunJson(const graphstore::RunInfo& run, JsonWriter& out);

// Marquez's Dataset (GET …/datasets/{ds}): id, type, name, physicalName,
// createdAt, updatedAt, namespace, sourceName, fields, tags, lastModifiedAt,
// lastLifecycleState, description, currentVersion, columnLineage (null when
// the dataset has none, as Marquez), facets, deleted.
void WriteDatasetJson(const graphstore::DatasetInfo& dataset, JsonWriter& out);

// Marquez's DatasetVersion: id{namespace,name,version}, type, name,
// physicalName, createdAt, version, namespace, sourceName, fields, tags,
// lifecycleState, description, currentSchemaVersion, createdByRun, facets.
void WriteDatasetVersionJson(const graphstore::DatasetVersionInfo& version, JsonWriter& out);

// Marquez's Job: id, type, name, simpleName, parentJobName, parentJobUuid,
// createdAt, updatedAt, namespace, inputs, outputs, location, description,
// latestRun, latestRuns, facets, currentVersion, labels, tags.
void WriteJobJson(const graphstore::JobInfo& job, JsonWriter& out);

// Marquez's JobVersion: id{namespace,name,version}, name, createdAt, version,
// namespace, location, inputs, outputs, latestRun.
void WriteJobVersionJson(const graphstore::JobVersionInfo& version, JsonWriter& out);

// The `data` of a lineage graph's DATASET node (Marquez's DatasetData): id,
// type, name, physicalName, createdAt, updatedAt, namespace, sourceName,
// fields, tags, lastModifiedAt, description, lastLifecycleState.
void WriteLineageDatasetDataJson(const graphstore::DatasetInfo& dataset, JsonWriter& out);

// The `data` of a lineage graph's JOB node (Marquez's JobData): id, type,
// name, simpleName, parentJobName, parentJobUuid, currentRunUuid, createdAt,
// updatedAt, namespace, inputs, outputs, location, description, latestRun.
void WriteLineageJobDataJson(const graphstore::JobInfo& job, JsonWriter& out);

// {"graph": [nodes sorted by id]} for GET /api/v1/lineage; edges are
// {origin, destination} sorted by (origin, destination).
void WriteLineageGraphJson(const graphstore::LineageGraph& graph, JsonWriter& out);
// The same, each node's `data` written by `dataset_data` / `job_data` (which
// must write one JSON value; e.g. a text kept from an earlier answer).
void WriteLineageGraphJsonWithData(
    const graphstore::LineageGraph& graph, JsonWriter& out,
    const std::function<void(const graphstore::DatasetNode&, JsonWriter&)>& dataset_data,
    const std::function<void(const graphstore::JobNode&, JsonWriter&)>& job_data);

// {type, name, updatedAt, namespace, nodeId}
void WriteSearchHitJson(const graphstore::SearchHit& hit, JsonWriter& out);

// {"graph": [...]} for GET /api/v1/column-lineage, nodes sorted by id. Edges
// as Marquez's code builds them: inEdges {origin: node, destination:
// upstream field}, outEdges {origin: node, destination: downstream field}.
void WriteColumnLineageGraphJson(const std::vector<graphstore::ColumnLineageNode>& nodes,
                                 JsonWriter& out);
// The same for an answer as of a version: each id ends in
// "#<datasetVersion>" of its node, as Marquez's do.
void WriteVersionedColumnLineageGraphJson(const std::vector<graphstore::ColumnLineageNode>& nodes,
                                          JsonWriter& out);

// {startInterval, endInterval, fail, start, complete, abort}
void WriteEventTypeCountsJson(const graphstore::EventTypeCounts& counts, JsonWriter& out);

}  // namespace lineaged::api
