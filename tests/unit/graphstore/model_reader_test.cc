// ModelReader's batched reads (Prefetch…: one MultiGet per kind of record)
// answer exactly what its one-record-at-a-time reads answer, and the pages
// built on them skip hidden nodes and missing runs as before.

#include "graphstore/internal/model_reader.h"

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"

#include "graphstore/graph_store.h"
#include "graphstore/internal/database.h"
#include "graphstore/internal/key_codec.h"
#include "tests/testing/graph_events.h"
#include "tests/testing/temp_dir.h"

namespace lineaged::graphstore {
namespace {

using internal::Database;
using internal::ModelReader;
using internal::NodeRecord;
using ::lineaged::testing::BareRunEvent;
using ::lineaged::testing::Name;
using ::lineaged::testing::RunId;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::SizeIs;

DatasetMention Dataset(std::string name, std::string io_facet = "") {
  DatasetMention mention;
  mention.name = Name("db", std::move(name));
  mention.facets.push_back(Facet{"schema", R"({"fields":[]})", false});
  if (!io_facet.empty()) mention.io_facets.push_back(Facet{"stats", io_facet, false});
  return mention;
}

Event RunEvent(uint16_t run, RunEventType type, int64_t time, std::string job,
               std::vector<DatasetMention> inputs = {}, std::vector<DatasetMention> outputs = {}) {
  Event e =
      BareRunEvent(run, type, time, Name("ns", std::move(job)),
                   absl::StrCat(R"({"run":)", run, R"(,"type":)", static_cast<int>(type), "}"));
  e.inputs = std::move(inputs);
  e.outputs = std::move(outputs);
  e.run_mention.facets.push_back(Facet{"run", absl::StrCat(R"({"n":)", run, "}"), false});
  e.job_mention.facets.push_back(Facet{"jobType", R"({"processingType":"BATCH"})", false});
  return e;
}

std::string Describe(const std::vector<Facet>& facets) {
  std::string out = "{";
  for (const Facet& f : facets)
    absl::StrAppend(&out, f.name, "=", f.json, f.deleted ? "!" : "", ";");
  return out + "}";
}

std::string Describe(const QualifiedName& name) {
  return absl::StrCat(name.namespace_name, ":", name.name);
}

// Every member of a run, as text, so two runs compare field by field.
std::string Describe(const RunInfo& run) {
  std::string out = absl::StrCat(
      "run ", FormatUuid(run.id), " job=", Describe(run.job), " created=", run.created_at_micros,
      " updated=", run.updated_at_micros, " state=", RunStateName(run.state));
  absl::StrAppend(
      &out, " nominal=", run.nominal_start_micros.value_or(-1), "/",
      run.nominal_end_micros.value_or(-1), " started=", run.started_at_micros.value_or(-1),
      " ended=", run.ended_at_micros.value_or(-1), " duration=", run.duration_ms.value_or(-1));
  for (const auto& [key, value] : run.args) absl::StrAppend(&out, " arg ", key, "=", value);
  if (run.job_version) {
    absl::StrAppend(&out, " jobVersion=", Describe(run.job_version->job), "@",
                    FormatUuid(run.job_version->version));
  }
  for (const auto* list : {&run.input_versions, &run.output_versions}) {
    absl::StrAppend(&out, list == &run.input_versions ? " in[" : " out[");
    for (const RunDatasetVersion& v : *list) {
      absl::StrAppend(&out, Describe(v.id.dataset), "@", FormatUuid(v.id.version),
                      Describe(v.facets), " ");
    }
    out += "]";
  }
  absl::StrAppend(&out, " facets=", Describe(run.facets));
  if (run.parent_run_id) absl::StrAppend(&out, " parent=", FormatUuid(*run.parent_run_id));
  return out;
}

// Every member of a job, with its runs, as text.
std::string Describe(const JobInfo& job) {
  std::string out =
      absl::StrCat("job ", Describe(job.name), " type=", job.type, " simple=", job.simple_name,
                   " parent=", job.parent_job_name.value_or("-"), "/",
                   job.parent_job_uuid ? FormatUuid(*job.parent_job_uuid) : "-");
  absl::StrAppend(&out, " current=", job.current_run_id ? FormatUuid(*job.current_run_id) : "-",
                  " created=", job.created_at_micros, " updated=", job.updated_at_micros);
  for (const QualifiedName& name : job.inputs) absl::StrAppend(&out, " in=", Describe(name));
  for (const QualifiedName& name : job.outputs) absl::StrAppend(&out, " out=", Describe(name));
  absl::StrAppend(&out, " location=", job.location.value_or("-"),
                  " description=", job.description.value_or("-"));
  absl::StrAppend(&out, "\n latest: ", job.latest_run ? Describe(*job.latest_run) : "-");
  for (const RunInfo& run : job.latest_runs) absl::StrAppend(&out, "\n runs: ", Describe(run));
  absl::StrAppend(&out, "\n facets=", Describe(job.facets),
                  " version=", job.current_version ? FormatUuid(*job.current_version) : "-");
  for (const std::string& tag : job.tags) absl::StrAppend(&out, " tag=", tag);
  return out;
}

class ModelReaderTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    options_.data_dir = dir_.path() + "/data";
    auto opened = GraphStore::Open(options_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
  }

