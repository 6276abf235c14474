#pragma once

// Marquez's REST read API (and its small write side: namespaces, tags, soft
// deletes) under /api/v1, answering from GraphStore's read model. Shapes,
// status codes and messages follow Marquez 0.51; docs/api.md lists every
// endpoint and where we differ. GET /api/v1/lineage and /column-lineage are
// in lineage_routes.h.
//
//   AddLineageRoutes(&router, store);
//   AddMarquezRoutes(&router, store);

#include "api/router.h"
#include "graphstore/graph_store.h"

namespace lineaged::api {

// Registers all the groups below. `store` must outlive the router.
void AddMarquezRoutes(Router* router, graphstore::GraphStore* store);

// GET /namespaces, GET|PUT|DELETE /namespaces/{namespace}; GET /sources,
// /sources/{source}; GET /tags, PUT /tags/{tag}.
void AddNamespaceRoutes(Router* router, graphstore::GraphStore* store);

// /namespaces/{namespace}/datasets[/{dataset}[/versions[/{version}]|
// /tags/{tag}|/fields/{field}/tags/{tag}]].
void AddDatasetRoutes(Router* router, graphstore::GraphStore* store);

// GET /jobs, /namespaces/{namespace}/jobs[/{job}[/versions[/{version}]|/runs|
// /tags/{tag}]], GET /jobs/runs/{id}[/facets].
void AddJobRoutes(Router* router, graphstore::GraphStore* store);

// GET /search, /events/lineage, /stats/lineage-events.
void AddSearchRoutes(Router* router, const graphstore::GraphStore* store);

}  // namespace lineaged::api
