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
#include <sys/stat.h>

#include "api/auth_guard.h"
#include "api/exporter_routes.h"
#include "api/http_server.h"
#include "api/lineage_routes.h"
#include "api/marquez_routes.h"
#include "api/router.h"
#include "auth/key_store.h"
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
ABSL_FLAG(std::string, grpc_tls_client_ca, "",
          "PEM CA bundle: with gRPC TLS, require client certificates it verifies.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate (chain) for HTTPS (with --tls_key); plain HTTP when unset.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key for HTTPS (with --tls_cert).");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle: with HTTPS, require client certificates it verifies.");
ABSL_FLAG(std::string, api_keys_file, "",
          "File of '<scope> <key>' lines (scope ingest, read or admin); reloaded on SIGHUP. "
          "Unset: no authentication.");
ABSL_FLAG(bool, protect_health_and_metrics, false,
          "With --api_keys_file: /healthz, /readyz and /metrics need a 'read' key too.");
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
          "Events accepted but not yet durable (queued, being applied or written) before "
          "ingest answers 429 (gRPC RESOURCE_EXHAUSTED).");
ABSL_FLAG(int64_t, max_header_bytes, 64 << 10,
          "Largest request line and headers of an HTTP request (HTTP 431 beyond).");
ABSL_FLAG(int, max_connections, 1024,
          "Open HTTP connections served at once; a further one is answered 503 and closed.");
ABSL_FLAG(int, grpc_max_streams, 64,
          "gRPC EmitStream calls open at once; a further one ends with RESOURCE_EXHAUSTED.");
ABSL_FLAG(int, http_idle_timeout_seconds, 60,
          "Keep-alive: seconds a connection may wait for its next request before it is closed.");
ABSL_FLAG(int, http_read_timeout_seconds, 30,
          "Seconds from a request's first byte until the whole request must have arrived.");
ABSL_FLAG(int, max_json_depth, 256,
          "Deepest nesting of JSON objects and arrays in an event (HTTP 413 beyond).");
ABSL_FLAG(int, max_event_datasets, 1000,
          "Most elements of an event's inputs, and of its outputs (HTTP 413 beyond).");
ABSL_FLAG(int64_t, max_facet_bytes, 1 << 20,
          "Largest facet of an event, as minified JSON (HTTP 413 beyond).");
ABSL_FLAG(int, retention_days, 0,
          "Purge raw events and runs older than this many days (0 keeps all); the current "
          "state of datasets and jobs and each job's latest run are always kept.");
ABSL_FLAG(int, retention_interval_seconds, 3600, "How often the retention task runs.");
ABSL_FLAG(int, metrics_max_series, 10000,
          "Most label sets per namespace/job/dataset-labelled metric (see docs/operations.md).");
ABSL_FLAG(int64_t, render_cache_bytes,
          static_cast<int64_t>(lineaged::api::kDefaultRenderCacheBytes),
          "Most bytes of dataset and job JSON list pages and lineage graphs keep rendered "
          "between requests (0 keeps none; see docs/operations.md).");

