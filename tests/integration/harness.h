#pragma once

// Shared pieces of the integration tests: a real server on its own temporary
// data directory, the Marquez lineage graph as plain structs, and builders for
// OpenLineage events.
//
//   TestServer server;
//   ASSERT_TRUE(server.Start());
//   EXPECT_EQ(server.PostEvent(event).status, 201);
//   Graph graph = ParseGraph(server.GetLineage("dataset:ns:name"));

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/http_client.h"
#include "tests/testing/server_process.h"
#include "tests/testing/temp_dir.h"

namespace lineaged::integration {

using lineaged::testing::Headers;
using lineaged::testing::HttpClient;
using lineaged::testing::RequestOptions;
using lineaged::testing::Response;

inline constexpr char kLineagePath[] = "/api/v1/lineage";

// A lineaged server process on a private data directory that outlives
// restarts. Not thread-safe, except that NewClient() and port() may be used
// from worker threads while the server runs.
class TestServer {
 public:
  explicit TestServer(std::vector<std::string> extra_flags = {});
  ~TestServer();

  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // Starts a new server process on the data directory (again, after Stop() or
  // Kill()). On failure the message carries the server's log.
  ::testing::AssertionResult Start();

  // SIGTERM and wait; the exit code (128 + signal if signalled, -1 if not
  // running).
  int Stop();

  // SIGKILL and wait.
  int Kill();

  // True while the current process is alive.
  bool Alive();

  // Sends `signal` (e.g. SIGHUP) to the current process; false if none runs.
  bool Signal(int signal);

  int port() const;
  int grpc_port() const;
  const std::string& data_dir() const { return data_dir_; }

  // The current process's stdout and stderr.
  std::string log() const;

  // A keep-alive client connected to the current process.
  HttpClient& client() { return *client_; }

  // A separate client for another thread.
  std::unique_ptr<HttpClient> NewClient() const;

  // POST /api/v1/lineage with Content-Type: application/json.
  Response PostEvent(std::string_view event, const RequestOptions& options = {});

  // GET /api/v1/lineage?nodeId=<url-encoded node_id>[&depth=<depth>].
  Response GetLineage(std::string_view node_id, std::optional<int> depth = std::nullopt);

 private:
  lineaged::testing::TempDir dir_;
  std::string data_dir_;
  std::vector<std::string> extra_flags_;
  std::unique_ptr<lineaged::testing::ServerProcess> process_;
  std::unique_ptr<HttpClient> client_;
};

// One edge of the lineage graph, as nodeIds.
struct Edge {
  std::string origin;
  std::string destination;

  friend bool operator==(const Edge&, const Edge&) = default;
  friend auto operator<=>(const Edge&, const Edge&) = default;
  friend std::ostream& operator<<(std::ostream& out, const Edge& edge) {
    return out << edge.origin << " -> " << edge.destination;
  }
};

// One node of GET /api/v1/lineage.
struct Node {
  std::string id;
  std::string type;  // "DATASET" or "JOB"
  bool data_is_object = false;
  std::vector<Edge> in_edges;
  std::vector<Edge> out_edges;
};

// The nodes of a lineage response, in response order. Records a non-fatal
// failure when the status is not 200 or the body is not {"graph":[...]} with
// well-formed nodes.
std::vector<Node> ParseGraph(const Response& response);

// The ids of `nodes`, in order.
std::vector<std::string> NodeIds(const std::vector<Node>& nodes);

// The node with `id`, or nullptr.
const Node* FindNode(const std::vector<Node>& nodes, std::string_view id);

// The "errors" array of a 422 body, or empty (with a non-fatal failure) if the
// body is not {"errors":[string...]}.
std::vector<std::string> ValidationErrors(const Response& response);

// Checks a 400/404-style body {"code":<status>,"message":"<non-empty>"}.
::testing::AssertionResult IsErrorBody(const Response& response, int code);

// Parses `text`; records a non-fatal failure and returns null if it is not
// JSON.
nlohmann::json ParseJson(std::string_view text);

// A random (version 4) UUID.
std::string NewUuid();

// tests/data/corpus/compat/airflow/events/line_<NN>.json, 1 <= line <= 32.
std::string AirflowEvent(int line);
inline constexpr int kAirflowEventCount = 32;

// Posts the 32 Airflow events in order, expecting 201 for each.
void PostAirflowEvents(TestServer& server);

// A minimal valid (lenient and strict) COMPLETE RunEvent of job
// `job_namespace`:`job_name` with a fresh runId, reading test:<job_name>.input
// and writing test:<job_name>.output.
nlohmann::json MinimalEvent(std::string_view job_namespace = "test",
                            std::string_view job_name = "job");

}  // namespace lineaged::integration
