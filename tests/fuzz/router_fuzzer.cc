// Fuzz target: one raw HTTP/1.1 request through what the server does with it:
// Beast's request parser with the server's limits, api::internal::ToRequest
// (target split, query decoding, Authorization, Content-Encoding), the API-key
// guard (api::AuthGuard over an auth::KeyStore) and api::Router::Dispatch over
// the server's route table (api/lineaged_main.cc). The lineage, Marquez read
// and write, and dead-letter routes are the real handlers over a real store in
// a temporary directory (three events ingested at start-up); the ingest
// routes, which the event parser fuzzer covers, and health and metrics answer
// without a store. One extra route with two {placeholders} checks decoding.
//
// Checks, besides the sanitizers:
//   - the guard runs once; a request it lets through to a route that needs a
//     scope carries one of the configured keys with that scope (or admin);
//     one it refuses is answered 401/403 with WWW-Authenticate, and no
//     error answer quotes a key the request sent only in Authorization;
//   - the responder runs exactly once and the observer sees it once, with a
//     pattern that matches the request's path, or "unmatched";
//   - statuses are the documented ones; never a 500;
//   - a placeholder handler sees every placeholder, percent-decoded;
//   - every JSON body is valid JSON, and the response serialises with Beast as
//     HttpSession::Write would send it.
//
// Seeds: requests built from tests/data events and lineage and Marquez
// queries, most with one of the keys below (scripts/fuzz.sh); tests/fuzz/http.dict
// helps with tokens.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "boost/asio/buffer.hpp"
#include "boost/beast/http.hpp"
#include "nlohmann/json.hpp"

#include "api/auth_guard.h"
#include "api/exporter_routes.h"
#include "api/http_types.h"
#include "api/internal/http_session.h"
#include "api/lineage_routes.h"
#include "api/marquez_routes.h"
#include "api/router.h"
#include "auth/key_store.h"
#include "collector/event_parser.h"
#include "graphstore/base/strings.h"
#include "graphstore/graph_store.h"
#include "tests/fuzz/fuzz_check.h"

namespace lineaged::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr size_t kMaxBodyBytes = 1 << 20;
constexpr size_t kMaxHeaderBytes = 64 << 10;

// The keys of the server's --api_keys_file; scripts/fuzz.sh and http.dict use them too.
constexpr std::string_view kIngestKey = "fuzz-ingest-key-0123456789";
constexpr std::string_view kReadKey = "fuzz-read-key-0123456789";
constexpr std::string_view kAdminKey = "fuzz-admin-key-0123456789";
constexpr AccessPolicy kPolicy = {.protect_health_and_metrics = false};

graphstore::GraphStore* g_store = nullptr;
auth::KeyStore* g_keys = nullptr;
Router* g_router = nullptr;
std::string* g_data_dir = nullptr;

// Guard and observer bookkeeping for the request being dispatched (one thread).
int g_guarded = 0;
bool g_refused = false;
std::string g_guard_route;
int g_observed = 0;
std::string g_observed_route;

