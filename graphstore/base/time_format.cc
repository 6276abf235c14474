#include "graphstore/base/time_format.h"

#include <cstdio>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace lineaged::graphstore {
namespace {

// Writes `value` as exactly `digits` decimal digits (zero-padded).
char* PutDigits(char* out, int64_t value, int digits) {
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + digits;
}

}  // namespace

size_t FormatIsoTimestamp(int64_t micros_since_epoch, char* out) {
  // Floor division, so times before the epoch keep a positive fraction.
  int64_t seconds = micros_since_epoch / 1000000;
  int64_t fraction = micros_since_epoch % 1000000;
  if (fraction < 0) {
    fraction += 1000000;
    seconds -= 1;
  }
  absl::CivilSecond civil =
      absl::ToCivilSecond(absl::FromUnixSeconds(seconds), absl::UTCTimeZone());
  char* p = out;
  if (civil.year() >= 0 && civil.year() <= 9999) {
    p = PutDigits(p, civil.year(), 4);
  } else {  // outside Instant's four-digit range: as absl::FormatTime's %Y
    p += std::snprintf(p, 16, "%lld", static_cast<long long>(civil.year()));
  }
  *p++ = '-';
  p = PutDigits(p, civil.month(), 2);
  *p++ = '-';
  p = PutDigits(p, civil.day(), 2);
  *p++ = 'T';
  p = PutDigits(p, civil.hour(), 2);
  *p++ = ':';
  p = PutDigits(p, civil.minute(), 2);
  *p++ = ':';
  p = PutDigits(p, civil.second(), 2);
  if (fraction != 0) {
    *p++ = '.';
    p = fraction % 1000 == 0 ? PutDigits(p, fraction / 1000, 3) : PutDigits(p, fraction, 6);
  }
  *p++ = 'Z';
  *p = '\0';
  return static_cast<size_t>(p - out);
}

std::string FormatIsoTimestamp(int64_t micros_since_epoch) {
  char buffer[kIsoTimestampBufferSize];
  size_t length = FormatIsoTimestamp(micros_since_epoch, buffer);
  return std::string(buffer, length);
}

}  // namespace lineaged::graphstore
