#include "collector/grpc_service.h"

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "spdlog/spdlog.h"

#include "collector/internal/proto_json.h"
#include "lineaged/v1/ingest.grpc.pb.h"

namespace lineaged::collector {

namespace {

using Clock = std::chrono::steady_clock;

constexpr char kEmitMethod[] = "/lineaged.v1.LineageIngest/Emit";
constexpr char kEmitStreamMethod[] = "/lineaged.v1.LineageIngest/EmitStream";

grpc::Status ToGrpcStatus(const IngestResult& result) {
  switch (result.code) {
    case IngestResult::Code::kStored:
    case IngestResult::Code::kDuplicate:
      return grpc::Status::OK;
    case IngestResult::Code::kMalformed:
    case IngestResult::Code::kInvalid:
    case IngestResult::Code::kOverLimit:  // the event itself: resending will not help
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, absl::StrJoin(result.errors, "; "));
    case IngestResult::Code::kOverloaded:
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, result.message);
    case IngestResult::Code::kUnavailable:
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, result.message);
    case IngestResult::Code::kInternal:
      return grpc::Status(grpc::StatusCode::INTERNAL, result.message);
  }
  return grpc::Status(grpc::StatusCode::INTERNAL, "unknown ingest result");
}

// The event's JSON text, whichever form it was sent in; empty if none.
std::string EventJson(const lineaged::v1::EmitRequest& request) {
  if (request.event_case() == lineaged::v1::EmitRequest::kJson) return request.json();
  if (request.event_case() == lineaged::v1::EmitRequest::EVENT_NOT_SET) return "";
  return internal::ToOpenLineageJson(request);
}

IngestResult NoEventResult() {
  IngestResult result;
  result.code = IngestResult::Code::kInvalid;
  result.reason = "missing_field";
  result.errors.push_back("EmitRequest carries no event");
  return result;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError("cannot read " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

class GrpcService final : public lineaged::v1::LineageIngest::CallbackService {
 public:
  GrpcService(IngestService* ingest, int max_stream_in_flight, int max_streams,
              GrpcAuthorizer authorizer)
      : ingest_(ingest),
        max_stream_in_flight_(max_stream_in_flight),
        max_streams_(max_streams),
        authorizer_(std::move(authorizer)) {}

  void set_observer(GrpcObserver observer) { observer_ = std::move(observer); }

  grpc::ServerUnaryReactor* Emit(grpc::CallbackServerContext* context,
                                 const lineaged::v1::EmitRequest* request,
                                 lineaged::v1::EmitResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    Clock::time_point start = Clock::now();
    if (grpc::Status denied = Authorize(*context, kEmitMethod); !denied.ok()) {
      Finish(kEmitMethod, start, reactor, std::move(denied));
      return reactor;
    }
    std::string json = EventJson(*request);
    if (json.empty()) {
      ingest_->RecordRejection(NoEventResult());
      Finish(kEmitMethod, start, reactor,
             grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "EmitRequest carries no event"));
      return reactor;
    }
    ingest_->Ingest(std::move(json), [this, reactor, response, start](IngestResult result) {
      response->set_duplicate(result.code == IngestResult::Code::kDuplicate);
      Finish(kEmitMethod, start, reactor, ToGrpcStatus(result));
    });
    return reactor;
  }

  grpc::ServerReadReactor<lineaged::v1::EmitRequest>* EmitStream(
      grpc::CallbackServerContext* context, lineaged::v1::EmitSummary* summary) override;

  // Counts an EmitStream call in; false (and not counted) at max_streams.
  bool OpenStream() {
    if (open_streams_.fetch_add(1) < max_streams_) return true;
    open_streams_.fetch_sub(1);
    return false;
  }
  void CloseStream() { open_streams_.fetch_sub(1); }

  void Observe(std::string_view method, Clock::time_point start, int code) {
    if (observer_) {
      observer_(method, code, std::chrono::duration<double>(Clock::now() - start).count());
    }
  }

  // OK, or the status to end the call with.
  grpc::Status Authorize(const grpc::CallbackServerContext& context,
                         std::string_view method) const {
    if (!authorizer_) return grpc::Status::OK;
    std::string_view authorization;
    auto it = context.client_metadata().find("authorization");
    if (it != context.client_metadata().end()) {
      authorization = std::string_view(it->second.data(), it->second.size());
    }
    absl::Status status = authorizer_(authorization);
    if (status.ok()) return grpc::Status::OK;
    // The reason only: the metadata is the secret.
    spdlog::debug("gRPC {} refused: {}", method, std::string(status.message()));
    // absl and gRPC share the canonical code numbers.
    return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                        std::string(status.message()));
  }

 private:
  void Finish(std::string_view method, Clock::time_point start, grpc::ServerUnaryReactor* reactor,
              grpc::Status status) {
    Observe(method, start, status.error_code());
    reactor->Finish(std::move(status));
  }

  friend class StreamReactor;
  IngestService* const ingest_;
  const int max_stream_in_flight_;
  const int max_streams_;
  std::atomic<int> open_streams_{0};
  const GrpcAuthorizer authorizer_;
  GrpcObserver observer_;
};

