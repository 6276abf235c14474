// lineaged_query_load: latency of the read API on keep-alive connections.
//
// For each query of --queries (NAME=TARGET, comma-separated) it sends --warmup unmeasured and then
// --requests measured GET requests, back to back on --connections connections (1 by default: the
// latency of one client, no queueing), and prints p50/p90/p99/max. Targets may hold placeholders,
// percent-encoded on substitution:
//   {node}        each node id of --node / --nodes_file in turn (a query with {node} rotates over
//                 all of them, so it does not measure one cached answer)
//   {job_ns}      --job_namespace        {dataset_ns}  --dataset_namespace        {q}  --search
// It also reports what the answers hold, from the first 200 answer of each distinct target: for a
// lineage answer the number of nodes in "graph", otherwise the length of the first array member
// (e.g. "jobs") and "totalCount" when present; min/avg/max over the distinct targets.
//
// Example, with ids printed by lineaged_lineage_gen:
//   lineaged_query_load --url=http://127.0.0.1:5000 --nodes_file=/tmp/mid.txt
//       --job_namespace=airflow-00 --dataset_namespace=postgres://warehouse-00:5432
//       --search=d000042
//
// One machine-readable line per query:
//   RESULT query=<name> requests=<n> errors=<n> p50_us=<n> p90_us=<n> p99_us=<n> max_us=<n>
//          mean_us=<n> nodes_min=<n> nodes_avg=<n> nodes_max=<n> total=<n|-> bytes_avg=<n>
//          server_cpu_us=<n|-> status=<code>:<count>[/...]
// "errors" counts transport errors and answers other than 200; server_cpu_us (with --server_pid)
// is the server's user+system CPU per measured request, from /proc (10 ms ticks).
//
// Exit status: 0 if every measured request was answered 200, 1 otherwise, 2 on bad flags.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
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
#include "absl/strings/str_replace.h"
#include "nlohmann/json.hpp"

#include "bench/bench_http.h"

ABSL_FLAG(std::string, url, "http://127.0.0.1:5000", "Server base URL.");
ABSL_FLAG(std::vector<std::string>, queries,
          std::vector<std::string>(
              {"lineage=/api/v1/lineage?nodeId={node}&depth=20",
               "lineage_depth2=/api/v1/lineage?nodeId={node}&depth=2",
               "ns_jobs=/api/v1/namespaces/{job_ns}/jobs?limit=100", "jobs=/api/v1/jobs?limit=100",
               "ns_datasets=/api/v1/namespaces/{dataset_ns}/datasets?limit=100",
               "search=/api/v1/search?q={q}"}),
          "NAME=TARGET pairs, comma-separated; see the placeholders above.");
ABSL_FLAG(std::string, node, "", "A node id for {node}.");
ABSL_FLAG(std::string, nodes_file, "", "Node ids for {node}, one per line (adds to --node).");
ABSL_FLAG(std::string, job_namespace, "", "Value of {job_ns}.");
ABSL_FLAG(std::string, dataset_namespace, "", "Value of {dataset_ns}.");
ABSL_FLAG(std::string, search, "", "Value of {q}.");
ABSL_FLAG(int32_t, requests, 1000, "Measured requests per query.");
ABSL_FLAG(int32_t, warmup, 100, "Unmeasured requests per query, before the measured ones.");
ABSL_FLAG(int32_t, connections, 1, "Keep-alive connections (one thread each) per query.");
ABSL_FLAG(double, max_seconds, 120,
          "Stop a query's measured requests after this long (fewer requests then).");
ABSL_FLAG(double, timeout_seconds, 30, "Per-request timeout.");
ABSL_FLAG(int32_t, server_pid, 0, "If set, report the server's CPU time per measured request.");

namespace lineaged::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Query {
  std::string name;
  std::vector<std::string> targets;  // one per {node}, else one
};

// What one thread saw.
struct ThreadResult {
  std::vector<uint32_t> latencies_us;
  std::map<unsigned, int64_t> statuses;  // 0 = transport error
  int64_t bytes = 0;
  // First 200 body of each target index this thread hit, to count nodes in.
  std::map<size_t, std::string> first_bodies;
};

uint32_t Percentile(const std::vector<uint32_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const size_t rank = static_cast<size_t>(std::ceil(q * sorted.size()));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

// Server user+system CPU in clock ticks, or -1.
int64_t ProcessCpuTicks(int pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command (which may contain spaces) start after the last ')'.
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) return -1;
  std::vector<std::string> fields;
  std::string field;
  for (size_t i = paren + 2; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ' ') {
      fields.push_back(std::move(field));
      field.clear();
    } else {
      field.push_back(text[i]);
    }
  }
  // utime and stime are fields 14 and 15 of stat; fields[0] is field 3.
  if (fields.size() < 13) return -1;
  return std::stoll(fields[11]) + std::stoll(fields[12]);
}

