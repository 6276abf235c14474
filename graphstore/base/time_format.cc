#include "graphstore/base/time_format.h"

#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace lineaged::graphstore {

std::string FormatIsoTimestamp(int64_t micros_since_epoch) {
  absl::Time t = absl::FromUnixMicros(micros_since_epoch);
  std::string out = absl::FormatTime("%Y-%m-%dT%H:%M:%S", t, absl::UTCTimeZone());
  int64_t fraction = micros_since_epoch % 1000000;
  if (fraction < 0) fraction += 1000000;
  if (fraction == 0) {
    out += "Z";
  } else if (fraction % 1000 == 0) {
    out += absl::StrFormat(".%03dZ", fraction / 1000);
  } else {
    out += absl::StrFormat(".%06dZ", fraction);
  }
  return out;
}

}  // namespace lineaged::graphstore
