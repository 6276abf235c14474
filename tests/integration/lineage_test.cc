// Black-box tests of GET /api/v1/lineage (Marquez's table-level lineage graph)
// against the real server binary.

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"
#include "tests/testing/data.h"

namespace lineaged::integration {
namespace {

using lineaged::testing::ReadTestData;
using lineaged::testing::UrlEncode;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::IsSupersetOf;
using ::testing::UnorderedElementsAreArray;

// The Airflow scenario (tests/data/corpus/compat/airflow): BQ.upload reads
// copied.csv and test.csv and writes upload; BQ.copy copies upload to
// upload_cp; BQ.download exports upload_cp to result.csv.
constexpr char kUpload[] = "dataset:bigquery:mock-project.test.upload";
constexpr char kUploadCp[] = "dataset:bigquery:mock-project.test.upload_cp";
constexpr char kCopiedCsv[] = "dataset:gs://mock-bucket:copied.csv";
constexpr char kTestCsv[] = "dataset:gs://mock-bucket:test.csv";
constexpr char kResultCsv[] = "dataset:gs://mock-bucket:result.csv";
constexpr char kBqUpload[] = "job:airflow:BQ.upload";
constexpr char kBqCopy[] = "job:airflow:BQ.copy";
constexpr char kBqDownload[] = "job:airflow:BQ.download";

// Expects `nodes` to hold exactly `ids`, sorted by id.
void ExpectNodeIds(const std::vector<Node>& nodes, std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  EXPECT_THAT(NodeIds(nodes), ElementsAreArray(ids)) << "nodes must be exactly these, by id";
}

// Expects node `id` to exist with these edges (in any order).
void ExpectNode(const std::vector<Node>& nodes, const std::string& id,
                const std::vector<Edge>& in_edges, const std::vector<Edge>& out_edges) {
  const Node* node = FindNode(nodes, id);
  ASSERT_NE(node, nullptr) << id << " missing";
  EXPECT_EQ(node->type, id.starts_with("job:") ? "JOB" : "DATASET") << id;
  EXPECT_TRUE(node->data_is_object) << id << ": \"data\" must be an object";
  EXPECT_THAT(node->in_edges, UnorderedElementsAreArray(in_edges)) << id << " inEdges";
  EXPECT_THAT(node->out_edges, UnorderedElementsAreArray(out_edges)) << id << " outEdges";
}

// The whole BQ chain: what any depth >= 2 from any of its nodes returns.
void ExpectFullAirflowBqGraph(const std::vector<Node>& nodes) {
  ExpectNodeIds(nodes, {kUpload, kUploadCp, kCopiedCsv, kTestCsv, kResultCsv, kBqUpload, kBqCopy,
                        kBqDownload});
  ExpectNode(nodes, kCopiedCsv, {}, {{kCopiedCsv, kBqUpload}});
  ExpectNode(nodes, kTestCsv, {}, {{kTestCsv, kBqUpload}});
  ExpectNode(nodes, kUpload, {{kBqUpload, kUpload}}, {{kUpload, kBqCopy}});
  ExpectNode(nodes, kUploadCp, {{kBqCopy, kUploadCp}}, {{kUploadCp, kBqDownload}});
  ExpectNode(nodes, kResultCsv, {{kBqDownload, kResultCsv}}, {});
  ExpectNode(nodes, kBqUpload, {{kCopiedCsv, kBqUpload}, {kTestCsv, kBqUpload}},
             {{kBqUpload, kUpload}});
  ExpectNode(nodes, kBqCopy, {{kUpload, kBqCopy}}, {{kBqCopy, kUploadCp}});
  ExpectNode(nodes, kBqDownload, {{kUploadCp, kBqDownload}}, {{kBqDownload, kResultCsv}});
}

// A COMPLETE event of job test:<job> reading and writing datasets of
// namespace "test", with an eventTime `minute` minutes into the hour.
std::string JobEvent(const std::string& job, const std::vector<std::string>& inputs,
                     const std::vector<std::string>& outputs, int minute) {
  nlohmann::json event = MinimalEvent("test", job);
  char event_time[32];
  std::snprintf(event_time, sizeof(event_time), "2024-05-01T10:%02d:00Z", minute);
  event["eventTime"] = event_time;
  event["inputs"] = nlohmann::json::array();
  for (const std::string& name : inputs) {
    event["inputs"].push_back({{"namespace", "test"}, {"name", name}});
  }
  event["outputs"] = nlohmann::json::array();
  for (const std::string& name : outputs) {
    event["outputs"].push_back({{"namespace", "test"}, {"name", name}});
  }
  return event.dump();
}

TEST(Lineage, AirflowUploadDatasetGraph) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  PostAirflowEvents(server);
  const std::vector<Node> nodes = ParseGraph(server.GetLineage(kUpload));
  ExpectFullAirflowBqGraph(nodes);
  EXPECT_TRUE(std::is_sorted(nodes.begin(), nodes.end(),
                             [](const Node& a, const Node& b) { return a.id < b.id; }));
}

TEST(Lineage, DepthDefaultsTo20) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  PostAirflowEvents(server);
  const Response by_default = server.GetLineage(kUpload);
  const Response explicit_20 = server.GetLineage(kUpload, 20);
  ASSERT_EQ(by_default.status, 200) << by_default.body;
  ASSERT_EQ(explicit_20.status, 200) << explicit_20.body;
  EXPECT_EQ(by_default.Json(), explicit_20.Json());
}

