#include "tests/integration/harness.h"

#include <cstdio>
#include <random>

#include "tests/testing/data.h"

namespace lineaged::integration {
namespace {

Edge ParseEdge(const nlohmann::json& edge, const std::string& node_id) {
  Edge result;
  if (!edge.is_object() || !edge.contains("origin") || !edge["origin"].is_string() ||
      !edge.contains("destination") || !edge["destination"].is_string()) {
    ADD_FAILURE() << "malformed edge of node " << node_id << ": " << edge.dump();
    return result;
  }
  result.origin = edge["origin"].get<std::string>();
  result.destination = edge["destination"].get<std::string>();
  return result;
}

std::vector<Edge> ParseEdges(const nlohmann::json& node, const char* key,
                             const std::string& node_id) {
  std::vector<Edge> edges;
  auto it = node.find(key);
  if (it == node.end() || !it->is_array()) {
    ADD_FAILURE() << "node " << node_id << " has no array \"" << key << "\": " << node.dump();
    return edges;
  }
  for (const auto& edge : *it) edges.push_back(ParseEdge(edge, node_id));
  return edges;
}

}  // namespace

TestServer::TestServer(std::vector<std::string> extra_flags)
    : data_dir_(dir_.path() + "/data"), extra_flags_(std::move(extra_flags)) {}

TestServer::~TestServer() {
  client_.reset();
  if (process_ != nullptr && process_->running()) {
    const int status = process_->Stop();
    if (status != 0) {
      // Not an assertion: tests that care check Stop() themselves. Still worth
      // seeing when a test fails for another reason.
      std::fprintf(stderr, "lineaged exited with %d on SIGTERM at the end of the test\n", status);
    }
  }
}

::testing::AssertionResult TestServer::Start() {
  client_.reset();
  if (process_ != nullptr && process_->running()) {
    return ::testing::AssertionFailure() << "server already running";
  }
  process_ = std::make_unique<lineaged::testing::ServerProcess>(data_dir_, extra_flags_);
  if (!process_->Start()) {
    return ::testing::AssertionFailure() << process_->error() << "\n--- server log ---\n"
                                         << process_->log_contents();
  }
  client_ = std::make_unique<HttpClient>("127.0.0.1", process_->port());
  return ::testing::AssertionSuccess();
}

int TestServer::Stop() {
  if (client_ != nullptr) client_->Close();
  return process_ == nullptr ? -1 : process_->Stop();
}

int TestServer::Kill() {
  if (client_ != nullptr) client_->Close();
  return process_ == nullptr ? -1 : process_->Kill();
}

bool TestServer::Alive() { return process_ != nullptr && process_->Alive(); }

bool TestServer::Signal(int signal) { return process_ != nullptr && process_->Signal(signal); }

int TestServer::port() const { return process_ == nullptr ? 0 : process_->port(); }

int TestServer::grpc_port() const { return process_ == nullptr ? 0 : process_->grpc_port(); }

std::string TestServer::log() const {
  return process_ == nullptr ? std::string("(server never started)") : process_->log_contents();
}

std::unique_ptr<HttpClient> TestServer::NewClient() const {
  return std::make_unique<HttpClient>("127.0.0.1", port());
}

Response TestServer::PostEvent(std::string_view event, const RequestOptions& options) {
  return client_->PostJson(kLineagePath, event, options);
}

Response TestServer::GetLineage(std::string_view node_id, std::optional<int> depth) {
  std::string target =
      std::string(kLineagePath) + "?nodeId=" + lineaged::testing::UrlEncode(node_id);
  if (depth.has_value()) target += "&depth=" + std::to_string(*depth);
  return client_->Get(target);
}

std::vector<Node> ParseGraph(const Response& response) {
  std::vector<Node> nodes;
  if (response.status != 200) {
    ADD_FAILURE() << "lineage request failed: " << response.status << " " << response.body;
    return nodes;
  }
  const nlohmann::json body = response.Json();
  if (!body.is_object() || !body.contains("graph") || !body["graph"].is_array()) {
    ADD_FAILURE() << "lineage body is not {\"graph\":[...]}: " << response.body;
    return nodes;
  }
  for (const auto& node : body["graph"]) {
    Node parsed;
    if (!node.is_object() || !node.contains("id") || !node["id"].is_string() ||
        !node.contains("type") || !node["type"].is_string()) {
      ADD_FAILURE() << "malformed node: " << node.dump();
      continue;
    }
    parsed.id = node["id"].get<std::string>();
    parsed.type = node["type"].get<std::string>();
    parsed.data_is_object = node.contains("data") && node["data"].is_object();
    parsed.in_edges = ParseEdges(node, "inEdges", parsed.id);
    parsed.out_edges = ParseEdges(node, "outEdges", parsed.id);
    nodes.push_back(std::move(parsed));
  }
  return nodes;
}

std::vector<std::string> NodeIds(const std::vector<Node>& nodes) {
  std::vector<std::string> ids;
  for (const Node& node : nodes) ids.push_back(node.id);
  return ids;
}

const Node* FindNode(const std::vector<Node>& nodes, std::string_view id) {
  for (const Node& node : nodes) {
    if (node.id == id) return &node;
  }
  return nullptr;
}

std::vector<std::string> ValidationErrors(const Response& response) {
  std::vector<std::string> errors;
  const nlohmann::json body = response.Json();
  if (!body.is_object() || !body.contains("errors") || !body["errors"].is_array()) {
    ADD_FAILURE() << "body is not {\"errors\":[...]}: " << response.body;
    return errors;
  }
  for (const auto& error : body["errors"]) {
    if (!error.is_string()) {
      ADD_FAILURE() << "non-string validation error: " << error.dump();
      continue;
    }
    errors.push_back(error.get<std::string>());
  }
  return errors;
}

::testing::AssertionResult IsErrorBody(const Response& response, int code) {
  const nlohmann::json body = response.Json();
  if (!body.is_object()) {
    return ::testing::AssertionFailure() << "error body is not a JSON object: " << response.body;
  }
  auto code_it = body.find("code");
  if (code_it == body.end() || !code_it->is_number_integer() || code_it->get<int>() != code) {
    return ::testing::AssertionFailure() << "expected \"code\":" << code << " in " << response.body;
  }
  auto message_it = body.find("message");
  if (message_it == body.end() || !message_it->is_string() ||
      message_it->get<std::string>().empty()) {
    return ::testing::AssertionFailure() << "expected a non-empty \"message\" in " << response.body;
  }
  return ::testing::AssertionSuccess();
}

nlohmann::json ParseJson(std::string_view text) {
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    ADD_FAILURE() << "not JSON: " << text.substr(0, 200);
    return nullptr;
  }
  return parsed;
}

