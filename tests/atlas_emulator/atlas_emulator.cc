#include "tests/atlas_emulator/atlas_emulator.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <optional>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "boost/asio/dispatch.hpp"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"

#include "tests/atlas_emulator/internal/atlas_error.h"
#include "tests/atlas_emulator/internal/atlas_service.h"
#include "tests/atlas_emulator/internal/json_util.h"

namespace lineaged::testing {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// Atlas's Jetty request buffer (atlas.jetty.request.buffer.size).
constexpr size_t kHeaderLimit = 16192;
constexpr uint64_t kBodyLimit = 256ull << 20;
// How long Stop() lets connections wind down before stopping the I/O threads.
constexpr auto kStopGrace = std::chrono::seconds(5);

std::string AsStd(beast::string_view s) { return std::string(s.data(), s.size()); }

}  // namespace

namespace internal {

class AtlasSession;

// The server's state; AtlasEmulator::Impl is this (a separate name so that
// AtlasSession, outside the class, can refer to it).
struct EmulatorCore {
  explicit EmulatorCore(AtlasEmulatorOptions opts) : options(std::move(opts)), service(options) {}

  enum class Fault { kNone, kFail, kHang };
  // The fault to apply to a request arriving now; *until is when a hang ends.
  Fault CurrentFault(Clock::time_point* until) ABSL_LOCKS_EXCLUDED(mu) {
    absl::MutexLock lock(&mu);
    const Clock::time_point now = Clock::now();
    if (now < hang_until) {
      *until = hang_until;
      return Fault::kHang;
    }
    return now < fail_until ? Fault::kFail : Fault::kNone;
  }

  void Record(AtlasRequestRecord record) ABSL_LOCKS_EXCLUDED(mu) {
    absl::MutexLock lock(&mu);
    log.push_back(std::move(record));
  }

  // Control strand only.
  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void CloseAcceptor();
  void Reopen();

  // Closes open connections (only the hung ones if `only_hanging`) and
  // waits until they are closed. Not from an I/O thread.
  void CloseSessions(bool only_hanging) ABSL_LOCKS_EXCLUDED(mu);

  const AtlasEmulatorOptions options;
  AtlasService service;

  // Declared before everything that holds handlers on it, so it is destroyed last.
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  // Serializes the acceptor and the reopen timer.
  net::strand<net::io_context::executor_type> control{net::make_strand(ioc)};
  std::unique_ptr<tcp::acceptor> acceptor;  // control strand only
  net::steady_timer reopen_timer{control};  // control strand only
  tcp::endpoint endpoint;                   // set by Start()
  std::atomic<uint16_t> port{0};
  std::atomic<int64_t> request_count{0};
  std::atomic<bool> stopping{false};

  mutable absl::Mutex mu;
  Clock::time_point fail_until ABSL_GUARDED_BY(mu);
  Clock::time_point hang_until ABSL_GUARDED_BY(mu);
  // Open connections, so that RefuseConnectionsFor/Reset/Stop can close them;
  // each session otherwise owns itself through its pending operation.
  std::vector<std::weak_ptr<AtlasSession>> sessions ABSL_GUARDED_BY(mu);
  std::vector<AtlasRequestRecord> log ABSL_GUARDED_BY(mu);
  bool started ABSL_GUARDED_BY(mu) = false;
  bool stopped ABSL_GUARDED_BY(mu) = false;
};

// One HTTP/1.1 connection, on its own strand (Beast advanced_server's shape).
class AtlasSession : public std::enable_shared_from_this<AtlasSession> {
 public:
  AtlasSession(tcp::socket socket, EmulatorCore* impl)
      : stream_(std::move(socket)), impl_(impl), hang_timer_(stream_.get_executor()) {}

  void Run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  // Thread-safe; `done` is called once the socket is closed.
  void Close(std::function<void()> done) {
    net::post(stream_.get_executor(), [self = shared_from_this(), done = std::move(done)] {
      self->DoClose();
      done();
    });
  }

