#pragma once

// Small helpers shared by the emulator's layers: the JSON type (insertion
// ordered, so bodies keep Atlas's key order), Java-style value rendering for
// error messages, guids and clocks.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nlohmann/json.hpp"

namespace lineaged::testing::internal {

using Json = nlohmann::ordered_json;

// Serializes without throwing (invalid UTF-8 is replaced).
std::string Dump(const Json& value);

// Parses without throwing; a discarded value on error, with the parser's
// message in *error when given.
Json Parse(std::string_view text, std::string* error = nullptr);

// The value as Java's toString() renders the Jackson-deserialized object:
// strings raw, maps "{k=v, k2=v2}", lists "[a, b]", null "null".
std::string JavaString(const Json& value);

// AtlasBaseTypeDef.dumpObjects rendering of a map: "k:v, k2:v2".
std::string DumpObjects(const Json& map);

// A string property as Jackson coerces it: strings as is, numbers and
// booleans as text; nullopt for null, absent, objects and arrays.
std::optional<std::string> CoercedString(const Json& object, std::string_view key);

// A random UUID v4 string ("6b1c0f0e-…").
std::string NewUuid();

// A fresh internal placeholder guid as Atlas's AtlasEntity constructor makes
// for entities without one ("-123456789012345").
std::string NewInternalGuid();

int64_t NowMillis();

// Epoch millis of "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" (UTC); nullopt if malformed.
std::optional<int64_t> ParseIsoMillis(std::string_view text);

// Parses a whole string as a base-10 integer / a floating point number.
std::optional<int64_t> ParseInteger(std::string_view text);
std::optional<double> ParseDouble(std::string_view text);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace lineaged::testing::internal
