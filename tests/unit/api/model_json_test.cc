#include "api/model_json.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

#include "api/json_format.h"
#include "api/json_writer.h"

namespace lineaged::api {
namespace {

// The writer's output parsed back, so tests can look at single members.
template <typename T, typename Write>
Json Render(Write write, const T& value) {
  JsonWriter out;
  write(value, out);
  return Json::parse(out.Take());
}

Json RunJson(const graphstore::RunInfo& run) { return Render(WriteRunJson, run); }
Json DatasetJson(const graphstore::DatasetInfo& dataset) {
  return Render(WriteDatasetJson, dataset);
}
Json DatasetVersionJson(const graphstore::DatasetVersionInfo& version) {
  return Render(WriteDatasetVersionJson, version);
}
Json JobJson(const graphstore::JobInfo& job) { return Render(WriteJobJson, job); }
Json JobVersionJson(const graphstore::JobVersionInfo& version) {
  return Render(WriteJobVersionJson, version);
}
Json NamespaceJson(const graphstore::NamespaceInfo& ns) { return Render(WriteNamespaceJson, ns); }
Json SourceJson(const graphstore::SourceInfo& source) { return Render(WriteSourceJson, source); }
Json TagJson(const graphstore::TagInfo& tag) { return Render(WriteTagJson, tag); }
Json FacetsJson(const std::vector<graphstore::Facet>& facets) {
  return Render(WriteFacetsJson, facets);
}
Json LineageGraphJson(const graphstore::LineageGraph& graph) {
  return Render(WriteLineageGraphJson, graph);
}
Json SearchHitJson(const graphstore::SearchHit& hit) { return Render(WriteSearchHitJson, hit); }
Json ColumnLineageGraphJson(const std::vector<graphstore::ColumnLineageNode>& nodes) {
  return Render(WriteColumnLineageGraphJson, nodes);
}
Json EventTypeCountsJson(const graphstore::EventTypeCounts& counts) {
  return Render(WriteEventTypeCountsJson, counts);
}

using graphstore::Facet;
using graphstore::QualifiedName;
using graphstore::RunState;
using graphstore::Uuid;

// 2024-05-01T10:00:00Z
constexpr int64_t kT0 = 1714557600000000;

Uuid MakeUuid(uint8_t first) {
  Uuid uuid{};
  for (size_t i = 0; i < uuid.size(); ++i) uuid[i] = static_cast<uint8_t>(first + i);
  return uuid;
}

// The keys of `json`, in order, joined by commas.
std::string Keys(const Json& json) {
  std::string out;
  for (auto it = json.begin(); it != json.end(); ++it) {
    if (!out.empty()) out += ",";
    out += it.key();
  }
  return out;
}

graphstore::RunInfo SampleRun() {
  graphstore::RunInfo run;
  run.id = MakeUuid(0x10);
  run.job = {"ns", "job"};
  run.created_at_micros = kT0;
  run.updated_at_micros = kT0 + 5000000;
  run.state = RunState::kCompleted;
  run.started_at_micros = kT0;
  run.ended_at_micros = kT0 + 5000000;
  run.duration_ms = 5000;
  run.args = {{"retries", "1"}};
  run.job_version = graphstore::JobVersionId{{"ns", "job"}, MakeUuid(0x20)};
  run.input_versions = {{{{"db", "in"}, MakeUuid(0x30)}, {Facet{"stats", R"({"rows":3})"}}}};
  run.output_versions = {{{{"db", "out"}, MakeUuid(0x40)}, {}}};
  run.facets = {Facet{"nominalTime", R"({"nominalStartTime":"2024-05-01T10:00:00Z"})"}};
  return run;
}

TEST(ModelJson, RunHasMarquezKeysAndValues) {
  Json json = RunJson(SampleRun());
  EXPECT_EQ(Keys(json),
            "id,createdAt,updatedAt,nominalStartTime,nominalEndTime,state,startedAt,endedAt,"
            "durationMs,args,jobVersion,inputDatasetVersions,outputDatasetVersions,facets");
  EXPECT_EQ(json["id"], "10111213-1415-1617-1819-1a1b1c1d1e1f");
  EXPECT_EQ(json["createdAt"], "2024-05-01T10:00:00Z");
  EXPECT_EQ(json["updatedAt"], "2024-05-01T10:00:05Z");
  EXPECT_TRUE(json["nominalStartTime"].is_null());
  EXPECT_TRUE(json["nominalEndTime"].is_null());
  EXPECT_EQ(json["state"], "COMPLETED");
  EXPECT_EQ(json["durationMs"], 5000);
  EXPECT_EQ(DumpJson(json["args"]), R"({"retries":"1"})");
  EXPECT_EQ(DumpJson(json["jobVersion"]),
            R"({"namespace":"ns","name":"job","version":"20212223-2425-2627-2829-2a2b2c2d2e2f"})");
  EXPECT_EQ(DumpJson(json["inputDatasetVersions"]),
            R"([{"datasetVersionId":{"namespace":"db","name":"in","version":)"
            R"("30313233-3435-3637-3839-3a3b3c3d3e3f"},"facets":{"stats":{"rows":3}}}])");
  EXPECT_EQ(json["outputDatasetVersions"][0]["facets"], Json::object());
  EXPECT_EQ(json["facets"]["nominalTime"]["nominalStartTime"], "2024-05-01T10:00:00Z");
}

TEST(ModelJson, NewRunHasExplicitNulls) {
  graphstore::RunInfo run;
  run.id = MakeUuid(0);
  Json json = RunJson(run);
  EXPECT_EQ(json["state"], "NEW");
  for (const char* key :
       {"nominalStartTime", "nominalEndTime", "startedAt", "endedAt", "durationMs", "jobVersion"}) {
    ASSERT_TRUE(json.contains(key)) << key;
    EXPECT_TRUE(json[key].is_null()) << key;
  }
  EXPECT_EQ(json["args"], Json::object());
  EXPECT_EQ(json["inputDatasetVersions"], Json::array());
  EXPECT_EQ(json["facets"], Json::object());
}

graphstore::DatasetInfo SampleDataset() {
  graphstore::DatasetInfo dataset;
  dataset.name = {"postgres://h:5432", "db.public.t"};
  dataset.physical_name = "db.public.t";
  dataset.created_at_micros = kT0;
  dataset.updated_at_micros = kT0 + 1000;
  dataset.source_name = "pg";
  dataset.fields = {{"id", "INTEGER", {"PII"}, "the key"}, {"note", std::nullopt, {}, {}}};
  dataset.tags = {"SENSITIVE"};
  dataset.last_modified_at_micros = kT0 + 1500;
  dataset.last_lifecycle_state = "CREATE";
  dataset.description = "a table";
  dataset.current_version = MakeUuid(0x50);
  dataset.facets = {Facet{"schema", R"({"fields":[{"name":"id"}]})"},
                    Facet{"gone", "{}", /*deleted=*/true}};
  return dataset;
}

TEST(ModelJson, DatasetHasMarquezKeysInOrder) {
  Json json = DatasetJson(SampleDataset());
  EXPECT_EQ(Keys(json),
            "id,type,name,physicalName,createdAt,updatedAt,namespace,sourceName,fields,tags,"
            "lastModifiedAt,lastLifecycleState,description,currentVersion,columnLineage,facets,"
            "deleted");
  EXPECT_EQ(DumpJson(json["id"]), R"({"namespace":"postgres://h:5432","name":"db.public.t"})");
  EXPECT_EQ(json["type"], "DB_TABLE");
  EXPECT_EQ(json["namespace"], "postgres://h:5432");
  EXPECT_EQ(json["updatedAt"], "2024-05-01T10:00:00.001Z");
  EXPECT_EQ(json["lastModifiedAt"], "2024-05-01T10:00:00.001500Z");
  EXPECT_EQ(DumpJson(json["fields"]),
            R"([{"name":"id","type":"INTEGER","tags":["PII"],"description":"the key"},)"
            R"({"name":"note","type":null,"tags":[],"description":null}])");
  EXPECT_EQ(DumpJson(json["tags"]), R"(["SENSITIVE"])");
  EXPECT_EQ(json["currentVersion"], "50515253-5455-5657-5859-5a5b5c5d5e5f");
  EXPECT_TRUE(json["columnLineage"].is_null()) << "Marquez leaves it null without lineage";
  EXPECT_EQ(DumpJson(json["facets"]), R"({"schema":{"fields":[{"name":"id"}]}})")
      << "deleted facets are left out";
  EXPECT_EQ(json["deleted"], false);
}

TEST(ModelJson, DatasetColumnLineage) {
  graphstore::DatasetInfo dataset = SampleDataset();
  graphstore::ColumnLineageInfo column;
  column.field = "id";
  column.inputs = {{{"db", "src"}, "src_id", "identity", "DIRECT"}};
  column.transformation_description = "identity";
  column.transformation_type = "DIRECT";
  dataset.column_lineage = {column};
  EXPECT_EQ(DumpJson(DatasetJson(dataset)["columnLineage"]),
            R"([{"name":"id","inputFields":[{"namespace":"db","dataset":"src","field":"src_id",)"
            R"("transformationDescription":"identity","transformationType":"DIRECT"}],)"
            R"("transformationDescription":"identity","transformationType":"DIRECT"}])");
}

TEST(ModelJson, DatasetWithoutOptionalsRendersNulls) {
  graphstore::DatasetInfo dataset;
  dataset.name = {"ns", "t"};
  Json json = DatasetJson(dataset);
  for (const char* key :
       {"lastModifiedAt", "lastLifecycleState", "description", "currentVersion", "columnLineage"}) {
    EXPECT_TRUE(json[key].is_null()) << key;
  }
  EXPECT_EQ(json["sourceName"], "default");
  EXPECT_EQ(json["fields"], Json::array());
  EXPECT_EQ(json["facets"], Json::object());
}

TEST(ModelJson, DatasetVersion) {
  graphstore::DatasetVersionInfo version;
  version.id = {{"ns", "t"}, MakeUuid(0x60)};
  version.physical_name = "t";
  version.created_at_micros = kT0;
  version.fields = {{"a", "STRING", {}, std::nullopt}};
  version.lifecycle_state = "OVERWRITE";
  version.schema_version = MakeUuid(0x70);
  Json json = DatasetVersionJson(version);
  EXPECT_EQ(Keys(json),
            "id,type,name,physicalName,createdAt,version,namespace,sourceName,fields,tags,"
            "lifecycleState,description,currentSchemaVersion,createdByRun,facets");
  EXPECT_EQ(DumpJson(json["id"]),
            R"({"namespace":"ns","name":"t","version":"60616263-6465-6667-6869-6a6b6c6d6e6f"})");
  EXPECT_EQ(json["version"], json["id"]["version"]);
  EXPECT_EQ(json["lifecycleState"], "OVERWRITE");
  EXPECT_EQ(json["currentSchemaVersion"], "70717273-7475-7677-7879-7a7b7c7d7e7f");
  EXPECT_TRUE(json["createdByRun"].is_null()) << "a version made by a read has no run";
  EXPECT_TRUE(json["description"].is_null());

  version.created_by_run = SampleRun();
  EXPECT_EQ(DatasetVersionJson(version)["createdByRun"], RunJson(SampleRun()));
}

graphstore::JobInfo SampleJob() {
  graphstore::JobInfo job;
  job.name = {"airflow", "dag.task"};
  job.simple_name = "task";
  job.parent_job_name = "dag";
  job.parent_job_uuid = MakeUuid(0x80);
  job.current_run_id = MakeUuid(0x10);
  job.created_at_micros = kT0;
  job.updated_at_micros = kT0;
  job.inputs = {{"db", "in"}};
  job.outputs = {{"db", "out"}};
  job.location = "https://git/x.py";
  job.latest_run = SampleRun();
  job.latest_runs = {SampleRun()};
  job.facets = {Facet{"jobType", R"({"jobType":"TASK"})"}};
  job.current_version = MakeUuid(0x20);
  job.tags = {"T1"};
  return job;
}

TEST(ModelJson, JobHasMarquezKeysInOrder) {
  Json json = JobJson(SampleJob());
  EXPECT_EQ(Keys(json),
            "id,type,name,simpleName,parentJobName,parentJobUuid,createdAt,updatedAt,namespace,"
            "inputs,outputs,location,description,latestRun,latestRuns,facets,currentVersion,"
            "labels,tags");
  EXPECT_EQ(json["type"], "BATCH");
  EXPECT_EQ(json["name"], "dag.task");
  EXPECT_EQ(json["simpleName"], "task");
  EXPECT_EQ(json["parentJobName"], "dag");
  EXPECT_EQ(json["parentJobUuid"], "80818283-8485-8687-8889-8a8b8c8d8e8f");
  EXPECT_EQ(DumpJson(json["inputs"]), R"([{"namespace":"db","name":"in"}])");
  EXPECT_EQ(DumpJson(json["outputs"]), R"([{"namespace":"db","name":"out"}])");
  EXPECT_EQ(json["location"], "https://git/x.py");
  EXPECT_TRUE(json["description"].is_null());
  EXPECT_EQ(json["latestRun"], RunJson(SampleRun()));
  ASSERT_EQ(json["latestRuns"].size(), 1u);
  EXPECT_EQ(json["facets"]["jobType"]["jobType"], "TASK");
  EXPECT_EQ(json["currentVersion"], "20212223-2425-2627-2829-2a2b2c2d2e2f");
  EXPECT_EQ(json["labels"], Json::array());
  EXPECT_EQ(DumpJson(json["tags"]), R"(["T1"])");
}

TEST(ModelJson, JobLatestRunsRepeatTheLatestRunAndWriteTheOthers) {
  graphstore::JobInfo job = SampleJob();
  graphstore::RunInfo older = SampleRun();
  older.id = MakeUuid(0x50);
  older.state = RunState::kFailed;
  graphstore::RunInfo oldest = SampleRun();
  oldest.id = MakeUuid(0x60);
  job.latest_runs = {older, SampleRun(), oldest};  // the latest run in the middle
  Json json = JobJson(job);
  ASSERT_EQ(json["latestRuns"].size(), 3u);
  EXPECT_EQ(json["latestRuns"][0], RunJson(older));
  EXPECT_EQ(json["latestRuns"][1], RunJson(SampleRun()));
  EXPECT_EQ(json["latestRuns"][1], json["latestRun"]);
  EXPECT_EQ(json["latestRuns"][2], RunJson(oldest));
  // A latest run that is not among latestRuns (its record is gone).
  job.latest_run.reset();
  json = JobJson(job);
  EXPECT_TRUE(json["latestRun"].is_null());
  EXPECT_EQ(json["latestRuns"][1], RunJson(SampleRun()));
}

TEST(ModelJson, JobWithoutRunsRendersNulls) {
  graphstore::JobInfo job;
  job.name = {"ns", "j"};
  job.simple_name = "j";
  Json json = JobJson(job);
  for (const char* key : {"parentJobName", "parentJobUuid", "location", "description", "latestRun",
                          "currentVersion"}) {
    EXPECT_TRUE(json[key].is_null()) << key;
  }
  EXPECT_EQ(json["latestRuns"], Json::array());
}

TEST(ModelJson, JobVersion) {
  graphstore::JobVersionInfo version;
  version.id = {{"ns", "j"}, MakeUuid(0x20)};
  version.created_at_micros = kT0;
  version.inputs = {{"db", "in"}};
  Json json = JobVersionJson(version);
  EXPECT_EQ(Keys(json), "id,name,createdAt,version,namespace,location,inputs,outputs,latestRun");
  EXPECT_EQ(json["id"]["version"], "20212223-2425-2627-2829-2a2b2c2d2e2f");
  EXPECT_EQ(json["version"], json["id"]["version"]);
  EXPECT_EQ(json["namespace"], "ns");
  EXPECT_TRUE(json["location"].is_null());
  EXPECT_EQ(json["outputs"], Json::array());
  EXPECT_TRUE(json["latestRun"].is_null());
}

TEST(ModelJson, NamespaceSourceTag) {
  graphstore::NamespaceInfo ns{"s3://bucket", kT0, kT0, "anonymous", std::nullopt, true};
  EXPECT_EQ(DumpJson(NamespaceJson(ns)),
            R"({"name":"s3://bucket","createdAt":"2024-05-01T10:00:00Z",)"
            R"("updatedAt":"2024-05-01T10:00:00Z","ownerName":"anonymous",)"
            R"("description":null,"isHidden":true})");
  graphstore::SourceInfo source{"default", "POSTGRESQL", kT0, kT0, "", "d"};
  EXPECT_EQ(DumpJson(SourceJson(source)),
            R"({"type":"POSTGRESQL","name":"default","createdAt":"2024-05-01T10:00:00Z",)"
            R"("updatedAt":"2024-05-01T10:00:00Z","connectionUrl":"","description":"d"})");
  EXPECT_EQ(DumpJson(TagJson({"PII", std::nullopt})), R"({"name":"PII","description":null})");
}

TEST(ModelJson, FacetTextIsCopiedVerbatimAndDeletedFacetsAreLeftOut) {
  JsonWriter out;
  WriteFacetsJson({Facet{"gone", "{}", /*deleted=*/true}, Facet{"ok", R"({"a":[1,2.50]})"}}, out);
  EXPECT_EQ(out.Take(), R"({"ok":{"a":[1,2.50]}})");
}

TEST(ModelJson, RunArgsKeepFirstPositionAndLastValueOfARepeatedKey) {
  graphstore::RunInfo run = SampleRun();
  run.args = {{"a", "1"}, {"b", "2"}, {"a", "3"}};
  EXPECT_EQ(DumpJson(RunJson(run)["args"]), R"({"a":"3","b":"2"})");
}

TEST(JsonWriter, EscapesStringsAndChecksUtf8) {
  JsonWriter out;
  out.BeginArray().String("a\"b\\c\n\x01").String("caf\xc3\xa9").EndArray();
  EXPECT_EQ(out.Take(), "[\"a\\\"b\\\\c\\n\\u0001\",\"caf\xc3\xa9\"]");
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9"));
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_FALSE(IsValidUtf8("\xc3"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));      // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(
      IsValidUtf8("a\xff"
                  "b"));
}

// Every control character is escaped wherever it sits in a long string: the
// writer must not use RapidJSON's SSE2 scan, which let 0x1A-0x1F through past
// the first 16 bytes (found by router_fuzzer in a field tag).
TEST(JsonWriter, EscapesEveryControlCharacterAtEveryPosition) {
  for (int control = 0; control < 0x20; ++control) {
    for (size_t at = 0; at < 48; ++at) {
      std::string text(48, 'a');
      text[5] = '"';  // an escape early on sends the string down RapidJSON's path
      text[at] = static_cast<char>(control);
      JsonWriter out;
      out.BeginArray().String(text).EndArray();
      const std::string json = out.Take();
      for (char byte : json) {
        ASSERT_GE(static_cast<unsigned char>(byte), 0x20) << "control " << control << " at " << at;
      }
      ASSERT_EQ(Json::parse(json).at(0).get<std::string>(), text);
    }
  }
}

// Strings without escapable bytes take a memcpy path; every string must
// still come out as RapidJSON's own writer writes it.
TEST(JsonWriter, StringsAreWrittenAsRapidJsonWritesThem) {
  std::vector<std::string> strings = {"",
                                      "plain",
                                      "postgres://warehouse-09:5432",
                                      std::string(40, 'x') + "\"" + "y",
                                      "tab\there",
                                      "\x1f",
                                      "\x7f",
                                      "caf\xc3\xa9 \xf0\x9f\x98\x80",
                                      "back\\slash",
                                      "/slash/"};
  // An escapable (or high) byte at every position of the first two 16-byte chunks.
  for (char special : {'"', '\\', '\n', '\x1f', '\x20', '\x80', '\xff'}) {
    for (size_t at = 0; at < 33; ++at) {
      std::string text(33, 'a');
      text[at] = special;
      strings.push_back(text);
    }
  }
  JsonWriter ours;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> theirs(buffer);
  ours.BeginObject();
  theirs.StartObject();
  for (const std::string& text : strings) {
    ours.Key(text).String(text);
    theirs.Key(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    theirs.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  }
  ours.EndObject();
  theirs.EndObject();
  EXPECT_EQ(ours.Take(), std::string(buffer.GetString(), buffer.GetSize()));
}

TEST(JsonWriter, RepeatValueWritesAValueAgainWithItsOwnSeparator) {
  JsonWriter out;
  out.BeginObject();
  out.Key("a");
  size_t begin = out.NextValueOffset();
  out.BeginObject().Key("x").Int(1).EndObject();
  size_t end = out.Offset();
  out.Key("b").RepeatValue(begin, end);
  out.Key("c").BeginArray().RepeatValue(begin, end).String("s").RepeatValue(begin, end).EndArray();
  out.EndObject();
  EXPECT_EQ(out.Take(), R"({"a":{"x":1},"b":{"x":1},"c":[{"x":1},"s",{"x":1}]})");

  // A value larger than the buffer's spare room: the buffer grows under the copy.
  JsonWriter big;
  const std::string text(100000, 'z');
  big.BeginArray();
  begin = big.NextValueOffset();
  big.String(text);
  end = big.Offset();
  for (int i = 0; i < 3; ++i) big.RepeatValue(begin, end);
  big.EndArray();
  const std::string quoted = "\"" + text + "\"";
  EXPECT_EQ(big.Take(), "[" + quoted + "," + quoted + "," + quoted + "," + quoted + "]");
}

TEST(ModelJson, LineageGraphSortsNodesAndBuildsEdges) {
  graphstore::LineageGraph graph;
  graphstore::JobNode job;
  job.data = SampleJob();
  graph.jobs.push_back(job);
  graphstore::DatasetNode out;
  out.data.name = {"db", "out"};
  out.producers = {{"airflow", "dag.task"}};
  graphstore::DatasetNode in;
  in.data.name = {"db", "in"};
  in.consumers = {{"airflow", "dag.task"}};
  graph.datasets = {out, in};

  Json json = LineageGraphJson(graph);
  ASSERT_EQ(json["graph"].size(), 3u);
  const Json& nodes = json["graph"];
  EXPECT_EQ(nodes[0]["id"], "dataset:db:in");
  EXPECT_EQ(nodes[1]["id"], "dataset:db:out");
  EXPECT_EQ(nodes[2]["id"], "job:airflow:dag.task");
  EXPECT_EQ(Keys(nodes[0]), "id,type,data,inEdges,outEdges");
  EXPECT_EQ(nodes[0]["type"], "DATASET");
  EXPECT_EQ(nodes[2]["type"], "JOB");
  EXPECT_EQ(DumpJson(nodes[0]["inEdges"]), "[]");
  EXPECT_EQ(DumpJson(nodes[0]["outEdges"]),
            R"([{"origin":"dataset:db:in","destination":"job:airflow:dag.task"}])");
  EXPECT_EQ(DumpJson(nodes[1]["inEdges"]),
            R"([{"origin":"job:airflow:dag.task","destination":"dataset:db:out"}])");
  EXPECT_EQ(DumpJson(nodes[2]["inEdges"]),
            R"([{"origin":"dataset:db:in","destination":"job:airflow:dag.task"}])");
  EXPECT_EQ(DumpJson(nodes[2]["outEdges"]),
            R"([{"origin":"job:airflow:dag.task","destination":"dataset:db:out"}])");

  EXPECT_EQ(Keys(nodes[0]["data"]),
            "id,type,name,physicalName,createdAt,updatedAt,namespace,sourceName,fields,tags,"
            "lastModifiedAt,description,lastLifecycleState");
  EXPECT_EQ(Keys(nodes[2]["data"]),
            "id,type,name,simpleName,parentJobName,parentJobUuid,currentRunUuid,createdAt,"
            "updatedAt,namespace,inputs,outputs,location,description,latestRun");
  EXPECT_EQ(nodes[2]["data"]["currentRunUuid"], "10111213-1415-1617-1819-1a1b1c1d1e1f");
  EXPECT_EQ(nodes[2]["data"]["latestRun"], RunJson(SampleRun())) << "a full Run object";
}

TEST(ModelJson, ColumnLineageEdgesStartAtTheNodeItself) {
  graphstore::ColumnLineageNode out;
  out.id = {{"db", "out"}, "total"};
  out.dataset_version = MakeUuid(0x40);
  out.field_type = "INTEGER";
  out.transformation_description = "sum";
  out.transformation_type = "INDIRECT";
  out.input_fields = {{{"db", "in"}, "amount", "sum", "INDIRECT"}};
  out.upstream = {{{"db", "in"}, "amount"}};
  graphstore::ColumnLineageNode in;
  in.id = {{"db", "in"}, "amount"};
  in.downstream = {{{"db", "out"}, "total"}};

  Json json = ColumnLineageGraphJson({out, in});
  const Json& nodes = json["graph"];
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0]["id"], "datasetField:db:in:amount");
  EXPECT_EQ(nodes[0]["type"], "DATASET_FIELD");
  EXPECT_EQ(
      DumpJson(nodes[0]["outEdges"]),
      R"([{"origin":"datasetField:db:in:amount","destination":"datasetField:db:out:total"}])");
  EXPECT_EQ(DumpJson(nodes[0]["inEdges"]), "[]");
  EXPECT_EQ(DumpJson(nodes[1]["inEdges"]),
            R"([{"origin":"datasetField:db:out:total","destination":"datasetField:db:in:amount"}])")
      << "Marquez's code, not its fixture: origin is the node itself";

