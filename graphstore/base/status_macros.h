#pragma once

// LINEAGED_RETURN_IF_ERROR / LINEAGED_ASSIGN_OR_RETURN: the meaning of absl's
// ABSL_RETURN_IF_ERROR / ABSL_ASSIGN_OR_RETURN (absl 20260526+), which the
// Debian 12 absl (20220623) lacks. An absl upgrade makes them a rename.

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define LINEAGED_STATUS_CONCAT_INNER_(a, b) a##b
#define LINEAGED_STATUS_CONCAT_(a, b) LINEAGED_STATUS_CONCAT_INNER_(a, b)

#define LINEAGED_RETURN_IF_ERROR(expr)                                      \
  do {                                                                      \
    if (::absl::Status lineaged_status_ = (expr); !lineaged_status_.ok()) { \
      return lineaged_status_;                                              \
    }                                                                       \
  } while (0)

#define LINEAGED_ASSIGN_OR_RETURN(lhs, rexpr) \
  LINEAGED_ASSIGN_OR_RETURN_IMPL_(LINEAGED_STATUS_CONCAT_(lineaged_statusor_, __LINE__), lhs, rexpr)

#define LINEAGED_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                    \
  if (!statusor.ok()) {                                       \
    return std::move(statusor).status();                      \
  }                                                           \
  lhs = *std::move(statusor)
