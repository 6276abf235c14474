#include "api/model_json.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"

#include "api/node_id.h"

namespace lineaged::api {
namespace {

using graphstore::QualifiedName;

void WriteTags(const std::vector<std::string>& tags, JsonWriter& out) {
  out.BeginArray();
  for (const std::string& tag : tags) out.String(tag);
  out.EndArray();
}

void WriteNames(const std::vector<QualifiedName>& names, JsonWriter& out) {
  out.BeginArray();
  for (const QualifiedName& name : names) WriteQualifiedNameJson(name, out);
  out.EndArray();
}

void WriteFields(const std::vector<graphstore::FieldInfo>& fields, JsonWriter& out) {
  out.BeginArray();
  for (const graphstore::FieldInfo& field : fields) WriteFieldJson(field, out);
  out.EndArray();
}

void WriteRunOrNull(const std::optional<graphstore::RunInfo>& run, JsonWriter& out) {
  if (run) {
    WriteRunJson(*run, out);
  } else {
    out.Null();
  }
}

void WriteVersionId(const QualifiedName& name, const graphstore::Uuid& version, JsonWriter& out) {
  out.BeginObject();
  out.Key("namespace").String(name.namespace_name);
  out.Key("name").String(name.name);
  out.Key("version").Uuid(version);
  out.EndObject();
}

void WriteRunDatasetVersions(const std::vector<graphstore::RunDatasetVersion>& versions,
                             JsonWriter& out) {
  out.BeginArray();
  for (const graphstore::RunDatasetVersion& version : versions) {
    out.BeginObject();
    out.Key("datasetVersionId");
    WriteVersionId(version.id.dataset, version.id.version, out);
    out.Key("facets");
    WriteFacetsJson(version.facets, out);
    out.EndObject();
  }
  out.EndArray();
}

// Marquez's run args as an object; a repeated key keeps its first position
// and its last value, as a JSON object built key by key would.
void WriteArgs(const std::vector<std::pair<std::string, std::string>>& args, JsonWriter& out) {
  out.BeginObject();
  for (size_t i = 0; i < args.size(); ++i) {
    bool seen_before = false;
    for (size_t j = 0; j < i && !seen_before; ++j) seen_before = args[j].first == args[i].first;
    if (seen_before) continue;
    const std::string* value = &args[i].second;
    for (size_t j = i + 1; j < args.size(); ++j) {
      if (args[j].first == args[i].first) value = &args[j].second;
    }
    out.Key(args[i].first).String(*value);
  }
  out.EndObject();
}

// Marquez reports leaf fields' transformations as null, not "".
void WriteNonEmptyOrNull(const std::string& text, JsonWriter& out) {
  if (text.empty()) {
    out.Null();
  } else {
    out.String(text);
  }
}

// The members Marquez's Dataset and lineage DatasetData share, in order, up
// to lastModifiedAt.
void WriteDatasetCommonMembers(const graphstore::DatasetInfo& dataset, JsonWriter& out) {
  out.Key("id");
  WriteQualifiedNameJson(dataset.name, out);
  out.Key("type").String(dataset.type);
  out.Key("name").String(dataset.name.name);
  out.Key("physicalName").String(dataset.physical_name);
  out.Key("createdAt").Timestamp(dataset.created_at_micros);
  out.Key("updatedAt").Timestamp(dataset.updated_at_micros);
  out.Key("namespace").String(dataset.name.namespace_name);
  out.Key("sourceName").String(dataset.source_name);
  out.Key("fields");
  WriteFields(dataset.fields, out);
  out.Key("tags");
  WriteTags(dataset.tags, out);
  out.Key("lastModifiedAt").TimestampOrNull(dataset.last_modified_at_micros);
}

// The members Marquez's Job and lineage JobData share, in order, through
// latestRun; JobData alone has currentRunUuid. Returns where latestRun's text
// is in `out`, [begin, end).
enum class JobShape { kJob, kLineageData };
std::pair<size_t, size_t> WriteJobCommonMembers(const graphstore::JobInfo& job, JobShape shape,
                                                JsonWriter& out) {
  out.Key("id");
  WriteQualifiedNameJson(job.name, out);
  out.Key("type").String(job.type);
  out.Key("name").String(job.name.name);
  out.Key("simpleName").String(job.simple_name);
  out.Key("parentJobName").StringOrNull(job.parent_job_name);
  out.Key("parentJobUuid").UuidOrNull(job.parent_job_uuid);
  if (shape == JobShape::kLineageData) out.Key("currentRunUuid").UuidOrNull(job.current_run_id);
  out.Key("createdAt").Timestamp(job.created_at_micros);
  out.Key("updatedAt").Timestamp(job.updated_at_micros);
  out.Key("namespace").String(job.name.namespace_name);
  out.Key("inputs");
  WriteNames(job.inputs, out);
  out.Key("outputs");
  WriteNames(job.outputs, out);
  out.Key("location").StringOrNull(job.location);
  out.Key("description").StringOrNull(job.description);
  out.Key("latestRun");
  const size_t begin = out.NextValueOffset();
  WriteRunOrNull(job.latest_run, out);
  return {begin, out.Offset()};
}

// [{"origin": ..., "destination": ...}] with `self` at one end and each of
// `others` at the other, sorted by (origin, destination).
void WriteEdges(const std::string& self, std::vector<std::string> others, bool self_is_origin,
                JsonWriter& out) {
  std::sort(others.begin(), others.end());
  out.BeginArray();
  for (const std::string& other : others) {
    out.BeginObject();
    out.Key("origin").String(self_is_origin ? self : other);
    out.Key("destination").String(self_is_origin ? other : self);
    out.EndObject();
  }
  out.EndArray();
}

std::vector<std::string> JobIds(const std::vector<QualifiedName>& jobs) {
  std::vector<std::string> ids;
  ids.reserve(jobs.size());
  for (const QualifiedName& job : jobs) ids.push_back(JobNodeId(job.namespace_name, job.name));
  return ids;
}

std::vector<std::string> DatasetIds(const std::vector<QualifiedName>& datasets) {
  std::vector<std::string> ids;
  ids.reserve(datasets.size());
  for (const QualifiedName& dataset : datasets) {
    ids.push_back(DatasetNodeId(dataset.namespace_name, dataset.name));
  }
  return ids;
}

// The order in which to write nodes so that their ids ascend.
std::vector<size_t> OrderById(const std::vector<std::string>& ids) {
  std::vector<size_t> order(ids.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&ids](size_t a, size_t b) { return ids[a] < ids[b]; });
  return order;
}

}  // namespace

