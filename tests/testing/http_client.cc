#include "tests/testing/http_client.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>

namespace lineaged::testing {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr char kUserAgent[] = "lineaged-integration-test";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool HasHeader(const Headers& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& field) { return EqualsIgnoreCase(field.first, name); });
}

beast::string_view AsBeast(std::string_view s) { return beast::string_view(s.data(), s.size()); }

std::string AsStd(beast::string_view s) { return std::string(s.data(), s.size()); }

// True for the errors that mean "the server had already closed this
// connection", after which one retry on a fresh connection is safe.
bool IsStaleConnection(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::connection_aborted;
}

Response TransportError(std::string_view what, const beast::error_code& ec) {
  Response response;
  response.body = std::string(what) + ": " + ec.message();
  return response;
}

}  // namespace

std::string Response::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

nlohmann::json Response::Json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string GzipCompress(std::string_view data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return "";
  }
  std::string out(deflateBound(&zs, data.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const size_t written = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return "";
  out.resize(written);
  return out;
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
  return out;
}

struct HttpClient::Impl {
  Impl(std::string host_in, int port_in) : host(std::move(host_in)), port(port_in) {}

  Impl(std::string host_in, int port_in, const TlsOptions& tls)
      : host(std::move(host_in)), port(port_in) {
    tls_context.emplace(net::ssl::context::tls_client);
    beast::error_code ec;
    tls_context->set_verify_mode(net::ssl::verify_peer, ec);
    if (!ec) tls_context->load_verify_file(tls.ca_file, ec);
    if (!ec && !tls.cert_file.empty()) tls_context->use_certificate_chain_file(tls.cert_file, ec);
    if (!ec && !tls.key_file.empty()) {
      tls_context->use_private_key_file(tls.key_file, net::ssl::context::pem, ec);
    }
    if (ec) tls_setup_error = "TLS setup: " + ec.message();
  }

  bool connected() const { return stream.has_value() || tls_stream.has_value(); }

  beast::tcp_stream& Tcp() { return tls_stream ? beast::get_lowest_layer(*tls_stream) : *stream; }

  // Calls `f` with the connected stream, whichever kind it is.
  template <typename F>
  void OnStream(F&& f) {
    if (tls_stream) {
      f(*tls_stream);
    } else {
      f(*stream);
    }
  }

  // Starts one asynchronous operation through `initiate(handler)` and runs the
  // io_context until it completes or the stream's timer closes the socket.
  template <typename Initiate>
  beast::error_code Run(Initiate&& initiate) {
    beast::error_code result = net::error::operation_aborted;
    Tcp().expires_after(kIoTimeout);
    initiate([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  beast::error_code Connect() {
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return ec;
    if (!tls_context) {
      stream.emplace(ioc);
    } else {
      tls_stream.emplace(ioc, *tls_context);
      tls_stream->set_verify_callback(net::ssl::host_name_verification(host));
      // SNI takes host names only, not addresses.
      if (net::ip::make_address(host, ec); ec) {
        ec = {};
        SSL_set_tlsext_host_name(tls_stream->native_handle(), host.c_str());
      }
    }
    ec = Run([&](auto handler) { Tcp().async_connect(endpoints, std::move(handler)); });
    if (!ec && tls_stream) {
      ec = Run([&](auto handler) {
        tls_stream->async_handshake(net::ssl::stream_base::client, std::move(handler));
      });
    }
    if (ec) Close();
    return ec;
  }

  void Close() {
    if (connected()) {
      beast::error_code ignored;
      Tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
      Tcp().close();
      stream.reset();
      tls_stream.reset();
    }
    buffer.consume(buffer.size());
    used = false;
  }

  beast::error_code Write(http::verb verb, std::string_view method, std::string_view target,
                          const std::string& body, const Headers& headers,
                          const RequestOptions& options) {
    if (!options.chunked) {
      http::request<http::string_body> request;
      Prepare(request, verb, method, target, headers);
      request.body() = body;
      request.prepare_payload();
      return Run([&](auto handler) {
        OnStream([&](auto& s) { http::async_write(s, request, std::move(handler)); });
      });
    }
    http::request<http::empty_body> request;
    Prepare(request, verb, method, target, headers);
    request.chunked(true);
    http::request_serializer<http::empty_body> serializer(request);
    beast::error_code ec = Run([&](auto handler) {
      OnStream([&](auto& s) { http::async_write_header(s, serializer, std::move(handler)); });
    });
    const size_t chunk_size = std::max<size_t>(options.chunk_size, 1);
    for (size_t offset = 0; !ec && offset < body.size(); offset += chunk_size) {
      const size_t length = std::min(chunk_size, body.size() - offset);
      auto chunk = http::make_chunk(net::const_buffer(body.data() + offset, length));
      ec = Run([&](auto handler) {
        OnStream([&](auto& s) { net::async_write(s, chunk, std::move(handler)); });
      });
    }
    if (!ec) {
      auto last = http::make_chunk_last();
      ec = Run([&](auto handler) {
        OnStream([&](auto& s) { net::async_write(s, last, std::move(handler)); });
      });
    }
    return ec;
  }

  template <typename Body>
  void Prepare(http::request<Body>& request, http::verb verb, std::string_view method,
               std::string_view target, const Headers& headers) {
    if (verb == http::verb::unknown) {
      request.method_string(AsBeast(method));
    } else {
      request.method(verb);
    }
    request.target(AsBeast(target));
    request.version(11);
    request.keep_alive(true);
    if (!HasHeader(headers, "Host")) {
      request.set(http::field::host, host + ":" + std::to_string(port));
    }
    if (!HasHeader(headers, "User-Agent")) request.set(http::field::user_agent, kUserAgent);
    for (const auto& [name, value] : headers) request.insert(AsBeast(name), AsBeast(value));
  }

  beast::error_code Read(bool head, Response* response) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    if (head) parser.skip(true);
    beast::error_code ec = Run([&](auto handler) {
      OnStream([&](auto& s) { http::async_read(s, buffer, parser, std::move(handler)); });
    });
    if (ec) return ec;
    auto& message = parser.get();
    response->status = static_cast<int>(message.result_int());
    response->body = std::move(message.body());
    for (const auto& field : message) {
      response->headers.emplace_back(AsStd(field.name_string()), AsStd(field.value()));
    }
    if (!message.keep_alive()) Close();
    return {};
  }

  std::string host;
  int port;
  net::io_context ioc;
  std::optional<net::ssl::context> tls_context;  // engaged for HTTPS
  std::string tls_setup_error;                   // why tls_context is unusable
  // One of them engaged while connected.
  std::optional<beast::tcp_stream> stream;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_stream;
  beast::flat_buffer buffer;
  bool used = false;  // a response has already arrived on this connection
};

HttpClient::HttpClient(std::string host, int port)
    : impl_(std::make_unique<Impl>(std::move(host), port)) {}

HttpClient::HttpClient(std::string host, int port, TlsOptions tls)
    : impl_(std::make_unique<Impl>(std::move(host), port, tls)) {}

HttpClient::~HttpClient() { impl_->Close(); }

void HttpClient::Close() { impl_->Close(); }

Response HttpClient::Request(std::string_view method, std::string_view target,
                             std::string_view body, const Headers& headers,
                             const RequestOptions& options) {
  try {
    if (!impl_->tls_setup_error.empty()) {
      Response response;
      response.body = impl_->tls_setup_error;
      return response;
    }
    const http::verb verb = http::string_to_verb(AsBeast(method));
    Headers all_headers = headers;
    std::string payload(body);
    if (options.gzip) {
      payload = GzipCompress(body);
      if (!HasHeader(all_headers, "Content-Encoding")) {
        all_headers.emplace_back("Content-Encoding", "gzip");
      }
    }
    for (int attempt = 0;; ++attempt) {
      const bool reused = impl_->connected() && impl_->used;
      if (!impl_->connected()) {
        if (beast::error_code ec = impl_->Connect(); ec) return TransportError("connect", ec);
      }
      const bool head = verb == http::verb::head;
      if (beast::error_code ec = impl_->Write(verb, method, target, payload, all_headers, options);
          ec) {
        // A server may answer before it has read the whole body (413 for an
        // oversized chunked body) and close; that answer is the result.
        Response early;
        if (impl_->connected() && !impl_->Read(head, &early)) {
          impl_->Close();
          return early;
        }
        impl_->Close();
        if (reused && attempt == 0 && IsStaleConnection(ec)) continue;
        return TransportError("write", ec);
      }
      Response response;
      if (beast::error_code ec = impl_->Read(head, &response); ec) {
        impl_->Close();
        if (reused && attempt == 0 && IsStaleConnection(ec)) continue;
        return TransportError("read", ec);
      }
      if (impl_->connected()) impl_->used = true;
      return response;
    }
  } catch (const std::exception& e) {
    impl_->Close();
    Response response;
    response.body = std::string("exception: ") + e.what();
    return response;
  }
}

Response HttpClient::Get(std::string_view target) { return Request("GET", target); }

Response HttpClient::PostJson(std::string_view target, std::string_view body,
                              const RequestOptions& options) {
  return Request("POST", target, body, {{"Content-Type", "application/json"}}, options);
}

}  // namespace lineaged::testing
