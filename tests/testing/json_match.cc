#include "tests/testing/json_match.h"

#include <cstddef>
#include <regex>
#include <string_view>
#include <utility>
#include <vector>

namespace lineaged::testing {

namespace {

constexpr size_t kMaxReported = 40;
constexpr size_t kMaxDumpChars = 300;

std::string Dump(const nlohmann::json& value) {
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > kMaxDumpChars) text = text.substr(0, kMaxDumpChars) + "...";
  return text;
}

bool IsUuid(const std::string& text) {
  static const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
  return std::regex_match(text, kUuid);
}

bool IsTimestamp(const std::string& text) {
  static const std::regex kTimestamp(
      "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{3}|\\.[0-9]{6})?Z$");
  return std::regex_match(text, kTimestamp);
}

// A key for an object member in a path: .name, or ["name"] when it is not a
// plain identifier.
std::string MemberPath(const std::string& path, const std::string& key) {
  static const std::regex kIdentifier("^[A-Za-z_][A-Za-z0-9_]*$");
  if (std::regex_match(key, kIdentifier)) return path + "." + key;
  return path + "[" + nlohmann::json(key).dump() + "]";
}

}  // namespace

std::string JsonBindings::Get(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::string() : it->second;
}

// Walks both documents; collects mismatches and tentative bindings.
class JsonMatcher {
 public:
  explicit JsonMatcher(const JsonBindings& bindings) : bindings_(bindings) {}

  void Match(const nlohmann::json& expected, const nlohmann::json& actual,
             const std::string& path) {
    if (expected.is_string() && MatchPlaceholder(expected.get<std::string>(), actual, path)) {
      return;
    }
    if (expected.is_object()) {
      MatchObject(expected, actual, path);
    } else if (expected.is_array()) {
      MatchArray(expected, actual, path);
    } else if (expected.is_number() && actual.is_number()) {
      if (expected != actual) Fail(path, "expected " + Dump(expected) + ", got " + Dump(actual));
    } else if (expected != actual) {
      Fail(path, "expected " + Dump(expected) + ", got " + Dump(actual));
    }
  }

  const std::vector<std::string>& errors() const { return errors_; }
  const JsonBindings& bindings() const { return bindings_; }

 private:
  void Fail(const std::string& path, const std::string& message) {
    errors_.push_back(path + ": " + message);
  }

  // True if `pattern` is a placeholder (whether or not it matched).
  bool MatchPlaceholder(const std::string& pattern, const nlohmann::json& actual,
                        const std::string& path) {
    if (pattern.size() < 3 || pattern.front() != '<' || pattern.back() != '>') return false;
    const std::string body = pattern.substr(1, pattern.size() - 2);
    if (body == "any") return true;
    std::string kind = body;
    std::string name;
    if (const size_t colon = body.find(':'); colon != std::string::npos) {
      kind = body.substr(0, colon);
      name = body.substr(colon + 1);
    }
    if (kind != "uuid" && kind != "timestamp") return false;
    if (!actual.is_string()) {
      Fail(path, "expected " + pattern + ", got " + Dump(actual));
      return true;
    }
    const std::string value = actual.get<std::string>();
    if (kind == "uuid" ? !IsUuid(value) : !IsTimestamp(value)) {
      Fail(path, "expected " + pattern + ", got " + Dump(actual));
      return true;
    }
    if (name.empty()) return true;
    const std::string key = kind + ":" + name;
    auto it = bindings_.values_.find(key);
    if (it != bindings_.values_.end()) {
      if (it->second != value) {
        Fail(path, "expected " + pattern + " = \"" + it->second + "\" (bound earlier), got \"" +
                       value + "\"");
      }
      return true;
    }
    if (kind == "uuid") {
      for (const auto& [other, other_value] : bindings_.values_) {
        if (other != key && other.starts_with("uuid:") && other_value == value) {
          Fail(path, "expected " + pattern + " to differ from <" + other + ">, but both are \"" +
                         value + "\"");
          return true;
        }
      }
    }
    bindings_.values_[key] = value;
    return true;
  }