  EXPECT_EQ(Keys(nodes[1]["data"]),
            "namespace,dataset,datasetVersion,field,fieldType,transformationDescription,"
            "transformationType,inputFields");
  EXPECT_EQ(nodes[1]["data"]["datasetVersion"], "40414243-4445-4647-4849-4a4b4c4d4e4f");
  EXPECT_EQ(DumpJson(nodes[1]["data"]["inputFields"]),
            R"([{"namespace":"db","dataset":"in","datasetVersion":null,"field":"amount",)"
            R"("transformationDescription":"sum","transformationType":"INDIRECT"}])");
  const Json& leaf = nodes[0]["data"];
  EXPECT_EQ(leaf["fieldType"], "");
  EXPECT_TRUE(leaf["datasetVersion"].is_null());
  EXPECT_TRUE(leaf["transformationDescription"].is_null());
  EXPECT_EQ(leaf["inputFields"], Json::array());
}

TEST(ModelJson, SearchHitAndEventCounts) {
  graphstore::SearchHit hit{graphstore::NodeKind::kJob, {"airflow", "BQ.copy"}, kT0};
  EXPECT_EQ(DumpJson(SearchHitJson(hit)),
            R"({"type":"JOB","name":"BQ.copy","updatedAt":"2024-05-01T10:00:00Z",)"
            R"("namespace":"airflow","nodeId":"job:airflow:BQ.copy"})");
  hit.kind = graphstore::NodeKind::kDataset;
  EXPECT_EQ(SearchHitJson(hit)["nodeId"], "dataset:airflow:BQ.copy");

  graphstore::EventTypeCounts counts{kT0, kT0 + 3600000000LL, 4, 3, 2, 1};
  EXPECT_EQ(DumpJson(EventTypeCountsJson(counts)),
            R"({"startInterval":"2024-05-01T10:00:00Z","endInterval":"2024-05-01T11:00:00Z",)"
            R"("fail":2,"start":4,"complete":3,"abort":1})");
}

TEST(DumpJson, ReplacesInvalidUtf8InsteadOfThrowing) {
  Json json{{"name", std::string("a\xff")}};
  EXPECT_EQ(DumpJson(json), "{\"name\":\"a\xEF\xBF\xBD\"}");
}

}  // namespace
}  // namespace lineaged::api
