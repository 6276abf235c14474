#pragma once

// AtlasClient: a small synchronous HTTP/1.1 client for Apache Atlas REST v2.
// Basic auth is sent up front (Atlas answers 401 without a challenge), the
// User-Agent is not browser-like (which would trigger Atlas's CSRF filter),
// every request has a timeout, and https URLs use TLS with an optional CA.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace lineaged::exporters {

struct AtlasClientOptions {
  std::string url;  // e.g. http://atlas:21000 (a path prefix is kept)
  std::string user;
  std::string password;
  std::string ca_file;  // https: PEM bundle to verify the server; system CAs if empty
  std::chrono::milliseconds timeout{10000};
};

struct AtlasResponse {
  int status = 0;
  std::string body;
};

// Not thread-safe: one client per thread. Keeps one connection alive.
class AtlasClient {
 public:
  // InvalidArgument for a URL that is not http(s)://host[:port][/path].
  static absl::StatusOr<std::unique_ptr<AtlasClient>> Create(AtlasClientOptions options);
  ~AtlasClient();
  AtlasClient(const AtlasClient&) = delete;
  AtlasClient& operator=(const AtlasClient&) = delete;

  // Sends `method` to the base URL + `path` (which starts with "/api/atlas")
  // with a JSON body. Any HTTP answer is a response; Unavailable means no
  // answer (connection refused or reset, timeout, TLS failure).
  absl::StatusOr<AtlasResponse> Send(std::string_view method, std::string_view path,
                                     std::string_view body);

 private:
  struct Connection;
  explicit AtlasClient(AtlasClientOptions options);

  AtlasClientOptions options_;
  bool tls_ = false;
  std::string host_;
  std::string port_;
  std::string base_path_;
  std::string authorization_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace lineaged::exporters
