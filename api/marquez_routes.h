#pragma once

// Marquez's REST read API (and its small write side: namespaces, tags, soft
// deletes) under /api/v1, answering from GraphStore's read model. Shapes,
// status codes and messages follow Marquez 0.51; docs/api.md lists every
// endpoint and where we differ. GET /api/v1/lineage and /column-lineage are
// in lineage_routes.h.
//
//   auto cache = NewRenderCache(kDefaultRenderCacheBytes);
//   AddLineageRoutes(&router, store, cache);
//   AddMarquezRoutes(&router, store, cache);

#include <cstddef>
#include <memory>
#include <string>

#include "api/router.h"
#include "graphstore/graph_store.h"

namespace lineaged::api {

namespace internal {
class RenderedNodeCache;
}  // namespace internal

// The cache of rendered datasets and jobs the list pages and lineage graphs
// share (api/internal/rendered_node_cache.h), at most `bytes` of JSON; null
// (nothing kept) when `bytes` is 0.
inline constexpr size_t kDefaultRenderCacheBytes = size_t{64} << 20;
std::shared_ptr<internal::RenderedNodeCache> NewRenderCache(size_t bytes);
// What /metrics shows of `cache` (may be null): Prometheus text with its
// bytes, entries, and lookups by hit or miss. Thread-safe.
std::string RenderCacheMetrics(const internal::RenderedNodeCache* cache);

// Registers all the groups below, the list pages keeping their items in
// `cache` (may be null). `store` must outlive the router.
void AddMarquezRoutes(Router* router, graphstore::GraphStore* store,
                      std::shared_ptr<internal::RenderedNodeCache> cache);

// GET /namespaces, GET|PUT|DELETE /namespaces/{namespace}; GET /sources,
// /sources/{source}; GET /tags, PUT /tags/{tag}.
void AddNamespaceRoutes(Router* router, graphstore::GraphStore* store);

// /namespaces/{namespace}/datasets[/{dataset}[/versions[/{version}]|
// /tags/{tag}|/fields/{field}/tags/{tag}]]. `cache` (may be null) keeps
// the list pages' datasets rendered.
void AddDatasetRoutes(Router* router, graphstore::GraphStore* store,
                      std::shared_ptr<internal::RenderedNodeCache> cache);

// GET /jobs, /namespaces/{namespace}/jobs[/{job}[/versions[/{version}]|/runs|
// /tags/{tag}]], GET /jobs/runs/{id}[/facets]. `cache` (may be null) keeps
// the list pages' jobs rendered.
void AddJobRoutes(Router* router, graphstore::GraphStore* store,
                  std::shared_ptr<internal::RenderedNodeCache> cache);

// GET /search, /events/lineage, /stats/lineage-events.
void AddSearchRoutes(Router* router, const graphstore::GraphStore* store);

}  // namespace lineaged::api
