// Fuzz target: collector::EventParser::Parse on any bytes, in both validation
// modes and with tight event limits (EventLimits), and the HTTP reply the
// ingest route renders from each result.
//
// Besides "no crash, no leak, no sanitizer report", it checks:
//   - every input is classified: accepted, or rejected with at least one error;
//   - an accepted event keeps its body verbatim (it is stored as received);
//   - strict is stricter than lenient: what strict accepts, lenient accepts,
//     and both read the same graph facts from it;
//   - the content hash ignores insignificant whitespace: the event minified
//     is accepted again with the same hash (retries must deduplicate);
//   - limits only refuse: with tight limits an event is accepted exactly as
//     without them, or refused as over a limit (413) naming a known flag;
//   - every facet text of an accepted event is a minified JSON object that
//     simdjson's DOM reads (the store keeps it, the API embeds it);
//   - every rejection renders into a reply body that is valid JSON (the reply
//     quotes client bytes; a throw there would take the server down);
//   - the same bytes as a batch body (JSON array and NDJSON): split as
//     POST /api/v1/lineage/batch does, each element parsed, the batch reply
//     rendered as valid JSON with one result per element.
//
// Seeds: the OpenLineage events of tests/data/corpus (scripts/fuzz.sh).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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

// The result IngestService::Ingest makes of a rejection.
IngestResult ResultOf(const ParsedEvent& parsed) {
  IngestResult result;
  if (parsed.rejection == Rejection::kOverLimit) {
    result.code = IngestResult::Code::kOverLimit;
    result.limit = parsed.violations.front().limit;
    result.field = parsed.violations.front().field;
  } else if (!parsed.ok()) {
    result.code = parsed.rejection == Rejection::kMalformed ? IngestResult::Code::kMalformed
                                                            : IngestResult::Code::kInvalid;
  }
  result.errors = parsed.errors;
  return result;
}

void CheckViolations(const ParsedEvent& parsed) {
  FUZZ_CHECK((parsed.rejection == Rejection::kOverLimit) == !parsed.violations.empty());
  for (const LimitViolation& violation : parsed.violations) {
    FUZZ_CHECK(violation.limit == "max_json_depth" || violation.limit == "max_event_datasets" ||
               violation.limit == "max_facet_bytes")
        << violation.limit;
    FUZZ_CHECK(violation.message.find(violation.limit) != std::string::npos) << violation.message;
  }
}

void CheckFacetTexts(const std::vector<graphstore::Facet>& facets) {
  static simdjson::dom::parser parser;
  for (const graphstore::Facet& facet : facets) {
    if (facet.deleted) continue;
    simdjson::dom::element element;
    FUZZ_CHECK(parser.parse(facet.json).get(element) == simdjson::SUCCESS && element.is_object())
        << facet.json;
    std::string minified(facet.json.size(), '\0');
    size_t minified_size = 0;
    FUZZ_CHECK(simdjson::minify(facet.json.data(), facet.json.size(), minified.data(),
                                minified_size) == simdjson::SUCCESS);
    minified.resize(minified_size);
    FUZZ_CHECK(minified == facet.json) << facet.json;
  }
}

void CheckFacetTexts(const graphstore::Event& event) {
  CheckFacetTexts(event.run_mention.facets);
  CheckFacetTexts(event.job_mention.facets);
  CheckFacetTexts(event.dataset.facets);
  for (const auto* list : {&event.inputs, &event.outputs}) {
    for (const graphstore::DatasetMention& dataset : *list) {
      CheckFacetTexts(dataset.facets);
      CheckFacetTexts(dataset.io_facets);
    }
  }
}

// Renders a rejection exactly as POST /api/v1/lineage answers it.
void CheckReplyRenders(const ParsedEvent& parsed) {
  CheckViolations(parsed);
  if (parsed.ok()) return;
  const HttpReply reply = ToHttpReply(ResultOf(parsed));
  const int expected = parsed.rejection == Rejection::kMalformed   ? 400
                       : parsed.rejection == Rejection::kOverLimit ? 413
                                                                   : 422;
  FUZZ_CHECK(reply.status == expected) << reply.status;
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

// Equality of everything the store models from an event. graphstore's types
// define operator== only for names and facets, so the rest is compared here,
// member by member.
bool Same(const graphstore::SchemaField& a, const graphstore::SchemaField& b);
bool Same(const graphstore::ColumnLineageInputField& a,
          const graphstore::ColumnLineageInputField& b);
bool Same(const graphstore::ColumnLineageField& a, const graphstore::ColumnLineageField& b);
bool Same(const graphstore::DatasetSymlink& a, const graphstore::DatasetSymlink& b);
bool Same(const graphstore::DatasetMention& a, const graphstore::DatasetMention& b);
bool Same(const graphstore::ParentRunRef& a, const graphstore::ParentRunRef& b);
template <typename T>
bool Same(const std::vector<T>& a, const std::vector<T>& b);

template <typename T>
bool Same(const std::optional<T>& a, const std::optional<T>& b) {
  return a.has_value() == b.has_value() && (!a || Same(*a, *b));
}

template <typename T>
bool Same(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!Same(a[i], b[i])) return false;
  }
  return true;
}

