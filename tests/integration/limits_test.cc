// The server's limits against the real binary: each refused request names the
// limit (its flag) in the answer — body, header, JSON depth, datasets per
// event, facet size, open connections, a full write queue — and the idle and
// read timeouts close connections. docs/operations.md ("Limits") lists them.

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "lineaged/v1/ingest.grpc.pb.h"
#include "tests/integration/harness.h"

namespace lineaged::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Bounds on waits: guards against a hung server, not speed expectations.
constexpr auto kWaitLimit = std::chrono::seconds(30);

// A plain TCP connection, for what HttpClient hides: idle connections,
// requests sent byte by byte, the moment the server closes.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ =
        fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawConnection() { Close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  // False once the peer has closed or reset the connection.
  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response (headers and Content-Length body); status 0 if the
  // connection ends first.
  Response ReadResponse() {
    Response response;
    size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Receive()) return response;
    }
    const std::string head = buffer_.substr(0, header_end);
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return response;
    size_t content_length = 0;
    size_t pos = line_end;
    while (pos != std::string::npos && pos < head.size()) {
      size_t next = head.find("\r\n", pos + 2);
      std::string line =
          head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        response.headers.emplace_back(name, value);
        if (strcasecmp(name.c_str(), "Content-Length") == 0) content_length = std::stoul(value);
      }
      pos = next;
    }
    while (buffer_.size() < header_end + 4 + content_length) {
      if (!Receive()) return response;
    }
    response.status = std::stoi(status_line.substr(9, 3));
    response.body = buffer_.substr(header_end + 4, content_length);
    buffer_.erase(0, header_end + 4 + content_length);
    return response;
  }

  Response Get(const std::string& target) {
    if (!Send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) return Response{};
    return ReadResponse();
  }

  // Waits up to `limit` for the server to close the connection (EOF or
  // reset); false if it is still open then.
  bool WaitForClose(std::chrono::milliseconds limit) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(limit.count())) <= 0) return false;
    char byte;
    return recv(fd_, &byte, 1, 0) <= 0;
  }

 private:
  bool Receive() {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kWaitLimit).count())) <= 0) {
      return false;
    }
    char chunk[4096];
    ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

// The JSON body of a refusal by `limit`, as every limit answers.
void ExpectLimitBody(const Response& response, int status, const std::string& limit) {
  EXPECT_EQ(response.status, status) << response.body;
  const nlohmann::json body = response.Json();
  ASSERT_TRUE(body.is_object()) << response.body;
  EXPECT_EQ(body.value("code", 0), status) << response.body;
  EXPECT_EQ(body.value("limit", ""), limit) << response.body;
  EXPECT_THAT(body.value("message", ""), HasSubstr(limit)) << response.body;
}

TEST(Limits, BodyOverMaxBodyBytesIs413NamingTheLimit) {
  TestServer server({"--max_body_bytes=4096"});
  ASSERT_TRUE(server.Start());
  nlohmann::json event = MinimalEvent("test", "big");
  event["job"]["facets"]["pad"] = {{"v", std::string(8192, 'x')}};
  ExpectLimitBody(server.PostEvent(event.dump()), 413, "max_body_bytes");
}

TEST(Limits, TooManyInputsOrOutputsIs413NamingTheField) {
  TestServer server({"--max_event_datasets=5"});
  ASSERT_TRUE(server.Start());
  for (const std::string key : {"inputs", "outputs"}) {
    nlohmann::json event = MinimalEvent("test", "wide." + key);
    event[key] = nlohmann::json::array();
    for (int i = 0; i < 6; ++i)
      event[key].push_back({{"namespace", "test"}, {"name", "d" + std::to_string(i)}});
    const Response response = server.PostEvent(event.dump());
    ExpectLimitBody(response, 413, "max_event_datasets");
    EXPECT_EQ(response.Json().value("field", ""), key);
    EXPECT_EQ(server.GetLineage("job:test:wide." + key).status, 404);

    event[key].erase(5);
    const Response at_limit = server.PostEvent(event.dump());
    EXPECT_EQ(at_limit.status, 201) << at_limit.body;
  }
}

