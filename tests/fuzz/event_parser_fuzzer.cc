// Fuzz target: collector::EventParser::Parse on any bytes, in both validation
// modes, and the HTTP reply the ingest route renders from each result.
//
// Besides "no crash, no leak, no sanitizer report", it checks:
//   - every input is classified: accepted, or rejected with at least one error;
//   - an accepted event keeps its body verbatim (it is stored as received);
//   - strict is stricter than lenient: what strict accepts, lenient accepts,
//     and both read the same graph facts from it;
//   - the content hash ignores insignificant whitespace: the event minified
//     is accepted again with the same hash (retries must deduplicate);
//   - every rejection renders into a reply body that is valid JSON (the reply
//     quotes client bytes; a throw there would take the server down);
//   - the same bytes as a batch body (JSON array and NDJSON): split as
//     POST /api/v1/lineage/batch does, each element parsed, the batch reply
//     rendered as valid JSON with one result per element.
//
// Seeds: the OpenLineage events of tests/data/corpus (scripts/fuzz.sh).

#include <cstddef>
#include <cstdint>
#include <string>

#include "nlohmann/json.hpp"
#include "simdjson.h"

#include "collector/batch.h"
#include "collector/event_parser.h"
#include "collector/http_ingest.h"
#include "tests/fuzz/fuzz_check.h"

namespace lineaged::collector {
namespace {

void CheckClassified(const ParsedEvent& parsed, const std::string& body) {
  if (parsed.ok()) {
    FUZZ_CHECK(parsed.errors.empty()) << parsed.errors.front();
    FUZZ_CHECK(parsed.event.raw_json == body);
    return;
  }
  FUZZ_CHECK(!parsed.errors.empty());
  for (const std::string& error : parsed.errors) FUZZ_CHECK(!error.empty());
}

IngestResult ResultOf(const ParsedEvent& parsed) {
  IngestResult result;
  if (!parsed.ok()) {
    result.code = parsed.rejection == Rejection::kMalformed ? IngestResult::Code::kMalformed
                                                            : IngestResult::Code::kInvalid;
    result.errors = parsed.errors;
  }
  return result;
}

// Renders a rejection exactly as POST /api/v1/lineage answers it.
void CheckReplyRenders(const ParsedEvent& parsed) {
  if (parsed.ok()) return;
  const HttpReply reply = ToHttpReply(ResultOf(parsed));
  FUZZ_CHECK(reply.status == 400 || reply.status == 422) << reply.status;
  FUZZ_CHECK(nlohmann::json::accept(reply.body)) << reply.body;
}

// The batch endpoint's path for `body`, without the store.
void CheckBatch(EventParser& parser, const std::string& body) {
  // Enough to cover mixed results; the parser itself is fuzzed above.
  constexpr size_t kMaxElements = 8;
  for (const bool ndjson : {false, true}) {
    absl::StatusOr<std::vector<std::string>> elements = SplitBatch(body, ndjson);
    if (!elements.ok()) {
      FUZZ_CHECK(!ndjson) << "NDJSON splitting never fails";
      continue;
    }
    std::vector<IngestResult> results;
    for (size_t i = 0; i < elements->size() && i < kMaxElements; ++i) {
      results.push_back(ResultOf(parser.Parse((*elements)[i])));
    }
    const std::string reply = BatchResponseBody(results);
    const nlohmann::json json = nlohmann::json::parse(reply, nullptr, false);
    FUZZ_CHECK(json.is_object() && json.contains("summary") &&
               json.at("summary").value("received", size_t{0}) == results.size())
        << reply;
  }
}

bool SameGraphFacts(const graphstore::Event& a, const graphstore::Event& b) {
  return a.kind == b.kind && a.event_type == b.event_type &&
         a.event_time_micros == b.event_time_micros && a.producer == b.producer &&
         a.run_id == b.run_id && a.job == b.job && a.inputs == b.inputs && a.outputs == b.outputs &&
         a.dataset == b.dataset && a.content_hash == b.content_hash;
}

}  // namespace
}  // namespace lineaged::collector

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lineaged::collector;
  // One parser per mode for the whole run, as the server keeps one per thread:
  // state carried between inputs (buffers, capacity) is fuzzed too.
  static EventParser lenient(ValidationMode::kLenient);
  static EventParser strict(ValidationMode::kStrict);

  const std::string body(reinterpret_cast<const char*>(data), size);
  const ParsedEvent lenient_result = lenient.Parse(body);
  const ParsedEvent strict_result = strict.Parse(body);
  CheckClassified(lenient_result, body);
  CheckClassified(strict_result, body);
  CheckReplyRenders(lenient_result);
  CheckReplyRenders(strict_result);

  if (strict_result.ok()) {
    FUZZ_CHECK(lenient_result.ok())
        << "strict accepts what lenient rejects: " << lenient_result.errors.front();
    FUZZ_CHECK(SameGraphFacts(lenient_result.event, strict_result.event));
  }
  CheckBatch(lenient, body);
  if (lenient_result.ok()) {
    std::string minified(body.size(), '\0');
    size_t minified_size = 0;
    FUZZ_CHECK(simdjson::minify(body.data(), body.size(), minified.data(), minified_size) ==
               simdjson::SUCCESS);
    minified.resize(minified_size);
    const ParsedEvent again = lenient.Parse(minified);
    FUZZ_CHECK(again.ok()) << "the minified event is rejected: " << again.errors.front();
    FUZZ_CHECK(SameGraphFacts(again.event, lenient_result.event));
  }
  return 0;
}
