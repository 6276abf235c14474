#include "collector/event_parser.h"

#include <memory>
#include <optional>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"
#include "simdjson.h"

#include "collector/internal/event_limits.h"
#include "collector/internal/identifiers.h"
#include "collector/internal/model_extractor.h"
#include "graphstore/base/strings.h"

namespace lineaged::collector {

namespace dom = simdjson::dom;
using graphstore::Event;
using graphstore::EventKind;
using graphstore::QualifiedName;
using graphstore::RunEventType;

namespace {

enum class FacetScope { kRun, kJob, kDataset, kInputDataset, kOutputDataset };

enum class FieldType { kString, kInteger, kArray, kObject, kDateTime };

struct FieldRule {
  const char* name;
  FieldType type;
  bool required;
};

struct FacetRule {
  FacetScope scope;
  const char* key;
  std::vector<FieldRule> fields;
};

// The standard run and job facets with their required fields, from the
// OpenLineage facet schemas. Strict mode checks these by facet key, as the
// OpenLineage fluentd validator does with its defaults (run and job facets
// validated; dataset, input and output facets only as base facets).
const std::vector<FacetRule>& StandardFacetRules() {
  static const auto* rules = new std::vector<FacetRule>{
      {FacetScope::kRun,
       "parent",
       {{"run", FieldType::kObject, true}, {"job", FieldType::kObject, true}}},
      {FacetScope::kRun,
       "nominalTime",
       {{"nominalStartTime", FieldType::kDateTime, true},
        {"nominalEndTime", FieldType::kDateTime, false}}},
      {FacetScope::kRun,
       "errorMessage",
       {{"message", FieldType::kString, true},
        {"programmingLanguage", FieldType::kString, true},
        {"stackTrace", FieldType::kString, false}}},
      {FacetScope::kRun,
       "externalQuery",
       {{"externalQueryId", FieldType::kString, true}, {"source", FieldType::kString, true}}},
      {FacetScope::kRun,
       "extractionError",
       {{"totalTasks", FieldType::kInteger, true},
        {"failedTasks", FieldType::kInteger, true},
        {"errors", FieldType::kArray, true}}},
      {FacetScope::kRun,
       "processing_engine",
       {{"version", FieldType::kString, true}, {"name", FieldType::kString, false}}},
      {FacetScope::kRun,
       "environmentVariables",
       {{"environmentVariables", FieldType::kArray, true}}},
      {FacetScope::kRun, "test", {{"tests", FieldType::kArray, true}}},
      {FacetScope::kRun, "tags", {{"tags", FieldType::kArray, false}}},
      {FacetScope::kJob,
       "jobType",
       {{"processingType", FieldType::kString, true},
        {"integration", FieldType::kString, true},
        {"jobType", FieldType::kString, false}}},
      {FacetScope::kJob, "sql", {{"query", FieldType::kString, true}}},
      {FacetScope::kJob,
       "sourceCode",
       {{"language", FieldType::kString, true}, {"sourceCode", FieldType::kString, true}}},
      {FacetScope::kJob,
       "sourceCodeLocation",
       {{"type", FieldType::kString, true}, {"url", FieldType::kString, true}}},
      {FacetScope::kJob, "documentation", {{"description", FieldType::kString, true}}},
      {FacetScope::kJob, "ownership", {{"owners", FieldType::kArray, false}}},
      {FacetScope::kJob, "tags", {{"tags", FieldType::kArray, false}}},
  };
  return *rules;
}

const char* TypeName(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "a string";
    case FieldType::kInteger:
      return "an integer";
    case FieldType::kArray:
      return "an array";
    case FieldType::kObject:
      return "an object";
    case FieldType::kDateTime:
      return "an RFC 3339 date-time";
  }
  return "";
}

bool HasType(dom::element value, FieldType type) {
  switch (type) {
    case FieldType::kString:
      return value.is_string();
    case FieldType::kInteger:
      return value.is_int64() || value.is_uint64();
    case FieldType::kArray:
      return value.is_array();
    case FieldType::kObject:
      return value.is_object();
    case FieldType::kDateTime: {
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS) return false;
      auto parsed = internal::ParseIsoTime(text);
      return parsed.has_value() && parsed->had_zone;
    }
  }
  return false;
}

