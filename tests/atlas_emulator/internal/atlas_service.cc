#include "tests/atlas_emulator/internal/atlas_service.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <initializer_list>
#include <utility>

#include "graphstore/base/status_macros.h"
#include "tests/atlas_emulator/internal/atlas_error.h"
#include "tests/atlas_emulator/internal/queries.h"

namespace lineaged::testing::internal {
namespace {

constexpr char kApiPrefix[] = "/api/atlas/";
constexpr size_t kMaxParamLength = 4096;  // atlas.query.param.max.length
constexpr char kJsonType[] = "application/json;charset=UTF-8";
constexpr char kSessionCookie[] = "ATLASSESSIONID";
constexpr size_t kMaxSessions = 10000;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The servlet container's decoding: %XX always, '+' only in query strings.
std::string PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && HexValue(in[i + 1]) >= 0 && HexValue(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2])));
      i += 2;
    } else if (in[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

struct Target {
  std::vector<std::string> segments;  // decoded path segments after /api/atlas/
  std::string path;                   // raw path
  std::vector<std::pair<std::string, std::string>> query;

  std::optional<std::string> Get(std::string_view key) const {
    for (const auto& [k, v] : query) {
      if (k == key) return v;
    }
    return std::nullopt;
  }
  std::vector<std::string> All(std::string_view key) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : query) {
      if (k == key) out.push_back(v);
    }
    return out;
  }
  // attr:<name>=<value> parameters as a map, in order.
  Json Attributes(std::string_view prefix = "attr:") const {
    Json out = Json::object();
    for (const auto& [k, v] : query) {
      if (k.size() > prefix.size() && k.compare(0, prefix.size(), prefix) == 0) {
        out[k.substr(prefix.size())] = v;
      }
    }
    return out;
  }
};

Target ParseTarget(std::string_view target) {
  Target out;
  const size_t question = target.find('?');
  out.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
      const size_t amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      if (!pair.empty()) {
        const size_t eq = pair.find('=');
        out.query.emplace_back(PercentDecode(pair.substr(0, eq), true),
                               eq == std::string_view::npos
                                   ? std::string()
                                   : PercentDecode(pair.substr(eq + 1), true));
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  if (out.path.rfind(kApiPrefix, 0) == 0) {
    std::string_view rest = std::string_view(out.path).substr(sizeof(kApiPrefix) - 1);
    while (true) {
      const size_t slash = rest.find('/');
      out.segments.push_back(PercentDecode(rest.substr(0, slash), false));
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash + 1);
    }
  }
  return out;
}

