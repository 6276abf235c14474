// The Marquez model the store keeps: versions, current IO, facets, tags,
// soft deletes, column lineage, symlinks and parent jobs.

#include <string>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"

#include "graphstore/graph_store.h"
#include "graphstore/internal/database.h"
#include "graphstore/internal/key_codec.h"
#include "graphstore/internal/records.pb.h"
#include "tests/testing/graph_events.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"

namespace lineaged::graphstore {
namespace {

using ::lineaged::testing::BareRunEvent;
using ::lineaged::testing::Name;
using ::lineaged::testing::RunId;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

DatasetMention Dataset(std::string name, std::vector<std::string> fields = {}) {
  DatasetMention mention;
  mention.name = Name("db", std::move(name));
  if (!fields.empty()) {
    mention.schema.emplace();
    for (std::string& field : fields) {
      mention.schema->push_back(SchemaField{std::move(field), "STRING", std::nullopt});
    }
    mention.facets.push_back(Facet{"schema", R"({"fields":"..."})", false});
  }
  return mention;
}

Event RunEvent(uint8_t run, RunEventType type, int64_t time, std::string job,
               std::vector<DatasetMention> inputs, std::vector<DatasetMention> outputs) {
  Event e =
      BareRunEvent(run, type, time, Name("ns", std::move(job)),
                   "{\"run\":" + std::to_string(run) + ",\"t\":" + std::to_string(time) + "}");
  e.inputs = std::move(inputs);
  e.outputs = std::move(outputs);
  return e;
}

class ModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(lineaged::testing::OpenTestStore(dir_, &store_));
  }

  void Write(Event e) {
    auto outcome = store_->WriteAndWait(std::move(e));
    ASSERT_TRUE(outcome.ok()) << outcome.status();
  }

  // A START and COMPLETE pair of one run.
  void Finish(uint8_t run, int64_t time, std::string job, std::vector<DatasetMention> inputs,
              std::vector<DatasetMention> outputs) {
    Write(RunEvent(run, RunEventType::kStart, time, job, inputs, outputs));
    Write(RunEvent(run, RunEventType::kComplete, time + 1, job, inputs, outputs));
  }

  std::vector<std::string> LineageNames(NodeKind kind, QualifiedName name) {
    auto graph = store_->GetLineage(NodeRef{kind, std::move(name)}, 20);
    EXPECT_TRUE(graph.ok()) << graph.status();
    std::vector<std::string> out;
    if (!graph.ok()) return out;
    for (const auto& d : graph->datasets) out.push_back("dataset:" + d.data.name.name);
    for (const auto& j : graph->jobs) out.push_back("job:" + j.data.name.name);
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<GraphStore> store_;
};

TEST_F(ModelTest, EveryRunWritingADatasetMakesOneVersion) {
  Finish(1, 100, "writer", {}, {Dataset("out", {"a"})});
  Finish(2, 200, "writer", {}, {Dataset("out", {"a"})});
  Finish(3, 300, "writer", {}, {Dataset("out", {"a"})});

  auto versions = store_->ListDatasetVersions(Name("db", "out"), 100, 0);
  ASSERT_TRUE(versions.ok()) << versions.status();
  EXPECT_EQ(versions->total_count, 3u);
  ASSERT_THAT(versions->items, SizeIs(3));
  // Newest first, and the newest is current and made by the last run.
  const DatasetVersionInfo& newest = versions->items[0];
  ASSERT_TRUE(newest.created_by_run.has_value());
  EXPECT_EQ(newest.created_by_run->id, RunId(3));
  auto dataset = store_->GetDataset(Name("db", "out"));
  ASSERT_TRUE(dataset.ok());
  EXPECT_EQ(dataset->current_version, newest.id.version);
  // One id everywhere: the run lists the same version.
  auto run = store_->GetRun(RunId(3));
  ASSERT_TRUE(run.ok());
  ASSERT_THAT(run->output_versions, SizeIs(1));
  EXPECT_EQ(run->output_versions[0].id.version, newest.id.version);
  auto by_id = store_->GetDatasetVersion(Name("db", "out"), newest.id.version);
  ASSERT_TRUE(by_id.ok()) << by_id.status();
  EXPECT_EQ(by_id->created_by_run->id, RunId(3));
  // Pages.
  auto second = store_->ListDatasetVersions(Name("db", "out"), 1, 1);
  ASSERT_TRUE(second.ok());
  ASSERT_THAT(second->items, SizeIs(1));
  EXPECT_EQ(second->items[0].created_by_run->id, RunId(2));
}

TEST_F(ModelTest, CurrentVersionMovesOnlyOnComplete) {
  Finish(1, 100, "writer", {}, {Dataset("out")});
  auto before = store_->GetDataset(Name("db", "out"));
  ASSERT_TRUE(before.ok());
  Write(RunEvent(2, RunEventType::kStart, 200, "writer", {}, {Dataset("out")}));
  auto during = store_->GetDataset(Name("db", "out"));
  ASSERT_TRUE(during.ok());
  EXPECT_EQ(during->current_version, before->current_version);
  Write(RunEvent(2, RunEventType::kComplete, 300, "writer", {}, {Dataset("out")}));
  auto after = store_->GetDataset(Name("db", "out"));
  ASSERT_TRUE(after.ok());
  EXPECT_NE(after->current_version, before->current_version);
}

TEST_F(ModelTest, JobVersionsFollowTheIoNotTheRun) {
  Finish(1, 100, "j", {Dataset("a")}, {Dataset("out")});
  Finish(2, 200, "j", {Dataset("a")}, {Dataset("out")});  // same IO: same version
  auto versions = store_->ListJobVersions(Name("ns", "j"), 100, 0);
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(versions->total_count, 1u);
  Finish(3, 300, "j", {Dataset("b")}, {Dataset("out")});  // inputs change: a new one
  versions = store_->ListJobVersions(Name("ns", "j"), 100, 0);
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(versions->total_count, 2u);
  ASSERT_THAT(versions->items, SizeIs(2));
  EXPECT_THAT(versions->items[0].inputs, ElementsAre(Name("db", "b")));
  auto job = store_->GetJob(Name("ns", "j"));
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->current_version, versions->items[0].id.version);
  auto run = store_->GetRun(RunId(3));
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(run->job_version.has_value());
  EXPECT_EQ(run->job_version->version, versions->items[0].id.version);
  // A START creates no version.
  Write(RunEvent(4, RunEventType::kStart, 400, "j", {Dataset("c")}, {}));
  versions = store_->ListJobVersions(Name("ns", "j"), 100, 0);
  EXPECT_EQ(versions->total_count, 2u);
}

