// lineaged_http_load: a keep-alive HTTP load generator for `POST /api/v1/lineage`.
//
// It replays the OpenLineage events of a corpus directory (one event per *.json file) round-robin
// over N keep-alive connections, one request in flight per connection, and gives every request a
// fresh run.runId so that the server sees a new run each time. All connections share one
// io_context, run on --threads threads (1 by default, to leave the CPU to the server).
//
// Example:
//   lineaged_http_load --port=5000 --connections=32 --duration_seconds=10
//       --corpus_dir=tests/data/corpus/compat/airflow/events
//
// The last line of output is machine-parseable:
//   RESULT events_per_sec=<n> p50_us=<n> p99_us=<n> ok=<n> errors=<n> [server_rss_max_kib=<n>]
// Only requests sent after the warmup count; "ok" is the number answered 201, "errors" the number
// answered anything else plus transport errors (connect, write, read, timeout) in that window.
// events_per_sec is ok divided by the time from the end of the warmup to the last response.
//
// Overload mode: --rate=N paces requests to N per second over all connections (open loop as long
// as enough connections are idle; use many, since a connection has one request in flight), and
// --server_pid=P samples the server's resident memory (VmRSS, /proc/P/status) every second and
// reports it, e.g. to measure memory at 4x the sustainable rate, when most requests are answered
// 429:
//   lineaged_http_load --port=5000 --connections=256 --rate=40000 --duration_seconds=60
//       --server_pid=$(pidof lineaged)
//
// Connections reconnect after a close or an error; one that cannot connect for --timeout_seconds
// gives up. SIGINT/SIGTERM stop sending and print the results; a second signal stops at once.
// With --gzip, each body is compressed once at load time and the run id is spliced in as a stored
// deflate block, so gzip costs the client almost nothing per request.
//
// Exit status: 0 if it ran, 1 if it could not connect at all, 2 on bad flags or corpus.

#include <zlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/signal_set.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "nlohmann/json.hpp"
#include <sys/resource.h>

ABSL_FLAG(std::string, host, "127.0.0.1", "Server host name or address.");
ABSL_FLAG(int32_t, port, 5000, "Server HTTP port.");
ABSL_FLAG(std::string, path, "/api/v1/lineage", "Request target of every POST.");
ABSL_FLAG(int32_t, connections, 32, "Keep-alive connections, one request in flight on each.");
ABSL_FLAG(int32_t, threads, 1, "Threads running the client io_context.");
ABSL_FLAG(double, duration_seconds, 10, "Measured run time after the warmup (when --events=0).");
ABSL_FLAG(int64_t, events, 0,
          "If > 0, send exactly this many measured requests (after the warmup) instead of running "
          "for --duration_seconds.");
ABSL_FLAG(double, warmup_seconds, 1, "Requests sent during this first period are not measured.");
ABSL_FLAG(std::string, corpus_dir, "tests/data/corpus/compat/airflow/events",
          "Directory of OpenLineage event files (*.json, one event per file), e.g. "
          "/work/shared/corpus/compat/airflow/events.");
ABSL_FLAG(int32_t, run_id_version, 4,
          "UUID version of the fresh run ids: 4 (random) or 7 (time-ordered, as current "
          "OpenLineage clients send).");
ABSL_FLAG(std::string, ack_log, "",
          "If set, append '<runId> <eventType>' for every event answered 201 to this file, one "
          "line per event (warmup included; eventType '-' if the event has none). A line is "
          "written only after the 201, so the file lists acknowledged events only; "
          "scripts/crash-trials.sh checks them against the store after kill -9.");
ABSL_FLAG(bool, gzip, false,
          "Gzip request bodies and send Content-Encoding: gzip. Bodies are compressed once, at "
          "load time; only the run id and the gzip trailer are computed per request.");
ABSL_FLAG(int32_t, gzip_level, 6, "zlib level for --gzip (1 = fastest, 9 = smallest).");
ABSL_FLAG(double, timeout_seconds, 30, "Per-request (and per-connect) timeout.");
ABSL_FLAG(double, rate, 0,
          "If > 0, send at most this many requests per second in total, evenly spaced; 0 sends "
          "the next request on a connection as soon as the last one is answered.");
