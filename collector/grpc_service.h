#pragma once

// GrpcIngestServer: the lineaged.v1.LineageIngest service (unary Emit and
// client-streaming EmitStream) on gRPC's callback API, with the standard
// health service and server reflection. Events take the same IngestService
// path as HTTP: same validation, same durable write, same acknowledgement
// rule (after the WAL sync). Optionally TLS, client certificates, and an
// authorizer for the calls' `authorization` metadata (health and reflection
// stay open).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"

#include "collector/ingest_service.h"

namespace grpc {
class Server;
}  // namespace grpc

namespace lineaged::collector {

// Checks the `authorization` metadata of a LineageIngest call ("" when
// absent): OK lets the call in; an error status (Unauthenticated,
// PermissionDenied) ends it with that code and message, which must not
// contain the metadata. Must be thread-safe.
using GrpcAuthorizer = std::function<absl::Status(std::string_view authorization)>;

struct GrpcServerOptions {
  std::string address = "0.0.0.0";
  int port = 50051;  // 0 picks a free port; see port()
  // TLS when both are set (PEM files); plaintext otherwise.
  std::string tls_cert_file;
  std::string tls_key_file;
  // With TLS: if set, clients must present a certificate this PEM CA bundle
  // verifies.
  std::string tls_client_ca_file;
  // Unset: every call is let in.
  GrpcAuthorizer authorizer;
  // Largest accepted message (one event, or one stream message).
  int max_message_bytes = 16 << 20;
  // Events of one stream waiting for the store before the server stops
  // reading from it: the stream's flow control.
  int max_stream_in_flight = 512;
  // EmitStream calls open at once; a further one ends at once with
  // RESOURCE_EXHAUSTED. With max_stream_in_flight this bounds the events held
  // for streams; unary Emit calls are bounded by the store's write queue.
  int max_streams = 64;
};

// Called once per finished RPC with its method name, gRPC status code and
// duration. Must be thread-safe and cheap.
using GrpcObserver = std::function<void(std::string_view method, int code, double seconds)>;

class GrpcService;

// Start and Shutdown from one thread. `ingest` must outlive the server.
class GrpcIngestServer {
 public:
  GrpcIngestServer(IngestService* ingest, GrpcServerOptions options);
  GrpcIngestServer(const GrpcIngestServer&) = delete;
  GrpcIngestServer& operator=(const GrpcIngestServer&) = delete;
  ~GrpcIngestServer();

  // Set before Start.
  void set_observer(GrpcObserver observer);

  // Binds and starts serving. Unavailable if the port cannot be bound,
  // InvalidArgument if the TLS files cannot be read (or a client CA is given
  // without a certificate).
  absl::Status Start();

  int port() const { return port_; }

  // Stops accepting RPCs and waits up to `grace_seconds` for running ones;
  // then cancels the rest.
  void Shutdown(int grace_seconds);

 private:
  IngestService* const ingest_;
  const GrpcServerOptions options_;
  std::unique_ptr<GrpcService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace lineaged::collector