TEST_F(ModelTest, LineageUsesTheNewestFinishedRunsIo) {
  Finish(1, 100, "j", {Dataset("old_input")}, {Dataset("out")});
  Finish(2, 200, "j", {Dataset("new_input")}, {Dataset("out")});
  EXPECT_THAT(LineageNames(NodeKind::kJob, Name("ns", "j")),
              ElementsAre("dataset:new_input", "dataset:out", "job:j"));
  // A dataset-less START of a new run does not clear it; a late event of
  // the older run does not bring its IO back.
  Write(RunEvent(3, RunEventType::kStart, 300, "j", {}, {}));
  Write(RunEvent(1, RunEventType::kComplete, 150, "j", {Dataset("old_input")}, {Dataset("out")}));
  EXPECT_THAT(LineageNames(NodeKind::kJob, Name("ns", "j")),
              ElementsAre("dataset:new_input", "dataset:out", "job:j"));
  // The old input is now an orphan.
  EXPECT_THAT(LineageNames(NodeKind::kDataset, Name("db", "old_input")),
              ElementsAre("dataset:old_input"));
  auto job = store_->GetJob(Name("ns", "j"));
  ASSERT_TRUE(job.ok());
  EXPECT_THAT(job->inputs, ElementsAre(Name("db", "new_input")));
}

TEST_F(ModelTest, ARunningFirstRunShowsItsIo) {
  Write(RunEvent(1, RunEventType::kStart, 100, "j", {Dataset("in")}, {}));
  Write(RunEvent(1, RunEventType::kRunning, 110, "j", {}, {Dataset("out")}));
  EXPECT_THAT(LineageNames(NodeKind::kJob, Name("ns", "j")),
              ElementsAre("dataset:in", "dataset:out", "job:j"));
}

TEST_F(ModelTest, FacetsAndDescriptionFollowTheNewestEventTime) {
  DatasetMention newer = Dataset("d");
  newer.description = "newer";
  newer.facets.push_back(Facet{"documentation", R"({"description":"newer"})", false});
  DatasetMention older = Dataset("d");
  older.description = "older";
  older.facets.push_back(Facet{"documentation", R"({"description":"older"})", false});
  older.facets.push_back(Facet{"custom", R"({"x":1})", false});
  Finish(2, 200, "j", {}, {newer});
  Finish(1, 100, "j", {}, {older});  // arrives late
  auto dataset = store_->GetDataset(Name("db", "d"));
  ASSERT_TRUE(dataset.ok());
  EXPECT_EQ(dataset->description, "newer");
  ASSERT_THAT(dataset->facets, SizeIs(2));
  EXPECT_EQ(dataset->facets[0].name, "custom");
  EXPECT_EQ(dataset->facets[1].json, R"({"description":"newer"})");
  // An event without the facet does not erase it; a _deleted facet does.
  Finish(3, 300, "j", {}, {Dataset("d")});
  EXPECT_EQ(store_->GetDataset(Name("db", "d"))->description, "newer");
  DatasetMention deleting = Dataset("d");
  deleting.facets.push_back(Facet{"documentation", "", true});
  Finish(4, 400, "j", {}, {deleting});
  dataset = store_->GetDataset(Name("db", "d"));
  EXPECT_FALSE(dataset->description.has_value());
  EXPECT_THAT(dataset->facets, SizeIs(1));
}

