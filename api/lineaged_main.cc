// lineaged: the server executable. Wiring only: flags and environment,
// logging, the store, ingest, routes, the HTTP server, and orderly shutdown.

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

#include "api/http_server.h"
#include "api/lineage_routes.h"
#include "api/router.h"
#include "collector/http_ingest.h"
#include "collector/ingest_service.h"
#include "exporters/prometheus/metrics.h"
#include "graphstore/graph_store.h"

ABSL_FLAG(std::string, http_address, "0.0.0.0", "Address the HTTP server binds to.");
ABSL_FLAG(int, http_port, 5000, "HTTP port (Marquez's default); 0 picks a free port.");
ABSL_FLAG(std::string, data_dir, "./data", "Directory of the RocksDB store.");
ABSL_FLAG(std::string, validation, "lenient",
          "Event validation: lenient (Marquez-compatible) or strict (OpenLineage schema rules).");
ABSL_FLAG(int64_t, max_body_bytes, 16 << 20,
          "Largest accepted request body, after decompression (HTTP 413 beyond).");
ABSL_FLAG(std::string, log_level, "info", "One of trace, debug, info, warn, error.");
ABSL_FLAG(std::string, port_file, "",
          "If set, the bound HTTP port is written to this file once the server is listening.");
ABSL_FLAG(int, http_threads, 0, "HTTP I/O threads; 0 = number of cores.");
ABSL_FLAG(int, shutdown_grace_seconds, 15,
          "On SIGTERM/SIGINT, how long to let requests in flight finish.");
ABSL_FLAG(int, max_pending_events, 4096,
          "Events waiting for the store's committer before ingest answers 503.");

namespace lineaged {
namespace {

// Every flag may also come from LINEAGED_<FLAG_NAME> in the environment; the
// command line wins.
constexpr const char* kEnvFlags[] = {
    "http_address",           "http_port",          "data_dir",  "validation",
    "max_body_bytes",         "log_level",          "port_file", "http_threads",
    "shutdown_grace_seconds", "max_pending_events",
};

bool ApplyEnvironment() {
  for (const char* name : kEnvFlags) {
    std::string env_name = "LINEAGED_" + absl::AsciiStrToUpper(name);
    const char* value = std::getenv(env_name.c_str());
    if (value == nullptr) continue;
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    std::string error;
    if (flag == nullptr || !flag->ParseFrom(value, &error)) {
      std::cerr << "lineaged: bad " << env_name << "='" << value << "': " << error << "\n";
      return false;
    }
  }
  return true;
}

bool WritePortFile(const std::string& path, uint16_t port) {
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << port << "\n";
    if (!out) return false;
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  return !ec;
}

int Serve() {
  spdlog::level::level_enum level = spdlog::level::from_str(absl::GetFlag(FLAGS_log_level));
  spdlog::set_level(level);
  spdlog::set_default_logger(spdlog::stderr_color_mt("lineaged"));
  spdlog::set_level(level);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);

  std::string validation = absl::GetFlag(FLAGS_validation);
  if (validation != "lenient" && validation != "strict") {
    spdlog::critical("--validation must be lenient or strict, not '{}'", validation);
    return 2;
  }
  int port = absl::GetFlag(FLAGS_http_port);
  int64_t max_body = absl::GetFlag(FLAGS_max_body_bytes);
  if (port < 0 || port > 65535 || max_body <= 0) {
    spdlog::critical("--http_port must be 0..65535 and --max_body_bytes positive");
    return 2;
  }

  // Signals are taken synchronously by the main thread (sigwait), so block
  // them before any thread starts; every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  graphstore::Options store_options;
  store_options.data_dir = absl::GetFlag(FLAGS_data_dir);
  store_options.max_pending_events = std::max(1, absl::GetFlag(FLAGS_max_pending_events));
  spdlog::info("lineaged starting: data_dir={} http={}:{} validation={} max_body_bytes={}",
               store_options.data_dir, absl::GetFlag(FLAGS_http_address), port, validation,
               max_body);
  absl::StatusOr<std::unique_ptr<graphstore::GraphStore>> store =
      graphstore::GraphStore::Open(store_options);
  if (!store.ok()) {
    spdlog::critical("cannot open the store: {}", store.status().ToString());
    return 1;
  }

