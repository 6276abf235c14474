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

#include "api/exporter_routes.h"
#include "api/http_server.h"
#include "api/lineage_routes.h"
#include "api/marquez_routes.h"
#include "api/router.h"
#include "collector/grpc_service.h"
#include "collector/http_ingest.h"
#include "collector/ingest_service.h"
#include "exporters/atlas/atlas_exporter.h"
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
ABSL_FLAG(std::string, grpc_address, "0.0.0.0", "Address the gRPC ingest server binds to.");
ABSL_FLAG(int, grpc_port, 50051, "gRPC ingest port; 0 picks a free port, -1 disables gRPC.");
ABSL_FLAG(std::string, grpc_tls_cert, "", "PEM certificate for gRPC TLS (with --grpc_tls_key).");
ABSL_FLAG(std::string, grpc_tls_key, "", "PEM private key for gRPC TLS (with --grpc_tls_cert).");
ABSL_FLAG(std::string, grpc_port_file, "",
          "If set, the bound gRPC port is written to this file once gRPC is serving.");
ABSL_FLAG(std::string, atlas_url, "",
          "Apache Atlas base URL (e.g. http://atlas:21000); empty turns the exporter off.");
ABSL_FLAG(std::string, atlas_user, "admin", "Atlas user for basic auth.");
ABSL_FLAG(std::string, atlas_password_file, "",
          "File holding the Atlas password (else LINEAGED_ATLAS_PASSWORD); never logged.");
ABSL_FLAG(std::string, atlas_ca_file, "", "PEM CA bundle to verify an https Atlas.");
ABSL_FLAG(int, atlas_timeout_ms, 10000, "Timeout of each Atlas request.");
ABSL_FLAG(int, atlas_batch_size, 100, "Outbox entries the Atlas exporter reads per round.");
ABSL_FLAG(int, max_pending_events, 4096,
          "Events waiting for the store's committer before ingest answers 503.");
ABSL_FLAG(int, retention_days, 0,
          "Purge raw events and runs older than this many days (0 keeps all); the current "
          "state of datasets and jobs and each job's latest run are always kept.");
ABSL_FLAG(int, retention_interval_seconds, 3600, "How often the retention task runs.");
ABSL_FLAG(int, metrics_max_series, 10000,
          "Most label sets per namespace/job/dataset-labelled metric (see docs/operations.md).");

namespace lineaged {
namespace {

// Every flag may also come from LINEAGED_<FLAG_NAME> in the environment; the
// command line wins.
constexpr const char* kEnvFlags[] = {
    "http_address",        "http_port",      "data_dir",
    "validation",          "max_body_bytes", "log_level",
    "port_file",           "http_threads",   "shutdown_grace_seconds",
    "max_pending_events",  "grpc_address",   "grpc_port",
    "grpc_tls_cert",       "grpc_tls_key",   "grpc_port_file",
    "metrics_max_series",  "atlas_url",      "atlas_user",
    "atlas_password_file", "atlas_ca_file",  "atlas_timeout_ms",
    "atlas_batch_size",    "retention_days", "retention_interval_seconds",
};

// The Atlas password: from --atlas_password_file, else LINEAGED_ATLAS_PASSWORD
// (an environment variable, not a flag, so it never shows in a process list).
absl::StatusOr<std::string> AtlasPassword() {
  std::string file = absl::GetFlag(FLAGS_atlas_password_file);
  if (file.empty()) {
    const char* value = std::getenv("LINEAGED_ATLAS_PASSWORD");
    return std::string(value == nullptr ? "" : value);
  }
  std::ifstream in(file);
  if (!in) return absl::InvalidArgumentError("cannot read --atlas_password_file " + file);
  std::string password;
  std::getline(in, password);
  return password;
}

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
  store_options.retention_days = std::max(0, absl::GetFlag(FLAGS_retention_days));
  store_options.retention_interval_seconds = absl::GetFlag(FLAGS_retention_interval_seconds);
  const std::string atlas_url = absl::GetFlag(FLAGS_atlas_url);
  store_options.outbox_enabled = !atlas_url.empty();
  spdlog::info("lineaged starting: data_dir={} http={}:{} validation={} max_body_bytes={}",
               store_options.data_dir, absl::GetFlag(FLAGS_http_address), port, validation,
               max_body);
  absl::StatusOr<std::unique_ptr<graphstore::GraphStore>> store =
      graphstore::GraphStore::Open(store_options);
  if (!store.ok()) {
    spdlog::critical("cannot open the store: {}", store.status().ToString());
    return 1;
  }

