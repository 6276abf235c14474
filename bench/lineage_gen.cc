// lineaged_lineage_gen: a synthetic, deterministic lineage generator for the query benchmarks.
//
// The graph is a set of independent *domains* (think: one team's warehouse). A domain has
// --pipelines_per_domain pipelines (orders, payments, ...) of --layers layers. Layer 0 holds each
// pipeline's raw source tables and two shared dimension tables of the domain; in every later
// layer each pipeline has 1..(2*--jobs_per_layer-1) jobs. A job reads 1-4 datasets (40/30/20/10 %):
// the first from its pipeline's previous layer, the others mostly from the previous layer too, some
// from older layers of the same pipeline, some from the domain's dimension tables (fan-out hubs)
// and --cross_pipeline_percent from another pipeline of the same domain (so a domain is one
// connected component, not a set of chains). It writes 1-3 new datasets (55/30/15 %). Each job has
// --runs_per_job runs, each a START and a COMPLETE event; COMPLETE carries a `schema` facet on
// every output and, for --column_lineage_percent of the jobs, a `columnLineage` facet.
//
// Domains never share datasets, so the depth-20 lineage of a dataset (Marquez walks job hops
// through shared datasets in both directions) is bounded by its domain, whatever the store size:
// a query's cost can then be compared across store sizes at a constant number of nodes returned.
// Job namespaces are airflow-NN and dataset namespaces postgres://warehouse-NN:5432 (NN = domain
// mod --namespaces), so list endpoints see --namespaces big namespaces.
//
// The store is sized by --edges (dataset-job edges, inputs plus outputs) or by --jobs: domains are
// added until the target is reached. Everything is a function of --seed and the shape flags: the
// same flags give the same NDJSON byte for byte.
//
// Output: NDJSON to --out, or POST /api/v1/lineage/batch (NDJSON bodies of --batch_size events,
// --connections concurrent requests) to the server at --url; retriable failures are resent. It
// prints what it generated and sample node ids, machine-readable:
//   GENERATED domains=<n> jobs=<n> datasets=<n> edges=<n> runs=<n> events=<n> bytes=<n>
//   POSTED accepted=<n> failed=<n> seconds=<s> events_per_sec=<n>           (with --url)
//   SAMPLE mid_dataset=<node id>   a dataset in the middle layer of pipeline 0 of a domain
//   SAMPLE mid_job=<node id>       its producer
//   SAMPLE job_namespace=<ns> dataset_namespace=<ns> search=<term>
// --mid_datasets_out writes --samples mid-layer dataset ids (from domains spread over the store),
// one per line, for lineaged_query_load --nodes_file.
//
// Exit status: 0 if every event was written or accepted, 1 otherwise, 2 on bad flags.

#include <time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"

#include "bench/bench_http.h"

ABSL_FLAG(int64_t, edges, 0, "Target number of dataset-job edges (inputs + outputs).");
ABSL_FLAG(int64_t, jobs, 0, "Target number of jobs (instead of --edges).");
ABSL_FLAG(uint64_t, seed, 1, "Seed; the output is a function of the seed and the shape flags.");
ABSL_FLAG(int32_t, pipelines_per_domain, 4, "Pipelines per domain (at most 24).");
ABSL_FLAG(int32_t, layers, 6, "Job layers per pipeline (layer 0, the sources, comes on top).");
ABSL_FLAG(int32_t, jobs_per_layer, 2, "Average jobs per pipeline and layer (1..2n-1, uniform).");
ABSL_FLAG(int32_t, cross_pipeline_percent, 15,
          "Share of a job's extra inputs read from another pipeline of the same domain.");
ABSL_FLAG(int32_t, column_lineage_percent, 25,
          "Share of jobs whose COMPLETE events carry a columnLineage facet on their outputs.");
