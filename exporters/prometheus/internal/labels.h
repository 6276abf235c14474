#pragma once

// Helpers that keep label values valid and bounded. Prometheus rejects a
// whole scrape whose label values are not UTF-8, so every value taken from an
// event passes through ValidLabelValue.

#include <string>
#include <string_view>

namespace lineaged::exporters::internal {

// `value` with each byte that is not part of a well-formed UTF-8 sequence
// replaced by U+FFFD. Pure.
std::string ValidLabelValue(std::string_view value);

// A fixed-vocabulary label ("missing_field", "overloaded"): `value` if it is
// 1..32 characters of [a-z0-9_], else `fallback`. Pure.
std::string_view TokenLabel(std::string_view value, std::string_view fallback);

// HTTP method label: GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH, else OTHER.
std::string_view HttpMethodLabel(std::string_view method);

// Canonical name of a grpc::StatusCode value ("OK", "INVALID_ARGUMENT", ...);
// "UNKNOWN" for values outside 0..16.
std::string_view GrpcCodeName(int code);

}  // namespace lineaged::exporters::internal
