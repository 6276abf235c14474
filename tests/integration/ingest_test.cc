// Black-box tests of POST /api/v1/lineage and the health endpoints against the
// real server binary: status codes, error bodies, validation modes, transfer
// encodings, duplicates, robustness against hostile input and durability of
// acknowledged events across kill -9.

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"
#include "tests/testing/data.h"

namespace lineaged::integration {
namespace {

using lineaged::testing::GzipCompress;
using lineaged::testing::ListTestData;
using lineaged::testing::ReadTestData;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kSimpleEventPath[] = "corpus/invalid-and-valid-fluentd/event_simple.json";
constexpr char kFacetProducer[] = "https://github.com/lineaged/tests";
constexpr char kFacetSchemaUrl[] = "https://example.com/spec/facets/1-0-0/TestFacet.json";

// Expects that job `job_id` is a node of its own lineage graph.
void ExpectJobStored(TestServer& server, const std::string& job_id) {
  const Response response = server.GetLineage(job_id, 0);
  ASSERT_EQ(response.status, 200) << job_id << ": " << response.body;
  EXPECT_THAT(NodeIds(ParseGraph(response)), Contains(job_id));
}

void ExpectHealthy(TestServer& server, const std::string& after) {
  EXPECT_TRUE(server.Alive()) << "server died after " << after << "\n" << server.log();
  const Response health = server.client().Get("/healthz");
  EXPECT_EQ(health.status, 200) << "after " << after << ": " << health.body;
}

Response PostWithContentType(TestServer& server, const std::string& body,
                             const std::string& content_type) {
  return server.client().Request("POST", kLineagePath, body, {{"Content-Type", content_type}});
}

// `text` nested `depth` levels deep in arrays: [[[...text...]]].
std::string NestedArrays(size_t depth, const std::string& text = "1") {
  return std::string(depth, '[') + text + std::string(depth, ']');
}

// A minimal event with a custom run facet holding `value` (JSON text).
std::string EventWithRunFacetValue(const std::string& value) {
  nlohmann::json event = MinimalEvent("test", "nested");
  event["run"]["facets"]["custom"] = {
      {"_producer", kFacetProducer}, {"_schemaURL", kFacetSchemaUrl}, {"value", "PLACEHOLDER"}};
  std::string text = event.dump();
  const std::string placeholder = "\"PLACEHOLDER\"";
  text.replace(text.find(placeholder), placeholder.size(), value);
  return text;
}

// A minimal event whose job name is the raw bytes `name` (not JSON-escaped).
std::string EventWithRawJobName(const std::string& name) {
  std::string text = MinimalEvent("test", "PLACEHOLDER").dump();
  const std::string placeholder = "\"PLACEHOLDER\"";
  text.replace(text.find(placeholder), placeholder.size(), "\"" + name + "\"");
  return text;
}

TEST(Health, HealthzAndReadyzAnswer200) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  const Response healthz = server.client().Get("/healthz");
  EXPECT_EQ(healthz.status, 200) << healthz.body;
  const Response readyz = server.client().Get("/readyz");
  EXPECT_EQ(readyz.status, 200) << readyz.body;
}

TEST(Ingest, ValidEventIs201WithEmptyBody) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  const Response response = server.PostEvent(ReadTestData(kSimpleEventPath));
  EXPECT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(response.body, "");
  ExpectJobStored(server, "job:my-scheduler-namespace:myjob");
}

TEST(Ingest, AcceptsJsonContentTypeWithAndWithoutCharset) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  const Response plain =
      PostWithContentType(server, MinimalEvent("test", "plain").dump(), "application/json");
  EXPECT_EQ(plain.status, 201) << plain.body;
  const Response charset = PostWithContentType(server, MinimalEvent("test", "charset").dump(),
                                               "application/json; charset=UTF-8");
  EXPECT_EQ(charset.status, 201) << charset.body;
  ExpectJobStored(server, "job:test:plain");
  ExpectJobStored(server, "job:test:charset");
}