void WriteQualifiedNameJson(const QualifiedName& name, JsonWriter& out) {
  out.BeginObject();
  out.Key("namespace").String(name.namespace_name);
  out.Key("name").String(name.name);
  out.EndObject();
}

void WriteFacetsJson(const std::vector<graphstore::Facet>& facets, JsonWriter& out) {
  out.BeginObject();
  for (const graphstore::Facet& facet : facets) {
    if (facet.deleted) continue;
    out.Key(facet.name).RawJson(facet.json);
  }
  out.EndObject();
}

void WriteNamespaceJson(const graphstore::NamespaceInfo& ns, JsonWriter& out) {
  out.BeginObject();
  out.Key("name").String(ns.name);
  out.Key("createdAt").Timestamp(ns.created_at_micros);
  out.Key("updatedAt").Timestamp(ns.updated_at_micros);
  out.Key("ownerName").String(ns.owner_name);
  out.Key("description").StringOrNull(ns.description);
  out.Key("isHidden").Bool(ns.hidden);
  out.EndObject();
}

void WriteSourceJson(const graphstore::SourceInfo& source, JsonWriter& out) {
  out.BeginObject();
  out.Key("type").String(source.type);
  out.Key("name").String(source.name);
  out.Key("createdAt").Timestamp(source.created_at_micros);
  out.Key("updatedAt").Timestamp(source.updated_at_micros);
  out.Key("connectionUrl").String(source.connection_url);
  out.Key("description").StringOrNull(source.description);
  out.EndObject();
}

void WriteTagJson(const graphstore::TagInfo& tag, JsonWriter& out) {
  out.BeginObject();
  out.Key("name").String(tag.name);
  out.Key("description").StringOrNull(tag.description);
  out.EndObject();
}

void WriteFieldJson(const graphstore::FieldInfo& field, JsonWriter& out) {
  out.BeginObject();
  out.Key("name").String(field.name);
  out.Key("type").StringOrNull(field.type);
  out.Key("tags");
  WriteTags(field.tags, out);
  out.Key("description").StringOrNull(field.description);
  out.EndObject();
}

