#include "tests/atlas_emulator/internal/atlas_error.h"

#include <cstdio>
#include <random>
#include <string>

#include "absl/strings/cord.h"
#include "nlohmann/json.hpp"

namespace lineaged::testing::internal {
namespace {

// Payload key under which the emulator's statuses carry their HTTP rendering.
constexpr char kPayloadUrl[] = "lineaged.testing/atlas-error";

struct CodeInfo {
  int http_status;
  const char* code;
  const char* pattern;
};

// Exact strings from AtlasErrorCode at the contract's commit (atlas-contract.md §0.2).
CodeInfo Info(AtlasErrorCode code) {
  switch (code) {
    case AtlasErrorCode::kInvalidParameters:
      return {400, "ATLAS-400-00-01A", "invalid parameters: {0}"};
    case AtlasErrorCode::kCircularReference:
      return {400, "ATLAS-400-00-002",
              "{0}: invalid supertypes - circular reference back to self {1}"};
    case AtlasErrorCode::kIncompatibleSupertype:
      return {400, "ATLAS-400-00-003", "{0}: incompatible supertype {1}"};
    case AtlasErrorCode::kUnknownTypename:
      return {400, "ATLAS-400-00-00A", "{0}: Unknown/invalid typename"};
    case AtlasErrorCode::kCannotAddMandatoryAttribute:
      return {400, "ATLAS-400-00-00C", "{0}.{1} : can not add mandatory attribute"};
    case AtlasErrorCode::kAttributeDeletionNotSupported:
      return {400, "ATLAS-400-00-00D", "{0}.{1} : attribute delete not supported"};
    case AtlasErrorCode::kSupertypeRemovalNotSupported:
      return {400, "ATLAS-400-00-00E", "superType remove not supported"};
    case AtlasErrorCode::kInvalidCardinality:
      return {400, "ATLAS-400-00-012",
              "Cardinality of attribute {0}.{1} requires a list or set type"};
    case AtlasErrorCode::kAttributeUniqueInvalid:
      return {400, "ATLAS-400-00-013", "Type {0} with unique attribute {1} does not exist"};
    case AtlasErrorCode::kTypeNameInvalid:
      return {400, "ATLAS-400-00-014", "Type {0} with name {1} does not exist"};
    case AtlasErrorCode::kTypeNameInvalidFormat:
      return {400, "ATLAS-400-00-019",
              "{0}: invalid name for {1}.  Names must consist of a letter followed by a sequence "
              "of letter, number, space, or '_' characters"};
    case AtlasErrorCode::kInvalidObjectId:
      return {400, "ATLAS-400-00-021", "ObjectId is not valid {0}"};
    case AtlasErrorCode::kUnknownAttribute:
      return {400, "ATLAS-400-00-023", "Attribute {0} not found for type {1}"};
    case AtlasErrorCode::kInvalidStructValue:
      return {400, "ATLAS-400-00-025", "not a valid struct value {0}"};
    case AtlasErrorCode::kBadRequest:
      return {400, "ATLAS-400-00-029", "{0}"};
    case AtlasErrorCode::kInvalidRelationshipEndType:
      return {400, "ATLAS-400-00-036",
              "invalid relationshipDef: {0}: actual: [end type 1: {1}, end type 2: {2}]. "
              "expected: [end type 1: {3}, end type 2: {4}]"};
    case AtlasErrorCode::kInvalidSearchParams:
      return {400, "ATLAS-400-00-047",
              "No search parameter was found. One of the following MUST be specified in the "
              "request; typeName, classification, termName or queryText"};
    case AtlasErrorCode::kInvalidQueryParamLength:
      return {400, "ATLAS-400-00-057", "Length of query param {0} exceeds the limit"};
    case AtlasErrorCode::kInvalidCustomAttributeKeyLength:
      return {400, "ATLAS-400-00-08C",
              "Invalid key: {0} in custom attribute, key size should not be greater than 50"};
    case AtlasErrorCode::kInvalidCustomAttributeKeyChars:
      return {400, "ATLAS-400-00-08D",
              "Invalid key: {0} in custom attribute, key should only contain alphanumeric "
              "characters, '_' or '-'"};
    case AtlasErrorCode::kInvalidCustomAttributeValue:
      return {400, "ATLAS-400-00-08E",
              "Invalid value: {0} in custom attribute, value length is greater than {1}"};
    case AtlasErrorCode::kInvalidLabelLength:
      return {400, "ATLAS-400-00-08F",
              "Invalid label: {0}, label size should not be greater than {1}"};
    case AtlasErrorCode::kInvalidLabelChars:
      return {400, "ATLAS-400-00-090",
              "Invalid label: {0}, label should contain alphanumeric characters, '_' or '-'"};
    case AtlasErrorCode::kAttributeNameExistsInParent:
      return {400, "ATLAS-400-00-09E",
              "Invalid attribute name: {0}.{1}. Attribute already exists in another parent type: "
              "{2}"};
    case AtlasErrorCode::kLineageOnDemandNotEnabled:
      return {400, "ATLAS-400-00-100", "Lineage on demand config: {0} is not enabled"};
    case AtlasErrorCode::kUnauthorizedAccess:
      return {403, "ATLAS-403-00-001", "{0} is not authorized to perform {1}"};
    case AtlasErrorCode::kTypeNameNotFound:
      return {404, "ATLAS-404-00-001", "Given typename {0} was invalid"};
    case AtlasErrorCode::kTypeGuidNotFound:
      return {404, "ATLAS-404-00-002", "Given type guid {0} was invalid"};
    case AtlasErrorCode::kInstanceGuidNotFound:
      return {404, "ATLAS-404-00-005", "Given instance guid {0} is invalid/not found"};
    case AtlasErrorCode::kInstanceCrudInvalidParams:
      return {404, "ATLAS-404-00-007",
              "Invalid instance creation/updation parameters passed : {0}"};
    case AtlasErrorCode::kInstanceByUniqueAttributeNotFound:
      return {404, "ATLAS-404-00-009", "Instance {0} with unique attribute {1} does not exist"};
    case AtlasErrorCode::kReferencedEntityNotFound:
      return {404, "ATLAS-404-00-00A", "Referenced entity {0} is not found"};
    case AtlasErrorCode::kInvalidLineageEntityType:
      return {404, "ATLAS-404-00-011",
              "Given instance guid {0} with type {1} is not a valid lineage entity type."};
    case AtlasErrorCode::kTypeAlreadyExists:
      return {409, "ATLAS-409-00-001", "Given type {0} already exists"};
    case AtlasErrorCode::kTypeHasReferences:
      return {409, "ATLAS-409-00-002", "Given type {0} has references"};
    case AtlasErrorCode::kInstanceAlreadyExists:
      return {409, "ATLAS-409-00-003", "failed to update entity: {0}"};
    case AtlasErrorCode::kTypeHasRelationships:
      return {409, "ATLAS-409-00-005", "Given type {0} has associated relationshipDefs"};
  }
  return {500, "ATLAS-500-00-001", "Internal server error {0}"};
}

absl::StatusCode CanonicalCode(int http_status) {
  switch (http_status) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return absl::StatusCode::kAlreadyExists;
    default:
      return absl::StatusCode::kInternal;
  }
}

absl::Status WithPayload(absl::StatusCode code, std::string_view message, std::string payload) {
  absl::Status status(code, absl::string_view(message.data(), message.size()));
  status.SetPayload(kPayloadUrl, absl::Cord(payload));
  return status;
}

}  // namespace