ABSL_FLAG(int32_t, runs_per_job, 3, "Runs per job; each run is a START and a COMPLETE event.");
ABSL_FLAG(int32_t, namespaces, 10, "Job (and dataset) namespaces the domains are spread over.");
ABSL_FLAG(std::string, url, "", "Server base URL, e.g. http://127.0.0.1:5000; POSTs the events.");
ABSL_FLAG(std::string, out, "", "Write the events as NDJSON to this file instead of posting.");
ABSL_FLAG(int32_t, batch_size, 500, "Events per POST /api/v1/lineage/batch request.");
ABSL_FLAG(int32_t, connections, 2, "Concurrent batch requests.");
ABSL_FLAG(int32_t, samples, 32, "Mid-layer datasets to write to --mid_datasets_out.");
ABSL_FLAG(std::string, mid_datasets_out, "",
          "If set, write sample mid-layer dataset node ids here.");
ABSL_FLAG(double, timeout_seconds, 120, "Per-request timeout.");

namespace lineaged::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kProducer[] = "https://github.com/lineaged/lineaged/tree/main/bench";
constexpr char kRunEventSchema[] =
    "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
constexpr char kSchemaFacetSchema[] =
    "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet";
constexpr char kColumnLineageSchema[] =
    "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/"
    "ColumnLineageDatasetFacet";
constexpr int64_t kBaseEpochSeconds = 1767225600;  // 2026-01-01T00:00:00Z

constexpr std::array<const char*, 24> kTopics = {
    "orders",    "customers", "payments",  "inventory", "shipments", "clicks",
    "sessions",  "invoices",  "refunds",   "products",  "campaigns", "leads",
    "tickets",   "accounts",  "ledger",    "vendors",   "returns",   "reviews",
    "pageviews", "carts",     "contracts", "devices",   "alerts",    "payroll"};
constexpr std::array<const char*, 8> kVerbs = {"clean",     "dedupe", "enrich", "join",
                                               "aggregate", "score",  "rollup", "publish"};
constexpr std::array<const char*, 6> kDimensions = {"calendar", "currency", "region",
                                                    "channel",  "segment",  "fx_rate"};

// absl::StrCat takes const char* and std::string (Debian's absl::string_view is not
// std::string_view), hence no std::string_view in what is appended below.
struct Column {
  const char* name;
  const char* type;
};
// 40 columns; datasets take a stride-7 walk through them, so their columns are distinct.
constexpr std::array<Column, 40> kColumns = {{
    {"id", "BIGINT"},
    {"created_at", "TIMESTAMP"},
    {"updated_at", "TIMESTAMP"},
    {"customer_id", "BIGINT"},
    {"order_id", "BIGINT"},
    {"amount", "DECIMAL(18,2)"},
    {"currency", "VARCHAR"},
    {"status", "VARCHAR"},
    {"country", "VARCHAR"},
    {"region", "VARCHAR"},
    {"email", "VARCHAR"},
    {"quantity", "INTEGER"},
    {"price", "DECIMAL(18,2)"},
    {"discount", "DECIMAL(5,2)"},
    {"channel", "VARCHAR"},
    {"campaign_id", "BIGINT"},
    {"session_id", "VARCHAR"},
    {"device", "VARCHAR"},
    {"event_date", "DATE"},
    {"score", "DOUBLE"},
    {"is_active", "BOOLEAN"},
    {"product_id", "BIGINT"},
    {"sku", "VARCHAR"},
    {"warehouse_id", "INTEGER"},
    {"carrier", "VARCHAR"},
    {"shipped_at", "TIMESTAMP"},
    {"delivered_at", "TIMESTAMP"},
    {"invoice_no", "VARCHAR"},
    {"tax", "DECIMAL(18,2)"},
    {"total", "DECIMAL(18,2)"},
    {"segment", "VARCHAR"},
    {"ltv", "DOUBLE"},
    {"churned", "BOOLEAN"},
    {"rating", "SMALLINT"},
    {"comment", "VARCHAR"},
    {"vendor_id", "BIGINT"},
    {"ledger_account", "VARCHAR"},
    {"balance", "DECIMAL(18,2)"},
    {"fx_rate", "DOUBLE"},
    {"load_ts", "TIMESTAMP"},
}};