  void MatchObject(const nlohmann::json& expected, const nlohmann::json& actual,
                   const std::string& path) {
    if (!actual.is_object()) {
      Fail(path, "expected an object, got " + Dump(actual));
      return;
    }
    for (const auto& [key, value] : expected.items()) {
      auto it = actual.find(key);
      if (it == actual.end()) {
        Fail(MemberPath(path, key), "missing (expected " + Dump(value) + ")");
        continue;
      }
      Match(value, *it, MemberPath(path, key));
    }
    for (const auto& [key, value] : actual.items()) {
      if (!expected.contains(key)) Fail(MemberPath(path, key), "unexpected key, = " + Dump(value));
    }
  }

  void MatchArray(const nlohmann::json& expected, const nlohmann::json& actual,
                  const std::string& path) {
    if (!actual.is_array()) {
      Fail(path, "expected an array, got " + Dump(actual));
      return;
    }
    const bool unordered = !expected.empty() && expected[0] == "<unordered>";
    const size_t first = unordered ? 1 : 0;
    const size_t expected_size = expected.size() - first;
    if (expected_size != actual.size()) {
      Fail(path, "expected " + std::to_string(expected_size) + " elements, got " +
                     std::to_string(actual.size()) + ": " + Dump(actual));
      if (unordered) return;
    }
    if (!unordered) {
      for (size_t i = 0; i < expected_size && i < actual.size(); ++i) {
        Match(expected[i], actual[i], path + "[" + std::to_string(i) + "]");
      }
      return;
    }
    // Greedy: each expected element takes the first unused actual element it
    // matches. Enough for the small sets in the golden files.
    std::vector<bool> used(actual.size(), false);
    for (size_t i = first; i < expected.size(); ++i) {
      bool found = false;
      // The unused element closest to this one (fewest mismatches), to say
      // by path what differs when none matches.
      std::vector<std::string> closest;
      bool have_closest = false;
      for (size_t j = 0; j < actual.size() && !found; ++j) {
        if (used[j]) continue;
        JsonMatcher trial(bindings_);
        trial.Match(expected[i], actual[j], path + "[" + std::to_string(j) + "]");
        if (trial.errors().empty()) {
          bindings_ = trial.bindings();
          used[j] = true;
          found = true;
        } else if (!have_closest || trial.errors().size() < closest.size()) {
          closest = trial.errors();
          have_closest = true;
        }
      }
      if (!found) {
        Fail(path, "no element matches expected element " + Dump(expected[i]) +
                       " (elements in any order)" +
                       (have_closest ? "; the closest differs in:" : "; got " + Dump(actual)));
        for (const std::string& error : closest) errors_.push_back("    " + error);
      }
    }
  }

  JsonBindings bindings_;
  std::vector<std::string> errors_;
};

::testing::AssertionResult JsonMatches(const nlohmann::json& expected, const nlohmann::json& actual,
                                       JsonBindings& bindings) {
  JsonMatcher matcher(bindings);
  matcher.Match(expected, actual, "$");
  // Placeholders that matched bind even when something else in the document
  // did not, so that one wrong field does not turn every later comparison
  // that names the same ids into "never bound".
  bindings = matcher.bindings();
  if (matcher.errors().empty()) return ::testing::AssertionSuccess();
  ::testing::AssertionResult result = ::testing::AssertionFailure();
  result << matcher.errors().size() << " mismatch(es):";
  for (size_t i = 0; i < matcher.errors().size() && i < kMaxReported; ++i) {
    result << "\n  " << matcher.errors()[i];
  }
  if (matcher.errors().size() > kMaxReported) result << "\n  ...";
  return result;
}

nlohmann::json ExpandIncludes(const nlohmann::json& document,
                              const std::function<nlohmann::json(const std::string&)>& load) {
  if (document.is_string()) {
    const std::string& text = document.get_ref<const std::string&>();
    constexpr std::string_view kPrefix = "<file:";
    if (text.starts_with(kPrefix) && text.ends_with(">")) {
      return ExpandIncludes(load(text.substr(kPrefix.size(), text.size() - kPrefix.size() - 1)),
                            load);
    }
    return document;
  }
  if (document.is_array()) {
    nlohmann::json result = nlohmann::json::array();
    for (const auto& element : document) result.push_back(ExpandIncludes(element, load));
    return result;
  }
  if (document.is_object()) {
    nlohmann::json result = nlohmann::json::object();
    for (const auto& [key, value] : document.items()) result[key] = ExpandIncludes(value, load);
    return result;
  }
  return document;
}

}  // namespace lineaged::testing