// Nodes in a lineage answer, else the length of the first array member; nullopt if neither.
struct Contents {
  std::optional<int64_t> items;
  std::optional<int64_t> total;
};

Contents CountContents(const std::string& body) {
  Contents contents;
  nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded()) return contents;
  if (json.is_array()) {
    contents.items = json.size();
    return contents;
  }
  if (!json.is_object()) return contents;
  if (auto graph = json.find("graph"); graph != json.end() && graph->is_array()) {
    contents.items = graph->size();
    return contents;
  }
  for (auto& [key, value] : json.items()) {
    if (value.is_array() && !contents.items) contents.items = value.size();
    if (key == "totalCount" && value.is_number_integer()) contents.total = value.get<int64_t>();
  }
  return contents;
}

std::chrono::milliseconds Timeout() {
  return std::chrono::milliseconds(
      static_cast<int64_t>(absl::GetFlag(FLAGS_timeout_seconds) * 1000));
}

// Sends `warmup` then `requests` requests on `client`, targets in turn from `offset`.
void RunRequests(BlockingHttpClient* client, const Query& query, int warmup, int requests,
                 size_t offset, Clock::time_point deadline, ThreadResult* result) {
  result->latencies_us.reserve(requests);
  for (int i = 0; i < warmup + requests; ++i) {
    const bool measured = i >= warmup;
    if (measured && Clock::now() > deadline) break;
    const size_t target = (offset + i) % query.targets.size();
    BlockingHttpClient::Response response;
    const Clock::time_point start = Clock::now();
    boost::beast::error_code ec =
        client->Send(boost::beast::http::verb::get, query.targets[target], "", "", &response);
    const Clock::time_point end = Clock::now();
    const unsigned status = ec ? 0 : response.result_int();
    if (status == 200 && !result->first_bodies.contains(target)) {
      result->first_bodies.emplace(target, response.body());
    }
    if (!measured) continue;
    result->latencies_us.push_back(static_cast<uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(end - start).count()));
    ++result->statuses[status];
    result->bytes += ec ? 0 : static_cast<int64_t>(response.body().size());
    if (ec) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::optional<std::vector<Query>> QueriesFromFlags() {
  std::vector<std::string> nodes;
  if (std::string node = absl::GetFlag(FLAGS_node); !node.empty()) nodes.push_back(node);
  if (std::string path = absl::GetFlag(FLAGS_nodes_file); !path.empty()) {
    std::ifstream in(path);
    if (!in) {
      std::fprintf(stderr, "error: cannot read --nodes_file=%s\n", path.c_str());
      return std::nullopt;
    }
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) nodes.push_back(line);
    }
  }
  const std::vector<std::pair<std::string, std::string>> values = {
      {"{job_ns}", PercentEncode(absl::GetFlag(FLAGS_job_namespace))},
      {"{dataset_ns}", PercentEncode(absl::GetFlag(FLAGS_dataset_namespace))},
      {"{q}", PercentEncode(absl::GetFlag(FLAGS_search))},
  };
  std::vector<Query> queries;
  for (const std::string& spec : absl::GetFlag(FLAGS_queries)) {
    const size_t equals = spec.find('=');
    if (equals == std::string::npos || equals == 0 || spec.size() <= equals + 1 ||
        spec[equals + 1] != '/') {
      std::fprintf(stderr, "error: --queries entry '%s' is not NAME=/target\n", spec.c_str());
      return std::nullopt;
    }
    Query query;
    query.name = spec.substr(0, equals);
    const std::string target = absl::StrReplaceAll(spec.substr(equals + 1), values);
    if (target.find("{node}") != std::string::npos) {
      if (nodes.empty()) {
        std::fprintf(stderr, "error: query %s needs --node or --nodes_file\n", query.name.c_str());
        return std::nullopt;
      }
      for (const std::string& node : nodes) {
        query.targets.push_back(absl::StrReplaceAll(target, {{"{node}", PercentEncode(node)}}));
      }
    } else {
      query.targets.push_back(target);
    }
    queries.push_back(std::move(query));
  }
  return queries;
}