  bool hanging() const { return hanging_.load(); }

 private:
  void Read() {
    if (closed_) return;
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(kBodyLimit);
    stream_.expires_after(impl_->options.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&AtlasSession::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (closed_) return;
    if (ec) return OnReadError(ec);
    const auto& header = parser_->get();
    if (beast::iequals(header[http::field::expect], "100-continue")) {
      // Jetty answers 100 Continue; clients such as libcurl otherwise wait.
      auto continue_response =
          std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      http::async_write(
          stream_, *continue_response,
          [self = shared_from_this(), continue_response](beast::error_code ec, size_t) {
            if (ec) return self->DoClose();
            self->ReadBody();
          });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&AtlasSession::OnRead, shared_from_this()));
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::end_of_stream) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return DoClose();
    }
    if (ec == http::error::header_limit) return SendPlain(431, "Request Header Fields Too Large");
    if (ec == http::error::body_limit) return SendPlain(413, "Payload Too Large");
    DoClose();
  }

  void OnRead(beast::error_code ec, size_t) {
    if (closed_) return;
    if (ec) return OnReadError(ec);
    http::request<http::string_body> request = parser_->release();
    impl_->request_count.fetch_add(1);
    AtlasRequestRecord record;
    record.method = AsStd(request.method_string());
    record.target = AsStd(request.target());
    record.user_agent = AsStd(request[http::field::user_agent]);
    record.had_authorization = request.count(http::field::authorization) > 0;
    record.body_bytes = request.body().size();
    keep_alive_ = request.keep_alive();

    Clock::time_point until;
    switch (impl_->CurrentFault(&until)) {
      case EmulatorCore::Fault::kHang:
        impl_->Record(std::move(record));
        hanging_ = true;
        stream_.expires_never();
        hang_timer_.expires_at(until);
        hang_timer_.async_wait([self = shared_from_this()](beast::error_code) { self->DoClose(); });
        return;
      case EmulatorCore::Fault::kFail: {
        ServiceResponse response;
        response.status = 500;
        response.content_type = "text/plain;charset=UTF-8";
        response.body = UncaughtErrorBody();
        response.headers.emplace_back("requestId", NewUuid());
        record.status = response.status;
        impl_->Record(std::move(record));
        return Write(std::move(response));
      }
      case EmulatorCore::Fault::kNone:
        break;
    }
    ServiceRequest service_request;
    service_request.method = record.method;
    service_request.target = record.target;
    for (const auto& field : request) {
      service_request.headers.emplace_back(AsStd(field.name_string()), AsStd(field.value()));
    }
    service_request.body = std::move(request.body());
    ServiceResponse response = impl_->service.Handle(service_request);
    record.status = response.status;
    impl_->Record(std::move(record));
    Write(std::move(response));
  }

  void SendPlain(int status, std::string_view message) {
    keep_alive_ = false;
    ServiceResponse response;
    response.status = status;
    response.content_type = "text/plain;charset=UTF-8";
    response.body = std::string(message);
    response.headers.emplace_back("requestId", NewUuid());
    Write(std::move(response));
  }

  void Write(ServiceResponse response) {
    auto message = std::make_shared<http::response<http::string_body>>();
    message->result(static_cast<unsigned>(response.status));
    message->version(11);
    message->set(http::field::server, "Jetty(9.4.56.v20240826)");
    if (!response.content_type.empty()) {
      message->set(http::field::content_type, response.content_type);
    }
    for (const auto& [name, value] : response.headers) message->insert(name, value);
    message->keep_alive(keep_alive_);
    message->body() = std::move(response.body);
    message->prepare_payload();
    stream_.expires_after(impl_->options.idle_timeout);
    http::async_write(stream_, *message,
                      [self = shared_from_this(), message](beast::error_code ec, size_t) {
                        self->OnWrite(ec, message->keep_alive());
                      });
  }

  void OnWrite(beast::error_code ec, bool keep_alive) {
    if (ec || !keep_alive) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return DoClose();
    }
    Read();
  }

  void DoClose() {
    if (closed_) return;
    closed_ = true;
    hang_timer_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  EmulatorCore* const impl_;
  net::steady_timer hang_timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
  bool closed_ = false;
  std::atomic<bool> hanging_{false};
};

