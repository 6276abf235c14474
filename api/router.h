#pragma once

// Router: maps (method, path pattern) to a Handler. Patterns are literal
// segments and "{name}" placeholders; a placeholder matches one segment,
// percent-decoded after splitting, so "postgres%3A%2F%2Fh%3A5432" arrives as
// "postgres://h:5432". Pure: no sockets, testable on its own.

#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.h"

namespace lineaged::api {

// Not thread-safe to Add; Dispatch is safe from any thread once built.
class Router {
 public:
  void Add(std::string method, std::string_view pattern, Handler handler);

  // Finds the route and calls its handler; answers 404 for an unknown path
  // and 405 for a known path with another method.
  void Dispatch(Request request, Responder respond) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{x}" marks a placeholder
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace lineaged::api