// splitmix64: tiny, and identical on every platform (std distributions are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); the modulo bias is irrelevant for n this small.
  uint32_t Uniform(uint32_t n) { return static_cast<uint32_t>(Next() % n); }
  bool Percent(int p) { return static_cast<int>(Uniform(100)) < p; }
  // Index i with probability weights[i] / sum(weights).
  template <size_t N>
  int Weighted(const std::array<int, N>& weights) {
    int total = 0;
    for (int w : weights) total += w;
    int pick = static_cast<int>(Uniform(static_cast<uint32_t>(total)));
    for (size_t i = 0; i < N; ++i) {
      if (pick < weights[i]) return static_cast<int>(i);
      pick -= weights[i];
    }
    return static_cast<int>(N) - 1;
  }

 private:
  uint64_t state_;
};

uint64_t StreamSeed(uint64_t seed, uint64_t domain, uint64_t stream) {
  Rng mix(seed ^ (domain * 0x100000001b3ULL) ^ (stream << 56));
  mix.Next();
  return mix.Next();
}

struct Shape {
  uint64_t seed = 1;
  int pipelines = 4;
  int layers = 6;
  int jobs_per_layer = 2;
  int cross_pipeline_percent = 15;
  int column_lineage_percent = 25;
  int runs_per_job = 3;
  int namespaces = 10;
};

struct Dataset {
  std::string name;
  int first_column = 0;  // index into kColumns of its first column
  int column_count = 0;

  const char* ColumnName(int i) const {
    return kColumns[(first_column + 7 * i) % kColumns.size()].name;
  }
};

struct Job {
  std::string name;
  int layer = 0;
  int index_in_layer = 0;    // across the domain's pipelines, for event times
  std::vector<int> inputs;   // indices into Domain::datasets
  std::vector<int> outputs;  // indices into Domain::datasets
  bool column_lineage = false;
};

struct Domain {
  int64_t index = 0;
  std::string job_namespace;
  std::string dataset_namespace;
  std::string pipeline0_prefix;  // "d000042_orders": a search term matching one pipeline
  std::vector<Dataset> datasets;
  std::vector<Job> jobs;  // in layer order, so producers come before consumers
  int mid_dataset = -1;
  int mid_job = -1;

  int64_t edges() const {
    int64_t n = 0;
    for (const Job& job : jobs) n += job.inputs.size() + job.outputs.size();
    return n;
  }
};

