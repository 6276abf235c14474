// The Atlas exporter against the Atlas emulator (tests/atlas_emulator), which
// enforces Atlas's REST v2 contract: a real lineaged, a real HTTP peer.

#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "exporters/atlas/atlas_model.h"
#include "tests/atlas_emulator/atlas_emulator.h"
#include "tests/integration/harness.h"
#include "tests/testing/http_client.h"
#include "tests/testing/temp_dir.h"

namespace lineaged::integration {
namespace {

using lineaged::testing::AtlasEmulator;
using nlohmann::json;

constexpr size_t kAirflowDatasets = 13;
constexpr size_t kAirflowJobs = 16;
constexpr size_t kAirflowRuns = 16;

// lineaged configured for `atlas`, with the password in a file.
class AtlasSetup {
 public:
  explicit AtlasSetup(AtlasEmulator* atlas, std::string user = "admin",
                      std::string password = "admin")
      : atlas_(atlas), user_(std::move(user)) {
    std::ofstream(dir_.path() + "/password") << password << "\n";
  }

  std::vector<std::string> Flags() const {
    return {"--atlas_url=" + atlas_->base_url(), "--atlas_user=" + user_,
            "--atlas_password_file=" + dir_.path() + "/password", "--atlas_timeout_ms=1000"};
  }

