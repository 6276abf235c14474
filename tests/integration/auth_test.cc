// API keys (--api_keys_file) against the real server: HTTP 401/403 and scopes,
// open or protected health and metrics, SIGHUP reload, gRPC status codes, and
// keys never reaching logs or error bodies.

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include <sys/stat.h>

#include "lineaged/v1/ingest.grpc.pb.h"
#include "tests/integration/harness.h"
#include "tests/testing/server_process.h"
#include "tests/testing/temp_dir.h"

namespace lineaged::integration {
namespace {

using lineaged::v1::EmitRequest;
using lineaged::v1::EmitResponse;
using lineaged::v1::EmitSummary;
using lineaged::v1::LineageIngest;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kIngestKey[] = "ingest-0123456789-abcdefghij";
constexpr char kReadKey[] = "read-0123456789-abcdefghij";
constexpr char kAdminKey[] = "admin-0123456789-abcdefghij";
constexpr char kLateKey[] = "late-ingest-0123456789-abcdef";
constexpr char kBatchPath[] = "/api/v1/lineage/batch";

// Bound on polls for the server to act on a signal: a guard against a hang,
// not a performance expectation.
constexpr std::chrono::seconds kPollTimeout{30};

// Writes atomically (rename), so a reload never sees half a file.
void WriteKeyFile(const std::string& path, const std::string& text) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << text;
    ASSERT_TRUE(out.good()) << temp;
  }
  ASSERT_EQ(chmod(temp.c_str(), 0600), 0);
  std::filesystem::rename(temp, path);
}

std::string ThreeKeys() {
  return std::string("# test keys\n") + "ingest " + kIngestKey + "\n" + "read " + kReadKey +
         "\n\n" + "admin " + kAdminKey + "\n";
}

Headers Bearer(std::string_view key) { return {{"Authorization", "Bearer " + std::string(key)}}; }

Headers JsonBearer(std::string_view key) {
  Headers headers = Bearer(key);
  headers.emplace_back("Content-Type", "application/json");
  return headers;
}

