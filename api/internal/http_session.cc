#include "api/internal/http_session.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "boost/asio/dispatch.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/ssl/error.hpp"
#include "spdlog/spdlog.h"

#include "api/internal/gzip.h"
#include "graphstore/base/strings.h"

namespace lineaged::api::internal {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

namespace {
constexpr size_t kReadBufferBytes = 64 * 1024;
// Bound on the TLS close_notify exchange when a connection ends.
constexpr std::chrono::seconds kTlsShutdownTimeout{5};
}  // namespace

std::optional<Response> ToRequest(http::request<http::string_body>&& message, size_t max_body_bytes,
                                  Request* out) {
  Request& request = *out;
  request.method = std::string(message.method_string());
  std::string_view target = message.target();
  size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) request.query = ParseQuery(target.substr(question + 1));
  request.content_type = std::string(message[http::field::content_type]);
  request.authorization = std::string(message[http::field::authorization]);

  std::string encoding = absl::AsciiStrToLower(
      absl::StripAsciiWhitespace(AsAbsl(std::string_view(message[http::field::content_encoding]))));
  if (encoding.empty() || encoding == "identity") {
    request.body = std::move(message.body());
  } else if (encoding == "gzip" || encoding == "x-gzip" || encoding == "deflate") {
    absl::StatusOr<std::string> inflated = Inflate(message.body(), max_body_bytes);
    if (!inflated.ok()) {
      if (absl::IsResourceExhausted(inflated.status())) {
        return LimitResponse(413, AsStd(inflated.status().message()), "max_body_bytes");
      }
      return ErrorResponse(400, std::string(inflated.status().message()));
    }
    request.body = std::move(*inflated);
  } else {
    return ErrorResponse(415, "unsupported Content-Encoding '" + encoding + "'");
  }
  return std::nullopt;
}

HttpSession::HttpSession(net::ip::tcp::socket&& socket, ServerState* state, bool admitted)
    : stream_(std::move(socket), state->tls.get()), state_(state), admitted_(admitted) {}

HttpSession::~HttpSession() {
  if (admitted_) state_->connections.fetch_sub(1);
}

void HttpSession::Run() {
  // Beast reads at most the free capacity (and at least 512 bytes) per
  // recv; room for a whole typical event saves a syscall per 512 bytes.
  buffer_.reserve(kReadBufferBytes);
  // Start on the connection's strand.
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    if (!self->stream_.is_tls()) return self->ReadHeader();
    self->stream_.tcp().expires_after(self->state_->options.tls_handshake_timeout);
    self->stream_.async_handshake([self](beast::error_code ec) { self->OnHandshake(ec); });
  });
}

void HttpSession::OnHandshake(beast::error_code ec) {
  if (ec) {
    // Scanners, plain-HTTP clients, clients without an accepted certificate:
    // routine on a TLS port, so not worth more than debug.
    spdlog::debug("TLS handshake failed: {}", ec.message());
    stream_.Close();
    return;
  }
  ReadHeader();
}

void HttpSession::ReadHeader() {
  parser_.emplace();
  parser_->body_limit(state_->options.max_body_bytes);
  parser_->header_limit(static_cast<uint32_t>(state_->options.max_header_bytes));
  if (buffer_.size() > 0 || !admitted_) return ReadHeaderBytes();
  // Idle keep-alive: wait for the next request to start.
  stream_.tcp().expires_after(state_->options.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadBufferBytes),
                          [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                            self->OnFirstBytes(ec, bytes);
                          });
}

void HttpSession::OnFirstBytes(beast::error_code ec, size_t bytes) {
  if (ec) return FailRead(ec);
  buffer_.commit(bytes);
  ReadHeaderBytes();
}