TEST_F(ModelTest, SoftDeleteHidesUntilTheNextEvent) {
  Finish(1, 100, "j", {Dataset("in")}, {Dataset("out")});
  ASSERT_TRUE(store_->HideDataset(Name("db", "out")).ok());
  EXPECT_TRUE(absl::IsNotFound(store_->GetDataset(Name("db", "out")).status()));
  auto page = store_->ListDatasets("db", 100, 0);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total_count, 1u);
  EXPECT_THAT(LineageNames(NodeKind::kJob, Name("ns", "j")), ElementsAre("dataset:in", "job:j"));
  ASSERT_TRUE(store_->HideJob(Name("ns", "j")).ok());
  auto jobs = store_->ListJobs(std::nullopt, {}, 100, 0);
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(jobs->total_count, 0u);
  EXPECT_THAT(jobs->items, IsEmpty());
  Finish(2, 200, "j", {Dataset("in")}, {Dataset("out")});
  EXPECT_TRUE(store_->GetDataset(Name("db", "out")).ok());
  EXPECT_EQ(store_->ListJobs(std::nullopt, {}, 100, 0)->total_count, 1u);
  EXPECT_EQ(store_->ListDatasets("db", 100, 0)->total_count, 2u);
}

TEST_F(ModelTest, TagsOnDatasetsFieldsAndJobs) {
  Finish(1, 100, "j", {}, {Dataset("out", {"email"})});
  auto tagged = store_->TagDataset(Name("db", "out"), "PII", true);
  ASSERT_TRUE(tagged.ok()) << tagged.status();
  EXPECT_THAT(tagged->tags, ElementsAre("PII"));
  auto field = store_->TagDatasetField(Name("db", "out"), "email", "SENSITIVE", true);
  ASSERT_TRUE(field.ok()) << field.status();
  EXPECT_THAT(field->fields[0].tags, ElementsAre("SENSITIVE"));
  auto missing = store_->TagDatasetField(Name("db", "out"), "nope", "X", true);
  EXPECT_EQ(missing.status().message(), "Field 'nope' not found for dataset 'out'.");
  EXPECT_TRUE(absl::IsNotFound(store_->TagJob(Name("ns", "ghost"), "X", true).status()));
  auto job = store_->TagJob(Name("ns", "j"), "team-a", true);
  ASSERT_TRUE(job.ok());
  EXPECT_THAT(job->tags, ElementsAre("team-a"));
  auto tags = store_->ListTags(100, 0);
  ASSERT_TRUE(tags.ok());
  EXPECT_THAT(*tags, SizeIs(3));
  // Field tags survive a schema update that keeps the field.
  Finish(2, 200, "j", {}, {Dataset("out", {"email", "name"})});
  auto dataset = store_->GetDataset(Name("db", "out"));
  ASSERT_THAT(dataset->fields, SizeIs(2));
  EXPECT_THAT(dataset->fields[0].tags, ElementsAre("SENSITIVE"));
  ASSERT_TRUE(store_->TagDataset(Name("db", "out"), "PII", false).ok());
  EXPECT_THAT(store_->GetDataset(Name("db", "out"))->tags, IsEmpty());
}

