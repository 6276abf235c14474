#include "exporters/prometheus/metrics.h"

#include <atomic>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "exporters/prometheus/internal/labels.h"
#include "exporters/prometheus/internal/series_cache.h"
#include "exporters/prometheus/producer.h"
#include "graphstore/graph_store.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"

namespace lineaged::exporters {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The samples of a text exposition, keyed by the series exactly as rendered
// ("name{a=\"x\",b=\"y\"}").
std::map<std::string, double> Samples(const std::string& text) {
  std::map<std::string, double> samples;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return samples;
}

IngestSample Sample(IngestSample::Result result, std::string_view ns = "ns",
                    std::string_view event_type = "COMPLETE") {
  IngestSample sample;
  sample.result = result;
  sample.producer = "https://github.com/apache/airflow/tree/providers-openlineage/1.14.0";
  sample.event_type = event_type;
  sample.namespace_name = ns;
  sample.job_name = "dag.task";
  sample.body_bytes = 1000;
  sample.event_time_micros = 1'000'000;
  sample.received_at_micros = 3'000'000;
  if (result != IngestSample::Result::kRejected) sample.durable_at_micros = 3'500'000;
  if (result == IngestSample::Result::kRejected) sample.reason = "invalid_field";
  return sample;
}

TEST(ProducerLabel, NamesTheIntegration) {
  // Producers seen in tests/data/corpus and in the OpenLineage integrations.
  EXPECT_EQ(ProducerLabel("https://github.com/apache/airflow/tree/providers-openlineage/1.14.0"),
            "airflow");
  EXPECT_EQ(ProducerLabel("https://github.com/OpenLineage/OpenLineage/tree/0.30.0/"
                          "integration/airflow"),
            "airflow");
  EXPECT_EQ(ProducerLabel("https://github.com/OpenLineage/OpenLineage/tree/1.53.0/client/python"),
            "python-client");
  EXPECT_EQ(ProducerLabel("https://github.com/OpenLineage/OpenLineage/tree/0.0.1/client/python"),
            "python-client");
  EXPECT_EQ(ProducerLabel("https://github.com/OpenLineage/OpenLineage/tree/1.9.1/integration/dbt"),
            "dbt");
  EXPECT_EQ(ProducerLabel("https://github.com/OpenLineage/OpenLineage/tree/1.23.0/"
                          "integration/spark"),
            "spark");
  EXPECT_EQ(ProducerLabel("https://github.com/OpenLineage/OpenLineage/tree/1.23.0/"
                          "integration/flink"),
            "flink");
  EXPECT_EQ(ProducerLabel("https://github.com/kubeflow/pipelines"), "kubeflow");
  EXPECT_EQ(ProducerLabel("HTTPS://GITHUB.COM/APACHE/AIRFLOW"), "airflow");
  EXPECT_EQ(ProducerLabel("openlineage-python/1.2.0"), "python-client");
}

TEST(ProducerLabel, EverythingElseIsOther) {
  EXPECT_EQ(ProducerLabel(""), "other");
  EXPECT_EQ(ProducerLabel("producer"), "other");
  EXPECT_EQ(ProducerLabel("https://github.com/OpenLineage/OpenLineage/blob/v1-0-0/client"),
            "other");
  EXPECT_EQ(ProducerLabel("https://github.com/OpenLineage/OpenLineage/tree/1.0.0/client/java"),
            "other");
  EXPECT_EQ(ProducerLabel("https://github.com/lineaged/tests"), "other");
  // Whole words only.
  EXPECT_EQ(ProducerLabel("https://example.com/sparkle/dbtools"), "other");
  // The query and fragment do not count.
  EXPECT_EQ(ProducerLabel("https://example.com/x?from=airflow#spark"), "other");
}

TEST(Labels, ValidLabelValueReplacesBrokenUtf8) {
  EXPECT_EQ(internal::ValidLabelValue("plain"), "plain");
  EXPECT_EQ(internal::ValidLabelValue("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(internal::ValidLabelValue("a\xFF"
                                      "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(internal::ValidLabelValue("\xC3"), "\xEF\xBF\xBD");
  EXPECT_EQ(internal::ValidLabelValue("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Labels, BoundedVocabularies) {
  EXPECT_EQ(internal::TokenLabel("missing_field", "unknown"), "missing_field");
  EXPECT_EQ(internal::TokenLabel("Not A Token", "unknown"), "unknown");
  EXPECT_EQ(internal::TokenLabel("", "unknown"), "unknown");
  EXPECT_EQ(internal::HttpMethodLabel("POST"), "POST");
  EXPECT_EQ(internal::HttpMethodLabel("BREW"), "OTHER");
  EXPECT_EQ(internal::GrpcCodeName(0), "OK");
  EXPECT_EQ(internal::GrpcCodeName(3), "INVALID_ARGUMENT");
  EXPECT_EQ(internal::GrpcCodeName(14), "UNAVAILABLE");
  EXPECT_EQ(internal::GrpcCodeName(99), "UNKNOWN");
}

TEST(SeriesCache, CapsCappedKeysOnly) {
  int made = 0;
  int values[8] = {};
  auto make = [&] { return &values[made++]; };
  internal::SeriesCache<int> cache(2);
  int* a = cache.Get("a", true, make);
  EXPECT_NE(a, nullptr);
  EXPECT_NE(cache.Get("b", true, make), nullptr);
  EXPECT_EQ(cache.Get("a", true, make), a);  // remembered, not made again
  EXPECT_EQ(cache.Get("c", true, make), nullptr);
  EXPECT_NE(cache.Get("overflow", false, make), nullptr);
  EXPECT_EQ(cache.Get("c", true, make), nullptr);
  EXPECT_EQ(made, 3);
  EXPECT_EQ(cache.capped_size(), 2u);
}

TEST(Metrics, CountsEachOutcomeExactly) {
  Metrics metrics(nullptr, {});
  for (int i = 0; i < 5; ++i) metrics.RecordIngest(Sample(IngestSample::Result::kAccepted));
  for (int i = 0; i < 3; ++i) metrics.RecordIngest(Sample(IngestSample::Result::kRejected));
  for (int i = 0; i < 2; ++i) metrics.RecordIngest(Sample(IngestSample::Result::kDuplicate));
  auto samples = Samples(metrics.Render());
  const std::string prefix =
      R"(lineage_events_total{event_type="COMPLETE",namespace="ns",producer="airflow",result=")";
  EXPECT_EQ(samples[prefix + R"(accepted"})"], 5);
  EXPECT_EQ(samples[prefix + R"(rejected"})"], 3);
  EXPECT_EQ(samples[prefix + R"(duplicate"})"], 2);
  EXPECT_EQ(samples[R"(lineage_events_rejected_total{producer="airflow",reason="invalid_field"})"],
            3);
  // Durable outcomes only: 5 accepted + 2 duplicates.
  EXPECT_EQ(samples["lineage_ingest_duration_seconds_count"], 7);
  EXPECT_DOUBLE_EQ(samples["lineage_ingest_duration_seconds_sum"], 7 * 0.5);
  // Accepted only.
  EXPECT_EQ(samples[R"(lineage_event_lag_seconds_count{producer="airflow"})"], 5);
  EXPECT_DOUBLE_EQ(samples[R"(lineage_event_lag_seconds_sum{producer="airflow"})"], 5 * 2.0);
  // Every event has a size.
  EXPECT_EQ(samples[R"(lineage_event_bytes_count{producer="airflow"})"], 10);
  EXPECT_EQ(samples[R"(lineage_producer_last_event_timestamp_seconds{producer="airflow"})"], 3);
}

TEST(Metrics, CountsConcurrentRecordsExactly) {
  Metrics metrics(nullptr, {});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&metrics] {
      for (int i = 0; i < 1000; ++i) metrics.RecordIngest(Sample(IngestSample::Result::kAccepted));
    });
  }
  for (std::thread& thread : threads) thread.join();
  auto samples = Samples(metrics.Render());
  EXPECT_EQ(samples[R"(lineage_events_total{event_type="COMPLETE",namespace="ns",)"
                    R"(producer="airflow",result="accepted"})"],
            4000);
}

TEST(Metrics, UnknownEventTypesAndEmptyFields) {
  Metrics metrics(nullptr, {});
  IngestSample sample;
  sample.result = IngestSample::Result::kRejected;
  sample.reason = "malformed_json";
  metrics.RecordIngest(sample);
  sample.event_type = "WHATEVER";
  metrics.RecordIngest(sample);
  auto samples = Samples(metrics.Render());
  EXPECT_EQ(samples[R"(lineage_events_total{event_type="NONE",namespace="",producer="other",)"
                    R"(result="rejected"})"],
            1);
  EXPECT_EQ(samples[R"(lineage_events_total{event_type="OTHER",namespace="",producer="other",)"
                    R"(result="rejected"})"],
            1);
}

TEST(Metrics, RunFailuresCountStoredFailEventsOnly) {
  Metrics metrics(nullptr, {});
  metrics.RecordIngest(Sample(IngestSample::Result::kAccepted, "ns", "FAIL"));
  metrics.RecordIngest(Sample(IngestSample::Result::kAccepted, "ns", "FAIL"));
  metrics.RecordIngest(Sample(IngestSample::Result::kDuplicate, "ns", "FAIL"));
  metrics.RecordIngest(Sample(IngestSample::Result::kRejected, "ns", "FAIL"));
  metrics.RecordIngest(Sample(IngestSample::Result::kAccepted, "ns", "COMPLETE"));
  auto samples = Samples(metrics.Render());
  EXPECT_EQ(samples[R"(lineage_run_failures_total{job="dag.task",namespace="ns"})"], 2);
}

TEST(Metrics, CapsNamespaceSeriesIntoOverflow) {
  MetricsOptions options;
  options.max_series = 2;
  Metrics metrics(nullptr, options);
  for (std::string_view ns : {"a", "b", "c", "d", "a"}) {
    metrics.RecordIngest(Sample(IngestSample::Result::kAccepted, ns, "FAIL"));
  }
  const std::string text = metrics.Render();
  auto samples = Samples(text);
  const std::string prefix = R"(lineage_events_total{event_type="FAIL",namespace=")";
  const std::string suffix = R"(",producer="airflow",result="accepted"})";
  EXPECT_EQ(samples[prefix + "a" + suffix], 2);
  EXPECT_EQ(samples[prefix + "b" + suffix], 1);
  EXPECT_EQ(samples[prefix + "__overflow__" + suffix], 2);
  EXPECT_THAT(text, Not(HasSubstr(R"(namespace="c")")));
  EXPECT_EQ(samples[R"(lineage_metrics_series_dropped_total{metric="lineage_events_total"})"], 2);
  EXPECT_EQ(samples[R"(lineage_run_failures_total{job="__overflow__",namespace="__overflow__"})"],
            2);
  EXPECT_EQ(samples[R"(lineage_metrics_series_dropped_total{metric="lineage_run_failures_total"})"],
            2);
}

