#pragma once

// One HTTP connection (over TLS when the server has a certificate): reads a
// request, dispatches it, writes the response, repeats while keep-alive holds. Lives as long as an
// async operation or a pending Responder holds a shared_ptr to it.

#include <atomic>
#include <memory>
#include <optional>

#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"

#include "api/http_server.h"
#include "api/internal/session_stream.h"

namespace lineaged::api::internal {

struct ServerState {
  const Router* router = nullptr;
  HttpServerOptions options;
  boost::asio::io_context ioc;
  // Keeps the I/O threads running while no socket operation is pending, e.g.
  // when every open request waits for the store; reset at shutdown.
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  // Set when serving HTTPS; every session's TLS stream borrows it.
  std::unique_ptr<boost::asio::ssl::context> tls;
  // Sessions admitted under max_connections and still open.
  std::atomic<int> connections{0};
  std::atomic<uint64_t> rejected_connections{0};
};

// Builds the router's Request from a parsed message: path and decoded query
// from the target, Content-Type, Authorization, and the body inflated per Content-Encoding
// (at most max_body_bytes). Returns nullopt and fills *out, or the response
// to send instead: 413 (too large once inflated), 400 (corrupt), 415 (unknown
// encoding). Pure: the fuzz target tests/fuzz/router_fuzzer.cc calls it too.
std::optional<Response> ToRequest(
    boost::beast::http::request<boost::beast::http::string_body>&& message, size_t max_body_bytes,
    Request* out);

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `admitted` sessions count in state->connections until destroyed; others
  // answer their one request with 503 and close.
  HttpSession(boost::asio::ip::tcp::socket&& socket, ServerState* state, bool admitted);
  ~HttpSession();
  void Run();

 private:
  void OnHandshake(boost::beast::error_code ec);
  void ReadHeader();
  void OnFirstBytes(boost::beast::error_code ec, size_t bytes);
  void ReadHeaderBytes();
  void OnHeader(boost::beast::error_code ec);
  void ReadBody();
  void OnBody(boost::beast::error_code ec);
  void Dispatch();
  void Write(Response response, bool close_after);
  void OnWrite(bool close, boost::beast::error_code ec);
  void FailRead(boost::beast::error_code ec);
  void Close();

  SessionStream stream_;
  boost::beast::flat_buffer buffer_;
  ServerState* const state_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  boost::beast::http::response<boost::beast::http::empty_body> continue_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
  bool counted_in_flight_ = false;
  bool closing_ = false;  // the TLS close_notify exchange has begun
  const bool admitted_;
};

}  // namespace lineaged::api::internal
