#include "api/lineage_routes.h"

#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"

#include "api/http_status.h"
#include "api/internal/rendered_node_cache.h"
#include "api/internal/route_helpers.h"
#include "api/model_json.h"
#include "api/node_id.h"
#include "api/query_params.h"
#include "graphstore/base/uuid.h"

namespace lineaged::api {
namespace {

using graphstore::NodeKind;
using graphstore::QualifiedName;

constexpr int kDefaultDepth = 20;

absl::StatusOr<NodeId> RequiredNodeId(const Request& request) {
  std::optional<std::string> text = request.Query("nodeId");
  if (!text || text->empty()) {
    return absl::InvalidArgumentError("query parameter nodeId is required");
  }
  return ParseNodeId(*text);
}

absl::StatusOr<graphstore::Uuid> RunUuid(const NodeId& id) {
  std::optional<graphstore::Uuid> uuid = graphstore::ParseUuid(id.name);
  if (!uuid) return absl::InvalidArgumentError("run node ids must be run:<uuid>");
  return *uuid;
}

}  // namespace

namespace {

// The lineage graph's JSON, each node's `data` copied from `cache` when the
// store left it out (the cache had it at the node's stamp), else rendered and,
// where the store says it may be, kept.
Response RenderLineage(
    const absl::StatusOr<graphstore::LineageGraph>& graph,
    const absl::flat_hash_map<uint64_t, std::shared_ptr<const std::string>>& kept,
    internal::RenderedNodeCache* cache) {
  if (!graph.ok()) return StatusResponse(graph.status());
  using internal::RenderedNodeCache;
  bool missing = false;
  auto write_data = [&](const graphstore::LineageDataStamp& stamp, JsonWriter& out,
                        const auto& render) {
    if (stamp.omitted) {
      auto it = kept.find(stamp.node.node_id);
      if (it == kept.end()) {  // a broken contract: never leave the answer half right
        missing = true;
        out.Null();
        return;
      }
      out.RawJson(*it->second);
      return;
    }
    if (cache == nullptr || !stamp.cacheable) {
      render(out);
      return;
    }
    out.RawJson(*internal::RenderAndKeep(
        cache, RenderedNodeCache::Key(stamp.node.node_id, RenderedNodeCache::View::kLineageData),
        stamp.node.stamp, render));
  };
  JsonWriter out;
  WriteLineageGraphJsonWithData(
      *graph, out,
      [&](const graphstore::DatasetNode& node, JsonWriter& data) {
        write_data(node.stamp, data,
                   [&](JsonWriter& to) { WriteLineageDatasetDataJson(node.data, to); });
      },
      [&](const graphstore::JobNode& node, JsonWriter& data) {
        write_data(node.stamp, data,
                   [&](JsonWriter& to) { WriteLineageJobDataJson(node.data, to); });
      });
  if (missing) return ErrorResponse(500, "internal error");
  return JsonResponse(200, out.Take());
}

}  // namespace

Response GetLineage(const Request& request, const graphstore::GraphStore& store,
                    internal::RenderedNodeCache* cache) {
  absl::StatusOr<NodeId> node_id = RequiredNodeId(request);
  if (!node_id.ok()) return StatusResponse(node_id.status());
  absl::StatusOr<int> depth = ParseNonNegativeInt(request, "depth", kDefaultDepth);
  if (!depth.ok()) return StatusResponse(depth.status());

  graphstore::NodeRef start;
  start.name = QualifiedName{node_id->namespace_name, node_id->name};
  switch (node_id->type) {
    case NodeId::Type::kDataset:
    case NodeId::Type::kDatasetField:  // Marquez: a field's lineage is its dataset's
      start.kind = NodeKind::kDataset;
      break;
    case NodeId::Type::kJob:
      start.kind = NodeKind::kJob;
      break;
    case NodeId::Type::kRun: {  // Marquez: a run's lineage is its job's
      absl::StatusOr<graphstore::Uuid> run_id = RunUuid(*node_id);
      if (!run_id.ok()) return StatusResponse(run_id.status());
      absl::StatusOr<graphstore::RunInfo> run = store.GetRun(*run_id);
      if (!run.ok()) return StatusResponse(run.status());
      start.kind = NodeKind::kJob;
      start.name = run->job;
      break;
    }
  }
  absl::flat_hash_map<uint64_t, std::shared_ptr<const std::string>> kept;
  auto have = [&](const graphstore::NodeStamp& node) {
    std::shared_ptr<const std::string> text =
        internal::FindRendered(cache, node, internal::RenderedNodeCache::View::kLineageData);
    if (text == nullptr) return false;
    kept.emplace(node.node_id, std::move(text));
    return true;
  };
  return RenderLineage(store.GetLineageStamped(start, *depth, have), kept, cache);
}

Response GetColumnLineage(const Request& request, const graphstore::GraphStore& store) {
  absl::StatusOr<NodeId> node_id = RequiredNodeId(request);
  if (!node_id.ok()) return StatusResponse(node_id.status());
  absl::StatusOr<int> depth = ParseNonNegativeInt(request, "depth", kDefaultDepth);
  if (!depth.ok()) return StatusResponse(depth.status());
  absl::StatusOr<bool> with_downstream = ParseBool(request, "withDownstream", false);
  if (!with_downstream.ok()) return StatusResponse(with_downstream.status());
  if (node_id->version && *with_downstream) {
    return ErrorResponse(400, "Node version cannot be specified when withDownstream is true");
  }

  graphstore::NodeRef start;
  start.name = QualifiedName{node_id->namespace_name, node_id->name};
  std::optional<std::string> field;
  switch (node_id->type) {
    case NodeId::Type::kDataset:
      start.kind = NodeKind::kDataset;
      break;
    case NodeId::Type::kDatasetField:
      start.kind = NodeKind::kDataset;
      field = node_id->field;
      break;
    case NodeId::Type::kJob:
      start.kind = NodeKind::kJob;
      break;
    case NodeId::Type::kRun:
      return ErrorResponse(400, "column lineage needs a dataset:, datasetField: or job: nodeId");
  }
  std::optional<graphstore::Uuid> version;
  if (node_id->version) {
    version = graphstore::ParseUuid(*node_id->version);
    if (!version) return ErrorResponse(400, "a nodeId version must be a UUID");
  }
  return internal::Respond(
      store.GetColumnLineage(start, field, *depth, *with_downstream, version),
      version ? WriteVersionedColumnLineageGraphJson : WriteColumnLineageGraphJson);
}

void AddLineageRoutes(Router* router, const graphstore::GraphStore* store,
                      std::shared_ptr<internal::RenderedNodeCache> cache) {
  router->Add("GET", "/api/v1/lineage", internal::Sync([store, cache](const Request& r) {
                return GetLineage(r, *store, cache.get());
              }));
  router->Add("GET", "/api/v1/column-lineage",
              internal::Sync([store](const Request& r) { return GetColumnLineage(r, *store); }));
}

}  // namespace lineaged::api
