#include "api/json_format.h"

#include "absl/strings/str_format.h"
#include "absl/time/time.h"

#include "graphstore/base/time_format.h"

namespace lineaged::api {

std::string FormatTimestamp(int64_t micros_since_epoch) {
  return graphstore::FormatIsoTimestamp(micros_since_epoch);
}

std::string DumpJson(const nlohmann::ordered_json& json) {
  return json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace lineaged::api
