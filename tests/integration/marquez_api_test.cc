// Black-box tests of the Marquez-compatible read API (namespaces, sources,
// datasets, jobs, runs, tags, search, events, stats, lineage and column
// lineage) against the real server binary: status codes, envelopes, the
// fields clients read, and Marquez's error messages.

#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"

namespace lineaged::integration {
namespace {

using lineaged::testing::UrlEncode;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::IsSupersetOf;
using ::testing::Not;
using json = nlohmann::json;

constexpr char kPg[] = "postgres://h:5432";
constexpr char kPgEncoded[] = "postgres%3A%2F%2Fh%3A5432";
constexpr char kSrc[] = "db.public.src";

json Facet(json body) {
  body["_producer"] = "https://github.com/lineaged/tests";
  body["_schemaURL"] = "https://openlineage.io/spec/facets/1-0-0/Facet.json";
  return body;
}

json Schema(const std::vector<std::pair<std::string, std::string>>& fields) {
  json list = json::array();
  for (const auto& [name, type] : fields) list.push_back({{"name", name}, {"type", type}});
  return Facet({{"fields", list}});
}

json RunEvent(const std::string& type, const std::string& time, const std::string& run_id,
              const std::string& job, json inputs, json outputs) {
  return {{"eventType", type},
          {"eventTime", time},
          {"producer", "https://github.com/lineaged/tests"},
          {"schemaURL", "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"},
          {"run", {{"runId", run_id}}},
          {"job", {{"namespace", "etl"}, {"name", job}}},
          {"inputs", std::move(inputs)},
          {"outputs", std::move(outputs)}};
}

json Src() {
  return {{"namespace", kPg},
          {"name", kSrc},
          {"facets",
           {{"schema", Schema({{"id", "INTEGER"}, {"amount", "DECIMAL"}})},
            {"dataSource", Facet({{"name", "pg"}, {"uri", kPg}})}}}};
}

json Sales(bool with_column_lineage) {
  json facets = {{"schema", Schema({{"id", "INTEGER"}, {"total", "DECIMAL"}})},
                 {"documentation", Facet({{"description", "sales per customer"}})}};
  if (with_column_lineage) {
    facets["columnLineage"] =
        Facet({{"fields",
                {{"total",
                  {{"inputFields", {{{"namespace", kPg}, {"name", kSrc}, {"field", "amount"}}}},
                   {"transformationDescription", "sum"},
                   {"transformationType", "AGGREGATION"}}}}}});
  }
  return {{"namespace", "warehouse"}, {"name", "sales"}, {"facets", facets}};
}

json Named(const std::string& ns, const std::string& name) {
  return {{"namespace", ns}, {"name", name}};
}

// The scenario: etl.load reads postgres src and writes warehouse.sales (with
// column lineage total <- src.amount); etl.report reads sales and writes
// warehouse.report; etl.broken starts and fails. Five run events.
struct Scenario {
  std::string load_run = NewUuid();
  std::string report_run = NewUuid();
  std::string broken_run = NewUuid();
};

class MarquezApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new TestServer();
    ASSERT_TRUE(server_->Start());
    scenario_ = new Scenario();
    const Scenario& s = *scenario_;
    std::vector<json> events = {
        RunEvent("START", "2024-05-01T10:00:00Z", s.load_run, "load", json::array({Src()}),
                 json::array({Sales(false)})),
        RunEvent("COMPLETE", "2024-05-01T10:00:05Z", s.load_run, "load", json::array({Src()}),
                 json::array({Sales(true)})),
        RunEvent("COMPLETE", "2024-05-01T10:01:00Z", s.report_run, "report",
                 json::array({Named("warehouse", "sales")}),
                 json::array({Named("warehouse", "report")})),
        RunEvent("START", "2024-05-01T10:02:00Z", s.broken_run, "broken", json::array(),
                 json::array()),
        RunEvent("FAIL", "2024-05-01T10:02:30Z", s.broken_run, "broken", json::array(),
                 json::array()),
    };
    for (const json& event : events) {
      Response r = server_->PostEvent(event.dump());
      ASSERT_EQ(r.status, 201) << r.body;
    }
  }

  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete scenario_;
    scenario_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(server_, nullptr) << "the suite's server did not start"; }

  static Response Get(const std::string& target) { return server_->client().Get(target); }
  static Response Send(const std::string& method, const std::string& target,
                       const std::string& body = "") {
    Headers headers;
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    return server_->client().Request(method, target, body, headers);
  }
  // GET expecting 200 and a JSON body.
  static json GetJson(const std::string& target) {
    Response r = Get(target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return ParseJson(r.body);
  }
  static void ExpectError(const Response& r, int code, const std::string& message = "") {
    EXPECT_EQ(r.status, code) << r.body;
    EXPECT_TRUE(IsErrorBody(r, code));
    if (!message.empty()) {
      EXPECT_EQ(r.Json().value("message", ""), message) << r.body;
    }
  }

  static TestServer* server_;
  static Scenario* scenario_;
};

TestServer* MarquezApiTest::server_ = nullptr;
Scenario* MarquezApiTest::scenario_ = nullptr;