std::string NewUuid() {
  thread_local std::mt19937_64 random(std::random_device{}());
  uint64_t high = random();
  uint64_t low = random();
  high = (high & ~uint64_t{0xF000}) | uint64_t{0x4000};          // version 4
  low = (low & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);  // RFC 4122 variant
  char text[37];
  std::snprintf(text, sizeof(text), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(high >> 32), static_cast<unsigned>((high >> 16) & 0xFFFF),
                static_cast<unsigned>(high & 0xFFFF), static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFull));
  return text;
}

std::string AirflowEvent(int line) {
  char path[64];
  std::snprintf(path, sizeof(path), "corpus/compat/airflow/events/line_%02d.json", line);
  return lineaged::testing::ReadTestData(path);
}

void PostAirflowEvents(TestServer& server) {
  for (int line = 1; line <= kAirflowEventCount; ++line) {
    const Response response = server.PostEvent(AirflowEvent(line));
    EXPECT_EQ(response.status, 201) << "line_" << line << ": " << response.body;
  }
}

nlohmann::json MinimalEvent(std::string_view job_namespace, std::string_view job_name) {
  return {
      {"eventType", "COMPLETE"},
      {"eventTime", "2024-05-01T10:00:00.000Z"},
      {"producer", "https://github.com/lineaged/tests"},
      {"schemaURL", "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"},
      {"run", {{"runId", NewUuid()}}},
      {"job", {{"namespace", job_namespace}, {"name", job_name}}},
      {"inputs", {{{"namespace", "test"}, {"name", std::string(job_name) + ".input"}}}},
      {"outputs", {{{"namespace", "test"}, {"name", std::string(job_name) + ".output"}}}},
  };
}

}  // namespace lineaged::integration
