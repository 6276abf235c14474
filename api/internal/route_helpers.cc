#include "api/internal/route_helpers.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

#include "graphstore/base/uuid.h"

namespace lineaged::api::internal {

Handler Sync(std::function<Response(const Request&)> handle) {
  return [handle = std::move(handle)](const Request& request, Responder respond) {
    Response response;
    try {
      response = handle(request);
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", request.method, request.path, e.what());
      response = ErrorResponse(500, "internal error");
    }
    respond(std::move(response));
  };
}

Response ValidationErrorResponse(const std::vector<std::string>& errors) {
  Json list = Json::array();
  for (const std::string& error : errors) list.push_back(error);
  return JsonResponse(422, DumpJson(Json{{"errors", std::move(list)}}));
}

const std::string& PathParam(const Request& request, const std::string& name) {
  return request.path_params.at(name);
}

graphstore::QualifiedName PathName(const Request& request, const std::string& name_param) {
  return graphstore::QualifiedName{PathParam(request, "namespace"), PathParam(request, name_param)};
}

absl::StatusOr<graphstore::Uuid> PathUuid(const Request& request, const std::string& param) {
  const std::string& text = PathParam(request, param);
  std::optional<graphstore::Uuid> uuid = graphstore::ParseUuid(text);
  if (!uuid) {
    return absl::InvalidArgumentError(
        absl::StrCat("path param ", param, " must be a UUID (got '", text, "')"));
  }
  return *uuid;
}

JsonBody ParseJsonObjectBody(const Request& request, bool empty_is_object) {
  JsonBody result;
  if (request.body.empty() && empty_is_object) {
    result.object = Json::object();
    return result;
  }
  Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    result.error = ErrorResponse(400, "Unable to process JSON: the request body is not JSON");
  } else if (!body.is_object()) {
    result.error = ErrorResponse(400, "Unable to process JSON: the request body must be an object");
  } else {
    result.object = std::move(body);
  }
  return result;
}

std::optional<std::string> OptionalStringMember(const Json& body, const char* name,
                                                std::vector<std::string>* errors) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    errors->push_back(absl::StrCat(name, " must be a string"));
    return std::nullopt;
  }
  return it->get<std::string>();
}

}  // namespace lineaged::api::internal
