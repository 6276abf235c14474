#include "collector/internal/event_limits.h"

#include <optional>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "simdjson.h"

#include "collector/event_parser.h"
#include "graphstore/base/strings.h"

namespace lineaged::collector::internal {

namespace dom = simdjson::dom;

namespace {

class LimitChecker {
 public:
  LimitChecker(size_t body_bytes, const EventLimits& limits)
      : limits_(limits), check_facets_(body_bytes > limits.max_facet_bytes) {}

  void Check(dom::object root) {
    CheckFacets(Member(root, "run"), "run.facets");
    CheckFacets(Member(root, "job"), "job.facets");
    CheckDataset(Member(root, "dataset"), "dataset");
    CheckDatasetList(root, "inputs", "inputFacets");
    CheckDatasetList(root, "outputs", "outputFacets");
  }

  std::vector<LimitViolation> TakeViolations() { return std::move(violations_); }

 private:
  // The object at `key`, or an empty optional for anything else.
  static std::optional<dom::object> Member(std::optional<dom::object> parent,
                                           std::string_view key) {
    dom::object object;
    if (!parent || parent->at_key(key).get_object().get(object) != simdjson::SUCCESS) {
      return std::nullopt;
    }
    return object;
  }

  void CheckDatasetList(dom::object root, std::string_view key, std::string_view extra_facets) {
    dom::array list;
    if (root.at_key(key).get_array().get(list) != simdjson::SUCCESS) return;
    const size_t size = list.size();
    if (size > limits_.max_datasets) {
      violations_.push_back(
          {"max_event_datasets", std::string(key),
           absl::StrFormat("%s has %d datasets, more than max_event_datasets (%d)", AsAbsl(key),
                           size, limits_.max_datasets)});
      return;  // not worth measuring facets of what is refused anyway
    }
    if (!check_facets_) return;
    size_t i = 0;
    for (dom::element item : list) {
      std::optional<dom::object> dataset;
      if (dom::object object; item.get_object().get(object) == simdjson::SUCCESS) {
        dataset = object;
      }
      CheckDataset(dataset, absl::StrFormat("%s[%d]", AsAbsl(key), i++), extra_facets);
    }
  }

  void CheckDataset(std::optional<dom::object> dataset, const std::string& path,
                    std::string_view extra_facets = {}) {
    if (!dataset) return;
    CheckFacets(dataset, path + ".facets");
    if (!extra_facets.empty()) {
      CheckFacets(dataset, absl::StrCat(path, ".", AsAbsl(extra_facets)),
                  /*key=*/extra_facets);
    }
  }

  // `path` names the facets object; its key within `owner` is the last part
  // of `path` unless given.
  void CheckFacets(std::optional<dom::object> owner, const std::string& path,
                   std::string_view key = "facets") {
    if (!check_facets_) return;
    std::optional<dom::object> facets = Member(owner, key);
    if (!facets) return;
    for (auto [name, value] : *facets) {
      // Facets are usually far below the limit; only an event larger than
      // the limit gets here, so the copy is rare.
      const size_t size = simdjson::minify(value).size();
      if (size <= limits_.max_facet_bytes) continue;
      std::string field = absl::StrCat(path, ".", AsAbsl(name));
      std::string message = absl::StrFormat("%s is %d bytes, more than max_facet_bytes (%d)", field,
                                            size, limits_.max_facet_bytes);
      violations_.push_back({"max_facet_bytes", std::move(field), std::move(message)});
    }
  }

  const EventLimits& limits_;
  const bool check_facets_;
  std::vector<LimitViolation> violations_;
};

}  // namespace

std::vector<LimitViolation> CheckEventLimits(dom::element root, size_t body_bytes,
                                             const EventLimits& limits) {
  dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) return {};
  LimitChecker checker(body_bytes, limits);
  checker.Check(object);
  return checker.TakeViolations();
}

bool ExceedsEventLimits(dom::element root, size_t body_bytes, const EventLimits& limits,
                        ParsedEvent* out) {
  std::vector<LimitViolation> violations = CheckEventLimits(root, body_bytes, limits);
  if (violations.empty()) return false;
  out->rejection = Rejection::kOverLimit;
  for (const LimitViolation& violation : violations) out->errors.push_back(violation.message);
  out->violations = std::move(violations);
  return true;
}

ParsedEvent TooDeep(const EventLimits& limits) {
  ParsedEvent out;
  out.rejection = Rejection::kOverLimit;
  out.violations.push_back(
      {"max_json_depth", "",
       absl::StrFormat("the event nests objects and arrays deeper than max_json_depth (%d)",
                       limits.max_depth)});
  out.errors.push_back(out.violations.back().message);
  return out;
}

}  // namespace lineaged::collector::internal