ABSL_FLAG(int32_t, server_pid, 0,
          "If > 0, sample VmRSS of this process every second and report it (Linux /proc).");

namespace lineaged::bench {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr size_t kUuidLength = 36;
constexpr std::string_view kPlaceholder = "@@lineaged_http_load_run_id_placeholder@@";
constexpr auto kReconnectBackoff = std::chrono::milliseconds(100);
constexpr size_t kResponseBodyLimit = 1 << 20;
// With --rate, a schedule further behind than this (every connection was busy) is reset rather
// than caught up in a burst.
constexpr int64_t kMaxScheduleLagNs = 100'000'000;

struct Options {
  std::string host;
  int port = 0;
  std::string path;
  int connections = 0;
  int threads = 0;
  double duration_seconds = 0;
  int64_t events = 0;
  double warmup_seconds = 0;
  bool gzip = false;
  int gzip_level = 0;
  double timeout_seconds = 0;
  double rate = 0;
  int server_pid = 0;
  int run_id_version = 4;
};

// One corpus event, split around the value of its run.runId so that a fresh id can be spliced in
// per request without re-serializing or re-compressing. A request is the concatenation
//   start + run id (kUuidLength bytes, only if has_run_id) + end + gzip trailer (only with --gzip).
// Events without a string run.runId are sent as read from the file and have an empty `end`.
struct EventTemplate {
  std::string name;
  bool has_run_id = false;
  std::string event_type = "-";  // The eventType string, for --ack_log.
  std::string start;  // Request head, then the body up to the opening quote of the runId value.
  std::string end;    // The body from the closing quote of the runId value.

