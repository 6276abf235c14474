// Search, raw events and event statistics (Marquez's SearchResource,
// OpenLineageResource#getLineageEvents and StatsResource).

#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

#include "api/internal/route_helpers.h"
#include "api/marquez_routes.h"
#include "api/query_params.h"
#include "api/stats_intervals.h"

namespace lineaged::api {
namespace {

using graphstore::GraphStore;
using internal::Respond;
using internal::Sync;

// Marquez's defaults for GET /events/lineage: 2030-01-01T00:00:00Z and the epoch.
constexpr int64_t kDefaultEventsBeforeMicros = 1893456000LL * 1000000;
constexpr int64_t kDefaultEventsAfterMicros = 0;

Response Search(const Request& request, const GraphStore& store) {
  graphstore::SearchQuery query;
  std::optional<std::string> text = request.Query("q");
  if (!text || absl::StripAsciiWhitespace(*text).empty()) {
    return ErrorResponse(400, "query param q must not be blank");
  }
  query.text = *text;
  if (std::optional<std::string> filter = request.Query("filter")) {
    std::string lower = absl::AsciiStrToLower(*filter);
    if (lower == "dataset") {
      query.filter = graphstore::SearchFilter::kDataset;
    } else if (lower == "job") {
      query.filter = graphstore::SearchFilter::kJob;
    } else {
      return ErrorResponse(400, "query param filter must be dataset or job");
    }
  }
  if (std::optional<std::string> sort = request.Query("sort")) {
    // Marquez's enum is NAME/UPDATE_AT; its docs say updated_at. Take all.
    std::string lower = absl::AsciiStrToLower(*sort);
    if (lower == "name") {
      query.sort = graphstore::SearchSort::kName;
    } else if (lower == "update_at" || lower == "updated_at") {
      query.sort = graphstore::SearchSort::kUpdatedAt;
    } else {
      return ErrorResponse(400, "query param sort must be name or updated_at");
    }
  }
  if (std::optional<std::string> ns = request.Query("namespace"); ns && !ns->empty()) {
    query.namespace_name = *ns;
  }
  absl::StatusOr<std::optional<int64_t>> before = ParseDateParam(request, "before");
  if (!before.ok()) return StatusResponse(before.status());
  absl::StatusOr<std::optional<int64_t>> after = ParseDateParam(request, "after");
  if (!after.ok()) return StatusResponse(after.status());
  query.updated_before_micros = *before;
  query.updated_after_micros = *after;
  absl::StatusOr<Pagination> page = ParsePagination(request, kDefaultSearchLimit);
  if (!page.ok()) return StatusResponse(page.status());
  query.limit = page->limit;
  query.offset = page->offset;
  return Respond(store.Search(query),
                 [](const graphstore::Page<graphstore::SearchHit>& hits, JsonWriter& out) {
                   out.BeginObject();
                   out.Key("totalCount").Uint(hits.total_count);
                   out.Key("results").BeginArray();
                   for (const graphstore::SearchHit& hit : hits.items) WriteSearchHitJson(hit, out);
                   out.EndArray();
                   out.EndObject();
                 });
}

Response ListEvents(const Request& request, const GraphStore& store) {
  absl::StatusOr<int64_t> before =
      ParseTimestampParam(request, "before", kDefaultEventsBeforeMicros);
  if (!before.ok()) return StatusResponse(before.status());
  absl::StatusOr<int64_t> after = ParseTimestampParam(request, "after", kDefaultEventsAfterMicros);
  if (!after.ok()) return StatusResponse(after.status());
  bool ascending = false;
  if (std::optional<std::string> direction = request.Query("sortDirection")) {
    std::string lower = absl::AsciiStrToLower(*direction);
    if (lower != "asc" && lower != "desc") {
      return ErrorResponse(400, "query param sortDirection must be asc or desc");
    }
    ascending = lower == "asc";
  }
  absl::StatusOr<Pagination> page = ParsePagination(request, kDefaultLimit);
  if (!page.ok()) return StatusResponse(page.status());
  absl::StatusOr<graphstore::Page<graphstore::StoredEvent>> events =
      store.ListRunEvents(*after, *before, ascending, page->limit, page->offset);
  if (!events.ok()) return StatusResponse(events.status());
  // Raw events are stored as received, after simdjson validated them: copied verbatim.
  return internal::Ok([&](JsonWriter& out) {
    out.BeginObject();
    out.Key("events").BeginArray();
    for (const graphstore::StoredEvent& event : events->items) out.RawJson(event.raw_json);
    out.EndArray();
    out.Key("totalCount").Uint(events->total_count);
    out.EndObject();
  });
}

Response LineageEventStats(const Request& request, const GraphStore& store) {
  std::optional<std::string> period = request.Query("period");
  absl::StatusOr<std::vector<int64_t>> boundaries =
      LineageEventStatsBoundaries(period.value_or(""), request.Query("timezone"), absl::Now());
  if (!boundaries.ok()) return StatusResponse(boundaries.status());
  return Respond(store.CountRunEvents(*boundaries), [](const auto& buckets, JsonWriter& out) {
    out.BeginArray();
    for (const graphstore::EventTypeCounts& bucket : buckets) WriteEventTypeCountsJson(bucket, out);
    out.EndArray();
  });
}

}  // namespace

void AddSearchRoutes(Router* router, const GraphStore* store) {
  router->Add("GET", "/api/v1/search",
              Sync([store](const Request& r) { return Search(r, *store); }));
  router->Add("GET", "/api/v1/events/lineage",
              Sync([store](const Request& r) { return ListEvents(r, *store); }));
  router->Add("GET", "/api/v1/stats/lineage-events",
              Sync([store](const Request& r) { return LineageEventStats(r, *store); }));
}

}  // namespace lineaged::api