// The structure of domain `index`, a pure function of (shape, index).
Domain MakeDomain(const Shape& shape, int64_t index) {
  Rng rng(StreamSeed(shape.seed, index, 0));
  Domain domain;
  domain.index = index;
  const int ns = static_cast<int>(index % shape.namespaces);
  domain.job_namespace = absl::StrFormat("airflow-%02d", ns);
  domain.dataset_namespace = absl::StrFormat("postgres://warehouse-%02d:5432", ns);
  const std::string code = absl::StrFormat("d%06d", index);

  // Distinct topics for the pipelines: a partial Fisher-Yates shuffle.
  std::array<int, kTopics.size()> topics;
  for (size_t i = 0; i < topics.size(); ++i) topics[i] = static_cast<int>(i);
  for (int p = 0; p < shape.pipelines; ++p) {
    std::swap(topics[p], topics[p + rng.Uniform(static_cast<uint32_t>(topics.size() - p))]);
  }
  std::vector<std::string> prefixes;
  for (int p = 0; p < shape.pipelines; ++p) {
    prefixes.push_back(absl::StrCat(code, "_", kTopics[topics[p]]));
  }
  domain.pipeline0_prefix = prefixes[0];

  auto add_dataset = [&](std::string name) {
    Dataset dataset;
    dataset.name = std::move(name);
    dataset.first_column = static_cast<int>(rng.Uniform(kColumns.size()));
    dataset.column_count = 4 + static_cast<int>(rng.Uniform(9));  // 4..12
    domain.datasets.push_back(std::move(dataset));
    return static_cast<int>(domain.datasets.size()) - 1;
  };

  // by_layer[p][l]: datasets of pipeline p written by layer l (sources for l = 0).
  std::vector<std::vector<std::vector<int>>> by_layer(
      shape.pipelines, std::vector<std::vector<int>>(shape.layers + 1));
  std::vector<int> dimensions;
  const int dimension_offset = static_cast<int>(rng.Uniform(kDimensions.size()));
  for (int i = 0; i < 2; ++i) {
    dimensions.push_back(add_dataset(absl::StrCat(
        code, "_shared.dim_", kDimensions[(dimension_offset + i) % kDimensions.size()])));
  }
  for (int p = 0; p < shape.pipelines; ++p) {
    for (int s = 0; s <= shape.jobs_per_layer; ++s) {
      by_layer[p][0].push_back(add_dataset(absl::StrCat(prefixes[p], ".raw_", s)));
    }
  }

  auto pick = [&](const std::vector<int>& from) { return from[rng.Uniform(from.size())]; };
  const int mid_layer = std::max(1, (shape.layers + 1) / 2);
  for (int layer = 1; layer <= shape.layers; ++layer) {
    int index_in_layer = 0;
    const char* verb = kVerbs[(layer - 1) % kVerbs.size()];
    for (int p = 0; p < shape.pipelines; ++p) {
      const int job_count = 1 + static_cast<int>(rng.Uniform(2 * shape.jobs_per_layer - 1));
      for (int j = 0; j < job_count; ++j) {
        Job job;
        job.name = absl::StrCat(prefixes[p], ".l", layer, "_", verb, "_", j);
        job.layer = layer;
        job.index_in_layer = index_in_layer++;
        job.column_lineage = rng.Percent(shape.column_lineage_percent);
        const int input_count = 1 + rng.Weighted(std::array<int, 4>{40, 30, 20, 10});
        job.inputs.push_back(pick(by_layer[p][layer - 1]));
        // A duplicate pick is retried a few times, then dropped (small layers run out).
        for (int i = 1, tries = 0; i < input_count && tries < 3 * input_count; ++tries) {
          int input;
          const int roll = static_cast<int>(rng.Uniform(100));
          if (roll < shape.cross_pipeline_percent && shape.pipelines > 1) {
            int other = static_cast<int>(rng.Uniform(shape.pipelines - 1));
            if (other >= p) ++other;
            const int from_layer = std::max(0, layer - 1 - static_cast<int>(rng.Uniform(2)));
            input = pick(by_layer[other][from_layer]);
          } else if (roll < shape.cross_pipeline_percent + 10) {
            input = pick(dimensions);
          } else if (roll < shape.cross_pipeline_percent + 25) {
            input = pick(by_layer[p][rng.Uniform(layer)]);
          } else {
            input = pick(by_layer[p][layer - 1]);
          }
          if (std::find(job.inputs.begin(), job.inputs.end(), input) == job.inputs.end()) {
            job.inputs.push_back(input);
            ++i;
          }
        }
        const int output_count = 1 + rng.Weighted(std::array<int, 3>{55, 30, 15});
        for (int o = 0; o < output_count; ++o) {
          const int output = add_dataset(absl::StrCat(job.name, "_", o));
          job.outputs.push_back(output);
          by_layer[p][layer].push_back(output);
        }
        if (p == 0 && layer == mid_layer && j == 0) {
          domain.mid_dataset = job.outputs[0];
          domain.mid_job = static_cast<int>(domain.jobs.size());
        }
        domain.jobs.push_back(std::move(job));
      }
    }
  }
  return domain;
}

// ISO-8601 UTC with milliseconds, e.g. 2026-01-01T00:15:00.000Z.
void AppendTime(int64_t epoch_seconds, std::string* out) {
  const time_t t = static_cast<time_t>(epoch_seconds);
  tm parts{};
  gmtime_r(&t, &parts);
  absl::StrAppendFormat(out, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", parts.tm_year + 1900,
                        parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec);
}

void AppendUuid(Rng& rng, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const uint64_t hi = rng.Next();
  const uint64_t lo = rng.Next();
  char text[36];
  int n = 0;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) text[n++] = '-';
    const uint64_t word = i < 16 ? hi : lo;
    int nibble = static_cast<int>((word >> (4 * (15 - i % 16))) & 0xF);
    if (i == 12) nibble = 4;                   // version 4
    if (i == 16) nibble = 8 | (nibble & 0x3);  // RFC 4122 variant
    text[n++] = kHex[nibble];
  }
  out->append(text, sizeof(text));
}

// Names are built from ASCII letters, digits and "._-:/", so they need no JSON escaping.
void AppendDatasetRef(const Domain& domain, const Dataset& dataset, std::string* out) {
  absl::StrAppend(out, R"({"namespace":")", domain.dataset_namespace, R"(","name":")", dataset.name,
                  "\"");
}