void WriteRunJson(const graphstore::RunInfo& run, JsonWriter& out) {
  out.BeginObject();
  out.Key("id").Uuid(run.id);
  out.Key("createdAt").Timestamp(run.created_at_micros);
  out.Key("updatedAt").Timestamp(run.updated_at_micros);
  out.Key("nominalStartTime").TimestampOrNull(run.nominal_start_micros);
  out.Key("nominalEndTime").TimestampOrNull(run.nominal_end_micros);
  out.Key("state").String(graphstore::RunStateName(run.state));
  out.Key("startedAt").TimestampOrNull(run.started_at_micros);
  out.Key("endedAt").TimestampOrNull(run.ended_at_micros);
  out.Key("durationMs");
  if (run.duration_ms) {
    out.Int(*run.duration_ms);
  } else {
    out.Null();
  }
  out.Key("args");
  WriteArgs(run.args, out);
  out.Key("jobVersion");
  if (run.job_version) {
    WriteVersionId(run.job_version->job, run.job_version->version, out);
  } else {
    out.Null();
  }
  out.Key("inputDatasetVersions");
  WriteRunDatasetVersions(run.input_versions, out);
  out.Key("outputDatasetVersions");
  WriteRunDatasetVersions(run.output_versions, out);
  out.Key("facets");
  WriteFacetsJson(run.facets, out);
  out.EndObject();
}

void WriteDatasetJson(const graphstore::DatasetInfo& dataset, JsonWriter& out) {
  out.BeginObject();
  WriteDatasetCommonMembers(dataset, out);
  out.Key("lastLifecycleState").StringOrNull(dataset.last_lifecycle_state);
  out.Key("description").StringOrNull(dataset.description);
  out.Key("currentVersion").UuidOrNull(dataset.current_version);
  out.Key("columnLineage");
  if (dataset.column_lineage.empty()) {
    out.Null();
  } else {
    out.BeginArray();
    for (const graphstore::ColumnLineageInfo& column : dataset.column_lineage) {
      out.BeginObject();
      out.Key("name").String(column.field);
      out.Key("inputFields").BeginArray();
      for (const graphstore::ColumnLineageInputField& input : column.inputs) {
        out.BeginObject();
        out.Key("namespace").String(input.dataset.namespace_name);
        out.Key("dataset").String(input.dataset.name);
        out.Key("field").String(input.field);
        out.Key("transformationDescription").String(input.transformation_description);
        out.Key("transformationType").String(input.transformation_type);
        out.EndObject();
      }
      out.EndArray();
      out.Key("transformationDescription").String(column.transformation_description);
      out.Key("transformationType").String(column.transformation_type);
      out.EndObject();
    }
    out.EndArray();
  }
  out.Key("facets");
  WriteFacetsJson(dataset.facets, out);
  out.Key("deleted").Bool(dataset.deleted);
  out.EndObject();
}

void WriteDatasetVersionJson(const graphstore::DatasetVersionInfo& version, JsonWriter& out) {
  const QualifiedName& name = version.id.dataset;
  out.BeginObject();
  out.Key("id");
  WriteVersionId(name, version.id.version, out);
  out.Key("type").String(version.type);
  out.Key("name").String(name.name);
  out.Key("physicalName").String(version.physical_name);
  out.Key("createdAt").Timestamp(version.created_at_micros);
  out.Key("version").Uuid(version.id.version);
  out.Key("namespace").String(name.namespace_name);
  out.Key("sourceName").String(version.source_name);
  out.Key("fields");
  WriteFields(version.fields, out);
  out.Key("tags");
  WriteTags(version.tags, out);
  out.Key("lifecycleState").StringOrNull(version.lifecycle_state);
  out.Key("description").StringOrNull(version.description);
  out.Key("currentSchemaVersion").UuidOrNull(version.schema_version);
  out.Key("createdByRun");
  WriteRunOrNull(version.created_by_run, out);
  out.Key("facets");
  WriteFacetsJson(version.facets, out);
  out.EndObject();
}

void WriteJobJson(const graphstore::JobInfo& job, JsonWriter& out) {
  out.BeginObject();
  const auto [latest_begin, latest_end] = WriteJobCommonMembers(job, JobShape::kJob, out);
  out.Key("latestRuns").BeginArray();
  for (const graphstore::RunInfo& run : job.latest_runs) {
    // The latest run is nearly always one of latestRuns, and the same run
    // (types.h): its text is copied rather than written again.
    if (job.latest_run && job.latest_run->id == run.id) {
      out.RepeatValue(latest_begin, latest_end);
    } else {
      WriteRunJson(run, out);
    }
  }
  out.EndArray();
  out.Key("facets");
  WriteFacetsJson(job.facets, out);
  out.Key("currentVersion").UuidOrNull(job.current_version);
  out.Key("labels").BeginArray().EndArray();  // Marquez's legacy job labels; OpenLineage has none
  out.Key("tags");
  WriteTags(job.tags, out);
  out.EndObject();
}

