#include "collector/internal/identifiers.h"

#include <cctype>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include <openssl/evp.h>

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

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void Digest(const EVP_MD* md, std::string_view bytes, unsigned char* out) {
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), out, &length, md, nullptr);
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

std::optional<graphstore::Uuid> ParseUuid(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  graphstore::Uuid uuid;
  size_t out = 0;
  for (size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    int high = HexValue(text[i]);
    int low = HexValue(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    uuid[out++] = static_cast<uint8_t>(high << 4 | low);
    i += 2;
  }
  return uuid;
}

graphstore::Uuid NameUuidFromBytes(std::string_view bytes) {
  unsigned char md5[EVP_MAX_MD_SIZE];
  Digest(EVP_md5(), bytes, md5);
  graphstore::Uuid uuid;
  std::copy(md5, md5 + 16, uuid.begin());
  uuid[6] = (uuid[6] & 0x0f) | 0x30;  // version 3
  uuid[8] = (uuid[8] & 0x3f) | 0x80;  // IETF variant
  return uuid;
}

std::array<uint8_t, 16> ContentHash(std::string_view bytes) {
  unsigned char sha[EVP_MAX_MD_SIZE];
  Digest(EVP_sha256(), bytes, sha);
  std::array<uint8_t, 16> hash;
  std::copy(sha, sha + 16, hash.begin());
  return hash;
}

}  // namespace lineaged::collector::internal
