#pragma once

// AtlasExporter: delivers the store's outbox to Apache Atlas. One worker
// thread registers lineaged's typedefs, then sends each outbox entry as one
// entity/bulk request, in order:
//   2xx                        -> entry acknowledged (deleted from the outbox)
//   4xx (a contract error)     -> entry moved to the dead letters, never retried by itself
//   5xx, timeout, no connection -> same entry retried with exponential backoff and jitter
// Nothing leaves the outbox before Atlas confirmed it, so a crash or restart
// resumes where it stopped; a re-sent entry is absorbed by Atlas's
// create-or-update by qualifiedName.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

#include "exporters/atlas/atlas_client.h"
#include "graphstore/graph_store.h"

namespace lineaged::exporters {

struct AtlasExporterOptions {
  AtlasClientOptions client;
  size_t batch_size = 100;  // outbox entries read per round
  std::chrono::milliseconds idle_poll{200};
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{30000};
};

// Thread-safe. `store` must outlive the exporter.
class AtlasExporter {
 public:
  // InvalidArgument for a bad URL or CA file.
  static absl::StatusOr<std::unique_ptr<AtlasExporter>> Create(graphstore::GraphStore* store,
                                                               AtlasExporterOptions options);
  ~AtlasExporter();
  AtlasExporter(const AtlasExporter&) = delete;
  AtlasExporter& operator=(const AtlasExporter&) = delete;

  void Start();
  // Finishes the request in flight (bounded by the client timeout) and stops.
  void Stop();

  // Prometheus text for atlas_outbox_depth, atlas_sync_lag_seconds,
  // atlas_requests_total{result} and atlas_dead_letters.
  std::string RenderMetrics() const;

 private:
  AtlasExporter(graphstore::GraphStore* store, AtlasExporterOptions options,
                std::unique_ptr<AtlasClient> client);

  void Run();
  // Registers or extends the lineaged typedefs; retries until done or stopped.
  bool EnsureTypedefs();
  absl::Status EnsureTypedefsOnce();
  // Sends one entry until it is acknowledged or dead-lettered; false if stopped.
  bool Deliver(const graphstore::OutboxEntry& entry);
  // Sleeps up to `duration`; false if Stop() was called meanwhile.
  bool Wait(std::chrono::milliseconds duration);
  std::chrono::milliseconds NextBackoff(int attempt);

  graphstore::GraphStore* const store_;
  const AtlasExporterOptions options_;
  std::unique_ptr<AtlasClient> client_;  // worker thread only

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread worker_;

  struct MetricFamilies;
  std::unique_ptr<MetricFamilies> metrics_;
  std::atomic<int64_t> oldest_unsent_micros_{0};  // 0: outbox empty
};

}  // namespace lineaged::exporters
