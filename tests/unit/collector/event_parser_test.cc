#include "collector/event_parser.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "tests/testing/data.h"

namespace lineaged::collector {
namespace {

using graphstore::EventKind;
using graphstore::QualifiedName;
using graphstore::RunEventType;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

ParsedEvent Lenient(std::string body) { return EventParser(ValidationMode::kLenient).Parse(body); }
ParsedEvent Strict(std::string body) { return EventParser(ValidationMode::kStrict).Parse(body); }

constexpr char kMinimalRun[] = R"({
  "eventTime": "2020-12-28T19:51:01.641Z",
  "eventType": "COMPLETE",
  "run": {"runId": "43d7db3b-8984-4cda-b237-8c6919b36670"},
  "job": {"namespace": "my-namespace", "name": "myjob"},
  "inputs": [{"namespace": "db", "name": "in"}],
  "outputs": [{"namespace": "db", "name": "out"}],
  "producer": "https://example.com/producer"
})";

TEST(EventParser, ReadsARunEvent) {
  ParsedEvent parsed = Lenient(kMinimalRun);
  ASSERT_TRUE(parsed.ok()) << ::testing::PrintToString(parsed.errors);
  EXPECT_EQ(parsed.event.kind, EventKind::kRun);
  EXPECT_EQ(parsed.event.event_type, RunEventType::kComplete);
  EXPECT_EQ(parsed.event.event_time_micros, 1609185061641000);
  EXPECT_EQ(graphstore::FormatUuid(parsed.event.run_id), "43d7db3b-8984-4cda-b237-8c6919b36670");
  EXPECT_EQ(parsed.event.job, (QualifiedName{"my-namespace", "myjob"}));
  EXPECT_THAT(parsed.event.inputs,
              ElementsAre(Field(&graphstore::DatasetMention::name, QualifiedName{"db", "in"})));
  EXPECT_THAT(parsed.event.outputs,
              ElementsAre(Field(&graphstore::DatasetMention::name, QualifiedName{"db", "out"})));
  EXPECT_EQ(parsed.event.raw_json, kMinimalRun);  // stored exactly as received
}

TEST(EventParser, TellsKindsApartByShapeNotSchemaUrl) {
  ParsedEvent job = Lenient(R"({"eventTime":"2020-01-01T00:00:00Z","producer":"p",
    "schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    "job":{"namespace":"n","name":"j"},"inputs":[{"namespace":"d","name":"i"}]})");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job.event.kind, EventKind::kJob);

  ParsedEvent dataset = Lenient(R"({"eventTime":"2020-01-01T00:00:00Z","producer":"p",
    "dataset":{"namespace":"s3://b","name":"k"}})");
  ASSERT_TRUE(dataset.ok());
  EXPECT_EQ(dataset.event.kind, EventKind::kDataset);
  EXPECT_EQ(dataset.event.dataset.name, (QualifiedName{"s3://b", "k"}));
}

TEST(EventParser, NamesEveryInvalidField) {
  ParsedEvent parsed = Lenient(R"({"run":{"runId":5},"job":{"name":"j"},
    "inputs":[{"namespace":"d"},{"name":"x","namespace":7}],
    "outputs":{"not":"an array"}, "eventType":"FINISHED"})");
  EXPECT_EQ(parsed.rejection, Rejection::kInvalid);
  EXPECT_THAT(
      parsed.errors,
      UnorderedElementsAre(
          "eventTime must not be null", "producer must not be null", "run.runId must be a string",
          "job.namespace must not be null", "inputs[0].name must not be null",
          "inputs[1].namespace must be a string", "outputs must be an array",
          "eventType must be one of START, RUNNING, COMPLETE, ABORT, FAIL, OTHER"));
}

TEST(EventParser, MalformedJsonAndTimestampsAreMalformed) {
  for (const char* body : {"", "{", "[1,2]", "\"text\"", "{\"a\":\xff}", "{\"a\":1}}"}) {
    ParsedEvent parsed = Lenient(body);
    EXPECT_EQ(parsed.rejection, Rejection::kMalformed) << body;
  }
  ParsedEvent date_only = Lenient(R"({"eventTime":"2021-11-03","producer":"p",
    "run":{"runId":"43d7db3b-8984-4cda-b237-8c6919b36670"},"job":{"namespace":"n","name":"j"}})");
  EXPECT_EQ(date_only.rejection, Rejection::kMalformed);
  EXPECT_THAT(date_only.errors, ElementsAre(HasSubstr("eventTime")));
}

