#pragma once

// IngestService: the one path by which events enter the store, whatever the
// transport. It parses and validates on the caller's thread and hands valid
// events to GraphStore, whose committer acknowledges them once durable.

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "collector/event_parser.h"
#include "graphstore/graph_store.h"

namespace lineaged::collector {

struct IngestResult {
  enum class Code {
    kStored,       // durable
    kDuplicate,    // equal event already stored; nothing written
    kMalformed,    // not JSON / unparseable timestamp
    kInvalid,      // rule violations, see errors
    kOverLimit,    // over an event limit (EventLimits), see limit and field
    kOverloaded,   // the store's write queue is full: retry soon
    kUnavailable,  // the store is closing or cannot write (disk full): retry later
    kInternal,     // store write failed
  };
  Code code = Code::kStored;
  std::vector<std::string> errors;  // kMalformed/kInvalid/kOverLimit: one per problem
  std::string message;              // kOverloaded/kUnavailable/kInternal
  // kOverLimit/kOverloaded: the limit's flag ("max_event_datasets",
  // "max_pending_events"); kOverLimit: the first offending field, if known.
  std::string limit;
  std::string field;
  // A short, fixed label for a rejection or failure: "malformed_json",
  // "bad_event_time", "missing_field", "invalid_field", "over_limit",
  // "overloaded", "store_unavailable", "store_error"; empty when stored.
  std::string reason;

  // What is known of the event, for metrics and logs; empty where the event
  // was too broken to tell.
  std::string producer;
  std::string event_type;      // "START", ..., or "" when the event has none
  std::string namespace_name;  // the job's (RunEvent, JobEvent) or dataset's
  std::string job_name;
  size_t body_bytes = 0;
  int64_t event_time_micros = 0;  // 0 when unknown
  int64_t received_at_micros = 0;
  int64_t durable_at_micros = 0;  // kStored/kDuplicate: when the WAL sync finished
};

using IngestCallback = std::function<void(IngestResult)>;

// Thread-safe. `store` must outlive the service.
class IngestService {
 public:
  IngestService(graphstore::GraphStore* store, ValidationMode mode, EventLimits limits = {});
  IngestService(const IngestService&) = delete;
  IngestService& operator=(const IngestService&) = delete;

  // Parses, validates and stores one event. `done` runs exactly once: at once
  // for a rejected event (nothing stored), else on the store's committer
  // thread after the WAL sync. `done` must not block.
  void Ingest(std::string body, IngestCallback done);

  // Reports an event a transport rejected before it could reach Ingest (e.g.
  // a gRPC request with no event), so the observer still counts it.
  void RecordRejection(const IngestResult& result) const {
    if (observer_) observer_(result);
  }

  // Optional hook called with every result before `done`, e.g. for metrics.
  // Set before the first Ingest.
  void set_observer(std::function<void(const IngestResult&)> observer) {
    observer_ = std::move(observer);
  }

  ValidationMode mode() const { return mode_; }

 private:
  graphstore::GraphStore* const store_;
  const ValidationMode mode_;
  const EventLimits limits_;
  std::function<void(const IngestResult&)> observer_;
};

}  // namespace lineaged::collector
