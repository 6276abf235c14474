#pragma once

// Router: maps (method, path pattern) to a Handler. Patterns are literal
// segments and "{name}" placeholders; a placeholder matches one segment,
// percent-decoded after splitting, so "postgres%3A%2F%2Fh%3A5432" arrives as
// "postgres://h:5432", and is always UTF-8. Pure: no sockets, testable on
// its own.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.h"

namespace lineaged::api {

// Called once per answered request with the route pattern that matched
// ("/api/v1/lineage", or "unmatched"), the status and the seconds from
// dispatch to response. Must be thread-safe and cheap.
using RequestObserver = std::function<void(std::string_view method, std::string_view route,
                                           int status, double seconds)>;

// Runs before any handler: nullopt lets the request through, a Response is
// sent instead of routing it (401, 403). `route` is the pattern of the first
// route whose path matches, whatever its method, or "" if none does. Must be
// thread-safe.
using RequestGuard =
    std::function<std::optional<Response>(const Request& request, std::string_view route)>;

// Not thread-safe to Add, set_observer or set_guard; Dispatch is safe from any thread
// once built.
class Router {
 public:
  void Add(std::string method, std::string_view pattern, Handler handler);

  void set_observer(RequestObserver observer) { observer_ = std::move(observer); }
  void set_guard(RequestGuard guard) { guard_ = std::move(guard); }

  // Asks the guard, if any; then finds the route and calls its handler;
  // answers 404 for an unknown path, 405 for a known path with another
  // method, and 400 if a placeholder is a malformed escape or not UTF-8.
  void Dispatch(Request request, Responder respond) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{x}" marks a placeholder
    Handler handler;
  };

  // Wraps `respond` so the observer sees the outcome.
  Responder Observed(const Request& request, std::string_view route, Responder respond) const;

  // True if `segments` has the route's length and its literal segments.
  static bool PathMatches(const Route& route, const std::vector<std::string_view>& segments);

  // The pattern of the first route whose segments match, or "".
  std::string_view MatchingPattern(const std::vector<std::string_view>& segments) const;

  std::vector<Route> routes_;
  RequestObserver observer_;
  RequestGuard guard_;
};

}  // namespace lineaged::api