std::string Base64Decode(std::string_view in) {
  std::string out;
  int buffer = 0;
  int bits = 0;
  for (char c : in) {
    int value;
    if (c >= 'A' && c <= 'Z') {
      value = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      value = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      value = c - '0' + 52;
    } else if (c == '+' || c == '-') {
      value = 62;
    } else if (c == '/' || c == '_') {
      value = 63;
    } else {
      continue;  // '=' padding and whitespace
    }
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

ServiceResponse JsonResponse(int status, const Json& body) {
  ServiceResponse response;
  response.status = status;
  response.content_type = kJsonType;
  response.body = Dump(body);
  return response;
}

ServiceResponse ErrorResponse(const absl::Status& status) {
  const HttpError error = ToHttpError(status);
  ServiceResponse response;
  response.status = error.status;
  response.content_type = error.content_type;
  response.body = error.body;
  return response;
}

// Jetty's HTML error page: what Atlas answers for container-level failures
// (unknown path, 405, 415, 401), which is not Atlas JSON.
ServiceResponse HtmlError(int status, std::string_view reason, std::string_view uri,
                          std::string_view message) {
  ServiceResponse response;
  response.status = status;
  response.content_type = "text/html;charset=iso-8859-1";
  const std::string title = "Error " + std::to_string(status) + " " + std::string(reason);
  response.body =
      "<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html;"
      "charset=utf-8\"/>\n<title>" +
      title + "</title>\n</head>\n<body><h2>HTTP ERROR " + std::to_string(status) + " " +
      std::string(reason) + "</h2>\n<table>\n<tr><th>URI:</th><td>" + std::string(uri) +
      "</td></tr>\n<tr><th>STATUS:</th><td>" + std::to_string(status) +
      "</td></tr>\n<tr><th>MESSAGE:</th><td>" + std::string(message) +
      "</td></tr>\n</table>\n</body>\n</html>\n";
  return response;
}

bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  const auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                              [](char a, char b) {
                                return std::tolower(static_cast<unsigned char>(a)) ==
                                       std::tolower(static_cast<unsigned char>(b));
                              });
  return it != haystack.end();
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Category of GET /v2/types/<kind>/name|guid/{…}.
std::optional<std::string> CategoryOfDefPath(std::string_view kind) {
  if (kind == "entitydef") return "ENTITY";
  if (kind == "structdef") return "STRUCT";
  if (kind == "enumdef") return "ENUM";
  if (kind == "relationshipdef") return "RELATIONSHIP";
  if (kind == "classificationdef") return "CLASSIFICATION";
  if (kind == "businessmetadatadef") return "BUSINESS_METADATA";
  return std::nullopt;
}

absl::Status CheckParamLength(std::string_view name, std::string_view value) {
  if (value.size() > kMaxParamLength) {
    return AtlasError(AtlasErrorCode::kInvalidQueryParamLength, {std::string(name)});
  }
  return absl::OkStatus();
}

}  // namespace

std::string ServiceRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

AtlasService::AtlasService(const AtlasEmulatorOptions& options)
    : options_(options),
      registry_(TypeRegistry::Preloaded()),
      store_(std::make_unique<EntityStore>(&registry_)) {}

void AtlasService::Reset() {
  absl::MutexLock lock(&mu_);
  registry_ = TypeRegistry::Preloaded();
  store_ = std::make_unique<EntityStore>(&registry_);
  sessions_.clear();
}

size_t AtlasService::EntityCount(std::string_view type_name) const {
  absl::MutexLock lock(&mu_);
  return store_->CountActive(type_name);
}

std::optional<Json> AtlasService::FindByQualifiedName(std::string_view type_name,
                                                      std::string_view qualified_name) const {
  absl::MutexLock lock(&mu_);
  const EntityTypeInfo* type = registry_.FindEntity(type_name);
  if (type == nullptr) return std::nullopt;
  Json attributes = Json::object();
  attributes["qualifiedName"] = std::string(qualified_name);
  const StoredEntity* entity = store_->FindByUniqueAttributes(*type, attributes);
  if (entity == nullptr) return std::nullopt;
  return store_->RenderEntity(*entity, /*ignore_relationships=*/false);
}

std::optional<Json> AtlasService::FindByGuid(std::string_view guid) const {
  absl::MutexLock lock(&mu_);
  const StoredEntity* entity = store_->FindByGuid(guid);
  if (entity == nullptr) return std::nullopt;
  return store_->RenderEntity(*entity, /*ignore_relationships=*/false);
}

ServiceResponse AtlasService::Handle(const ServiceRequest& request) {
  ServiceResponse response;
  try {
    absl::MutexLock lock(&mu_);
    response = HandleLocked(request);
  } catch (const std::exception& e) {
    // What Atlas does with an unexpected exception: 500, plain text.
    response = ServiceResponse();
    response.status = 500;
    response.content_type = "text/plain;charset=UTF-8";
    response.body = UncaughtErrorBody();
  }
  response.headers.emplace_back("requestId", NewUuid());
  return response;
}