TEST(Metrics, RequestsByRouteAndCode) {
  Metrics metrics(nullptr, {});
  metrics.RecordHttpRequest("POST", "/api/v1/lineage", 201, 0.002);
  metrics.RecordHttpRequest("POST", "/api/v1/lineage", 201, 0.003);
  metrics.RecordHttpRequest("POST", "/api/v1/lineage", 415, 0.001);
  metrics.RecordHttpRequest("BREW", "unmatched", 404, 0.001);
  metrics.RecordGrpcRequest("/lineaged.v1.LineageIngest/Emit", 3, 0.01);
  auto samples = Samples(metrics.Render());
  EXPECT_EQ(samples[R"(lineage_http_requests_total{code="201",method="POST",)"
                    R"(route="/api/v1/lineage"})"],
            2);
  EXPECT_EQ(samples[R"(lineage_http_requests_total{code="415",method="POST",)"
                    R"(route="/api/v1/lineage"})"],
            1);
  EXPECT_EQ(samples[R"(lineage_http_requests_total{code="404",method="OTHER",route="unmatched"})"],
            1);
  EXPECT_EQ(samples[R"(lineage_http_request_duration_seconds_count{code="201",method="POST",)"
                    R"(route="/api/v1/lineage"})"],
            2);
  EXPECT_EQ(samples[R"(lineage_grpc_requests_total{code="INVALID_ARGUMENT",)"
                    R"(method="/lineaged.v1.LineageIngest/Emit"})"],
            1);
}

class MetricsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(lineaged::testing::OpenTestStore(dir_, &store_));
  }

  // A COMPLETE run of job `job` at `time_micros` writing test:<dataset>.
  void Complete(uint8_t run, std::string dataset, int64_t time_micros) {
    graphstore::Event e;
    e.kind = graphstore::EventKind::kRun;
    e.event_type = graphstore::RunEventType::kComplete;
    e.event_time_micros = time_micros;
    e.producer = "test";
    e.run_id[15] = run;
    e.job = {"test", "job" + std::to_string(run)};
    graphstore::DatasetMention output;
    output.name = {"test", std::move(dataset)};
    e.outputs = {std::move(output)};
    e.raw_json = "{\"run\":" + std::to_string(run) + "}";
    e.content_hash[15] = run;
    auto outcome = store_->WriteAndWait(std::move(e));
    ASSERT_TRUE(outcome.ok()) << outcome.status();
  }

  lineaged::testing::TempDir dir_;
  std::unique_ptr<graphstore::GraphStore> store_;
  std::atomic<int64_t> now_micros_{100'000'000};
};

TEST_F(MetricsStoreTest, FreshnessIsComputedAtScrapeTime) {
  Complete(1, "orders", 40'000'000);
  MetricsOptions options;
  options.now_micros = [this] { return now_micros_.load(); };
  Metrics metrics(store_.get(), options);
  auto samples = Samples(metrics.Render());
  EXPECT_EQ(samples[R"(data_freshness_seconds{dataset="orders",namespace="test"})"], 60);
  EXPECT_EQ(samples[R"(dataset_last_write_timestamp_seconds{dataset="orders",namespace="test"})"],
            40);
  now_micros_ += 5'000'000;
  samples = Samples(metrics.Render());
  EXPECT_EQ(samples[R"(data_freshness_seconds{dataset="orders",namespace="test"})"], 65);
}