// Looks up `key`; JSON null counts as absent.
std::optional<dom::element> Field(dom::object object, std::string_view key) {
  dom::element value;
  if (object.at_key(key).get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
  return value;
}

// Quotes of client values in messages are kept short, cut before a character:
// the text is UTF-8 (simdjson checked it) and must stay so, as messages go
// into JSON bodies and protobuf strings.
std::string Abbreviate(std::string_view text) {
  constexpr size_t kMax = 64;
  if (text.size() <= kMax) return std::string(text);
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return absl::StrCat(AsAbsl(text.substr(0, cut)), "...");
}

std::optional<RunEventType> ParseEventType(std::string_view text) {
  if (text == "START") return RunEventType::kStart;
  if (text == "RUNNING") return RunEventType::kRunning;
  if (text == "COMPLETE") return RunEventType::kComplete;
  if (text == "ABORT") return RunEventType::kAbort;
  if (text == "FAIL") return RunEventType::kFail;
  if (text == "OTHER") return RunEventType::kOther;
  return std::nullopt;
}

// Walks one event, collecting every problem rather than stopping at the first.
class Validator {
 public:
  Validator(ValidationMode mode, ParsedEvent* out) : mode_(mode), out_(out) {}

  bool strict() const { return mode_ == ValidationMode::kStrict; }

  void Invalid(std::string message) {
    if (out_->rejection == Rejection::kNone) out_->rejection = Rejection::kInvalid;
    out_->errors.push_back(std::move(message));
  }

  void Malformed(std::string message) {
    out_->rejection = Rejection::kMalformed;
    out_->errors.push_back(std::move(message));
  }

  // Reads a required string field; records why it is missing or not a string.
  std::optional<std::string_view> RequiredString(dom::object object, std::string_view key,
                                                 const std::string& path) {
    std::optional<dom::element> value = Field(object, key);
    if (!value) {
      Invalid(absl::StrCat(path, " must not be null"));
      return std::nullopt;
    }
    std::string_view text;
    if (value->get_string().get(text) != simdjson::SUCCESS) {
      Invalid(absl::StrCat(path, " must be a string"));
      return std::nullopt;
    }
    if (text.empty()) {
      Invalid(absl::StrCat(path, " must not be empty"));
      return std::nullopt;
    }
    return text;
  }

  // An optional value that must be an object when present.
  std::optional<dom::object> OptionalObject(dom::object parent, std::string_view key,
                                            const std::string& path) {
    std::optional<dom::element> value = Field(parent, key);
    if (!value) return std::nullopt;
    dom::object object;
    if (value->get_object().get(object) != simdjson::SUCCESS) {
      Invalid(absl::StrCat(path, " must be an object"));
      return std::nullopt;
    }
    return object;
  }

  void CheckFacets(dom::object parent, std::string_view key, const std::string& path,
                   FacetScope scope) {
    std::optional<dom::object> facets = OptionalObject(parent, key, path);
    if (!facets) return;
    for (auto [facet_key, facet_value] : *facets) {
      std::string facet_path = absl::StrCat(path, ".", AsAbsl(facet_key));
      dom::object facet;
      if (facet_value.get_object().get(facet) != simdjson::SUCCESS) {
        Invalid(absl::StrCat(facet_path, " must be an object"));
        continue;
      }
      if (!strict()) continue;
      for (const char* base_field : {"_producer", "_schemaURL"}) {
        std::optional<dom::element> value = Field(facet, base_field);
        if (!value || !value->is_string()) {
          Invalid(absl::StrCat(facet_path, ".", base_field, " must be a string"));
        }
      }
      std::optional<dom::element> deleted = Field(facet, "_deleted");
      bool is_deletion = deleted && deleted->is_bool() && bool(*deleted);
      if (!is_deletion) CheckStandardFacet(facet, facet_key, facet_path, scope);
    }
  }

  void CheckStandardFacet(dom::object facet, std::string_view key, const std::string& path,
                          FacetScope scope) {
    for (const FacetRule& rule : StandardFacetRules()) {
      if (rule.scope != scope || key != rule.key) continue;
      for (const FieldRule& field : rule.fields) {
        std::string field_path = absl::StrCat(path, ".", field.name);
        std::optional<dom::element> value = Field(facet, field.name);
        if (!value) {
          if (field.required) Invalid(absl::StrCat(field_path, " must not be null"));
          continue;
        }
        if (!HasType(*value, field.type)) {
          Invalid(absl::StrCat(field_path, " must be ", TypeName(field.type)));
        }
      }
      if (scope == FacetScope::kRun && key == "parent") CheckParentFacet(facet, path);
      if (scope == FacetScope::kJob && key == "ownership") CheckOwners(facet, path);
    }
  }

  void CheckParentFacet(dom::object facet, const std::string& path) {
    if (auto run = Field(facet, "run"); run && run->is_object()) {
      if (auto id = RequiredString(run->get_object().value_unsafe(), "runId", path + ".run.runId");
          id && !internal::ParseUuid(*id)) {
        Invalid(path + ".run.runId must be a UUID");
      }
    }
    if (auto job = Field(facet, "job"); job && job->is_object()) {
      dom::object job_object = job->get_object().value_unsafe();
      RequiredString(job_object, "namespace", path + ".job.namespace");
      RequiredString(job_object, "name", path + ".job.name");
    }
  }

  void CheckOwners(dom::object facet, const std::string& path) {
    auto owners = Field(facet, "owners");
    dom::array owner_list;
    if (!owners || owners->get_array().get(owner_list) != simdjson::SUCCESS) return;
    size_t i = 0;
    for (dom::element owner : owner_list) {
      std::string owner_path = absl::StrFormat("%s.owners[%d]", path, i++);
      dom::object owner_object;
      if (owner.get_object().get(owner_object) != simdjson::SUCCESS) {
        Invalid(owner_path + " must be an object");
        continue;
      }
      RequiredString(owner_object, "name", owner_path + ".name");
    }
  }

  // Reads {namespace, name, facets...} of a dataset at `path`.
  std::optional<QualifiedName> CheckDataset(dom::element value, const std::string& path,
                                            std::string_view extra_facets_key,
                                            FacetScope extra_scope) {
    dom::object dataset;
    if (value.get_object().get(dataset) != simdjson::SUCCESS) {
      Invalid(path + " must be an object");
      return std::nullopt;
    }
    auto ns = RequiredString(dataset, "namespace", path + ".namespace");
    auto name = RequiredString(dataset, "name", path + ".name");
    CheckFacets(dataset, "facets", path + ".facets", FacetScope::kDataset);
    if (!extra_facets_key.empty()) {
      CheckFacets(dataset, extra_facets_key, absl::StrCat(path, ".", AsAbsl(extra_facets_key)),
                  extra_scope);
    }
    if (!ns || !name) return std::nullopt;
    return QualifiedName{std::string(*ns), std::string(*name)};
  }

  void CheckDatasetList(dom::object root, std::string_view key, std::string_view facets_key,
                        FacetScope scope) {
    std::optional<dom::element> list = Field(root, key);
    if (!list) return;
    dom::array array;
    if (list->get_array().get(array) != simdjson::SUCCESS) {
      Invalid(absl::StrCat(AsAbsl(key), " must be an array"));
      return;
    }
    size_t i = 0;
    for (dom::element item : array) {
      CheckDataset(item, absl::StrFormat("%s[%d]", key, i++), facets_key, scope);
    }
  }

  void CheckJob(dom::object root, Event* event) {
    std::optional<dom::element> value = Field(root, "job");
    dom::object job;
    if (!value) {
      Invalid("job.namespace must not be null");
      Invalid("job.name must not be null");
      return;
    }
    if (value->get_object().get(job) != simdjson::SUCCESS) {
      Invalid("job must be an object");
      return;
    }
    auto ns = RequiredString(job, "namespace", "job.namespace");
    auto name = RequiredString(job, "name", "job.name");
    if (ns) event->job.namespace_name = *ns;
    if (name) event->job.name = *name;
    CheckFacets(job, "facets", "job.facets", FacetScope::kJob);
  }

  void CheckRun(dom::object root, Event* event) {
    std::optional<dom::element> value = Field(root, "run");
    dom::object run;
    if (!value) {
      Invalid("run.runId must not be null");
      return;
    }
    if (value->get_object().get(run) != simdjson::SUCCESS) {
      Invalid("run must be an object");
      return;
    }
    if (auto run_id = RequiredString(run, "runId", "run.runId")) {
      if (auto uuid = internal::ParseUuid(*run_id)) {
        event->run_id = *uuid;
      } else if (strict()) {
        Invalid("run.runId must be a UUID");
      } else {
        event->run_id = internal::NameUuidFromBytes(*run_id);
      }
    }
    CheckFacets(run, "facets", "run.facets", FacetScope::kRun);
  }

  void Check(dom::object root, Event* event) {
    // Shape decides the kind; schemaURL is only a hint (Marquez treats an
    // event with neither run, job nor dataset as a RunEvent, and so do we).
    bool has_run = Field(root, "run").has_value();
    bool has_job = Field(root, "job").has_value();
    bool has_dataset = Field(root, "dataset").has_value();
    event->kind = has_run || (!has_job && !has_dataset) ? EventKind::kRun
                  : has_job                             ? EventKind::kJob
                                                        : EventKind::kDataset;

    if (std::optional<dom::element> time = Field(root, "eventTime"); !time) {
      Invalid("eventTime must not be null");
    } else if (std::string_view text; time->get_string().get(text) != simdjson::SUCCESS) {
      Invalid("eventTime must be a string");
    } else if (auto parsed = internal::ParseIsoTime(text); !parsed) {
      Malformed(absl::StrCat("eventTime: cannot parse '", AsAbsl(Abbreviate(text)),
                             "' as an ISO-8601 date-time"));
    } else if (strict() && !parsed->had_zone) {
      Invalid("eventTime must have a time zone offset (RFC 3339)");
    } else {
      event->event_time_micros = parsed->micros;
    }

    if (auto producer = RequiredString(root, "producer", "producer")) {
      event->producer = *producer;
    }
    if (std::optional<dom::element> url = Field(root, "schemaURL"); url) {
      if (!url->is_string()) Invalid("schemaURL must be a string");
    } else if (strict()) {
      Invalid("schemaURL must not be null");
    }
    if (std::optional<dom::element> type = Field(root, "eventType"); type) {
      std::string_view text;
      std::optional<RunEventType> parsed;
      if (type->get_string().get(text) == simdjson::SUCCESS) parsed = ParseEventType(text);
      if (!parsed) {
        Invalid("eventType must be one of START, RUNNING, COMPLETE, ABORT, FAIL, OTHER");
      } else {
        event->event_type = *parsed;
      }
    }

    switch (event->kind) {
      case EventKind::kRun:
        CheckRun(root, event);
        CheckJob(root, event);
        break;
      case EventKind::kJob:
        CheckJob(root, event);
        break;
      case EventKind::kDataset:
        if (auto dataset = Field(root, "dataset")) {
          CheckDataset(*dataset, "dataset", "", FacetScope::kDataset);
        }
        return;
    }
    CheckDatasetList(root, "inputs", "inputFacets", FacetScope::kInputDataset);
    CheckDatasetList(root, "outputs", "outputFacets", FacetScope::kOutputDataset);
  }

 private:
  ValidationMode mode_;
  ParsedEvent* out_;
};

}  // namespace

