// lineaged_batch_load: throughput of the batching ingest paths, to compare with
// single-event HTTP (lineaged_http_load):
//   --mode=http_batch   POST /api/v1/lineage/batch with --batch_size events each
//   --mode=grpc_stream  lineaged.v1.LineageIngest/EmitStream, one long stream per connection
// Each connection is a thread with its own client; every event gets a fresh
// run id. Prints events/s (accepted) and, for HTTP, batch latency percentiles.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"

#include "lineaged/v1/ingest.grpc.pb.h"

ABSL_FLAG(std::string, mode, "http_batch", "http_batch or grpc_stream.");
ABSL_FLAG(std::string, host, "127.0.0.1", "Server host.");
ABSL_FLAG(int, port, 5000, "HTTP port (http_batch) or gRPC port (grpc_stream).");
ABSL_FLAG(int, connections, 4, "Concurrent clients, one thread each.");
ABSL_FLAG(int, batch_size, 100, "Events per HTTP batch request.");
ABSL_FLAG(double, duration_seconds, 10, "How long to send.");
ABSL_FLAG(std::string, corpus_dir, "tests/data/corpus/compat/airflow/events",
          "Directory of OpenLineage event JSON files.");

namespace lineaged::bench {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

constexpr char kPlaceholder[] = "00000000-0000-4000-8000-000000000000";

// Corpus events with their run.runId replaced by a placeholder to overwrite.
struct Template {
  std::string json;
  size_t id_offset = std::string::npos;
};

std::vector<Template> LoadCorpus(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Template> templates;
  for (const auto& file : files) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    nlohmann::json event = nlohmann::json::parse(text.str(), nullptr, false);
    if (event.is_discarded() || !event.contains("run")) continue;
    event["run"]["runId"] = kPlaceholder;
    Template t;
    t.json = event.dump();
    t.id_offset = t.json.find(kPlaceholder);
    templates.push_back(std::move(t));
  }
  return templates;
}

class EventSource {
 public:
  explicit EventSource(const std::vector<Template>* templates, uint64_t seed)
      : templates_(templates), random_(seed) {}

  std::string Next() {
    const Template& t = (*templates_)[next_++ % templates_->size()];
    std::string json = t.json;
    static constexpr char kHex[] = "0123456789abcdef";
    for (size_t i = 0; i < 36; ++i) {
      if (i == 8 || i == 13 || i == 18 || i == 23) continue;
      json[t.id_offset + i] = kHex[random_() & 0xf];
    }
    json[t.id_offset + 14] = '4';
    return json;
  }

 private:
  const std::vector<Template>* templates_;
  std::mt19937_64 random_;
  size_t next_ = 0;
};

struct Totals {
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> failed{0};
  std::mutex latency_mu;
  std::vector<double> latencies_ms;
};

void HttpBatchClient(const std::vector<Template>* templates, int id, Clock::time_point end,
                     Totals* totals) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  net::ip::tcp::resolver resolver(ioc);
  beast::error_code ec;
  auto endpoints =
      resolver.resolve(absl::GetFlag(FLAGS_host), std::to_string(absl::GetFlag(FLAGS_port)), ec);
  if (ec) return;
  stream.connect(endpoints, ec);
  if (ec) {
    std::fprintf(stderr, "connect: %s\n", ec.message().c_str());
    return;
  }
  EventSource source(templates, id * 7919 + 1);
  const int batch_size = absl::GetFlag(FLAGS_batch_size);
  beast::flat_buffer buffer;
  std::vector<double> latencies;
  while (Clock::now() < end) {
    std::string body = "[";
    for (int i = 0; i < batch_size; ++i) {
      if (i > 0) body += ',';
      body += source.Next();
    }
    body += ']';
    http::request<http::string_body> request{http::verb::post, "/api/v1/lineage/batch", 11};
    request.set(http::field::host, absl::GetFlag(FLAGS_host));
    request.set(http::field::content_type, "application/json");
    request.body() = std::move(body);
    request.prepare_payload();
    Clock::time_point start = Clock::now();
    http::write(stream, request, ec);
    if (ec) break;
    http::response<http::string_body> response;
    http::read(stream, buffer, response, ec);
    if (ec) break;
    latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    nlohmann::json result = nlohmann::json::parse(response.body(), nullptr, false);
    if (response.result_int() != 200 || result.is_discarded()) {
      totals->failed += batch_size;
      continue;
    }
    totals->accepted += result["summary"]["successful"].get<uint64_t>();
    totals->failed += result["summary"]["failed"].get<uint64_t>();
  }
  std::lock_guard lock(totals->latency_mu);
  totals->latencies_ms.insert(totals->latencies_ms.end(), latencies.begin(), latencies.end());
}

