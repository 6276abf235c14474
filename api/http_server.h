#pragma once

// HttpServer: an HTTP/1.1 server on Boost.Beast serving a Router. Keep-alive,
// chunked and gzip request bodies, Expect: 100-continue, body/header limits,
// a connection cap, idle and read timeouts; optional TLS (and client
// certificates); graceful shutdown that finishes in-flight requests.
//
// Shape follows Beast's advanced_server: one io_context on N threads, one
// strand per connection, sessions kept alive by their pending operations.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"

#include "api/router.h"

namespace lineaged::api {

struct HttpServerOptions {
  std::string address = "0.0.0.0";
  uint16_t port = 5000;                 // 0 picks a free port; see HttpServer::port()
  int threads = 0;                      // 0 = hardware concurrency
  size_t max_body_bytes = 16u << 20;    // after decompression too; 413 beyond
  size_t max_header_bytes = 64u << 10;  // request line and headers; 431 beyond
  // Open connections served at once. A connection beyond it has its request
  // read, answered 503 (Retry-After: 1) and is closed.
  int max_connections = 1024;
  // Keep-alive: how long a connection may wait for the first byte of its
  // next request (also for a response to be read); then it is closed.
  std::chrono::seconds idle_timeout{60};
  // From a request's first byte, how long until the whole request (headers
  // and body) has arrived, however slowly it trickles; then the connection is
  // closed.
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds shutdown_grace{15};  // wait for in-flight requests
  // HTTPS when both are set (PEM files; the certificate file may hold a
  // chain); plain HTTP otherwise.
  std::string tls_cert_file;
  std::string tls_key_file;
  // With HTTPS: if set, clients must present a certificate this PEM CA
  // bundle verifies, or the handshake fails.
  std::string tls_client_ca_file;
  std::chrono::seconds tls_handshake_timeout{10};
};

namespace internal {
struct ServerState;
class Listener;
}  // namespace internal

// Start/Shutdown from one thread; the router must outlive the server.
class HttpServer {
 public:
  HttpServer(const Router* router, HttpServerOptions options);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  // Binds, listens and starts the I/O threads. Unavailable if the address
  // cannot be bound; InvalidArgument if the TLS files cannot be loaded.
  absl::Status Start();

  // The bound port (useful with port 0). Valid after Start.
  uint16_t port() const { return port_; }

  // Prometheus text of the connection metrics (lineage_http_connections,
  // lineage_http_connections_rejected_total). Thread-safe.
  std::string RenderMetrics() const;

  // Stops accepting, lets requests in flight finish (up to shutdown_grace),
  // then stops the I/O threads. Responses of late requests are dropped.
  // Returns the number of requests still in flight when it gave up.
  int Shutdown();

 private:
  const Router* router_;
  HttpServerOptions options_;
  std::unique_ptr<internal::ServerState> state_;
  std::shared_ptr<internal::Listener> listener_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  bool started_ = false;
};

}  // namespace lineaged::api
