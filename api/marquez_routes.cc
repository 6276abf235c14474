#include "api/marquez_routes.h"

namespace lineaged::api {

void AddMarquezRoutes(Router* router, graphstore::GraphStore* store) {
  AddNamespaceRoutes(router, store);
  AddDatasetRoutes(router, store);
  AddJobRoutes(router, store);
  AddSearchRoutes(router, store);
}

}  // namespace lineaged::api
