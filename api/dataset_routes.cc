// Datasets, their versions and tags (Marquez's DatasetResource).

#include <string>

#include "absl/strings/ascii.h"

#include "api/internal/route_helpers.h"
#include "api/marquez_routes.h"
#include "api/query_params.h"

namespace lineaged::api {
namespace {

using graphstore::GraphStore;
using graphstore::QualifiedName;
using internal::PathName;
using internal::PathParam;
using internal::Respond;
using internal::Sync;

// Marquez checks the namespace before the dataset, so an unknown namespace
// reports "Namespace 'x' not found." rather than the dataset.
absl::Status CheckNamespace(const GraphStore& store, const Request& request) {
  return store.GetNamespace(PathParam(request, "namespace")).status();
}

Response ListDatasets(const Request& request, const GraphStore& store,
                      internal::RenderedNodeCache* cache) {
  absl::StatusOr<Pagination> page = ParsePagination(request, kDefaultLimit);
  if (!page.ok()) return StatusResponse(page.status());
  return internal::StampedPage(
      "datasets", cache,
      [&](graphstore::HaveRendered have) {
        return store.ListDatasetsStamped(PathParam(request, "namespace"), page->limit, page->offset,
                                         have);
      },
      WriteDatasetJson);
}

Response GetDataset(const Request& request, const GraphStore& store) {
  if (absl::Status s = CheckNamespace(store, request); !s.ok()) return StatusResponse(s);
  return Respond(store.GetDataset(PathName(request, "dataset")), WriteDatasetJson);
}

Response HideDataset(const Request& request, GraphStore* store) {
  if (absl::Status s = CheckNamespace(*store, request); !s.ok()) return StatusResponse(s);
  return Respond(store->HideDataset(PathName(request, "dataset")), WriteDatasetJson);
}

Response ListVersions(const Request& request, const GraphStore& store) {
  absl::StatusOr<Pagination> page = ParsePagination(request, kDefaultLimit);
  if (!page.ok()) return StatusResponse(page.status());
  if (absl::Status s = CheckNamespace(store, request); !s.ok()) return StatusResponse(s);
  return Respond(store.ListDatasetVersions(PathName(request, "dataset"), page->limit, page->offset),
                 internal::PageOf("versions", WriteDatasetVersionJson));
}

Response GetVersion(const Request& request, const GraphStore& store) {
  absl::StatusOr<graphstore::Uuid> version = internal::PathUuid(request, "version");
  if (!version.ok()) return StatusResponse(version.status());
  if (absl::Status s = CheckNamespace(store, request); !s.ok()) return StatusResponse(s);
  return Respond(store.GetDatasetVersion(PathName(request, "dataset"), *version),
                 WriteDatasetVersionJson);
}

Response TagDataset(const Request& request, GraphStore* store, bool add) {
  if (absl::Status s = CheckNamespace(*store, request); !s.ok()) return StatusResponse(s);
  return Respond(store->TagDataset(PathName(request, "dataset"), PathParam(request, "tag"), add),
                 WriteDatasetJson);
}

Response TagField(const Request& request, GraphStore* store, bool add) {
  if (absl::Status s = CheckNamespace(*store, request); !s.ok()) return StatusResponse(s);
  // Marquez upper-cases field tag names.
  std::string tag = absl::AsciiStrToUpper(PathParam(request, "tag"));
  return Respond(
      store->TagDatasetField(PathName(request, "dataset"), PathParam(request, "field"), tag, add),
      WriteDatasetJson);
}

}  // namespace

void AddDatasetRoutes(Router* router, GraphStore* store,
                      std::shared_ptr<internal::RenderedNodeCache> cache) {
  constexpr char kDatasets[] = "/api/v1/namespaces/{namespace}/datasets";
  constexpr char kDataset[] = "/api/v1/namespaces/{namespace}/datasets/{dataset}";
  std::string dataset = kDataset;
  router->Add("GET", kDatasets, Sync([store, cache](const Request& r) {
                return ListDatasets(r, *store, cache.get());
              }));
  router->Add("GET", dataset, Sync([store](const Request& r) { return GetDataset(r, *store); }));
  router->Add("DELETE", dataset, Sync([store](const Request& r) { return HideDataset(r, store); }));
  router->Add("GET", dataset + "/versions",
              Sync([store](const Request& r) { return ListVersions(r, *store); }));
  router->Add("GET", dataset + "/versions/{version}",
              Sync([store](const Request& r) { return GetVersion(r, *store); }));
  router->Add("POST", dataset + "/tags/{tag}",
              Sync([store](const Request& r) { return TagDataset(r, store, true); }));
  router->Add("DELETE", dataset + "/tags/{tag}",
              Sync([store](const Request& r) { return TagDataset(r, store, false); }));
  router->Add("POST", dataset + "/fields/{field}/tags/{tag}",
              Sync([store](const Request& r) { return TagField(r, store, true); }));
  router->Add("DELETE", dataset + "/fields/{field}/tags/{tag}",
              Sync([store](const Request& r) { return TagField(r, store, false); }));
}

}  // namespace lineaged::api