ServiceResponse AtlasService::HandleLocked(const ServiceRequest& request) {
  const Target target = ParseTarget(request.target);
  if (target.path == "/api/atlas/admin/status") {
    if (request.method != "GET") {
      return HtmlError(405, "Method Not Allowed", target.path, "Method Not Allowed");
    }
    Json body = Json::object();
    body["Status"] = "ACTIVE";
    return JsonResponse(200, body);
  }

  // Authentication: basic, preemptive, and no WWW-Authenticate challenge on
  // failure (Atlas's entry point for non-browser clients, §7).
  std::string user = "admin";
  AtlasRole role = AtlasRole::kAdmin;
  std::string new_session;
  if (!options_.users.empty()) {
    std::optional<std::string> authenticated;
    const std::string cookies = request.Header("Cookie");
    for (size_t pos = 0; pos < cookies.size();) {
      const size_t end = std::min(cookies.find(';', pos), cookies.size());
      std::string cookie = cookies.substr(pos, end - pos);
      cookie.erase(0, cookie.find_first_not_of(' '));
      const std::string prefix = std::string(kSessionCookie) + "=";
      if (StartsWith(cookie, prefix)) {
        const auto it = sessions_.find(cookie.substr(prefix.size()));
        if (it != sessions_.end()) authenticated = it->second;
      }
      pos = end + 1;
    }
    const std::string authorization = request.Header("Authorization");
    bool bad_credentials = false;
    if (!authenticated && !authorization.empty()) {
      if (authorization.size() > 6 && EqualsIgnoreCase(authorization.substr(0, 6), "Basic ")) {
        const std::string decoded = Base64Decode(authorization.substr(6));
        const size_t colon = decoded.find(':');
        const std::string name = decoded.substr(0, colon);
        const std::string password =
            colon == std::string::npos ? std::string() : decoded.substr(colon + 1);
        for (const AtlasCredentials& credentials : options_.users) {
          if (credentials.user == name && credentials.password == password) {
            authenticated = name;
          }
        }
      }
      bad_credentials = !authenticated.has_value();
      if (authenticated) {
        // Like Jetty, a request without a session cookie starts a session;
        // bounded, since clients that never send the cookie start one each time.
        if (sessions_.size() >= kMaxSessions) sessions_.erase(sessions_.begin());
        new_session = NewUuid();
        sessions_[new_session] = *authenticated;
      }
    }
    if (!authenticated) {
      return HtmlError(401, "Unauthorized", target.path,
                       bad_credentials ? "Bad credentials"
                                       : "Full authentication is required to access this "
                                         "resource");
    }
    user = *authenticated;
    for (const AtlasCredentials& credentials : options_.users) {
      if (credentials.user == user) role = credentials.role;
    }
  }

  // Atlas's CSRF filter: browser user agents must send X-XSRF-HEADER on writes.
  const std::string user_agent = request.Header("User-Agent");
  const bool browser = StartsWith(user_agent, "Mozilla") || StartsWith(user_agent, "Opera") ||
                       StartsWith(user_agent, "Chrome");
  const bool write =
      request.method == "POST" || request.method == "PUT" || request.method == "DELETE";
  ServiceResponse response;
  if (browser && write && request.Header("X-XSRF-HEADER").empty()) {
    response.status = 400;
    response.content_type = "text/plain;charset=UTF-8";
    response.body = "Missing header or invalid Header value for CSRF Vulnerability Protection";
  } else {
    response = Dispatch(request, user, role);
  }
  if (!new_session.empty()) {
    response.headers.emplace_back(
        "Set-Cookie", std::string(kSessionCookie) + "=" + new_session + "; Path=/; HttpOnly");
  }
  return response;
}

