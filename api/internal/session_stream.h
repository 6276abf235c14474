#pragma once

// SessionStream: the byte stream of one HTTP connection, plain TCP or TLS over
// TCP, chosen when the connection is accepted. It models Asio's
// AsyncReadStream and AsyncWriteStream for completion handlers (not other
// completion tokens: the operations return void), so Beast's HTTP functions
// take it as they take either stream and HttpSession needs no second copy.

#include <chrono>
#include <optional>
#include <utility>

#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/ssl/ssl_stream.hpp"

namespace lineaged::api::internal {

// Not thread-safe: use it on the connection's strand, like any Asio stream.
class SessionStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;

  // TLS (server side) if `tls` is not null; `tls` must outlive the stream.
  SessionStream(boost::asio::ip::tcp::socket&& socket, boost::asio::ssl::context* tls) {
    if (tls == nullptr) {
      plain_.emplace(std::move(socket));
    } else {
      tls_.emplace(std::move(socket), *tls);
    }
  }

  bool is_tls() const { return tls_.has_value(); }

  executor_type get_executor() { return tcp().get_executor(); }

  // The TCP layer: timeouts and the socket.
  boost::beast::tcp_stream& tcp() { return tls_ ? boost::beast::get_lowest_layer(*tls_) : *plain_; }

  template <typename MutableBuffers, typename Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  template <typename ConstBuffers, typename Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

  // The server side of the TLS handshake; `handler(error_code)`. Only when
  // is_tls().
  template <typename Handler>
  void async_handshake(Handler&& handler) {
    tls_->async_handshake(boost::asio::ssl::stream_base::server, std::forward<Handler>(handler));
  }

  // TLS close_notify exchange; `handler(error_code)`. Only when is_tls().
  template <typename Handler>
  void async_tls_shutdown(Handler&& handler) {
    tls_->async_shutdown(std::forward<Handler>(handler));
  }

  // Half-closes (TCP) and closes the socket; errors are ignored.
  void Close() {
    boost::beast::error_code ec;
    tcp().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
    tcp().socket().close(ec);
  }

 private:
  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
};

}  // namespace lineaged::api::internal