TEST(Lineage, DepthZeroIsStartJobAndItsDatasets) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  PostAirflowEvents(server);
  // The start job of a dataset is its producer; BQ.copy, which reads upload,
  // is one hop away and therefore absent, and so is the edge to it.
  const std::vector<Node> nodes = ParseGraph(server.GetLineage(kUpload, 0));
  ExpectNodeIds(nodes, {kUpload, kCopiedCsv, kTestCsv, kBqUpload});
  ExpectNode(nodes, kUpload, {{kBqUpload, kUpload}}, {});
  ExpectNode(nodes, kCopiedCsv, {}, {{kCopiedCsv, kBqUpload}});
  ExpectNode(nodes, kTestCsv, {}, {{kTestCsv, kBqUpload}});
  ExpectNode(nodes, kBqUpload, {{kCopiedCsv, kBqUpload}, {kTestCsv, kBqUpload}},
             {{kBqUpload, kUpload}});
}

TEST(Lineage, DepthOneAddsJobsSharingADataset) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  PostAirflowEvents(server);
  const std::vector<Node> nodes = ParseGraph(server.GetLineage(kUpload, 1));
  ExpectNodeIds(nodes, {kUpload, kUploadCp, kCopiedCsv, kTestCsv, kBqUpload, kBqCopy});
  ExpectNode(nodes, kUpload, {{kBqUpload, kUpload}}, {{kUpload, kBqCopy}});
  ExpectNode(nodes, kUploadCp, {{kBqCopy, kUploadCp}}, {});
  ExpectNode(nodes, kBqCopy, {{kUpload, kBqCopy}}, {{kBqCopy, kUploadCp}});
  ExpectNode(nodes, kBqUpload, {{kCopiedCsv, kBqUpload}, {kTestCsv, kBqUpload}},
             {{kBqUpload, kUpload}});
}

TEST(Lineage, JobNodeId) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  PostAirflowEvents(server);
  ExpectFullAirflowBqGraph(ParseGraph(server.GetLineage(kBqCopy)));
  ExpectFullAirflowBqGraph(ParseGraph(server.GetLineage(kBqDownload, 2)));

  const std::vector<Node> nodes = ParseGraph(server.GetLineage(kBqCopy, 0));
  ExpectNodeIds(nodes, {kUpload, kUploadCp, kBqCopy});
  ExpectNode(nodes, kUpload, {}, {{kUpload, kBqCopy}});
  ExpectNode(nodes, kUploadCp, {{kBqCopy, kUploadCp}}, {});
  ExpectNode(nodes, kBqCopy, {{kUpload, kBqCopy}}, {{kBqCopy, kUploadCp}});
}

