#pragma once

// Marquez's lineage graphs:
//   GET /api/v1/lineage?nodeId=&depth=                        table level
//   GET /api/v1/column-lineage?nodeId=&depth=&withDownstream=  column level

#include "api/router.h"
#include "graphstore/graph_store.h"

namespace lineaged::api {

// Registers both routes on `router`. `store` must outlive the router.
void AddLineageRoutes(Router* router, const graphstore::GraphStore* store);

// The handlers themselves, for tests.
Response GetLineage(const Request& request, const graphstore::GraphStore& store);
Response GetColumnLineage(const Request& request, const graphstore::GraphStore& store);

}  // namespace lineaged::api
