#include "api/http_server.h"

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "boost/asio/ssl/context.hpp"
#include "boost/asio/strand.hpp"
#include "openssl/ssl.h"
#include "spdlog/spdlog.h"

#include "api/internal/http_session.h"

namespace lineaged::api {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

// The server's TLS context: certificate chain and key, TLS 1.2 or newer, and
// client-certificate verification when a client CA is given.
absl::StatusOr<std::unique_ptr<ssl::context>> MakeTlsContext(const HttpServerOptions& options) {
  if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("HTTPS needs both --tls_cert and --tls_key");
  }
  std::unique_ptr<ssl::context> context;
  try {
    context = std::make_unique<ssl::context>(ssl::context::tls_server);
  } catch (const boost::system::system_error& e) {
    return absl::InternalError(std::string("cannot create a TLS context: ") + e.what());
  }
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  beast::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::single_dh_use, ec);
  // An encrypted key would otherwise make OpenSSL prompt on the terminal;
  // with an empty passphrase it fails to load instead.
  context->set_password_callback(
      [](size_t, ssl::context::password_purpose) { return std::string(); }, ec);
  context->use_certificate_chain_file(options.tls_cert_file, ec);
  if (ec) {
    return absl::InvalidArgumentError("cannot load --tls_cert " + options.tls_cert_file + ": " +
                                      ec.message());
  }
  context->use_private_key_file(options.tls_key_file, ssl::context::pem, ec);
  if (ec) {
    return absl::InvalidArgumentError("cannot load --tls_key " + options.tls_key_file + ": " +
                                      ec.message());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return absl::InvalidArgumentError("--tls_key " + options.tls_key_file +
                                      " does not match the certificate in --tls_cert");
  }
  if (!options.tls_client_ca_file.empty()) {
    context->load_verify_file(options.tls_client_ca_file, ec);
    if (!ec) {
      context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
    }
    if (ec) {
      return absl::InvalidArgumentError("cannot load --tls_client_ca " +
                                        options.tls_client_ca_file + ": " + ec.message());
    }
    // Name the accepted CAs in the certificate request, so that clients
    // holding several certificates pick the right one.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.tls_client_ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(native, names);
    }
  }
  return context;
}

}  // namespace

namespace internal {

// Accepts connections and starts a session for each.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(internal::ServerState* state, tcp::acceptor acceptor)
      : state_(state), acceptor_(std::move(acceptor)) {}

  void Accept() {
    acceptor_.async_accept(net::make_strand(state_->ioc),
                           [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                             self->OnAccept(ec, std::move(socket));
                           });
  }

  void Stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

 private:
  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // EMFILE and friends: keep accepting; the condition may pass.
      spdlog::warn("accept failed: {}", ec.message());
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      // Accepts are serialised on this strand, so the count cannot overshoot.
      bool admitted = state_->connections.fetch_add(1) < state_->options.max_connections;
      if (!admitted) {
        state_->connections.fetch_sub(1);
        state_->rejected_connections.fetch_add(1);
      }
      std::make_shared<internal::HttpSession>(std::move(socket), state_, admitted)->Run();
    }
    Accept();
  }

  internal::ServerState* state_;
  tcp::acceptor acceptor_;
};

}  // namespace internal

HttpServer::HttpServer(const Router* router, HttpServerOptions options)
    : router_(router),
      options_(std::move(options)),
      state_(std::make_unique<internal::ServerState>()) {
  state_->router = router_;
  state_->options = options_;
}

HttpServer::~HttpServer() {
  if (started_) Shutdown();
}

absl::Status HttpServer::Start() {
  if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
    absl::StatusOr<std::unique_ptr<ssl::context>> tls = MakeTlsContext(options_);
    if (!tls.ok()) return tls.status();
    state_->tls = std::move(*tls);
  } else if (!options_.tls_client_ca_file.empty()) {
    return absl::InvalidArgumentError("--tls_client_ca needs --tls_cert and --tls_key");
  }
  beast::error_code ec;
  net::ip::address address = net::ip::make_address(options_.address, ec);
  if (ec) return absl::InvalidArgumentError("bad --http_address '" + options_.address + "'");
  tcp::endpoint endpoint(address, options_.port);
  tcp::acceptor acceptor(net::make_strand(state_->ioc));
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError("cannot listen on " + options_.address + ":" +
                                  std::to_string(options_.port) + ": " + ec.message());
  }
  port_ = acceptor.local_endpoint().port();
  listener_ = std::make_shared<internal::Listener>(state_.get(), std::move(acceptor));
  listener_->Accept();
  state_->work.emplace(state_->ioc.get_executor());
  int threads =
      options_.threads > 0 ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { state_->ioc.run(); });
  }
  started_ = true;
  return absl::OkStatus();
}

std::string HttpServer::RenderMetrics() const {
  return absl::StrFormat(
      "# HELP lineage_http_connections Open HTTP connections (at most --max_connections).\n"
      "# TYPE lineage_http_connections gauge\n"
      "lineage_http_connections %d\n"
      "# HELP lineage_http_connections_rejected_total HTTP connections answered 503 because "
      "--max_connections were open.\n"
      "# TYPE lineage_http_connections_rejected_total counter\n"
      "lineage_http_connections_rejected_total %d\n",
      state_->connections.load(), state_->rejected_connections.load());
}

int HttpServer::Shutdown() {
  if (!started_) return 0;
  started_ = false;
  state_->stopping.store(true);
  listener_->Stop();
  auto deadline = std::chrono::steady_clock::now() + options_.shutdown_grace;
  while (state_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  int abandoned = state_->in_flight.load();
  state_->work.reset();
  state_->ioc.stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  return abandoned;
}

}  // namespace lineaged::api