// Polls `condition` every 20 ms until it holds or kPollTimeout passes.
bool PollUntil(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + kPollTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

// A server with the three keys in its own key file.
class AuthTest : public ::testing::Test {
 protected:
  void StartServer(std::vector<std::string> extra_flags = {}) {
    key_file_ = keys_dir_.path() + "/api-keys";
    WriteKeyFile(key_file_, ThreeKeys());
    extra_flags.push_back("--api_keys_file=" + key_file_);
    server_ = std::make_unique<TestServer>(std::move(extra_flags));
    ASSERT_TRUE(server_->Start());
  }

  Response Post(std::string_view key, const std::string& body,
                std::string_view path = kLineagePath) {
    return server_->client().Request("POST", path, body, JsonBearer(key));
  }

  Response Get(std::string_view key, const std::string& target) {
    return server_->client().Request("GET", target, "", Bearer(key));
  }

  std::string LineageTarget(const std::string& node_id) {
    return std::string(kLineagePath) + "?nodeId=" + lineaged::testing::UrlEncode(node_id);
  }

  lineaged::testing::TempDir keys_dir_;
  std::string key_file_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(AuthTest, MissingMalformedOrUnknownKeyIs401WithBearerChallenge) {
  StartServer();
  const std::string event = MinimalEvent("auth", "refused").dump();
  for (const Headers& headers : std::vector<Headers>{
           {{"Content-Type", "application/json"}},
           {{"Content-Type", "application/json"}, {"Authorization", "Basic YWxhZGRpbjpvcGVu"}},
           {{"Content-Type", "application/json"}, {"Authorization", "Bearer"}},
           {{"Content-Type", "application/json"},
            {"Authorization", "Bearer unknown-0123456789-abcdefghij"}},
       }) {
    Response response = server_->client().Request("POST", kLineagePath, event, headers);
    EXPECT_EQ(response.status, 401) << response.body;
    EXPECT_THAT(response.Header("WWW-Authenticate"), StartsWith("Bearer"));
    EXPECT_TRUE(IsErrorBody(response, 401));
  }
  Response no_key_read = server_->client().Get(LineageTarget("job:auth:refused"));
  EXPECT_EQ(no_key_read.status, 401);
  EXPECT_THAT(no_key_read.Header("WWW-Authenticate"), StartsWith("Bearer"));
  // Unknown paths too: nothing about the API shows before authentication.
  EXPECT_EQ(server_->client().Get("/api/v1/nowhere").status, 401);
  // Nothing was stored.
  EXPECT_EQ(Get(kAdminKey, LineageTarget("job:auth:refused")).status, 404);
}

TEST_F(AuthTest, WrongScopeIs403NamingTheScopeNeeded) {
  StartServer();
  Response read_posts = Post(kReadKey, MinimalEvent("auth", "scoped").dump());
  EXPECT_EQ(read_posts.status, 403) << read_posts.body;
  EXPECT_TRUE(IsErrorBody(read_posts, 403));
  EXPECT_THAT(ParseJson(read_posts.body)["message"].get<std::string>(),
              HasSubstr("requires scope 'ingest'"));
  Response read_batches = Post(kReadKey, "[]", kBatchPath);
  EXPECT_EQ(read_batches.status, 403);

  Response ingest_reads = Get(kIngestKey, LineageTarget("job:auth:scoped"));
  EXPECT_EQ(ingest_reads.status, 403) << ingest_reads.body;
  EXPECT_THAT(ParseJson(ingest_reads.body)["message"].get<std::string>(),
              HasSubstr("requires scope 'read'"));

  // Writes on the read API are admin's.
  Response read_retries = server_->client().Request(
      "POST", "/api/v1/exporters/atlas/dead-letters/1/retry", "", Bearer(kReadKey));
  EXPECT_EQ(read_retries.status, 403);
  EXPECT_THAT(read_retries.body, HasSubstr("requires scope 'admin'"));
  Response ingest_retries = server_->client().Request(
      "POST", "/api/v1/exporters/atlas/dead-letters/1/retry", "", Bearer(kIngestKey));
  EXPECT_EQ(ingest_retries.status, 403);
}

TEST_F(AuthTest, EachScopeDoesWhatItMay) {
  StartServer();
  EXPECT_EQ(Post(kIngestKey, MinimalEvent("auth", "by-ingest").dump()).status, 201);
  nlohmann::json batch = nlohmann::json::array({MinimalEvent("auth", "by-batch")});
  EXPECT_EQ(Post(kIngestKey, batch.dump(), kBatchPath).status, 200);
  EXPECT_EQ(Get(kReadKey, LineageTarget("job:auth:by-ingest")).status, 200);
  EXPECT_EQ(Get(kReadKey, LineageTarget("job:auth:by-batch")).status, 200);
  EXPECT_EQ(Get(kReadKey, "/api/v1/exporters/atlas/dead-letters").status, 200);

  EXPECT_EQ(Post(kAdminKey, MinimalEvent("auth", "by-admin").dump()).status, 201);
  EXPECT_EQ(Get(kAdminKey, LineageTarget("job:auth:by-admin")).status, 200);
  // Admin reaches the handler: there is no dead letter 1, so 404, not 401/403.
  Response retry = server_->client().Request("POST", "/api/v1/exporters/atlas/dead-letters/1/retry",
                                             "", Bearer(kAdminKey));
  EXPECT_EQ(retry.status, 404) << retry.body;
  // Case-insensitive scheme (RFC 7235).
  Response lower =
      server_->client().Request("GET", LineageTarget("job:auth:by-admin"), "",
                                {{"Authorization", "bearer " + std::string(kReadKey)}});
  EXPECT_EQ(lower.status, 200);
}

TEST_F(AuthTest, HealthAndMetricsAreOpenByDefault) {
  StartServer();
  for (const char* path : {"/healthz", "/readyz", "/metrics"}) {
    EXPECT_EQ(server_->client().Get(path).status, 200) << path;
  }
  // Refusals are counted like any request, under the matched route.
  Post("unknown-0123456789-abcdefghij", MinimalEvent().dump());
  Response metrics = server_->client().Get("/metrics");
  EXPECT_THAT(metrics.body, HasSubstr(R"(route="/api/v1/lineage")"));
  EXPECT_THAT(metrics.body, HasSubstr(R"(code="401")"));
}

TEST_F(AuthTest, HealthAndMetricsNeedReadKeyWhenProtected) {
  StartServer({"--protect_health_and_metrics"});
  for (const char* path : {"/healthz", "/readyz", "/metrics"}) {
    Response open = server_->client().Get(path);
    EXPECT_EQ(open.status, 401) << path;
    EXPECT_THAT(open.Header("WWW-Authenticate"), StartsWith("Bearer")) << path;
    EXPECT_EQ(Get(kIngestKey, path).status, 403) << path;
    EXPECT_EQ(Get(kReadKey, path).status, 200) << path;
    EXPECT_EQ(Get(kAdminKey, path).status, 200) << path;
  }
}

TEST_F(AuthTest, SighupReloadsKeysAndABadFileKeepsTheOldOnes) {
  StartServer();
  auto late_status = [&] { return Post(kLateKey, MinimalEvent("auth", "late").dump()).status; };
  EXPECT_EQ(late_status(), 401);

  // Add a key.
  WriteKeyFile(key_file_, ThreeKeys() + "ingest " + kLateKey + "\n");
  ASSERT_TRUE(server_->Signal(SIGHUP));
  EXPECT_TRUE(PollUntil([&] { return late_status() == 201; })) << server_->log();
  EXPECT_THAT(server_->log(), HasSubstr("API keys reloaded"));

  // Remove one.
  WriteKeyFile(key_file_, std::string("ingest ") + kLateKey + "\n");
  ASSERT_TRUE(server_->Signal(SIGHUP));
  EXPECT_TRUE(PollUntil([&] {
    return Post(kIngestKey, MinimalEvent("auth", "removed").dump()).status == 401;
  })) << server_->log();
  EXPECT_EQ(late_status(), 201);

  // A malformed file: logged, and the keys in force stay.
  WriteKeyFile(key_file_, std::string("ingest ") + kIngestKey + "\nsuperuser " + kAdminKey + "\n");
  ASSERT_TRUE(server_->Signal(SIGHUP));
  EXPECT_TRUE(PollUntil([&] {
    return server_->log().find("API keys not reloaded") != std::string::npos;
  })) << server_->log();
  EXPECT_THAT(server_->log(), HasSubstr("line 2"));
  EXPECT_EQ(late_status(), 201);
  EXPECT_EQ(Post(kIngestKey, MinimalEvent("auth", "still-removed").dump()).status, 401);
  EXPECT_TRUE(server_->Alive());
  EXPECT_EQ(server_->Stop(), 0);
}

TEST_F(AuthTest, KeysNeverReachTheLogOrErrorBodies) {
  StartServer({"--log_level=debug"});
  const std::string wrong = "wrong-secret-key-0123456789";
  Response unknown = Post(wrong, MinimalEvent().dump());
  EXPECT_EQ(unknown.status, 401);
  Response malformed = server_->client().Request(
      "POST", kLineagePath, MinimalEvent().dump(),
      {{"Content-Type", "application/json"}, {"Authorization", "Token " + wrong}});
  EXPECT_EQ(malformed.status, 401);
  Response scope = Post(kReadKey, MinimalEvent().dump());
  EXPECT_EQ(scope.status, 403);
  EXPECT_EQ(Post(kIngestKey, MinimalEvent("auth", "logged").dump()).status, 201);

  {
    // Closed before Stop(): an open channel holds up the server's shutdown.
    auto stub = LineageIngest::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server_->grpc_port()), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + wrong);
    EmitRequest request;
    request.set_json(MinimalEvent().dump());
    EmitResponse response;
    grpc::Status status = stub->Emit(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_THAT(status.error_message(), Not(HasSubstr(wrong)));
  }

  for (const Response& r : {unknown, malformed, scope}) {
    EXPECT_THAT(r.body, Not(HasSubstr(wrong)));
    EXPECT_THAT(r.body, Not(HasSubstr(kReadKey)));
    for (const auto& [name, value] : r.headers) EXPECT_THAT(value, Not(HasSubstr(wrong)));
  }
  ASSERT_EQ(server_->Stop(), 0);
  const std::string log = server_->log();
  // The refusals were logged (debug) ...
  EXPECT_THAT(log, HasSubstr("refused with 401"));
  EXPECT_THAT(log, HasSubstr("gRPC /lineaged.v1.LineageIngest/Emit refused"));
  // ... and no key, right or wrong, ever was.
  for (const std::string& secret :
       {wrong, std::string(kIngestKey), std::string(kReadKey), std::string(kAdminKey)}) {
    EXPECT_THAT(log, Not(HasSubstr(secret)));
  }
}

TEST(AuthStartup, MalformedKeyFileStopsStartupNamingTheLineNotTheKey) {
  lineaged::testing::TempDir dir;
  const std::string key_file = dir.path() + "/keys";
  const std::string secret = "secret-in-a-bad-line-0123456789";
  WriteKeyFile(key_file, std::string("ingest ") + kIngestKey + "\n# comment\n" + secret + "\n");
  lineaged::testing::ServerProcess server(dir.path() + "/data", {"--api_keys_file=" + key_file});
  EXPECT_FALSE(server.Start());
  const std::string log = server.log_contents();
  EXPECT_THAT(log, HasSubstr("line 3"));
  EXPECT_THAT(log, HasSubstr(key_file));
  EXPECT_THAT(log, Not(HasSubstr(secret)));

  lineaged::testing::ServerProcess missing(dir.path() + "/data2",
                                           {"--api_keys_file=" + dir.path() + "/nope"});
  EXPECT_FALSE(missing.Start());
  EXPECT_THAT(missing.log_contents(), HasSubstr("cannot read API key file"));
}

TEST(AuthStartup, WithoutKeyFileAuthIsOffAndSaysSoLoudly) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  EXPECT_EQ(server.PostEvent(MinimalEvent("auth", "open").dump()).status, 201);
  EXPECT_EQ(server.GetLineage("job:auth:open").status, 200);
  EXPECT_THAT(server.log(), HasSubstr(" warning "));
  EXPECT_THAT(server.log(), HasSubstr("AUTHENTICATION IS OFF"));
}