ServiceResponse AtlasService::Dispatch(const ServiceRequest& request, const std::string& user,
                                       AtlasRole role) {
  const Target target = ParseTarget(request.target);
  const std::vector<std::string>& s = target.segments;
  const std::string& method = request.method;
  auto not_found = [&] { return HtmlError(404, "Not Found", target.path, "Not Found"); };
  auto not_allowed = [&] {
    return HtmlError(405, "Method Not Allowed", target.path, "Method Not Allowed");
  };
  auto is = [&](std::initializer_list<std::string_view> pattern) {
    if (s.size() != pattern.size()) return false;
    size_t i = 0;
    for (std::string_view part : pattern) {
      if (part != "*" && s[i] != part) return false;
      if (part == "*" && s[i].empty()) return false;
      ++i;
    }
    return true;
  };
  auto allows = [&](std::initializer_list<std::string_view> methods) {
    return std::find(methods.begin(), methods.end(), method) != methods.end();
  };
  if (s.empty()) return not_found();

  // JAX-RS content negotiation: @Consumes/@Produces application/json.
  const std::string content_type = request.Header("Content-Type");
  if ((method == "POST" || method == "PUT") && !content_type.empty() &&
      !ContainsIgnoreCase(content_type, "json")) {
    return HtmlError(415, "Unsupported Media Type", target.path, "Unsupported Media Type");
  }
  const std::string accept = request.Header("Accept");
  if (!accept.empty() && !ContainsIgnoreCase(accept, "json") &&
      !ContainsIgnoreCase(accept, "*/*")) {
    return HtmlError(406, "Not Acceptable", target.path, "Not Acceptable");
  }

  const bool can_write_entities = role != AtlasRole::kReader;
  const bool can_write_types = role == AtlasRole::kAdmin;
  WriteOptions write;
  write.user = user;
  write.allowed = can_write_entities;
  write.create_shells = options_.create_shell_entities;
  write.now = NowMillis();

  // The request body as Jackson would bind it: null when empty.
  std::string parse_error;
  const Json body = request.body.empty() ? Json(nullptr) : Parse(request.body, &parse_error);
  auto body_error = [&]() -> std::optional<ServiceResponse> {
    if (body.is_discarded()) return ErrorResponse(JsonBodyError(parse_error));
    return std::nullopt;
  };
  auto reply = [&](const absl::StatusOr<Json>& result) {
    return result.ok() ? JsonResponse(200, *result) : ErrorResponse(result.status());
  };

  // Looks up the entity named by a uniqueAttribute path ({type} plus attr:
  // parameters), with EntityREST's checks. Runs under mu_, as its caller
  // does; clang's thread-safety analysis must be told so for a lambda.
  auto by_unique_attribute =
      [&](const std::string& type_name, const Json& attributes)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::StatusOr<const StoredEntity*> {
    LINEAGED_RETURN_IF_ERROR(CheckParamLength("typeName", type_name));
    const EntityTypeInfo* type = registry_.FindEntity(type_name);
    if (type == nullptr) return AtlasError(AtlasErrorCode::kTypeNameInvalid, {"ENTITY", type_name});
    if (attributes.empty()) {
      return AtlasError(AtlasErrorCode::kAttributeUniqueInvalid, {type_name, ""});
    }
    for (const auto& [name, value] : attributes.items()) {
      const AttributeInfo* attr = type->FindAttribute(name);
      if (attr == nullptr || !attr->unique) {
        return AtlasError(AtlasErrorCode::kAttributeUniqueInvalid, {type_name, name});
      }
    }
    const StoredEntity* entity = store_->FindByUniqueAttributes(*type, attributes);
    if (entity == nullptr) {
      return AtlasError(AtlasErrorCode::kInstanceByUniqueAttributeNotFound,
                        {type_name, JavaString(attributes)});
    }
    return entity;
  };
  auto flag = [&](const char* name) {
    return EqualsIgnoreCase(target.Get(name).value_or("false"), "true");
  };

  // --- admin ---
  if (is({"admin", "version"})) {
    if (!allows({"GET"})) return not_allowed();
    Json version = Json::object();
    version["Version"] = "2.5.0";
    version["Revision"] = "bcfe1a25a5c187cfa4bebb2693faabb51fd260e0";
    version["Name"] = "apache-atlas";
    version["Description"] = "Metadata Management and Data Governance Platform over Hadoop";
    return JsonResponse(200, version);
  }
  if (s[0] != "v2") return not_found();

  // --- typedefs ---
  if (is({"v2", "types", "typedefs"}) || is({"v2", "types", "typedefs", "headers"})) {
    const bool headers = s.size() == 4;
    if (method == "GET") {
      TypedefFilter filter;
      filter.type = target.Get("type").value_or("");
      filter.name = target.Get("name").value_or("");
      filter.supertype = target.Get("supertype").value_or("");
      filter.not_supertype = target.Get("notsupertype").value_or("");
      filter.service_type = target.Get("servicetype").value_or("");
      filter.not_service_type = target.Get("notservicetype").value_or("");
      filter.not_name = target.Get("notname").value_or("");
      return JsonResponse(
          200, headers ? registry_.RenderHeaders(filter) : registry_.RenderTypesDef(filter));
    }
    if (headers) return not_allowed();
    if (auto error = body_error()) return *error;
    if (method == "POST" || method == "PUT") {
      if (body.is_null()) return ErrorResponse(UncaughtServerError("null AtlasTypesDef"));
      return reply(method == "POST" ? registry_.Create(body, user, can_write_types, write.now)
                                    : registry_.Update(body, user, can_write_types, write.now));
    }
    if (method == "DELETE") {
      if (!body.is_object()) return ErrorResponse(UncaughtServerError("null AtlasTypesDef"));
      // Validate every name first so that the batch is all-or-nothing.
      std::vector<std::string> names;
      for (const char* list : {"relationshipDefs", "entityDefs", "classificationDefs", "structDefs",
                               "enumDefs", "businessMetadataDefs"}) {
        for (const Json& def : body.value(list, Json::array())) {
          names.push_back(CoercedString(def, "name").value_or(""));
        }
      }
      TypeRegistry candidate = registry_;
      for (const std::string& name : names) {
        if (absl::Status status =
                candidate.Delete(name, store_->HasInstances(name), user, can_write_types);
            !status.ok()) {
          return ErrorResponse(status);
        }
      }
      registry_ = std::move(candidate);
      ServiceResponse response;
      response.status = 204;
      return response;
    }
    return not_allowed();
  }
  if (is({"v2", "types", "typedef", "name", "*"}) || is({"v2", "types", "typedef", "guid", "*"})) {
    const bool by_name = s[3] == "name";
    if (method == "GET") {
      if (absl::Status status = CheckParamLength(by_name ? "name" : "guid", s[4]); !status.ok()) {
        return ErrorResponse(status);
      }
      const Json* def = by_name ? registry_.FindDef(s[4]) : registry_.FindDefByGuid(s[4]);
      if (def == nullptr) {
        return ErrorResponse(AtlasError(
            by_name ? AtlasErrorCode::kTypeNameNotFound : AtlasErrorCode::kTypeGuidNotFound,
            {s[4]}));
      }
      return JsonResponse(200, registry_.Render((*def)["name"].get<std::string>()));
    }
    if (method == "DELETE" && by_name) {
      if (absl::Status status =
              registry_.Delete(s[4], store_->HasInstances(s[4]), user, can_write_types);
          !status.ok()) {
        return ErrorResponse(status);
      }
      ServiceResponse response;
      response.status = 204;
      return response;
    }
    return not_allowed();
  }
  if (s.size() == 5 && s[1] == "types" && CategoryOfDefPath(s[2]) &&
      (s[3] == "name" || s[3] == "guid") && !s[4].empty()) {
    if (!allows({"GET"})) return not_allowed();
    const bool by_name = s[3] == "name";
    const Json* def = by_name ? registry_.FindDef(s[4]) : registry_.FindDefByGuid(s[4]);
    if (def == nullptr || (*def)["category"] != *CategoryOfDefPath(s[2])) {
      return ErrorResponse(AtlasError(
          by_name ? AtlasErrorCode::kTypeNameNotFound : AtlasErrorCode::kTypeGuidNotFound, {s[4]}));
    }
    return JsonResponse(200, registry_.Render((*def)["name"].get<std::string>()));
  }

  // --- entity writes and reads ---
  if (is({"v2", "entity"})) {
    if (!allows({"POST"})) return not_allowed();
    if (auto error = body_error()) return *error;
    if (body.is_null()) return ErrorResponse(UncaughtServerError("null AtlasEntityWithExtInfo"));
    if (!body.is_object())
      return ErrorResponse(JsonBodyError("Cannot deserialize AtlasEntityWithExtInfo"));
    const Json entity = body.value("entity", Json(nullptr));
    if (entity.is_null()) {
      return ErrorResponse(AtlasError(AtlasErrorCode::kInvalidParameters, {"found null entity"}));
    }
    Json entities = Json::array();
    entities.push_back(entity);
    return reply(
        store_->CreateOrUpdate(entities, body.value("referredEntities", Json(nullptr)), write));
  }
  if (is({"v2", "entity", "bulk"})) {
    if (method == "POST") {
      if (auto error = body_error()) return *error;
      if (body.is_null()) {
        return ErrorResponse(UncaughtServerError("null AtlasEntitiesWithExtInfo"));
      }
      if (!body.is_object()) {
        return ErrorResponse(JsonBodyError("Cannot deserialize AtlasEntitiesWithExtInfo"));
      }
      // A missing "entities" is a NullPointerException in Atlas: opaque 500.
      const auto entities = body.find("entities");
      if (entities == body.end() || entities->is_null()) {
        return ErrorResponse(UncaughtServerError("entities is null"));
      }
      return reply(
          store_->CreateOrUpdate(*entities, body.value("referredEntities", Json(nullptr)), write));
    }
    const std::vector<std::string> guids = target.All("guid");
    if (method == "GET") {
      if (guids.empty()) {
        return ErrorResponse(AtlasError(AtlasErrorCode::kInstanceGuidNotFound, {"[]"}));
      }
      Json out = Json::object();
      out["referredEntities"] = Json::object();
      out["entities"] = Json::array();
      for (const std::string& guid : guids) {
        const StoredEntity* entity = store_->FindByGuid(guid);
        if (entity == nullptr) {
          if (flag("skipFailedEntities")) continue;
          return ErrorResponse(AtlasError(AtlasErrorCode::kInstanceGuidNotFound, {guid}));
        }
        Json ext = store_->RenderEntityWithExtInfo(*entity, flag("minExtInfo"),
                                                   flag("ignoreRelationships"));
        for (const auto& [key, referred] : ext["referredEntities"].items()) {
          out["referredEntities"][key] = referred;
        }
        out["entities"].push_back(ext["entity"]);
      }
      return JsonResponse(200, out);
    }
    if (method == "DELETE") {
      if (guids.empty()) {
        return ErrorResponse(
            AtlasError(AtlasErrorCode::kInvalidParameters, {"Guid(s) not specified"}));
      }
      return reply(store_->Delete(guids, write));
    }
    return not_allowed();
  }
  if (is({"v2", "entity", "guid", "*"}) || is({"v2", "entity", "guid", "*", "header"})) {
    const std::string& guid = s[3];
    if (absl::Status status = CheckParamLength("guid", guid); !status.ok()) {
      return ErrorResponse(status);
    }
    const StoredEntity* entity = store_->FindByGuid(guid);
    if (s.size() == 5) {
      if (!allows({"GET"})) return not_allowed();
      if (entity == nullptr) {
        return ErrorResponse(AtlasError(AtlasErrorCode::kInstanceGuidNotFound, {guid}));
      }
      return JsonResponse(200, store_->RenderHeader(*entity, EntityStore::HeaderKind::kMutation));
    }
    if (method == "GET") {
      if (entity == nullptr) {
        return ErrorResponse(AtlasError(AtlasErrorCode::kInstanceGuidNotFound, {guid}));
      }
      return JsonResponse(200, store_->RenderEntityWithExtInfo(*entity, flag("minExtInfo"),
                                                               flag("ignoreRelationships")));
    }
    if (method == "DELETE") return reply(store_->Delete({guid}, write));
    if (method == "PUT") {
      // Sets one attribute (partialUpdateEntityAttrByGuid).
      if (auto error = body_error()) return *error;
      if (entity == nullptr) {
        return ErrorResponse(AtlasError(AtlasErrorCode::kInstanceGuidNotFound, {guid}));
      }
      const std::string name = target.Get("name").value_or("");
      const EntityTypeInfo* type = registry_.FindEntity(entity->type_name);
      if (type == nullptr ||
          (type->FindAttribute(name) == nullptr && !type->IsRelationshipAttribute(name))) {
        return ErrorResponse(
            AtlasError(AtlasErrorCode::kUnknownAttribute, {name, entity->type_name}));
      }
      Json update = Json::object();
      update["guid"] = entity->guid;
      update["typeName"] = entity->type_name;
      update["attributes"] = Json::object();
      update["attributes"][name] = body;
      Json entities = Json::array();
      entities.push_back(std::move(update));
      WriteOptions partial = write;
      partial.partial = true;
      return reply(store_->CreateOrUpdate(entities, Json(nullptr), partial));
    }
    return not_allowed();
  }
  if (is({"v2", "entity", "uniqueAttribute", "type", "*"}) ||
      is({"v2", "entity", "uniqueAttribute", "type", "*", "header"})) {
    const std::string& type_name = s[4];
    const Json attributes = target.Attributes();
    if (s.size() == 6) {
      if (!allows({"GET"})) return not_allowed();
      absl::StatusOr<const StoredEntity*> entity = by_unique_attribute(type_name, attributes);
      if (!entity.ok()) return ErrorResponse(entity.status());
      return JsonResponse(200, store_->RenderHeader(**entity, EntityStore::HeaderKind::kMutation));
    }
    if (method == "GET") {
      absl::StatusOr<const StoredEntity*> entity = by_unique_attribute(type_name, attributes);
      if (!entity.ok()) return ErrorResponse(entity.status());
      return JsonResponse(200, store_->RenderEntityWithExtInfo(**entity, flag("minExtInfo"),
                                                               flag("ignoreRelationships")));
    }
    if (method == "PUT") {
      if (auto error = body_error()) return *error;
      absl::StatusOr<const StoredEntity*> entity = by_unique_attribute(type_name, attributes);
      if (!entity.ok()) return ErrorResponse(entity.status());
      if (!body.is_object() || !body.contains("entity") || !body["entity"].is_object()) {
        return ErrorResponse(
            AtlasError(AtlasErrorCode::kInvalidParameters, {"no entity to update."}));
      }
      if (!can_write_entities) {
        return ErrorResponse(AtlasError(AtlasErrorCode::kUnauthorizedAccess,
                                        {user, "update entity ByUniqueAttributes"}));
      }
      Json update = body["entity"];
      update["guid"] = (*entity)->guid;
      Json entities = Json::array();
      entities.push_back(std::move(update));
      WriteOptions partial = write;
      partial.partial = true;
      return reply(
          store_->CreateOrUpdate(entities, body.value("referredEntities", Json(nullptr)), partial));
    }
    if (method == "DELETE") {
      if (absl::Status status = CheckParamLength("typeName", type_name); !status.ok()) {
        return ErrorResponse(status);
      }
      const EntityTypeInfo* type = registry_.FindEntity(type_name);
      if (type == nullptr) {
        return ErrorResponse(AtlasError(AtlasErrorCode::kTypeNameInvalid, {"ENTITY", type_name}));
      }
      if (attributes.empty()) {
        // Atlas passes only the (empty) map, so "{1}" stays literal.
        return ErrorResponse(
            AtlasError(AtlasErrorCode::kInstanceByUniqueAttributeNotFound, {"{}"}));
      }
      const StoredEntity* entity = store_->FindByUniqueAttributes(*type, attributes);
      if (entity == nullptr) return JsonResponse(200, Json::object());
      return reply(store_->Delete({entity->guid}, write));
    }
    return not_allowed();
  }
  if (is({"v2", "entity", "bulk", "uniqueAttribute", "type", "*"})) {
    if (!allows({"GET"})) return not_allowed();
    // attr_<n>:<name>=<value>, one map per <n>.
    std::map<std::string, Json> by_index;
    std::vector<std::string> indexes;
    for (const auto& [key, value] : target.query) {
      if (!StartsWith(key, "attr_")) continue;
      const size_t colon = key.find(':');
      if (colon == std::string::npos) continue;
      const std::string index = key.substr(5, colon - 5);
      if (by_index.count(index) == 0) indexes.push_back(index);
      by_index[index][key.substr(colon + 1)] = value;
    }
    Json out = Json::object();
    out["referredEntities"] = Json::object();
    out["entities"] = Json::array();
    for (const std::string& index : indexes) {
      absl::StatusOr<const StoredEntity*> entity = by_unique_attribute(s[5], by_index[index]);
      if (!entity.ok()) return ErrorResponse(entity.status());
      out["entities"].push_back(store_->RenderEntity(**entity, flag("ignoreRelationships")));
    }
    return JsonResponse(200, out);
  }

  // --- lineage ---
  const bool lineage_by_guid = is({"v2", "lineage", "*"});
  const bool lineage_by_unique = is({"v2", "lineage", "uniqueAttribute", "type", "*"});
  if (lineage_by_guid || lineage_by_unique) {
    if (lineage_by_guid && method == "POST") {
      return ErrorResponse(AtlasError(AtlasErrorCode::kLineageOnDemandNotEnabled,
                                      {"atlas.lineage.on.demand.enabled"}));
    }
    if (!allows({"GET"})) return not_allowed();
    // A bad direction or depth fails JAX-RS parameter conversion: a plain 404.
    const std::string direction = target.Get("direction").value_or("BOTH");
    if (direction != "INPUT" && direction != "OUTPUT" && direction != "BOTH") return not_found();
    const auto depth = ParseInteger(target.Get("depth").value_or("3"));
    if (!depth || *depth < INT32_MIN || *depth > INT32_MAX) return not_found();
    std::string guid;
    if (lineage_by_guid) {
      guid = s[2];
      if (absl::Status status = CheckParamLength("guid", guid); !status.ok()) {
        return ErrorResponse(status);
      }
    } else {
      absl::StatusOr<const StoredEntity*> entity = by_unique_attribute(s[4], target.Attributes());
      if (!entity.ok()) return ErrorResponse(entity.status());
      guid = (*entity)->guid;
    }
    return reply(Lineage(*store_, registry_, guid, direction, static_cast<int>(*depth)));
  }

  // --- search ---
  if (is({"v2", "search", "basic"})) {
    if (method == "GET") {
      Json params = Json::object();
      for (const char* key : {"typeName", "query", "classification", "termName",
                              "excludeDeletedEntities", "limit", "offset", "sortBy", "sortOrder"}) {
        if (auto value = target.Get(key)) params[key] = *value;
      }
      return reply(BasicSearch(*store_, registry_, params));
    }
    if (method == "POST") {
      if (auto error = body_error()) return *error;
      if (!body.is_object()) {
        return ErrorResponse(JsonBodyError("Cannot deserialize SearchParameters"));
      }
      return reply(BasicSearch(*store_, registry_, body));
    }
    return not_allowed();
  }
  return not_found();
}

}  // namespace lineaged::testing::internal
