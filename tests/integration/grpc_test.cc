// gRPC ingest (lineaged.v1.LineageIngest) and the HTTP batch endpoint against
// a real server over loopback.

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

#include "lineaged/v1/ingest.grpc.pb.h"
#include "tests/integration/harness.h"
#include "tests/testing/temp_dir.h"

namespace lineaged::integration {
namespace {

using lineaged::v1::EmitRequest;
using lineaged::v1::EmitResponse;
using lineaged::v1::EmitSummary;
using lineaged::v1::LineageIngest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::unique_ptr<LineageIngest::Stub> Stub(const TestServer& server) {
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server.grpc_port()),
                                     grpc::InsecureChannelCredentials());
  return LineageIngest::NewStub(channel);
}

EmitRequest JsonRequest(const std::string& json) {
  EmitRequest request;
  request.set_json(json);
  return request;
}

// A typed RunEvent equal in meaning to MinimalEvent(ns, job).
EmitRequest TypedRunEvent(const std::string& ns, const std::string& job,
                          const std::string& run_id) {
  EmitRequest request;
  auto* event = request.mutable_run_event();
  event->set_event_type(lineaged::v1::EVENT_TYPE_COMPLETE);
  event->mutable_event_time()->set_seconds(1732626334);
  event->mutable_event_time()->set_nanos(626595000);
  event->set_producer("https://example.com/grpc-test");
  event->set_schema_url("https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent");
  event->mutable_run()->set_run_id(run_id);
  (*event->mutable_run()->mutable_facets())["nominalTime"] =
      R"({"_producer":"p","_schemaURL":"u","nominalStartTime":"2024-11-26T13:05:00Z","big":12345678901234567890123})";
  event->mutable_job()->set_namespace_(ns);
  event->mutable_job()->set_name(job);
  auto* input = event->add_inputs();
  input->set_namespace_("test");
  input->set_name(job + ".input");
  auto* output = event->add_outputs();
  output->set_namespace_("test");
  output->set_name(job + ".output");
  (*output->mutable_output_facets())["outputStatistics"] =
      R"({"_producer":"p","_schemaURL":"u","rowCount":10})";
  return request;
}

std::vector<std::string> JobLineage(TestServer& server, const std::string& job) {
  return NodeIds(ParseGraph(server.GetLineage("job:grpc:" + job, 0)));
}

TEST(Grpc, UnaryTypedEventIsStoredLikeHttp) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  ASSERT_NE(server.grpc_port(), 0) << server.log();
  auto stub = Stub(server);
  grpc::ClientContext context;
  EmitResponse response;
  grpc::Status status = stub->Emit(&context, TypedRunEvent("grpc", "typed", NewUuid()), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(response.duplicate());
  EXPECT_THAT(
      JobLineage(server, "typed"),
      ElementsAre("dataset:test:typed.input", "dataset:test:typed.output", "job:grpc:typed"));
}

TEST(Grpc, UnaryRawJsonAndHttpStoreTheSameEvent) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  std::string event = MinimalEvent("grpc", "same").dump();
  auto stub = Stub(server);
  {
    grpc::ClientContext context;
    EmitResponse response;
    ASSERT_TRUE(stub->Emit(&context, JsonRequest(event), &response).ok());
    EXPECT_FALSE(response.duplicate());
  }
  // The same bytes over HTTP are recognised as the same event...
  EXPECT_EQ(server.PostEvent(event).status, 201);
  {
    // ...and so are they again over gRPC: one stored event, whatever the path.
    grpc::ClientContext context;
    EmitResponse response;
    ASSERT_TRUE(stub->Emit(&context, JsonRequest(event), &response).ok());
    EXPECT_TRUE(response.duplicate());
  }
  Response events = server.client().Get("/metrics");
  EXPECT_THAT(events.body, HasSubstr("lineage_events_total"));
}