// a: x -> y, b: x -> z, c: z -> w, d: v -> w (d is newer than c).
TEST(Lineage, DepthCountsUndirectedJobHopsIncludingSiblings) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  for (const std::string& event :
       {JobEvent("a", {"x"}, {"y"}, 1), JobEvent("b", {"x"}, {"z"}, 2),
        JobEvent("c", {"z"}, {"w"}, 3), JobEvent("d", {"v"}, {"w"}, 4)}) {
    const Response response = server.PostEvent(event);
    ASSERT_EQ(response.status, 201) << response.body;
  }
  const std::string x = "dataset:test:x", y = "dataset:test:y", z = "dataset:test:z",
                    w = "dataset:test:w", v = "dataset:test:v";
  const std::string a = "job:test:a", b = "job:test:b", c = "job:test:c", d = "job:test:d";

  // From y (produced by a): a, then b (co-reader of x), then c (reads b's
  // output), then d (co-writer of w).
  ExpectNodeIds(ParseGraph(server.GetLineage(y, 0)), {a, x, y});
  ExpectNodeIds(ParseGraph(server.GetLineage(y, 1)), {a, b, x, y, z});
  ExpectNodeIds(ParseGraph(server.GetLineage(y, 2)), {a, b, c, x, y, z, w});
  const std::vector<Node> all = ParseGraph(server.GetLineage(y, 3));
  ExpectNodeIds(all, {a, b, c, d, v, w, x, y, z});
  ExpectNode(all, x, {}, {{x, a}, {x, b}});
  ExpectNode(all, w, {{c, w}, {d, w}}, {});
  EXPECT_EQ(ParseGraph(server.GetLineage(y)).size(), all.size());

  // w has two producers: the start job is the newest, d.
  ExpectNodeIds(ParseGraph(server.GetLineage(w, 0)), {d, v, w});

  // x has no producer: the start job is one of its consumers.
  const std::vector<std::string> from_x = NodeIds(ParseGraph(server.GetLineage(x, 0)));
  EXPECT_TRUE(from_x == std::vector<std::string>({x, y, a}) ||
              from_x == std::vector<std::string>({x, z, b}))
      << ::testing::PrintToString(from_x);
}

TEST(Lineage, DatasetWithoutJobsIsASingleNode) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  const Response posted =
      server.PostEvent(ReadTestData("corpus/marquez-edge-cases/event_dataset_event.json"));
  ASSERT_EQ(posted.status, 201) << posted.body;
  const std::string id = "dataset:my-dataset-namespace:my-dataset-name";
  const std::vector<Node> nodes = ParseGraph(server.GetLineage(id));
  ExpectNodeIds(nodes, {id});
  ExpectNode(nodes, id, {}, {});
}

TEST(Lineage, UnknownNodeIs404) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  PostAirflowEvents(server);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"dataset:bigquery:nope", "Dataset 'nope' not found."},
      {"dataset:nowhere:mock-project.test.upload", "Dataset 'mock-project.test.upload' not found."},
      {"job:airflow:nope", "Job 'nope' not found."},
      {"job:nowhere:BQ.upload", "Job 'BQ.upload' not found."},
  };
  for (const auto& [node_id, message] : cases) {
    const Response response = server.GetLineage(node_id);
    EXPECT_EQ(response.status, 404) << node_id << ": " << response.body;
    EXPECT_EQ(response.Json(), nlohmann::json({{"code", 404}, {"message", message}}))
        << node_id << ": " << response.body;
  }
}

