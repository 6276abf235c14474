#pragma once

// Prometheus metrics of the server, rendered in the text exposition format
// for GET /metrics. Thread-safe: metric updates are prometheus-cpp atomics.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace lineaged::exporters {

class Metrics {
 public:
  // `stored_events` is read at each scrape for lineage_store_events.
  explicit Metrics(std::function<double()> stored_events);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Counts one ingest outcome: result is "accepted", "rejected" or "duplicate".
  void CountEvent(std::string_view result);

  // The text exposition of every metric.
  std::string Render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lineaged::exporters