std::vector<std::string> Names(const json& list) {
  std::vector<std::string> names;
  for (const json& item : list) names.push_back(item.value("name", ""));
  return names;
}

const json* FindByName(const json& list, const std::string& name) {
  for (const json& item : list) {
    if (item.value("name", "") == name) return &item;
  }
  return nullptr;
}

TEST_F(MarquezApiTest, Namespaces) {
  json list = GetJson("/api/v1/namespaces");
  ASSERT_TRUE(list["namespaces"].is_array()) << list;
  EXPECT_FALSE(list.contains("totalCount")) << "Marquez's namespace list has no totalCount";
  EXPECT_THAT(Names(list["namespaces"]), IsSupersetOf({"etl", "warehouse", kPg}));
  const json* etl = FindByName(list["namespaces"], "etl");
  ASSERT_NE(etl, nullptr);
  EXPECT_EQ((*etl)["ownerName"], "anonymous");
  EXPECT_TRUE((*etl)["description"].is_null());
  EXPECT_EQ((*etl)["isHidden"], false);
  EXPECT_TRUE((*etl)["createdAt"].is_string());

  json pg = GetJson(absl::StrCat("/api/v1/namespaces/", kPgEncoded));
  EXPECT_EQ(pg["name"], kPg);

  ExpectError(Get("/api/v1/namespaces/nope"), 404, "Namespace 'nope' not found.");
  ExpectError(Get("/api/v1/namespaces?limit=-1"), 400);
}

TEST_F(MarquezApiTest, PutAndDeleteNamespace) {
  Response put =
      Send("PUT", "/api/v1/namespaces/team-a", R"({"ownerName":"me","description":"mine"})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.Json()["name"], "team-a");
  EXPECT_EQ(put.Json()["ownerName"], "me");
  EXPECT_EQ(put.Json()["description"], "mine");
  EXPECT_EQ(GetJson("/api/v1/namespaces/team-a")["ownerName"], "me");

  Response missing = Send("PUT", "/api/v1/namespaces/team-b", R"({"description":"x"})");
  EXPECT_EQ(missing.status, 422) << missing.body;
  EXPECT_THAT(ValidationErrors(missing), ElementsAre("ownerName must not be null"));
  ExpectError(Send("PUT", "/api/v1/namespaces/team-b", "{not json"), 400);
  ExpectError(Send("PUT", "/api/v1/namespaces/bad%20name", R"({"ownerName":"me"})"), 400);
  ExpectError(Get("/api/v1/namespaces/team-b"), 404, "Namespace 'team-b' not found.");

  // A namespace of its own, so deleting it hides nothing another test reads.
  json event = RunEvent("COMPLETE", "2024-05-01T11:00:00Z", NewUuid(), "gone", json::array(),
                        json::array({Named("doomed", "t1")}));
  event["job"]["namespace"] = "doomed";
  ASSERT_EQ(server_->PostEvent(event.dump()).status, 201);
  EXPECT_EQ(GetJson("/api/v1/namespaces/doomed/datasets")["totalCount"], 1);
  Response deleted = Send("DELETE", "/api/v1/namespaces/doomed");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.Json()["name"], "doomed");
  json after = GetJson("/api/v1/namespaces/doomed/datasets");
  EXPECT_EQ(after["totalCount"], 0) << "hiding a namespace hides its datasets";
  EXPECT_THAT(after["datasets"], IsEmpty());
  ExpectError(Send("DELETE", "/api/v1/namespaces/never"), 404, "Namespace 'never' not found.");
}

TEST_F(MarquezApiTest, Sources) {
  json list = GetJson("/api/v1/sources");
  ASSERT_TRUE(list["sources"].is_array()) << list;
  const json* pg = FindByName(list["sources"], "pg");
  ASSERT_NE(pg, nullptr) << list;
  EXPECT_EQ((*pg)["type"], "POSTGRESQL");
  EXPECT_EQ((*pg)["connectionUrl"], kPg);

  json one = GetJson("/api/v1/sources/pg");
  EXPECT_EQ(one["name"], "pg");
  ExpectError(Get("/api/v1/sources/nope"), 404, "Source 'nope' not found.");
}

TEST_F(MarquezApiTest, DatasetListAndPagination) {
  json list = GetJson("/api/v1/namespaces/warehouse/datasets");
  EXPECT_EQ(list["totalCount"], 2);
  EXPECT_THAT(Names(list["datasets"]), ElementsAre("report", "sales")) << "ordered by name";

  json page = GetJson("/api/v1/namespaces/warehouse/datasets?limit=1&offset=1");
  EXPECT_EQ(page["totalCount"], 2) << "the true total, not the page size";
  EXPECT_THAT(Names(page["datasets"]), ElementsAre("sales"));

  json empty = GetJson("/api/v1/namespaces/warehouse/datasets?limit=0");
  EXPECT_THAT(empty["datasets"], IsEmpty());
  EXPECT_EQ(empty["totalCount"], 2);

  Response negative = Get("/api/v1/namespaces/warehouse/datasets?limit=-1");
  ExpectError(negative, 400);
  EXPECT_THAT(negative.Json().value("message", ""), HasSubstr("limit"));
  Response bad_offset = Get("/api/v1/namespaces/warehouse/datasets?offset=abc");
  ExpectError(bad_offset, 400);
  EXPECT_THAT(bad_offset.Json().value("message", ""), HasSubstr("offset"));

  ExpectError(Get("/api/v1/namespaces/nope/datasets"), 404, "Namespace 'nope' not found.");
}

