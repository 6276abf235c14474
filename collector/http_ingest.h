#pragma once

// The HTTP face of ingest, free of any HTTP library: maps a request's content
// type and body to IngestService and its result to Marquez's status codes and
// bodies (201 empty; 400 {"code","message"}; 422 {"errors":[...]}; 415), and
// limits: 413 {"code","message","limit","field"} for an event over a limit,
// 429 {"code","message","limit"} + Retry-After when the store's queue is full,
// 503 + Retry-After when the store is closing or cannot write.

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collector/ingest_service.h"

namespace lineaged::collector {

struct HttpReply {
  int status = 201;
  std::string body;  // JSON, or empty
  std::vector<std::pair<std::string, std::string>> headers;
};

// True for application/json (any parameters) and other +json types.
bool IsJsonContentType(std::string_view content_type);

// Renders an IngestResult the way Marquez answers POST /api/v1/lineage.
HttpReply ToHttpReply(const IngestResult& result);

// Handles POST /api/v1/lineage. `done` runs exactly once, possibly on the
// store's committer thread.
void HandleLineagePost(IngestService* service, std::string_view content_type, std::string body,
                       std::function<void(HttpReply)> done);

// Handles POST /api/v1/lineage/batch: a JSON array of events, or NDJSON with
// Content-Type application/x-ndjson. Answers 200 with the OpenLineage batch
// response ({"status","summary","failed_events"}) once every valid event is
// durable; 400 only when the body is not a batch at all.
void HandleLineageBatchPost(IngestService* service, std::string_view content_type, std::string body,
                            std::function<void(HttpReply)> done);

// The OpenLineage batch response body for `results`, in element order.
std::string BatchResponseBody(const std::vector<IngestResult>& results);

}  // namespace lineaged::collector