// Found by review for tests/fuzz: the message quoted the first 64 bytes of the
// eventTime, which could end inside a character; rendering that as JSON threw.
TEST(EventParser, LongUnparseableEventTimeIsQuotedWholeCharacters) {
  std::string euros;
  for (int i = 0; i < 40; ++i) euros += "\u20ac";  // 3 bytes in UTF-8; 64 is not a multiple
  nlohmann::json event = nlohmann::json::parse(kMinimalRun);
  event["eventTime"] = euros;
  ParsedEvent parsed = Lenient(event.dump());
  ASSERT_EQ(parsed.rejection, Rejection::kMalformed);
  ASSERT_EQ(parsed.errors.size(), 1u);
  std::string quoted;
  for (int i = 0; i < 21; ++i) quoted += "\xe2\x82\xac";  // 63 bytes: the whole characters
  EXPECT_THAT(parsed.errors[0], HasSubstr("'" + quoted + "...'"));
  EXPECT_NO_THROW(nlohmann::json(parsed.errors).dump());
}

TEST(EventParser, DeepNestingIsOverLimitNotACrash) {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  std::string body = R"({"eventTime":"2020-01-01T00:00:00Z","x":)" + deep + "}";
  ParsedEvent parsed = Lenient(body);
  EXPECT_EQ(parsed.rejection, Rejection::kOverLimit);
  ASSERT_EQ(parsed.violations.size(), 1u);
  EXPECT_EQ(parsed.violations[0].limit, "max_json_depth");
}

// Found for tests/fuzz: a number beyond 64 bits sends the event through the
// nlohmann fallback before simdjson sees the nesting, and re-serialising a
// million levels overflowed the stack (one 2 MB POST ended the server).
TEST(EventParser, DeepNestingAfterABigNumberIsOverLimitNotACrash) {
  std::string deep(1000000, '[');
  deep += std::string(1000000, ']');
  for (const std::string number : {"12345678901234567890123", "-1e-400"}) {
    std::string body =
        R"({"eventTime":"2020-01-01T00:00:00Z","n":)" + number + R"(,"x":)" + deep + "}";
    ParsedEvent parsed = Lenient(body);
    EXPECT_EQ(parsed.rejection, Rejection::kOverLimit) << number;
    ASSERT_EQ(parsed.violations.size(), 1u) << number;
    EXPECT_EQ(parsed.violations[0].limit, "max_json_depth") << number;
  }
  // Within the limit, the fallback still accepts the event.
  ParsedEvent nested = Lenient(R"({"eventTime":"2020-01-01T00:00:00Z","producer":"p",
    "run":{"runId":"43d7db3b-8984-4cda-b237-8c6919b36670",
           "facets":{"big":{"n":12345678901234567890123,"x":)" +
                               std::string(200, '[') + std::string(200, ']') + R"(}}},
    "job":{"namespace":"n","name":"j"}})");
  EXPECT_TRUE(nested.ok()) << ::testing::PrintToString(nested.errors);
}

TEST(EventParser, NumbersBeyond64BitsAreValidJson) {
  std::string body = R"({"eventTime":"2020-01-01T00:00:00Z","producer":"p",
    "run":{"runId":"43d7db3b-8984-4cda-b237-8c6919b36670",
           "facets":{"big":{"n":12345678901234567890123,"small":-1e-400}}},
    "job":{"namespace":"n","name":"j"}})";
  ParsedEvent parsed = Lenient(body);
  ASSERT_TRUE(parsed.ok()) << ::testing::PrintToString(parsed.errors);
  EXPECT_EQ(parsed.event.raw_json, body);  // stored as received, digits intact
  EXPECT_EQ(parsed.event.job, (QualifiedName{"n", "j"}));
}

TEST(EventParser, FacetsMustBeObjects) {
  ParsedEvent parsed = Lenient(R"({"eventTime":"2020-01-01T00:00:00Z","producer":"p",
    "run":{"runId":"43d7db3b-8984-4cda-b237-8c6919b36670","facets":{"x":1}},
    "job":{"namespace":"n","name":"j","facets":[]}})");
  EXPECT_THAT(parsed.errors, UnorderedElementsAre("run.facets.x must be an object",
                                                  "job.facets must be an object"));
}

TEST(EventParser, LenientMapsNonUuidRunIdsLikeMarquez) {
  ParsedEvent parsed =
      Lenient(testing::ReadTestData("corpus/compat/simple_run_event/events/simple_run_event.json"));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(graphstore::FormatUuid(parsed.event.run_id), "0acf093b-3c88-3560-8dc6-22a33921d360");
  EXPECT_EQ(
      Strict(testing::ReadTestData("corpus/compat/simple_run_event/events/simple_run_event.json"))
          .rejection,
      Rejection::kInvalid);
}