TEST_F(ModelTest, ColumnLineageUpstreamAndDownstream) {
  DatasetMention out = Dataset("out", {"full_name"});
  out.facets.push_back(Facet{"columnLineage", "{}", false});
  out.column_lineage.push_back(ColumnLineageField{
      "full_name",
      {ColumnLineageInputField{Name("db", "in"), "first", "concat", "INDIRECT", std::nullopt},
       ColumnLineageInputField{Name("db", "in"), "missing", "", "", std::nullopt},
       ColumnLineageInputField{Name("db", "not_an_input"), "x", "", "", std::nullopt}},
      "concat",
      "INDIRECT"});
  Finish(1, 100, "j", {Dataset("in", {"first", "last"})}, {out});

  auto up = store_->GetColumnLineage(NodeRef{NodeKind::kDataset, Name("db", "out")}, std::nullopt,
                                     20, false);
  ASSERT_TRUE(up.ok()) << up.status();
  ASSERT_THAT(*up, SizeIs(2));  // in.first and out.full_name
  EXPECT_EQ((*up)[0].id.field, "first");
  EXPECT_THAT((*up)[0].downstream, ElementsAre(DatasetField{Name("db", "out"), "full_name"}));
  EXPECT_EQ((*up)[1].id.field, "full_name");
  ASSERT_THAT((*up)[1].input_fields, SizeIs(1));  // only an input of the run with the field
  EXPECT_EQ((*up)[1].transformation_description, "concat");

  auto down =
      store_->GetColumnLineage(NodeRef{NodeKind::kDataset, Name("db", "in")}, "first", 20, true);
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_THAT(*down, SizeIs(2));
  auto none =
      store_->GetColumnLineage(NodeRef{NodeKind::kDataset, Name("db", "in")}, "nope", 20, false);
  EXPECT_TRUE(absl::IsNotFound(none.status()));
}

// An output whose `field` is computed from `input`'s `from`.
DatasetMention DerivedDataset(std::string name, std::string field, std::string input,
                              std::string from) {
  DatasetMention out = Dataset(std::move(name), {field});
  out.facets.push_back(Facet{"columnLineage", "{\"from\":\"" + from + "\"}", false});
  out.column_lineage.push_back(
      ColumnLineageField{std::move(field),
                         {ColumnLineageInputField{Name("db", std::move(input)), std::move(from), "",
                                                  "", std::nullopt}},
                         "",
                         ""});
  return out;
}