TEST_F(MarquezApiTest, Dataset) {
  json src = GetJson(absl::StrCat("/api/v1/namespaces/", kPgEncoded, "/datasets/", kSrc));
  EXPECT_EQ(src["id"], json({{"namespace", kPg}, {"name", kSrc}}));
  EXPECT_EQ(src["namespace"], kPg);
  EXPECT_EQ(src["type"], "DB_TABLE");
  EXPECT_EQ(src["sourceName"], "pg");
  ASSERT_EQ(src["fields"].size(), 2u) << src;
  EXPECT_EQ(src["fields"][0], json({{"name", "id"},
                                    {"type", "INTEGER"},
                                    {"tags", json::array()},
                                    {"description", nullptr}}));
  EXPECT_TRUE(src["facets"].contains("schema")) << src["facets"];
  EXPECT_TRUE(src["currentVersion"].is_string()) << src;
  EXPECT_EQ(src["deleted"], false);

  json sales = GetJson("/api/v1/namespaces/warehouse/datasets/sales");
  EXPECT_EQ(sales["sourceName"], "default") << "no dataSource facet";
  EXPECT_EQ(sales["description"], "sales per customer");
  ASSERT_TRUE(sales["columnLineage"].is_array()) << sales;
  ASSERT_EQ(sales["columnLineage"].size(), 1u);
  EXPECT_EQ(sales["columnLineage"][0]["name"], "total");
  EXPECT_EQ(sales["columnLineage"][0]["inputFields"][0]["field"], "amount");

  ExpectError(Get("/api/v1/namespaces/warehouse/datasets/nope"), 404, "Dataset 'nope' not found.");
  ExpectError(Get("/api/v1/namespaces/nope/datasets/sales"), 404, "Namespace 'nope' not found.");
}

TEST_F(MarquezApiTest, DatasetVersions) {
  json sales = GetJson("/api/v1/namespaces/warehouse/datasets/sales");
  ASSERT_TRUE(sales["currentVersion"].is_string()) << sales;
  std::string current = sales["currentVersion"];

  json versions = GetJson("/api/v1/namespaces/warehouse/datasets/sales/versions");
  ASSERT_TRUE(versions["versions"].is_array()) << versions;
  ASSERT_GE(versions["totalCount"].get<int>(), 1);
  EXPECT_EQ(versions["versions"].size(), versions["totalCount"].get<size_t>());
  std::set<std::string> listed;
  for (const json& v : versions["versions"]) {
    listed.insert(v.value("version", ""));
    EXPECT_EQ(v["id"]["version"], v["version"]);
    EXPECT_EQ(v["id"]["namespace"], "warehouse");
  }
  EXPECT_THAT(listed, Contains(current)) << "currentVersion is one of the listed versions";

  json version =
      GetJson(absl::StrCat("/api/v1/namespaces/warehouse/datasets/sales/versions/", current));
  EXPECT_EQ(version["version"], current);
  ASSERT_TRUE(version["createdByRun"].is_object()) << "written by etl.load's run: " << version;
  EXPECT_EQ(version["createdByRun"]["id"], scenario_->load_run);

  ExpectError(Get("/api/v1/namespaces/warehouse/datasets/sales/versions/not-a-uuid"), 400);
  std::string unknown = NewUuid();
  ExpectError(Get(absl::StrCat("/api/v1/namespaces/warehouse/datasets/sales/versions/", unknown)),
              404, absl::StrCat("Dataset version '", unknown, "' not found."));
  ExpectError(Get("/api/v1/namespaces/warehouse/datasets/sales/versions?limit=-2"), 400);
}

