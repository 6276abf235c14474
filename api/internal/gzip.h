#pragma once

// Content-Encoding support for request bodies, through zlib.

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace lineaged::api::internal {

// Inflates a gzip or zlib stream (detected from its header). ResourceExhausted
// if the output would exceed `max_output_bytes`; InvalidArgument if corrupt.
absl::StatusOr<std::string> Inflate(std::string_view compressed, size_t max_output_bytes);

}  // namespace lineaged::api::internal