TEST_F(ModelTest, ColumnLineageAsOfAVersion) {
  // Run 1 computes out.full_name from in.first; a report job then reads it;
  // run 2 changes the computation to in.last.
  Finish(1, 100, "j", {Dataset("in", {"first", "last"})},
         {DerivedDataset("out", "full_name", "in", "first")});
  const Uuid out_v1 = *store_->GetDataset(Name("db", "out"))->current_version;
  const Uuid in_v1 = *store_->GetDataset(Name("db", "in"))->current_version;
  Finish(3, 150, "r", {Dataset("out", {"full_name"})},
         {DerivedDataset("report", "total", "out", "full_name")});
  const Uuid report_v1 = *store_->GetDataset(Name("db", "report"))->current_version;
  const Uuid job_v1 = *store_->GetJob(Name("ns", "j"))->current_version;
  Finish(2, 200, "j", {Dataset("in", {"first", "last"})},
         {DerivedDataset("out", "full_name", "in", "last")});
  const Uuid out_v2 = *store_->GetDataset(Name("db", "out"))->current_version;
  ASSERT_NE(out_v1, out_v2);

  // The fields each answer reaches, as "dataset.field <- inputs".
  auto walk = [&](NodeKind kind, std::string name, std::optional<std::string> field,
                  std::optional<Uuid> version) {
    auto nodes = store_->GetColumnLineage(
        NodeRef{kind, Name(kind == NodeKind::kJob ? "ns" : "db", std::move(name))},
        std::move(field), 20, false, version);
    EXPECT_TRUE(nodes.ok()) << nodes.status();
    std::vector<std::string> out;
    if (!nodes.ok()) return out;
    for (const ColumnLineageNode& node : *nodes) {
      std::string line = node.id.dataset.name + "." + node.id.field + " <-";
      for (const ColumnLineageInputField& in : node.input_fields) {
        line += " " + in.dataset.name + "." + in.field;
      }
      out.push_back(line);
    }
    return out;
  };
  // Now: run 2's computation, through the report's input.
  EXPECT_THAT(
      walk(NodeKind::kDataset, "report", std::nullopt, std::nullopt),
      ElementsAre("in.last <-", "out.full_name <- in.last", "report.total <- out.full_name"));
  // As of the report's version, out was still run 1's.
  EXPECT_THAT(
      walk(NodeKind::kDataset, "report", std::nullopt, report_v1),
      ElementsAre("in.first <-", "out.full_name <- in.first", "report.total <- out.full_name"));
  EXPECT_THAT(walk(NodeKind::kDataset, "out", "full_name", out_v1),
              ElementsAre("in.first <-", "out.full_name <- in.first"));
  EXPECT_THAT(walk(NodeKind::kDataset, "out", std::nullopt, out_v2),
              ElementsAre("in.last <-", "out.full_name <- in.last"));
  // Run 4 repeats run 2's lineage: its version reads it from run 2's.
  Finish(4, 300, "j", {Dataset("in", {"first", "last"})},
         {DerivedDataset("out", "full_name", "in", "last")});
  const Uuid out_v3 = *store_->GetDataset(Name("db", "out"))->current_version;
  ASSERT_NE(out_v3, out_v2);
  EXPECT_THAT(walk(NodeKind::kDataset, "out", std::nullopt, out_v3),
              ElementsAre("in.last <-", "out.full_name <- in.last"));
  EXPECT_THAT(walk(NodeKind::kDataset, "out", std::nullopt, out_v1),
              ElementsAre("in.first <-", "out.full_name <- in.first"));
  // A job version starts from its outputs as of its creation (run 1's).
  EXPECT_THAT(walk(NodeKind::kJob, "j", std::nullopt, job_v1),
              ElementsAre("in.first <-", "out.full_name <- in.first"));

  // Versions in the answer: each dataset's as of then, inputs' included.
  auto as_of_v1 = store_->GetColumnLineage(NodeRef{NodeKind::kDataset, Name("db", "out")},
                                           "full_name", 20, false, out_v1);
  ASSERT_TRUE(as_of_v1.ok()) << as_of_v1.status();
  ASSERT_THAT(*as_of_v1, SizeIs(2));
  EXPECT_EQ((*as_of_v1)[1].dataset_version, out_v1);
  ASSERT_THAT((*as_of_v1)[1].input_fields, SizeIs(1));
  EXPECT_EQ((*as_of_v1)[1].input_fields[0].dataset_version, in_v1);
  EXPECT_EQ((*as_of_v1)[0].dataset_version, in_v1);

  // Another node's version is not found; a version and downstream together
  // are refused.
  EXPECT_TRUE(absl::IsNotFound(store_
                                   ->GetColumnLineage(NodeRef{NodeKind::kDataset, Name("db", "in")},
                                                      std::nullopt, 20, false, out_v1)
                                   .status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(store_
                                  ->GetColumnLineage(NodeRef{NodeKind::kDataset, Name("db", "out")},
                                                     std::nullopt, 20, true, out_v1)
                                  .status()));
}

TEST_F(ModelTest, SymlinksResolveToTheirDataset) {
  DatasetMention table = Dataset("warehouse.orders");
  table.facets.push_back(Facet{"symlinks", "{}", false});
  table.symlinks.push_back(DatasetSymlink{Name("hive", "orders"), "TABLE"});
  Finish(1, 100, "j", {}, {table});
  auto alias = store_->GetDataset(Name("hive", "orders"));
  ASSERT_TRUE(alias.ok()) << alias.status();
  EXPECT_EQ(alias->name, Name("db", "warehouse.orders"));
}

TEST_F(ModelTest, ParentFacetLinksChildToAParentJob) {
  Event child = RunEvent(2, RunEventType::kStart, 100, "dag.task", {}, {});
  child.run_mention.parent = ParentRunRef{RunId(1), Name("ns", "dag")};
  Write(child);
  auto job = store_->GetJob(Name("ns", "dag.task"));
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->parent_job_name, "dag");
  EXPECT_EQ(job->simple_name, "task");
  EXPECT_TRUE(job->parent_job_uuid.has_value());
  EXPECT_TRUE(store_->GetJob(Name("ns", "dag")).ok());  // created on the fly
  auto run = store_->GetRun(RunId(2));
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->parent_run_id, RunId(1));
}

TEST_F(ModelTest, RunsListNewestStartFirstAndFilterByLastState) {
  Finish(1, 100, "j", {}, {});
  Write(RunEvent(2, RunEventType::kStart, 300, "j", {}, {}));
  Finish(3, 200, "j", {}, {});
  auto runs = store_->ListRuns(Name("ns", "j"), 100, 0);
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->total_count, 3u);
  ASSERT_THAT(runs->items, SizeIs(3));
  EXPECT_EQ(runs->items[0].id, RunId(2));
  EXPECT_EQ(runs->items[1].id, RunId(3));
  EXPECT_EQ(runs->items[2].id, RunId(1));
  Finish(4, 100, "other", {}, {});
  auto running = store_->ListJobs(std::nullopt, {RunState::kRunning}, 100, 0);
  ASSERT_TRUE(running.ok());
  EXPECT_EQ(running->total_count, 1u);
  EXPECT_EQ(running->items[0].name.name, "j");
  EXPECT_THAT(running->items[0].latest_runs, SizeIs(3));
}