TEST_F(MarquezApiTest, DatasetAndFieldTags) {
  std::string base = absl::StrCat("/api/v1/namespaces/", kPgEncoded, "/datasets/", kSrc);
  Response tagged = Send("POST", base + "/tags/SENSITIVE");
  ASSERT_EQ(tagged.status, 200) << tagged.body;
  EXPECT_THAT(tagged.Json()["tags"], Contains("SENSITIVE"));
  EXPECT_THAT(GetJson(base)["tags"], Contains("SENSITIVE"));

  Response untagged = Send("DELETE", base + "/tags/SENSITIVE");
  ASSERT_EQ(untagged.status, 200) << untagged.body;
  EXPECT_THAT(untagged.Json()["tags"], Not(Contains("SENSITIVE")));

  Response field = Send("POST", base + "/fields/amount/tags/pii");
  ASSERT_EQ(field.status, 200) << field.body;
  json field_body = field.Json();
  const json* amount = FindByName(field_body["fields"], "amount");
  ASSERT_NE(amount, nullptr) << field.body;
  EXPECT_THAT((*amount)["tags"], Contains("PII")) << "field tags are upper-cased";

  Response field_off = Send("DELETE", base + "/fields/amount/tags/pii");
  ASSERT_EQ(field_off.status, 200) << field_off.body;
  json field_off_body = field_off.Json();
  amount = FindByName(field_off_body["fields"], "amount");
  ASSERT_NE(amount, nullptr);
  EXPECT_THAT((*amount)["tags"], Not(Contains("PII")));

  ExpectError(Send("POST", base + "/fields/nope/tags/PII"), 404,
              absl::StrCat("Field 'nope' not found for dataset '", kSrc, "'."));
  ExpectError(Send("POST", "/api/v1/namespaces/warehouse/datasets/nope/tags/X"), 404,
              "Dataset 'nope' not found.");

  // Found by tests/fuzz (router_fuzzer): a tag name that is not UTF-8 was
  // stored into the dataset's record, which could then no longer be read
  // (500 "unreadable graph record" for the dataset, for good).
  ExpectError(Send("POST", base + "/tags/P%B7%BA"), 400);
  ExpectError(Send("POST", base + "/fields/amount/tags/%FF"), 400);
  ExpectError(Send("PUT", "/api/v1/tags/%C0%AF", R"({"description":"overlong"})"), 400);
  EXPECT_EQ(Get(base).status, 200);
  EXPECT_EQ(Get("/api/v1/tags").status, 200);
}

TEST_F(MarquezApiTest, DeleteDatasetHidesItUntilTheNextEvent) {
  json event = RunEvent("COMPLETE", "2024-05-01T12:00:00Z", NewUuid(), "writer", json::array(),
                        json::array({Named("scratch", "tmp")}));
  event["job"]["namespace"] = "scratch";
  ASSERT_EQ(server_->PostEvent(event.dump()).status, 201);
  Response deleted = Send("DELETE", "/api/v1/namespaces/scratch/datasets/tmp");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.Json()["name"], "tmp");
  EXPECT_EQ(GetJson("/api/v1/namespaces/scratch/datasets")["totalCount"], 0);

  event["run"]["runId"] = NewUuid();
  event["eventTime"] = "2024-05-01T12:05:00Z";
  ASSERT_EQ(server_->PostEvent(event.dump()).status, 201);
  EXPECT_EQ(GetJson("/api/v1/namespaces/scratch/datasets")["totalCount"], 1)
      << "an event naming the dataset restores it";
  ExpectError(Send("DELETE", "/api/v1/namespaces/scratch/datasets/nope"), 404,
              "Dataset 'nope' not found.");
}

TEST_F(MarquezApiTest, JobsAndLastRunStates) {
  json jobs = GetJson("/api/v1/namespaces/etl/jobs");
  EXPECT_EQ(jobs["totalCount"], 3);
  EXPECT_THAT(Names(jobs["jobs"]), ElementsAre("broken", "load", "report"));

  json all = GetJson("/api/v1/jobs");
  EXPECT_GE(all["totalCount"].get<int>(), 3);

  auto names_for = [](const std::string& query) {
    return Names(GetJson("/api/v1/namespaces/etl/jobs?" + query)["jobs"]);
  };
  EXPECT_THAT(names_for("lastRunStates=FAILED"), ElementsAre("broken"));
  EXPECT_THAT(names_for("lastRunStates=COMPLETED"), ElementsAre("load", "report"));
  EXPECT_THAT(names_for("lastRunStates=COMPLETED,FAILED"), ElementsAre("broken", "load", "report"));
  EXPECT_THAT(names_for("lastRunStates=COMPLETED&lastRunStates=FAILED"),
              ElementsAre("broken", "load", "report"));
  json other = GetJson("/api/v1/namespaces/etl/jobs?lastRunStates=OTHER");
  EXPECT_THAT(other["jobs"], IsEmpty());
  EXPECT_EQ(other["totalCount"], 0);
  ExpectError(Get("/api/v1/namespaces/etl/jobs?lastRunStates=DONE"), 400);
  ExpectError(Get("/api/v1/jobs?limit=x"), 400);

  json page = GetJson("/api/v1/namespaces/etl/jobs?limit=1");
  EXPECT_EQ(page["jobs"].size(), 1u);
  EXPECT_EQ(page["totalCount"], 3);
}