int Run() {
  std::optional<HttpUrl> url = ParseHttpUrl(absl::GetFlag(FLAGS_url));
  if (!url) {
    std::fprintf(stderr, "error: --url must look like http://host:port\n");
    return 2;
  }
  std::optional<std::vector<Query>> queries = QueriesFromFlags();
  if (!queries) return 2;
  const int requests = absl::GetFlag(FLAGS_requests);
  const int warmup = absl::GetFlag(FLAGS_warmup);
  const int connections = absl::GetFlag(FLAGS_connections);
  const int server_pid = absl::GetFlag(FLAGS_server_pid);
  if (requests < 1 || warmup < 0 || connections < 1) {
    std::fprintf(stderr, "error: --requests and --connections must be positive, --warmup >= 0\n");
    return 2;
  }
  const long ticks_per_second = sysconf(_SC_CLK_TCK);

  bool all_ok = true;
  for (const Query& query : *queries) {
    std::printf("query %s: GET %s%s (%zu target%s), %d warm-up + %d measured, %d connection(s)\n",
                query.name.c_str(), query.targets[0].c_str(),
                query.targets.size() > 1 ? " ..." : "", query.targets.size(),
                query.targets.size() > 1 ? "s" : "", warmup, requests, connections);
    std::fflush(stdout);
    std::vector<ThreadResult> results(connections);
    std::vector<std::thread> threads;
    const Clock::time_point deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(absl::GetFlag(FLAGS_max_seconds)));
    // Warm-up first (a deadline far away), then the measured requests: the CPU ticks of the server
    // are read around the measured part only when there is one connection. With several, warm-up
    // and measurement overlap a little and the CPU figure includes the warm-up.
    const int64_t cpu_before = connections == 1 ? -1 : ProcessCpuTicks(server_pid);
    int64_t cpu_start = cpu_before;
    if (connections == 1) {
      BlockingHttpClient client(*url, Timeout());
      RunRequests(&client, query, warmup, 0, 0, deadline, &results[0]);
      cpu_start = ProcessCpuTicks(server_pid);
      RunRequests(&client, query, 0, requests, warmup, deadline, &results[0]);
    } else {
      for (int c = 0; c < connections; ++c) {
        const int share = requests / connections + (c < requests % connections ? 1 : 0);
        threads.emplace_back([&, c, share] {
          BlockingHttpClient client(*url, Timeout());
          RunRequests(&client, query, warmup / connections, share, static_cast<size_t>(c) * 7919,
                      deadline, &results[c]);
        });
      }
      for (std::thread& thread : threads) thread.join();
    }
    const int64_t cpu_end = ProcessCpuTicks(server_pid);

    std::vector<uint32_t> latencies;
    std::map<unsigned, int64_t> statuses;
    std::map<size_t, std::string> bodies;
    int64_t bytes = 0;
    for (ThreadResult& result : results) {
      latencies.insert(latencies.end(), result.latencies_us.begin(), result.latencies_us.end());
      for (const auto& [status, count] : result.statuses) statuses[status] += count;
      bytes += result.bytes;
      bodies.merge(result.first_bodies);
    }
    std::sort(latencies.begin(), latencies.end());
    const int64_t measured = static_cast<int64_t>(latencies.size());
    const int64_t errors = measured - (statuses.contains(200) ? statuses[200] : 0);
    if (errors > 0 || measured == 0) all_ok = false;
    double mean = 0;
    for (uint32_t l : latencies) mean += l;
    if (measured > 0) mean /= measured;

    int64_t nodes_min = -1, nodes_max = -1, nodes_sum = 0, nodes_n = 0;
    std::optional<int64_t> total;
    for (const auto& [target, body] : bodies) {
      const Contents contents = CountContents(body);
      if (contents.total) total = contents.total;
      if (!contents.items) continue;
      const int64_t n = *contents.items;
      nodes_min = nodes_n == 0 ? n : std::min(nodes_min, n);
      nodes_max = std::max(nodes_max, n);
      nodes_sum += n;
      ++nodes_n;
    }
    std::string status_text;
    for (const auto& [status, count] : statuses) {
      absl::StrAppend(&status_text, status_text.empty() ? "" : "/", status, ":", count);
    }
    std::string cpu_text = "-";
    if (cpu_start >= 0 && cpu_end >= 0 && measured > 0) {
      cpu_text = std::to_string(static_cast<int64_t>(
          (cpu_end - cpu_start) * 1e6 / static_cast<double>(ticks_per_second) / measured));
    }
    if (errors > 0 && bodies.empty()) {
      std::printf("  no 200 answer (statuses %s)\n", status_text.c_str());
    }
    std::printf(
        "RESULT query=%s requests=%ld errors=%ld p50_us=%u p90_us=%u p99_us=%u max_us=%u "
        "mean_us=%.0f nodes_min=%ld nodes_avg=%.1f nodes_max=%ld total=%s bytes_avg=%.0f "
        "server_cpu_us=%s status=%s\n",
        query.name.c_str(), measured, errors, Percentile(latencies, 0.50),
        Percentile(latencies, 0.90), Percentile(latencies, 0.99),
        latencies.empty() ? 0 : latencies.back(), mean, nodes_min,
        nodes_n > 0 ? static_cast<double>(nodes_sum) / nodes_n : -1.0, nodes_max,
        total ? std::to_string(*total).c_str() : "-",
        measured > 0 ? static_cast<double>(bytes) / measured : 0.0, cpu_text.c_str(),
        status_text.c_str());
    std::fflush(stdout);
  }
  return all_ok ? 0 : 1;
}

}  // namespace
}  // namespace lineaged::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Latency of GET requests (lineage, lists, search) on keep-alive "
      "connections; see the top of bench/query_load.cc.");
  absl::ParseCommandLine(argc, argv);
  return lineaged::bench::Run();
}
