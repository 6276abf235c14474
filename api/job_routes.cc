// Jobs, job versions and runs (Marquez's JobResource and RunResource).

#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"

#include "api/internal/route_helpers.h"
#include "api/marquez_routes.h"
#include "api/query_params.h"

namespace lineaged::api {
namespace {

using graphstore::GraphStore;
using internal::PathName;
using internal::PathParam;
using internal::Respond;
using internal::Sync;

absl::Status CheckNamespace(const GraphStore& store, const Request& request) {
  return store.GetNamespace(PathParam(request, "namespace")).status();
}

// GET /jobs and GET /namespaces/{namespace}/jobs. Marquez does not check the
// namespace here: an unknown one lists no jobs.
Response ListJobs(const Request& request, const GraphStore& store,
                  std::optional<std::string_view> namespace_name,
                  internal::RenderedNodeCache* cache) {
  absl::StatusOr<Pagination> page = ParsePagination(request, kDefaultLimit);
  if (!page.ok()) return StatusResponse(page.status());
  absl::StatusOr<RunStateFilter> filter = ParseLastRunStates(request);
  if (!filter.ok()) return StatusResponse(filter.status());
  if (filter->matches_nothing) {
    return internal::Ok([](JsonWriter& out) {
      internal::PageOf("jobs", WriteJobJson)(graphstore::Page<graphstore::JobInfo>{}, out);
    });
  }
  return internal::StampedPage(
      "jobs", cache,
      [&](graphstore::HaveRendered have) {
        return store.ListJobsStamped(namespace_name, filter->states, page->limit, page->offset,
                                     have);
      },
      WriteJobJson);
}

Response GetJob(const Request& request, const GraphStore& store) {
  if (absl::Status s = CheckNamespace(store, request); !s.ok()) return StatusResponse(s);
  return Respond(store.GetJob(PathName(request, "job")), WriteJobJson);
}

Response HideJob(const Request& request, GraphStore* store) {
  if (absl::Status s = CheckNamespace(*store, request); !s.ok()) return StatusResponse(s);
  return Respond(store->HideJob(PathName(request, "job")), WriteJobJson);
}

Response TagJob(const Request& request, GraphStore* store, bool add) {
  if (absl::Status s = CheckNamespace(*store, request); !s.ok()) return StatusResponse(s);
  return Respond(store->TagJob(PathName(request, "job"), PathParam(request, "tag"), add),
                 WriteJobJson);
}

Response ListVersions(const Request& request, const GraphStore& store) {
  absl::StatusOr<Pagination> page = ParsePagination(request, kDefaultLimit);
  if (!page.ok()) return StatusResponse(page.status());
  if (absl::Status s = CheckNamespace(store, request); !s.ok()) return StatusResponse(s);
  // Marquez's job version list has no totalCount; ours does (the true count).
  return Respond(store.ListJobVersions(PathName(request, "job"), page->limit, page->offset),
                 internal::PageOf("versions", WriteJobVersionJson));
}

Response GetVersion(const Request& request, const GraphStore& store) {
  absl::StatusOr<graphstore::Uuid> version = internal::PathUuid(request, "version");
  if (!version.ok()) return StatusResponse(version.status());
  if (absl::Status s = CheckNamespace(store, request); !s.ok()) return StatusResponse(s);
  return Respond(store.GetJobVersion(PathName(request, "job"), *version), WriteJobVersionJson);
}

Response ListRuns(const Request& request, const GraphStore& store) {
  absl::StatusOr<Pagination> page = ParsePagination(request, kDefaultLimit);
  if (!page.ok()) return StatusResponse(page.status());
  if (absl::Status s = CheckNamespace(store, request); !s.ok()) return StatusResponse(s);
  return Respond(store.ListRuns(PathName(request, "job"), page->limit, page->offset),
                 internal::PageOf("runs", WriteRunJson));
}

Response GetRun(const Request& request, const GraphStore& store) {
  absl::StatusOr<graphstore::Uuid> id = internal::PathUuid(request, "id");
  if (!id.ok()) return StatusResponse(id.status());
  return Respond(store.GetRun(*id), WriteRunJson);
}

Response GetRunFacets(const Request& request, const GraphStore& store) {
  absl::StatusOr<graphstore::Uuid> id = internal::PathUuid(request, "id");
  if (!id.ok()) return StatusResponse(id.status());
  std::optional<std::string> type = request.Query("type");
  std::string lower = type ? absl::AsciiStrToLower(*type) : "";
  if (lower != "run" && lower != "job") {
    return ErrorResponse(400, "query param type is required and must be run or job");
  }
  return Respond(store.GetRunFacets(*id, lower == "job"), [&](const auto& facets, JsonWriter& out) {
    out.BeginObject();
    out.Key("runId").Uuid(*id);
    out.Key("facets");
    WriteFacetsJson(facets, out);
    out.EndObject();
  });
}

}  // namespace

void AddJobRoutes(Router* router, GraphStore* store,
                  std::shared_ptr<internal::RenderedNodeCache> cache) {
  const std::string job = "/api/v1/namespaces/{namespace}/jobs/{job}";
  router->Add("GET", "/api/v1/jobs", Sync([store, cache](const Request& r) {
                return ListJobs(r, *store, std::nullopt, cache.get());
              }));
  router->Add("GET", "/api/v1/namespaces/{namespace}/jobs", Sync([store, cache](const Request& r) {
                return ListJobs(r, *store, PathParam(r, "namespace"), cache.get());
              }));
  router->Add("GET", job, Sync([store](const Request& r) { return GetJob(r, *store); }));
  router->Add("DELETE", job, Sync([store](const Request& r) { return HideJob(r, store); }));
  router->Add("GET", job + "/versions",
              Sync([store](const Request& r) { return ListVersions(r, *store); }));
  router->Add("GET", job + "/versions/{version}",
              Sync([store](const Request& r) { return GetVersion(r, *store); }));
  router->Add("GET", job + "/runs",
              Sync([store](const Request& r) { return ListRuns(r, *store); }));
  router->Add("POST", job + "/tags/{tag}",
              Sync([store](const Request& r) { return TagJob(r, store, true); }));
  router->Add("DELETE", job + "/tags/{tag}",
              Sync([store](const Request& r) { return TagJob(r, store, false); }));
  router->Add("GET", "/api/v1/jobs/runs/{id}",
              Sync([store](const Request& r) { return GetRun(r, *store); }));
  router->Add("GET", "/api/v1/jobs/runs/{id}/facets",
              Sync([store](const Request& r) { return GetRunFacets(r, *store); }));
}

}  // namespace lineaged::api
