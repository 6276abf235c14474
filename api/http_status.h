#pragma once

// The one table from absl::Status to an HTTP status for every REST handler,
// with Marquez's error body {"code":<status>,"message":"..."}. The store's
// NotFound messages are already Marquez's ("Dataset 'x' not found."), so they
// pass through unchanged.

#include "absl/status/status.h"

#include "api/http_types.h"

namespace lineaged::api {

// NotFound 404; InvalidArgument/OutOfRange 400; AlreadyExists/FailedPrecondition
// 409; ResourceExhausted 429; Unavailable/DeadlineExceeded 503; anything else
// (including OK, which callers should not pass) 500.
int HttpStatusFor(const absl::Status& status);

// ErrorResponse(HttpStatusFor(status), status.message()).
Response StatusResponse(const absl::Status& status);

}  // namespace lineaged::api