  // With --gzip only: CRC-32 and length of the uncompressed pieces, for the per-request trailer.
  uint32_t start_crc = 0;
  uint32_t end_crc = 0;
  size_t end_size = 0;
  size_t body_size = 0;
};

std::string RequestHead(const Options& options, size_t content_length, bool gzip) {
  std::string head;
  head.reserve(256);
  head.append("POST ").append(options.path).append(" HTTP/1.1\r\n");
  head.append("Host: ").append(options.host).append(":").append(std::to_string(options.port));
  head.append("\r\nUser-Agent: lineaged_http_load\r\nContent-Type: application/json\r\n");
  if (gzip) head.append("Content-Encoding: gzip\r\n");
  head.append("Content-Length: ").append(std::to_string(content_length)).append("\r\n\r\n");
  return head;
}

// Raw-deflates `in` onto the end of *out with a fresh stream, so the output never refers to bytes
// before it: deflate outputs made like this (all but the last ending in Z_SYNC_FLUSH, which leaves
// them byte-aligned) can be concatenated into one valid deflate stream.
bool AppendRawDeflate(std::string_view in, int level, int flush, std::string* out) {
  z_stream stream{};
  if (deflateInit2(&stream, level, Z_DEFLATED, /*windowBits=*/-15, /*memLevel=*/8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return false;
  }
  const size_t old_size = out->size();
  out->resize(old_size + deflateBound(&stream, in.size()) + 16);
  stream.next_in = reinterpret_cast<const Bytef*>(in.data());
  stream.avail_in = in.size();
  stream.next_out = reinterpret_cast<Bytef*>(out->data() + old_size);
  stream.avail_out = out->size() - old_size;
  const int rc = deflate(&stream, flush);
  const bool ok = flush == Z_FINISH ? rc == Z_STREAM_END : (rc == Z_OK && stream.avail_out > 0);
  out->resize(out->size() - stream.avail_out);
  deflateEnd(&stream);
  return ok;
}

uint32_t Crc32(std::string_view data) {
  return crc32(0, reinterpret_cast<const Bytef*>(data.data()), data.size());
}

// Builds the request pieces of an event whose body is split into `prefix`, [run id,] `suffix`.
// Returns false on a zlib error.
bool BuildRequest(const Options& options, std::string_view prefix, std::string_view suffix,
                  EventTemplate* event) {
  const size_t id_size = event->has_run_id ? kUuidLength : 0;
  event->body_size = prefix.size() + id_size + suffix.size();
  if (!options.gzip) {
    event->start = RequestHead(options, event->body_size, /*gzip=*/false);
    event->start.append(prefix);
    event->end = suffix;
    return true;
  }
  // gzip member: header, deflate(prefix), a stored block holding the run id, deflate(suffix), and
  // the CRC-32/size trailer, which is the only part computed per request.
  constexpr char kGzipHeader[] = {'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, 0, 3};
  std::string body(kGzipHeader, sizeof(kGzipHeader));
  if (!event->has_run_id) {
    if (!AppendRawDeflate(prefix, options.gzip_level, Z_FINISH, &body)) return false;
  } else {
    if (!AppendRawDeflate(prefix, options.gzip_level, Z_SYNC_FLUSH, &body)) return false;
    // Stored block header: BFINAL=0, BTYPE=00 (then byte-aligned), LEN, NLEN.
    body.push_back('\0');
    body.push_back(static_cast<char>(id_size & 0xFF));
    body.push_back(static_cast<char>(id_size >> 8));
    body.push_back(static_cast<char>(~id_size & 0xFF));
    body.push_back(static_cast<char>((~id_size >> 8) & 0xFF));
    if (!AppendRawDeflate(suffix, options.gzip_level, Z_FINISH, &event->end)) return false;
  }
  event->start_crc = Crc32(prefix);
  event->end_crc = Crc32(suffix);
  event->end_size = suffix.size();
  event->start = RequestHead(options, body.size() + id_size + event->end.size() + 8, /*gzip=*/true);
  event->start.append(body);
  return true;
}

// Parses `text` once and turns it into a template. Unparseable files are sent verbatim, with a
// warning, so that a corpus of invalid events can be replayed too. Returns nullopt on a zlib error.
std::optional<EventTemplate> MakeTemplate(const Options& options, std::string name,
                                          const std::string& text) {
  EventTemplate event;
  event.name = std::move(name);
  std::string body;
  size_t at = std::string::npos;
  const std::string quoted = "\"" + std::string(kPlaceholder) + "\"";
  nlohmann::ordered_json doc = nlohmann::ordered_json::parse(text, nullptr,
                                                             /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    std::fprintf(stderr, "warning: %s is not valid JSON; sending it unchanged\n",
                 event.name.c_str());
  } else if (auto run = doc.find("run"); run != doc.end() && run->is_object()) {
    if (auto type = doc.find("eventType"); type != doc.end() && type->is_string()) {
      event.event_type = type->get<std::string>();
    }
    if (auto id = run->find("runId"); id != run->end() && id->is_string()) {
      *id = kPlaceholder;
      body = doc.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
      at = body.find(quoted);
      if (at != std::string::npos && body.find(quoted, at + 1) != std::string::npos) {
        at = std::string::npos;
      }
    }
  }
  event.has_run_id = at != std::string::npos;
  const bool ok = event.has_run_id
                      ? BuildRequest(options, std::string_view(body).substr(0, at + 1),
                                     std::string_view(body).substr(at + quoted.size() - 1), &event)
                      : BuildRequest(options, text, "", &event);
  if (!ok) return std::nullopt;
  return event;
}

// Loads every *.json file of `dir`, sorted by name. Returns an empty vector on error.
std::vector<EventTemplate> LoadCorpus(const std::string& dir, const Options& options) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".json" && it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) {
    std::fprintf(stderr, "error: cannot list %s: %s\n", dir.c_str(), ec.message().c_str());
    return {};
  }
  std::sort(files.begin(), files.end());
  std::vector<EventTemplate> events;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
      std::fprintf(stderr, "error: cannot read %s\n", file.c_str());
      return {};
    }
    std::optional<EventTemplate> event =
        MakeTemplate(options, file.filename().string(), text.str());
    if (!event) {
      std::fprintf(stderr, "error: cannot gzip %s\n", file.c_str());
      return {};
    }
    events.push_back(*std::move(event));
  }
  return events;
}

