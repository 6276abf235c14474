#pragma once

// Field-by-field comparison of a JSON response with a hand-written expected
// document (the golden files under tests/data/golden/expected/).
//
//   JsonBindings bindings;
//   EXPECT_TRUE(JsonMatches(expected, actual, bindings));
//
// Every key of every object must be present on both sides (explicit nulls
// included) and every value must be equal, except where the expected side
// holds a placeholder string:
//
//   "<any>"              any value, null included (the key must still exist)
//   "<uuid>"             a lower-case RFC 4122 textual UUID
//   "<uuid:NAME>"        a UUID; the first occurrence binds NAME, later ones
//                        (in this or any later comparison sharing `bindings`)
//                        must be the same value, and two different names may
//                        not bind the same value
//   "<timestamp>"        an ISO-8601 UTC instant written as lineaged writes
//                        them: seconds always, then no fraction, 3 or 6
//                        fraction digits, then "Z"
//   "<timestamp:NAME>"   a timestamp bound like <uuid:NAME> (names may repeat
//                        values: two things can happen at the same instant)
//
// An expected array whose first element is the string "<unordered>" matches
// an actual array holding the remaining elements in any order. Otherwise
// arrays match element by element. Numbers compare by value (4 == 4.0).
//
// Mismatches are reported with their JSON path, e.g.
//   $.datasets[1].fields[0].type: expected "INTEGER", got "STRING"

#include <functional>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace lineaged::testing {

// Named placeholder values, shared by the comparisons of one test so that
// equality relations across endpoints can be asserted.
class JsonBindings {
 public:
  // The value bound to `name` ("uuid:x" or "timestamp:x"), or "" if unbound.
  std::string Get(const std::string& name) const;

  // All bindings, by name.
  const std::map<std::string, std::string>& all() const { return values_; }

 private:
  friend class JsonMatcher;
  std::map<std::string, std::string> values_;
};

// Compares `expected` (with placeholders) with `actual`. Named placeholders
// that matched are added to `bindings` (even if other fields mismatched). On
// failure the message lists every mismatch (up to a cap) by JSON path.
::testing::AssertionResult JsonMatches(const nlohmann::json& expected, const nlohmann::json& actual,
                                       JsonBindings& bindings);

// Replaces, recursively, every string "<file:RELATIVE_PATH>" in `document` by
// `load(RELATIVE_PATH)` (itself expanded). Used to share one expected Run or
// Job between several expected files.
nlohmann::json ExpandIncludes(const nlohmann::json& document,
                              const std::function<nlohmann::json(const std::string&)>& load);

}  // namespace lineaged::testing
