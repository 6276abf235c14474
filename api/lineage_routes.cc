#include "api/lineage_routes.h"

#include <charconv>

#include "api/json_format.h"
#include "api/node_id.h"
#include "graphstore/base/strings.h"

namespace lineaged::api {
namespace {

using graphstore::QualifiedName;
using nlohmann::ordered_json;

constexpr int kDefaultDepth = 20;

ordered_json Edge(const std::string& origin, const std::string& destination) {
  return ordered_json{{"origin", origin}, {"destination", destination}};
}

ordered_json NameJson(const QualifiedName& name) {
  return ordered_json{{"namespace", name.namespace_name}, {"name", name.name}};
}

ordered_json RunJson(const graphstore::RunInfo& run) {
  ordered_json json;
  json["id"] = graphstore::FormatUuid(run.id);
  json["createdAt"] = FormatTimestamp(run.created_at_micros);
  json["updatedAt"] = FormatTimestamp(run.updated_at_micros);
  json["state"] = graphstore::RunStateName(run.state);
  json["startedAt"] = TimestampOrNull(run.started_at_micros);
  json["endedAt"] = TimestampOrNull(run.ended_at_micros);
  if (run.started_at_micros && run.ended_at_micros) {
    json["durationMs"] = (*run.ended_at_micros - *run.started_at_micros) / 1000;
  } else {
    json["durationMs"] = nullptr;
  }
  return json;
}

ordered_json DatasetJson(const graphstore::DatasetNode& node) {
  std::string id = DatasetNodeId(node.data.name.namespace_name, node.data.name.name);
  ordered_json data;
  data["id"] = NameJson(node.data.name);
  data["type"] = "DB_TABLE";
  data["name"] = node.data.name.name;
  data["physicalName"] = node.data.name.name;
  data["createdAt"] = FormatTimestamp(node.data.created_at_micros);
  data["updatedAt"] = FormatTimestamp(node.data.updated_at_micros);
  data["namespace"] = node.data.name.namespace_name;
  data["lastModifiedAt"] = TimestampOrNull(node.data.last_modified_at_micros);
  ordered_json in_edges = ordered_json::array();
  for (const QualifiedName& job : node.producers) {
    in_edges.push_back(Edge(JobNodeId(job.namespace_name, job.name), id));
  }
  ordered_json out_edges = ordered_json::array();
  for (const QualifiedName& job : node.consumers) {
    out_edges.push_back(Edge(id, JobNodeId(job.namespace_name, job.name)));
  }
  return ordered_json{{"id", id},
                      {"type", "DATASET"},
                      {"data", std::move(data)},
                      {"inEdges", std::move(in_edges)},
                      {"outEdges", std::move(out_edges)}};
}

ordered_json JobJson(const graphstore::JobNode& node) {
  std::string id = JobNodeId(node.data.name.namespace_name, node.data.name.name);
  ordered_json data;
  data["id"] = NameJson(node.data.name);
  data["name"] = node.data.name.name;
  data["createdAt"] = FormatTimestamp(node.data.created_at_micros);
  data["updatedAt"] = FormatTimestamp(node.data.updated_at_micros);
  data["namespace"] = node.data.name.namespace_name;
  ordered_json inputs = ordered_json::array();
  ordered_json in_edges = ordered_json::array();
  for (const QualifiedName& dataset : node.data.inputs) {
    inputs.push_back(NameJson(dataset));
    in_edges.push_back(Edge(DatasetNodeId(dataset.namespace_name, dataset.name), id));
  }
  ordered_json outputs = ordered_json::array();
  ordered_json out_edges = ordered_json::array();
  for (const QualifiedName& dataset : node.data.outputs) {
    outputs.push_back(NameJson(dataset));
    out_edges.push_back(Edge(id, DatasetNodeId(dataset.namespace_name, dataset.name)));
  }
  data["inputs"] = std::move(inputs);
  data["outputs"] = std::move(outputs);
  data["latestRun"] = node.data.latest_run ? RunJson(*node.data.latest_run) : ordered_json(nullptr);
  return ordered_json{{"id", id},
                      {"type", "JOB"},
                      {"data", std::move(data)},
                      {"inEdges", std::move(in_edges)},
                      {"outEdges", std::move(out_edges)}};
}

int HttpStatusFor(const absl::Status& status) {
  if (absl::IsNotFound(status)) return 404;
  if (absl::IsInvalidArgument(status)) return 400;
  if (absl::IsUnavailable(status)) return 503;
  return 500;
}

}  // namespace

Response GetLineage(const Request& request, const graphstore::GraphStore& store) {
  std::optional<std::string> node_text = request.Query("nodeId");
  if (!node_text || node_text->empty()) {
    return ErrorResponse(400, "query parameter nodeId is required");
  }
  int depth = kDefaultDepth;
  if (std::optional<std::string> depth_text = request.Query("depth")) {
    const char* end = depth_text->data() + depth_text->size();
    auto [ptr, ec] = std::from_chars(depth_text->data(), end, depth);
    if (ec != std::errc() || ptr != end || depth < 0) {
      return ErrorResponse(400, "query parameter depth must be a non-negative integer");
    }
  }
  absl::StatusOr<NodeId> node_id = ParseNodeId(*node_text);
  if (!node_id.ok()) return ErrorResponse(400, AsStd(node_id.status().message()));

  graphstore::NodeRef start;
  switch (node_id->type) {
    case NodeId::Type::kDataset:
    case NodeId::Type::kDatasetField:  // Marquez: a field's lineage is its dataset's
      start.kind = graphstore::NodeKind::kDataset;
      break;
    case NodeId::Type::kJob:
      start.kind = graphstore::NodeKind::kJob;
      break;
    case NodeId::Type::kRun:
      return ErrorResponse(400, "run: node ids are not supported by /api/v1/lineage yet");
  }
  start.name = QualifiedName{node_id->namespace_name, node_id->name};

  absl::StatusOr<graphstore::LineageGraph> graph = store.GetLineage(start, depth);
  if (!graph.ok()) {
    return ErrorResponse(HttpStatusFor(graph.status()), AsStd(graph.status().message()));
  }
  // Marquez sorts nodes by id; "dataset:" sorts before "job:".
  ordered_json nodes = ordered_json::array();
  for (const auto& dataset : graph->datasets) nodes.push_back(DatasetJson(dataset));
  for (const auto& job : graph->jobs) nodes.push_back(JobJson(job));
  std::sort(nodes.begin(), nodes.end(), [](const ordered_json& a, const ordered_json& b) {
    return a["id"].get_ref<const std::string&>() < b["id"].get_ref<const std::string&>();
  });
  return JsonResponse(200, ordered_json{{"graph", std::move(nodes)}}.dump());
}

void AddLineageRoutes(Router* router, const graphstore::GraphStore* store) {
  router->Add("GET", "/api/v1/lineage", [store](const Request& request, Responder respond) {
    respond(GetLineage(request, *store));
  });
}

}  // namespace lineaged::api