void WriteJobVersionJson(const graphstore::JobVersionInfo& version, JsonWriter& out) {
  const QualifiedName& name = version.id.job;
  out.BeginObject();
  out.Key("id");
  WriteVersionId(name, version.id.version, out);
  out.Key("name").String(name.name);
  out.Key("createdAt").Timestamp(version.created_at_micros);
  out.Key("version").Uuid(version.id.version);
  out.Key("namespace").String(name.namespace_name);
  out.Key("location").StringOrNull(version.location);
  out.Key("inputs");
  WriteNames(version.inputs, out);
  out.Key("outputs");
  WriteNames(version.outputs, out);
  out.Key("latestRun");
  WriteRunOrNull(version.latest_run, out);
  out.EndObject();
}

void WriteLineageDatasetDataJson(const graphstore::DatasetInfo& dataset, JsonWriter& out) {
  out.BeginObject();
  WriteDatasetCommonMembers(dataset, out);
  out.Key("description").StringOrNull(dataset.description);
  out.Key("lastLifecycleState").StringOrNull(dataset.last_lifecycle_state);
  out.EndObject();
}

void WriteLineageJobDataJson(const graphstore::JobInfo& job, JsonWriter& out) {
  out.BeginObject();
  WriteJobCommonMembers(job, JobShape::kLineageData, out);
  out.EndObject();
}

void WriteLineageGraphJson(const graphstore::LineageGraph& graph, JsonWriter& out) {
  WriteLineageGraphJsonWithData(
      graph, out,
      [](const graphstore::DatasetNode& node, JsonWriter& data) {
        WriteLineageDatasetDataJson(node.data, data);
      },
      [](const graphstore::JobNode& node, JsonWriter& data) {
        WriteLineageJobDataJson(node.data, data);
      });
}

