// Fuzz target: one raw HTTP/1.1 request through what the server does with it:
// Beast's request parser with the server's limits, api::internal::ToRequest
// (target split, query decoding, Content-Encoding) and api::Router::Dispatch
// over the server's route table (api/lineaged_main.cc), plus Marquez-style
// routes with {placeholders}. The lineage and dead-letter routes are the real
// handlers over a real store in a temporary directory (three events written
// at start-up); the ingest routes, which the event parser fuzzer covers, and
// the placeholder routes answer without a store.
//
// Checks, besides the sanitizers:
//   - the responder runs exactly once and the observer sees it once, with the
//     matched pattern or "unmatched";
//   - statuses are the documented ones for the route;
//   - a placeholder handler sees every placeholder, percent-decoded;
//   - every JSON body is valid JSON, and the response serialises with Beast as
//     HttpSession::Write would send it.
//
// Seeds: requests built from tests/data events and lineage queries
// (scripts/fuzz.sh); tests/fuzz/http.dict helps with tokens.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "boost/asio/buffer.hpp"
#include "boost/beast/http.hpp"
#include "nlohmann/json.hpp"

#include "api/exporter_routes.h"
#include "api/http_types.h"
#include "api/internal/http_session.h"
#include "api/lineage_routes.h"
#include "api/router.h"
#include "graphstore/graph_store.h"
#include "tests/fuzz/fuzz_check.h"

namespace lineaged::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr size_t kMaxBodyBytes = 1 << 20;
constexpr size_t kMaxHeaderBytes = 64 << 10;

graphstore::GraphStore* g_store = nullptr;
Router* g_router = nullptr;
std::string* g_data_dir = nullptr;

// Observer bookkeeping for the request being dispatched (one thread).
int g_observed = 0;
std::string g_observed_route;

graphstore::Event SeedEvent(int n, graphstore::QualifiedName job, graphstore::QualifiedName input,
                            graphstore::QualifiedName output) {
  graphstore::Event event;
  event.kind = graphstore::EventKind::kRun;
  event.event_type = graphstore::RunEventType::kComplete;
  event.event_time_micros = 1'700'000'000'000'000 + n;
  event.producer = "https://github.com/lineaged/fuzz";
  event.run_id[0] = static_cast<uint8_t>(n);
  event.content_hash[0] = static_cast<uint8_t>(n);
  event.job = std::move(job);
  event.inputs.push_back(std::move(input));
  event.outputs.push_back(std::move(output));
  event.raw_json = "{}";
  return event;
}

void RespondOk(const Request&, Responder respond) {
  respond(JsonResponse(200, R"({"status":"ok"})"));
}

// A Marquez-style resource lookup: names come from placeholders, and the
// answer quotes them, as Marquez's 404 "... not found" does.
Handler PlaceholderHandler(std::set<std::string> names) {
  return [names = std::move(names)](const Request& request, Responder respond) {
    FUZZ_CHECK(request.path_params.size() == names.size());
    std::string quoted;
    for (const std::string& name : names) {
      auto it = request.path_params.find(name);
      FUZZ_CHECK(it != request.path_params.end()) << name;
      quoted += it->second + ":";
    }
    respond(ErrorResponse(404, "not found: " + quoted));
  };
}

