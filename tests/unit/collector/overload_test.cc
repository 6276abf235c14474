// Ingest under overload and store failures, in process with a real store on a
// fault-injecting file system: a full write queue is HTTP 429 (gRPC
// RESOURCE_EXHAUSTED), a full disk HTTP 503 (gRPC UNAVAILABLE) without file
// paths, an event over a limit HTTP 413 (gRPC INVALID_ARGUMENT).

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "collector/grpc_service.h"
#include "collector/http_ingest.h"
#include "collector/ingest_service.h"
#include "graphstore/graph_store.h"
#include "lineaged/v1/ingest.grpc.pb.h"
#include "tests/testing/fault_file_system.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"

namespace lineaged::collector {
namespace {

using lineaged::testing::FaultFileSystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto kPollLimit = std::chrono::seconds(60);

template <typename Predicate>
bool PollUntil(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + kPollLimit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

std::string Event(const std::string& job, int inputs = 1) {
  static int run = 0;
  char run_id[37];
  std::snprintf(run_id, sizeof(run_id), "43d7db3b-8984-4cda-b237-%012d", ++run);
  nlohmann::json event = {
      {"eventTime", "2024-05-01T10:00:00Z"},         {"eventType", "COMPLETE"},
      {"producer", "https://example.com/producer"},  {"run", {{"runId", run_id}}},
      {"job", {{"namespace", "ns"}, {"name", job}}}, {"inputs", nlohmann::json::array()}};
  for (int i = 0; i < inputs; ++i) {
    event["inputs"].push_back({{"namespace", "db"}, {"name", job + ".in" + std::to_string(i)}});
  }
  return event.dump();
}

// An HTTP reply that may arrive later, on the committer's thread.
class PendingReply {
 public:
  std::function<void(HttpReply)> Callback() {
    return [this](HttpReply reply) {
      absl::MutexLock lock(&mu_);
      reply_ = std::move(reply);
    };
  }
  std::optional<HttpReply> Get() {
    absl::MutexLock lock(&mu_);
    return reply_;
  }
  HttpReply Wait() {
    EXPECT_TRUE(PollUntil([&] { return Get().has_value(); }));
    HttpReply none;
    none.status = 0;
    return Get().value_or(none);
  }

 private:
  absl::Mutex mu_;
  std::optional<HttpReply> reply_ ABSL_GUARDED_BY(mu_);
};

std::string Header(const HttpReply& reply, const std::string& name) {
  for (const auto& [key, value] : reply.headers) {
    if (key == name) return value;
  }
  return "";
}

class OverloadTest : public ::testing::Test {
 protected:
  void Open(size_t max_pending_events, EventLimits limits = {}) {
    graphstore::Options options;
    options.file_system = fs_;
    options.max_pending_events = max_pending_events;
    options.max_batch_events = 1;
    ASSERT_NO_FATAL_FAILURE(lineaged::testing::OpenTestStore(dir_, &store_, options));
    ingest_ = std::make_unique<IngestService>(store_.get(), ValidationMode::kLenient, limits);
  }

  HttpReply Post(const std::string& body) {
    PendingReply reply;
    HandleLineagePost(ingest_.get(), "application/json", body, reply.Callback());
    return reply.Wait();
  }

  // With a one-event queue and the disk held: "first" is in the write, "second"
  // waits in the queue, so the next event is refused.
  // With max_pending_events 2: two events accepted and not acknowledged,
  // the first held in its WAL append. Both count until their callbacks run,
  // whether the commit thread has taken the second or not.
  void FillQueue(PendingReply& first, PendingReply& second) {
    fs_->Hold();
    HandleLineagePost(ingest_.get(), "application/json", Event("first"), first.Callback());
    ASSERT_TRUE(PollUntil([&] { return fs_->held_writers() > 0; }));
    HandleLineagePost(ingest_.get(), "application/json", Event("second"), second.Callback());
  }

  bool JobStored(const std::string& job) {
    return store_->GetLineage({graphstore::NodeKind::kJob, {"ns", job}}, 0).ok();
  }

  lineaged::testing::TempDir dir_;
  std::shared_ptr<FaultFileSystem> fs_ = std::make_shared<FaultFileSystem>();
  std::unique_ptr<graphstore::GraphStore> store_;
  std::unique_ptr<IngestService> ingest_;
};

TEST_F(OverloadTest, EventOverALimitIs413NamingLimitAndField) {
  Open(16, {.max_datasets = 2});
  HttpReply reply = Post(Event("wide", 3));
  ASSERT_EQ(reply.status, 413) << reply.body;
  nlohmann::json body = nlohmann::json::parse(reply.body, nullptr, false);
  EXPECT_EQ(body["code"], 413);
  EXPECT_EQ(body["limit"], "max_event_datasets");
  EXPECT_EQ(body["field"], "inputs");
  EXPECT_THAT(body["message"].get<std::string>(), HasSubstr("max_event_datasets (2)"));
  EXPECT_FALSE(JobStored("wide"));
  EXPECT_EQ(Post(Event("narrow", 2)).status, 201);
}

TEST_F(OverloadTest, FullQueueIs429WithRetryAfterAndTheLimit) {
  Open(/*max_pending_events=*/2);
  PendingReply first, second;
  ASSERT_NO_FATAL_FAILURE(FillQueue(first, second));
  PendingReply third;
  HandleLineagePost(ingest_.get(), "application/json", Event("third"), third.Callback());
  // Refused at once, while the accepted ones still wait for the disk.
  std::optional<HttpReply> refused = third.Get();
  ASSERT_TRUE(refused.has_value());
  EXPECT_FALSE(first.Get().has_value());
  EXPECT_FALSE(second.Get().has_value());
  EXPECT_EQ(refused->status, 429) << refused->body;
  EXPECT_EQ(Header(*refused, "Retry-After"), "1");
  nlohmann::json body = nlohmann::json::parse(refused->body, nullptr, false);
  EXPECT_EQ(body["code"], 429);
  EXPECT_EQ(body["limit"], "max_pending_events");
  EXPECT_THAT(body["message"].get<std::string>(), HasSubstr("write queue full"));

  fs_->Release();
  EXPECT_EQ(first.Wait().status, 201);
  EXPECT_EQ(second.Wait().status, 201);
  EXPECT_TRUE(JobStored("first"));
  EXPECT_TRUE(JobStored("second"));
  EXPECT_FALSE(JobStored("third"));
  EXPECT_EQ(Post(Event("third")).status, 201);  // the retry the client makes
}

// Admission comes before parsing: with the queue full, even a body that is
// not JSON is refused with 429 (the parse it would have cost is what an
// overloaded server cannot spare); once there is room it gets its 400.
TEST_F(OverloadTest, FullQueueRefusesBeforeParsing) {
  Open(/*max_pending_events=*/2);
  PendingReply first, second;
  ASSERT_NO_FATAL_FAILURE(FillQueue(first, second));
  EXPECT_EQ(Post("{not json").status, 429);

  fs_->Release();
  EXPECT_EQ(first.Wait().status, 201);
  EXPECT_EQ(second.Wait().status, 201);
  EXPECT_EQ(Post("{not json").status, 400);
}

TEST_F(OverloadTest, BatchRefusedWholeForAFullQueueIs429WithRetryAfter) {
  Open(/*max_pending_events=*/2);
  PendingReply first, second;
  ASSERT_NO_FATAL_FAILURE(FillQueue(first, second));
  PendingReply batch;
  HandleLineageBatchPost(ingest_.get(), "application/json",
                         "[" + Event("batch1") + "," + Event("batch2") + "]", batch.Callback());
  std::optional<HttpReply> refused = batch.Get();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 429) << refused->body;
  EXPECT_EQ(Header(*refused, "Retry-After"), "1");
  nlohmann::json body = nlohmann::json::parse(refused->body, nullptr, false);
  EXPECT_EQ(body["summary"]["received"], 2);
  EXPECT_EQ(body["summary"]["retriable"], 2);

  fs_->Release();
  EXPECT_EQ(first.Wait().status, 201);
  EXPECT_EQ(second.Wait().status, 201);
  EXPECT_FALSE(JobStored("batch1"));
  // The client's retry, one element at a time.
  for (const char* job : {"batch1", "batch2"}) {
    PendingReply retried;
    HandleLineageBatchPost(ingest_.get(), "application/json", "[" + Event(job) + "]",
                           retried.Callback());
    EXPECT_EQ(retried.Wait().status, 200);
    EXPECT_TRUE(JobStored(job));
  }
}

TEST_F(OverloadTest, FullQueueIsResourceExhaustedOverGrpc) {
  Open(/*max_pending_events=*/2);
  GrpcServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  GrpcIngestServer server(ingest_.get(), options);
  ASSERT_TRUE(server.Start().ok());
  auto stub = lineaged::v1::LineageIngest::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(server.port()), grpc::InsecureChannelCredentials()));