TEST_F(MarquezApiTest, JobVersionsAndRuns) {
  json load = GetJson("/api/v1/namespaces/etl/jobs/load");
  EXPECT_EQ(load["id"], json({{"namespace", "etl"}, {"name", "load"}}));
  EXPECT_EQ(load["type"], "BATCH");
  EXPECT_EQ(load["inputs"], json::array({json({{"namespace", kPg}, {"name", kSrc}})}));
  EXPECT_EQ(load["outputs"], json::array({json({{"namespace", "warehouse"}, {"name", "sales"}})}));
  ASSERT_TRUE(load["latestRun"].is_object()) << load;
  EXPECT_EQ(load["latestRun"]["id"], scenario_->load_run);
  EXPECT_EQ(load["latestRun"]["state"], "COMPLETED");
  EXPECT_TRUE(load["latestRuns"].is_array());
  ASSERT_TRUE(load["currentVersion"].is_string()) << load;
  std::string version = load["currentVersion"];

  json versions = GetJson("/api/v1/namespaces/etl/jobs/load/versions");
  EXPECT_EQ(versions["totalCount"], 1);
  ASSERT_EQ(versions["versions"].size(), 1u);
  EXPECT_EQ(versions["versions"][0]["version"], version);
  json one = GetJson("/api/v1/namespaces/etl/jobs/load/versions/" + version);
  EXPECT_EQ(one["id"], json({{"namespace", "etl"}, {"name", "load"}, {"version", version}}));
  ExpectError(Get("/api/v1/namespaces/etl/jobs/load/versions/xyz"), 400);
  std::string unknown = NewUuid();
  ExpectError(Get("/api/v1/namespaces/etl/jobs/load/versions/" + unknown), 404,
              absl::StrCat("Job version '", unknown, "' not found."));

  json runs = GetJson("/api/v1/namespaces/etl/jobs/load/runs");
  EXPECT_EQ(runs["totalCount"], 1);
  ASSERT_EQ(runs["runs"].size(), 1u);
  const json& run = runs["runs"][0];
  EXPECT_EQ(run["id"], scenario_->load_run);
  EXPECT_EQ(run["state"], "COMPLETED");
  EXPECT_EQ(run["startedAt"], "2024-05-01T10:00:00Z");
  EXPECT_EQ(run["endedAt"], "2024-05-01T10:00:05Z");
  EXPECT_EQ(run["durationMs"], 5000);
  EXPECT_EQ(run["jobVersion"]["version"], version);
  ASSERT_EQ(run["outputDatasetVersions"].size(), 1u);
  EXPECT_EQ(run["outputDatasetVersions"][0]["datasetVersionId"]["name"], "sales");

  ExpectError(Get("/api/v1/namespaces/etl/jobs/nope"), 404, "Job 'nope' not found.");
  ExpectError(Get("/api/v1/namespaces/nope/jobs/load"), 404, "Namespace 'nope' not found.");
  ExpectError(Get("/api/v1/namespaces/etl/jobs/load/runs?offset=-1"), 400);
}

TEST_F(MarquezApiTest, JobTagsAndDelete) {
  Response tagged = Send("POST", "/api/v1/namespaces/etl/jobs/report/tags/DAILY");
  ASSERT_EQ(tagged.status, 200) << tagged.body;
  EXPECT_THAT(tagged.Json()["tags"], Contains("DAILY"));
  Response untagged = Send("DELETE", "/api/v1/namespaces/etl/jobs/report/tags/DAILY");
  ASSERT_EQ(untagged.status, 200) << untagged.body;
  EXPECT_THAT(untagged.Json()["tags"], Not(Contains("DAILY")));

  json event = RunEvent("COMPLETE", "2024-05-01T13:00:00Z", NewUuid(), "short-lived", json::array(),
                        json::array());
  event["job"]["namespace"] = "ephemeral";
  ASSERT_EQ(server_->PostEvent(event.dump()).status, 201);
  Response deleted = Send("DELETE", "/api/v1/namespaces/ephemeral/jobs/short-lived");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.Json()["name"], "short-lived");
  EXPECT_EQ(GetJson("/api/v1/namespaces/ephemeral/jobs")["totalCount"], 0);
  ExpectError(Send("DELETE", "/api/v1/namespaces/etl/jobs/nope"), 404, "Job 'nope' not found.");
}

TEST_F(MarquezApiTest, Runs) {
  json run = GetJson("/api/v1/jobs/runs/" + scenario_->broken_run);
  EXPECT_EQ(run["id"], scenario_->broken_run);
  EXPECT_EQ(run["state"], "FAILED");
  EXPECT_EQ(run["startedAt"], "2024-05-01T10:02:00Z");
  EXPECT_EQ(run["endedAt"], "2024-05-01T10:02:30Z");

  json facets = GetJson("/api/v1/jobs/runs/" + scenario_->broken_run + "/facets?type=run");
  EXPECT_EQ(facets["runId"], scenario_->broken_run);
  EXPECT_TRUE(facets["facets"].is_object()) << facets;
  EXPECT_TRUE(GetJson("/api/v1/jobs/runs/" + scenario_->broken_run + "/facets?type=job")["facets"]
                  .is_object());

  ExpectError(Get("/api/v1/jobs/runs/" + scenario_->broken_run + "/facets"), 400);
  ExpectError(Get("/api/v1/jobs/runs/" + scenario_->broken_run + "/facets?type=dataset"), 400);
  ExpectError(Get("/api/v1/jobs/runs/not-a-uuid"), 400);
  std::string unknown = NewUuid();
  ExpectError(Get("/api/v1/jobs/runs/" + unknown), 404,
              absl::StrCat("Run '", unknown, "' not found."));
}