  void Write(Event e) {
    auto outcome = store_->WriteAndWait(std::move(e));
    ASSERT_TRUE(outcome.ok()) << outcome.status();
  }

  // Writes without waiting for each event: the committer groups them.
  void WriteAll(std::vector<Event> events) {
    std::vector<std::future<absl::Status>> done;
    for (Event& e : events) {
      auto promise = std::make_shared<std::promise<absl::Status>>();
      done.push_back(promise->get_future());
      store_->Write(std::move(e),
                    [promise](absl::StatusOr<WriteOutcome> r) { promise->set_value(r.status()); });
    }
    for (auto& f : done) ASSERT_TRUE(f.get().ok());
  }

  // Closes the store and opens its database alone, for readers under test.
  std::unique_ptr<Database> CloseAndOpenDatabase() {
    EXPECT_TRUE(store_->Close().ok());
    store_.reset();
    auto db = Database::Open(options_);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? std::move(*db) : nullptr;
  }

  void DeleteRun(Database& db, const Uuid& id) {
    ASSERT_TRUE(db.db()->Delete(rocksdb::WriteOptions(), db.graph(), internal::RunKey(id)).ok());
  }

  testing::TempDir dir_;
  Options options_;
  std::unique_ptr<GraphStore> store_;
};

// Jobs read one record at a time, and the same jobs after PrefetchJobs.
std::vector<std::string> DescribeJobs(Database& db, const std::vector<std::string>& names,
                                      bool prefetch, ModelReader::JobDetail detail) {
  ModelReader reader(&db);
  std::vector<std::pair<uint64_t, const NodeRecord*>> jobs;
  for (const std::string& name : names) {
    auto id = reader.LookupId(NodeKind::kJob, Name("ns", name));
    EXPECT_TRUE(id.ok() && id->has_value()) << name;
    if (!id.ok() || !id->has_value()) return {};
    auto record = reader.Node(**id);
    EXPECT_TRUE(record.ok());
    jobs.emplace_back(**id, *record);
  }
  if (prefetch) EXPECT_TRUE(reader.PrefetchJobs(jobs, detail).ok());
  std::vector<std::string> out;
  for (const auto& [id, record] : jobs) {
    auto job = reader.Job(id, *record, detail);
    EXPECT_TRUE(job.ok()) << job.status();
    if (job.ok()) out.push_back(Describe(*job));
  }
  return out;
}

TEST_F(ModelReaderTest, PrefetchedJobsAreTheJobsReadOneByOne) {
  // j: twelve runs (more than latestRuns shows) with run, io and job facets.
  for (uint16_t run = 1; run <= 12; ++run) {
    const int64_t t = 1000 * run;
    Write(RunEvent(run, RunEventType::kStart, t, "j", {Dataset("in", R"({"rows":1})")},
                   {Dataset("out")}));
    Write(RunEvent(run, RunEventType::kComplete, t + 10, "j",
                   {Dataset("in", absl::StrCat(R"({"rows":)", run, "}"))}, {Dataset("out")}));
  }
  // k: three runs; its newest and its oldest will be missing from the database.
  for (uint16_t run = 21; run <= 23; ++run) {
    Write(
        RunEvent(run, RunEventType::kStart, 1000 * run, "k", {Dataset("out")}, {Dataset("final")}));
  }
  // dag.task: a child of dag.
  Event child = RunEvent(31, RunEventType::kStart, 500, "dag.task", {}, {Dataset("in")});
  child.run_mention.parent = ParentRunRef{RunId(30), Name("ns", "dag")};
  Write(child);
  // h: hidden, and a hidden dataset still named by j's and k's runs.
  Write(RunEvent(41, RunEventType::kStart, 700, "h", {Dataset("gone")}, {Dataset("final")}));
  ASSERT_TRUE(store_->HideJob(Name("ns", "h")).ok());
  ASSERT_TRUE(store_->HideDataset(Name("db", "final")).ok());

  std::unique_ptr<Database> db = CloseAndOpenDatabase();
  ASSERT_NE(db, nullptr);
  DeleteRun(*db, RunId(23));
  DeleteRun(*db, RunId(21));

  const std::vector<std::string> names = {"j", "k", "dag.task", "dag", "h"};
  for (auto detail : {ModelReader::JobDetail::kFull, ModelReader::JobDetail::kLineage}) {
    std::vector<std::string> one_by_one = DescribeJobs(*db, names, false, detail);
    ASSERT_THAT(one_by_one, SizeIs(names.size()));
    EXPECT_THAT(DescribeJobs(*db, names, true, detail), ElementsAreArray(one_by_one));
    // A lineage node shows neither job facets nor latestRuns, so they are not read.
    const bool full = detail == ModelReader::JobDetail::kFull;
    EXPECT_EQ(absl::StrContains(one_by_one[0], "jobType"), full);
    EXPECT_EQ(absl::StrContains(one_by_one[0], "\n runs: "), full);
  }

  // What the batched reads found, checked directly.
  {  // the reader must end before the database
    ModelReader reader(db.get());
    auto k_id = reader.LookupId(NodeKind::kJob, Name("ns", "k"));
    ASSERT_TRUE(k_id.ok() && k_id->has_value());
    auto k_record = reader.Node(**k_id);
    ASSERT_TRUE(k_record.ok());
    ASSERT_TRUE(reader.PrefetchJobs({{**k_id, *k_record}}, ModelReader::JobDetail::kFull).ok());
    auto k = reader.Job(**k_id, **k_record, ModelReader::JobDetail::kFull);
    ASSERT_TRUE(k.ok()) << k.status();
    EXPECT_EQ(k->current_run_id, RunId(23));
    EXPECT_FALSE(k->latest_run.has_value());  // its record is gone
    ASSERT_THAT(k->latest_runs, SizeIs(1));
    EXPECT_EQ(k->latest_runs[0].id, RunId(22));
    ASSERT_THAT(k->latest_runs[0].output_versions, SizeIs(1));
    EXPECT_EQ(k->latest_runs[0].output_versions[0].id.dataset, Name("db", "final"));
    auto missing = reader.Run(RunId(23));
    ASSERT_TRUE(missing.ok());
    EXPECT_EQ(*missing, nullptr);
  }
  // The store's pages skip the missing runs too.
  db.reset();
  Open();
  auto runs = store_->ListRuns(Name("ns", "k"), 10, 0);
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_THAT(runs->items, SizeIs(1));
  EXPECT_EQ(runs->items[0].id, RunId(22));
  auto j_runs = store_->ListRuns(Name("ns", "j"), 5, 2);
  ASSERT_TRUE(j_runs.ok());
  ASSERT_THAT(j_runs->items, SizeIs(5));
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(j_runs->items[i].id, RunId(10 - i));  // newest first
  auto j = store_->GetJob(Name("ns", "j"));
  ASSERT_TRUE(j.ok());
  ASSERT_THAT(j->latest_runs, SizeIs(10));
  EXPECT_EQ(j->latest_runs[0].id, RunId(12));
  EXPECT_EQ(Describe(*j->latest_run), Describe(j->latest_runs[0]));
  ASSERT_THAT(j->latest_runs[0].input_versions, SizeIs(1));
  EXPECT_EQ(Describe(j->latest_runs[0].input_versions[0].facets), R"({stats={"rows":12};})");
}

std::vector<std::string> JobNames(const absl::StatusOr<Page<JobInfo>>& page) {
  std::vector<std::string> names;
  EXPECT_TRUE(page.ok()) << page.status();
  if (page.ok()) {
    for (const JobInfo& job : page->items) names.push_back(job.name.name);
  }
  return names;
}

TEST_F(ModelReaderTest, JobPagesSkipHiddenJobsAcrossReadBatches) {
  // More jobs than one read batch (1024) holds.
  constexpr int kJobs = 1100;
  std::vector<Event> events;
  std::vector<std::string> all;
  for (int i = 0; i < kJobs; ++i) {
    all.push_back(absl::StrFormat("j%04d", i));
    events.push_back(
        RunEvent(static_cast<uint16_t>(i + 1), RunEventType::kStart, 100 + i, all.back()));
  }
  WriteAll(std::move(events));
  auto slice = [](const std::vector<std::string>& names, size_t offset, size_t limit) {
    std::vector<std::string> out;
    for (size_t i = offset; i < names.size() && out.size() < limit; ++i) out.push_back(names[i]);
    return out;
  };
  // Nothing hidden: skipped jobs are not read.
  EXPECT_EQ(JobNames(store_->ListJobs("ns", {}, 50, 1030)), slice(all, 1030, 50));
  EXPECT_EQ(JobNames(store_->ListJobs(std::nullopt, {}, 2000, 0)), all);

  std::vector<std::string> visible;
  for (int i = 0; i < kJobs; ++i) {
    if (i % 7 == 3) {
      ASSERT_TRUE(store_->HideJob(Name("ns", all[i])).ok());
    } else {
      visible.push_back(all[i]);
    }
  }
  auto page = store_->ListJobs("ns", {}, 50, 930);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->total_count, visible.size());
  EXPECT_EQ(JobNames(page), slice(visible, 930, 50));
  EXPECT_EQ(JobNames(store_->ListJobs(std::nullopt, {}, 2000, 0)), visible);
  EXPECT_EQ(JobNames(store_->ListJobs(std::nullopt, {}, 3, visible.size() - 2)),
            slice(visible, visible.size() - 2, 3));
  EXPECT_THAT(JobNames(store_->ListJobs("ns", {}, 10, visible.size())), IsEmpty());
  EXPECT_THAT(JobNames(store_->ListJobs("other", {}, 10, 0)), IsEmpty());
}

TEST_F(ModelReaderTest, NodeNameReadsOnlyTheName) {
  Write(RunEvent(1, RunEventType::kStart, 100, "j", {Dataset("in")}, {}));
  std::unique_ptr<Database> db = CloseAndOpenDatabase();
  ASSERT_NE(db, nullptr);
  ModelReader reader(db.get());
  auto id = reader.LookupId(NodeKind::kDataset, Name("db", "in"));
  ASSERT_TRUE(id.ok() && id->has_value());
  auto name = reader.NodeName(**id);
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(*name, Name("db", "in"));
  ASSERT_TRUE(reader.PrefetchNames({**id, **id + 1000}).ok());  // an unknown id is no error here
  EXPECT_TRUE(absl::IsDataLoss(reader.NodeName(**id + 1000).status()));
  auto record = reader.Node(**id);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(internal::NameOf(**record), *name);
}

}  // namespace
}  // namespace lineaged::graphstore
