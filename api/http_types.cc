#include "api/http_types.h"

#include "nlohmann/json.hpp"

namespace lineaged::api {

std::optional<std::string> Request::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return it->second;
}

Response ErrorResponse(int status, std::string_view message) {
  // replace: a message may quote a percent-decoded path segment that is not UTF-8.
  return JsonResponse(status, nlohmann::json{{"code", status}, {"message", message}}.dump(
                                  -1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Response LimitResponse(int status, std::string_view message, std::string_view limit) {
  return JsonResponse(
      status, nlohmann::json{{"code", status}, {"message", message}, {"limit", limit}}.dump());
}

Response JsonResponse(int status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

namespace {
int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = HexDigit(text[i + 1]);
      int low = HexDigit(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high << 4 | low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::multimap<std::string, std::string> ParseQuery(std::string_view query) {
  std::multimap<std::string, std::string> params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    auto decoded_key = PercentDecode(key, true);
    auto decoded_value = PercentDecode(value, true);
    params.emplace(decoded_key ? *decoded_key : std::string(key),
                   decoded_value ? *decoded_value : std::string(value));
  }
  return params;
}

}  // namespace lineaged::api
