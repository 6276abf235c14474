#pragma once

// Prometheus metrics of the server, rendered in the text exposition format
// for GET /metrics: ingest outcomes by producer, event type, namespace and
// result; ingest latency, event sizes and lags; HTTP and gRPC requests; and,
// computed at each scrape from the store, dataset freshness, run states, graph
// size and RocksDB figures. docs/operations.md lists every metric.
//
//   exporters::Metrics metrics(store.get(), {.max_series = 10000});
//   ingest.set_observer([&](const IngestResult& r) { metrics.RecordIngest(ToSample(r)); });
//   router.set_observer([&](auto method, auto route, int status, double s) {
//     metrics.RecordHttpRequest(method, route, status, s);
//   });
//   response.body = metrics.Render();
//
// exporters know nothing of the collector or the API: callers convert their
// results into the plain structs below.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace lineaged::graphstore {
class GraphStore;
}  // namespace lineaged::graphstore

namespace lineaged::exporters {

// One ingest outcome, as the collector saw it. The views need only live for
// the RecordIngest call.
struct IngestSample {
  enum class Result {
    kAccepted,   // stored
    kDuplicate,  // an equal event was already stored
    kRejected,   // answered with an error: invalid, malformed, overloaded, store error
  };
  Result result = Result::kAccepted;
  // kRejected: a short fixed label ("malformed_json", "invalid_field", ...).
  std::string_view reason;
  std::string_view producer;        // the event's producer URL, "" if unknown
  std::string_view event_type;      // "START", ..., or "" (none, or unknown)
  std::string_view namespace_name;  // the job's or the dataset's, "" if unknown
  std::string_view job_name;        // "" if none
  size_t body_bytes = 0;
  int64_t event_time_micros = 0;   // 0 when unknown
  int64_t received_at_micros = 0;  // 0 when unknown
  int64_t durable_at_micros = 0;   // kAccepted/kDuplicate: WAL synced; else 0
};

struct MetricsOptions {
  // Most label sets kept by each metric labelled by namespace, job or dataset
  // (lineage_events_total, lineage_run_failures_total, data_freshness_seconds,
  // dataset_last_write_timestamp_seconds). Beyond it, counters count under the
  // label value "__overflow__", freshness keeps the stalest datasets, and
  // lineage_metrics_series_dropped_total counts what was left out.
  size_t max_series = 10000;
  // Datasets examined per scrape for freshness, in name order; 0 means
  // 10 × max_series.
  size_t freshness_scan_limit = 0;
  // Wall clock in microseconds since the epoch (for tests); default absl::Now.
  std::function<int64_t()> now_micros;
};

// Thread-safe: Record* may run concurrently on any thread (they are cheap:
// a few atomic updates and one short lock) and so may Render.
class Metrics {
 public:
  // `store` is read at each Render and must outlive the Metrics; it may be
  // null (no store figures are rendered then).
  Metrics(const graphstore::GraphStore* store, MetricsOptions options);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Counts one event received over any transport.
  void RecordIngest(const IngestSample& sample);

  // One answered HTTP request: the route pattern ("/api/v1/lineage", or
  // "unmatched"), the status code and the seconds from dispatch to response.
  void RecordHttpRequest(std::string_view method, std::string_view route, int status,
                         double seconds);

  // One finished gRPC call: the full method name ("/lineaged.v1.X/Emit"), the
  // grpc::StatusCode as an int (labelled by its canonical name, e.g.
  // "INVALID_ARGUMENT") and the seconds it took.
  void RecordGrpcRequest(std::string_view method, int code, double seconds);

  // The text exposition (format 0.0.4) of every metric, with the store-derived
  // ones computed now.
  std::string Render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lineaged::exporters