void EmulatorCore::Accept() {
  if (!acceptor || !acceptor->is_open()) return;
  acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void EmulatorCore::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor || !acceptor->is_open()) return;
  if (!ec) {
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = std::make_shared<AtlasSession>(std::move(socket), this);
    bool run = false;
    {
      absl::MutexLock lock(&mu);
      if (!stopped) {
        sessions.erase(std::remove_if(sessions.begin(), sessions.end(),
                                      [](const auto& weak) { return weak.expired(); }),
                       sessions.end());
        sessions.push_back(session);
        run = true;
      }
    }
    if (run) session->Run();
  }
  Accept();
}

void EmulatorCore::CloseAcceptor() {
  if (!acceptor) return;
  beast::error_code ignored;
  acceptor->close(ignored);
}

void EmulatorCore::Reopen() {
  if (stopping.load() || (acceptor && acceptor->is_open())) return;
  auto fresh = std::make_unique<tcp::acceptor>(control);
  beast::error_code ec;
  fresh->open(endpoint.protocol(), ec);
  if (!ec) fresh->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) fresh->bind(endpoint, ec);
  if (!ec) fresh->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    // The port may be briefly unavailable; keep trying, it must stay the same.
    reopen_timer.expires_after(std::chrono::milliseconds(50));
    reopen_timer.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec) Reopen();
    });
    return;
  }
  acceptor = std::move(fresh);
  Accept();
}

void EmulatorCore::CloseSessions(bool only_hanging) {
  std::vector<std::shared_ptr<AtlasSession>> to_close;
  {
    absl::MutexLock lock(&mu);
    for (const auto& weak : sessions) {
      if (auto session = weak.lock(); session && (!only_hanging || session->hanging())) {
        to_close.push_back(std::move(session));
      }
    }
  }
  std::vector<std::future<void>> closed;
  for (const auto& session : to_close) {
    auto promise = std::make_shared<std::promise<void>>();
    closed.push_back(promise->get_future());
    session->Close([promise] { promise->set_value(); });
  }
  // Stop() may already have stopped the I/O threads; then nothing is open.
  for (std::future<void>& future : closed) {
    while (!ioc.stopped() &&
           future.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready) {
    }
  }
}

}  // namespace internal

struct AtlasEmulator::Impl : internal::EmulatorCore {
  using EmulatorCore::EmulatorCore;
};

AtlasEmulator::AtlasEmulator(AtlasEmulatorOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

AtlasEmulator::~AtlasEmulator() { Stop(); }

absl::Status AtlasEmulator::Start() {
  absl::MutexLock lock(&impl_->mu);
  if (impl_->started) return absl::FailedPreconditionError("AtlasEmulator already started");
  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(impl_->options.address, ec);
  if (ec) return absl::InvalidArgumentError("bad address " + impl_->options.address);
  auto acceptor = std::make_unique<tcp::acceptor>(impl_->control);
  const tcp::endpoint requested(address, impl_->options.port);
  acceptor->open(requested.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(requested, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError("cannot listen on " + impl_->options.address + ":" +
                                  std::to_string(impl_->options.port) + ": " + ec.message());
  }
  impl_->port = acceptor->local_endpoint().port();
  impl_->endpoint = tcp::endpoint(address, impl_->port.load());
  impl_->acceptor = std::move(acceptor);
  impl_->work.emplace(impl_->ioc.get_executor());
  for (int i = 0; i < std::max(1, impl_->options.io_threads); ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] { impl->ioc.run(); });
  }
  net::post(impl_->control, [impl = impl_.get()] { impl->Accept(); });
  impl_->started = true;
  return absl::OkStatus();
}