void GrpcStreamClient(const std::vector<Template>* templates, int id, Clock::time_point end,
                      Totals* totals) {
  auto channel = grpc::CreateChannel(
      absl::GetFlag(FLAGS_host) + ":" + std::to_string(absl::GetFlag(FLAGS_port)),
      grpc::InsecureChannelCredentials());
  auto stub = lineaged::v1::LineageIngest::NewStub(channel);
  EventSource source(templates, id * 7919 + 1);
  grpc::ClientContext context;
  lineaged::v1::EmitSummary summary;
  auto writer = stub->EmitStream(&context, &summary);
  lineaged::v1::EmitRequest request;
  while (Clock::now() < end) {
    request.set_json(source.Next());
    if (!writer->Write(request)) break;
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) {
    std::fprintf(stderr, "stream %d: %s\n", id, status.error_message().c_str());
  }
  totals->accepted += summary.accepted();
  totals->failed += summary.failed();
}

int Run() {
  std::vector<Template> templates = LoadCorpus(absl::GetFlag(FLAGS_corpus_dir));
  if (templates.empty()) {
    std::fprintf(stderr, "no RunEvents in %s\n", absl::GetFlag(FLAGS_corpus_dir).c_str());
    return 2;
  }
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode != "http_batch" && mode != "grpc_stream") {
    std::fprintf(stderr, "--mode must be http_batch or grpc_stream\n");
    return 2;
  }
  Totals totals;
  const int connections = absl::GetFlag(FLAGS_connections);
  Clock::time_point start = Clock::now();
  Clock::time_point end =
      start + std::chrono::duration_cast<Clock::duration>(
                  std::chrono::duration<double>(absl::GetFlag(FLAGS_duration_seconds)));
  std::vector<std::thread> threads;
  for (int i = 0; i < connections; ++i) {
    threads.emplace_back(mode == "http_batch" ? HttpBatchClient : GrpcStreamClient, &templates, i,
                         end, &totals);
  }
  for (auto& thread : threads) thread.join();
  // The summary of a stream arrives once its last event is durable, so the
  // window ends when the last client finished.
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  double rate = totals.accepted.load() / seconds;
  std::printf("mode=%s connections=%d batch_size=%d seconds=%.2f accepted=%llu failed=%llu\n",
              mode.c_str(), connections, absl::GetFlag(FLAGS_batch_size), seconds,
              static_cast<unsigned long long>(totals.accepted.load()),
              static_cast<unsigned long long>(totals.failed.load()));
  std::string latency;
  if (!totals.latencies_ms.empty()) {
    std::sort(totals.latencies_ms.begin(), totals.latencies_ms.end());
    auto pct = [&](double q) {
      return totals.latencies_ms[std::min(totals.latencies_ms.size() - 1,
                                          static_cast<size_t>(q * totals.latencies_ms.size()))];
    };
    latency =
        " batch_p50_ms=" + std::to_string(pct(0.5)) + " batch_p99_ms=" + std::to_string(pct(0.99));
  }
  std::printf("RESULT events_per_sec=%.0f%s ok=%llu errors=%llu\n", rate, latency.c_str(),
              static_cast<unsigned long long>(totals.accepted.load()),
              static_cast<unsigned long long>(totals.failed.load()));
  return totals.accepted.load() > 0 ? 0 : 1;
}

}  // namespace
}  // namespace lineaged::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return lineaged::bench::Run();
}
