#include "collector/internal/identifiers.h"

#include <cctype>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

#include "graphstore/base/digest.h"

namespace lineaged::collector::internal {
namespace {

bool ReadDigits(std::string_view text, size_t* pos, int count, int* value) {
  if (*pos + count > text.size()) return false;
  int v = 0;
  for (int i = 0; i < count; ++i) {
    char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += count;
  *value = v;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

}  // namespace

std::optional<ParsedTime> ParseIsoTime(std::string_view text) {
  size_t pos = 0;
  int year, month, day, hour, minute, second = 0;
  if (!ReadDigits(text, &pos, 4, &year) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &month) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &day)) {
    return std::nullopt;
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) {
    return std::nullopt;
  }
  ++pos;
  if (!ReadDigits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &minute)) {
    return std::nullopt;
  }
  int64_t fraction_micros = 0;
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    if (!ReadDigits(text, &pos, 2, &second)) return std::nullopt;
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
      ++pos;
      int digits = 0;
      while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
        if (digits < 6) fraction_micros = fraction_micros * 10 + (text[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return std::nullopt;
      for (int i = digits; i < 6; ++i) fraction_micros *= 10;
    }
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  ParsedTime result;
  int offset_seconds = 0;
  if (pos < text.size()) {
    char zone = text[pos];
    if (zone == 'Z' || zone == 'z') {
      ++pos;
      result.had_zone = true;
    } else if (zone == '+' || zone == '-') {
      ++pos;
      int offset_hours, offset_minutes = 0;
      if (!ReadDigits(text, &pos, 2, &offset_hours)) return std::nullopt;
      if (pos < text.size()) {
        if (text[pos] == ':') ++pos;
        if (!ReadDigits(text, &pos, 2, &offset_minutes)) return std::nullopt;
      }
      if (offset_hours > 23 || offset_minutes > 59) return std::nullopt;
      offset_seconds = (offset_hours * 3600 + offset_minutes * 60) * (zone == '-' ? -1 : 1);
      result.had_zone = true;
    } else {
      return std::nullopt;
    }
  }
  if (pos != text.size()) return std::nullopt;
  absl::CivilSecond civil(year, month, day, hour, minute, second);
  // CivilSecond normalises out-of-range days (Feb 30 → Mar 2); reject those.
  if (civil.day() != day || civil.month() != month) return std::nullopt;
  absl::Time t = absl::FromCivil(civil, absl::UTCTimeZone()) - absl::Seconds(offset_seconds);
  result.micros = absl::ToUnixMicros(t) + fraction_micros;
  return result;
}

std::array<uint8_t, 16> ContentHash(std::string_view bytes) {
  return graphstore::Sha256Prefix(bytes);
}

}  // namespace lineaged::collector::internal