TEST(Ingest, NonJsonContentTypeIs415) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  for (const std::string content_type : {"text/plain", "application/xml"}) {
    const Response response =
        PostWithContentType(server, MinimalEvent("test", "typed").dump(), content_type);
    EXPECT_EQ(response.status, 415) << content_type << ": " << response.body;
  }
  EXPECT_EQ(server.GetLineage("job:test:typed").status, 404);
}

TEST(Ingest, MalformedJsonIs400) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  const std::string simple = ReadTestData(kSimpleEventPath);
  ASSERT_FALSE(simple.empty());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"truncated", simple.substr(0, simple.size() / 2)},
      {"empty body", ""},
      {"invalid UTF-8 in a string", EventWithRawJobName("bad\xff\xfe\xfdname")},
      {"overlong UTF-8 encoding", EventWithRawJobName("bad\xc0\xafname")},
      {"trailing garbage", simple + " {}"},
      {"a JSON array", "[" + simple + "]"},
      {"a JSON string", "\"event\""},
      {"JSON null", "null"},
  };
  for (const auto& [name, body] : cases) {
    const Response response = server.PostEvent(body);
    EXPECT_EQ(response.status, 400) << name << ": " << response.body;
    EXPECT_TRUE(IsErrorBody(response, 400)) << name;
  }
}

TEST(Ingest, ModeratelyNestedFacetIsAccepted) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  const Response response = server.PostEvent(EventWithRunFacetValue(NestedArrays(32)));
  EXPECT_EQ(response.status, 201) << response.body;
}

TEST(Ingest, UnparseableEventTimeIs400) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  for (const std::string event_time : {"2021-11-03", "yesterday", "2021-11-03T25:00:00Z"}) {
    nlohmann::json event = MinimalEvent("test", "timed");
    event["eventTime"] = event_time;
    const Response response = server.PostEvent(event.dump());
    EXPECT_EQ(response.status, 400) << event_time << ": " << response.body;
    EXPECT_TRUE(IsErrorBody(response, 400)) << event_time;
  }
}

TEST(Ingest, EventTimeWithoutZoneIsAcceptedAsUtc) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  nlohmann::json event = MinimalEvent("test", "zoneless");
  event["eventTime"] = "2021-11-03T10:53:52.427343";
  const Response response = server.PostEvent(event.dump());
  EXPECT_EQ(response.status, 201) << response.body;
  ExpectJobStored(server, "job:test:zoneless");
}

TEST(Ingest, MissingRequiredFieldsAre422NamingEachField) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  const nlohmann::json event = {
      {"eventType", "COMPLETE"},
      {"schemaURL", "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"},
      {"run", nlohmann::json::object()},
      {"job", nlohmann::json::object()},
      {"inputs", {{{"namespace", "test"}}}},
      {"outputs", {{{"namespace", "test"}, {"name", "a"}}, {{"name", "b"}}}},
  };
  const Response response = server.PostEvent(event.dump());
  ASSERT_EQ(response.status, 422) << response.body;
  EXPECT_THAT(ValidationErrors(response),
              UnorderedElementsAre("eventTime must not be null", "producer must not be null",
                                   "run.runId must not be null", "job.namespace must not be null",
                                   "job.name must not be null", "inputs[0].name must not be null",
                                   "outputs[1].namespace must not be null"));
}

TEST(Ingest, NullRequiredFieldsAre422) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  nlohmann::json event = MinimalEvent("test", "nulls");
  event["producer"] = nullptr;
  event["run"]["runId"] = nullptr;
  event["job"]["namespace"] = nullptr;
  const Response response = server.PostEvent(event.dump());
  ASSERT_EQ(response.status, 422) << response.body;
  EXPECT_THAT(ValidationErrors(response),
              UnorderedElementsAre("producer must not be null", "run.runId must not be null",
                                   "job.namespace must not be null"));
}

TEST(Ingest, NumericRunIdIs422) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  nlohmann::json event = MinimalEvent("test", "numeric");
  event["run"]["runId"] = 5;
  const Response response = server.PostEvent(event.dump());
  ASSERT_EQ(response.status, 422) << response.body;
  EXPECT_THAT(ValidationErrors(response), ElementsAre("run.runId must be a string"));
  EXPECT_EQ(server.GetLineage("job:test:numeric").status, 404);
}