uint16_t AtlasEmulator::port() const { return impl_->port.load(); }

std::string AtlasEmulator::base_url() const {
  return "http://" + impl_->options.address + ":" + std::to_string(port());
}

void AtlasEmulator::Stop() {
  {
    absl::MutexLock lock(&impl_->mu);
    if (!impl_->started || impl_->stopped) return;
    impl_->stopped = true;
  }
  impl_->stopping = true;
  net::post(impl_->control, [impl = impl_.get()] {
    impl->reopen_timer.cancel();
    impl->CloseAcceptor();
  });
  impl_->CloseSessions(/*only_hanging=*/false);
  impl_->work.reset();
  // The threads return once every connection has wound down; a peer that
  // keeps one busy is cut off after the grace period.
  const auto deadline = Clock::now() + kStopGrace;
  while (!impl_->ioc.stopped() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  impl_->ioc.stop();
  for (std::thread& thread : impl_->threads) thread.join();
  impl_->threads.clear();
}

void AtlasEmulator::FailWith500For(std::chrono::milliseconds duration) {
  absl::MutexLock lock(&impl_->mu);
  impl_->fail_until = Clock::now() + duration;
}

void AtlasEmulator::HangFor(std::chrono::milliseconds duration) {
  absl::MutexLock lock(&impl_->mu);
  impl_->hang_until = Clock::now() + duration;
}

void AtlasEmulator::RefuseConnectionsFor(std::chrono::milliseconds duration) {
  const Clock::time_point until = Clock::now() + duration;
  // Closing the listener first means no new connection sneaks in after the
  // open ones are closed.
  auto closed = std::make_shared<std::promise<void>>();
  std::future<void> done = closed->get_future();
  net::post(impl_->control, [impl = impl_.get(), until, closed] {
    impl->CloseAcceptor();
    impl->reopen_timer.expires_at(until);
    impl->reopen_timer.async_wait([impl](beast::error_code ec) {
      if (!ec) impl->Reopen();
    });
    closed->set_value();
  });
  bool running;
  {
    absl::MutexLock lock(&impl_->mu);
    running = impl_->started && !impl_->stopped;
  }
  if (running) done.wait();
  impl_->CloseSessions(/*only_hanging=*/false);
}

void AtlasEmulator::Reset() {
  {
    absl::MutexLock lock(&impl_->mu);
    impl_->fail_until = Clock::time_point();
    impl_->hang_until = Clock::time_point();
    impl_->log.clear();
  }
  impl_->request_count = 0;
  net::post(impl_->control, [impl = impl_.get()] {
    impl->reopen_timer.cancel();
    impl->Reopen();
  });
  impl_->CloseSessions(/*only_hanging=*/true);
  impl_->service.Reset();
}

size_t AtlasEmulator::EntityCount(std::string_view type_name) const {
  return impl_->service.EntityCount(type_name);
}

std::optional<nlohmann::json> AtlasEmulator::FindByQualifiedName(
    std::string_view type_name, std::string_view qualified_name) const {
  std::optional<internal::Json> entity =
      impl_->service.FindByQualifiedName(type_name, qualified_name);
  if (!entity) return std::nullopt;
  return nlohmann::json::parse(internal::Dump(*entity));
}

std::optional<nlohmann::json> AtlasEmulator::FindByGuid(std::string_view guid) const {
  std::optional<internal::Json> entity = impl_->service.FindByGuid(guid);
  if (!entity) return std::nullopt;
  return nlohmann::json::parse(internal::Dump(*entity));
}

int64_t AtlasEmulator::RequestCount() const { return impl_->request_count.load(); }

std::vector<AtlasRequestRecord> AtlasEmulator::RequestLog() const {
  absl::MutexLock lock(&impl_->mu);
  return impl_->log;
}

}  // namespace lineaged::testing