  exporters::MetricsOptions metrics_options;
  metrics_options.max_series =
      static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_metrics_max_series)));
  exporters::Metrics metrics(store->get(), std::move(metrics_options));
  collector::IngestService ingest(store->get(), validation == "strict"
                                                    ? collector::ValidationMode::kStrict
                                                    : collector::ValidationMode::kLenient);
  ingest.set_observer([&metrics](const collector::IngestResult& result) {
    using Code = collector::IngestResult::Code;
    using Result = exporters::IngestSample::Result;
    exporters::IngestSample sample;
    sample.result = result.code == Code::kStored      ? Result::kAccepted
                    : result.code == Code::kDuplicate ? Result::kDuplicate
                                                      : Result::kRejected;
    sample.reason = result.reason;
    sample.producer = result.producer;
    sample.event_type = result.event_type;
    sample.namespace_name = result.namespace_name;
    sample.job_name = result.job_name;
    sample.body_bytes = result.body_bytes;
    sample.event_time_micros = result.event_time_micros;
    sample.received_at_micros = result.received_at_micros;
    sample.durable_at_micros = result.durable_at_micros;
    metrics.RecordIngest(sample);
  });

  api::Router router;
  router.set_observer(
      [&metrics](std::string_view method, std::string_view route, int status, double seconds) {
        metrics.RecordHttpRequest(method, route, status, seconds);
      });
  // Ingest handlers live in collector (no HTTP library there); this adapts
  // their HttpReply to the router's Response.
  using IngestHandler = void (*)(collector::IngestService*, std::string_view, std::string,
                                 std::function<void(collector::HttpReply)>);
  auto ingest_route = [&ingest](IngestHandler handler) {
    return [&ingest, handler](const api::Request& request, api::Responder respond) {
      handler(&ingest, request.content_type, request.body,
              [respond = std::move(respond)](collector::HttpReply reply) {
                api::Response response;
                response.status = reply.status;
                response.body = std::move(reply.body);
                response.headers = std::move(reply.headers);
                respond(std::move(response));
              });
    };
  };
  router.Add("POST", "/api/v1/lineage", ingest_route(&collector::HandleLineagePost));
  router.Add("POST", "/api/v1/lineage/batch", ingest_route(&collector::HandleLineageBatchPost));
  api::AddLineageRoutes(&router, store->get());
  api::AddMarquezRoutes(&router, store->get());
  api::AddDeadLetterRoutes(&router, store->get());

  std::unique_ptr<exporters::AtlasExporter> atlas;
  if (!atlas_url.empty()) {
    absl::StatusOr<std::string> password = AtlasPassword();
    if (!password.ok()) {
      spdlog::critical("{}", password.status().ToString());
      return 2;
    }
    exporters::AtlasExporterOptions atlas_options;
    atlas_options.client.url = atlas_url;
    atlas_options.client.user = absl::GetFlag(FLAGS_atlas_user);
    atlas_options.client.password = *password;
    atlas_options.client.ca_file = absl::GetFlag(FLAGS_atlas_ca_file);
    atlas_options.client.timeout = std::chrono::milliseconds(absl::GetFlag(FLAGS_atlas_timeout_ms));
    atlas_options.batch_size =
        static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_atlas_batch_size)));
    absl::StatusOr<std::unique_ptr<exporters::AtlasExporter>> created =
        exporters::AtlasExporter::Create(store->get(), std::move(atlas_options));
    if (!created.ok()) {
      spdlog::critical("atlas exporter: {}", created.status().ToString());
      return 2;
    }
    atlas = std::move(*created);
    atlas->Start();
    spdlog::info("atlas exporter on: {} as user {}, {} events in the outbox", atlas_url,
                 absl::GetFlag(FLAGS_atlas_user), (*store)->outbox_depth());
  }
  router.Add("GET", "/healthz", [](const api::Request&, api::Responder respond) {
    respond(api::JsonResponse(200, R"({"status":"ok"})"));
  });
  router.Add("GET", "/readyz", [s = store->get()](const api::Request&, api::Responder respond) {
    respond(s->is_open() ? api::JsonResponse(200, R"({"status":"ready"})")
                         : api::ErrorResponse(503, "store is not open"));
  });
  router.Add("GET", "/metrics", [&metrics, &atlas](const api::Request&, api::Responder respond) {
    api::Response response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = metrics.Render();
    if (atlas) response.body += atlas->RenderMetrics();
    respond(std::move(response));
  });

  // gRPC first, so both ports are known once the HTTP port file appears.
  std::unique_ptr<collector::GrpcIngestServer> grpc_server;
  if (absl::GetFlag(FLAGS_grpc_port) >= 0) {
    collector::GrpcServerOptions grpc_options;
    grpc_options.address = absl::GetFlag(FLAGS_grpc_address);
    grpc_options.port = absl::GetFlag(FLAGS_grpc_port);
    grpc_options.tls_cert_file = absl::GetFlag(FLAGS_grpc_tls_cert);
    grpc_options.tls_key_file = absl::GetFlag(FLAGS_grpc_tls_key);
    grpc_options.max_message_bytes = static_cast<int>(std::min<int64_t>(max_body, INT32_MAX));
    grpc_server = std::make_unique<collector::GrpcIngestServer>(&ingest, grpc_options);
    grpc_server->set_observer([&metrics](std::string_view method, int code, double seconds) {
      metrics.RecordGrpcRequest(method, code, seconds);
    });
    if (absl::Status started = grpc_server->Start(); !started.ok()) {
      spdlog::critical("{}", started.ToString());
      return 1;
    }
    spdlog::info("gRPC ingest on {}:{} ({})", grpc_options.address, grpc_server->port(),
                 grpc_options.tls_cert_file.empty() ? "plaintext" : "TLS");
    std::string grpc_port_file = absl::GetFlag(FLAGS_grpc_port_file);
    if (!grpc_port_file.empty() && !WritePortFile(grpc_port_file, grpc_server->port())) {
      spdlog::critical("cannot write --grpc_port_file {}", grpc_port_file);
      return 1;
    }
  }

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
  if (grpc_server) grpc_server->Shutdown(absl::GetFlag(FLAGS_shutdown_grace_seconds));
  if (atlas) atlas->Stop();  // what it has not sent stays in the outbox
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