TEST(Ingest, WrongTypesAre422NamingEachField) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  nlohmann::json event = MinimalEvent("test", "typed");
  event["job"]["namespace"] = {{"not", "a string"}};
  event["outputs"][0]["name"] = 42;
  const Response response = server.PostEvent(event.dump());
  ASSERT_EQ(response.status, 422) << response.body;
  EXPECT_THAT(ValidationErrors(response), UnorderedElementsAre("job.namespace must be a string",
                                                               "outputs[0].name must be a string"));
}

TEST(Ingest, FacetThatIsNotAnObjectIs422) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  nlohmann::json event = MinimalEvent("test", "facets");
  event["run"]["facets"]["nominalTime"] = "yesterday";
  event["inputs"][0]["facets"]["schema"] = {1, 2, 3};
  const Response response = server.PostEvent(event.dump());
  ASSERT_EQ(response.status, 422) << response.body;
  const std::vector<std::string> errors = ValidationErrors(response);
  EXPECT_THAT(errors, Contains(HasSubstr("run.facets.nominalTime")));
  EXPECT_THAT(errors, Contains(HasSubstr("inputs[0].facets.schema")));
}

TEST(Ingest, BodyOverMaxBodyBytesIs413) {
  TestServer server({"--max_body_bytes=4096"});
  ASSERT_TRUE(server.Start());
  const std::string small = MinimalEvent("test", "small").dump();
  ASSERT_LT(small.size(), 4096u);
  const std::string big = EventWithRunFacetValue("\"" + std::string(8192, 'x') + "\"");

  const Response sized = server.PostEvent(big);
  EXPECT_EQ(sized.status, 413) << sized.body;
  const Response chunked = server.PostEvent(big, {.chunked = true, .chunk_size = 1000});
  EXPECT_EQ(chunked.status, 413) << chunked.body;

  // The server keeps serving after rejecting.
  const Response accepted = server.PostEvent(small);
  EXPECT_EQ(accepted.status, 201) << accepted.body;
  ExpectHealthy(server, "oversized bodies");
}

// A gzip bomb: tiny on the wire, far over the limit once inflated.
TEST(Ingest, GzipBodyOverMaxBodyBytesWhenInflatedIs413) {
  TestServer server({"--max_body_bytes=4096"});
  ASSERT_TRUE(server.Start());
  const std::string big = EventWithRunFacetValue("\"" + std::string(1 << 20, 'x') + "\"");
  ASSERT_LT(GzipCompress(big).size(), 4096u);
  const Response response = server.PostEvent(big, {.gzip = true});
  EXPECT_EQ(response.status, 413) << response.body;
  ExpectHealthy(server, "a gzip bomb");
}

TEST(Ingest, GzipBodyIsAccepted) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  const Response response =
      server.PostEvent(MinimalEvent("test", "gzipped").dump(), {.gzip = true});
  EXPECT_EQ(response.status, 201) << response.body;
  ExpectJobStored(server, "job:test:gzipped");
}

TEST(Ingest, ChunkedBodyIsAccepted) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  const Response response =
      server.PostEvent(MinimalEvent("test", "chunked").dump(), {.chunked = true, .chunk_size = 17});
  EXPECT_EQ(response.status, 201) << response.body;
  ExpectJobStored(server, "job:test:chunked");
}

// What the OpenLineage Java client sends when compression is on.
TEST(Ingest, GzipChunkedBodyIsAccepted) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  const Response response = server.PostEvent(MinimalEvent("test", "gzip_chunked").dump(),
                                             {.gzip = true, .chunked = true, .chunk_size = 16});
  EXPECT_EQ(response.status, 201) << response.body;
  ExpectJobStored(server, "job:test:gzip_chunked");
}