void HttpSession::ReadHeaderBytes() {
  // One deadline for the whole request, not per read: a client trickling a
  // byte at a time (slow loris) cannot hold the connection longer.
  stream_.tcp().expires_after(state_->options.read_timeout);
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

void HttpSession::OnHeader(beast::error_code ec) {
  if (ec) return FailRead(ec);
  const auto& request = parser_->get();
  if (beast::iequals(request[http::field::expect], "100-continue")) {
    continue_ = {http::status::continue_, request.version()};
    http::async_write(stream_, continue_,
                      [self = shared_from_this()](beast::error_code write_ec, size_t) {
                        if (write_ec) return self->Close();
                        self->ReadBody();
                      });
    return;
  }
  ReadBody();
}

void HttpSession::ReadBody() {
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
}

void HttpSession::OnBody(beast::error_code ec) {
  if (ec) return FailRead(ec);
  Dispatch();
}

void HttpSession::FailRead(beast::error_code ec) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
      ec == net::error::operation_aborted || ec == net::error::connection_reset ||
      ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
    return Close();
  }
  if (ec.category() == net::error::get_ssl_category()) {
    spdlog::debug("TLS error: {}", ec.message());
    return Close();
  }
  if (ec == http::error::body_limit) {
    return Write(LimitResponse(413,
                               "request body exceeds max_body_bytes (" +
                                   std::to_string(state_->options.max_body_bytes) + ")",
                               "max_body_bytes"),
                 true);
  }
  if (ec == http::error::header_limit) {
    return Write(LimitResponse(431,
                               "request headers exceed max_header_bytes (" +
                                   std::to_string(state_->options.max_header_bytes) + ")",
                               "max_header_bytes"),
                 true);
  }
  spdlog::debug("bad HTTP request: {}", ec.message());
  Write(ErrorResponse(400, "malformed HTTP request: " + ec.message()), true);
}

void HttpSession::Dispatch() {
  if (!admitted_) {
    Response response = LimitResponse(503,
                                      "too many connections: max_connections (" +
                                          std::to_string(state_->options.max_connections) +
                                          ") are open; retry later",
                                      "max_connections");
    response.headers.emplace_back("Retry-After", "1");
    return Write(std::move(response), true);
  }
  http::request<http::string_body> message = parser_->release();
  state_->in_flight.fetch_add(1);
  counted_in_flight_ = true;
  // The store may take a while (fsync); no read timer while we wait.
  stream_.tcp().expires_never();

  bool close_after = !message.keep_alive();
  Request request;
  if (std::optional<Response> error =
          ToRequest(std::move(message), state_->options.max_body_bytes, &request)) {
    return Write(std::move(*error), close_after);
  }
  state_->router->Dispatch(
      std::move(request), [self = shared_from_this(), close_after](Response response) {
        net::post(self->stream_.get_executor(),
                  [self, close_after, response = std::move(response)]() mutable {
                    self->Write(std::move(response), close_after);
                  });
      });
}

void HttpSession::Write(Response response, bool close_after) {
  bool close = close_after || state_->stopping.load();
  response_ = {};
  response_.version(11);
  response_.result(static_cast<unsigned>(response.status));
  response_.set(http::field::server, "lineaged");
  if (!response.body.empty()) response_.set(http::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers) response_.set(name, value);
  response_.keep_alive(!close);
  response_.body() = std::move(response.body);
  response_.prepare_payload();
  stream_.tcp().expires_after(state_->options.idle_timeout);
  http::async_write(stream_, response_,
                    [self = shared_from_this(), close](beast::error_code ec, size_t) {
                      self->OnWrite(close, ec);
                    });
}

void HttpSession::OnWrite(bool close, beast::error_code ec) {
  if (counted_in_flight_) {
    counted_in_flight_ = false;
    state_->in_flight.fetch_sub(1);
  }
  if (ec || close) return Close();
  ReadHeader();
}

void HttpSession::Close() {
  if (counted_in_flight_) {
    counted_in_flight_ = false;
    state_->in_flight.fetch_sub(1);
  }
  if (!stream_.is_tls() || closing_) return stream_.Close();
  closing_ = true;
  stream_.tcp().expires_after(kTlsShutdownTimeout);
  stream_.async_tls_shutdown(
      [self = shared_from_this()](beast::error_code) { self->stream_.Close(); });
}

}  // namespace lineaged::api::internal
