#pragma once

// Transport-neutral request and response types of the REST API, so routes and
// handlers are plain functions testable without sockets.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lineaged::api {

struct Request {
  std::string method;                              // "GET", "POST", ...
  std::string path;                                // still percent-encoded, without the query
  std::multimap<std::string, std::string> query;   // decoded
  std::map<std::string, std::string> path_params;  // decoded, filled by Router
  std::string content_type;
  std::string authorization;  // the Authorization header (a secret: never log it)
  std::string body;           // already decompressed

  // First value of a query parameter.
  std::optional<std::string> Query(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Delivers the response; may be called from any thread, exactly once.
using Responder = std::function<void(Response)>;
using Handler = std::function<void(const Request&, Responder)>;

// {"code":status,"message":message}, Marquez's error body. Bytes of `message`
// that are not UTF-8 are replaced by U+FFFD; never throws.
Response ErrorResponse(int status, std::string_view message);
Response JsonResponse(int status, std::string body);

// {"code":status,"message":message,"limit":limit}: a request refused by the
// limit named `limit` (its flag, e.g. "max_body_bytes").
Response LimitResponse(int status, std::string_view message, std::string_view limit);

// Percent-decoding of one path segment or query component ('+' is a space
// only in queries). nullopt on a bad escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// Splits "a=1&b=2" into decoded pairs; malformed escapes are kept verbatim.
std::multimap<std::string, std::string> ParseQuery(std::string_view query);

}  // namespace lineaged::api
