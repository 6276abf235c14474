#include "exporters/atlas/atlas_model.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "tests/testing/data.h"

namespace lineaged::exporters {
namespace {

using graphstore::QualifiedName;
using nlohmann::json;

json Build(const std::string& event, std::vector<QualifiedName> inputs = {},
           std::vector<QualifiedName> outputs = {}) {
  absl::StatusOr<std::string> request = BuildBulkRequest(event, inputs, outputs);
  EXPECT_TRUE(request.ok()) << request.status();
  return request.ok() ? json::parse(*request) : json();
}

const json* Entity(const json& request, const std::string& type, const std::string& qn) {
  for (const json& entity : request["entities"]) {
    if (entity["typeName"] == type && entity["attributes"]["qualifiedName"] == qn) return &entity;
  }
  return nullptr;
}

TEST(AtlasModel, QualifiedNamesFollowTheOpenLineageUri) {
  EXPECT_EQ(DatasetQualifiedName("bigquery", "p.d.t"), "bigquery/p.d.t");
  EXPECT_EQ(DatasetQualifiedName("hdfs://nn:8020", "/data/x"), "hdfs://nn:8020/data/x");
  EXPECT_EQ(JobQualifiedName("airflow", "dag.task"), "airflow/dag.task");
  EXPECT_EQ(RunQualifiedName("airflow/dag.task", "0193"), "airflow/dag.task:0193");
}

TEST(AtlasModel, RunEventBecomesDatasetsJobAndRunWithPlaceholderGuids) {
  // BQ.copy COMPLETE: reads mock-project.test.upload, writes ...upload_cp.
  std::string event = testing::ReadTestData("corpus/compat/airflow/events/line_05.json");
  json request = Build(event, {{"bigquery", "mock-project.test.upload"}},
                       {{"bigquery", "mock-project.test.upload_cp"}});
  ASSERT_TRUE(request.contains("entities"));
  std::set<std::string> guids;
  for (const json& entity : request["entities"]) {
    std::string guid = entity["guid"];
    EXPECT_EQ(guid.front(), '-') << guid;  // placeholders only
    EXPECT_TRUE(guids.insert(guid).second) << "duplicate guid " << guid;
  }
  const json* input = Entity(request, "openlineage_dataset", "bigquery/mock-project.test.upload");
  const json* output =
      Entity(request, "openlineage_dataset", "bigquery/mock-project.test.upload_cp");
  const json* job = Entity(request, "openlineage_job", "airflow/BQ.copy");
  ASSERT_TRUE(input && output && job);
  EXPECT_TRUE((*input)["attributes"].contains("schemaJson"));
  EXPECT_EQ((*job)["attributes"]["inputs"][0]["guid"], (*input)["guid"]);
  EXPECT_EQ((*job)["attributes"]["outputs"][0]["guid"], (*output)["guid"]);
  EXPECT_EQ((*job)["attributes"]["integration"], "AIRFLOW");
  EXPECT_EQ((*job)["attributes"]["lastRunState"], "COMPLETE");

  json run = request["entities"].back();
  EXPECT_EQ(run["typeName"], "openlineage_run");
  EXPECT_EQ(run["relationshipAttributes"]["job"]["guid"], (*job)["guid"]);
  std::string run_id = json::parse(event)["run"]["runId"];
  EXPECT_EQ(run["attributes"]["qualifiedName"], "airflow/BQ.copy:" + run_id);
  EXPECT_EQ(run["attributes"]["runId"], run_id);
  EXPECT_TRUE(run["attributes"].contains("endTime"));
}

TEST(AtlasModel, JobCarriesItsAccumulatedIoNotJustThisEvent) {
  // A START without datasets still lists the job's known inputs and outputs,
  // so Atlas's replace-the-set update keeps them.
  std::string start = testing::ReadTestData("corpus/compat/airflow/events/line_04.json");
  json request = Build(start, {{"bigquery", "mock-project.test.upload"}},
                       {{"bigquery", "mock-project.test.upload_cp"}});
  const json* job = Entity(request, "openlineage_job", "airflow/BQ.copy");
  ASSERT_NE(job, nullptr);
  ASSERT_EQ((*job)["attributes"]["inputs"].size(), 1u);
  std::string input_guid = (*job)["attributes"]["inputs"][0]["guid"];
  bool found = false;
  for (const json& entity : request["entities"]) found |= entity["guid"] == input_guid;
  EXPECT_TRUE(found) << "every reference resolves inside the request";
}

TEST(AtlasModel, EmptyIoIsLeftOutNotSentAsEmptyArrays) {
  std::string start = testing::ReadTestData("corpus/compat/airflow/events/line_01.json");
  json request = Build(start);
  const json* job = Entity(request, "openlineage_job", "airflow/BQ");
  ASSERT_NE(job, nullptr);
  EXPECT_FALSE((*job)["attributes"].contains("inputs"));
  EXPECT_FALSE((*job)["attributes"].contains("outputs"));
  EXPECT_TRUE(request["entities"].back()["attributes"].contains("startTime"));
}

TEST(AtlasModel, DatasetEventIsOneDataset) {
  json request =
      Build(testing::ReadTestData("corpus/client-python/serde_example_dataset_event.json"));
  ASSERT_EQ(request["entities"].size(), 1u);
  EXPECT_EQ(request["entities"][0]["typeName"], "openlineage_dataset");
}

TEST(AtlasModel, TypedefsDeclareTheThreeTypesWithOptionalAttributes) {
  json typedefs = json::parse(LineagedTypedefsJson());
  std::map<std::string, std::string> super_types;
  for (const json& def : typedefs["entityDefs"]) {
    super_types[def["name"]] = def["superTypes"][0];
    for (const json& attribute : def["attributeDefs"]) {
      // Redeclaring an inherited attribute is ATLAS-400-00-09E.
      EXPECT_NE(attribute["name"], "qualifiedName");
      EXPECT_NE(attribute["name"], "name");
      if (attribute["name"] != "runId") EXPECT_TRUE(attribute["isOptional"].get<bool>());
    }
  }
  EXPECT_EQ(super_types["openlineage_dataset"], "DataSet");
  EXPECT_EQ(super_types["openlineage_job"], "Process");
  EXPECT_EQ(super_types["openlineage_run"], "ProcessExecution");
}

}  // namespace
}  // namespace lineaged::exporters