namespace lineaged {
namespace {

// Every flag may also come from LINEAGED_<FLAG_NAME> in the environment; the
// command line wins.
constexpr const char* kEnvFlags[] = {
    "http_address",
    "http_port",
    "data_dir",
    "validation",
    "max_body_bytes",
    "log_level",
    "port_file",
    "http_threads",
    "shutdown_grace_seconds",
    "max_pending_events",
    "grpc_address",
    "grpc_port",
    "grpc_tls_cert",
    "grpc_tls_key",
    "grpc_port_file",
    "metrics_max_series",
    "atlas_url",
    "atlas_user",
    "atlas_password_file",
    "atlas_ca_file",
    "atlas_timeout_ms",
    "atlas_batch_size",
    "grpc_tls_client_ca",
    "tls_cert",
    "tls_key",
    "tls_client_ca",
    "api_keys_file",
    "protect_health_and_metrics",
    "retention_days",
    "retention_interval_seconds",
    "render_cache_bytes",
};

// The limits (docs/operations.md, "Limits"), from the environment likewise.
constexpr const char* kLimitEnvFlags[] = {
    "max_header_bytes",          "max_connections",  "http_idle_timeout_seconds",
    "http_read_timeout_seconds", "max_json_depth",   "max_event_datasets",
    "max_facet_bytes",           "grpc_max_streams",
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
  std::vector<const char*> names(std::begin(kEnvFlags), std::end(kEnvFlags));
  names.insert(names.end(), std::begin(kLimitEnvFlags), std::end(kLimitEnvFlags));
  for (const char* name : names) {
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

std::string KeyCounts(const auth::KeySet& keys) {
  return std::to_string(keys.size()) + " (ingest " +
         std::to_string(keys.count(auth::Scope::kIngest)) + ", read " +
         std::to_string(keys.count(auth::Scope::kRead)) + ", admin " +
         std::to_string(keys.count(auth::Scope::kAdmin)) + ")";
}

// The API keys of --api_keys_file, or null (authentication off).
absl::StatusOr<std::unique_ptr<auth::KeyStore>> LoadApiKeys() {
  const std::string path = absl::GetFlag(FLAGS_api_keys_file);
  if (path.empty()) {
    spdlog::warn(
        "AUTHENTICATION IS OFF: no --api_keys_file (LINEAGED_API_KEYS_FILE), so anyone who can "
        "reach the HTTP and gRPC ports can write, read and delete lineage");
    return nullptr;
  }
  absl::StatusOr<std::unique_ptr<auth::KeyStore>> keys = auth::KeyStore::Open(path);
  if (!keys.ok()) return keys.status();
  struct stat info;
  if (stat(path.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    spdlog::warn("API key file {} is accessible to group or others (mode {:o}); chmod 600 it", path,
                 info.st_mode & 0777);
  }
  spdlog::info("API keys: {} loaded from {}; /healthz, /readyz and /metrics {}",
               KeyCounts(*(*keys)->keys()), path,
               absl::GetFlag(FLAGS_protect_health_and_metrics) ? "need a 'read' key" : "open");
  if ((*keys)->keys()->size() == 0) spdlog::warn("the API key file has no keys: all is refused");
  return keys;
}

// SIGHUP: a failed reload keeps the keys in force.
void ReloadApiKeys(auth::KeyStore* keys) {
  if (keys == nullptr) {
    spdlog::info("SIGHUP: no --api_keys_file, nothing to reload");
    return;
  }
  if (absl::Status reloaded = keys->Reload(); !reloaded.ok()) {
    spdlog::error("SIGHUP: API keys not reloaded, keeping the {} in force: {}",
                  KeyCounts(*keys->keys()), reloaded.ToString());
    return;
  }
  spdlog::info("SIGHUP: API keys reloaded from {}: {}", keys->path(), KeyCounts(*keys->keys()));
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
  if (absl::GetFlag(FLAGS_render_cache_bytes) < 0) {
    spdlog::critical("--render_cache_bytes must not be negative");
    return 2;
  }
  if (absl::GetFlag(FLAGS_max_header_bytes) <= 0 ||
      absl::GetFlag(FLAGS_max_header_bytes) > UINT32_MAX ||
      absl::GetFlag(FLAGS_max_connections) <= 0 ||
      absl::GetFlag(FLAGS_http_idle_timeout_seconds) <= 0 ||
      absl::GetFlag(FLAGS_http_read_timeout_seconds) <= 0 ||
      absl::GetFlag(FLAGS_max_json_depth) <= 0 || absl::GetFlag(FLAGS_max_event_datasets) <= 0 ||
      absl::GetFlag(FLAGS_max_facet_bytes) <= 0 || absl::GetFlag(FLAGS_grpc_max_streams) <= 0) {
    spdlog::critical("the limit flags must be positive (docs/operations.md, \"Limits\")");
    return 2;
  }

  // Signals are taken synchronously by the main thread (sigwait), so block
  // them before any thread starts; every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
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
  absl::StatusOr<std::unique_ptr<auth::KeyStore>> api_keys = LoadApiKeys();
  if (!api_keys.ok()) {
    spdlog::critical("{}", api_keys.status().ToString());
    return 2;
  }
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
  collector::EventLimits event_limits;
  event_limits.max_depth = static_cast<size_t>(absl::GetFlag(FLAGS_max_json_depth));
  event_limits.max_datasets = static_cast<size_t>(absl::GetFlag(FLAGS_max_event_datasets));
  event_limits.max_facet_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_max_facet_bytes));
  collector::IngestService ingest(store->get(),
                                  validation == "strict" ? collector::ValidationMode::kStrict
                                                         : collector::ValidationMode::kLenient,
                                  event_limits);
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
  if (*api_keys != nullptr) {
    router.set_guard(api::AuthGuard(api_keys->get(), {.protect_health_and_metrics = absl::GetFlag(
                                                          FLAGS_protect_health_and_metrics)}));
  }
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
  std::shared_ptr<api::internal::RenderedNodeCache> render_cache =
      api::NewRenderCache(static_cast<size_t>(absl::GetFlag(FLAGS_render_cache_bytes)));
  api::AddLineageRoutes(&router, store->get(), render_cache);
  api::AddMarquezRoutes(&router, store->get(), render_cache);
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
    if (!s->is_open()) return respond(api::ErrorResponse(503, "store is not open"));
    // Not ready for ingest while the store cannot write, though reads work.
    absl::Status writable = s->write_status();
    respond(writable.ok() ? api::JsonResponse(200, R"({"status":"ready"})")
                          : api::ErrorResponse(503, std::string(writable.message())));
  });
  const api::HttpServer* http_server = nullptr;  // set once it exists, before serving
  router.Add(
      "GET", "/metrics",
      [&metrics, &atlas, &http_server, &render_cache](const api::Request&, api::Responder respond) {
        api::Response response;
        response.content_type = "text/plain; version=0.0.4; charset=utf-8";
        response.body = metrics.Render();
        response.body += api::RenderCacheMetrics(render_cache.get());
        if (atlas) response.body += atlas->RenderMetrics();
        if (http_server != nullptr) response.body += http_server->RenderMetrics();
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
    grpc_options.tls_client_ca_file = absl::GetFlag(FLAGS_grpc_tls_client_ca);
    if (auth::KeyStore* keys = api_keys->get()) {
      grpc_options.authorizer = [keys](std::string_view authorization) {
        return keys->Authorize(authorization, auth::Scope::kIngest);
      };
    }
    grpc_options.max_message_bytes = static_cast<int>(std::min<int64_t>(max_body, INT32_MAX));
    grpc_options.max_streams = absl::GetFlag(FLAGS_grpc_max_streams);
    grpc_server = std::make_unique<collector::GrpcIngestServer>(&ingest, grpc_options);
    grpc_server->set_observer([&metrics](std::string_view method, int code, double seconds) {
      metrics.RecordGrpcRequest(method, code, seconds);
    });
    if (absl::Status started = grpc_server->Start(); !started.ok()) {
      spdlog::critical("{}", started.ToString());
      return 1;
    }
    spdlog::info("gRPC ingest on {}:{} ({})", grpc_options.address, grpc_server->port(),
                 grpc_options.tls_cert_file.empty()        ? "plaintext"
                 : grpc_options.tls_client_ca_file.empty() ? "TLS"
                                                           : "TLS, client certificates required");
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
  http_options.max_header_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_max_header_bytes));
  http_options.max_connections = absl::GetFlag(FLAGS_max_connections);
  http_options.idle_timeout = std::chrono::seconds(absl::GetFlag(FLAGS_http_idle_timeout_seconds));
  http_options.read_timeout = std::chrono::seconds(absl::GetFlag(FLAGS_http_read_timeout_seconds));
  http_options.shutdown_grace = std::chrono::seconds(absl::GetFlag(FLAGS_shutdown_grace_seconds));
  http_options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  http_options.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  http_options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  api::HttpServer server(&router, http_options);
  http_server = &server;
  if (absl::Status started = server.Start(); !started.ok()) {
    spdlog::critical("{}", started.ToString());
    return 1;
  }
  spdlog::info("listening on {}://{}:{}{}", http_options.tls_cert_file.empty() ? "http" : "https",
               http_options.address, server.port(),
               http_options.tls_client_ca_file.empty() ? "" : " (client certificates required)");
  std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty() && !WritePortFile(port_file, server.port())) {
    spdlog::critical("cannot write --port_file {}", port_file);
    server.Shutdown();
    return 1;
  }

  int signal_number = 0;
  while (sigwait(&signals, &signal_number) == 0 && signal_number == SIGHUP) {
    ReloadApiKeys(api_keys->get());
  }
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