void WriteLineageGraphJsonWithData(
    const graphstore::LineageGraph& graph, JsonWriter& out,
    const std::function<void(const graphstore::DatasetNode&, JsonWriter&)>& dataset_data,
    const std::function<void(const graphstore::JobNode&, JsonWriter&)>& job_data) {
  // Every node's id first: the graph is written in id order.
  std::vector<std::string> ids;
  ids.reserve(graph.datasets.size() + graph.jobs.size());
  for (const graphstore::DatasetNode& node : graph.datasets) {
    ids.push_back(DatasetNodeId(node.data.name.namespace_name, node.data.name.name));
  }
  for (const graphstore::JobNode& node : graph.jobs) {
    ids.push_back(JobNodeId(node.data.name.namespace_name, node.data.name.name));
  }
  out.BeginObject();
  out.Key("graph").BeginArray();
  for (size_t index : OrderById(ids)) {
    const std::string& id = ids[index];
    out.BeginObject();
    out.Key("id").String(id);
    if (index < graph.datasets.size()) {
      const graphstore::DatasetNode& node = graph.datasets[index];
      out.Key("type").String("DATASET");
      out.Key("data");
      dataset_data(node, out);
      out.Key("inEdges");
      WriteEdges(id, JobIds(node.producers), /*self_is_origin=*/false, out);
      out.Key("outEdges");
      WriteEdges(id, JobIds(node.consumers), /*self_is_origin=*/true, out);
    } else {
      const graphstore::JobNode& node = graph.jobs[index - graph.datasets.size()];
      out.Key("type").String("JOB");
      out.Key("data");
      job_data(node, out);
      out.Key("inEdges");
      WriteEdges(id, DatasetIds(node.data.inputs), /*self_is_origin=*/false, out);
      out.Key("outEdges");
      WriteEdges(id, DatasetIds(node.data.outputs), /*self_is_origin=*/true, out);
    }
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
}

void WriteSearchHitJson(const graphstore::SearchHit& hit, JsonWriter& out) {
  bool dataset = hit.kind == graphstore::NodeKind::kDataset;
  const QualifiedName& name = hit.name;
  out.BeginObject();
  out.Key("type").String(dataset ? "DATASET" : "JOB");
  out.Key("name").String(name.name);
  out.Key("updatedAt").Timestamp(hit.updated_at_micros);
  out.Key("namespace").String(name.namespace_name);
  out.Key("nodeId").String(dataset ? DatasetNodeId(name.namespace_name, name.name)
                                   : JobNodeId(name.namespace_name, name.name));
  out.EndObject();
}

namespace {

void WriteColumnLineageGraph(const std::vector<graphstore::ColumnLineageNode>& nodes,
                             bool versioned_ids, JsonWriter& out) {
  // Edges name nodes of the answer, so each field has one version here.
  std::map<graphstore::DatasetField, std::optional<graphstore::Uuid>> versions;
  if (versioned_ids) {
    for (const graphstore::ColumnLineageNode& node : nodes) {
      versions.emplace(node.id, node.dataset_version);
    }
  }
  auto field_id = [&](const graphstore::DatasetField& field) {
    std::string id =
        DatasetFieldNodeId(field.dataset.namespace_name, field.dataset.name, field.field);
    if (auto it = versions.find(field); it != versions.end() && it->second) {
      absl::StrAppend(&id, "#", graphstore::FormatUuid(*it->second));
    }
    return id;
  };
  auto field_ids = [&field_id](const std::vector<graphstore::DatasetField>& fields) {
    std::vector<std::string> ids;
    ids.reserve(fields.size());
    for (const graphstore::DatasetField& field : fields) ids.push_back(field_id(field));
    return ids;
  };
  std::vector<std::string> ids;
  ids.reserve(nodes.size());
  for (const graphstore::ColumnLineageNode& node : nodes) ids.push_back(field_id(node.id));

  out.BeginObject();
  out.Key("graph").BeginArray();
  for (size_t index : OrderById(ids)) {
    const graphstore::ColumnLineageNode& node = nodes[index];
    const std::string& id = ids[index];
    out.BeginObject();
    out.Key("id").String(id);
    out.Key("type").String("DATASET_FIELD");
    out.Key("data").BeginObject();
    out.Key("namespace").String(node.id.dataset.namespace_name);
    out.Key("dataset").String(node.id.dataset.name);
    out.Key("datasetVersion").UuidOrNull(node.dataset_version);
    out.Key("field").String(node.id.field);
    out.Key("fieldType").String(node.field_type);
    out.Key("transformationDescription");
    WriteNonEmptyOrNull(node.transformation_description, out);
    out.Key("transformationType");
    WriteNonEmptyOrNull(node.transformation_type, out);
    out.Key("inputFields").BeginArray();
    for (const graphstore::ColumnLineageInputField& input : node.input_fields) {
      out.BeginObject();
      out.Key("namespace").String(input.dataset.namespace_name);
      out.Key("dataset").String(input.dataset.name);
      out.Key("datasetVersion").UuidOrNull(input.dataset_version);
      out.Key("field").String(input.field);
      out.Key("transformationDescription");
      WriteNonEmptyOrNull(input.transformation_description, out);
      out.Key("transformationType");
      WriteNonEmptyOrNull(input.transformation_type, out);
      out.EndObject();
    }
    out.EndArray();
    out.EndObject();
    // Both edge lists start at this node (Marquez's shape), sorted by the other end.
    out.Key("inEdges");
    WriteEdges(id, field_ids(node.upstream), /*self_is_origin=*/true, out);
    out.Key("outEdges");
    WriteEdges(id, field_ids(node.downstream), /*self_is_origin=*/true, out);
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
}

}  // namespace

void WriteColumnLineageGraphJson(const std::vector<graphstore::ColumnLineageNode>& nodes,
                                 JsonWriter& out) {
  WriteColumnLineageGraph(nodes, /*versioned_ids=*/false, out);
}

void WriteVersionedColumnLineageGraphJson(const std::vector<graphstore::ColumnLineageNode>& nodes,
                                          JsonWriter& out) {
  WriteColumnLineageGraph(nodes, /*versioned_ids=*/true, out);
}

void WriteEventTypeCountsJson(const graphstore::EventTypeCounts& counts, JsonWriter& out) {
  out.BeginObject();
  out.Key("startInterval").Timestamp(counts.start_micros);
  out.Key("endInterval").Timestamp(counts.end_micros);
  out.Key("fail").Uint(counts.fail);
  out.Key("start").Uint(counts.start);
  out.Key("complete").Uint(counts.complete);
  out.Key("abort").Uint(counts.abort);
  out.EndObject();
}

}  // namespace lineaged::api