TEST_F(MarquezApiTest, LineageCarriesFullNodeData) {
  Response r = server_->GetLineage("job:etl:load", 0);
  ASSERT_EQ(r.status, 200) << r.body;
  json graph = r.Json()["graph"];
  std::vector<std::string> ids;
  for (const json& node : graph) ids.push_back(node["id"]);
  EXPECT_THAT(ids, ElementsAre(absl::StrCat("dataset:", kPg, ":", kSrc), "dataset:warehouse:sales",
                               "job:etl:load"));
  const json& job = graph[2]["data"];
  EXPECT_EQ(job["simpleName"], "load");
  EXPECT_EQ(job["currentRunUuid"], scenario_->load_run);
  ASSERT_TRUE(job["latestRun"].is_object());
  EXPECT_EQ(job["latestRun"]["state"], "COMPLETED");
  EXPECT_TRUE(job["latestRun"].contains("jobVersion")) << "a full Run object";
  const json& src = graph[0]["data"];
  EXPECT_EQ(src["sourceName"], "pg");
  EXPECT_EQ(src["fields"].size(), 2u);
  EXPECT_TRUE(src.contains("lastLifecycleState"));

  // A run id gives its job's lineage.
  Response by_run = server_->GetLineage("run:" + scenario_->load_run, 0);
  ASSERT_EQ(by_run.status, 200) << by_run.body;
  EXPECT_EQ(by_run.Json()["graph"], graph);

  ExpectError(server_->GetLineage("run:not-a-uuid"), 400);
  std::string unknown = NewUuid();
  ExpectError(server_->GetLineage("run:" + unknown), 404,
              absl::StrCat("Run '", unknown, "' not found."));
  ExpectError(server_->GetLineage("dataset:warehouse:nope"), 404, "Dataset 'nope' not found.");
  ExpectError(server_->GetLineage("table:warehouse:sales"), 400);
  ExpectError(Get("/api/v1/lineage?nodeId=job%3Aetl%3Aload&depth=-1"), 400);
  ExpectError(Get("/api/v1/lineage"), 400);
}

TEST_F(MarquezApiTest, ColumnLineage) {
  std::string total = "datasetField:warehouse:sales:total";
  std::string amount = absl::StrCat("datasetField:", kPg, ":", kSrc, ":amount");
  json graph = GetJson("/api/v1/column-lineage?nodeId=" + UrlEncode(total))["graph"];
  const json* total_node = nullptr;
  const json* amount_node = nullptr;
  for (const json& node : graph) {
    EXPECT_EQ(node["type"], "DATASET_FIELD");
    if (node["id"] == total) total_node = &node;
    if (node["id"] == amount) amount_node = &node;
  }
  ASSERT_NE(total_node, nullptr) << graph;
  ASSERT_NE(amount_node, nullptr) << graph;
  EXPECT_EQ((*total_node)["data"]["field"], "total");
  EXPECT_EQ((*total_node)["data"]["fieldType"], "DECIMAL");
  ASSERT_EQ((*total_node)["data"]["inputFields"].size(), 1u);
  EXPECT_EQ((*total_node)["data"]["inputFields"][0]["field"], "amount");
  // Marquez's code: every edge starts at the node it is listed on.
  EXPECT_EQ((*total_node)["inEdges"],
            json::array({json({{"origin", total}, {"destination", amount}})}));

  json downstream = GetJson("/api/v1/column-lineage?withDownstream=true&nodeId=" +
                            UrlEncode(absl::StrCat("dataset:", kPg, ":", kSrc)))["graph"];
  bool found = false;
  for (const json& node : downstream) {
    if (node["id"] != amount) continue;
    found = true;
    EXPECT_EQ(node["outEdges"], json::array({json({{"origin", amount}, {"destination", total}})}));
  }
  EXPECT_TRUE(found) << downstream;

  std::string sales_version =
      GetJson("/api/v1/namespaces/warehouse/datasets/sales")["currentVersion"];
  ExpectError(Get("/api/v1/column-lineage?withDownstream=true&nodeId=" +
                  UrlEncode("dataset:warehouse:sales#" + sales_version)),
              400, "Node version cannot be specified when withDownstream is true");
  // As of a version, every id carries its node's dataset version (Marquez's
  // DatasetFieldVersionId), edges included.
  Response versioned =
      Get("/api/v1/column-lineage?nodeId=" + UrlEncode("dataset:warehouse:sales#" + sales_version));
  ASSERT_EQ(versioned.status, 200) << versioned.body;
  const json versioned_graph = versioned.Json()["graph"];
  bool saw_total = false;
  for (const json& node : versioned_graph) {
    const std::string id = node["id"];
    ASSERT_NE(id.find('#'), std::string::npos) << id;
    EXPECT_EQ(id.substr(id.find('#') + 1), node["data"]["datasetVersion"]) << node;
    for (const json& edge : node["inEdges"]) {
      EXPECT_NE(edge["destination"].get<std::string>().find('#'), std::string::npos) << edge;
    }
    if (id != total + "#" + sales_version) continue;
    saw_total = true;
    ASSERT_EQ(node["inEdges"].size(), 1u) << node;
    EXPECT_TRUE(
        absl::StartsWith(node["inEdges"][0]["destination"].get<std::string>(), amount + "#"))
        << node;
  }
  EXPECT_TRUE(saw_total) << versioned.body;
  ExpectError(
      Get("/api/v1/column-lineage?nodeId=" + UrlEncode("dataset:warehouse:sales#" + NewUuid())),
      404, "Could not find node");
  ExpectError(Get("/api/v1/column-lineage?withDownstream=maybe&nodeId=" + UrlEncode(total)), 400);
  ExpectError(Get("/api/v1/column-lineage?nodeId=" + UrlEncode("datasetField:warehouse:nope:x")),
              404);
  ExpectError(Get("/api/v1/column-lineage?nodeId=bogus"), 400);
}

