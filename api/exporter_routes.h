#pragma once

// Operator routes of the Atlas exporter's dead letters:
//   GET  /api/v1/exporters/atlas/dead-letters?limit=
//   POST /api/v1/exporters/atlas/dead-letters/{sequence}/retry

#include "api/router.h"
#include "graphstore/graph_store.h"

namespace lineaged::api {

// `store` must outlive the router.
void AddDeadLetterRoutes(Router* router, graphstore::GraphStore* store);

}  // namespace lineaged::api
