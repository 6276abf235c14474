// Namespaces, sources and tags (Marquez's NamespaceResource, SourceResource,
// TagResource).

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

#include "api/internal/route_helpers.h"
#include "api/marquez_routes.h"
#include "api/query_params.h"

namespace lineaged::api {
namespace {

using internal::PathParam;
using internal::Respond;
using internal::Sync;

constexpr size_t kMaxNamespaceLength = 1024;

// Marquez's NamespaceName rule: ^[a-zA-Z:;=/0-9_\-\.@+]{1,1024}$.
bool IsValidNamespaceName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNamespaceLength) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view(":;=/_-.@+").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

Response ListNamespaces(const Request& request, const graphstore::GraphStore& store) {
  absl::StatusOr<Pagination> page = ParsePagination(request, kDefaultLimit);
  if (!page.ok()) return StatusResponse(page.status());
  return Respond(store.ListNamespaces(page->limit, page->offset),
                 internal::ListOf("namespaces", WriteNamespaceJson));
}

Response PutNamespace(const Request& request, graphstore::GraphStore* store) {
  const std::string& name = PathParam(request, "namespace");
  if (!IsValidNamespaceName(name)) {
    return ErrorResponse(400, absl::StrCat("namespace name must match "
                                           "^[a-zA-Z:;=/0-9_\\-\\.@+]{1,1024}$ (got '",
                                           name, "')"));
  }
  internal::JsonBody body = internal::ParseJsonObjectBody(request, /*empty_is_object=*/true);
  if (!body.object) return body.error;
  std::vector<std::string> errors;
  std::optional<std::string> owner =
      internal::OptionalStringMember(*body.object, "ownerName", &errors);
  std::optional<std::string> description =
      internal::OptionalStringMember(*body.object, "description", &errors);
  if (!owner && errors.empty()) errors.push_back("ownerName must not be null");
  if (!errors.empty()) return internal::ValidationErrorResponse(errors);
  return Respond(store->PutNamespace(name, *owner, std::move(description)), WriteNamespaceJson);
}

Response PutTag(const Request& request, graphstore::GraphStore* store) {
  internal::JsonBody body = internal::ParseJsonObjectBody(request, /*empty_is_object=*/true);
  if (!body.object) return body.error;
  std::vector<std::string> errors;
  std::optional<std::string> description =
      internal::OptionalStringMember(*body.object, "description", &errors);
  if (!errors.empty()) return internal::ValidationErrorResponse(errors);
  return Respond(store->PutTag(PathParam(request, "tag"), std::move(description)), WriteTagJson);
}

}  // namespace

void AddNamespaceRoutes(Router* router, graphstore::GraphStore* store) {
  router->Add("GET", "/api/v1/namespaces",
              Sync([store](const Request& r) { return ListNamespaces(r, *store); }));
  router->Add("GET", "/api/v1/namespaces/{namespace}", Sync([store](const Request& r) {
                return Respond(store->GetNamespace(PathParam(r, "namespace")), WriteNamespaceJson);
              }));
  router->Add("PUT", "/api/v1/namespaces/{namespace}",
              Sync([store](const Request& r) { return PutNamespace(r, store); }));
  router->Add("DELETE", "/api/v1/namespaces/{namespace}", Sync([store](const Request& r) {
                return Respond(store->HideNamespace(PathParam(r, "namespace")), WriteNamespaceJson);
              }));

  router->Add("GET", "/api/v1/sources", Sync([store](const Request& r) {
                absl::StatusOr<Pagination> page = ParsePagination(r, kDefaultLimit);
                if (!page.ok()) return StatusResponse(page.status());
                return Respond(store->ListSources(page->limit, page->offset),
                               internal::ListOf("sources", WriteSourceJson));
              }));
  router->Add("GET", "/api/v1/sources/{source}", Sync([store](const Request& r) {
                return Respond(store->GetSource(PathParam(r, "source")), WriteSourceJson);
              }));

  router->Add("GET", "/api/v1/tags", Sync([store](const Request& r) {
                absl::StatusOr<Pagination> page = ParsePagination(r, kDefaultLimit);
                if (!page.ok()) return StatusResponse(page.status());
                return Respond(store->ListTags(page->limit, page->offset),
                               internal::ListOf("tags", WriteTagJson));
              }));
  router->Add("PUT", "/api/v1/tags/{tag}",
              Sync([store](const Request& r) { return PutTag(r, store); }));
}

}  // namespace lineaged::api
