#pragma once

// Debian builds absl with ABSL_OPTION_USE_STD_STRING_VIEW 0, so absl::string_view
// and std::string_view are distinct types. Our APIs take std::string_view; these
// two converters bridge to absl where it insists on its own type.

#include <string_view>

#include "absl/strings/string_view.h"

namespace lineaged {

inline absl::string_view AsAbsl(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view AsStd(absl::string_view s) { return {s.data(), s.size()}; }

}  // namespace lineaged
