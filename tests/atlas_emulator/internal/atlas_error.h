#pragma once

// Atlas's error vocabulary for the emulator: the AtlasErrorCode entries the
// REST contract uses (shared reference atlas-contract.md §0.2), carried inside
// absl::Status so the emulator's layers can use the project's status macros,
// and turned into the exact HTTP bodies of §0.1 at the router edge.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace lineaged::testing::internal {

// The AtlasErrorCode enum entries the emulator raises. Each has a fixed HTTP
// status, errorCode string and java.text.MessageFormat template (atlas_error.cc).
enum class AtlasErrorCode {
  kInvalidParameters,                  // 400 ATLAS-400-00-01A
  kCircularReference,                  // 400 ATLAS-400-00-002
  kIncompatibleSupertype,              // 400 ATLAS-400-00-003
  kUnknownTypename,                    // 400 ATLAS-400-00-00A
  kCannotAddMandatoryAttribute,        // 400 ATLAS-400-00-00C
  kAttributeDeletionNotSupported,      // 400 ATLAS-400-00-00D
  kSupertypeRemovalNotSupported,       // 400 ATLAS-400-00-00E
  kInvalidCardinality,                 // 400 ATLAS-400-00-012
  kAttributeUniqueInvalid,             // 400 ATLAS-400-00-013
  kTypeNameInvalid,                    // 400 ATLAS-400-00-014
  kTypeNameInvalidFormat,              // 400 ATLAS-400-00-019
  kInvalidObjectId,                    // 400 ATLAS-400-00-021
  kUnknownAttribute,                   // 400 ATLAS-400-00-023
  kInvalidStructValue,                 // 400 ATLAS-400-00-025
  kBadRequest,                         // 400 ATLAS-400-00-029
  kInvalidRelationshipEndType,         // 400 ATLAS-400-00-036
  kInvalidSearchParams,                // 400 ATLAS-400-00-047
  kInvalidQueryParamLength,            // 400 ATLAS-400-00-057
  kInvalidCustomAttributeKeyLength,    // 400 ATLAS-400-00-08C
  kInvalidCustomAttributeKeyChars,     // 400 ATLAS-400-00-08D
  kInvalidCustomAttributeValue,        // 400 ATLAS-400-00-08E
  kInvalidLabelLength,                 // 400 ATLAS-400-00-08F
  kInvalidLabelChars,                  // 400 ATLAS-400-00-090
  kAttributeNameExistsInParent,        // 400 ATLAS-400-00-09E
  kLineageOnDemandNotEnabled,          // 400 ATLAS-400-00-100
  kUnauthorizedAccess,                 // 403 ATLAS-403-00-001
  kTypeNameNotFound,                   // 404 ATLAS-404-00-001
  kTypeGuidNotFound,                   // 404 ATLAS-404-00-002
  kInstanceGuidNotFound,               // 404 ATLAS-404-00-005
  kInstanceCrudInvalidParams,          // 404 ATLAS-404-00-007
  kInstanceByUniqueAttributeNotFound,  // 404 ATLAS-404-00-009
  kReferencedEntityNotFound,           // 404 ATLAS-404-00-00A
  kInvalidLineageEntityType,           // 404 ATLAS-404-00-011
  kTypeAlreadyExists,                  // 409 ATLAS-409-00-001
  kTypeHasReferences,                  // 409 ATLAS-409-00-002
  kInstanceAlreadyExists,              // 409 ATLAS-409-00-003
  kTypeHasRelationships,               // 409 ATLAS-409-00-005
};

// java.text.MessageFormat as Atlas uses it: {0}, {1}, … are replaced by
// `args`; placeholders without an argument stay literal ("{1}").
std::string FormatMessage(std::string_view pattern, const std::vector<std::string>& args);

// An AtlasBaseException: rendered as {"errorCode","errorMessage"} with the
// code's HTTP status. Only args[0..n) fill the template, so passing several
// validation messages keeps the first one, as Atlas does.
absl::Status AtlasError(AtlasErrorCode code, const std::vector<std::string>& args = {});

// A Jackson parse or mapping failure: 400 {"error":"<message>"}.
absl::Status JsonBodyError(std::string_view message);

// An uncaught server exception (e.g. Atlas's NullPointerException on a bulk
// body without "entities"): 500 with Atlas's plain-text body.
absl::Status UncaughtServerError(std::string_view what);

// The HTTP rendering of a status produced by the functions above; any other
// non-OK status renders as the plain-text 500.
struct HttpError {
  int status = 500;
  std::string content_type;
  std::string body;
};
HttpError ToHttpError(const absl::Status& status);

// Atlas's plain-text body for uncaught exceptions, with a fresh 16-hex-digit ID.
std::string UncaughtErrorBody();

}  // namespace lineaged::testing::internal