namespace {

// One EmitStream call. Reads requests and submits each to ingest; reading
// pauses while max_stream_in_flight events wait for the store. The summary
// is sent once the client has finished (or cancelled) and every submitted
// event has its result, so each accepted event is durable before the reply.
class StreamReactor final : public grpc::ServerReadReactor<lineaged::v1::EmitRequest> {
 public:
  StreamReactor(GrpcService* service, IngestService* ingest, int max_in_flight,
                lineaged::v1::EmitSummary* summary)
      : service_(service), ingest_(ingest), max_in_flight_(max_in_flight), summary_(summary) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // client half-closed, or the call is cancelled
      absl::MutexLock lock(&mu_);
      reading_done_ = true;
      MaybeFinishLocked();
      return;
    }
    uint32_t index;
    {
      absl::MutexLock lock(&mu_);
      index = next_index_++;
      ++in_flight_;
    }
    std::string json = EventJson(request_);
    if (json.empty()) {
      IngestResult result = NoEventResult();
      ingest_->RecordRejection(result);
      OnResult(index, std::move(result));
    } else {
      ingest_->Ingest(std::move(json),
                      [this, index](IngestResult result) { OnResult(index, std::move(result)); });
    }
    absl::MutexLock lock(&mu_);
    if (in_flight_ < max_in_flight_) {
      StartRead(&request_);
    } else {
      read_paused_ = true;
    }
  }

  void OnCancel() override { final_code_ = grpc::StatusCode::CANCELLED; }

  void OnDone() override {
    service_->Observe(kEmitStreamMethod, start_, final_code_);
    service_->CloseStream();
    delete this;
  }

 private:
  void OnResult(uint32_t index, IngestResult result) {
    absl::MutexLock lock(&mu_);
    if (IsAcceptedCode(result.code)) {
      summary_->set_accepted(summary_->accepted() + 1);
      if (result.code == IngestResult::Code::kDuplicate) {
        summary_->set_duplicates(summary_->duplicates() + 1);
      }
    } else {
      grpc::Status status = ToGrpcStatus(result);
      lineaged::v1::EventResult* failure = summary_->add_failures();
      failure->set_index(index);
      failure->set_code(status.error_code());
      failure->set_message(status.error_message());
      for (std::string& error : result.errors) failure->add_errors(std::move(error));
      summary_->set_failed(summary_->failed() + 1);
    }
    --in_flight_;
    if (read_paused_ && !reading_done_) {
      read_paused_ = false;
      StartRead(&request_);
    }
    MaybeFinishLocked();
  }

  static bool IsAcceptedCode(IngestResult::Code code) {
    return code == IngestResult::Code::kStored || code == IngestResult::Code::kDuplicate;
  }

  void MaybeFinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!reading_done_ || in_flight_ > 0 || finished_) return;
    finished_ = true;
    summary_->set_received(next_index_);
    auto* failures = summary_->mutable_failures();
    std::sort(failures->begin(), failures->end(),
              [](const auto& a, const auto& b) { return a.index() < b.index(); });
    Finish(grpc::Status::OK);
  }

  GrpcService* const service_;
  IngestService* const ingest_;
  const int max_in_flight_;
  const Clock::time_point start_ = Clock::now();
  lineaged::v1::EmitRequest request_;

  absl::Mutex mu_;
  lineaged::v1::EmitSummary* summary_ ABSL_PT_GUARDED_BY(mu_);
  uint32_t next_index_ ABSL_GUARDED_BY(mu_) = 0;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool reading_done_ ABSL_GUARDED_BY(mu_) = false;
  bool read_paused_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<int> final_code_{grpc::StatusCode::OK};
};

