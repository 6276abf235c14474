#pragma once

// HttpClient: a small synchronous HTTP/1.1 client for integration tests. It
// keeps one connection alive across requests, reconnects when the server has
// closed it, and can send bodies gzip-compressed and/or chunked, the way the
// OpenLineage Java client does.
//
//   HttpClient client("127.0.0.1", server.port());
//   Response r = client.PostJson("/api/v1/lineage", event, {.gzip = true});
//   EXPECT_EQ(r.status, 201) << r.body;
//
// No call throws: transport failures come back as status 0 with the reason in
// the body. With TlsOptions it speaks HTTPS:
//
//   HttpClient client("127.0.0.1", server.port(), {.ca_file = cert});

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace lineaged::testing {

// Header fields in order; names may repeat.
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Response {
  // The HTTP status, or 0 when no complete response arrived (connect, write or
  // read error, timeout); body then describes the error.
  int status = 0;
  std::string body;
  Headers headers;

  // Value of the first header named `name` (case-insensitive), or "".
  std::string Header(std::string_view name) const;

  // The body parsed as JSON; a discarded value (is_discarded()) if it is not
  // valid JSON. Never throws.
  nlohmann::json Json() const;
};

struct RequestOptions {
  // Compress the body with gzip and send Content-Encoding: gzip (unless the
  // caller's headers already name a Content-Encoding).
  bool gzip = false;
  // Send the body with Transfer-Encoding: chunked instead of Content-Length.
  bool chunked = false;
  // Bytes per chunk when `chunked`; the last chunk may be shorter.
  size_t chunk_size = 1024;
};

// HTTPS for HttpClient. The server's certificate must chain to `ca_file` and
// name the host (a DNS name, or an IP address in subjectAltName).
struct TlsOptions {
  std::string ca_file;  // PEM: the CA, or the server's self-signed certificate
  // A client certificate and its key (PEM), sent when the server asks; empty
  // for none.
  std::string cert_file;
  std::string key_file;
};

// gzip (RFC 1952) of `data`, as zlib's deflateInit2 with 16 + MAX_WBITS makes
// it. Returns "" only if zlib fails.
std::string GzipCompress(std::string_view data);

// Percent-encodes everything except RFC 3986 unreserved characters, like
// JavaScript's encodeURIComponent (which the Marquez UI uses for nodeId).
std::string UrlEncode(std::string_view text);

// Thread-compatible: use one client per thread.
class HttpClient {
 public:
  // Bound on each connect, write or read; a guard against a hung server, not
  // a performance expectation.
  static constexpr std::chrono::seconds kIoTimeout{60};

  // Does not connect yet; the first request does.
  HttpClient(std::string host, int port);
  // HTTPS. If the TLS files cannot be loaded, every request fails (status 0)
  // with the reason.
  HttpClient(std::string host, int port, TlsOptions tls);
  ~HttpClient();

  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `method target` with `body` and `headers` (Host, User-Agent and the
  // framing headers are added) and reads the whole response. If a reused
  // keep-alive connection turns out to be closed, reconnects and retries once.
  Response Request(std::string_view method, std::string_view target, std::string_view body = {},
                   const Headers& headers = {}, const RequestOptions& options = {});

  Response Get(std::string_view target);

  // POST with Content-Type: application/json.
  Response PostJson(std::string_view target, std::string_view body,
                    const RequestOptions& options = {});

  // Drops the connection; the next request opens a new one.
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lineaged::testing