TEST(Ingest, DuplicateEventStoredOnce) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  PostAirflowEvents(server);
  const std::string node = "dataset:bigquery:mock-project.test.upload";
  const Response before = server.GetLineage(node);
  ASSERT_EQ(before.status, 200) << before.body;

  // line_02 is the START (no datasets) and line_03 the COMPLETE of BQ.upload:
  // applying either again as a new event would change the job's current IO.
  for (const int line : {2, 3, 5}) {
    const Response again = server.PostEvent(AirflowEvent(line));
    EXPECT_EQ(again.status, 201) << "line_" << line << ": " << again.body;
  }
  const Response after = server.GetLineage(node);
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(after.Json(), before.Json());
}

// Posts every event file of the corpus: all must be 201, except
// event_no_run_id.json, which must be 422.
void ExpectLenientCorpusOutcomes(TestServer& server) {
  const std::vector<std::string> dirs = {
      "corpus/client-python",
      "corpus/compat/airflow/events",
      "corpus/compat/simple_run_event/events",
      "corpus/marquez-edge-cases",
      "corpus/invalid-and-valid-fluentd",
  };
  int posted = 0;
  for (const std::string& dir : dirs) {
    for (const std::string& path : ListTestData(dir)) {
      if (!path.ends_with(".json")) continue;
      ++posted;
      const Response response = server.PostEvent(ReadTestData(path));
      if (path.ends_with("/event_no_run_id.json")) {
        ASSERT_EQ(response.status, 422) << path << ": " << response.body;
        EXPECT_THAT(ValidationErrors(response), Contains("run.runId must not be null"));
      } else {
        EXPECT_EQ(response.status, 201) << path << ": " << response.body;
      }
    }
  }
  EXPECT_EQ(posted, 60) << "the corpus in tests/data changed; update this test";
}

TEST(Validation, LenientByDefaultAcceptsTheWholeCorpusExceptNoRunId) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  ExpectLenientCorpusOutcomes(server);
}

TEST(Validation, ExplicitLenientAcceptsTheWholeCorpusExceptNoRunId) {
  TestServer server({"--validation=lenient"});
  ASSERT_TRUE(server.Start());
  ExpectLenientCorpusOutcomes(server);
}

// The fluentd plugin's defaults: run and job facets are validated against
// their schemas, dataset/input/output facets only need _producer and
// _schemaURL (which all three event_invalid_*dataset_facet files carry).
TEST(Validation, StrictFollowsFluentdDefaultsOnFluentdCorpus) {
  TestServer server({"--validation=strict"});
  ASSERT_TRUE(server.Start());
  const std::string dir = "corpus/invalid-and-valid-fluentd/";
  const std::vector<std::pair<std::string, int>> expected = {
      {"event_simple.json", 201},
      {"event_full.json", 201},
      {"event_no_run_id.json", 422},
      {"event_invalid_run_facet.json", 422},
      {"event_invalid_job_facet.json", 422},
      {"event_invalid_dataset_facet.json", 201},
      {"event_invalid_input_dataset_facet.json", 201},
      {"event_invalid_output_dataset_facet.json", 201},
  };
  ASSERT_EQ(ListTestData(dir).size(), expected.size());
  for (const auto& [file, status] : expected) {
    const Response response = server.PostEvent(ReadTestData(dir + file));
    EXPECT_EQ(response.status, status) << file << ": " << response.body;
    if (response.status != 422 || status != 422) continue;
    const std::vector<std::string> errors = ValidationErrors(response);
    if (file == "event_no_run_id.json") {
      EXPECT_THAT(errors, Contains("run.runId must not be null"));
    } else if (file == "event_invalid_run_facet.json") {
      EXPECT_THAT(errors, Contains(HasSubstr("run.facets.parent")));
    } else if (file == "event_invalid_job_facet.json") {
      EXPECT_THAT(errors, Contains(HasSubstr("job.facets.ownership")));
    }
  }
}

struct StrictOnlyCase {
  std::string name;
  // Changes a valid event into one that only strict validation rejects.
  void (*mutate)(nlohmann::json& event);
  // Expected in one of the strict errors.
  std::string field;
};

