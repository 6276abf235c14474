#include "api/router.h"

#include <chrono>

#include "absl/strings/str_split.h"

#include "api/json_writer.h"
#include "graphstore/base/strings.h"

namespace lineaged::api {
namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  for (absl::string_view part : absl::StrSplit(AsAbsl(path), '/', absl::SkipEmpty())) {
    out.push_back(AsStd(part));
  }
  return out;
}

bool IsPlaceholder(const std::string& segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void Router::Add(std::string method, std::string_view pattern, Handler handler) {
  Route route;
  route.method = std::move(method);
  route.pattern = std::string(pattern);
  for (std::string_view s : Segments(pattern)) route.segments.emplace_back(s);
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

Responder Router::Observed(const Request& request, std::string_view route,
                           Responder respond) const {
  if (!observer_) return respond;
  return
      [observer = &observer_, method = request.method, route = std::string(route),
       start = std::chrono::steady_clock::now(), respond = std::move(respond)](Response response) {
        double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        (*observer)(method, route, response.status, seconds);
        respond(std::move(response));
      };
}

bool Router::PathMatches(const Route& route, const std::vector<std::string_view>& segments) {
  if (route.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (!IsPlaceholder(route.segments[i]) && route.segments[i] != segments[i]) return false;
  }
  return true;
}

std::string_view Router::MatchingPattern(const std::vector<std::string_view>& segments) const {
  for (const Route& route : routes_) {
    if (PathMatches(route, segments)) return route.pattern;
  }
  return "";
}

void Router::Dispatch(Request request, Responder respond) const {
  std::vector<std::string_view> segments = Segments(request.path);
  if (guard_) {
    std::string_view route = MatchingPattern(segments);
    if (std::optional<Response> refused = guard_(request, route)) {
      Observed(request, route.empty() ? "unmatched" : route,
               std::move(respond))(std::move(*refused));
      return;
    }
  }
  bool path_matched = false;
  for (const Route& route : routes_) {
    // Literal segments first: a placeholder's bad escape is this route's
    // 400 only if the rest of the path is this route's.
    if (!PathMatches(route, segments)) continue;
    path_matched = true;
    if (route.method != request.method) continue;
    std::map<std::string, std::string> params;
    for (size_t i = 0; i < segments.size(); ++i) {
      const std::string& expected = route.segments[i];
      if (!IsPlaceholder(expected)) continue;
      std::string name = expected.substr(1, expected.size() - 2);
      std::optional<std::string> decoded = PercentDecode(segments[i], false);
      if (!decoded) {
        Observed(request, route.pattern,
                 std::move(respond))(ErrorResponse(400, "malformed percent-encoding in path"));
        return;
      }
      // Names are echoed in JSON answers, which must be UTF-8 (JsonWriter's
      // contract), and stored in records whose strings must be UTF-8 too.
      if (!IsValidUtf8(*decoded)) {
        Observed(request, route.pattern,
                 std::move(respond))(ErrorResponse(400, "path param " + name + " is not UTF-8"));
        return;
      }
      params[std::move(name)] = std::move(*decoded);
    }
    request.path_params = std::move(params);
    Responder observed = Observed(request, route.pattern, std::move(respond));
    route.handler(request, std::move(observed));
    return;
  }
  Responder observed = Observed(request, "unmatched", std::move(respond));
  if (path_matched) {
    observed(ErrorResponse(405, "HTTP " + request.method + " not allowed on " + request.path));
  } else {
    observed(ErrorResponse(404, "HTTP 404 Not Found"));
  }
}

}  // namespace lineaged::api