void Setup() {
  char pattern[] = "/tmp/lineaged_router_fuzzer.XXXXXX";
  const char* dir = mkdtemp(pattern);
  FUZZ_CHECK(dir != nullptr);
  g_data_dir = new std::string(dir);

  graphstore::Options options;
  options.data_dir = *g_data_dir;
  options.sync_writes = false;
  options.committer_cache_bytes = 1 << 20;
  options.block_cache_bytes = 8 << 20;
  absl::StatusOr<std::unique_ptr<graphstore::GraphStore>> store =
      graphstore::GraphStore::Open(options);
  FUZZ_CHECK(store.ok()) << store.status().ToString();
  g_store = store->release();
  int n = 0;
  for (graphstore::Event event : {
           SeedEvent(++n, {"airflow", "dag.task"}, {"postgres://h:5432", "db.public.t"},
                     {"bigquery", "p.d.t"}),
           SeedEvent(++n, {"airflow", "dag.next"}, {"bigquery", "p.d.t"},
                     {"s3://bucket", "path/to/file"}),
           SeedEvent(++n, {"spark", "app:job 1"}, {"s3://bucket", "path/to/file"},
                     {"ns%41", "a#b?c"}),
       }) {
    FUZZ_CHECK(g_store->WriteAndWait(std::move(event)).ok());
  }

  g_router = new Router;
  g_router->set_observer([](std::string_view, std::string_view route, int, double seconds) {
    ++g_observed;
    g_observed_route = std::string(route);
    FUZZ_CHECK(seconds >= 0);
  });
  // The server's table (api/lineaged_main.cc); ingest answers as for a stored event.
  g_router->Add("POST", "/api/v1/lineage",
                [](const Request&, Responder respond) { respond(Response{.status = 201}); });
  g_router->Add("POST", "/api/v1/lineage/batch", RespondOk);
  AddLineageRoutes(g_router, g_store);
  AddDeadLetterRoutes(g_router, g_store);
  g_router->Add("GET", "/healthz", RespondOk);
  g_router->Add("GET", "/readyz", RespondOk);
  g_router->Add("GET", "/metrics", [](const Request&, Responder respond) {
    respond(Response{.status = 200, .content_type = "text/plain; version=0.0.4", .body = "up 1\n"});
  });
  // Marquez-style resources.
  g_router->Add("GET", "/api/v1/namespaces/{namespace}", PlaceholderHandler({"namespace"}));
  g_router->Add("GET", "/api/v1/namespaces/{namespace}/datasets/{dataset}",
                PlaceholderHandler({"namespace", "dataset"}));
  g_router->Add("GET", "/api/v1/namespaces/{namespace}/jobs/{job}",
                PlaceholderHandler({"namespace", "job"}));
  g_router->Add("GET", "/api/v1/jobs/runs/{id}", PlaceholderHandler({"id"}));

  std::atexit([] {
    // Close the store before static destructors run, then drop its files.
    FUZZ_CHECK(g_store->Close().ok());
    delete g_store;
    std::error_code ec;
    std::filesystem::remove_all(*g_data_dir, ec);
  });
}

const std::set<std::string>& KnownRoutes() {
  static const auto* routes = new std::set<std::string>{
      "/api/v1/lineage",
      "/api/v1/lineage/batch",
      "/api/v1/exporters/atlas/dead-letters",
      "/api/v1/exporters/atlas/dead-letters/{sequence}/retry",
      "/healthz",
      "/readyz",
      "/metrics",
      "/api/v1/namespaces/{namespace}",
      "/api/v1/namespaces/{namespace}/datasets/{dataset}",
      "/api/v1/namespaces/{namespace}/jobs/{job}",
      "/api/v1/jobs/runs/{id}",
      "unmatched",
  };
  return *routes;
}

// Serialises the response as HttpSession::Write does.
void CheckSerialises(Response response) {
  http::response<http::string_body> message;
  message.version(11);
  message.result(static_cast<unsigned>(response.status));
  message.set(http::field::server, "lineaged");
  if (!response.body.empty()) message.set(http::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers) message.set(name, value);
  message.keep_alive(true);
  message.body() = std::move(response.body);
  message.prepare_payload();
  std::ostringstream out;
  out << message;
  FUZZ_CHECK(out.good());
}

void CheckResponse(const Response& response) {
  if (!response.body.empty() && response.content_type == "application/json") {
    FUZZ_CHECK(nlohmann::json::accept(response.body)) << response.body;
  }
  CheckSerialises(response);
}

void DispatchOne(Request request) {
  const std::string method = request.method;
  g_observed = 0;
  int responded = 0;
  Response response;
  g_router->Dispatch(std::move(request), [&](Response r) {
    ++responded;
    response = std::move(r);
  });
  // Every handler here answers before returning.
  FUZZ_CHECK(responded == 1) << responded;
  FUZZ_CHECK(g_observed == 1) << g_observed;
  FUZZ_CHECK(KnownRoutes().count(g_observed_route)) << g_observed_route;
  static const std::set<int> kStatuses = {200, 201, 400, 404, 405, 503};
  FUZZ_CHECK(kStatuses.count(response.status)) << response.status << " " << response.body;
  if (g_observed_route == "unmatched") {
    FUZZ_CHECK(response.status == 404 || response.status == 405) << response.status;
  }
  CheckResponse(response);
}

}  // namespace
}  // namespace lineaged::api

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  lineaged::api::Setup();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lineaged::api;
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(kMaxHeaderBytes));
  parser.body_limit(kMaxBodyBytes);
  parser.eager(true);
  beast::error_code ec;
  boost::asio::const_buffer input(data, size);
  while (input.size() > 0 && !parser.is_done()) {
    const size_t used = parser.put(input, ec);
    input += used;
    if (ec == http::error::need_more) {
      ec = {};
      break;
    }
    if (ec || used == 0) break;
  }
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;  // HttpSession answers a fixed 400/413/431

  Request request;
  if (std::optional<Response> error =
          internal::ToRequest(parser.release(), kMaxBodyBytes, &request)) {
    FUZZ_CHECK(error->status == 400 || error->status == 413 || error->status == 415)
        << error->status;
    CheckResponse(*error);
    return 0;
  }
  DispatchOne(std::move(request));
  return 0;
}