void AppendFacetHeader(const char* schema_url, std::string* out) {
  absl::StrAppend(out, R"({"_producer":")", kProducer, R"(","_schemaURL":")", schema_url, "\"");
}

// One RunEvent, without a trailing newline.
void AppendEvent(const Domain& domain, const Job& job, bool complete, const std::string& run_id,
                 int64_t event_seconds, Rng& rng, std::string* out) {
  absl::StrAppend(out, R"({"eventType":")", complete ? "COMPLETE" : "START", R"(","eventTime":")");
  AppendTime(event_seconds, out);
  absl::StrAppend(out, R"(","run":{"runId":")", run_id, R"("},"job":{"namespace":")",
                  domain.job_namespace, R"(","name":")", job.name, R"("},"inputs":[)");
  for (size_t i = 0; i < job.inputs.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendDatasetRef(domain, domain.datasets[job.inputs[i]], out);
    out->push_back('}');
  }
  out->append(R"(],"outputs":[)");
  for (size_t o = 0; o < job.outputs.size(); ++o) {
    if (o > 0) out->push_back(',');
    const Dataset& dataset = domain.datasets[job.outputs[o]];
    AppendDatasetRef(domain, dataset, out);
    if (complete) {
      out->append(R"(,"facets":{"schema":)");
      AppendFacetHeader(kSchemaFacetSchema, out);
      out->append(R"(,"fields":[)");
      for (int c = 0; c < dataset.column_count; ++c) {
        if (c > 0) out->push_back(',');
        const Column& column = kColumns[(dataset.first_column + 7 * c) % kColumns.size()];
        absl::StrAppend(out, R"({"name":")", column.name, R"(","type":")", column.type, "\"}");
      }
      out->append("]}");
      if (job.column_lineage) {
        out->append(R"(,"columnLineage":)");
        AppendFacetHeader(kColumnLineageSchema, out);
        out->append(R"(,"fields":{)");
        for (int c = 0; c < dataset.column_count; ++c) {
          if (c > 0) out->push_back(',');
          absl::StrAppend(out, "\"", dataset.ColumnName(c), R"(":{"inputFields":[)");
          // One or two source columns; a second pick equal to the first is dropped.
          const int sources = 1 + static_cast<int>(rng.Uniform(2));
          int first_input = -1;
          const char* first_column = nullptr;
          for (int s = 0; s < sources; ++s) {
            const int input_index = job.inputs[rng.Uniform(job.inputs.size())];
            const Dataset& input = domain.datasets[input_index];
            const char* column = input.ColumnName(rng.Uniform(input.column_count));
            if (input_index == first_input && column == first_column) continue;
            first_input = input_index;
            first_column = column;
            if (s > 0) out->push_back(',');
            AppendDatasetRef(domain, input, out);
            absl::StrAppend(out, R"(,"field":")", column,
                            R"(","transformations":[{"type":"DIRECT","subtype":")",
                            s == 0 ? "IDENTITY" : "TRANSFORMATION", "\"}]}");
          }
          out->append("]}");
        }
        out->append("}}");
      }
      out->push_back('}');
    }
    out->push_back('}');
  }
  absl::StrAppend(out, R"(],"producer":")", kProducer, R"(","schemaURL":")", kRunEventSchema,
                  "\"}");
}

// Calls `emit(event_json)` for every event of `domain`, in order: run by run, each job in layer
// order, START then COMPLETE.
template <typename Emit>
void EmitDomain(const Shape& shape, const Domain& domain, Emit&& emit) {
  Rng rng(StreamSeed(shape.seed, domain.index, 1));
  std::string event;
  std::string run_id;
  const int64_t domain_offset = (domain.index % 720) * 60;  // domains start within 12 hours
  for (int run = 0; run < shape.runs_per_job; ++run) {
    for (const Job& job : domain.jobs) {
      run_id.clear();
      AppendUuid(rng, &run_id);
      const int64_t start = kBaseEpochSeconds + int64_t{run} * 86400 + domain_offset +
                            job.layer * 900 + job.index_in_layer * 17;
      const int64_t duration = 30 + rng.Uniform(600);
      event.clear();
      AppendEvent(domain, job, /*complete=*/false, run_id, start, rng, &event);
      emit(event);
      event.clear();
      AppendEvent(domain, job, /*complete=*/true, run_id, start + duration, rng, &event);
      emit(event);
    }
  }
}

struct Totals {
  int64_t domains = 0;
  int64_t jobs = 0;
  int64_t datasets = 0;
  int64_t edges = 0;
  int64_t runs = 0;
  int64_t events = 0;
  int64_t bytes = 0;
};

// One NDJSON batch: the body and where each line starts, to resend only some events.
struct Batch {
  std::string body;
  std::vector<size_t> line_starts;
};

// A bounded queue of batches between the generator and the sender threads.
class BatchQueue {
 public:
  explicit BatchQueue(size_t capacity) : capacity_(capacity) {}

  void Push(Batch batch) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](BatchQueue* q) { return q->batches_.size() < q->capacity_; }, this));
    batches_.push_back(std::move(batch));
  }

  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }

  // The next batch, or nullopt once the queue is closed and empty.
  std::optional<Batch> Pop() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](BatchQueue* q) { return q->closed_ || !q->batches_.empty(); }, this));
    if (batches_.empty()) return std::nullopt;
    Batch batch = std::move(batches_.front());
    batches_.pop_front();
    return batch;
  }

 private:
  const size_t capacity_;
  absl::Mutex mu_;
  std::deque<Batch> batches_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

