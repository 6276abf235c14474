#pragma once

// Marquez's lineage graphs:
//   GET /api/v1/lineage?nodeId=&depth=                        table level
//   GET /api/v1/column-lineage?nodeId=&depth=&withDownstream=  column level

#include <memory>

#include "api/router.h"
#include "graphstore/graph_store.h"

namespace lineaged::api {

namespace internal {
class RenderedNodeCache;
}  // namespace internal

// Registers both routes on `router`. `store` must outlive the router. `cache`
// (may be null) keeps lineage nodes' `data` rendered between requests.
void AddLineageRoutes(Router* router, const graphstore::GraphStore* store,
                      std::shared_ptr<internal::RenderedNodeCache> cache = nullptr);

// The handlers themselves, for tests.
Response GetLineage(const Request& request, const graphstore::GraphStore& store,
                    internal::RenderedNodeCache* cache = nullptr);
Response GetColumnLineage(const Request& request, const graphstore::GraphStore& store);

}  // namespace lineaged::api