  PendingReply first, second;
  ASSERT_NO_FATAL_FAILURE(FillQueue(first, second));

  grpc::ClientContext context;
  // An accepted event would wait for the held disk: fail, do not hang.
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  lineaged::v1::EmitRequest request;
  request.set_json(Event("grpc"));
  lineaged::v1::EmitResponse response;
  grpc::Status status = stub->Emit(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("write queue full"));

  fs_->Release();
  EXPECT_EQ(first.Wait().status, 201);
  EXPECT_EQ(second.Wait().status, 201);
  server.Shutdown(0);
}

TEST_F(OverloadTest, DiskFullIs503WithoutPathsReadsWorkAndWritesResume) {
  Open(16);
  ASSERT_EQ(Post(Event("before")).status, 201);

  fs_->SetNoSpace(true);
  HttpReply refused = Post(Event("during"));
  ASSERT_EQ(refused.status, 503) << refused.body;
  EXPECT_FALSE(Header(refused, "Retry-After").empty());
  nlohmann::json body = nlohmann::json::parse(refused.body, nullptr, false);
  EXPECT_EQ(body["code"], 503);
  EXPECT_THAT(body["message"].get<std::string>(),
              HasSubstr("the store cannot write: no space left on device"));
  EXPECT_THAT(refused.body, Not(HasSubstr(dir_.path())));
  EXPECT_THAT(refused.body, Not(HasSubstr(".log")));

  // gRPC says UNAVAILABLE, with the same message.
  GrpcServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  GrpcIngestServer server(ingest_.get(), options);
  ASSERT_TRUE(server.Start().ok());
  auto stub = lineaged::v1::LineageIngest::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(server.port()), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  lineaged::v1::EmitRequest request;
  request.set_json(Event("grpc.during"));
  lineaged::v1::EmitResponse response;
  grpc::Status status = stub->Emit(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("no space left on device"));
  EXPECT_THAT(status.error_message(), Not(HasSubstr(dir_.path())));
  server.Shutdown(0);

  EXPECT_TRUE(JobStored("before"));
  EXPECT_FALSE(JobStored("during"));

  fs_->SetNoSpace(false);
  ASSERT_TRUE(PollUntil([&] { return store_->write_status().ok(); })) << store_->write_status();
  EXPECT_EQ(Post(Event("during")).status, 201);
  EXPECT_TRUE(JobStored("during"));
}

}  // namespace
}  // namespace lineaged::collector
