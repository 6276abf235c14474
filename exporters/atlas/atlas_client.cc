#include "exporters/atlas/atlas_client.h"

#include <optional>

#include "absl/strings/escaping.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "boost/url/parse.hpp"

namespace lineaged::exporters {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

constexpr char kUserAgent[] = "lineaged-atlas-exporter/0.1";

struct AtlasClient::Connection {
  net::io_context ioc;
  std::optional<ssl::context> tls_context;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  beast::tcp_stream& lowest() { return plain ? *plain : beast::get_lowest_layer(*secure); }
  bool connected() const { return plain.has_value() || secure.has_value(); }
  void Reset() {
    beast::error_code ignored;
    if (plain) plain->socket().close(ignored);
    if (secure) beast::get_lowest_layer(*secure).socket().close(ignored);
    plain.reset();
    secure.reset();
    buffer.clear();
  }
};

AtlasClient::AtlasClient(AtlasClientOptions options)
    : options_(std::move(options)), connection_(std::make_unique<Connection>()) {}

AtlasClient::~AtlasClient() = default;

absl::StatusOr<std::unique_ptr<AtlasClient>> AtlasClient::Create(AtlasClientOptions options) {
  auto url = boost::urls::parse_uri(options.url);
  if (!url) return absl::InvalidArgumentError("--atlas_url is not a URL: " + options.url);
  std::string scheme(url->scheme());
  if (scheme != "http" && scheme != "https") {
    return absl::InvalidArgumentError("--atlas_url must be http:// or https://");
  }
  std::unique_ptr<AtlasClient> client(new AtlasClient(std::move(options)));
  client->tls_ = scheme == "https";
  client->host_ = std::string(url->host());
  client->port_ = url->has_port() ? std::string(url->port()) : (client->tls_ ? "443" : "80");
  client->base_path_ = std::string(url->path());
  while (!client->base_path_.empty() && client->base_path_.back() == '/') {
    client->base_path_.pop_back();
  }
  if (client->host_.empty()) return absl::InvalidArgumentError("--atlas_url has no host");
  client->authorization_ =
      "Basic " + absl::Base64Escape(client->options_.user + ":" + client->options_.password);
  if (client->tls_) {
    client->connection_->tls_context.emplace(ssl::context::tls_client);
    ssl::context& context = *client->connection_->tls_context;
    beast::error_code ec;
    if (client->options_.ca_file.empty()) {
      context.set_default_verify_paths(ec);
    } else {
      context.load_verify_file(client->options_.ca_file, ec);
    }
    if (ec) return absl::InvalidArgumentError("cannot load CA certificates: " + ec.message());
    context.set_verify_mode(ssl::verify_peer);
  }
  return client;
}

absl::StatusOr<AtlasResponse> AtlasClient::Send(std::string_view method, std::string_view path,
                                                std::string_view body) {
  Connection& c = *connection_;
  http::request<http::string_body> request;
  request.method_string(std::string(method));
  request.target(base_path_ + std::string(path));
  request.version(11);
  request.set(http::field::host, host_);
  request.set(http::field::user_agent, kUserAgent);
  request.set(http::field::authorization, authorization_);
  request.set(http::field::accept, "application/json");
  if (!body.empty() || method == "POST" || method == "PUT") {
    request.set(http::field::content_type, "application/json");
    request.body() = std::string(body);
  }
  request.keep_alive(true);
  request.prepare_payload();

  // A kept-alive connection may have been closed by the server meanwhile:
  // one fresh attempt covers that.
  for (int attempt = 0; attempt < 2; ++attempt) {
    beast::error_code ec;
    bool fresh = !c.connected();
    if (fresh) {
      tcp::resolver resolver(c.ioc);
      auto endpoints = resolver.resolve(host_, port_, ec);
      if (ec) return absl::UnavailableError("resolve " + host_ + ": " + ec.message());
      if (tls_) {
        c.secure.emplace(c.ioc, *c.tls_context);
        SSL_set_tlsext_host_name(c.secure->native_handle(), host_.c_str());
        c.secure->set_verify_callback(ssl::host_name_verification(host_));
      } else {
        c.plain.emplace(c.ioc);
      }
      c.lowest().expires_after(options_.timeout);
      c.lowest().connect(endpoints, ec);
      if (!ec && tls_) {
        c.lowest().expires_after(options_.timeout);
        c.secure->handshake(ssl::stream_base::client, ec);
      }
      if (ec) {
        c.Reset();
        return absl::UnavailableError("connect to Atlas " + host_ + ":" + port_ + ": " +
                                      ec.message());
      }
    }
    c.lowest().expires_after(options_.timeout);
    if (tls_) {
      http::write(*c.secure, request, ec);
    } else {
      http::write(*c.plain, request, ec);
    }
    http::response<http::string_body> response;
    if (!ec) {
      c.lowest().expires_after(options_.timeout);
      if (tls_) {
        http::read(*c.secure, c.buffer, response, ec);
      } else {
        http::read(*c.plain, c.buffer, response, ec);
      }
    }
    if (ec) {
      c.Reset();
      if (!fresh && ec != beast::error::timeout) continue;  // stale keep-alive: reconnect once
      return absl::UnavailableError("Atlas request " + std::string(method) + " " +
                                    std::string(path) + ": " + ec.message());
    }
    if (!response.keep_alive()) c.Reset();
    return AtlasResponse{static_cast<int>(response.result_int()), std::move(response.body())};
  }
  return absl::UnavailableError("Atlas connection keeps closing");
}

}  // namespace lineaged::exporters