struct SendStats {
  std::atomic<int64_t> accepted{0};
  std::atomic<int64_t> failed{0};
  std::atomic<int64_t> retries{0};
  absl::Mutex mu;
  std::string first_error ABSL_GUARDED_BY(mu);

  void Fail(int64_t events, std::string error) {
    failed += events;
    absl::MutexLock lock(&mu);
    if (first_error.empty()) first_error = std::move(error);
  }
};

std::string_view Line(const Batch& batch, size_t i) {
  const size_t begin = batch.line_starts[i];
  const size_t end =
      i + 1 < batch.line_starts.size() ? batch.line_starts[i + 1] - 1 : batch.body.size() - 1;
  return std::string_view(batch.body).substr(begin, end - begin);
}

// Posts batches until the queue is closed. Transport errors and 429/503 answers resend the whole
// batch (the server deduplicates events it already stored); retriable per-event failures resend
// those events only.
void SendBatches(const HttpUrl& url, BatchQueue* queue, SendStats* stats) {
  constexpr int kMaxAttempts = 30;
  BlockingHttpClient client(
      url,
      std::chrono::milliseconds(static_cast<int64_t>(absl::GetFlag(FLAGS_timeout_seconds) * 1000)));
  while (std::optional<Batch> batch = queue->Pop()) {
    for (int attempt = 1;; ++attempt) {
      if (attempt > 1) {
        ++stats->retries;
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(50 * attempt, 1000)));
      }
      const int64_t count = static_cast<int64_t>(batch->line_starts.size());
      BlockingHttpClient::Response response;
      boost::beast::error_code ec =
          client.Send(boost::beast::http::verb::post, "/api/v1/lineage/batch",
                      "application/x-ndjson", batch->body, &response);
      const unsigned status = ec ? 0 : response.result_int();
      if (ec || status == 429 || status == 503) {
        if (attempt < kMaxAttempts) continue;
        stats->Fail(count, ec ? ec.message() : absl::StrCat("HTTP ", status));
        break;
      }
      nlohmann::json result = nlohmann::json::parse(response.body(), nullptr, false);
      if (status != 200 || result.is_discarded() || !result.contains("summary")) {
        stats->Fail(count, absl::StrCat("HTTP ", status, ": ", response.body().substr(0, 300)));
        break;
      }
      stats->accepted += result["summary"].value("successful", int64_t{0});
      Batch again;
      for (const nlohmann::json& failure : result.value("failed_events", nlohmann::json::array())) {
        const size_t index = failure.value("index", size_t{0});
        if (index >= batch->line_starts.size()) continue;
        if (failure.value("retriable", false) && attempt < kMaxAttempts) {
          again.line_starts.push_back(again.body.size());
          again.body.append(Line(*batch, index)).push_back('\n');
        } else {
          stats->Fail(1, failure.value("reason", std::string("unknown")));
        }
      }
      if (again.line_starts.empty()) break;
      *batch = std::move(again);
    }
  }
}

