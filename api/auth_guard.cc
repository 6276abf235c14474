#include "api/auth_guard.h"

#include <string>

#include "spdlog/spdlog.h"

#include "graphstore/base/strings.h"

namespace lineaged::api {
namespace {

constexpr std::string_view kIngestRoutes[] = {"/api/v1/lineage", "/api/v1/lineage/batch"};
constexpr std::string_view kHealthRoutes[] = {"/healthz", "/readyz", "/metrics"};

template <size_t N>
bool OneOf(std::string_view route, const std::string_view (&routes)[N]) {
  for (std::string_view candidate : routes) {
    if (route == candidate) return true;
  }
  return false;
}

// RFC 6750 section 3 challenge.
std::string Challenge(const absl::Status& status, auth::Scope required, bool header_present) {
  std::string challenge = R"(Bearer realm="lineaged")";
  if (absl::IsPermissionDenied(status)) {
    challenge +=
        R"(, error="insufficient_scope", scope=")" + std::string(auth::ScopeName(required)) + "\"";
  } else if (header_present) {
    challenge += R"(, error="invalid_token")";
  }
  return challenge;
}

}  // namespace

std::optional<auth::Scope> RequiredScope(std::string_view method, std::string_view route,
                                         const AccessPolicy& policy) {
  const bool read_method = method == "GET" || method == "HEAD";
  if (read_method && OneOf(route, kHealthRoutes)) {
    if (!policy.protect_health_and_metrics) return std::nullopt;
    return auth::Scope::kRead;
  }
  if (method == "POST" && OneOf(route, kIngestRoutes)) return auth::Scope::kIngest;
  if (read_method) return auth::Scope::kRead;
  return auth::Scope::kAdmin;
}

RequestGuard AuthGuard(const auth::KeyStore* keys, AccessPolicy policy) {
  return [keys, policy](const Request& request, std::string_view route) -> std::optional<Response> {
    std::optional<auth::Scope> required = RequiredScope(request.method, route, policy);
    if (!required) return std::nullopt;
    absl::Status allowed = keys->Authorize(request.authorization, *required);
    if (allowed.ok()) return std::nullopt;
    const int status = absl::IsPermissionDenied(allowed) ? 403 : 401;
    // The path and the reason only: the header is the secret.
    spdlog::debug("HTTP {} {} refused with {}: {}", request.method, request.path, status,
                  AsStd(allowed.message()));
    Response response = ErrorResponse(status, AsStd(allowed.message()));
    response.headers.emplace_back("WWW-Authenticate",
                                  Challenge(allowed, *required, !request.authorization.empty()));
    return response;
  };
}

}  // namespace lineaged::api
