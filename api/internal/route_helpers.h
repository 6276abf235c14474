#pragma once

// Plumbing shared by the Marquez REST handlers: exception-safe synchronous
// handlers, status-to-response mapping, path parameters, list envelopes and
// request bodies.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

#include "api/http_status.h"
#include "api/http_types.h"
#include "api/internal/rendered_node_cache.h"
#include "api/json_format.h"
#include "api/json_writer.h"
#include "api/model_json.h"
#include "graphstore/types.h"

namespace lineaged::api::internal {

// A handler that answers synchronously (reads and small writes run on the I/O
// thread). Any exception — nlohmann, std::bad_alloc — becomes a 500 instead
// of leaving the component.
Handler Sync(std::function<Response(const Request&)> handle);

// 200 with the JSON that write(JsonWriter&) writes.
template <typename Write>
Response Ok(Write&& write) {
  JsonWriter out;
  std::forward<Write>(write)(out);
  return JsonResponse(200, out.Take());
}

// The error of `result`, or 200 with the JSON render(*result, JsonWriter&)
// writes.
template <typename T, typename Render>
Response Respond(const absl::StatusOr<T>& result, Render&& render) {
  if (!result.ok()) return StatusResponse(result.status());
  return Ok([&](JsonWriter& out) { std::forward<Render>(render)(*result, out); });
}

// {"errors": [...]} with 422, Dropwizard's body for invalid request bodies.
Response ValidationErrorResponse(const std::vector<std::string>& errors);

// A path parameter the route pattern guarantees.
const std::string& PathParam(const Request& request, const std::string& name);

// (path {namespace}, path {<name_param>}).
graphstore::QualifiedName PathName(const Request& request, const std::string& name_param);

// The UUID in path parameter `param`; InvalidArgument naming it otherwise.
absl::StatusOr<graphstore::Uuid> PathUuid(const Request& request, const std::string& param);

// A renderer of a vector as {"<key>": [render(item, out)...]}.
template <typename Render>
auto ListOf(std::string_view key, Render render) {
  return [key, render](const auto& items, JsonWriter& out) {
    out.BeginObject();
    out.Key(key).BeginArray();
    for (const auto& item : items) render(item, out);
    out.EndArray();
    out.EndObject();
  };
}

// A renderer of a graphstore::Page as
// {"<key>": [render(item, out)...], "totalCount": page.total_count}.
template <typename Render>
auto PageOf(std::string_view key, Render render) {
  return [key, render](const auto& page, JsonWriter& out) {
    out.BeginObject();
    out.Key(key).BeginArray();
    for (const auto& item : page.items) render(item, out);
    out.EndArray();
    out.Key("totalCount").Uint(page.total_count);
    out.EndObject();
  };
}

// The `view` of `node` that `cache` (may be null) holds at the node's stamp,
// or null.
inline std::shared_ptr<const std::string> FindRendered(RenderedNodeCache* cache,
                                                       const graphstore::NodeStamp& node,
                                                       RenderedNodeCache::View view) {
  if (cache == nullptr) return nullptr;
  return cache->Find(RenderedNodeCache::Key(node.node_id, view), node.stamp);
}

// What `render(JsonWriter&)` writes, as a text of its own, kept in `cache`
// (may be null) under `key` at `stamp`.
template <typename Render>
std::shared_ptr<const std::string> RenderAndKeep(RenderedNodeCache* cache, uint64_t key,
                                                 uint64_t stamp, Render&& render) {
  JsonWriter one;
  std::forward<Render>(render)(one);
  auto text = std::make_shared<const std::string>(one.Take());
  if (cache != nullptr) cache->Insert(key, stamp, text);
  return text;
}

// A list page of datasets or jobs as PageOf(key, render) writes it, from
// `list(have)` (GraphStore::ListDatasetsStamped/ListJobsStamped): a node
// whose stamp `cache` (may be null) holds is copied from it; the others are
// rendered alone and kept in `cache`. The bytes are those of rendering the
// whole page at once.
template <typename List, typename Render>
Response StampedPage(std::string_view key, RenderedNodeCache* cache, List&& list, Render&& render) {
  std::vector<std::shared_ptr<const std::string>> texts;
  auto page = list([&](const graphstore::NodeStamp& node) {
    texts.push_back(FindRendered(cache, node, RenderedNodeCache::View::kListItem));
    return texts.back() != nullptr;
  });
  if (!page.ok()) return StatusResponse(page.status());
  texts.resize(page->items.size());
  for (size_t i = 0; i < page->items.size(); ++i) {
    const auto& item = page->items[i];
    if (!item.info) {
      if (texts[i] == nullptr) return ErrorResponse(500, "internal error");  // broken contract
      continue;
    }
    texts[i] = RenderAndKeep(
        cache, RenderedNodeCache::Key(item.node.node_id, RenderedNodeCache::View::kListItem),
        item.node.stamp, [&](JsonWriter& one) { render(*item.info, one); });
  }
  size_t bytes = key.size() + 64;  // the envelope, commas and totalCount
  for (const auto& text : texts) bytes += text->size() + 1;
  JsonWriter out;
  out.Reserve(bytes);
  out.BeginObject();
  out.Key(key).BeginArray();
  for (const auto& text : texts) out.RawJson(*text);
  out.EndArray();
  out.Key("totalCount").Uint(page->total_count);
  out.EndObject();
  return JsonResponse(200, out.Take());
}

// The request body as a JSON object, or the error response to send: 400 when
// it is not JSON or not an object. An empty body is an empty object when
// `empty_is_object`, else 400 too.
struct JsonBody {
  std::optional<Json> object;
  Response error;
};
JsonBody ParseJsonObjectBody(const Request& request, bool empty_is_object);

// An optional string member of a body: nullopt if absent or null; appends
// "<name> must be a string" to `errors` for any other type.
std::optional<std::string> OptionalStringMember(const Json& body, const char* name,
                                                std::vector<std::string>* errors);

}  // namespace lineaged::api::internal