// Events the store starts with: a job reading and writing datasets with
// schemas and column lineage, a downstream job, and a dataset event, so the
// read routes find namespaces, versions, fields, runs and lineage.
constexpr std::string_view kSeedEvents[] = {
    R"({"eventType":"COMPLETE","eventTime":"2024-11-26T13:05:34Z",
      "producer":"https://github.com/lineaged/fuzz",
      "run":{"runId":"0193689c-9a6e-7b6d-8d4c-1d2f3a4b5c6d",
             "facets":{"nominalTime":{"nominalStartTime":"2024-11-26T13:00:00Z"}}},
      "job":{"namespace":"airflow","name":"dag.task",
             "facets":{"sql":{"query":"INSERT INTO t SELECT * FROM s"}}},
      "inputs":[{"namespace":"postgres://h:5432","name":"db.public.t",
                 "facets":{"schema":{"fields":[{"name":"id","type":"INT"},
                                               {"name":"a b","type":"TEXT"}]}}}],
      "outputs":[{"namespace":"bigquery","name":"p.d.t",
                  "facets":{"schema":{"fields":[{"name":"id","type":"INT64"}]},
                            "columnLineage":{"fields":{"id":{"inputFields":[
                              {"namespace":"postgres://h:5432","name":"db.public.t",
                               "field":"id"}]}}}}}]})",
    R"({"eventType":"START","eventTime":"2024-11-26T13:06:00Z",
      "producer":"https://github.com/lineaged/fuzz",
      "run":{"runId":"0193689c-9a6e-7b6d-8d4c-1d2f3a4b5c6e",
             "facets":{"parent":{"run":{"runId":"0193689c-9a6e-7b6d-8d4c-1d2f3a4b5c6d"},
                                 "job":{"namespace":"airflow","name":"dag.task"}}}},
      "job":{"namespace":"spark","name":"app:job 1"},
      "inputs":[{"namespace":"bigquery","name":"p.d.t"}],
      "outputs":[{"namespace":"s3://bucket","name":"path/to/file"},
                 {"namespace":"ns=x;y@z","name":"a#b?c%41"}]})",
    R"({"eventTime":"2024-11-26T13:07:00Z","producer":"https://github.com/lineaged/fuzz",
      "dataset":{"namespace":"s3://bucket","name":"path/to/file",
                 "facets":{"schema":{"fields":[{"name":"k","type":"STRING"}]}}}})",
};

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
  collector::EventParser parser(collector::ValidationMode::kLenient);
  for (std::string_view json : kSeedEvents) {
    collector::ParsedEvent parsed = parser.Parse(std::string(json));
    FUZZ_CHECK(parsed.ok()) << parsed.errors.front();
    FUZZ_CHECK(g_store->WriteAndWait(std::move(parsed.event)).ok());
  }

  absl::StatusOr<auth::KeySet> keys =
      auth::KeySet::Parse(absl::StrCat("ingest ", AsAbsl(kIngestKey), "\nread ", AsAbsl(kReadKey),
                                       "\nadmin ", AsAbsl(kAdminKey), "\n"));
  FUZZ_CHECK(keys.ok()) << keys.status().ToString();
  g_keys = new auth::KeyStore(*std::move(keys));

  g_router = new Router;
  g_router->set_observer([](std::string_view, std::string_view route, int, double seconds) {
    ++g_observed;
    g_observed_route = std::string(route);
    FUZZ_CHECK(seconds >= 0);
  });
  g_router->set_guard(
      [guard = AuthGuard(g_keys, kPolicy)](const Request& request, std::string_view route) {
        ++g_guarded;
        g_guard_route = std::string(route);
        std::optional<Response> refused = guard(request, route);
        g_refused = refused.has_value();
        return refused;
      });
  // The server's table (api/lineaged_main.cc); ingest answers as for a stored event.
  g_router->Add("POST", "/api/v1/lineage",
                [](const Request&, Responder respond) { respond(Response{.status = 201}); });
  g_router->Add("POST", "/api/v1/lineage/batch", RespondOk);
  // A small render cache, so that pages and graphs asked twice take its path.
  std::shared_ptr<internal::RenderedNodeCache> cache = NewRenderCache(1 << 20);
  AddLineageRoutes(g_router, g_store, cache);
  AddMarquezRoutes(g_router, g_store, cache);
  AddDeadLetterRoutes(g_router, g_store);
  g_router->Add("GET", "/healthz", RespondOk);
  g_router->Add("GET", "/readyz", RespondOk);
  g_router->Add("GET", "/metrics", [](const Request&, Responder respond) {
    respond(Response{.status = 200, .content_type = "text/plain; version=0.0.4", .body = "up 1\n"});
  });
  // Not a server route: its handler checks the router's placeholder decoding.
  g_router->Add("GET", "/api/v1/fuzz/{first}/and/{second}",
                PlaceholderHandler({"first", "second"}));

  std::atexit([] {
    // Close the store before static destructors run, then drop its files.
    FUZZ_CHECK(g_store->Close().ok());
    delete g_store;
    std::error_code ec;
    std::filesystem::remove_all(*g_data_dir, ec);
  });
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> segments;
  for (absl::string_view segment : absl::StrSplit(AsAbsl(path), '/', absl::SkipEmpty())) {
    segments.push_back(AsStd(segment));
  }
  return segments;
}