TEST(EventParser, IdentityIgnoresWhitespace) {
  ParsedEvent pretty = Lenient(kMinimalRun);
  ParsedEvent compact = Lenient(
      R"({"eventTime":"2020-12-28T19:51:01.641Z","eventType":"COMPLETE","run":{"runId":"43d7db3b-8984-4cda-b237-8c6919b36670"},"job":{"namespace":"my-namespace","name":"myjob"},"inputs":[{"namespace":"db","name":"in"}],"outputs":[{"namespace":"db","name":"out"}],"producer":"https://example.com/producer"})");
  ASSERT_TRUE(pretty.ok() && compact.ok());
  EXPECT_EQ(pretty.event.content_hash, compact.event.content_hash);
  ParsedEvent other = Lenient(R"({"eventTime":"2020-12-28T19:51:01.642Z","producer":"p",
    "run":{"runId":"43d7db3b-8984-4cda-b237-8c6919b36670"},"job":{"namespace":"n","name":"j"}})");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(pretty.event.content_hash, other.event.content_hash);
}

TEST(EventParser, StrictRequiresSchemaUrlBaseFacetFieldsAndZones) {
  ParsedEvent parsed = Strict(R"({"eventTime":"2020-01-01T00:00:00","producer":"p",
    "run":{"runId":"43d7db3b-8984-4cda-b237-8c6919b36670",
           "facets":{"custom":{"a":1},"nominalTime":{"_producer":"p","_schemaURL":"u"}}},
    "job":{"namespace":"n","name":"j"}})");
  EXPECT_THAT(parsed.errors,
              UnorderedElementsAre("eventTime must have a time zone offset (RFC 3339)",
                                   "schemaURL must not be null",
                                   "run.facets.custom._producer must be a string",
                                   "run.facets.custom._schemaURL must be a string",
                                   "run.facets.nominalTime.nominalStartTime must not be null"));
}

// The OpenLineage fluentd validator's own test files, with the outcomes its
// tests expect under default settings (run and job facets validated).
TEST(EventParser, FluentdCorpusInBothModes) {
  struct Case {
    const char* file;
    bool lenient_ok;
    bool strict_ok;
  };
  for (const Case& c : {Case{"event_simple.json", true, true}, Case{"event_full.json", true, true},
                        Case{"event_no_run_id.json", false, false},
                        Case{"event_invalid_run_facet.json", true, false},
                        Case{"event_invalid_job_facet.json", true, false},
                        Case{"event_invalid_dataset_facet.json", true, true},
                        Case{"event_invalid_input_dataset_facet.json", true, true},
                        Case{"event_invalid_output_dataset_facet.json", true, true}}) {
    std::string body =
        testing::ReadTestData(std::string("corpus/invalid-and-valid-fluentd/") + c.file);
    ASSERT_FALSE(body.empty()) << c.file;
    ParsedEvent lenient = Lenient(body);
    ParsedEvent strict = Strict(body);
    EXPECT_EQ(lenient.ok(), c.lenient_ok)
        << c.file << " " << ::testing::PrintToString(lenient.errors);
    EXPECT_EQ(strict.ok(), c.strict_ok) << c.file << " " << ::testing::PrintToString(strict.errors);
    if (!c.strict_ok) {
      EXPECT_EQ(strict.rejection, Rejection::kInvalid) << c.file;
    }
  }
  ParsedEvent run_facet = Strict(
      testing::ReadTestData("corpus/invalid-and-valid-fluentd/event_invalid_run_facet.json"));
  EXPECT_THAT(run_facet.errors, ElementsAre("run.facets.parent.run.runId must not be null"));
  ParsedEvent job_facet = Strict(
      testing::ReadTestData("corpus/invalid-and-valid-fluentd/event_invalid_job_facet.json"));
  EXPECT_THAT(job_facet.errors,
              ElementsAre("job.facets.ownership.owners[0].name must not be null"));
}

TEST(EventParser, EveryValidCorpusEventIsAcceptedLeniently) {
  int checked = 0;
  for (const char* dir : {"corpus/client-python", "corpus/compat/airflow/events",
                          "corpus/compat/simple_run_event/events", "corpus/marquez-edge-cases",
                          "corpus/invalid-and-valid-fluentd"}) {
    for (const std::string& file : testing::ListTestData(dir)) {
      if (file.find("event_no_run_id") != std::string::npos) continue;
      if (file.size() < 5 || file.substr(file.size() - 5) != ".json") continue;
      ParsedEvent parsed = Lenient(testing::ReadTestData(file));
      EXPECT_TRUE(parsed.ok()) << file << ": " << ::testing::PrintToString(parsed.errors);
      ++checked;
    }
  }
  EXPECT_GE(checked, 59);
}

}  // namespace
}  // namespace lineaged::collector

