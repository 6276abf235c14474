#pragma once

// Limits on the content of one event, beyond what validation checks: JSON
// nesting depth, datasets per event, bytes per facet. They bound the work and
// memory one event can cost the store; an event over a limit is refused as a
// whole (HTTP 413, gRPC INVALID_ARGUMENT) with a message naming the limit and
// the field. EventParser::Parse checks them right after parsing.
//
//   EventLimits limits{.max_datasets = 100};
//   if (internal::ExceedsEventLimits(root, body.size(), limits, &parsed)) return parsed;

#include <cstddef>
#include <string>
#include <vector>

// Only declared here, so that the parser's public header does not pull in
// simdjson.
namespace simdjson::dom {
class element;
}  // namespace simdjson::dom

namespace lineaged::collector {

struct ParsedEvent;

// The values of the --max_json_depth, --max_event_datasets and
// --max_facet_bytes flags (docs/operations.md, "Limits").
struct EventLimits {
  // Deepest nesting of objects and arrays, the event object itself being 1.
  size_t max_depth = 256;
  // Most elements of `inputs`, and of `outputs`.
  size_t max_datasets = 1000;
  // Largest facet (one value of a `facets`, `inputFacets` or `outputFacets`
  // object), measured as minified JSON.
  size_t max_facet_bytes = 1u << 20;
};

// One limit an event exceeds.
struct LimitViolation {
  std::string limit;    // the flag: "max_event_datasets", "max_facet_bytes", ...
  std::string field;    // the offending field: "inputs", "run.facets.spark_plan"
  std::string message;  // for the client, naming both
};

namespace internal {

// The limits `root` (a parsed event of `body_bytes` bytes) exceeds, in
// document order; empty if none. Only looks where limits apply: the
// `inputs`/`outputs` arrays and the facets of the run, the job, the dataset
// and every listed dataset. Facets are measured only when the body is larger
// than max_facet_bytes, since no facet can be larger than its event.
std::vector<LimitViolation> CheckEventLimits(simdjson::dom::element root, size_t body_bytes,
                                             const EventLimits& limits);

// CheckEventLimits for EventParser::Parse: true, with `out` made a
// Rejection::kOverLimit, if `root` exceeds a limit.
bool ExceedsEventLimits(simdjson::dom::element root, size_t body_bytes, const EventLimits& limits,
                        ParsedEvent* out);

// The rejection of an event nested deeper than limits.max_depth, which the
// parser reports (simdjson's DEPTH_ERROR) before there is a document to walk.
ParsedEvent TooDeep(const EventLimits& limits);

}  // namespace internal
}  // namespace lineaged::collector
