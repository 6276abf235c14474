#include "api/marquez_routes.h"

#include "absl/strings/str_format.h"

#include "api/internal/rendered_node_cache.h"

namespace lineaged::api {

std::shared_ptr<internal::RenderedNodeCache> NewRenderCache(size_t bytes) {
  if (bytes == 0) return nullptr;
  return std::make_shared<internal::RenderedNodeCache>(bytes);
}

std::string RenderCacheMetrics(const internal::RenderedNodeCache* cache) {
  const internal::RenderedNodeCache::Stats stats =
      cache != nullptr ? cache->stats() : internal::RenderedNodeCache::Stats{};
  return absl::StrFormat(
      "# HELP lineage_render_cache_bytes Bytes of dataset and job JSON kept rendered for list "
      "pages and lineage graphs (at most --render_cache_bytes).\n"
      "# TYPE lineage_render_cache_bytes gauge\n"
      "lineage_render_cache_bytes %d\n"
      "# HELP lineage_render_cache_entries Renderings of datasets and jobs kept.\n"
      "# TYPE lineage_render_cache_entries gauge\n"
      "lineage_render_cache_entries %d\n"
      "# HELP lineage_render_cache_lookups_total List page items and lineage nodes looked up in "
      "the render cache, by whether their current rendering was there.\n"
      "# TYPE lineage_render_cache_lookups_total counter\n"
      "lineage_render_cache_lookups_total{result=\"hit\"} %d\n"
      "lineage_render_cache_lookups_total{result=\"miss\"} %d\n",
      stats.bytes, stats.entries, stats.hits, stats.misses);
}

void AddMarquezRoutes(Router* router, graphstore::GraphStore* store,
                      std::shared_ptr<internal::RenderedNodeCache> cache) {
  AddNamespaceRoutes(router, store);
  AddDatasetRoutes(router, store, cache);
  AddJobRoutes(router, store, cache);
  AddSearchRoutes(router, store);
}

}  // namespace lineaged::api