// ---- gRPC ----

std::unique_ptr<LineageIngest::Stub> Stub(const TestServer& server) {
  return LineageIngest::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(server.grpc_port()), grpc::InsecureChannelCredentials()));
}

grpc::Status Emit(LineageIngest::Stub& stub, std::string_view key, const std::string& job) {
  grpc::ClientContext context;
  if (!key.empty()) context.AddMetadata("authorization", "Bearer " + std::string(key));
  EmitRequest request;
  request.set_json(MinimalEvent("grpc-auth", job).dump());
  EmitResponse response;
  return stub.Emit(&context, request, &response);
}

TEST_F(AuthTest, GrpcNeedsAnIngestKey) {
  StartServer();
  auto stub = Stub(*server_);
  grpc::Status none = Emit(*stub, "", "none");
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED) << none.error_message();
  EXPECT_THAT(none.error_message(), HasSubstr("missing"));
  EXPECT_EQ(Emit(*stub, "unknown-0123456789-abcdefghij", "unknown").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status read = Emit(*stub, kReadKey, "read");
  EXPECT_EQ(read.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(read.error_message(), HasSubstr("requires scope 'ingest'"));
  grpc::Status ingest = Emit(*stub, kIngestKey, "ingest");
  EXPECT_TRUE(ingest.ok()) << ingest.error_message();
  grpc::Status admin = Emit(*stub, kAdminKey, "admin");
  EXPECT_TRUE(admin.ok()) << admin.error_message();
  EXPECT_EQ(Get(kReadKey, LineageTarget("job:grpc-auth:ingest")).status, 200);
  EXPECT_EQ(Get(kReadKey, LineageTarget("job:grpc-auth:read")).status, 404);

  // Streams are checked before anything is read.
  {
    grpc::ClientContext context;
    EmitSummary summary;
    auto writer = stub->EmitStream(&context, &summary);
    EmitRequest request;
    request.set_json(MinimalEvent("grpc-auth", "stream-refused").dump());
    writer->Write(request);  // may already fail: the server has finished the call
    writer->WritesDone();
    EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", std::string("Bearer ") + kIngestKey);
    EmitSummary summary;
    auto writer = stub->EmitStream(&context, &summary);
    EmitRequest request;
    request.set_json(MinimalEvent("grpc-auth", "stream-ok").dump());
    ASSERT_TRUE(writer->Write(request));
    ASSERT_TRUE(writer->WritesDone());
    grpc::Status status = writer->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(summary.accepted(), 1u);
  }
  EXPECT_EQ(Get(kReadKey, LineageTarget("job:grpc-auth:stream-refused")).status, 404);
  EXPECT_EQ(Get(kReadKey, LineageTarget("job:grpc-auth:stream-ok")).status, 200);

  Response metrics = server_->client().Get("/metrics");
  EXPECT_THAT(metrics.body, HasSubstr(R"(code="UNAUTHENTICATED")"));
  EXPECT_THAT(metrics.body, HasSubstr(R"(code="PERMISSION_DENIED")"));
}

TEST_F(AuthTest, GrpcHealthServiceStaysOpen) {
  StartServer();
  grpc::GenericStub stub(grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->grpc_port()),
                                             grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::ByteBuffer request;  // an empty HealthCheckRequest: the whole server
  grpc::Slice empty("");
  request = grpc::ByteBuffer(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  grpc::Status status = done.get_future().get();
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));  // status: SERVING
}

}  // namespace
}  // namespace lineaged::integration
