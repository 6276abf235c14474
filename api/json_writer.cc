#include "api/json_writer.h"

#include "rapidjson/encodings.h"
#include "rapidjson/memorystream.h"

#include "graphstore/base/time_format.h"

namespace lineaged::api {

JsonWriter& JsonWriter::Timestamp(int64_t micros_since_epoch) {
  char text[graphstore::kIsoTimestampBufferSize];
  size_t length = graphstore::FormatIsoTimestamp(micros_since_epoch, text);
  writer_.PlainString(text, length);  // digits and "-:.TZ"
  return *this;
}

JsonWriter& JsonWriter::Uuid(const graphstore::Uuid& uuid) {
  static constexpr char kHex[] = "0123456789abcdef";
  char text[36];
  size_t at = 0;
  for (size_t i = 0; i < uuid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text[at++] = '-';
    text[at++] = kHex[uuid[i] >> 4];
    text[at++] = kHex[uuid[i] & 0xf];
  }
  writer_.PlainString(text, at);
  return *this;
}

bool IsValidUtf8(std::string_view text) {
  rapidjson::MemoryStream stream(text.data(), text.size());
  // Validate() copies the code point's bytes to an output stream; count them only.
  struct Discard {
    void Put(char) {}
  } discard;
  while (stream.Tell() < text.size()) {
    if (!rapidjson::UTF8<>::Validate(stream, discard)) return false;
  }
  return true;
}

}  // namespace lineaged::api