// Random (version 4) or time-ordered (version 7: 48 bits of Unix milliseconds first, as the
// OpenLineage clients generate run ids since 1.x) UUIDs, lower-case. Not thread-safe: one per
// connection.
class UuidGenerator {
 public:
  explicit UuidGenerator(int version) : version_(version) {
    std::random_device device;
    rng_.seed((static_cast<uint64_t>(device()) << 32) ^ device());
  }

  // Writes kUuidLength characters to `out`.
  void Generate(char* out) {
    static constexpr char kHex[] = "0123456789abcdef";
    uint64_t hi = (rng_() & ~uint64_t{0xF000}) | uint64_t{0x4000};
    if (version_ == 7) {
      const uint64_t millis =
          static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count());
      hi = (millis << 16) | uint64_t{0x7000} | (rng_() & uint64_t{0x0FFF});
    }
    const uint64_t lo = (rng_() & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);
    int pos = 0;
    for (int nibble = 15; nibble >= 0; --nibble) {
      if (pos == 8 || pos == 13) out[pos++] = '-';
      out[pos++] = kHex[(hi >> (nibble * 4)) & 0xF];
    }
    for (int nibble = 15; nibble >= 0; --nibble) {
      if (pos == 18 || pos == 23) out[pos++] = '-';
      out[pos++] = kHex[(lo >> (nibble * 4)) & 0xF];
    }
  }

 private:
  int version_;
  std::mt19937_64 rng_;
};

// Results of one connection; merged after the io_context has stopped. "Measured" counters only
// cover requests sent after the warmup.
struct ConnectionStats {
  uint64_t requests = 0;  // Measured requests that got a response.
  uint64_t ok = 0;        // Measured responses with status 201.
  uint64_t transport_errors = 0;
  uint64_t all_requests = 0;  // Responses, warmup included.
  uint64_t all_ok = 0;
  uint64_t connects = 0;
  uint64_t connect_errors = 0;  // All of them, warmup included.
  bool gave_up = false;         // Stopped early: connecting failed for longer than the timeout.
  std::map<unsigned, uint64_t> status_counts;
  std::vector<uint32_t> latencies_us;
  Clock::time_point last_completion{};
};

// State shared by all connections. Immutable while the io_context runs, except the atomics.
struct SharedState {
  Options options;
  std::vector<EventTemplate> events;
  tcp::resolver::results_type endpoints;
  Clock::time_point start;
  Clock::time_point measure_start;
  int64_t send_interval_ns = 0;  // --rate: nanoseconds between two sends
  std::FILE* ack_log = nullptr;  // Line-buffered; stdio serializes concurrent calls.
  std::function<void()> on_all_done;

  std::atomic<uint64_t> next_event{0};
  std::atomic<int64_t> remaining_events{0};  // Only used when options.events > 0.
  std::atomic<bool> stopping{false};
  std::atomic<int> live_connections{0};
  std::atomic<int64_t> next_send_ns{0};  // --rate: the next send slot, from `start`
};