TEST_F(MetricsStoreTest, StoreFigures) {
  Complete(1, "a", 10'000'000);
  Complete(2, "b", 20'000'000);
  Metrics metrics(store_.get(), {});
  auto samples = Samples(metrics.Render());
  EXPECT_EQ(samples["lineage_store_events"], 2);
  EXPECT_EQ(samples["lineage_datasets"], 2);
  EXPECT_EQ(samples["lineage_jobs"], 2);
  EXPECT_EQ(samples["lineage_edges"], 2);
  EXPECT_EQ(samples[R"(lineage_runs{state="COMPLETED"})"], 2);
  EXPECT_EQ(samples[R"(lineage_runs{state="FAILED"})"], 0);
  EXPECT_GE(samples["lineage_rocksdb_wal_syncs_total"], 1);
  EXPECT_TRUE(samples.contains("lineage_rocksdb_live_sst_bytes"));
  EXPECT_TRUE(samples.contains("lineage_rocksdb_pending_compaction_bytes"));
  EXPECT_GT(samples["lineage_search_index_bytes"], 0);
}

TEST_F(MetricsStoreTest, FreshnessKeepsTheStalestDatasetsWithinTheCap) {
  Complete(1, "fresh", 90'000'000);
  Complete(2, "stale", 10'000'000);
  Complete(3, "middle", 50'000'000);
  MetricsOptions options;
  options.max_series = 2;
  options.now_micros = [this] { return now_micros_.load(); };
  Metrics metrics(store_.get(), options);
  const std::string text = metrics.Render();
  auto samples = Samples(text);
  EXPECT_EQ(samples[R"(data_freshness_seconds{dataset="stale",namespace="test"})"], 90);
  EXPECT_EQ(samples[R"(data_freshness_seconds{dataset="middle",namespace="test"})"], 50);
  EXPECT_THAT(text, Not(HasSubstr(R"(dataset="fresh")")));
  EXPECT_EQ(samples[R"(lineage_metrics_series_dropped_total{metric="data_freshness_seconds"})"], 1);
}

TEST_F(MetricsStoreTest, ClosedStoreRendersWithoutFreshness) {
  Complete(1, "orders", 40'000'000);
  Metrics metrics(store_.get(), {});
  ASSERT_TRUE(store_->Close().ok());
  const std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("lineage_store_events 0"));
  EXPECT_THAT(text, Not(HasSubstr("data_freshness_seconds{")));
}

}  // namespace
}  // namespace lineaged::exporters