namespace lineaged::collector {
namespace {

TEST(EventParserModel, ExtractsWhatTheStoreModels) {
  ParsedEvent parsed = EventParser(ValidationMode::kLenient).Parse(R"({
    "eventType": "COMPLETE", "eventTime": "2024-01-01T00:00:00Z", "producer": "p",
    "run": {"runId": "not-a-uuid", "facets": {
      "nominalTime": {"nominalStartTime": "2024-01-01T00:00:00Z"},
      "parent": {"run": {"runId": "3f5e83fa-3480-44ff-99c5-ff943904e5e8"},
                 "job": {"namespace": "airflow", "name": "dag"}},
      "spark_unknown": {"x": 1}}},
    "job": {"namespace": "air flow", "name": "dag.task", "facets": {
      "jobType": {"processingType": "STREAMING", "integration": "FLINK"},
      "sourceCodeLocation": {"type": "git", "url": "https://git/x"},
      "documentation": {"description": "moves rows"}}},
    "inputs": [{"namespace": "postgres://h:5432", "name": "db.t",
      "facets": {"schema": {"fields": [{"name": "id", "type": "INT"}, {"name": "v"}]},
                 "dataSource": {"name": "pg", "uri": "postgres://h:5432"}},
      "inputFacets": {"dataQualityMetrics": {"rowCount": 3}}}],
    "outputs": [{"namespace": "s3://b", "name": "out",
      "facets": {"documentation": {"description": "d"}, "old": {"_deleted": true},
        "symlinks": {"identifiers": [{"namespace": "hive", "name": "o", "type": "TABLE"}]},
        "lifecycleStateChange": {"lifecycleStateChange": "OVERWRITE"},
        "columnLineage": {"fields": {"x": {"inputFields": [
          {"namespace": "postgres://h:5432", "name": "db.t", "field": "id"}],
          "transformationType": "IDENTITY"}}}}}]
  })");
  ASSERT_TRUE(parsed.ok()) << ::testing::PrintToString(parsed.errors);
  const graphstore::Event& e = parsed.event;
  EXPECT_EQ(e.job.namespace_name, "air_flow");  // sanitised, as Marquez
  EXPECT_EQ(e.job_mention.streaming, true);
  EXPECT_EQ(e.job_mention.location, "https://git/x");
  EXPECT_EQ(e.job_mention.description, "moves rows");
  ASSERT_EQ(e.run_mention.facets.size(), 2u);  // spark_unknown dropped
  EXPECT_TRUE(e.run_mention.nominal_start_micros.has_value());
  ASSERT_TRUE(e.run_mention.parent.has_value());
  EXPECT_EQ(e.run_mention.parent->job, (QualifiedName{"airflow", "dag"}));
  ASSERT_EQ(e.inputs.size(), 1u);
  ASSERT_TRUE(e.inputs[0].schema.has_value());
  ASSERT_EQ(e.inputs[0].schema->size(), 2u);
  EXPECT_EQ((*e.inputs[0].schema)[0].type, "INT");
  EXPECT_FALSE((*e.inputs[0].schema)[1].type.has_value());
  EXPECT_EQ(e.inputs[0].source_name, "pg");
  ASSERT_EQ(e.inputs[0].io_facets.size(), 1u);
  EXPECT_EQ(e.inputs[0].io_facets[0].json, R"({"rowCount":3})");
  const graphstore::DatasetMention& out = e.outputs[0];
  EXPECT_EQ(out.description, "d");
  EXPECT_EQ(out.lifecycle_state, "OVERWRITE");
  ASSERT_EQ(out.symlinks.size(), 1u);
  EXPECT_EQ(out.symlinks[0].name, (QualifiedName{"hive", "o"}));
  ASSERT_EQ(out.column_lineage.size(), 1u);
  EXPECT_EQ(out.column_lineage[0].transformation_type, "IDENTITY");
  bool saw_deleted = false;
  for (const graphstore::Facet& f : out.facets) saw_deleted |= f.name == "old" && f.deleted;
  EXPECT_TRUE(saw_deleted);
}

// Facet texts are cut from the minified event: whitespace goes, the text
// stays as sent (escapes, number spellings), and the first of duplicate keys
// is the one read, as the validator and the DOM read it.
TEST(EventParserModel, FacetTextsAreTheMinifiedTextAsSent) {
  ParsedEvent parsed = EventParser(ValidationMode::kLenient).Parse(R"({
    "eventType": "COMPLETE", "eventTime": "2024-01-01T00:00:00Z", "producer": "p",
    "run": {"runId": "43d7db3b-8984-4cda-b237-8c6919b36670",
      "facets": {"a": { "s": "caf\u00e9 \"q\"", "n": [1e2, 1.50, -0] },
                 "spark_unknown": {"x": 5},
                 "b": {"nested": {"x": {}}, "e": []}},
      "facets": {"ignored": {"x": 1}}},
    "job": {"namespace": "n", "name": "j", "facets": {"sql": {"query": "select 1"}}},
    "inputs": [
      {"namespace": "db", "name": "in0"},
      {"namespace": "db", "name": "in1", "inputFacets": {"q": {"rows": 3}},
       "facets": {"schema": {"fields": [ {"name": "id"} ]}}}],
    "outputs": [{"namespace": "db", "name": "out",
      "outputFacets": {"o": {"bytes": 10}},
      "facets": {"old": {"_deleted": true}, "kept": {"k": "v"}}}]
  })");
  ASSERT_TRUE(parsed.ok()) << ::testing::PrintToString(parsed.errors);
  const graphstore::Event& e = parsed.event;
  ASSERT_EQ(e.run_mention.facets.size(), 2u);
  EXPECT_EQ(e.run_mention.facets[0].name, "a");
  EXPECT_EQ(e.run_mention.facets[0].json, R"({"s":"caf\u00e9 \"q\"","n":[1e2,1.50,-0]})");
  EXPECT_EQ(e.run_mention.facets[1].name, "b");
  EXPECT_EQ(e.run_mention.facets[1].json, R"({"nested":{"x":{}},"e":[]})");
  ASSERT_EQ(e.job_mention.facets.size(), 1u);
  EXPECT_EQ(e.job_mention.facets[0].json, R"({"query":"select 1"})");
  ASSERT_EQ(e.inputs.size(), 2u);
  EXPECT_TRUE(e.inputs[0].facets.empty());
  ASSERT_EQ(e.inputs[1].io_facets.size(), 1u);
  EXPECT_EQ(e.inputs[1].io_facets[0].json, R"({"rows":3})");
  ASSERT_EQ(e.inputs[1].facets.size(), 1u);
  EXPECT_EQ(e.inputs[1].facets[0].json, R"({"fields":[{"name":"id"}]})");
  ASSERT_EQ(e.outputs.size(), 1u);
  ASSERT_EQ(e.outputs[0].io_facets.size(), 1u);
  EXPECT_EQ(e.outputs[0].io_facets[0].json, R"({"bytes":10})");
  ASSERT_EQ(e.outputs[0].facets.size(), 2u);
  EXPECT_TRUE(e.outputs[0].facets[0].deleted);
  EXPECT_EQ(e.outputs[0].facets[1].json, R"({"k":"v"})");
}