std::optional<Shape> ShapeFromFlags() {
  Shape shape;
  shape.seed = absl::GetFlag(FLAGS_seed);
  shape.pipelines = absl::GetFlag(FLAGS_pipelines_per_domain);
  shape.layers = absl::GetFlag(FLAGS_layers);
  shape.jobs_per_layer = absl::GetFlag(FLAGS_jobs_per_layer);
  shape.cross_pipeline_percent = absl::GetFlag(FLAGS_cross_pipeline_percent);
  shape.column_lineage_percent = absl::GetFlag(FLAGS_column_lineage_percent);
  shape.runs_per_job = absl::GetFlag(FLAGS_runs_per_job);
  shape.namespaces = absl::GetFlag(FLAGS_namespaces);
  const char* problem = nullptr;
  if (shape.pipelines < 1 || shape.pipelines > static_cast<int>(kTopics.size())) {
    problem = "--pipelines_per_domain must be in 1..24";
  } else if (shape.layers < 1 || shape.layers > 1000) {
    problem = "--layers must be in 1..1000";
  } else if (shape.jobs_per_layer < 1 || shape.jobs_per_layer > 1000) {
    problem = "--jobs_per_layer must be in 1..1000";
  } else if (shape.cross_pipeline_percent < 0 || shape.cross_pipeline_percent > 75) {
    problem = "--cross_pipeline_percent must be in 0..75";
  } else if (shape.column_lineage_percent < 0 || shape.column_lineage_percent > 100) {
    problem = "--column_lineage_percent must be in 0..100";
  } else if (shape.runs_per_job < 1) {
    problem = "--runs_per_job must be positive";
  } else if (shape.namespaces < 1) {
    problem = "--namespaces must be positive";
  }
  if (problem != nullptr) {
    std::fprintf(stderr, "error: %s\n", problem);
    return std::nullopt;
  }
  return shape;
}