bool Same(const graphstore::SchemaField& a, const graphstore::SchemaField& b) {
  return a.name == b.name && a.type == b.type && a.description == b.description;
}

bool Same(const graphstore::ColumnLineageInputField& a,
          const graphstore::ColumnLineageInputField& b) {
  return a.dataset == b.dataset && a.field == b.field &&
         a.transformation_description == b.transformation_description &&
         a.transformation_type == b.transformation_type && a.dataset_version == b.dataset_version;
}

bool Same(const graphstore::ColumnLineageField& a, const graphstore::ColumnLineageField& b) {
  return a.field == b.field && Same(a.inputs, b.inputs) &&
         a.transformation_description == b.transformation_description &&
         a.transformation_type == b.transformation_type;
}

bool Same(const graphstore::DatasetSymlink& a, const graphstore::DatasetSymlink& b) {
  return a.name == b.name && a.type == b.type;
}

bool Same(const graphstore::DatasetMention& a, const graphstore::DatasetMention& b) {
  return a.name == b.name && a.facets == b.facets && a.io_facets == b.io_facets &&
         Same(a.schema, b.schema) && a.description == b.description &&
         a.source_name == b.source_name && a.source_uri == b.source_uri &&
         a.lifecycle_state == b.lifecycle_state && Same(a.symlinks, b.symlinks) &&
         Same(a.column_lineage, b.column_lineage);
}

bool Same(const graphstore::ParentRunRef& a, const graphstore::ParentRunRef& b) {
  return a.run_id == b.run_id && a.job == b.job;
}

bool SameGraphFacts(const graphstore::Event& a, const graphstore::Event& b) {
  const graphstore::JobMention& ja = a.job_mention;
  const graphstore::JobMention& jb = b.job_mention;
  const graphstore::RunMention& ra = a.run_mention;
  const graphstore::RunMention& rb = b.run_mention;
  return a.kind == b.kind && a.event_type == b.event_type &&
         a.event_time_micros == b.event_time_micros && a.producer == b.producer &&
         a.run_id == b.run_id && a.job == b.job && ja.facets == jb.facets &&
         ja.streaming == jb.streaming && ja.location == jb.location &&
         ja.description == jb.description && ra.facets == rb.facets &&
         ra.nominal_start_micros == rb.nominal_start_micros &&
         ra.nominal_end_micros == rb.nominal_end_micros && Same(ra.parent, rb.parent) &&
         Same(a.inputs, b.inputs) && Same(a.outputs, b.outputs) && Same(a.dataset, b.dataset) &&
         a.content_hash == b.content_hash;
}

}  // namespace
}  // namespace lineaged::collector

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lineaged::collector;
  // One parser per mode for the whole run, as the server keeps one per thread:
  // state carried between inputs (buffers, capacity) is fuzzed too.
  static EventParser lenient(ValidationMode::kLenient);
  static EventParser strict(ValidationMode::kStrict);
  // Small enough for fuzzed inputs to cross every limit.
  static EventParser tight(ValidationMode::kLenient,
                           {.max_depth = 8, .max_datasets = 2, .max_facet_bytes = 64});

  const std::string body(reinterpret_cast<const char*>(data), size);
  const ParsedEvent lenient_result = lenient.Parse(body);
  const ParsedEvent strict_result = strict.Parse(body);
  CheckClassified(lenient_result, body);
  CheckClassified(strict_result, body);
  if (lenient_result.ok()) CheckFacetTexts(lenient_result.event);
  CheckReplyRenders(lenient_result);
  CheckReplyRenders(strict_result);

  const ParsedEvent tight_result = tight.Parse(body);
  CheckClassified(tight_result, body);
  CheckReplyRenders(tight_result);
  if (tight_result.rejection != Rejection::kOverLimit) {
    FUZZ_CHECK(tight_result.rejection == lenient_result.rejection)
        << "a limit changed a rejection that was not over it";
    if (tight_result.ok()) {
      FUZZ_CHECK(SameGraphFacts(tight_result.event, lenient_result.event));
    }
  }

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