// True if `pattern` ("/a/{x}/b") matches `path` segment by segment.
bool PatternMatches(std::string_view pattern, std::string_view path) {
  const std::vector<std::string_view> want = Segments(pattern);
  const std::vector<std::string_view> have = Segments(path);
  if (want.size() != have.size()) return false;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].starts_with('{') && want[i].ends_with('}')) continue;
    if (want[i] != have[i]) return false;
  }
  return true;
}

// Whether a request with this Authorization header may do what needs
// `required`, judged without auth::KeyStore: it must carry a configured key
// whose scope is `required` or admin.
bool CarriesKeyFor(std::string_view authorization, auth::Scope required) {
  const bool admin = authorization.find(kAdminKey) != std::string_view::npos;
  switch (required) {
    case auth::Scope::kIngest:
      return admin || authorization.find(kIngestKey) != std::string_view::npos;
    case auth::Scope::kRead:
      return admin || authorization.find(kReadKey) != std::string_view::npos;
    case auth::Scope::kAdmin:
      return admin;
  }
  return false;
}

// The request's text outside its Authorization header, as sent and with each
// path segment percent-decoded: handlers may quote it, keys included.
std::string ElsewhereInRequest(const Request& request) {
  std::string text =
      absl::StrCat(request.method, " ", request.path, " ", request.content_type, " ", request.body);
  for (std::string_view segment : Segments(request.path)) {
    if (std::optional<std::string> decoded = PercentDecode(segment, false)) {
      absl::StrAppend(&text, " ", *decoded);
    }
  }
  for (const auto& [name, value] : request.query) absl::StrAppend(&text, " ", name, "=", value);
  return text;
}

// True if `response` contains a key that `elsewhere` (see ElsewhereInRequest)
// does not: a key that can only have come from the Authorization header.
bool EchoesAKey(std::string_view response, std::string_view elsewhere) {
  for (std::string_view key : {kIngestKey, kReadKey, kAdminKey}) {
    if (response.find(key) != std::string_view::npos &&
        elsewhere.find(key) == std::string_view::npos) {
      return true;
    }
  }
  return false;
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
  const std::string path = request.path;
  const std::string authorization = request.authorization;
  const std::string elsewhere = ElsewhereInRequest(request);
  g_guarded = 0;
  g_refused = false;
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
  FUZZ_CHECK(g_guarded == 1) << g_guarded;
  FUZZ_CHECK(g_observed_route == "unmatched" || PatternMatches(g_observed_route, path))
      << g_observed_route << " for " << path;

  if (g_refused) {
    FUZZ_CHECK(response.status == 401 || response.status == 403) << response.status;
    bool challenged = false;
    for (const auto& [name, value] : response.headers) challenged |= name == "WWW-Authenticate";
    FUZZ_CHECK(challenged);
  } else if (std::optional<auth::Scope> required = RequiredScope(method, g_guard_route, kPolicy)) {
    FUZZ_CHECK(CarriesKeyFor(authorization, *required))
        << method << " " << path << " let through needing " << auth::ScopeName(*required);
  }
  // Error answers are made from this request alone; a 2xx may list what an
  // earlier input stored (say, a namespace named after a key).
  if (response.status >= 400) {
    FUZZ_CHECK(!EchoesAKey(response.body, elsewhere)) << response.body;
    for (const auto& [name, value] : response.headers) {
      FUZZ_CHECK(!EchoesAKey(value, elsewhere)) << name << ": " << value;
    }
  }

  static const std::set<int> kStatuses = {200, 201, 204, 400, 401, 403, 404, 405, 409, 422, 503};
  FUZZ_CHECK(kStatuses.count(response.status)) << response.status << " " << response.body;
  if (g_observed_route == "unmatched" && !g_refused) {
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