TEST_F(ModelTest, NamespacesEventsAndSearch) {
  Finish(1, 100, "load_orders", {Dataset("raw_orders")}, {Dataset("orders")});
  auto ns = store_->GetNamespace("db");
  ASSERT_TRUE(ns.ok());
  EXPECT_EQ(ns->owner_name, "anonymous");
  ASSERT_TRUE(store_->PutNamespace("db", "data-team", "tables").ok());
  EXPECT_EQ(store_->GetNamespace("db")->owner_name, "data-team");
  EXPECT_EQ(store_->GetNamespace("nope").status().message(), "Namespace 'nope' not found.");

  SearchQuery query;
  query.text = "ORDERS";
  auto hits = store_->Search(query);
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ(hits->total_count, 3u);
  query.limit = 1;
  query.offset = 2;
  query.filter = SearchFilter::kAll;
  hits = store_->Search(query);
  EXPECT_EQ(hits->total_count, 3u);
  ASSERT_THAT(hits->items, SizeIs(1));
  EXPECT_EQ(hits->items[0].name.name, "raw_orders");

  auto events = store_->ListRunEvents(0, 1000, /*ascending=*/false, 1, 0);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->total_count, 2u);
  ASSERT_THAT(events->items, SizeIs(1));
  EXPECT_EQ(events->items[0].raw_json, "{\"run\":1,\"t\":101}");
  auto counts = store_->CountRunEvents({0, 101, 1000});
  ASSERT_TRUE(counts.ok());
  ASSERT_THAT(*counts, SizeIs(2));
  EXPECT_EQ((*counts)[0].start, 1u);
  EXPECT_EQ((*counts)[1].complete, 1u);
}

TEST_F(ModelTest, SearchReadsMatchesInBatches) {
  // More matches than Search reads in one MultiGet, with hidden ones among them.
  std::vector<DatasetMention> outputs;
  for (int i = 0; i < 600; ++i) {
    const std::string n = std::to_string(i);
    outputs.push_back(Dataset("t" + std::string(3 - n.size(), '0') + n));
  }
  Finish(1, 100, "load", {}, outputs);
  Finish(2, 200, "copy", {}, {Dataset("t450")});
  for (const char* name : {"t000", "t300", "t599"}) {
    ASSERT_TRUE(store_->HideDataset(Name("db", name)).ok());
  }
  SearchQuery query;
  query.text = "t";
  query.filter = SearchFilter::kDataset;
  query.limit = 1000;
  auto page = store_->Search(query);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->total_count, 597u);
  ASSERT_THAT(page->items, SizeIs(597));
  EXPECT_EQ(page->items.front().name.name, "t001");
  EXPECT_EQ(page->items[298].name.name, "t299");
  EXPECT_EQ(page->items[299].name.name, "t301");
  EXPECT_EQ(page->items.back().name.name, "t598");
  query.sort = SearchSort::kUpdatedAt;
  query.limit = 1;
  page = store_->Search(query);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->total_count, 597u);
  ASSERT_THAT(page->items, SizeIs(1));
  EXPECT_EQ(page->items[0].name.name, "t450") << "the newest";
}

TEST_F(ModelTest, SearchSeesNewNamesHiddenNodesAndNamesFromBeforeAReopen) {
  auto search = [&](std::string text, SearchSort sort = SearchSort::kName) {
    SearchQuery query;
    query.text = std::move(text);
    query.sort = sort;
    query.limit = 100;
    auto page = store_->Search(query);
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> names;
    if (!page.ok()) return names;
    EXPECT_EQ(page->total_count, page->items.size());
    for (const SearchHit& hit : page->items) names.push_back(hit.name.name);
    return names;
  };
  Finish(1, 100, "load_orders", {Dataset("raw_orders")}, {Dataset("orders")});
  EXPECT_THAT(search("ORDERS"), ElementsAre("load_orders", "orders", "raw_orders"));
  Finish(2, 200, "copy", {Dataset("orders")}, {Dataset("orders_copy")});
  EXPECT_THAT(search("orders"), ElementsAre("load_orders", "orders", "orders_copy", "raw_orders"))
      << "a name is found once its write is acknowledged";
  // Newest first; equal times by kind (datasets first), namespace, name.
  SearchQuery by_time;
  by_time.text = "orders";
  by_time.sort = SearchSort::kUpdatedAt;
  auto page = store_->Search(by_time);
  ASSERT_TRUE(page.ok());
  ASSERT_THAT(page->items, SizeIs(4));
  for (size_t i = 1; i < page->items.size(); ++i) {
    const SearchHit& a = page->items[i - 1];
    const SearchHit& b = page->items[i];
    EXPECT_TRUE(a.updated_at_micros > b.updated_at_micros ||
                (a.updated_at_micros == b.updated_at_micros &&
                 std::tie(a.kind, a.name.namespace_name, a.name.name) <
                     std::tie(b.kind, b.name.namespace_name, b.name.name)))
        << a.name.name << " before " << b.name.name;
  }
  ASSERT_TRUE(store_->HideDataset(Name("db", "raw_orders")).ok());
  EXPECT_THAT(search("raw"), IsEmpty()) << "hidden";

  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  SetUp();
  EXPECT_THAT(search("orders"), ElementsAre("load_orders", "orders", "orders_copy"))
      << "built at open from the stored names";
  EXPECT_THAT(search("py"), ElementsAre("copy", "orders_copy"));
  EXPECT_EQ(store_->GetStats().search_index_names, 5u);
  EXPECT_GT(store_->GetStats().search_index_bytes, 0u);
  Finish(3, 300, "load_orders", {Dataset("raw_orders")}, {Dataset("more_orders")});
  EXPECT_THAT(search("orders"),
              ElementsAre("load_orders", "more_orders", "orders", "orders_copy", "raw_orders"));
}