TEST(Limits, FacetOverMaxFacetBytesIs413NamingTheFacet) {
  TestServer server({"--max_facet_bytes=2048"});
  ASSERT_TRUE(server.Start());
  nlohmann::json event = MinimalEvent("test", "fat");
  event["run"]["facets"]["custom"] = {
      {"_producer", "p"}, {"_schemaURL", "u"}, {"blob", std::string(4096, 'x')}};
  const Response response = server.PostEvent(event.dump());
  ExpectLimitBody(response, 413, "max_facet_bytes");
  EXPECT_EQ(response.Json().value("field", ""), "run.facets.custom");
  EXPECT_EQ(server.GetLineage("job:test:fat").status, 404);

  event["run"]["facets"]["custom"]["blob"] = std::string(1024, 'x');
  const Response small = server.PostEvent(event.dump());
  EXPECT_EQ(small.status, 201) << small.body;
}

TEST(Limits, NestingOverMaxJsonDepthIs413) {
  TestServer server({"--max_json_depth=32"});
  ASSERT_TRUE(server.Start());
  for (const int depth : {64, 10000}) {
    nlohmann::json event = MinimalEvent("test", "deep");
    event["run"]["facets"]["custom"] = {{"v", "PLACEHOLDER"}};
    std::string text = event.dump();
    text.replace(text.find("\"PLACEHOLDER\""), 13,
                 std::string(depth, '[') + std::string(depth, ']'));
    ExpectLimitBody(server.PostEvent(text), 413, "max_json_depth");
  }
  EXPECT_EQ(server.GetLineage("job:test:deep").status, 404);
}

TEST(Limits, HeadersOverMaxHeaderBytesAre431) {
  TestServer server({"--max_header_bytes=1024"});
  ASSERT_TRUE(server.Start());
  RawConnection connection(server.port());
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.Send(
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(2048, 'h') + "\r\n\r\n"));
  ExpectLimitBody(connection.ReadResponse(), 431, "max_header_bytes");
  const Response health = server.client().Get("/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
}

