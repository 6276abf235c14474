#include "collector/ingest_service.h"

#include "absl/status/status.h"
#include "spdlog/spdlog.h"

namespace lineaged::collector {

IngestService::IngestService(graphstore::GraphStore* store, ValidationMode mode)
    : store_(store), mode_(mode) {}

void IngestService::Ingest(std::string body, IngestCallback done) {
  // Parsers keep reusable buffers; one per thread avoids locking.
  thread_local EventParser lenient_parser(ValidationMode::kLenient);
  thread_local EventParser strict_parser(ValidationMode::kStrict);
  EventParser& parser = mode_ == ValidationMode::kStrict ? strict_parser : lenient_parser;

  ParsedEvent parsed = parser.Parse(std::move(body));
  auto finish = [observer = observer_](IngestCallback& callback, IngestResult result) {
    if (observer) observer(result);
    callback(std::move(result));
  };
  if (!parsed.ok()) {
    IngestResult result;
    result.code = parsed.rejection == Rejection::kMalformed ? IngestResult::Code::kMalformed
                                                            : IngestResult::Code::kInvalid;
    result.errors = std::move(parsed.errors);
    if (spdlog::should_log(spdlog::level::debug)) {
      spdlog::debug("rejected event: {}", fmt::join(result.errors, "; "));
    }
    finish(done, std::move(result));
    return;
  }
  store_->Write(std::move(parsed.event), [done = std::move(done), finish](
                                             absl::StatusOr<graphstore::WriteOutcome> r) mutable {
    IngestResult result;
    if (r.ok()) {
      result.code = *r == graphstore::WriteOutcome::kDuplicate ? IngestResult::Code::kDuplicate
                                                               : IngestResult::Code::kStored;
    } else {
      result.code = absl::IsUnavailable(r.status()) ? IngestResult::Code::kUnavailable
                                                    : IngestResult::Code::kInternal;
      result.message = std::string(r.status().message());
    }
    finish(done, std::move(result));
  });
}

}  // namespace lineaged::collector
