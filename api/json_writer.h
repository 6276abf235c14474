#pragma once

// A streaming JSON writer for API responses: appends to one buffer as it goes,
// with no document tree, so a response costs what its text costs. Wraps
// RapidJSON's Writer (see docs/performance.md for why not nlohmann/json here).
//
//   JsonWriter out;
//   out.BeginObject();
//   out.Key("name").String(dataset.name);
//   out.Key("updatedAt").Timestamp(dataset.updated_at_micros);
//   out.EndObject();
//   std::string body = out.Take();
//
// Contract: strings must be valid UTF-8. Everything the API renders comes from
// events simdjson validated or from path segments the router checked (see
// IsValidUtf8), so the writer does not re-validate on the hot path.
//
// Output is RapidJSON's, byte for byte; strings that need no escaping (nearly
// all: names, keys, times, UUIDs) and raw values are copied with memcpy
// instead of RapidJSON's character loop, which was a fifth of a job page's CPU.

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
// RAPIDJSON_SSE2 stays undefined: RapidJSON 1.1.0's SSE2 scan for characters
// to escape (Writer::ScanWriteUnescapedString, Debian's rapidjson-dev) tests
// bytes <= 0x19, so 0x1A-0x1F past the first 16 bytes went out raw and the
// answer was not JSON. Only strings NeedsEscape flags reach that scan.
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

#include "graphstore/types.h"

namespace lineaged::api {
namespace internal {

// RapidJSON's writer plus whole-span copies. Prefix() writes the separator and
// counts the value, exactly as RapidJSON's own String and RawValue do.
class SpanWriter : public rapidjson::Writer<rapidjson::StringBuffer> {
 public:
  explicit SpanWriter(rapidjson::StringBuffer& buffer) : Writer(buffer) {}

  // A string value or key whose bytes need no escaping (see NeedsEscape).
  void PlainString(const char* text, size_t length) {
    Prefix(rapidjson::kStringType);
    char* out = os_->Push(length + 2);
    out[0] = '"';
    std::memcpy(out + 1, text, length);
    out[length + 1] = '"';
    EndValue(true);
  }
  // One complete JSON value, copied verbatim.
  void Raw(const char* json, size_t length) {
    Prefix(rapidjson::kObjectType);
    std::memcpy(os_->Push(length), json, length);
    EndValue(true);
  }
  // The value already written at [begin, end) of the buffer, written again.
  void Repeat(size_t begin, size_t end) {
    Prefix(rapidjson::kObjectType);
    // Room first (for the text and GetString's terminator): the copy's source
    // is in the buffer, which must not move under it.
    os_->Reserve(end - begin + 1);
    const char* text = os_->GetString() + begin;
    std::memcpy(os_->PushUnsafe(end - begin), text, end - begin);
    EndValue(true);
  }
  // Where the next value's text will start: after the separator, if any.
  size_t NextValueOffset() const {
    size_t at = os_->GetSize();
    if (!level_stack_.Empty() && level_stack_.template Top<Level>()->valueCount > 0) ++at;
    return at;
  }
};

// Whether RapidJSON would escape a byte of `text` (control characters, '"'
// and '\\'; it writes every other byte as is). Sixteen bytes at a time.
inline bool NeedsEscape(std::string_view text) {
  const char* p = text.data();
  size_t n = text.size();
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i last_control = _mm_set1_epi8(0x1f);
  for (; n >= 16; p += 16, n -= 16) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Unsigned byte <= 0x1f: max(byte, 0x1f) == 0x1f.
    const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(chunk, last_control), last_control);
    const __m128i escaped = _mm_or_si128(
        control, _mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)));
    if (_mm_movemask_epi8(escaped) != 0) return true;
  }
#endif
  for (; n > 0; ++p, --n) {
    const auto byte = static_cast<unsigned char>(*p);
    if (byte < 0x20 || byte == '"' || byte == '\\') return true;
  }
  return false;
}

}  // namespace internal

class JsonWriter {
 public:
  JsonWriter() : writer_(buffer_) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  JsonWriter& BeginObject() {
    writer_.StartObject();
    return *this;
  }
  JsonWriter& EndObject() {
    writer_.EndObject();
    return *this;
  }
  JsonWriter& BeginArray() {
    writer_.StartArray();
    return *this;
  }
  JsonWriter& EndArray() {
    writer_.EndArray();
    return *this;
  }
  // An object member's name; the next call writes its value.
  JsonWriter& Key(std::string_view name) { return String(name); }

  JsonWriter& String(std::string_view value) {
    if (internal::NeedsEscape(value)) {
      writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    } else {
      writer_.PlainString(value.data(), value.size());
    }
    return *this;
  }
  JsonWriter& Null() {
    writer_.Null();
    return *this;
  }
  JsonWriter& Bool(bool value) {
    writer_.Bool(value);
    return *this;
  }
  JsonWriter& Int(int64_t value) {
    writer_.Int64(value);
    return *this;
  }
  JsonWriter& Uint(uint64_t value) {
    writer_.Uint64(value);
    return *this;
  }
  JsonWriter& StringOrNull(const std::optional<std::string>& value) {
    return value ? String(*value) : Null();
  }
  // ISO-8601 UTC as graphstore::FormatIsoTimestamp (Marquez's Instant format).
  JsonWriter& Timestamp(int64_t micros_since_epoch);
  JsonWriter& TimestampOrNull(const std::optional<int64_t>& micros_since_epoch) {
    return micros_since_epoch ? Timestamp(*micros_since_epoch) : Null();
  }
  // Lower-case 8-4-4-4-12.
  JsonWriter& Uuid(const graphstore::Uuid& uuid);
  JsonWriter& UuidOrNull(const std::optional<graphstore::Uuid>& uuid) {
    return uuid ? Uuid(*uuid) : Null();
  }
  // Copies `json` verbatim as one value. The caller guarantees it is one
  // complete, valid JSON value (e.g. a facet the collector minified from a
  // parsed event, or a stored raw event).
  JsonWriter& RawJson(std::string_view json) {
    writer_.Raw(json.data(), json.size());
    return *this;
  }

  // Repeating a value: its text is [NextValueOffset() before writing it,
  // Offset() after]; RepeatValue(begin, end) writes that text again as the
  // next value. For a value that appears twice in one answer.
  size_t NextValueOffset() const { return writer_.NextValueOffset(); }
  size_t Offset() const { return buffer_.GetSize(); }
  JsonWriter& RepeatValue(size_t begin, size_t end) {
    writer_.Repeat(begin, end);
    return *this;
  }

  // Room for `bytes` more bytes of output, so a writer that knows its size
  // (a page of rendered texts) does not copy its buffer as it grows.
  JsonWriter& Reserve(size_t bytes) {
    buffer_.Reserve(bytes);
    return *this;
  }

  // The text written so far; the writer must not be used afterwards.
  std::string Take() { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  rapidjson::StringBuffer buffer_;
  internal::SpanWriter writer_;
};

// Whether `text` is well-formed UTF-8 (no overlongs or surrogates).
bool IsValidUtf8(std::string_view text);

}  // namespace lineaged::api
