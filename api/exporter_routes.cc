#include "api/exporter_routes.h"

#include <charconv>

#include "api/json_format.h"
#include "graphstore/base/strings.h"

namespace lineaged::api {
namespace {

using nlohmann::ordered_json;

constexpr size_t kDefaultLimit = 100;
constexpr size_t kMaxLimit = 10000;

std::optional<uint64_t> ParseUnsigned(const std::string& text) {
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

Response ListDeadLetters(const Request& request, const graphstore::GraphStore& store) {
  size_t limit = kDefaultLimit;
  if (std::optional<std::string> text = request.Query("limit")) {
    std::optional<uint64_t> parsed = ParseUnsigned(*text);
    if (!parsed || *parsed > kMaxLimit) {
      return ErrorResponse(400, "limit must be an integer from 0 to 10000");
    }
    limit = *parsed;
  }
  absl::StatusOr<std::vector<graphstore::DeadLetter>> letters = store.ListDeadLetters(limit);
  if (!letters.ok()) return ErrorResponse(503, AsStd(letters.status().message()));
  ordered_json list = ordered_json::array();
  for (const graphstore::DeadLetter& letter : *letters) {
    list.push_back({{"sequence", letter.sequence},
                    {"failedAt", FormatTimestamp(letter.failed_at_micros)},
                    {"reason", letter.reason}});
  }
  return JsonResponse(
      200, ordered_json{{"deadLetters", std::move(list)}, {"totalCount", store.dead_letter_count()}}
               .dump());
}

Response RetryDeadLetter(const Request& request, graphstore::GraphStore* store) {
  std::optional<uint64_t> sequence = ParseUnsigned(request.path_params.at("sequence"));
  if (!sequence) return ErrorResponse(400, "sequence must be a non-negative integer");
  absl::Status status = store->RetryDeadLetter(*sequence);
  if (absl::IsNotFound(status)) return ErrorResponse(404, AsStd(status.message()));
  if (!status.ok()) return ErrorResponse(503, AsStd(status.message()));
  return JsonResponse(200, ordered_json{{"sequence", *sequence}, {"status", "requeued"}}.dump());
}

}  // namespace

void AddDeadLetterRoutes(Router* router, graphstore::GraphStore* store) {
  router->Add("GET", "/api/v1/exporters/atlas/dead-letters",
              [store](const Request& request, Responder respond) {
                respond(ListDeadLetters(request, *store));
              });
  router->Add("POST", "/api/v1/exporters/atlas/dead-letters/{sequence}/retry",
              [store](const Request& request, Responder respond) {
                respond(RetryDeadLetter(request, store));
              });
}

}  // namespace lineaged::api
