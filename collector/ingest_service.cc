#include "collector/ingest_service.h"

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "spdlog/spdlog.h"

namespace lineaged::collector {

IngestService::IngestService(graphstore::GraphStore* store, ValidationMode mode, EventLimits limits)
    : store_(store), mode_(mode), limits_(limits) {}

namespace {

std::string RejectionReason(const ParsedEvent& parsed) {
  if (parsed.rejection == Rejection::kMalformed) {
    for (const std::string& error : parsed.errors) {
      if (absl::StartsWith(error, "eventTime")) return "bad_event_time";
    }
    return "malformed_json";
  }
  for (const std::string& error : parsed.errors) {
    if (absl::EndsWith(error, "must not be null")) return "missing_field";
  }
  return "invalid_field";
}

// What the event says about itself, even when it is being rejected.
void Describe(const graphstore::Event& event, IngestResult* result) {
  result->producer = event.producer;
  result->event_type = graphstore::RunEventTypeName(event.event_type);
  if (event.kind == graphstore::EventKind::kDataset) {
    result->namespace_name = event.dataset.name.namespace_name;
  } else {
    result->namespace_name = event.job.namespace_name;
    result->job_name = event.job.name;
  }
  result->event_time_micros = event.event_time_micros;
}

// The result for an event the store refused with `status`.
void DescribeRefusal(const absl::Status& status, IngestResult* result) {
  if (absl::IsResourceExhausted(status)) {
    result->code = IngestResult::Code::kOverloaded;
    result->reason = "overloaded";
    result->limit = "max_pending_events";
  } else if (absl::IsUnavailable(status)) {
    result->code = IngestResult::Code::kUnavailable;
    result->reason = "store_unavailable";
  } else {
    result->code = IngestResult::Code::kInternal;
    result->reason = "store_error";
  }
  result->message = std::string(status.message());
}

}  // namespace

void IngestService::Ingest(std::string body, IngestCallback done) {
  const int64_t received_at = absl::ToUnixMicros(absl::Now());
  const size_t body_bytes = body.size();
  // The service outlives every callback, so its observer is used in place
  // rather than copied per event.
  auto finish = [this](IngestCallback& callback, IngestResult result) {
    if (observer_) observer_(result);
    callback(std::move(result));
  };
  IngestResult described;
  described.body_bytes = body_bytes;
  described.received_at_micros = received_at;
  // A store already max_pending_events behind would refuse the event after
  // the parse: refuse before it, so that overload costs no parsing and
  // retrying clients do not take the CPU the committer needs to catch up.
  if (absl::Status room = store_->WriteQueueRoom(); !room.ok()) {
    DescribeRefusal(room, &described);
    finish(done, std::move(described));
    return;
  }
  // Parsers keep reusable buffers; one per thread avoids locking.
  thread_local EventParser lenient_parser(ValidationMode::kLenient);
  thread_local EventParser strict_parser(ValidationMode::kStrict);
  EventParser& parser = mode_ == ValidationMode::kStrict ? strict_parser : lenient_parser;
  parser.set_limits(limits_);

  ParsedEvent parsed = parser.Parse(std::move(body));
  Describe(parsed.event, &described);
  if (!parsed.ok()) {
    IngestResult result = std::move(described);
    if (parsed.rejection == Rejection::kOverLimit) {
      result.code = IngestResult::Code::kOverLimit;
      result.reason = "over_limit";
      result.limit = parsed.violations.front().limit;
      result.field = parsed.violations.front().field;
    } else {
      result.code = parsed.rejection == Rejection::kMalformed ? IngestResult::Code::kMalformed
                                                              : IngestResult::Code::kInvalid;
      result.reason = RejectionReason(parsed);
    }
    result.errors = std::move(parsed.errors);
    if (spdlog::should_log(spdlog::level::debug)) {
      spdlog::debug("rejected event: {}", fmt::join(result.errors, "; "));
    }
    finish(done, std::move(result));
    return;
  }
  store_->Write(
      std::move(parsed.event), [done = std::move(done), finish, described = std::move(described)](
                                   absl::StatusOr<graphstore::WriteOutcome> r) mutable {
        IngestResult result = std::move(described);
        if (r.ok()) {
          result.code = *r == graphstore::WriteOutcome::kDuplicate ? IngestResult::Code::kDuplicate
                                                                   : IngestResult::Code::kStored;
          result.durable_at_micros = absl::ToUnixMicros(absl::Now());
        } else {
          DescribeRefusal(r.status(), &result);
        }
        finish(done, std::move(result));
      });
}

}  // namespace lineaged::collector