 private:
  AtlasEmulator* atlas_;
  std::string user_;
  lineaged::testing::TempDir dir_;
};

// The value of an unlabelled metric on lineaged's /metrics, or -1.
double Metric(TestServer& server, const std::string& name) {
  Response response = server.client().Get("/metrics");
  std::smatch match;
  std::regex line("(^|\n)" + name + " ([0-9.e+-]+)");
  if (!std::regex_search(response.body, match, line)) return -1;
  return std::stod(match[2]);
}

// Waits (bounded) until the outbox is empty; false if it never empties.
bool WaitForEmptyOutbox(TestServer& server) {
  for (int i = 0; i < 1500; ++i) {  // up to ~60 s on a slow machine
    if (Metric(server, "atlas_outbox_depth") == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
  }
  return false;
}

std::set<std::string> AtlasLineageNames(const AtlasEmulator& atlas, const std::string& qn) {
  lineaged::testing::HttpClient client("127.0.0.1", atlas.port());
  std::string target =
      "/api/atlas/v2/lineage/uniqueAttribute/type/openlineage_dataset?attr:qualifiedName=" + qn +
      "&direction=BOTH&depth=20";
  lineaged::testing::Headers headers = {{"Authorization", "Basic YWRtaW46YWRtaW4="}};
  Response response = client.Request("GET", target, "", headers);
  std::set<std::string> names;
  json body = json::parse(response.body, nullptr, false);
  EXPECT_EQ(response.status, 200) << response.body;
  if (!body.is_object() || !body.contains("guidEntityMap")) return names;
  for (const auto& [guid, entity] : body["guidEntityMap"].items()) {
    names.insert(entity["typeName"].get<std::string>() + " " +
                 entity["attributes"]["qualifiedName"].get<std::string>());
  }
  return names;
}

std::string ToAtlasName(const std::string& type, const std::string& ns, const std::string& name) {
  if (type == "DATASET") {
    return "openlineage_dataset " + (name.rfind('/', 0) == 0 ? ns + name : ns + "/" + name);
  }
  return "openlineage_job " + ns + "/" + name;
}

TEST(Atlas, CorpusArrivesAsOneEntityPerDatasetJobAndRunWithTheSameLineage) {
  AtlasEmulator atlas;
  ASSERT_TRUE(atlas.Start().ok());
  AtlasSetup setup(&atlas);
  TestServer server(setup.Flags());
  ASSERT_TRUE(server.Start());
  PostAirflowEvents(server);
  ASSERT_TRUE(WaitForEmptyOutbox(server)) << server.log();

  EXPECT_EQ(atlas.EntityCount("openlineage_dataset"), kAirflowDatasets);
  EXPECT_EQ(atlas.EntityCount("openlineage_job"), kAirflowJobs);
  EXPECT_EQ(atlas.EntityCount("openlineage_run"), kAirflowRuns);
  EXPECT_EQ(Metric(server, "atlas_dead_letters"), 0);

  std::optional<json> copy = atlas.FindByQualifiedName("openlineage_job", "airflow/BQ.copy");
  ASSERT_TRUE(copy.has_value());
  EXPECT_EQ((*copy)["attributes"]["integration"], "AIRFLOW");
  std::optional<json> upload =
      atlas.FindByQualifiedName("openlineage_dataset", "bigquery/mock-project.test.upload");
  ASSERT_TRUE(upload.has_value());
  EXPECT_THAT((*upload)["attributes"]["schemaJson"].get<std::string>(),
              ::testing::HasSubstr("\"fields\""));

  // Atlas's lineage of the uploaded table names the same datasets and jobs as
  // lineaged's own lineage of it.
  std::set<std::string> expected;
  json graph = json::parse(server.GetLineage("dataset:bigquery:mock-project.test.upload").body);
  for (const json& node : graph["graph"]) {
    expected.insert(
        ToAtlasName(node["type"], node["data"]["id"]["namespace"], node["data"]["id"]["name"]));
  }
  EXPECT_EQ(AtlasLineageNames(atlas, "bigquery/mock-project.test.upload"), expected);
}

TEST(Atlas, AnOutageMidBurstLosesAndDuplicatesNothing) {
  AtlasEmulator atlas;
  ASSERT_TRUE(atlas.Start().ok());
  AtlasSetup setup(&atlas);
  TestServer server(setup.Flags());
  ASSERT_TRUE(server.Start());
  for (int line = 1; line <= 10; ++line)
    ASSERT_EQ(server.PostEvent(AirflowEvent(line)).status, 201);
  atlas.RefuseConnectionsFor(std::chrono::milliseconds(1500));
  for (int line = 11; line <= 20; ++line)
    ASSERT_EQ(server.PostEvent(AirflowEvent(line)).status, 201);
  atlas.FailWith500For(std::chrono::milliseconds(1500));
  for (int line = 21; line <= 26; ++line)
    ASSERT_EQ(server.PostEvent(AirflowEvent(line)).status, 201);
  atlas.HangFor(std::chrono::milliseconds(2500));  // longer than --atlas_timeout_ms
  for (int line = 27; line <= kAirflowEventCount; ++line) {
    ASSERT_EQ(server.PostEvent(AirflowEvent(line)).status, 201);
  }
  ASSERT_TRUE(WaitForEmptyOutbox(server)) << server.log();
  EXPECT_EQ(atlas.EntityCount("openlineage_dataset"), kAirflowDatasets);
  EXPECT_EQ(atlas.EntityCount("openlineage_job"), kAirflowJobs);
  EXPECT_EQ(atlas.EntityCount("openlineage_run"), kAirflowRuns);
  EXPECT_EQ(Metric(server, "atlas_dead_letters"), 0);
}

TEST(Atlas, AKilledServerResumesItsOutboxAfterRestart) {
  AtlasEmulator atlas;
  ASSERT_TRUE(atlas.Start().ok());
  AtlasSetup setup(&atlas);
  TestServer server(setup.Flags());
  ASSERT_TRUE(server.Start());
  // Atlas unreachable: everything stays in the outbox.
  atlas.RefuseConnectionsFor(std::chrono::seconds(600));
  PostAirflowEvents(server);
  EXPECT_EQ(Metric(server, "atlas_outbox_depth"), kAirflowEventCount);
  server.Kill();
  atlas.RefuseConnectionsFor(std::chrono::milliseconds(0));
  atlas.Reset();
  ASSERT_TRUE(server.Start());
  ASSERT_TRUE(WaitForEmptyOutbox(server)) << server.log();
  EXPECT_EQ(atlas.EntityCount("openlineage_dataset"), kAirflowDatasets);
  EXPECT_EQ(atlas.EntityCount("openlineage_run"), kAirflowRuns);
}

TEST(Atlas, OlderTypedefsGainTheMissingAttributes) {
  AtlasEmulator atlas;
  ASSERT_TRUE(atlas.Start().ok());
  lineaged::testing::HttpClient admin("127.0.0.1", atlas.port());
  lineaged::testing::Headers headers = {{"Authorization", "Basic YWRtaW46YWRtaW4="},
                                        {"Content-Type", "application/json"}};
  // An older lineaged registered openlineage_dataset with one attribute only.
  json typedefs = json::parse(exporters::LineagedTypedefsJson());
  json old_dataset = typedefs["entityDefs"][0];
  ASSERT_EQ(old_dataset["name"], "openlineage_dataset");
  old_dataset["attributeDefs"] = json::array({old_dataset["attributeDefs"][0]});
  Response created =
      admin.Request("POST", "/api/atlas/v2/types/typedefs",
                    json{{"entityDefs", json::array({old_dataset})}}.dump(), headers);
  ASSERT_EQ(created.status, 200) << created.body;

  AtlasSetup setup(&atlas);
  TestServer server(setup.Flags());
  ASSERT_TRUE(server.Start());
  for (int line = 1; line <= 5; ++line) ASSERT_EQ(server.PostEvent(AirflowEvent(line)).status, 201);
  ASSERT_TRUE(WaitForEmptyOutbox(server)) << server.log();
  EXPECT_EQ(Metric(server, "atlas_dead_letters"), 0);

  Response type =
      admin.Request("GET", "/api/atlas/v2/types/typedef/name/openlineage_dataset", "", headers);
  ASSERT_EQ(type.status, 200) << type.body;
  std::set<std::string> attributes;
  json type_def = json::parse(type.body);
  for (const json& attribute : type_def["attributeDefs"]) {
    attributes.insert(attribute["name"]);
  }
  EXPECT_TRUE(attributes.contains("schemaJson"));
  EXPECT_TRUE(attributes.contains("lastEventTime"));
  std::optional<json> upload =
      atlas.FindByQualifiedName("openlineage_dataset", "bigquery/mock-project.test.upload");
  ASSERT_TRUE(upload.has_value());
  EXPECT_TRUE((*upload)["attributes"].contains("schemaJson"));
}

TEST(Atlas, ContractErrorsGoToDeadLettersNotIntoEndlessRetries) {
  // A user Atlas lets read but not write: every entity request is a 403
  // ATLAS-403-00-001, which no retry can fix.
  lineaged::testing::AtlasEmulatorOptions options;
  options.users = {{"admin", "admin", lineaged::testing::AtlasRole::kAdmin},
                   {"viewer", "s3cret-pw", lineaged::testing::AtlasRole::kReader}};
  AtlasEmulator atlas(options);
  ASSERT_TRUE(atlas.Start().ok());
  {
    // The types exist already (an administrator installed them).
    lineaged::testing::HttpClient admin("127.0.0.1", atlas.port());
    Response created = admin.Request(
        "POST", "/api/atlas/v2/types/typedefs", exporters::LineagedTypedefsJson(),
        {{"Authorization", "Basic YWRtaW46YWRtaW4="}, {"Content-Type", "application/json"}});
    ASSERT_EQ(created.status, 200) << created.body;
  }
  AtlasSetup setup(&atlas, "viewer", "s3cret-pw");
  TestServer server(setup.Flags());
  ASSERT_TRUE(server.Start());
  for (int line = 1; line <= 3; ++line) ASSERT_EQ(server.PostEvent(AirflowEvent(line)).status, 201);
  ASSERT_TRUE(WaitForEmptyOutbox(server)) << server.log();
  EXPECT_EQ(Metric(server, "atlas_dead_letters"), 3);
  EXPECT_EQ(atlas.EntityCount("openlineage_job"), 0u);

  Response letters = server.client().Get("/api/v1/exporters/atlas/dead-letters");
  ASSERT_EQ(letters.status, 200);
  json body = ParseJson(letters.body);
  EXPECT_EQ(body["totalCount"], 3);
  ASSERT_EQ(body["deadLetters"].size(), 3u);
  EXPECT_EQ(body["deadLetters"][0]["sequence"], 1);
  EXPECT_THAT(body["deadLetters"][0]["reason"].get<std::string>(),
              ::testing::HasSubstr("ATLAS-403-00-001"));

  // The retry action puts a dead letter back; still forbidden, it comes back.
  Response retry = server.client().Request("POST", "/api/v1/exporters/atlas/dead-letters/2/retry");
  EXPECT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(server.client().Request("POST", "/api/v1/exporters/atlas/dead-letters/99/retry").status,
            404);
  ASSERT_TRUE(WaitForEmptyOutbox(server)) << server.log();
  for (int i = 0; i < 500 && Metric(server, "atlas_dead_letters") != 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(Metric(server, "atlas_dead_letters"), 3);
  EXPECT_EQ(server.log().find("s3cret-pw"), std::string::npos);  // the password is never logged
}

}  // namespace
}  // namespace lineaged::integration