TEST(Grpc, InvalidEventIsInvalidArgumentNamingFields) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  auto stub = Stub(server);
  EmitRequest request = TypedRunEvent("grpc", "bad", NewUuid());
  request.mutable_run_event()->mutable_run()->clear_run_id();
  request.mutable_run_event()->mutable_job()->clear_name();
  grpc::ClientContext context;
  EmitResponse response;
  grpc::Status status = stub->Emit(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("run.runId must not be null"));
  EXPECT_THAT(status.error_message(), HasSubstr("job.name must not be null"));

  grpc::ClientContext context2;
  status = stub->Emit(&context2, JsonRequest("{not json"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext context3;
  status = stub->Emit(&context3, EmitRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(Grpc, StreamReportsInvalidEventsAndKeepsTheRest) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  auto stub = Stub(server);
  grpc::ClientContext context;
  EmitSummary summary;
  auto writer = stub->EmitStream(&context, &summary);
  constexpr int kEvents = 200;
  for (int i = 0; i < kEvents; ++i) {
    EmitRequest request;
    if (i == 7 || i == 150) {
      request = JsonRequest(R"({"eventTime":"2024-01-01T00:00:00Z","producer":"p","run":{}})");
    } else if (i % 2 == 0) {
      request = TypedRunEvent("grpc", "stream" + std::to_string(i), NewUuid());
    } else {
      request = JsonRequest(MinimalEvent("grpc", "stream" + std::to_string(i)).dump());
    }
    ASSERT_TRUE(writer->Write(request));
  }
  ASSERT_TRUE(writer->WritesDone());
  grpc::Status status = writer->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(summary.received(), static_cast<uint32_t>(kEvents));
  EXPECT_EQ(summary.accepted(), static_cast<uint32_t>(kEvents - 2));
  EXPECT_EQ(summary.failed(), 2u);
  ASSERT_EQ(summary.failures_size(), 2);
  EXPECT_EQ(summary.failures(0).index(), 7u);
  EXPECT_EQ(summary.failures(1).index(), 150u);
  EXPECT_EQ(summary.failures(0).code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(summary.failures(0).errors(), ::testing::Contains("run.runId must not be null"));
  // Events after the invalid ones were stored.
  EXPECT_THAT(JobLineage(server, "stream199"), ::testing::Contains("job:grpc:stream199"));
  EXPECT_THAT(JobLineage(server, "stream8"), ::testing::Contains("job:grpc:stream8"));
}

TEST(Grpc, StreamsBeyondGrpcMaxStreamsAreResourceExhaustedUntilOneCloses) {
  TestServer server({"--grpc_max_streams=1"});
  ASSERT_TRUE(server.Start());
  auto stub = Stub(server);

  grpc::ClientContext first_context;
  EmitSummary first_summary;
  auto first = stub->EmitStream(&first_context, &first_summary);
  ASSERT_TRUE(first->Write(JsonRequest(MinimalEvent("grpc", "first").dump())));
  // The first stream is open on the server once its event is stored.
  for (int attempt = 0; attempt < 500; ++attempt) {
    if (server.GetLineage("job:grpc:first", 0).status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  {
    grpc::ClientContext context;
    EmitSummary summary;
    auto second = stub->EmitStream(&context, &summary);
    second->Write(JsonRequest(MinimalEvent("grpc", "second").dump()));
    second->WritesDone();
    grpc::Status status = second->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_THAT(status.error_message(), HasSubstr("grpc_max_streams"));
  }
  EXPECT_EQ(server.GetLineage("job:grpc:second", 0).status, 404);

  ASSERT_TRUE(first->WritesDone());
  ASSERT_TRUE(first->Finish().ok());
  // The server counts a stream out when its reactor is done, which may be just
  // after the client has the status: retry as a client would.
  grpc::Status status;
  EmitSummary summary;
  for (int attempt = 0; attempt < 100; ++attempt) {
    grpc::ClientContext context;
    summary.Clear();
    auto third = stub->EmitStream(&context, &summary);
    third->Write(JsonRequest(MinimalEvent("grpc", "third").dump()));
    third->WritesDone();
    status = third->Finish();
    if (status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(summary.accepted(), 1u);
  EXPECT_EQ(server.GetLineage("job:grpc:third", 0).status, 200);
}

TEST(Grpc, CancelledStreamKeepsWhatTheServerReceived) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  auto stub = Stub(server);
  constexpr int kEvents = 50;
  {
    grpc::ClientContext context;
    EmitSummary summary;
    auto writer = stub->EmitStream(&context, &summary);
    for (int i = 0; i < kEvents; ++i) {
      ASSERT_TRUE(
          writer->Write(JsonRequest(MinimalEvent("grpc", "cancel" + std::to_string(i)).dump())));
    }
    // Make sure the server has the events before cancelling: a unary call on
    // the same channel is ordered after them only at HTTP/2 level, so wait
    // for the last one to be visible instead.
    for (int attempt = 0; attempt < 500; ++attempt) {
      if (server.GetLineage("job:grpc:cancel" + std::to_string(kEvents - 1), 0).status == 200)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    context.TryCancel();
    grpc::Status status = writer->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  }
  // Every event the server took before the cancel is durable and queryable,
  // also after a restart.
  ASSERT_EQ(server.Stop(), 0);
  ASSERT_TRUE(server.Start());
  for (int i = 0; i < kEvents; ++i) {
    EXPECT_EQ(server.GetLineage("job:grpc:cancel" + std::to_string(i), 0).status, 200) << i;
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Grpc, ServesOverTlsWithTheGivenCertificate) {
  // A self-signed certificate for 127.0.0.1, made for this test.
  lineaged::testing::TempDir dir;
  std::string cert = dir.path() + "/cert.pem";
  std::string key = dir.path() + "/key.pem";
  std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
      key + " -out " + cert + " 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << "openssl could not make a test certificate";

  TestServer server({"--grpc_tls_cert=" + cert, "--grpc_tls_key=" + key});
  ASSERT_TRUE(server.Start());
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ReadFile(cert);
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server.grpc_port()),
                                     grpc::SslCredentials(tls));
  auto stub = LineageIngest::NewStub(channel);
  grpc::ClientContext context;
  EmitResponse response;
  grpc::Status status =
      stub->Emit(&context, JsonRequest(MinimalEvent("grpc", "tls").dump()), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(server.GetLineage("job:grpc:tls", 0).status, 200);

  // A plaintext client cannot talk to the TLS port.
  auto plain = Stub(server);
  grpc::ClientContext plain_context;
  plain_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  EXPECT_FALSE(
      plain->Emit(&plain_context, JsonRequest(MinimalEvent("grpc", "x").dump()), &response).ok());
}

TEST(HttpBatch, StoresValidEventsAndReportsInvalidOnes) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  nlohmann::json batch = nlohmann::json::array();
  batch.push_back(MinimalEvent("batch", "a"));
  batch.push_back(
      nlohmann::json{{"eventTime", "2024-01-01T00:00:00Z"}, {"run", nlohmann::json::object()}});
  batch.push_back(MinimalEvent("batch", "b"));
  batch.push_back(batch[0]);  // a duplicate counts as delivered
  Response response = server.client().PostJson("/api/v1/lineage/batch", batch.dump());
  ASSERT_EQ(response.status, 200) << response.body;
  nlohmann::json body = ParseJson(response.body);
  EXPECT_EQ(body["status"], "partial_success");
  EXPECT_EQ(body["summary"]["received"], 4);
  EXPECT_EQ(body["summary"]["successful"], 3);
  EXPECT_EQ(body["summary"]["failed"], 1);
  EXPECT_EQ(body["summary"]["retriable"], 0);
  EXPECT_EQ(body["summary"]["non_retriable"], 1);
  ASSERT_EQ(body["failed_events"].size(), 1u);
  EXPECT_EQ(body["failed_events"][0]["index"], 1);
  EXPECT_EQ(body["failed_events"][0]["retriable"], false);
  EXPECT_THAT(body["failed_events"][0]["reason"].get<std::string>(),
              HasSubstr("run.runId must not be null"));
  EXPECT_EQ(server.GetLineage("job:batch:a", 0).status, 200);
  EXPECT_EQ(server.GetLineage("job:batch:b", 0).status, 200);
}

TEST(HttpBatch, AcceptsNdjsonAndRejectsNonArrays) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  std::string ndjson = MinimalEvent("batch", "n1").dump() + "\n\n" + "not json\n" +
                       MinimalEvent("batch", "n2").dump() + "\n";
  Headers headers = {{"Content-Type", "application/x-ndjson"}};
  Response response = server.client().Request("POST", "/api/v1/lineage/batch", ndjson, headers);
  ASSERT_EQ(response.status, 200) << response.body;
  nlohmann::json body = ParseJson(response.body);
  EXPECT_EQ(body["summary"]["received"], 3);
  EXPECT_EQ(body["summary"]["successful"], 2);
  EXPECT_EQ(body["failed_events"][0]["index"], 1);
  EXPECT_EQ(server.GetLineage("job:batch:n2", 0).status, 200);

  Response object = server.client().PostJson("/api/v1/lineage/batch", R"({"a":1})");
  EXPECT_EQ(object.status, 400);
  EXPECT_TRUE(IsErrorBody(object, 400));
  Response all_good = server.client().PostJson("/api/v1/lineage/batch",
                                               "[" + MinimalEvent("batch", "ok").dump() + "]");
  EXPECT_EQ(ParseJson(all_good.body)["status"], "success");
  Response empty = server.client().PostJson("/api/v1/lineage/batch", "[]");
  EXPECT_EQ(ParseJson(empty.body)["summary"]["received"], 0);
}

}  // namespace
}  // namespace lineaged::integration