TEST(Limits, ConnectionsBeyondMaxConnectionsAre503AndClosed) {
  TestServer server({"--max_connections=2"});
  ASSERT_TRUE(server.Start());
  // Two connections, each proven admitted by an answer, stay open.
  auto first = std::make_unique<RawConnection>(server.port());
  RawConnection second(server.port());
  ASSERT_EQ(first->Get("/healthz").status, 200);
  ASSERT_EQ(second.Get("/healthz").status, 200);

  RawConnection third(server.port());
  ASSERT_TRUE(third.connected());
  const Response refused = third.Get("/healthz");
  ExpectLimitBody(refused, 503, "max_connections");
  EXPECT_EQ(refused.Header("Retry-After"), "1");
  EXPECT_TRUE(third.WaitForClose(kWaitLimit)) << "the refused connection stays open";

  // Once one closes there is room again (the server notices the close
  // asynchronously, hence the poll).
  first.reset();
  Response admitted;
  const auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
  do {
    RawConnection another(server.port());
    admitted = another.Get("/metrics");
    if (admitted.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(admitted.status, 200) << admitted.body;
  EXPECT_THAT(admitted.body, HasSubstr("lineage_http_connections_rejected_total "));
  EXPECT_THAT(admitted.body,
              ::testing::Not(HasSubstr("lineage_http_connections_rejected_total 0\n")));
}

TEST(Limits, IdleKeepAliveConnectionIsClosed) {
  TestServer server({"--http_idle_timeout_seconds=1"});
  ASSERT_TRUE(server.Start());
  RawConnection connection(server.port());
  const Response response = connection.Get("/healthz");
  ASSERT_EQ(response.status, 200);
  EXPECT_NE(response.Header("Connection"), "close");
  EXPECT_TRUE(connection.WaitForClose(kWaitLimit)) << "an idle connection stays open";
}

// A client that sends its request a few bytes at a time, never finishing
// (slow loris), is cut off by the read timeout although it is never idle
// for long. The idle timeout is far longer than the wait, so only the read
// timeout can close it in time.
TEST(Limits, RequestTricklingInSlowerThanTheReadTimeoutIsClosed) {
  TestServer server({"--http_read_timeout_seconds=1", "--http_idle_timeout_seconds=3600"});
  ASSERT_TRUE(server.Start());
  RawConnection connection(server.port());
  ASSERT_TRUE(connection.Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  bool closed = false;
  const auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    closed = !connection.Send("X-Slow: 1\r\n") ||
             connection.WaitForClose(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(closed) << "a request trickling in for " << kWaitLimit.count()
                      << " s was not cut off";
  const Response health = server.client().Get("/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
}

// With room for one waiting event, concurrent clients overflow the store's
// queue: some events are answered 429 (naming max_pending_events, with
// Retry-After), none is lost or half-stored, and every 201 is stored.
TEST(Overload, FullWriteQueueIs429AndNothingElse) {
  constexpr int kThreads = 32;
  constexpr int kMaxRequests = 30000;
  constexpr int kEnough429 = 20;
  TestServer server({"--max_pending_events=1"});
  ASSERT_TRUE(server.Start());

  std::mutex mu;
  std::vector<int> stored, refused;     // guarded by mu
  std::vector<std::string> unexpected;  // guarded by mu
  Response a_429;                       // guarded by mu
  std::atomic<int> next{0};
  std::atomic<int> refusals{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&] {
      std::unique_ptr<HttpClient> client = server.NewClient();
      for (int n = next++; n < kMaxRequests && refusals.load() < kEnough429; n = next++) {
        const Response response =
            client->PostJson(kLineagePath, MinimalEvent("flood", "e" + std::to_string(n)).dump());
        std::lock_guard<std::mutex> lock(mu);
        if (response.status == 201) {
          stored.push_back(n);
        } else if (response.status == 429) {
          refused.push_back(n);
          if (refusals++ == 0) a_429 = response;
        } else {
          unexpected.push_back(std::to_string(response.status) + " " + response.body);
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();

  EXPECT_THAT(unexpected, IsEmpty());
  ASSERT_FALSE(refused.empty()) << "no 429 in " << stored.size() << " requests";
  ExpectLimitBody(a_429, 429, "max_pending_events");
  EXPECT_EQ(a_429.Header("Retry-After"), "1");
  for (int n : refused) {
    EXPECT_EQ(server.GetLineage("job:flood:e" + std::to_string(n)).status, 404) << n;
  }
  for (int n : stored) {
    EXPECT_EQ(server.GetLineage("job:flood:e" + std::to_string(n), 0).status, 200) << n;
  }
}

TEST(Overload, FullWriteQueueIsResourceExhaustedOverGrpc) {
  constexpr int kThreads = 32;
  constexpr int kMaxRequests = 30000;
  TestServer server({"--max_pending_events=1"});
  ASSERT_TRUE(server.Start());
  ASSERT_NE(server.grpc_port(), 0) << server.log();
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server.grpc_port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = lineaged::v1::LineageIngest::NewStub(channel);

  std::mutex mu;
  std::vector<std::string> unexpected;  // guarded by mu
  std::string message;                  // guarded by mu
  std::atomic<int> next{0};
  std::atomic<int> exhausted{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&] {
      for (int n = next++; n < kMaxRequests && exhausted.load() == 0; n = next++) {
        grpc::ClientContext context;
        lineaged::v1::EmitRequest request;
        request.set_json(MinimalEvent("grpcflood", "e" + std::to_string(n)).dump());
        lineaged::v1::EmitResponse response;
        grpc::Status status = stub->Emit(&context, request, &response);
        if (status.ok()) continue;
        std::lock_guard<std::mutex> lock(mu);
        if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
          if (exhausted++ == 0) message = status.error_message();
        } else {
          unexpected.push_back(std::to_string(status.error_code()) + " " + status.error_message());
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  EXPECT_THAT(unexpected, IsEmpty());
  ASSERT_GT(exhausted.load(), 0);
  EXPECT_THAT(message, HasSubstr("write queue full"));
}

TEST(Overload, StoreWritableIsExported) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  const Response metrics = server.client().Get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("\nlineage_store_writable 1\n"));
  EXPECT_THAT(metrics.body, HasSubstr("\nlineage_http_connections 1\n"));
}

}  // namespace
}  // namespace lineaged::integration