// One keep-alive client connection that sends requests back to back until SharedState::stopping.
// Holds itself through shared_from_this while an operation is pending.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(net::io_context& ioc, SharedState& shared, ConnectionStats& stats)
      : shared_(shared),
        stats_(stats),
        stream_(net::make_strand(ioc)),
        retry_timer_(stream_.get_executor()),
        timeout_(std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(shared.options.timeout_seconds))),
        uuids_(shared.options.run_id_version) {}

  void Start() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->Connect(); });
  }

 private:
  void Connect() {
    if (shared_.stopping.load(std::memory_order_relaxed)) return Finish();
    stream_.expires_after(timeout_);
    stream_.async_connect(
        shared_.endpoints,
        [self = shared_from_this()](beast::error_code ec, const auto&) { self->OnConnect(ec); });
  }

  void OnConnect(beast::error_code ec) {
    if (ec) {
      const Clock::time_point now = Clock::now();
      ++stats_.connect_errors;
      if (now >= shared_.measure_start) ++stats_.transport_errors;
      stream_.close();
      if (!failing_since_) failing_since_ = now;
      if (now - *failing_since_ > timeout_) {
        // The server has been unreachable for a whole timeout: give up on this connection.
        stats_.gave_up = true;
        return Finish();
      }
      retry_timer_.expires_after(kReconnectBackoff);
      retry_timer_.async_wait([self = shared_from_this()](beast::error_code) { self->Connect(); });
      return;
    }
    ++stats_.connects;
    failing_since_.reset();
    stream_.socket().set_option(tcp::no_delay(true), ec);
    buffer_.clear();
    SendNext();
  }

  void SendNext() {
    if (shared_.stopping.load(std::memory_order_relaxed)) return Finish();
    if (shared_.send_interval_ns > 0) {
      const int64_t now =
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - shared_.start)
              .count();
      int64_t slot = shared_.next_send_ns.fetch_add(shared_.send_interval_ns);
      if (slot < now - kMaxScheduleLagNs) {
        shared_.next_send_ns.store(now + shared_.send_interval_ns);
        slot = now;
      }
      if (slot > now) {
        retry_timer_.expires_at(shared_.start + std::chrono::nanoseconds(slot));
        retry_timer_.async_wait([self = shared_from_this()](beast::error_code) { self->Send(); });
        return;
      }
    }
    Send();
  }

  void Send() {
    if (shared_.stopping.load(std::memory_order_relaxed)) return Finish();
    sent_at_ = Clock::now();
    measured_ = sent_at_ >= shared_.measure_start;
    if (measured_ && shared_.options.events > 0 &&
        shared_.remaining_events.fetch_sub(1, std::memory_order_relaxed) <= 0) {
      shared_.stopping.store(true, std::memory_order_relaxed);
      return Finish();
    }
    const EventTemplate& event =
        shared_.events[shared_.next_event.fetch_add(1, std::memory_order_relaxed) %
                       shared_.events.size()];
    has_run_id_ = event.has_run_id;
    event_type_ = &event.event_type;
    if (event.has_run_id) uuids_.Generate(run_id_.data());
    const size_t id_size = event.has_run_id ? kUuidLength : 0;
    size_t trailer_size = 0;
    if (shared_.options.gzip) {
      uint32_t crc = event.start_crc;
      if (event.has_run_id) {
        crc = crc32_combine(crc, Crc32(std::string_view(run_id_.data(), id_size)), id_size);
        crc = crc32_combine(crc, event.end_crc, event.end_size);
      }
      for (int i = 0; i < 4; ++i) {
        gzip_trailer_[i] = static_cast<char>((crc >> (8 * i)) & 0xFF);
        gzip_trailer_[4 + i] = static_cast<char>((event.body_size >> (8 * i)) & 0xFF);
      }
      trailer_size = gzip_trailer_.size();
    }
    const std::array<net::const_buffer, 4> buffers = {
        net::buffer(event.start), net::buffer(run_id_.data(), id_size), net::buffer(event.end),
        net::buffer(gzip_trailer_.data(), trailer_size)};
    stream_.expires_after(timeout_);
    net::async_write(stream_, buffers, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->OnTransportError();
      self->Read();
    });
  }

  void Read() {
    parser_.emplace();
    parser_->body_limit(kResponseBodyLimit);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->OnTransportError();
                       self->OnResponse();
                     });
  }

  void OnResponse() {
    const Clock::time_point now = Clock::now();
    const http::response<http::string_body>& response = parser_->get();
    const unsigned status = response.result_int();
    ++stats_.all_requests;
    if (status == 201) {
      ++stats_.all_ok;
      if (shared_.ack_log != nullptr && has_run_id_) {
        std::string line(run_id_.data(), run_id_.size());
        line.append(" ").append(*event_type_).append("\n");
        std::fwrite(line.data(), 1, line.size(), shared_.ack_log);
      }
    }
    if (measured_) {
      ++stats_.requests;
      if (status == 201) ++stats_.ok;
      ++stats_.status_counts[status];
      const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(now - sent_at_);
      stats_.latencies_us.push_back(static_cast<uint32_t>(
          std::min<int64_t>(latency.count(), std::numeric_limits<uint32_t>::max())));
      stats_.last_completion = std::max(stats_.last_completion, now);
    }
    if (!response.keep_alive()) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_.close();
      return Connect();
    }
    SendNext();
  }

  // The request may or may not have reached the server; it is not acknowledged. Reconnect.
  void OnTransportError() {
    if (measured_) {
      ++stats_.transport_errors;
      stats_.last_completion = std::max(stats_.last_completion, Clock::now());
    }
    stream_.close();
    Connect();
  }

  void Finish() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    if (shared_.live_connections.fetch_sub(1) == 1) shared_.on_all_done();
  }

  SharedState& shared_;
  ConnectionStats& stats_;
  beast::tcp_stream stream_;
  net::steady_timer retry_timer_;
  const Clock::duration timeout_;
  std::optional<Clock::time_point> failing_since_;  // Set while connecting keeps failing.
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  UuidGenerator uuids_;

  // The request in flight.
  Clock::time_point sent_at_{};
  bool measured_ = false;
  bool has_run_id_ = false;
  const std::string* event_type_ = nullptr;  // Of the event in flight; owned by SharedState.
  std::array<char, kUuidLength> run_id_{};
  std::array<char, 8> gzip_trailer_{};
};

