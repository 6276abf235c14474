#pragma once

// GET /api/v1/lineage?nodeId=&depth= in Marquez's response shape.

#include "api/router.h"
#include "graphstore/graph_store.h"

namespace lineaged::api {

// Registers the lineage routes on `router`. `store` must outlive the router.
void AddLineageRoutes(Router* router, const graphstore::GraphStore* store);

// The handler itself, for tests: renders the store's lineage as Marquez does.
Response GetLineage(const Request& request, const graphstore::GraphStore& store);

}  // namespace lineaged::api