TEST(Validation, StrictRejectsWhatLenientAccepts) {
  const std::vector<StrictOnlyCase> cases = {
      {"no schemaURL", [](nlohmann::json& e) { e.erase("schemaURL"); }, "schemaURL"},
      {"eventTime without zone",
       [](nlohmann::json& e) { e["eventTime"] = "2024-05-01T10:00:00.000"; }, "eventTime"},
      {"runId not a UUID", [](nlohmann::json& e) { e["run"]["runId"] = "run_id"; }, "run.runId"},
      {"run facet without _producer",
       [](nlohmann::json& e) {
         e["run"]["facets"]["custom"] = {{"_schemaURL", kFacetSchemaUrl}, {"x", 1}};
       },
       "run.facets.custom"},
      {"job facet without _schemaURL",
       [](nlohmann::json& e) {
         e["job"]["facets"]["custom"] = {{"_producer", kFacetProducer}, {"x", 1}};
       },
       "job.facets.custom"},
      {"dataset facet without _producer",
       [](nlohmann::json& e) {
         e["inputs"][0]["facets"]["custom"] = {{"_schemaURL", kFacetSchemaUrl}};
       },
       "inputs[0].facets.custom"},
      {"nominalTime facet without nominalStartTime",
       [](nlohmann::json& e) {
         e["run"]["facets"]["nominalTime"] = {{"_producer", kFacetProducer},
                                              {"_schemaURL", kFacetSchemaUrl}};
       },
       "run.facets.nominalTime"},
  };
  TestServer lenient;
  ASSERT_TRUE(lenient.Start());
  TestServer strict({"--validation=strict"});
  ASSERT_TRUE(strict.Start());

  const std::string valid = MinimalEvent("test", "control").dump();
  const Response control = strict.PostEvent(valid);
  EXPECT_EQ(control.status, 201) << "strict rejects the control event: " << control.body;

  for (const StrictOnlyCase& c : cases) {
    nlohmann::json event = MinimalEvent("test", "strict_only");
    c.mutate(event);
    const Response accepted = lenient.PostEvent(event.dump());
    EXPECT_EQ(accepted.status, 201) << "lenient, " << c.name << ": " << accepted.body;
    const Response rejected = strict.PostEvent(event.dump());
    EXPECT_EQ(rejected.status, 422) << "strict, " << c.name << ": " << rejected.body;
    if (rejected.status == 422) {
      EXPECT_THAT(ValidationErrors(rejected), Contains(HasSubstr(c.field))) << c.name;
    }
  }
}

