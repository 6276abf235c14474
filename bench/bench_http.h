#pragma once

// Blocking HTTP/1.1 keep-alive client shared by lineaged_lineage_gen and lineaged_query_load: one
// connection, one request at a time, reconnecting when the server closed the connection. Not
// thread-safe; use one client per thread. Header-only because only the bench tools use it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"

namespace lineaged::bench {

// "http://host:port" (a trailing '/' is allowed; a path is not used).
struct HttpUrl {
  std::string host;
  std::string port;
};

// nullopt unless `url` is http://host[:port][/]; the port defaults to 80.
inline std::optional<HttpUrl> ParseHttpUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  url.remove_prefix(kScheme.size());
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  if (url.empty() || url.find('/') != std::string_view::npos) return std::nullopt;
  HttpUrl result;
  const size_t colon = url.rfind(':');
  if (colon == std::string_view::npos) {
    result.host = std::string(url);
    result.port = "80";
  } else {
    result.host = std::string(url.substr(0, colon));
    result.port = std::string(url.substr(colon + 1));
    if (result.port.empty() || result.port.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
  }
  if (result.host.empty()) return std::nullopt;
  return result;
}

// Percent-encodes everything but RFC 3986 unreserved characters, for a path segment or a query
// value.
inline std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

class BlockingHttpClient {
 public:
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  BlockingHttpClient(HttpUrl url, std::chrono::milliseconds timeout,
                     uint64_t body_limit = uint64_t{1} << 30)
      : url_(std::move(url)), timeout_(timeout), body_limit_(body_limit), stream_(ioc_) {}

  BlockingHttpClient(const BlockingHttpClient&) = delete;
  BlockingHttpClient& operator=(const BlockingHttpClient&) = delete;

  // Sends one request and reads the whole response into *response. On a transport error (refused,
  // reset, timeout) the connection is closed and the error returned; the next call reconnects. A
  // request on a kept-alive connection that the server had closed meanwhile is retried once on a
  // new connection, so callers only see errors of a fresh connection.
  boost::beast::error_code Send(boost::beast::http::verb method, std::string_view target,
                                std::string_view content_type, std::string body,
                                Response* response) {
    namespace http = boost::beast::http;
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, url_.host);
    request.set(http::field::user_agent, "lineaged-bench");
    if (!content_type.empty()) request.set(http::field::content_type, content_type);
    request.keep_alive(true);
    if (!body.empty() || method == http::verb::post) {
      request.body() = std::move(body);
      request.prepare_payload();
    }
    const bool reused = connected_;
    boost::beast::error_code ec = SendOnce(request, response);
    if (ec && reused) ec = SendOnce(request, response);
    return ec;
  }

 private:
  boost::beast::error_code SendOnce(
      const boost::beast::http::request<boost::beast::http::string_body>& request,
      Response* response) {
    namespace beast = boost::beast;
    namespace http = beast::http;
    beast::error_code ec;
    if (!connected_) {
      boost::asio::ip::tcp::resolver resolver(ioc_);
      auto endpoints = resolver.resolve(url_.host, url_.port, ec);
      if (ec) return ec;
      stream_.expires_after(timeout_);
      stream_.connect(endpoints, ec);
      if (ec) return Close(ec);
      stream_.socket().set_option(boost::asio::ip::tcp::no_delay(true), ec);
      buffer_.clear();
      connected_ = true;
    }
    stream_.expires_after(timeout_);
    http::write(stream_, request, ec);
    if (ec) return Close(ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(body_limit_);
    http::read(stream_, buffer_, parser, ec);
    if (ec) return Close(ec);
    *response = parser.release();
    if (!response->keep_alive()) Close({});
    return {};
  }

  boost::beast::error_code Close(boost::beast::error_code ec) {
    boost::beast::error_code ignored;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
    connected_ = false;
    return ec;
  }

  const HttpUrl url_;
  const std::chrono::milliseconds timeout_;
  const uint64_t body_limit_;
  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
};

}  // namespace lineaged::bench