int Run() {
  std::optional<Shape> shape = ShapeFromFlags();
  if (!shape) return 2;
  const int64_t target_edges = absl::GetFlag(FLAGS_edges);
  const int64_t target_jobs = absl::GetFlag(FLAGS_jobs);
  const std::string url_text = absl::GetFlag(FLAGS_url);
  const std::string out_path = absl::GetFlag(FLAGS_out);
  if ((target_edges > 0) == (target_jobs > 0) || target_edges < 0 || target_jobs < 0) {
    std::fprintf(stderr, "error: give exactly one of --edges and --jobs, positive\n");
    return 2;
  }
  if (url_text.empty() == out_path.empty()) {
    std::fprintf(stderr, "error: give exactly one of --url and --out\n");
    return 2;
  }
  const int batch_size = absl::GetFlag(FLAGS_batch_size);
  const int connections = absl::GetFlag(FLAGS_connections);
  if (batch_size < 1 || connections < 1) {
    std::fprintf(stderr, "error: --batch_size and --connections must be positive\n");
    return 2;
  }
  std::optional<HttpUrl> url;
  if (!url_text.empty()) {
    url = ParseHttpUrl(url_text);
    if (!url) {
      std::fprintf(stderr, "error: --url must look like http://host:port\n");
      return 2;
    }
  }

  // First pass, structure only (cheap): how many domains reach the target.
  Totals totals;
  while ((target_edges > 0 && totals.edges < target_edges) ||
         (target_jobs > 0 && totals.jobs < target_jobs)) {
    const Domain domain = MakeDomain(*shape, totals.domains);
    ++totals.domains;
    totals.jobs += domain.jobs.size();
    totals.datasets += domain.datasets.size();
    totals.edges += domain.edges();
  }
  totals.runs = totals.jobs * shape->runs_per_job;

  // Sample domains spread evenly over the store.
  const int64_t sample_count =
      std::min<int64_t>(std::max(1, absl::GetFlag(FLAGS_samples)), totals.domains);
  std::vector<int64_t> sample_domains;
  for (int64_t i = 0; i < sample_count; ++i) {
    sample_domains.push_back((2 * i + 1) * totals.domains / (2 * sample_count));
  }

  std::FILE* out = nullptr;
  if (!out_path.empty()) {
    out = std::fopen(out_path.c_str(), "w");
    if (out == nullptr) {
      std::fprintf(stderr, "error: cannot open --out=%s\n", out_path.c_str());
      return 2;
    }
  }
  BatchQueue queue(2 * static_cast<size_t>(connections));
  SendStats stats;
  std::vector<std::thread> senders;
  if (url) {
    for (int i = 0; i < connections; ++i) {
      senders.emplace_back(SendBatches, std::cref(*url), &queue, &stats);
    }
  }

  const Clock::time_point start = Clock::now();
  Batch batch;
  auto flush = [&] {
    if (batch.line_starts.empty()) return;
    if (out != nullptr) {
      std::fwrite(batch.body.data(), 1, batch.body.size(), out);
    } else {
      queue.Push(std::move(batch));
    }
    batch = Batch();
  };
  for (int64_t d = 0; d < totals.domains; ++d) {
    const Domain domain = MakeDomain(*shape, d);
    EmitDomain(*shape, domain, [&](const std::string& event) {
      ++totals.events;
      totals.bytes += event.size() + 1;
      batch.line_starts.push_back(batch.body.size());
      batch.body.append(event).push_back('\n');
      if (static_cast<int>(batch.line_starts.size()) >= batch_size) flush();
    });
  }
  flush();
  queue.Close();
  for (std::thread& sender : senders) sender.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  bool ok = true;
  if (out != nullptr && (std::fflush(out) != 0 || std::ferror(out) != 0)) {
    std::fprintf(stderr, "error: writing %s failed\n", out_path.c_str());
    ok = false;
  }
  if (out != nullptr) std::fclose(out);

  std::printf(
      "GENERATED domains=%ld jobs=%ld datasets=%ld edges=%ld runs=%ld events=%ld bytes=%ld\n",
      totals.domains, totals.jobs, totals.datasets, totals.edges, totals.runs, totals.events,
      totals.bytes);
  if (url) {
    std::printf("POSTED accepted=%ld failed=%ld retries=%ld seconds=%.1f events_per_sec=%.0f\n",
                stats.accepted.load(), stats.failed.load(), stats.retries.load(), seconds,
                seconds > 0 ? stats.accepted.load() / seconds : 0.0);
    absl::MutexLock lock(&stats.mu);
    if (!stats.first_error.empty()) {
      std::fprintf(stderr, "first error: %s\n", stats.first_error.c_str());
    }
    if (stats.failed.load() > 0 || stats.accepted.load() != totals.events) ok = false;
  }

  const Domain first = MakeDomain(*shape, sample_domains[0]);
  const Dataset& mid = first.datasets[first.mid_dataset];
  std::printf("SAMPLE mid_dataset=dataset:%s:%s\n", first.dataset_namespace.c_str(),
              mid.name.c_str());
  std::printf("SAMPLE mid_job=job:%s:%s\n", first.job_namespace.c_str(),
              first.jobs[first.mid_job].name.c_str());
  std::printf("SAMPLE job_namespace=%s dataset_namespace=%s search=%s\n",
              first.job_namespace.c_str(), first.dataset_namespace.c_str(),
              first.pipeline0_prefix.c_str());
  if (const std::string path = absl::GetFlag(FLAGS_mid_datasets_out); !path.empty()) {
    std::FILE* file = std::fopen(path.c_str(), "w");
    if (file == nullptr) {
      std::fprintf(stderr, "error: cannot open --mid_datasets_out=%s\n", path.c_str());
      return 2;
    }
    for (int64_t d : sample_domains) {
      const Domain domain = MakeDomain(*shape, d);
      std::fprintf(file, "dataset:%s:%s\n", domain.dataset_namespace.c_str(),
                   domain.datasets[domain.mid_dataset].name.c_str());
    }
    std::fclose(file);
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace lineaged::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Synthetic OpenLineage generator: layered job/dataset domains, posted to "
      "/api/v1/lineage/batch or written as NDJSON.");
  absl::ParseCommandLine(argc, argv);
  return lineaged::bench::Run();
}
