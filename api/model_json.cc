#include "api/model_json.h"

#include <algorithm>
#include <utility>

#include "api/json_format.h"
#include "api/node_id.h"

namespace lineaged::api {
namespace {

using graphstore::QualifiedName;

Json TagsJson(const std::vector<std::string>& tags) {
  Json out = Json::array();
  for (const std::string& tag : tags) out.push_back(tag);
  return out;
}

Json NamesJson(const std::vector<QualifiedName>& names) {
  Json out = Json::array();
  for (const QualifiedName& name : names) out.push_back(QualifiedNameJson(name));
  return out;
}

Json FieldsJson(const std::vector<graphstore::FieldInfo>& fields) {
  Json out = Json::array();
  for (const graphstore::FieldInfo& field : fields) out.push_back(FieldJson(field));
  return out;
}

Json RunOrNull(const std::optional<graphstore::RunInfo>& run) {
  return run ? RunJson(*run) : Json(nullptr);
}

Json VersionIdJson(const QualifiedName& name, const graphstore::Uuid& version) {
  return Json{{"namespace", name.namespace_name},
              {"name", name.name},
              {"version", graphstore::FormatUuid(version)}};
}

Json RunDatasetVersionsJson(const std::vector<graphstore::RunDatasetVersion>& versions) {
  Json out = Json::array();
  for (const graphstore::RunDatasetVersion& version : versions) {
    out.push_back(Json{{"datasetVersionId", VersionIdJson(version.id.dataset, version.id.version)},
                       {"facets", FacetsJson(version.facets)}});
  }
  return out;
}

// Marquez reports leaf fields' transformations as null, not "".
Json NonEmptyOrNull(const std::string& text) { return text.empty() ? Json(nullptr) : Json(text); }

Json Edge(const std::string& origin, const std::string& destination) {
  return Json{{"origin", origin}, {"destination", destination}};
}

void SortEdges(Json* edges) {
  std::sort(edges->begin(), edges->end(), [](const Json& a, const Json& b) {
    const auto& ao = a["origin"].get_ref<const std::string&>();
    const auto& bo = b["origin"].get_ref<const std::string&>();
    if (ao != bo) return ao < bo;
    return a["destination"].get_ref<const std::string&>() <
           b["destination"].get_ref<const std::string&>();
  });
}

void SortNodesById(Json* nodes) {
  std::sort(nodes->begin(), nodes->end(), [](const Json& a, const Json& b) {
    return a["id"].get_ref<const std::string&>() < b["id"].get_ref<const std::string&>();
  });
}

Json Node(std::string id, const char* type, Json data, Json in_edges, Json out_edges) {
  SortEdges(&in_edges);
  SortEdges(&out_edges);
  return Json{{"id", std::move(id)},
              {"type", type},
              {"data", std::move(data)},
              {"inEdges", std::move(in_edges)},
              {"outEdges", std::move(out_edges)}};
}

}  // namespace

Json UuidOrNull(const std::optional<graphstore::Uuid>& uuid) {
  return uuid ? Json(graphstore::FormatUuid(*uuid)) : Json(nullptr);
}

Json StringOrNull(const std::optional<std::string>& text) {
  return text ? Json(*text) : Json(nullptr);
}

Json QualifiedNameJson(const QualifiedName& name) {
  return Json{{"namespace", name.namespace_name}, {"name", name.name}};
}

Json FacetsJson(const std::vector<graphstore::Facet>& facets) {
  Json out = Json::object();
  for (const graphstore::Facet& facet : facets) {
    if (facet.deleted) continue;
    Json parsed = Json::parse(facet.json, nullptr, /*allow_exceptions=*/false);
    out[facet.name] = parsed.is_discarded() ? Json(facet.json) : std::move(parsed);
  }
  return out;
}

Json NamespaceJson(const graphstore::NamespaceInfo& ns) {
  return Json{{"name", ns.name},
              {"createdAt", FormatTimestamp(ns.created_at_micros)},
              {"updatedAt", FormatTimestamp(ns.updated_at_micros)},
              {"ownerName", ns.owner_name},
              {"description", StringOrNull(ns.description)},
              {"isHidden", ns.hidden}};
}

Json SourceJson(const graphstore::SourceInfo& source) {
  return Json{{"type", source.type},
              {"name", source.name},
              {"createdAt", FormatTimestamp(source.created_at_micros)},
              {"updatedAt", FormatTimestamp(source.updated_at_micros)},
              {"connectionUrl", source.connection_url},
              {"description", StringOrNull(source.description)}};
}

Json TagJson(const graphstore::TagInfo& tag) {
  return Json{{"name", tag.name}, {"description", StringOrNull(tag.description)}};
}

Json FieldJson(const graphstore::FieldInfo& field) {
  return Json{{"name", field.name},
              {"type", StringOrNull(field.type)},
              {"tags", TagsJson(field.tags)},
              {"description", StringOrNull(field.description)}};
}

Json RunJson(const graphstore::RunInfo& run) {
  Json json;
  json["id"] = graphstore::FormatUuid(run.id);
  json["createdAt"] = FormatTimestamp(run.created_at_micros);
  json["updatedAt"] = FormatTimestamp(run.updated_at_micros);
  json["nominalStartTime"] = TimestampOrNull(run.nominal_start_micros);
  json["nominalEndTime"] = TimestampOrNull(run.nominal_end_micros);
  json["state"] = graphstore::RunStateName(run.state);
  json["startedAt"] = TimestampOrNull(run.started_at_micros);
  json["endedAt"] = TimestampOrNull(run.ended_at_micros);
  json["durationMs"] = run.duration_ms ? Json(*run.duration_ms) : Json(nullptr);
  Json args = Json::object();
  for (const auto& [key, value] : run.args) args[key] = value;
  json["args"] = std::move(args);
  json["jobVersion"] = run.job_version
                           ? VersionIdJson(run.job_version->job, run.job_version->version)
                           : Json(nullptr);
  json["inputDatasetVersions"] = RunDatasetVersionsJson(run.input_versions);
  json["outputDatasetVersions"] = RunDatasetVersionsJson(run.output_versions);
  json["facets"] = FacetsJson(run.facets);
  return json;
}

Json DatasetJson(const graphstore::DatasetInfo& dataset) {
  Json json;
  json["id"] = QualifiedNameJson(dataset.name);
  json["type"] = dataset.type;
  json["name"] = dataset.name.name;
  json["physicalName"] = dataset.physical_name;
  json["createdAt"] = FormatTimestamp(dataset.created_at_micros);
  json["updatedAt"] = FormatTimestamp(dataset.updated_at_micros);
  json["namespace"] = dataset.name.namespace_name;
  json["sourceName"] = dataset.source_name;
  json["fields"] = FieldsJson(dataset.fields);
  json["tags"] = TagsJson(dataset.tags);
  json["lastModifiedAt"] = TimestampOrNull(dataset.last_modified_at_micros);
  json["lastLifecycleState"] = StringOrNull(dataset.last_lifecycle_state);
  json["description"] = StringOrNull(dataset.description);
  json["currentVersion"] = UuidOrNull(dataset.current_version);
  if (dataset.column_lineage.empty()) {
    json["columnLineage"] = nullptr;
  } else {
    Json lineage = Json::array();
    for (const graphstore::ColumnLineageInfo& column : dataset.column_lineage) {
      Json inputs = Json::array();
      for (const graphstore::ColumnLineageInputField& input : column.inputs) {
        inputs.push_back(Json{{"namespace", input.dataset.namespace_name},
                              {"dataset", input.dataset.name},
                              {"field", input.field},
                              {"transformationDescription", input.transformation_description},
                              {"transformationType", input.transformation_type}});
      }
      lineage.push_back(Json{{"name", column.field},
                             {"inputFields", std::move(inputs)},
                             {"transformationDescription", column.transformation_description},
                             {"transformationType", column.transformation_type}});
    }
    json["columnLineage"] = std::move(lineage);
  }
  json["facets"] = FacetsJson(dataset.facets);
  json["deleted"] = dataset.deleted;
  return json;
}

Json DatasetVersionJson(const graphstore::DatasetVersionInfo& version) {
  const QualifiedName& name = version.id.dataset;
  Json json;
  json["id"] = VersionIdJson(name, version.id.version);
  json["type"] = version.type;
  json["name"] = name.name;
  json["physicalName"] = version.physical_name;
  json["createdAt"] = FormatTimestamp(version.created_at_micros);
  json["version"] = graphstore::FormatUuid(version.id.version);
  json["namespace"] = name.namespace_name;
  json["sourceName"] = version.source_name;
  json["fields"] = FieldsJson(version.fields);
  json["tags"] = TagsJson(version.tags);
  json["lifecycleState"] = StringOrNull(version.lifecycle_state);
  json["description"] = StringOrNull(version.description);
  json["currentSchemaVersion"] = UuidOrNull(version.schema_version);
  json["createdByRun"] = RunOrNull(version.created_by_run);
  json["facets"] = FacetsJson(version.facets);
  return json;
}

Json JobJson(const graphstore::JobInfo& job) {
  Json json;
  json["id"] = QualifiedNameJson(job.name);
  json["type"] = job.type;
  json["name"] = job.name.name;
  json["simpleName"] = job.simple_name;
  json["parentJobName"] = StringOrNull(job.parent_job_name);
  json["parentJobUuid"] = UuidOrNull(job.parent_job_uuid);
  json["createdAt"] = FormatTimestamp(job.created_at_micros);
  json["updatedAt"] = FormatTimestamp(job.updated_at_micros);
  json["namespace"] = job.name.namespace_name;
  json["inputs"] = NamesJson(job.inputs);
  json["outputs"] = NamesJson(job.outputs);
  json["location"] = StringOrNull(job.location);
  json["description"] = StringOrNull(job.description);
  json["latestRun"] = RunOrNull(job.latest_run);
  Json latest_runs = Json::array();
  for (const graphstore::RunInfo& run : job.latest_runs) latest_runs.push_back(RunJson(run));
  json["latestRuns"] = std::move(latest_runs);
  json["facets"] = FacetsJson(job.facets);
  json["currentVersion"] = UuidOrNull(job.current_version);
  json["labels"] = Json::array();  // Marquez's legacy job labels; OpenLineage has none
  json["tags"] = TagsJson(job.tags);
  return json;
}

Json JobVersionJson(const graphstore::JobVersionInfo& version) {
  const QualifiedName& name = version.id.job;
  Json json;
  json["id"] = VersionIdJson(name, version.id.version);
  json["name"] = name.name;
  json["createdAt"] = FormatTimestamp(version.created_at_micros);
  json["version"] = graphstore::FormatUuid(version.id.version);
  json["namespace"] = name.namespace_name;
  json["location"] = StringOrNull(version.location);
  json["inputs"] = NamesJson(version.inputs);
  json["outputs"] = NamesJson(version.outputs);
  json["latestRun"] = RunOrNull(version.latest_run);
  return json;
}

Json LineageDatasetDataJson(const graphstore::DatasetInfo& dataset) {
  Json json;
  json["id"] = QualifiedNameJson(dataset.name);
  json["type"] = dataset.type;
  json["name"] = dataset.name.name;
  json["physicalName"] = dataset.physical_name;
  json["createdAt"] = FormatTimestamp(dataset.created_at_micros);
  json["updatedAt"] = FormatTimestamp(dataset.updated_at_micros);
  json["namespace"] = dataset.name.namespace_name;
  json["sourceName"] = dataset.source_name;
  json["fields"] = FieldsJson(dataset.fields);
  json["tags"] = TagsJson(dataset.tags);
  json["lastModifiedAt"] = TimestampOrNull(dataset.last_modified_at_micros);
  json["description"] = StringOrNull(dataset.description);
  json["lastLifecycleState"] = StringOrNull(dataset.last_lifecycle_state);
  return json;
}

Json LineageJobDataJson(const graphstore::JobInfo& job) {
  Json json;
  json["id"] = QualifiedNameJson(job.name);
  json["type"] = job.type;
  json["name"] = job.name.name;
  json["simpleName"] = job.simple_name;
  json["parentJobName"] = StringOrNull(job.parent_job_name);
  json["parentJobUuid"] = UuidOrNull(job.parent_job_uuid);
  json["currentRunUuid"] = UuidOrNull(job.current_run_id);
  json["createdAt"] = FormatTimestamp(job.created_at_micros);
  json["updatedAt"] = FormatTimestamp(job.updated_at_micros);
  json["namespace"] = job.name.namespace_name;
  json["inputs"] = NamesJson(job.inputs);
  json["outputs"] = NamesJson(job.outputs);
  json["location"] = StringOrNull(job.location);
  json["description"] = StringOrNull(job.description);
  json["latestRun"] = RunOrNull(job.latest_run);
  return json;
}

Json LineageGraphJson(const graphstore::LineageGraph& graph) {
  Json nodes = Json::array();
  for (const graphstore::DatasetNode& node : graph.datasets) {
    const QualifiedName& name = node.data.name;
    std::string id = DatasetNodeId(name.namespace_name, name.name);
    Json in_edges = Json::array();
    for (const QualifiedName& job : node.producers) {
      in_edges.push_back(Edge(JobNodeId(job.namespace_name, job.name), id));
    }
    Json out_edges = Json::array();
    for (const QualifiedName& job : node.consumers) {
      out_edges.push_back(Edge(id, JobNodeId(job.namespace_name, job.name)));
    }
    nodes.push_back(Node(id, "DATASET", LineageDatasetDataJson(node.data), std::move(in_edges),
                         std::move(out_edges)));
  }
  for (const graphstore::JobNode& node : graph.jobs) {
    const QualifiedName& name = node.data.name;
    std::string id = JobNodeId(name.namespace_name, name.name);
    Json in_edges = Json::array();
    for (const QualifiedName& dataset : node.data.inputs) {
      in_edges.push_back(Edge(DatasetNodeId(dataset.namespace_name, dataset.name), id));
    }
    Json out_edges = Json::array();
    for (const QualifiedName& dataset : node.data.outputs) {
      out_edges.push_back(Edge(id, DatasetNodeId(dataset.namespace_name, dataset.name)));
    }
    nodes.push_back(
        Node(id, "JOB", LineageJobDataJson(node.data), std::move(in_edges), std::move(out_edges)));
  }
  SortNodesById(&nodes);
  return Json{{"graph", std::move(nodes)}};
}

Json SearchHitJson(const graphstore::SearchHit& hit) {
  bool dataset = hit.kind == graphstore::NodeKind::kDataset;
  const QualifiedName& name = hit.name;
  return Json{{"type", dataset ? "DATASET" : "JOB"},
              {"name", name.name},
              {"updatedAt", FormatTimestamp(hit.updated_at_micros)},
              {"namespace", name.namespace_name},
              {"nodeId", dataset ? DatasetNodeId(name.namespace_name, name.name)
                                 : JobNodeId(name.namespace_name, name.name)}};
}

Json ColumnLineageGraphJson(const std::vector<graphstore::ColumnLineageNode>& nodes) {
  auto field_id = [](const graphstore::DatasetField& field) {
    return DatasetFieldNodeId(field.dataset.namespace_name, field.dataset.name, field.field);
  };
  Json out = Json::array();
  for (const graphstore::ColumnLineageNode& node : nodes) {
    std::string id = field_id(node.id);
    Json inputs = Json::array();
    for (const graphstore::ColumnLineageInputField& input : node.input_fields) {
      inputs.push_back(
          Json{{"namespace", input.dataset.namespace_name},
               {"dataset", input.dataset.name},
               {"datasetVersion", UuidOrNull(input.dataset_version)},
               {"field", input.field},
               {"transformationDescription", NonEmptyOrNull(input.transformation_description)},
               {"transformationType", NonEmptyOrNull(input.transformation_type)}});
    }
    Json data{{"namespace", node.id.dataset.namespace_name},
              {"dataset", node.id.dataset.name},
              {"datasetVersion", UuidOrNull(node.dataset_version)},
              {"field", node.id.field},
              {"fieldType", node.field_type},
              {"transformationDescription", NonEmptyOrNull(node.transformation_description)},
              {"transformationType", NonEmptyOrNull(node.transformation_type)},
              {"inputFields", std::move(inputs)}};
    Json in_edges = Json::array();
    for (const graphstore::DatasetField& up : node.upstream) {
      in_edges.push_back(Edge(id, field_id(up)));
    }
    Json out_edges = Json::array();
    for (const graphstore::DatasetField& down : node.downstream) {
      out_edges.push_back(Edge(id, field_id(down)));
    }
    out.push_back(
        Node(id, "DATASET_FIELD", std::move(data), std::move(in_edges), std::move(out_edges)));
  }
  SortNodesById(&out);
  return Json{{"graph", std::move(out)}};
}

Json EventTypeCountsJson(const graphstore::EventTypeCounts& counts) {
  return Json{{"startInterval", FormatTimestamp(counts.start_micros)},
              {"endInterval", FormatTimestamp(counts.end_micros)},
              {"fail", counts.fail},
              {"start", counts.start},
              {"complete", counts.complete},
              {"abort", counts.abort}};
}

}  // namespace lineaged::api
