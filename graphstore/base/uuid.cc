#include "graphstore/base/uuid.h"

#include <algorithm>

#include "graphstore/base/digest.h"

namespace lineaged::graphstore {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<Uuid> ParseUuid(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  Uuid uuid;
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

Uuid NameUuidFromBytes(std::string_view bytes) {
  Uuid uuid = Md5(bytes);
  uuid[6] = (uuid[6] & 0x0f) | 0x30;  // version 3
  uuid[8] = (uuid[8] & 0x3f) | 0x80;  // IETF variant
  return uuid;
}

}  // namespace lineaged::graphstore