struct EventParser::State {
  dom::parser parser;
  simdjson::ondemand::parser facet_parser;  // finds facet texts in `minified`
  std::string minified;
  simdjson::padded_string normalized;  // see the big-number fallback in Parse
};

EventParser::EventParser(ValidationMode mode, EventLimits limits)
    : mode_(mode), limits_(limits), state_(std::make_unique<State>()) {
  // Capacity grows on demand in Parse; the depth limit is fixed here. A
  // failure leaves capacity 0, which Parse retries.
  if (state_->parser.allocate(64 * 1024, limits_.max_depth) != simdjson::SUCCESS)
    state_->parser = dom::parser();
}

EventParser::~EventParser() = default;

ParsedEvent EventParser::Parse(std::string body) {
  ParsedEvent out;
  if (body.capacity() - body.size() < simdjson::SIMDJSON_PADDING) {
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  }
  if (body.size() > state_->parser.capacity() || state_->parser.max_depth() != limits_.max_depth) {
    if (state_->parser.allocate(body.size(), limits_.max_depth) != simdjson::SUCCESS) {
      out.rejection = Rejection::kMalformed;
      out.errors.push_back("event too large to parse");
      return out;
    }
  }
  dom::element root;
  simdjson::error_code error =
      state_->parser.parse(body.data(), body.size(), /*realloc_if_needed=*/false).get(root);
  const bool dom_from_body = error != simdjson::NUMBER_ERROR;
  if (error == simdjson::NUMBER_ERROR) {
    // simdjson's DOM refuses numbers beyond 64 bits (12345678901234567890123,
    // 1e400), which JSON allows and Marquez accepts. Validate a copy with
    // those numbers as doubles; the event is still stored as received.
    // nlohmann parses any depth without recursion but dump() recurses, so the
    // copy stops at simdjson's depth limit (depth 0 is the root here).
    bool too_deep = false;
    nlohmann::json fallback = nlohmann::json::parse(
        body,
        [&too_deep, max = limits_.max_depth](int depth, nlohmann::json::parse_event_t,
                                             nlohmann::json&) {
          if (depth >= static_cast<int>(max)) too_deep = true;
          return !too_deep;
        },
        /*allow_exceptions=*/false);
    if (too_deep) {
      error = simdjson::DEPTH_ERROR;
    } else if (!fallback.is_discarded()) {
      state_->normalized = simdjson::padded_string(fallback.dump());
      error = state_->parser.parse(state_->normalized).get(root);
    }
  }
  if (error == simdjson::DEPTH_ERROR) return internal::TooDeep(limits_);
  if (error != simdjson::SUCCESS) {
    out.rejection = Rejection::kMalformed;
    out.errors.push_back(absl::StrCat("malformed JSON: ", simdjson::error_message(error)));
    return out;
  }
  if (internal::ExceedsEventLimits(root, body.size(), limits_, &out)) return out;
  dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    out.rejection = Rejection::kMalformed;
    out.errors.push_back("an OpenLineage event must be a JSON object");
    return out;
  }
  Validator validator(mode_, &out);
  validator.Check(object, &out.event);
  if (!out.ok()) return out;

  // Identity ignores insignificant whitespace, so a retry that re-serialises
  // the same event compactly is still recognised.
  state_->minified.resize(body.size() + simdjson::SIMDJSON_PADDING);
  size_t minified_size = 0;
  std::optional<internal::FacetTexts> facet_texts;
  if (simdjson::minify(body.data(), body.size(), state_->minified.data(), minified_size) ==
      simdjson::SUCCESS) {
    const std::string_view minified(state_->minified.data(), minified_size);
    out.event.content_hash = internal::ContentHash(minified);
    // Facet texts are cut from the minified event, unless the DOM holds the
    // big-number copy instead (its numbers differ from the text's).
    if (dom_from_body) {
      facet_texts =
          internal::FindFacetTexts(state_->facet_parser, minified, state_->minified.size());
    }
  } else {
    out.event.content_hash = internal::ContentHash(body);
  }
  // What the store models (facets, schema, parent, ...), from the valid event.
  if (std::string problem =
          internal::ExtractModel(object, facet_texts ? &*facet_texts : nullptr, &out.event);
      !problem.empty()) {
    out.rejection = Rejection::kMalformed;
    out.errors.push_back(std::move(problem));
    return out;
  }
  out.event.raw_json = std::move(body);
  return out;
}

}  // namespace lineaged::collector
