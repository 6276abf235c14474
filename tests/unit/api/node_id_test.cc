#include "api/node_id.h"

#include "gtest/gtest.h"

namespace lineaged::api {
namespace {

TEST(NodeId, ParsesPlainIds) {
  auto id = ParseNodeId("dataset:bigquery:mock-project.test.upload");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->type, NodeId::Type::kDataset);
  EXPECT_EQ(id->namespace_name, "bigquery");
  EXPECT_EQ(id->name, "mock-project.test.upload");

  auto job = ParseNodeId("job:airflow:BQ.copy");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->type, NodeId::Type::kJob);
  EXPECT_EQ(job->ToString(), "job:airflow:BQ.copy");
}

TEST(NodeId, KeepsUrlNamespacesWhole) {
  auto id = ParseNodeId("dataset:postgres://localhost:5432:db.public.t");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->namespace_name, "postgres://localhost:5432");
  EXPECT_EQ(id->name, "db.public.t");

  auto gcs = ParseNodeId("dataset:gs://mock-bucket:copied.csv");
  ASSERT_TRUE(gcs.ok());
  EXPECT_EQ(gcs->namespace_name, "gs://mock-bucket");
  EXPECT_EQ(gcs->name, "copied.csv");
}

// Found by node_id_fuzzer (ids must print back as given): a colon followed by
// "//" right after the type was not a separator, so the type swallowed the
// namespace and every later part shifted.
TEST(NodeId, TypeEndsAtTheFirstColonEvenBeforeSlashes) {
  auto field = ParseNodeId("datasetField://bucket:path/file:s3:/x:col");
  ASSERT_TRUE(field.ok()) << field.status();
  EXPECT_EQ(field->namespace_name, "//bucket");
  EXPECT_EQ(field->name, "path/file");
  EXPECT_EQ(field->field, "s3:/x:col");
  EXPECT_EQ(field->ToString(), "datasetField://bucket:path/file:s3:/x:col");

  auto dataset = ParseNodeId("dataset://host:db.t");
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  EXPECT_EQ(dataset->namespace_name, "//host");
  EXPECT_EQ(dataset->name, "db.t");
}

TEST(NodeId, LastPartKeepsTheRest) {
  auto id = ParseNodeId("job:ns:dag:task");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->namespace_name, "ns");
  EXPECT_EQ(id->name, "dag:task");
}

TEST(NodeId, FieldsRunsAndVersions) {
  auto field = ParseNodeId("datasetField:s3://bucket:path/file:col");
  ASSERT_TRUE(field.ok());
  EXPECT_EQ(field->namespace_name, "s3://bucket");
  EXPECT_EQ(field->name, "path/file");
  EXPECT_EQ(field->field, "col");

  auto run = ParseNodeId("run:43d7db3b-8984-4cda-b237-8c6919b36670");
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->type, NodeId::Type::kRun);
  EXPECT_EQ(run->name, "43d7db3b-8984-4cda-b237-8c6919b36670");

  auto versioned = ParseNodeId("dataset:ns:name#43d7db3b-8984-4cda-b237-8c6919b36670");
  ASSERT_TRUE(versioned.ok());
  EXPECT_EQ(versioned->name, "name");
  EXPECT_EQ(versioned->version, "43d7db3b-8984-4cda-b237-8c6919b36670");
}

TEST(NodeId, RejectsMalformedIds) {
  for (const char* bad : {"", "dataset", "dataset:", "dataset:ns", "dataset:ns:", "table:ns:t",
                          "job::name", "run:"}) {
    auto id = ParseNodeId(bad);
    EXPECT_TRUE(absl::IsInvalidArgument(id.status())) << bad;
  }
}

TEST(NodeId, DatasetFieldIdRoundTrips) {
  std::string text = DatasetFieldNodeId("postgres://h:5432", "db.public.t", "col");
  EXPECT_EQ(text, "datasetField:postgres://h:5432:db.public.t:col");
  auto id = ParseNodeId(text);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->type, NodeId::Type::kDatasetField);
  EXPECT_EQ(id->namespace_name, "postgres://h:5432");
  EXPECT_EQ(id->name, "db.public.t");
  EXPECT_EQ(id->field, "col");
  EXPECT_EQ(id->ToString(), text);
}

}  // namespace
}  // namespace lineaged::api
