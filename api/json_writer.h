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

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#if defined(__SSE2__) && !defined(RAPIDJSON_SSE2)
#define RAPIDJSON_SSE2  // faster scanning for characters to escape
#endif
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

#include "graphstore/types.h"

namespace lineaged::api {

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
  JsonWriter& Key(std::string_view name) {
    writer_.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    return *this;
  }

  JsonWriter& String(std::string_view value) {
    writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
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
    writer_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
    return *this;
  }

  // The text written so far; the writer must not be used afterwards.
  std::string Take() { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

// Whether `text` is well-formed UTF-8 (no overlongs or surrogates).
bool IsValidUtf8(std::string_view text);

}  // namespace lineaged::api