// An EmitStream call refused before reading anything.
class RefusedStreamReactor final : public grpc::ServerReadReactor<lineaged::v1::EmitRequest> {
 public:
  RefusedStreamReactor(GrpcService* service, grpc::Status status)
      : service_(service), code_(status.error_code()) {
    Finish(std::move(status));
  }

  void OnDone() override {
    service_->Observe(kEmitStreamMethod, start_, code_);
    delete this;
  }

 private:
  GrpcService* const service_;
  const int code_;
  const Clock::time_point start_ = Clock::now();
};

}  // namespace

grpc::ServerReadReactor<lineaged::v1::EmitRequest>* GrpcService::EmitStream(
    grpc::CallbackServerContext* context, lineaged::v1::EmitSummary* summary) {
  if (grpc::Status denied = Authorize(*context, kEmitStreamMethod); !denied.ok()) {
    return new RefusedStreamReactor(this, std::move(denied));
  }
  if (!OpenStream()) {
    return new RefusedStreamReactor(
        this, grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                           absl::StrCat("too many open streams: ", max_streams_,
                                        " (grpc_max_streams); retry later")));
  }
  return new StreamReactor(this, ingest_, max_stream_in_flight_, summary);
}

GrpcIngestServer::GrpcIngestServer(IngestService* ingest, GrpcServerOptions options)
    : ingest_(ingest),
      options_(std::move(options)),
      service_(std::make_unique<GrpcService>(ingest, options_.max_stream_in_flight,
                                             options_.max_streams, options_.authorizer)) {}

GrpcIngestServer::~GrpcIngestServer() { Shutdown(0); }

void GrpcIngestServer::set_observer(GrpcObserver observer) {
  service_->set_observer(std::move(observer));
}

absl::Status GrpcIngestServer::Start() {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
    absl::StatusOr<std::string> cert = ReadFile(options_.tls_cert_file);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadFile(options_.tls_key_file);
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    if (!options_.tls_client_ca_file.empty()) {
      absl::StatusOr<std::string> ca = ReadFile(options_.tls_client_ca_file);
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *ca;
      ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    credentials = grpc::SslServerCredentials(ssl);
  } else if (!options_.tls_client_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "--grpc_tls_client_ca needs --grpc_tls_cert and --grpc_tls_key");
  } else {
    credentials = grpc::InsecureServerCredentials();
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  std::string address = options_.address + ":" + std::to_string(options_.port);
  builder.AddListeningPort(address, credentials, &port_);
  builder.SetMaxReceiveMessageSize(options_.max_message_bytes);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    server_.reset();
    return absl::UnavailableError("cannot listen for gRPC on " + address);
  }
  return absl::OkStatus();
}

void GrpcIngestServer::Shutdown(int grace_seconds) {
  if (server_ == nullptr) return;
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(grace_seconds));
  server_->Wait();
  server_.reset();
}

}  // namespace lineaged::collector
