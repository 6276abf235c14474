#pragma once

// Parses and validates one OpenLineage event (JSON text) into the store's
// graphstore::Event. Tells the three event kinds apart by shape (run → RunEvent,
// job without run → JobEvent, dataset → DatasetEvent), never by schemaURL.
//
//   EventParser parser(ValidationMode::kLenient);
//   ParsedEvent parsed = parser.Parse(std::move(body));
//   if (!parsed.ok()) { ... parsed.rejection, parsed.errors ... }

#include <memory>
#include <string>
#include <vector>

#include "collector/internal/event_limits.h"
#include "graphstore/types.h"

namespace lineaged::collector {

enum class ValidationMode {
  // Marquez-compatible: required ids, a parseable eventTime (no zone = UTC),
  // producer, facets are objects. Everything else is kept verbatim.
  kLenient,
  // Additionally what the OpenLineage fluentd validator rejects: schemaURL,
  // _producer/_schemaURL on every facet, RFC 3339 eventTime, UUID runId, and
  // the schemas of the standard run and job facets.
  kStrict,
};

enum class Rejection {
  kNone,
  kMalformed,  // not a JSON object, or an unparseable timestamp (HTTP 400)
  kInvalid,    // well-formed JSON that breaks a rule (HTTP 422)
  kOverLimit,  // well-formed JSON over an EventLimits limit (HTTP 413)
};

struct ParsedEvent {
  bool ok() const { return rejection == Rejection::kNone; }

  graphstore::Event event;  // meaningful only when ok()
  Rejection rejection = Rejection::kNone;
  // One message per problem, naming the field: "run.runId must not be null".
  std::vector<std::string> errors;
  // kOverLimit: the limits exceeded (their messages are in `errors` too).
  std::vector<LimitViolation> violations;
};

// Thread-compatible: use one parser per thread (it reuses parse buffers).
class EventParser {
 public:
  explicit EventParser(ValidationMode mode, EventLimits limits = {});
  ~EventParser();
  EventParser(const EventParser&) = delete;
  EventParser& operator=(const EventParser&) = delete;

  // Never throws. On success the event's raw_json is `body` itself. An
  // event over the limits is Rejection::kOverLimit, before validation.
  ParsedEvent Parse(std::string body);

  // Applies from the next Parse.
  void set_limits(const EventLimits& limits) { limits_ = limits; }

 private:
  struct State;
  ValidationMode mode_;
  EventLimits limits_;
  std::unique_ptr<State> state_;
};

}  // namespace lineaged::collector
