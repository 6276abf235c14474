#include "exporters/prometheus/metrics.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

#include "exporters/prometheus/internal/labels.h"
#include "exporters/prometheus/internal/series_cache.h"
#include "exporters/prometheus/producer.h"
#include "graphstore/base/strings.h"
#include "graphstore/graph_store.h"

namespace lineaged::exporters {
namespace {

using internal::SeriesCache;
using prometheus::ClientMetric;
using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;
using prometheus::MetricFamily;
using prometheus::MetricType;

// The label value that stands for every label set beyond a metric's cap.
constexpr char kOverflow[] = "__overflow__";

constexpr size_t kProducerCount = kProducerLabels.size();

// Request and ingest latencies: 0.5 ms to 10 s.
const Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

// Event bodies: 256 B to 16 MiB (the default --max_body_bytes).
const Histogram::BucketBoundaries& ByteBuckets() {
  static const auto* buckets = new Histogram::BucketBoundaries{
      256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216};
  return *buckets;
}

// Receive time minus eventTime: 100 ms to a week.
const Histogram::BucketBoundaries& LagBuckets() {
  static const auto* buckets =
      new Histogram::BucketBoundaries{0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 21600, 86400, 604800};
  return *buckets;
}

size_t ProducerIndex(std::string_view label) {
  for (size_t i = 0; i < kProducerCount; ++i) {
    if (kProducerLabels[i] == label) return i;
  }
  return kProducerCount - 1;  // "other"
}

std::string_view EventTypeLabel(std::string_view event_type) {
  static constexpr std::array<std::string_view, 6> kTypes = {"START", "RUNNING", "COMPLETE",
                                                             "ABORT", "FAIL",    "OTHER"};
  if (event_type.empty()) return "NONE";
  for (std::string_view known : kTypes) {
    if (event_type == known) return known;
  }
  return "OTHER";
}

std::string_view ResultLabel(IngestSample::Result result) {
  switch (result) {
    case IngestSample::Result::kAccepted:
      return "accepted";
    case IngestSample::Result::kDuplicate:
      return "duplicate";
    case IngestSample::Result::kRejected:
      return "rejected";
  }
  return "rejected";
}

double MicrosToSeconds(int64_t micros) { return static_cast<double>(micros) / 1e6; }

std::string Key(std::initializer_list<std::string_view> parts) {
  std::string key;
  for (std::string_view part : parts) {
    key.append(part);
    key.push_back('\0');
  }
  return key;
}

MetricFamily NewFamily(std::string name, std::string help, MetricType type) {
  MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

void AddSample(MetricFamily* family, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric metric;
  metric.label = std::move(labels);
  if (family->type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family->metric.push_back(std::move(metric));
}

MetricFamily SingleGauge(std::string name, std::string help, double value) {
  MetricFamily family = NewFamily(std::move(name), std::move(help), MetricType::Gauge);
  AddSample(&family, {}, value);
  return family;
}

}  // namespace

struct Metrics::Impl {
  explicit Impl(const graphstore::GraphStore* store_in, MetricsOptions options_in)
      : store(store_in),
        options(std::move(options_in)),
        event_series(options.max_series),
        run_failure_series(options.max_series) {
    if (!options.now_micros) options.now_micros = [] { return absl::ToUnixMicros(absl::Now()); };
    if (options.freshness_scan_limit == 0) {
      options.freshness_scan_limit = std::max<size_t>(options.max_series * 10, 1);
    }
    for (size_t i = 0; i < kProducerCount; ++i) {
      const prometheus::Labels labels = {{"producer", std::string(kProducerLabels[i])}};
      event_bytes[i] = &event_bytes_family.Add(labels, ByteBuckets());
      event_lag[i] = &event_lag_family.Add(labels, LagBuckets());
    }
  }

  // The store-derived families, computed now.
  void AppendStoreFamilies(std::vector<MetricFamily>* out) const;
  void AppendFreshness(std::vector<MetricFamily>* out) const;

  struct RequestSeries {
    Counter* count;
    Histogram* duration;
  };
  RequestSeries HttpSeries(std::string_view method, std::string_view route, int status);
  RequestSeries GrpcSeries(std::string_view method, int code);

  const graphstore::GraphStore* const store;
  MetricsOptions options;
  const std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();

  Family<Counter>& events = prometheus::BuildCounter()
                                .Name("lineage_events_total")
                                .Help(
                                    "OpenLineage events received, by normalised producer, "
                                    "event type, namespace and result.")
                                .Register(*registry);
  Family<Counter>& rejected = prometheus::BuildCounter()
                                  .Name("lineage_events_rejected_total")
                                  .Help("OpenLineage events rejected, by producer and reason.")
                                  .Register(*registry);
  Family<Counter>& run_failures = prometheus::BuildCounter()
                                      .Name("lineage_run_failures_total")
                                      .Help("FAIL run events stored, by job namespace and job.")
                                      .Register(*registry);
  Family<Counter>& series_dropped =
      prometheus::BuildCounter()
          .Name("lineage_metrics_series_dropped_total")
          .Help(
              "Samples left out of a metric or counted under __overflow__ because the metric "
              "reached --metrics_max_series label sets.")
          .Register(*registry);
  Counter& events_dropped = series_dropped.Add({{"metric", "lineage_events_total"}});
  Counter& run_failures_dropped = series_dropped.Add({{"metric", "lineage_run_failures_total"}});
  Counter& freshness_dropped = series_dropped.Add({{"metric", "data_freshness_seconds"}});

  Family<Gauge>& producer_last_event =
      prometheus::BuildGauge()
          .Name("lineage_producer_last_event_timestamp_seconds")
          .Help("Unix time of the last event received from each producer.")
          .Register(*registry);

  Histogram& ingest_duration = prometheus::BuildHistogram()
                                   .Name("lineage_ingest_duration_seconds")
                                   .Help(
                                       "Seconds from receiving an event to its durable "
                                       "acknowledgement (accepted and duplicate events).")
                                   .Register(*registry)
                                   .Add({}, LatencyBuckets());
  Family<Histogram>& event_bytes_family =
      prometheus::BuildHistogram()
          .Name("lineage_event_bytes")
          .Help("Size of received events in bytes (after decompression), by producer.")
          .Register(*registry);
  Family<Histogram>& event_lag_family =
      prometheus::BuildHistogram()
          .Name("lineage_event_lag_seconds")
          .Help(
              "Seconds from an accepted event's eventTime to its receipt, by producer "
              "(0 for eventTimes in the future).")
          .Register(*registry);
  std::array<Histogram*, kProducerCount> event_bytes{};
  std::array<Histogram*, kProducerCount> event_lag{};

  Family<Counter>& http_requests = prometheus::BuildCounter()
                                       .Name("lineage_http_requests_total")
                                       .Help("HTTP requests answered, by method, route and code.")
                                       .Register(*registry);
  Family<Histogram>& http_duration =
      prometheus::BuildHistogram()
          .Name("lineage_http_request_duration_seconds")
          .Help(
              "Seconds from dispatching an HTTP request to its response, by method, route "
              "and code.")
          .Register(*registry);
  Family<Counter>& grpc_requests = prometheus::BuildCounter()
                                       .Name("lineage_grpc_requests_total")
                                       .Help("gRPC calls finished, by method and status code.")
                                       .Register(*registry);
  Family<Histogram>& grpc_duration =
      prometheus::BuildHistogram()
          .Name("lineage_grpc_request_duration_seconds")
          .Help("Seconds a gRPC call took, by method and status code.")
          .Register(*registry);

  // Capped by options.max_series: label sets with a namespace or job.
  SeriesCache<Counter> event_series;
  SeriesCache<Counter> run_failure_series;
  // Bounded by their labels (producer, reason): never capped.
  SeriesCache<Counter> rejected_series{0};
  SeriesCache<Gauge> producer_last_event_series{0};

  // Family::Add builds a throw-away metric even when the series exists, which
  // for histograms is a bucket vector per call: keep each request series once.
  absl::Mutex request_series_mu;
  absl::flat_hash_map<std::string, RequestSeries> http_series ABSL_GUARDED_BY(request_series_mu);
  absl::flat_hash_map<std::string, RequestSeries> grpc_series ABSL_GUARDED_BY(request_series_mu);
};

Metrics::Impl::RequestSeries Metrics::Impl::HttpSeries(std::string_view method,
                                                       std::string_view route, int status) {
  const std::string code = std::to_string(status);
  std::string key = Key({method, route, code});
  absl::MutexLock lock(&request_series_mu);
  auto it = http_series.find(key);
  if (it != http_series.end()) return it->second;
  const prometheus::Labels labels = {
      {"method", std::string(method)}, {"route", internal::ValidLabelValue(route)}, {"code", code}};
  RequestSeries series{&http_requests.Add(labels), &http_duration.Add(labels, LatencyBuckets())};
  http_series.emplace(std::move(key), series);
  return series;
}

Metrics::Impl::RequestSeries Metrics::Impl::GrpcSeries(std::string_view method, int code) {
  const std::string_view code_name = internal::GrpcCodeName(code);
  std::string key = Key({method, code_name});
  absl::MutexLock lock(&request_series_mu);
  auto it = grpc_series.find(key);
  if (it != grpc_series.end()) return it->second;
  const prometheus::Labels labels = {{"method", internal::ValidLabelValue(method)},
                                     {"code", std::string(code_name)}};
  RequestSeries series{&grpc_requests.Add(labels), &grpc_duration.Add(labels, LatencyBuckets())};
  grpc_series.emplace(std::move(key), series);
  return series;
}

void Metrics::Impl::AppendStoreFamilies(std::vector<MetricFamily>* out) const {
  const graphstore::StoreStats stats = store->GetStats();
  out->push_back(SingleGauge("lineage_store_events", "Events held in the store.",
                             static_cast<double>(stats.events)));
  out->push_back(SingleGauge("lineage_datasets", "Datasets in the lineage graph.",
                             static_cast<double>(stats.datasets)));
  out->push_back(
      SingleGauge("lineage_jobs", "Jobs in the lineage graph.", static_cast<double>(stats.jobs)));
  out->push_back(SingleGauge("lineage_edges",
                             "Edges (dataset to job and job to dataset) in the lineage graph.",
                             static_cast<double>(stats.edges)));
  MetricFamily runs = NewFamily("lineage_runs", "Runs in the store, by current state (Marquez's).",
                                MetricType::Gauge);
  for (size_t i = 0; i < stats.runs_by_state.size(); ++i) {
    AddSample(&runs, {{"state", graphstore::RunStateName(static_cast<graphstore::RunState>(i))}},
              static_cast<double>(stats.runs_by_state[i]));
  }
  out->push_back(std::move(runs));
  out->push_back(SingleGauge("lineage_rocksdb_live_sst_bytes",
                             "Bytes of live SST files in RocksDB, all column families.",
                             static_cast<double>(stats.live_sst_bytes)));
  out->push_back(SingleGauge("lineage_rocksdb_live_blob_bytes",
                             "Bytes of live blob files (raw events) in RocksDB.",
                             static_cast<double>(stats.live_blob_bytes)));
  out->push_back(SingleGauge("lineage_rocksdb_pending_compaction_bytes",
                             "RocksDB's estimate of bytes compaction still has to rewrite.",
                             static_cast<double>(stats.pending_compaction_bytes)));
  out->push_back(SingleGauge("lineage_search_index_bytes",
                             "Heap bytes of the in-memory name index behind search.",
                             static_cast<double>(stats.search_index_bytes)));
  MetricFamily wal_syncs =
      NewFamily("lineage_rocksdb_wal_syncs_total",
                "WAL syncs (group commits) since the store opened.", MetricType::Counter);
  AddSample(&wal_syncs, {}, static_cast<double>(stats.wal_syncs));
  out->push_back(std::move(wal_syncs));
  MetricFamily purged = NewFamily(
      "lineage_retention_purged_total",
      "Raw events and runs removed by retention since the store opened.", MetricType::Counter);
  AddSample(&purged, {{"kind", "event"}}, static_cast<double>(stats.retention_purged_events));
  AddSample(&purged, {{"kind", "run"}}, static_cast<double>(stats.retention_purged_runs));
  out->push_back(std::move(purged));
  MetricFamily passes =
      NewFamily("lineage_retention_passes_total",
                "Retention passes completed since the store opened.", MetricType::Counter);
  AddSample(&passes, {}, static_cast<double>(stats.retention_passes));
  out->push_back(std::move(passes));
  out->push_back(SingleGauge("lineage_store_writable",
                             "1 while the store accepts writes; 0 while RocksDB refuses them "
                             "(disk full, I/O error) and only reads are served.",
                             store->write_status().ok() ? 1.0 : 0.0));
}

void Metrics::Impl::AppendFreshness(std::vector<MetricFamily>* out) const {
  MetricFamily freshness =
      NewFamily("data_freshness_seconds",
                "Seconds since the last COMPLETE run that wrote the dataset (by its eventTime).",
                MetricType::Gauge);
  MetricFamily last_write = NewFamily(
      "dataset_last_write_timestamp_seconds",
      "Unix time (eventTime) of the last COMPLETE run that wrote the dataset.", MetricType::Gauge);
  absl::StatusOr<std::vector<graphstore::DatasetFreshness>> datasets =
      store->ListDatasetFreshness(options.freshness_scan_limit);
  // A closed store (shutting down) has no freshness to tell: render the
  // families empty rather than fail the scrape.
  if (datasets.ok()) {
    std::vector<graphstore::DatasetFreshness>& list = *datasets;
    if (list.size() > options.max_series) {
      // Operators look for stale data: keep the stalest.
      std::nth_element(list.begin(), list.begin() + static_cast<ptrdiff_t>(options.max_series),
                       list.end(), [](const auto& a, const auto& b) {
                         return a.last_modified_at_micros < b.last_modified_at_micros;
                       });
      freshness_dropped.Increment(static_cast<double>(list.size() - options.max_series));
      list.resize(options.max_series);
      std::sort(list.begin(), list.end(),
                [](const auto& a, const auto& b) { return a.name < b.name; });
    }
    const int64_t now = options.now_micros();
    for (const graphstore::DatasetFreshness& dataset : list) {
      std::vector<ClientMetric::Label> labels = {
          {"dataset", internal::ValidLabelValue(dataset.name.name)},
          {"namespace", internal::ValidLabelValue(dataset.name.namespace_name)}};
      AddSample(&freshness, labels,
                MicrosToSeconds(std::max<int64_t>(0, now - dataset.last_modified_at_micros)));
      AddSample(&last_write, std::move(labels), MicrosToSeconds(dataset.last_modified_at_micros));
    }
  }
  out->push_back(std::move(freshness));
  out->push_back(std::move(last_write));
}

Metrics::Metrics(const graphstore::GraphStore* store, MetricsOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(options))) {}

Metrics::~Metrics() = default;

void Metrics::RecordIngest(const IngestSample& sample) {
  Impl& m = *impl_;
  const std::string_view producer = ProducerLabel(sample.producer);
  const size_t producer_index = ProducerIndex(producer);
  const std::string_view event_type = EventTypeLabel(sample.event_type);
  const std::string_view result = ResultLabel(sample.result);

  auto event_counter = [&](std::string_view namespace_name) {
    return [&m, producer, event_type, result, namespace_name] {
      return &m.events.Add({{"producer", std::string(producer)},
                            {"event_type", std::string(event_type)},
                            {"namespace", internal::ValidLabelValue(namespace_name)},
                            {"result", std::string(result)}});
    };
  };
  Counter* events = m.event_series.Get(Key({producer, event_type, sample.namespace_name, result}),
                                       /*capped=*/true, event_counter(sample.namespace_name));
  if (events == nullptr) {
    m.events_dropped.Increment();
    events = m.event_series.Get(Key({producer, event_type, kOverflow, result, kOverflow}),
                                /*capped=*/false, event_counter(kOverflow));
  }
  events->Increment();

  if (sample.result == IngestSample::Result::kRejected) {
    const std::string_view reason = internal::TokenLabel(sample.reason, "unknown");
    m.rejected_series
        .Get(Key({producer, reason}), /*capped=*/false,
             [&] {
               return &m.rejected.Add(
                   {{"producer", std::string(producer)}, {"reason", std::string(reason)}});
             })
        ->Increment();
  }
  if (sample.received_at_micros > 0) {
    m.producer_last_event_series
        .Get(producer, /*capped=*/false,
             [&] {
               return &m.producer_last_event.Add({{"producer", std::string(producer)}});
             })
        ->Set(MicrosToSeconds(sample.received_at_micros));
  }
  m.event_bytes[producer_index]->Observe(static_cast<double>(sample.body_bytes));

  const bool durable = sample.result != IngestSample::Result::kRejected;
  if (durable && sample.received_at_micros > 0 && sample.durable_at_micros > 0) {
    m.ingest_duration.Observe(MicrosToSeconds(
        std::max<int64_t>(0, sample.durable_at_micros - sample.received_at_micros)));
  }
  if (sample.result != IngestSample::Result::kAccepted) return;
  if (sample.event_time_micros > 0 && sample.received_at_micros > 0) {
    m.event_lag[producer_index]->Observe(MicrosToSeconds(
        std::max<int64_t>(0, sample.received_at_micros - sample.event_time_micros)));
  }
  if (event_type == "FAIL") {
    auto failure_counter = [&m](std::string_view namespace_name, std::string_view job) {
      return [&m, namespace_name, job] {
        return &m.run_failures.Add({{"namespace", internal::ValidLabelValue(namespace_name)},
                                    {"job", internal::ValidLabelValue(job)}});
      };
    };
    Counter* failures =
        m.run_failure_series.Get(Key({sample.namespace_name, sample.job_name}), /*capped=*/true,
                                 failure_counter(sample.namespace_name, sample.job_name));
    if (failures == nullptr) {
      m.run_failures_dropped.Increment();
      failures = m.run_failure_series.Get(Key({kOverflow, kOverflow, kOverflow}), /*capped=*/false,
                                          failure_counter(kOverflow, kOverflow));
    }
    failures->Increment();
  }
}

void Metrics::RecordHttpRequest(std::string_view method, std::string_view route, int status,
                                double seconds) {
  Impl::RequestSeries series = impl_->HttpSeries(internal::HttpMethodLabel(method), route, status);
  series.count->Increment();
  series.duration->Observe(std::max(0.0, seconds));
}

void Metrics::RecordGrpcRequest(std::string_view method, int code, double seconds) {
  Impl::RequestSeries series = impl_->GrpcSeries(method, code);
  series.count->Increment();
  series.duration->Observe(std::max(0.0, seconds));
}

std::string Metrics::Render() const {
  std::vector<MetricFamily> families;
  if (impl_->store != nullptr) {
    impl_->AppendStoreFamilies(&families);
    impl_->AppendFreshness(&families);
  }
  // Collected after the store families, so a freshness overflow counted just
  // now is in this scrape.
  std::vector<MetricFamily> registered = impl_->registry->Collect();
  families.insert(families.begin(), std::make_move_iterator(registered.begin()),
                  std::make_move_iterator(registered.end()));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace lineaged::exporters