TEST_F(ModelTest, ModelSurvivesReopen) {
  Finish(1, 100, "j", {Dataset("in", {"a"})}, {Dataset("out", {"b"})});
  ASSERT_TRUE(store_->TagDataset(Name("db", "out"), "PII", true).ok());
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  SetUp();
  auto dataset = store_->GetDataset(Name("db", "out"));
  ASSERT_TRUE(dataset.ok());
  EXPECT_THAT(dataset->tags, ElementsAre("PII"));
  EXPECT_TRUE(dataset->current_version.has_value());
  EXPECT_THAT(LineageNames(NodeKind::kJob, Name("ns", "j")),
              ElementsAre("dataset:in", "dataset:out", "job:j"));
}

// Rewrites the store at `data_dir` the way format 3 kept lineage edges: two
// empty keys per edge (E from to, e to from) instead of AdjacencyRecords.
void DowngradeEdgesToFormat3(const std::string& data_dir) {
  Options options;
  options.data_dir = data_dir;
  auto db = internal::Database::Open(options);
  ASSERT_TRUE(db.ok()) << db.status();
  rocksdb::DB* raw = (*db)->db();
  rocksdb::ColumnFamilyHandle* graph = (*db)->graph();
  auto edge = [](char prefix, uint64_t first, uint64_t second) {
    std::string key(1, prefix);
    internal::AppendBigEndian64(&key, first);
    internal::AppendBigEndian64(&key, second);
    return key;
  };
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(rocksdb::ReadOptions(), graph));
  size_t records = 0;
  for (it->Seek("a"); it->Valid() && it->key().starts_with("a"); it->Next()) {
    const uint64_t dataset = internal::DecodeBigEndian64(it->key().ToStringView().substr(1));
    internal::AdjacencyRecord adjacency;
    ASSERT_TRUE(adjacency.ParseFromString(it->value().ToString()));
    for (uint64_t job : adjacency.producers()) {  // job -> dataset
      batch.Put(graph, edge('E', job, dataset), "");
      batch.Put(graph, edge('e', dataset, job), "");
    }
    for (uint64_t job : adjacency.consumers()) {  // dataset -> job
      batch.Put(graph, edge('E', dataset, job), "");
      batch.Put(graph, edge('e', job, dataset), "");
    }
    batch.Delete(graph, it->key());
    ++records;
  }
  ASSERT_EQ(records, 4u);
  // A record an interrupted migration could have left, for a dataset whose
  // edges a format-3 build then removed: the migration must not keep it.
  internal::AdjacencyRecord stale;
  stale.add_consumers(1);
  batch.Put(graph, internal::AdjacencyKey(999), stale.SerializeAsString());
  std::string version;
  internal::AppendBigEndian64(&version, 3);
  batch.Put(graph, internal::MetaKey(internal::kMetaFormatVersion), version);
  ASSERT_TRUE(raw->Write(rocksdb::WriteOptions(), &batch).ok());
  it.reset();
  ASSERT_TRUE((*db)->Close().ok());
}