TEST(Lineage, MalformedOrMissingNodeIdIs400) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  PostAirflowEvents(server);
  for (const std::string node_id :
       {"", "bogus", "table:bigquery:mock-project.test.upload", "dataset:", "dataset:bigquery",
        "job:airflow", "DATASET:bigquery:mock-project.test.upload"}) {
    const Response response = server.GetLineage(node_id);
    EXPECT_EQ(response.status, 400) << "nodeId=" << node_id << ": " << response.body;
    EXPECT_TRUE(IsErrorBody(response, 400)) << "nodeId=" << node_id;
  }
  for (const std::string target : {"/api/v1/lineage", "/api/v1/lineage?depth=3"}) {
    const Response response = server.client().Get(target);
    EXPECT_EQ(response.status, 400) << target << ": " << response.body;
    EXPECT_TRUE(IsErrorBody(response, 400)) << target;
  }
}

// Marquez splits `dataset:<ns>:<name>` on colons that are not followed by
// "//" or a digit, so URL-like namespaces with ports survive.
TEST(Lineage, NamespacesWithColonsAndPorts) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  nlohmann::json event = MinimalEvent("airflow://scheduler:8080", "dag.task");
  event["inputs"] = {{{"namespace", "postgres://localhost:5432"}, {"name", "db.public.s"}}};
  event["outputs"] = {{{"namespace", "postgres://localhost:5432"}, {"name", "db.public.t"}}};
  const Response posted = server.PostEvent(event.dump());
  ASSERT_EQ(posted.status, 201) << posted.body;

  const std::string source = "dataset:postgres://localhost:5432:db.public.s";
  const std::string target = "dataset:postgres://localhost:5432:db.public.t";
  const std::string job = "job:airflow://scheduler:8080:dag.task";
  for (const std::string& start : {target, source, job}) {
    const std::vector<Node> nodes = ParseGraph(server.GetLineage(start));
    ExpectNodeIds(nodes, {source, target, job});
    ExpectNode(nodes, source, {}, {{source, job}});
    ExpectNode(nodes, target, {{job, target}}, {});
    ExpectNode(nodes, job, {{source, job}}, {{job, target}});
  }
}

TEST(Lineage, RawAndPercentEncodedNodeIdsAgree) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  PostAirflowEvents(server);
  for (const std::string node_id : {kCopiedCsv, kBqUpload}) {
    const Response raw =
        server.client().Get(std::string(kLineagePath) + "?nodeId=" + node_id + "&depth=1");
    const Response encoded = server.client().Get(std::string(kLineagePath) +
                                                 "?nodeId=" + UrlEncode(node_id) + "&depth=1");
    ASSERT_EQ(raw.status, 200) << node_id << ": " << raw.body;
    ASSERT_EQ(encoded.status, 200) << node_id << ": " << encoded.body;
    EXPECT_EQ(raw.Json(), encoded.Json()) << node_id;
  }
}

TEST(Lineage, IdenticalAfterRestart) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  PostAirflowEvents(server);
  const std::vector<std::string> node_ids = {kUpload, kBqDownload,
                                             "job:airflow:gcs_hook.compose_task",
                                             "dataset:gs://mock-bucket:uploaded_file.txt"};
  std::vector<nlohmann::json> before;
  for (const std::string& node_id : node_ids) {
    const Response response = server.GetLineage(node_id);
    ASSERT_EQ(response.status, 200) << node_id << ": " << response.body;
    before.push_back(response.Json());
  }
  ExpectFullAirflowBqGraph(ParseGraph(server.GetLineage(kUpload)));

  EXPECT_EQ(server.Stop(), 0) << server.log();
  ASSERT_TRUE(server.Start());

  for (size_t i = 0; i < node_ids.size(); ++i) {
    const Response response = server.GetLineage(node_ids[i]);
    ASSERT_EQ(response.status, 200) << node_ids[i] << ": " << response.body;
    EXPECT_EQ(response.Json(), before[i]) << node_ids[i];
  }
}

}  // namespace
}  // namespace lineaged::integration
