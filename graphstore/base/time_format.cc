#include "graphstore/base/time_format.h"

#include <cstdio>

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

struct CivilDate {
  int64_t year;
  int month;  // 1-12
  int day;    // 1-31
};

// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
// civil_from_days). Plain arithmetic: UTC needs no time zone lookup, which
// was most of the cost of a timestamp, and an answer has thousands.
CivilDate CivilFromDays(int64_t days) {
  days += 719468;  // from 0000-03-01
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;  // [0, 146096]
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_from_march = (5 * day_of_year + 2) / 153;  // [0, 11]
  CivilDate date;
  date.day = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  date.month =
      static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  date.year = year_of_era + era * 400 + (date.month <= 2 ? 1 : 0);
  return date;
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
  int64_t days = seconds / 86400;
  int64_t second_of_day = seconds % 86400;
  if (second_of_day < 0) {
    second_of_day += 86400;
    days -= 1;
  }
  const CivilDate date = CivilFromDays(days);
  char* p = out;
  if (date.year >= 0 && date.year <= 9999) {
    p = PutDigits(p, date.year, 4);
  } else {  // outside Instant's four-digit range: as absl::FormatTime's %Y
    p += std::snprintf(p, 16, "%lld", static_cast<long long>(date.year));
  }
  *p++ = '-';
  p = PutDigits(p, date.month, 2);
  *p++ = '-';
  p = PutDigits(p, date.day, 2);
  *p++ = 'T';
  p = PutDigits(p, second_of_day / 3600, 2);
  *p++ = ':';
  p = PutDigits(p, second_of_day / 60 % 60, 2);
  *p++ = ':';
  p = PutDigits(p, second_of_day % 60, 2);
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