TEST_F(MarquezApiTest, Search) {
  json result = GetJson("/api/v1/search?q=sal");
  ASSERT_TRUE(result["results"].is_array()) << result;
  EXPECT_EQ(result["totalCount"], 1);
  ASSERT_EQ(result["results"].size(), 1u);
  const json& hit = result["results"][0];
  EXPECT_EQ(hit["type"], "DATASET");
  EXPECT_EQ(hit["name"], "sales");
  EXPECT_EQ(hit["namespace"], "warehouse");
  EXPECT_EQ(hit["nodeId"], "dataset:warehouse:sales");
  EXPECT_TRUE(hit["updatedAt"].is_string());

  // "o" is in the jobs load, report and broken (and the dataset report).
  json jobs = GetJson("/api/v1/search?q=o&filter=JOB&sort=NAME");
  std::vector<std::string> names = Names(jobs["results"]);
  EXPECT_THAT(names, IsSupersetOf({"broken", "load", "report"}));
  for (const json& h : jobs["results"]) EXPECT_EQ(h["type"], "JOB");

  json limited = GetJson("/api/v1/search?q=o&filter=job&limit=1");
  EXPECT_EQ(limited["results"].size(), 1u);
  EXPECT_EQ(limited["totalCount"], jobs["totalCount"]) << "totalCount is the true total";

  EXPECT_EQ(Get("/api/v1/search?q=sal&sort=updated_at").status, 200);
  EXPECT_EQ(Get("/api/v1/search?q=sal&sort=UPDATE_AT").status, 200);
  EXPECT_EQ(GetJson("/api/v1/search?q=sal&namespace=etl")["totalCount"], 0);
  EXPECT_EQ(GetJson("/api/v1/search?q=sal&after=2000-01-01")["totalCount"], 1);
  EXPECT_EQ(GetJson("/api/v1/search?q=sal&before=2000-01-01")["totalCount"], 0);
  ExpectError(Get("/api/v1/search?q=%20"), 400);
  ExpectError(Get("/api/v1/search"), 400);
  ExpectError(Get("/api/v1/search?q=sal&filter=table"), 400);
  ExpectError(Get("/api/v1/search?q=sal&sort=size"), 400);
  ExpectError(Get("/api/v1/search?q=sal&before=01-01-2024"), 400);
  ExpectError(Get("/api/v1/search?q=sal&limit=-1"), 400);
}

TEST_F(MarquezApiTest, SearchFindsANameAsSoonAsItsEventIsAcknowledged) {
  // Its own namespace and a time outside the other tests' windows.
  json event = RunEvent("COMPLETE", "2024-06-01T00:00:00Z", NewUuid(), "zebra_writer",
                        json::array(), json::array({Named("fresh", "Zebra_Table")}));
  event["job"]["namespace"] = "fresh";
  EXPECT_EQ(GetJson("/api/v1/search?q=zebra")["totalCount"], 0);
  ASSERT_EQ(server_->PostEvent(event.dump()).status, 201);
  json hits = GetJson("/api/v1/search?q=ZEBRA&sort=NAME");
  EXPECT_EQ(hits["totalCount"], 2);
  EXPECT_THAT(Names(hits["results"]), ElementsAre("Zebra_Table", "zebra_writer"));
  EXPECT_EQ(GetJson("/api/v1/search?q=ze&namespace=fresh&filter=DATASET")["totalCount"], 1)
      << "a text under 3 bytes is found too";
}

// The search index is rebuilt from the store at start: names stored before a
// restart are found after it, and new ones too.
TEST(MarquezApiRestart, SearchFindsNamesStoredBeforeARestart) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  json event = RunEvent("COMPLETE", "2024-05-01T10:00:00Z", NewUuid(), "nightly_rollup",
                        json::array({Named("warehouse", "orders_raw")}),
                        json::array({Named("warehouse", "orders_daily")}));
  ASSERT_EQ(server.PostEvent(event.dump()).status, 201);
  ASSERT_EQ(server.client()
                .Request("DELETE", "/api/v1/namespaces/warehouse/datasets/orders_raw", "", {})
                .status,
            200);
  ASSERT_EQ(server.Stop(), 0);
  ASSERT_TRUE(server.Start());
  auto search = [&](const std::string& query) {
    Response r = server.client().Get("/api/v1/search?" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson(r.body);
  };
  json hits = search("q=orders&sort=NAME");
  EXPECT_EQ(hits["totalCount"], 1) << "orders_raw is still hidden";
  EXPECT_THAT(Names(hits["results"]), ElementsAre("orders_daily"));
  EXPECT_THAT(Names(search("q=rollup")["results"]), ElementsAre("nightly_rollup"));

  event["run"]["runId"] = NewUuid();
  event["outputs"] = json::array({Named("warehouse", "orders_weekly")});
  ASSERT_EQ(server.PostEvent(event.dump()).status, 201);
  EXPECT_THAT(Names(search("q=ORDERS_&sort=NAME")["results"]),
              ElementsAre("orders_daily", "orders_raw", "orders_weekly"))
      << "the new name, and orders_raw back: an event named it again";
}

