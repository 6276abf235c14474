#pragma once

// Batches of events: splitting a batch body into events, and ingesting many
// events at once so they share the store's fsyncs.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

#include "collector/ingest_service.h"

namespace lineaged::collector {

// Splits a JSON array of events (`ndjson` false) or newline-delimited JSON
// (`ndjson` true; blank lines skipped) into the events' JSON texts.
// InvalidArgument when a JSON array body is not a well-formed array. NDJSON
// lines are not parsed here: a bad line is rejected by ingest like any
// malformed event, and the other lines still count.
absl::StatusOr<std::vector<std::string>> SplitBatch(std::string_view body, bool ndjson);

// Ingests every event concurrently; `done` runs once with one result per
// event, in order, after the last of them is durable or rejected.
void IngestBatch(IngestService* service, std::vector<std::string> events,
                 std::function<void(std::vector<IngestResult>)> done);

// True if the result counts as delivered (stored or an equal event already was).
inline bool IsAccepted(const IngestResult& result) {
  return result.code == IngestResult::Code::kStored ||
         result.code == IngestResult::Code::kDuplicate;
}

// True if sending the same event again later may succeed.
inline bool IsRetriable(const IngestResult& result) {
  return result.code == IngestResult::Code::kOverloaded ||
         result.code == IngestResult::Code::kUnavailable ||
         result.code == IngestResult::Code::kInternal;
}

}  // namespace lineaged::collector