TEST(Robustness, BadInputNeverCrashesServer) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  const std::string simple = ReadTestData(kSimpleEventPath);
  const std::string megabyte(1'000'000, 'm');

  std::vector<std::pair<std::string, std::string>> cases = {
      {"truncated JSON", simple.substr(0, simple.size() - 7)},
      {"only an opening brace", "{"},
      {"empty body", ""},
      {"JSON null", "null"},
      {"empty object", "{}"},
      {"empty array", "[]"},
      {"invalid UTF-8", EventWithRawJobName("\xff\xfe\x80")},
      {"lone surrogate escape", EventWithRawJobName("\\ud800")},
      {"NUL escape", EventWithRawJobName("a\\u0000b")},
      {"10000-deep arrays", EventWithRunFacetValue(NestedArrays(10000))},
      {"10000-deep objects", EventWithRunFacetValue([] {
         std::string text;
         for (int i = 0; i < 10000; ++i) text += "{\"a\":";
         return text + "1" + std::string(10000, '}');
       }())},
      {"10000 unclosed brackets", std::string(10000, '[')},
      // A number beyond 64 bits takes the parser's fallback path first.
      {"1000000-deep arrays after a big number",
       R"({"n":12345678901234567890123,"x":)" + NestedArrays(1000000) + "}"},
      {"1 MB facet string", EventWithRunFacetValue("\"" + megabyte + "\"")},
  };
  auto mutated = [](auto mutate) {
    nlohmann::json event = MinimalEvent("test", "bad");
    mutate(event);
    return event.dump();
  };
  cases.emplace_back("runId 5", mutated([](nlohmann::json& e) { e["run"]["runId"] = 5; }));
  cases.emplace_back("runId huge number",
                     mutated([](nlohmann::json& e) { e["run"]["runId"] = 1e308; }));
  cases.emplace_back("1 MB job name",
                     mutated([&](nlohmann::json& e) { e["job"]["name"] = megabyte; }));
  cases.emplace_back("1 MB dataset namespace",
                     mutated([&](nlohmann::json& e) { e["inputs"][0]["namespace"] = megabyte; }));
  cases.emplace_back("1 MB runId",
                     mutated([&](nlohmann::json& e) { e["run"]["runId"] = megabyte; }));
  cases.emplace_back("1 MB eventTime",
                     mutated([&](nlohmann::json& e) { e["eventTime"] = megabyte; }));
  for (const std::string event_time :
       {"99999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "-999999999-01-01T00:00:00Z",
        "2024-05-01T10:00:00+99:99", "2024-05-01T10:00:00.1234567890123456789Z", ""}) {
    cases.emplace_back("eventTime " + event_time,
                       mutated([&](nlohmann::json& e) { e["eventTime"] = event_time; }));
  }
  cases.emplace_back("inputs not an array",
                     mutated([](nlohmann::json& e) { e["inputs"] = "everything"; }));
  cases.emplace_back("facets an array", mutated([](nlohmann::json& e) {
                       e["run"]["facets"] = nlohmann::json::array({1, 2});
                     }));
  cases.emplace_back("run a string", mutated([](nlohmann::json& e) { e["run"] = "run"; }));
  cases.emplace_back(
      "10000 inputs", mutated([](nlohmann::json& e) {
        for (int i = 0; i < 10000; ++i) {
          e["inputs"].push_back({{"namespace", "test"}, {"name", "in" + std::to_string(i)}});
        }
      }));

  for (const auto& [name, body] : cases) {
    const Response response = server.PostEvent(body);
    EXPECT_GE(response.status, 200) << name << ": " << response.body.substr(0, 300);
    EXPECT_LT(response.status, 500) << name << ": " << response.body.substr(0, 300);
    ExpectHealthy(server, name);
    if (!server.Alive()) return;
  }

  // Broken Content-Encoding.
  const Response not_gzip =
      server.client().Request("POST", kLineagePath, simple,
                              {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
  EXPECT_GE(not_gzip.status, 400) << not_gzip.body;
  EXPECT_LT(not_gzip.status, 500) << not_gzip.body;
  ExpectHealthy(server, "a body that is not gzip");
  const std::string gzipped = GzipCompress(simple);
  const Response truncated_gzip =
      server.client().Request("POST", kLineagePath, gzipped.substr(0, gzipped.size() / 2),
                              {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
  EXPECT_GE(truncated_gzip.status, 400) << truncated_gzip.body;
  EXPECT_LT(truncated_gzip.status, 500) << truncated_gzip.body;
  ExpectHealthy(server, "truncated gzip");
}

// Found by tests/fuzz: error bodies quote client bytes, and rendering bytes
// that are not UTF-8 as JSON threw, which ended the server.
TEST(Robustness, ClientBytesThatAreNotUtf8NeverCrashServer) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  for (const std::string target :
       {"/api/v1/lineage?nodeId=%FF", "/api/v1/lineage?nodeId=datasetF%E9eld:s3://b:p:c",
        "/api/v1/lineage?nodeId=dataset:ns:%C3"}) {
    const Response response = server.client().Get(target);
    EXPECT_GE(response.status, 400) << target << ": " << response.body;
    EXPECT_LT(response.status, 500) << target << ": " << response.body;
    EXPECT_TRUE(ParseJson(response.body).is_object()) << target;
    ExpectHealthy(server, target);
    if (!server.Alive()) return;
  }
  // The 400 for an unparseable eventTime quotes its first 64 bytes, which must
  // not end inside a character ("\u20ac" is three bytes in UTF-8).
  nlohmann::json event = MinimalEvent("test", "euros");
  std::string euros;
  for (int i = 0; i < 40; ++i) euros += "\u20ac";
  event["eventTime"] = euros;
  const Response response = server.PostEvent(event.dump());
  EXPECT_EQ(response.status, 400) << response.body;
  EXPECT_TRUE(IsErrorBody(response, 400));
  ExpectHealthy(server, "a long eventTime of multi-byte characters");
}

// Several clients post distinct jobs; the server is SIGKILLed mid-burst once
// 200 events were acknowledged. After a restart every acknowledged job must be
// there: a 201 means the event is durable.
TEST(Durability, AcknowledgedEventsSurviveKill9) {
  constexpr int kThreads = 4;
  constexpr int kKillAfterAcks = 200;
  constexpr int kMaxEvents = 20000;

  TestServer server;
  ASSERT_TRUE(server.Start());
  // BQ.copy's COMPLETE: reads and writes a dataset.
  const nlohmann::json templ = ParseJson(AirflowEvent(5));
  ASSERT_TRUE(templ.is_object());
  ASSERT_FALSE(templ["inputs"].empty());
  ASSERT_FALSE(templ["outputs"].empty());
  const std::string job_namespace = templ["job"]["namespace"].get<std::string>();

  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> acknowledged;        // guarded by mu
  std::vector<std::string> unexpected;  // guarded by mu
  int finished_workers = 0;             // guarded by mu
  bool killed = false;                  // guarded by mu
  std::atomic<int> next_job{0};

  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&] {
      std::unique_ptr<HttpClient> client = server.NewClient();
      while (true) {
        const int n = next_job.fetch_add(1);
        if (n >= kMaxEvents) break;
        nlohmann::json event = templ;
        event["run"]["runId"] = NewUuid();
        event["job"]["name"] = "burst." + std::to_string(n);
        const Response response = client->PostJson(kLineagePath, event.dump());
        std::lock_guard<std::mutex> lock(mu);
        if (response.status == 201) {
          acknowledged.push_back(n);
          cv.notify_all();
          continue;
        }
        if (killed) break;  // the server is gone: expected
        // Back-pressure is allowed; the event is simply not acknowledged.
        if (response.status == 503 || response.status == 429) continue;
        unexpected.push_back("burst." + std::to_string(n) + ": " + std::to_string(response.status) +
                             " " + response.body);
        break;
      }
      std::lock_guard<std::mutex> lock(mu);
      ++finished_workers;
      cv.notify_all();
    });
  }

  size_t acks_at_kill = 0;
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] {
      return acknowledged.size() >= static_cast<size_t>(kKillAfterAcks) ||
             finished_workers == kThreads;
    });
    acks_at_kill = acknowledged.size();
    killed = true;
  }
  const int kill_status = server.Kill();
  for (std::thread& worker : workers) worker.join();

  EXPECT_EQ(kill_status, 128 + 9);
  EXPECT_THAT(unexpected, IsEmpty());
  ASSERT_GE(acks_at_kill, static_cast<size_t>(kKillAfterAcks)) << server.log();

  ASSERT_TRUE(server.Start());
  std::vector<std::string> missing;
  for (const int n : acknowledged) {
    const std::string job_id = "job:" + job_namespace + ":burst." + std::to_string(n);
    const Response response = server.GetLineage(job_id, 0);
    if (response.status != 200) {
      missing.push_back(job_id + " -> " + std::to_string(response.status) + " " + response.body);
      continue;
    }
    const std::vector<Node> nodes = ParseGraph(response);
    if (FindNode(nodes, job_id) == nullptr) missing.push_back(job_id + " -> not in its graph");
  }
  const size_t lost = missing.size();
  if (missing.size() > 10) missing.resize(10);  // keep the message readable
  EXPECT_THAT(missing, IsEmpty()) << lost << " of " << acknowledged.size()
                                  << " acknowledged jobs lost (first 10 shown)";
}

}  // namespace
}  // namespace lineaged::integration