// An event whose numbers the DOM cannot hold is read from a copy whose
// numbers differ from the text; its facets are serialised from that copy, so
// every stored facet text parses.
TEST(EventParserModel, FacetTextsOfAnEventWithHugeNumbersComeFromTheCopy) {
  ParsedEvent parsed = Lenient(R"({"eventTime":"2020-01-01T00:00:00Z","producer":"p",
    "run":{"runId":"43d7db3b-8984-4cda-b237-8c6919b36670",
           "facets":{"big":{"n":12345678901234567890123}}},
    "job":{"namespace":"n","name":"j"}})");
  ASSERT_TRUE(parsed.ok()) << ::testing::PrintToString(parsed.errors);
  ASSERT_EQ(parsed.event.run_mention.facets.size(), 1u);
  const std::string& text = parsed.event.run_mention.facets[0].json;
  EXPECT_THAT(text, Not(HasSubstr("12345678901234567890123")));
  EXPECT_FALSE(nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false).is_discarded());
}

TEST(EventParserModel, RefusesADatasetNamespaceMarquezRefuses) {
  ParsedEvent parsed = EventParser(ValidationMode::kLenient).Parse(R"({
    "eventType": "START", "eventTime": "2024-01-01T00:00:00Z", "producer": "p",
    "run": {"runId": "3f5e83fa-3480-44ff-99c5-ff943904e5e8"},
    "job": {"namespace": "n", "name": "j"},
    "outputs": [{"namespace": "\ud83d\ude00", "name": "t"}]})");
  EXPECT_EQ(parsed.rejection, Rejection::kMalformed);
  ASSERT_EQ(parsed.errors.size(), 1u);
  EXPECT_THAT(parsed.errors[0], HasSubstr("dataset namespace"));
}

}  // namespace
}  // namespace lineaged::collector