double Seconds(const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; }

// A "<field>: <n> kB" line of /proc/<pid>/status, in KiB; -1 if unreadable.
int64_t ProcStatusKib(int pid, std::string_view field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 &&
        line[field.size()] == ':') {
      return std::strtoll(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  return -1;
}

uint32_t Percentile(const std::vector<uint32_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const size_t rank = static_cast<size_t>(std::ceil(q * sorted.size()));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

std::optional<Options> OptionsFromFlags() {
  Options o;
  o.host = absl::GetFlag(FLAGS_host);
  o.port = absl::GetFlag(FLAGS_port);
  o.path = absl::GetFlag(FLAGS_path);
  o.connections = absl::GetFlag(FLAGS_connections);
  o.threads = absl::GetFlag(FLAGS_threads);
  o.duration_seconds = absl::GetFlag(FLAGS_duration_seconds);
  o.events = absl::GetFlag(FLAGS_events);
  o.warmup_seconds = absl::GetFlag(FLAGS_warmup_seconds);
  o.gzip = absl::GetFlag(FLAGS_gzip);
  o.gzip_level = absl::GetFlag(FLAGS_gzip_level);
  o.timeout_seconds = absl::GetFlag(FLAGS_timeout_seconds);
  o.rate = absl::GetFlag(FLAGS_rate);
  o.server_pid = absl::GetFlag(FLAGS_server_pid);
  o.run_id_version = absl::GetFlag(FLAGS_run_id_version);
  const char* problem = nullptr;
  if (o.run_id_version != 4 && o.run_id_version != 7) problem = "--run_id_version must be 4 or 7";
  if (!(o.rate >= 0)) problem = "--rate must not be negative";
  if (o.port <= 0 || o.port > 65535) problem = "--port must be in 1..65535";
  if (o.connections <= 0) problem = "--connections must be positive";
  if (o.threads <= 0) problem = "--threads must be positive";
  if (o.events < 0) problem = "--events must not be negative";
  if (o.events == 0 && !(o.duration_seconds > 0)) problem = "--duration_seconds must be positive";
  if (!(o.warmup_seconds >= 0)) problem = "--warmup_seconds must not be negative";
  if (!(o.timeout_seconds > 0)) problem = "--timeout_seconds must be positive";
  if (o.gzip_level < 0 || o.gzip_level > 9) problem = "--gzip_level must be in 0..9";
  if (o.path.empty() || o.path[0] != '/') problem = "--path must start with '/'";
  if (problem != nullptr) {
    std::fprintf(stderr, "error: %s\n", problem);
    return std::nullopt;
  }
  return o;
}

int Run() {
  std::optional<Options> options = OptionsFromFlags();
  if (!options) return 2;

  auto shared = std::make_unique<SharedState>();
  shared->options = *options;
  shared->events = LoadCorpus(absl::GetFlag(FLAGS_corpus_dir), *options);
  if (shared->events.empty()) {
    std::fprintf(stderr, "error: no *.json events in --corpus_dir=%s\n",
                 absl::GetFlag(FLAGS_corpus_dir).c_str());
    return 2;
  }
  const auto with_run_id = std::count_if(shared->events.begin(), shared->events.end(),
                                         [](const EventTemplate& e) { return e.has_run_id; });

  net::io_context ioc(options->threads);
  {
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    shared->endpoints = resolver.resolve(options->host, std::to_string(options->port), ec);
    if (ec) {
      std::fprintf(stderr, "error: cannot resolve %s: %s\n", options->host.c_str(),
                   ec.message().c_str());
      return 1;
    }
    tcp::socket probe(ioc);
    net::connect(probe, shared->endpoints, ec);
    if (ec) {
      std::fprintf(stderr, "error: cannot connect to %s:%d: %s\n", options->host.c_str(),
                   options->port, ec.message().c_str());
      return 1;
    }
    probe.close(ec);
  }

  std::FILE* ack_log = nullptr;
  if (const std::string path = absl::GetFlag(FLAGS_ack_log); !path.empty()) {
    ack_log = std::fopen(path.c_str(), "a");
    if (ack_log == nullptr) {
      std::fprintf(stderr, "error: cannot open --ack_log=%s\n", path.c_str());
      return 2;
    }
    // Line buffering: an acknowledged id reaches the file even if this process is killed.
    std::setvbuf(ack_log, nullptr, _IOLBF, 1 << 16);
    shared->ack_log = ack_log;
  }

  std::printf(
      "lineaged_http_load: POST http://%s:%d%s, %d connections, %d thread(s), %zu events "
      "(%zd with run.runId), gzip=%s\n",
      options->host.c_str(), options->port, options->path.c_str(), options->connections,
      options->threads, shared->events.size(), with_run_id, options->gzip ? "on" : "off");
  std::fflush(stdout);

  auto control = net::make_strand(ioc);
  net::signal_set signals(control, SIGINT, SIGTERM);
  net::steady_timer deadline(control);
  net::steady_timer rss_timer(control);  // --server_pid sampling
  std::function<void(beast::error_code, int)> on_signal = [&](beast::error_code ec, int) {
    if (ec) return;
    if (shared->stopping.exchange(true)) {
      ioc.stop();  // Second signal: do not wait for the requests in flight.
      return;
    }
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);
  shared->on_all_done = [&] {
    net::post(control, [&] {
      signals.cancel();
      deadline.cancel();
      rss_timer.cancel();
    });
  };

  const Clock::time_point start = Clock::now();
  const auto warmup = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(options->warmup_seconds));
  shared->start = start;
  shared->measure_start = start + warmup;
  if (options->rate > 0) {
    shared->send_interval_ns = std::max<int64_t>(1, static_cast<int64_t>(1e9 / options->rate));
  }

  // --server_pid: one VmRSS sample at the start, then every second until the run stops.
  std::vector<int64_t> rss_kib;
  std::function<void(beast::error_code)> sample_rss = [&](beast::error_code ec) {
    if (ec) return;
    rss_kib.push_back(ProcStatusKib(options->server_pid, "VmRSS"));
    if (shared->stopping) return;
    rss_timer.expires_after(std::chrono::seconds(1));
    rss_timer.async_wait(sample_rss);
  };
  if (options->server_pid > 0) sample_rss({});
  shared->remaining_events = options->events;
  if (options->events == 0) {
    deadline.expires_at(shared->measure_start +
                        std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(options->duration_seconds)));
    deadline.async_wait([&](beast::error_code ec) {
      if (!ec) shared->stopping = true;
    });
  }

  std::vector<ConnectionStats> stats(options->connections);
  shared->live_connections = options->connections;
  for (ConnectionStats& s : stats) std::make_shared<Connection>(ioc, *shared, s)->Start();

  std::vector<std::thread> threads;
  for (int i = 1; i < options->threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (std::thread& t : threads) t.join();
  const Clock::time_point stop = Clock::now();
  if (ack_log != nullptr) std::fclose(ack_log);

  ConnectionStats total;
  int gave_up = 0;
  std::vector<uint32_t> latencies;
  for (const ConnectionStats& s : stats) {
    total.requests += s.requests;
    total.ok += s.ok;
    total.transport_errors += s.transport_errors;
    total.all_requests += s.all_requests;
    total.all_ok += s.all_ok;
    total.connects += s.connects;
    total.connect_errors += s.connect_errors;
    gave_up += s.gave_up ? 1 : 0;
    for (const auto& [status, count] : s.status_counts) total.status_counts[status] += count;
    latencies.insert(latencies.end(), s.latencies_us.begin(), s.latencies_us.end());
    total.last_completion = std::max(total.last_completion, s.last_completion);
  }
  std::sort(latencies.begin(), latencies.end());

  const double window =
      total.last_completion > shared->measure_start
          ? std::chrono::duration<double>(total.last_completion - shared->measure_start).count()
          : 0;
  const double events_per_sec = window > 0 ? total.ok / window : 0;
  const uint64_t errors = total.requests - total.ok + total.transport_errors;
  const uint32_t p50 = Percentile(latencies, 0.50);
  const uint32_t p90 = Percentile(latencies, 0.90);
  const uint32_t p99 = Percentile(latencies, 0.99);
  const uint32_t max = latencies.empty() ? 0 : latencies.back();

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double user = Seconds(usage.ru_utime);
  const double sys = Seconds(usage.ru_stime);
  const double cpu_per_request =
      total.all_requests > 0 ? (user + sys) * 1e6 / total.all_requests : 0;

  std::printf("wall time: %.2f s (warmup %.2f s, measured window %.2f s)\n",
              std::chrono::duration<double>(stop - start).count(), options->warmup_seconds, window);
  std::printf("requests: %lu measured, %lu in total (warmup included); %lu answered 201 in total\n",
              total.requests, total.all_requests, total.all_ok);
  for (const auto& [status, count] : total.status_counts) {
    std::printf("  status %u: %lu\n", status, count);
  }
  std::printf("transport errors: %lu measured; connects: %lu, failed connects: %lu\n",
              total.transport_errors, total.connects, total.connect_errors);
  if (gave_up > 0) {
    std::printf(
        "WARNING: %d connection(s) gave up: the server was unreachable for more than "
        "--timeout_seconds\n",
        gave_up);
  }
  std::printf("events/s (201, measured): %.1f\n", events_per_sec);
  std::printf("requests/s answered (any status, measured): %.1f%s\n",
              window > 0 ? total.requests / window : 0.0,
              options->rate > 0 ? " (paced by --rate)" : "");
  int64_t rss_max_kib = -1;
  if (options->server_pid > 0) {
    rss_kib.push_back(ProcStatusKib(options->server_pid, "VmRSS"));
    for (int64_t kib : rss_kib) rss_max_kib = std::max(rss_max_kib, kib);
    std::printf(
        "server VmRSS MiB: first %.1f, max %.1f, last %.1f (%zu samples, 1 s apart); "
        "VmHWM %.1f\n",
        rss_kib.front() / 1024.0, rss_max_kib / 1024.0, rss_kib.back() / 1024.0, rss_kib.size(),
        ProcStatusKib(options->server_pid, "VmHWM") / 1024.0);
  }
  std::printf("latency us: p50=%u p90=%u p99=%u max=%u\n", p50, p90, p99, max);
  std::printf("client CPU: %.2f s (user %.2f s, sys %.2f s), %.1f us per request\n", user + sys,
              user, sys, cpu_per_request);
  std::printf("RESULT events_per_sec=%.0f p50_us=%u p99_us=%u ok=%lu errors=%lu", events_per_sec,
              p50, p99, total.ok, errors);
  if (rss_max_kib >= 0) std::printf(" server_rss_max_kib=%ld", rss_max_kib);
  std::printf("\n");
  return total.connects > 0 ? 0 : 1;
}

}  // namespace
}  // namespace lineaged::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "HTTP load generator: replays OpenLineage events to POST /api/v1/lineage with fresh runIds.");
  absl::ParseCommandLine(argc, argv);
  return lineaged::bench::Run();
}