std::string FormatMessage(std::string_view pattern, const std::vector<std::string>& args) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{') {
      const size_t close = pattern.find('}', i);
      if (close != std::string_view::npos && close > i + 1) {
        const std::string_view digits = pattern.substr(i + 1, close - i - 1);
        bool numeric = true;
        size_t index = 0;
        for (char c : digits) {
          if (c < '0' || c > '9') {
            numeric = false;
            break;
          }
          index = index * 10 + static_cast<size_t>(c - '0');
        }
        if (numeric && index < args.size()) {
          out += args[index];
          i = close;
          continue;
        }
      }
    }
    out.push_back(pattern[i]);
  }
  return out;
}

absl::Status AtlasError(AtlasErrorCode code, const std::vector<std::string>& args) {
  const CodeInfo info = Info(code);
  return WithPayload(CanonicalCode(info.http_status), FormatMessage(info.pattern, args),
                     "A|" + std::to_string(info.http_status) + "|" + info.code);
}

absl::Status JsonBodyError(std::string_view message) {
  return WithPayload(absl::StatusCode::kInvalidArgument, message, "J|400|");
}

absl::Status UncaughtServerError(std::string_view what) {
  return WithPayload(absl::StatusCode::kInternal, what, "P|500|");
}

std::string UncaughtErrorBody() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char id[17];
  std::snprintf(id, sizeof(id), "%016llx", static_cast<unsigned long long>(rng()));
  return std::string("There was an error processing your request. It has been logged (ID ") + id +
         ").";
}

HttpError ToHttpError(const absl::Status& status) {
  HttpError error;
  const auto payload = status.GetPayload(kPayloadUrl);
  if (!payload) {
    error.content_type = "text/plain;charset=UTF-8";
    error.body = UncaughtErrorBody();
    return error;
  }
  const std::string text(*payload);
  const size_t first = text.find('|');
  const size_t second = text.find('|', first + 1);
  const char kind = text.empty() ? 'P' : text[0];
  error.status = std::stoi(text.substr(first + 1, second - first - 1));
  const std::string message(status.message());
  if (kind == 'A') {
    nlohmann::ordered_json body;
    body["errorCode"] = text.substr(second + 1);
    body["errorMessage"] = message;
    error.content_type = "application/json;charset=UTF-8";
    error.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else if (kind == 'J') {
    nlohmann::ordered_json body;
    body["error"] = message;
    error.content_type = "application/json;charset=UTF-8";
    error.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    error.content_type = "text/plain;charset=UTF-8";
    error.body = UncaughtErrorBody();
  }
  return error;
}

}  // namespace lineaged::testing::internal