  exporters::Metrics metrics([s = store->get()] { return static_cast<double>(s->event_count()); });
  collector::IngestService ingest(store->get(), validation == "strict"
                                                    ? collector::ValidationMode::kStrict
                                                    : collector::ValidationMode::kLenient);
  ingest.set_observer([&metrics](const collector::IngestResult& result) {
    using Code = collector::IngestResult::Code;
    switch (result.code) {
      case Code::kStored:
        metrics.CountEvent("accepted");
        break;
      case Code::kDuplicate:
        metrics.CountEvent("duplicate");
        break;
      case Code::kMalformed:
      case Code::kInvalid:
        metrics.CountEvent("rejected");
        break;
      default:
        break;
    }
  });

  api::Router router;
  auto post_lineage = [&ingest](const api::Request& request, api::Responder respond) {
    collector::HandleLineagePost(&ingest, request.content_type, request.body,
                                 [respond = std::move(respond)](collector::HttpReply reply) {
                                   api::Response response;
                                   response.status = reply.status;
                                   response.body = std::move(reply.body);
                                   response.headers = std::move(reply.headers);
                                   respond(std::move(response));
                                 });
  };
  router.Add("POST", "/api/v1/lineage", post_lineage);
  api::AddLineageRoutes(&router, store->get());
  router.Add("GET", "/healthz", [](const api::Request&, api::Responder respond) {
    respond(api::JsonResponse(200, R"({"status":"ok"})"));
  });
  router.Add("GET", "/readyz", [s = store->get()](const api::Request&, api::Responder respond) {
    respond(s->is_open() ? api::JsonResponse(200, R"({"status":"ready"})")
                         : api::ErrorResponse(503, "store is not open"));
  });
  router.Add("GET", "/metrics", [&metrics](const api::Request&, api::Responder respond) {
    api::Response response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = metrics.Render();
    respond(std::move(response));
  });

  api::HttpServerOptions http_options;
  http_options.address = absl::GetFlag(FLAGS_http_address);
  http_options.port = static_cast<uint16_t>(port);
  http_options.threads = absl::GetFlag(FLAGS_http_threads);
  http_options.max_body_bytes = static_cast<size_t>(max_body);
  http_options.shutdown_grace = std::chrono::seconds(absl::GetFlag(FLAGS_shutdown_grace_seconds));
  api::HttpServer server(&router, http_options);
  if (absl::Status started = server.Start(); !started.ok()) {
    spdlog::critical("{}", started.ToString());
    return 1;
  }
  spdlog::info("listening on http://{}:{}", http_options.address, server.port());
  std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty() && !WritePortFile(port_file, server.port())) {
    spdlog::critical("cannot write --port_file {}", port_file);
    server.Shutdown();
    return 1;
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("received {}, shutting down: no new connections, finishing requests in flight",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  int abandoned = server.Shutdown();
  if (abandoned > 0) spdlog::warn("{} requests still in flight after the grace period", abandoned);
  absl::Status closed = (*store)->Close();
  if (!closed.ok()) {
    spdlog::error("closing the store: {}", closed.ToString());
    return 1;
  }
  spdlog::info("shutdown complete: {} events stored", (*store)->event_count());
  return 0;
}

}  // namespace
}  // namespace lineaged

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "OpenLineage collector and lineage graph store.\n\n"
      "Usage: lineaged serve [--flags]\n"
      "Every flag can also be set as LINEAGED_<FLAG_NAME> in the environment.");
  if (!lineaged::ApplyEnvironment()) return 2;
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() != 2 || std::string(args[1]) != "serve") {
    std::cerr << "usage: lineaged serve [--flags]   (lineaged --help lists the flags)\n";
    return 2;
  }
  return lineaged::Serve();
}