TEST_F(ModelTest, AFormat3StoreIsMigratedAtOpenWithItsLineageIntact) {
  Finish(1, 100, "extract", {Dataset("source")}, {Dataset("staged")});
  Finish(2, 200, "report", {Dataset("staged")}, {Dataset("report")});
  Finish(3, 300, "audit", {Dataset("staged")}, {Dataset("audit")});
  // Each dataset with its producers and consumers: edge directions matter.
  auto edges = [&] {
    std::vector<std::string> out;
    auto graph = store_->GetLineage(NodeRef{NodeKind::kDataset, Name("db", "staged")}, 20);
    EXPECT_TRUE(graph.ok()) << graph.status();
    if (!graph.ok()) return out;
    for (const auto& d : graph->datasets) {
      std::string line = d.data.name.name + " <-";
      for (const auto& job : d.producers) line += " " + job.name;
      line += " ->";
      for (const auto& job : d.consumers) line += " " + job.name;
      out.push_back(line);
    }
    return out;
  };
  const std::vector<std::string> before = edges();
  ASSERT_THAT(before, ElementsAre("audit <- audit ->", "report <- report ->",
                                  "source <- -> extract", "staged <- extract -> audit report"));
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  DowngradeEdgesToFormat3(dir_.path() + "/data");

  SetUp();  // migrates
  EXPECT_EQ(edges(), before);
  EXPECT_THAT(LineageNames(NodeKind::kDataset, Name("db", "audit")), SizeIs(7));
  // Edges keep changing with the jobs' IO after the migration.
  Finish(4, 400, "audit", {Dataset("report")}, {Dataset("audit")});
  EXPECT_THAT(LineageNames(NodeKind::kJob, Name("ns", "extract")),
              ElementsAre("dataset:audit", "dataset:report", "dataset:source", "dataset:staged",
                          "job:audit", "job:extract", "job:report"));
  EXPECT_THAT(LineageNames(NodeKind::kDataset, Name("db", "source")), SizeIs(7));
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();

  // No format-3 edge key is left, and the store says format 4.
  Options options;
  options.data_dir = dir_.path() + "/data";
  auto db = internal::Database::Open(options);
  ASSERT_TRUE(db.ok()) << db.status();
  std::unique_ptr<rocksdb::Iterator> it(
      (*db)->db()->NewIterator(rocksdb::ReadOptions(), (*db)->graph()));
  for (const char* prefix : {"E", "e"}) {
    it->Seek(prefix);
    EXPECT_FALSE(it->Valid() && it->key().starts_with(prefix)) << prefix;
  }
  size_t adjacency_records = 0;
  for (it->Seek("a"); it->Valid() && it->key().starts_with("a"); it->Next()) {
    EXPECT_NE(it->key().ToString(), internal::AdjacencyKey(999));
    ++adjacency_records;
  }
  EXPECT_EQ(adjacency_records, 4u);  // source, staged, report, audit
  auto version = (*db)->Get((*db)->graph(), internal::MetaKey(internal::kMetaFormatVersion));
  ASSERT_TRUE(version.ok() && version->has_value());
  EXPECT_EQ(internal::DecodeBigEndian64(**version), 4u);
  it.reset();
  EXPECT_TRUE((*db)->Close().ok());
}

TEST_F(ModelTest, RetentionPurgesOldEventsAndRunsButKeepsCurrentState) {
  Finish(1, 100, "j", {Dataset("in")}, {Dataset("out")});        // old run
  Finish(2, 200, "j", {Dataset("in")}, {Dataset("out")});        // old, but j's latest
  Finish(3, 150, "k", {Dataset("out")}, {Dataset("final")});     // old, k's latest
  Finish(4, 120, "k", {Dataset("out")}, {Dataset("final")});     // old run of k
  Write(RunEvent(5, RunEventType::kStart, 1000, "k2", {}, {}));  // recent

  auto result = store_->ApplyRetention(/*cutoff_micros=*/500);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->events, 8u);  // every event before the cutoff
  EXPECT_EQ(result->runs, 2u);    // runs 1 and 4
  EXPECT_TRUE(absl::IsNotFound(store_->GetRun(RunId(1)).status()));
  EXPECT_TRUE(absl::IsNotFound(store_->GetRun(RunId(4)).status()));
  EXPECT_TRUE(store_->GetRun(RunId(2)).ok());
  EXPECT_TRUE(store_->GetRun(RunId(3)).ok());
  EXPECT_EQ(store_->ListRuns(Name("ns", "j"), 100, 0)->total_count, 1u);
  EXPECT_EQ(store_->GetStats().runs, 3u);
  EXPECT_EQ(store_->GetStats().retention_purged_events, 8u);
  // The graph, versions and lineage are current state: untouched.
  EXPECT_THAT(LineageNames(NodeKind::kJob, Name("ns", "j")),
              ElementsAre("dataset:final", "dataset:in", "dataset:out", "job:j", "job:k"));
  EXPECT_EQ(store_->ListDatasetVersions(Name("db", "out"), 100, 0)->total_count, 2u);
  auto events = store_->ReadEvents(0, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_THAT(*events, SizeIs(1));
  auto listed = store_->ListRunEvents(0, 2000, true, 100, 0);
  EXPECT_EQ(listed->total_count, 1u);
  // A second pass has nothing left to do.
  result = store_->ApplyRetention(500);
  EXPECT_EQ(result->events, 0u);
  EXPECT_EQ(result->runs, 0u);
}

}  // namespace
}  // namespace lineaged::graphstore