TEST_F(MarquezApiTest, RawEvents) {
  // Only this suite's five scenario events fall in this window.
  std::string window = "after=2024-05-01T00:00:00Z&before=2024-05-01T10:30:00Z";
  json events = GetJson("/api/v1/events/lineage?" + window);
  EXPECT_EQ(events["totalCount"], 5);
  ASSERT_EQ(events["events"].size(), 5u);
  EXPECT_TRUE(events["events"][0].is_object()) << "events are JSON objects, not strings";
  EXPECT_EQ(events["events"][0]["eventType"], "FAIL") << "newest first by default";
  EXPECT_EQ(events["events"][4]["eventTime"], "2024-05-01T10:00:00Z");

  json asc = GetJson("/api/v1/events/lineage?sortDirection=asc&limit=2&offset=1&" + window);
  EXPECT_EQ(asc["totalCount"], 5);
  ASSERT_EQ(asc["events"].size(), 2u);
  EXPECT_EQ(asc["events"][0]["eventTime"], "2024-05-01T10:00:05Z");
  EXPECT_EQ(asc["events"][1]["eventTime"], "2024-05-01T10:01:00Z");

  json narrow =
      GetJson("/api/v1/events/lineage?after=2024-05-01T10:01:00Z&before=2024-05-01T10:02:30Z");
  EXPECT_EQ(narrow["totalCount"], 2) << "after is inclusive, before exclusive";

  ExpectError(Get("/api/v1/events/lineage?sortDirection=sideways"), 400);
  ExpectError(Get("/api/v1/events/lineage?before=yesterday"), 400);
  ExpectError(Get("/api/v1/events/lineage?limit=-3"), 400);
}

TEST_F(MarquezApiTest, Tags) {
  Response put = Send("PUT", "/api/v1/tags/PII", R"({"description":"personal data"})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.Json(), json({{"name", "PII"}, {"description", "personal data"}}))
      << "a single Tag, not a list";
  json tags = GetJson("/api/v1/tags");
  ASSERT_TRUE(tags["tags"].is_array()) << tags;
  const json* pii = FindByName(tags["tags"], "PII");
  ASSERT_NE(pii, nullptr) << tags;
  EXPECT_EQ((*pii)["description"], "personal data");
  ExpectError(Send("PUT", "/api/v1/tags/PII", "[1,2"), 400);
  Response bad_type = Send("PUT", "/api/v1/tags/PII", R"({"description":7})");
  EXPECT_EQ(bad_type.status, 422) << bad_type.body;
}

TEST_F(MarquezApiTest, LineageEventStats) {
  // One COMPLETE event half an hour ago lands in one of the last 24 hours.
  std::string recent =
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now() - absl::Minutes(30), absl::UTCTimeZone());
  json event = RunEvent("COMPLETE", recent, NewUuid(), "recent", json::array(), json::array());
  event["job"]["namespace"] = "stats";
  ASSERT_EQ(server_->PostEvent(event.dump()).status, 201);

  json day = GetJson("/api/v1/stats/lineage-events?period=DAY");
  ASSERT_TRUE(day.is_array()) << day;
  ASSERT_EQ(day.size(), 24u);
  int complete = 0, fail = 0;
  for (const json& bucket : day) {
    for (const char* key : {"startInterval", "endInterval", "fail", "start", "complete", "abort"}) {
      EXPECT_TRUE(bucket.contains(key)) << key;
    }
    complete += bucket.value("complete", 0);
    fail += bucket.value("fail", 0);
  }
  EXPECT_EQ(complete, 1) << day;
  EXPECT_EQ(fail, 0) << "the scenario's 2024 events are outside the window";
  for (size_t i = 1; i < day.size(); ++i) {
    EXPECT_EQ(day[i]["startInterval"], day[i - 1]["endInterval"]);
  }

  json week = GetJson("/api/v1/stats/lineage-events?period=WEEK&timezone=Europe%2FBerlin");
  ASSERT_TRUE(week.is_array()) << week;
  EXPECT_EQ(week.size(), 7u);

  ExpectError(Get("/api/v1/stats/lineage-events?period=WEEK"), 400,
              "Timezone must be specified for period 'WEEK'");
  ExpectError(Get("/api/v1/stats/lineage-events?period=YEAR"), 400, "Invalid period");
  ExpectError(Get("/api/v1/stats/lineage-events?period=WEEK&timezone=Nowhere%2FLand"), 400);
}

}  // namespace
}  // namespace lineaged::integration
