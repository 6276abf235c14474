// Facet texts are stored once per distinct text and swept once no record
// names them (graphstore/internal/facet_store.h); a commit group's reads
// through the group being written (group_batch.h).

#include "graphstore/internal/facet_store.h"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"

#include "graphstore/graph_store.h"
#include "graphstore/internal/database.h"
#include "graphstore/internal/event_applier.h"
#include "graphstore/internal/group_batch.h"
#include "graphstore/internal/key_codec.h"
#include "graphstore/internal/record_cache.h"
#include "tests/testing/graph_events.h"
#include "tests/testing/temp_dir.h"

namespace lineaged::graphstore {
namespace {

using ::lineaged::testing::BareRunEvent;
using ::lineaged::testing::Name;
using ::lineaged::testing::RunId;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

// A run event of job ns.j with one run facet "a" and one job facet "jobType".
Event RunEvent(uint8_t run, RunEventType type, int64_t time, std::string run_facet,
               std::string job_facet = R"({"processingType":"BATCH"})") {
  Event e = BareRunEvent(run, type, time, QualifiedName{"ns", "j"},
                         "{\"run\":" + std::to_string(run) + ",\"t\":" + std::to_string(time) +
                             ",\"type\":" + std::to_string(static_cast<int>(type)) + "}");
  e.run_mention.facets.push_back(Facet{"a", std::move(run_facet), false});
  e.job_mention.facets.push_back(Facet{"jobType", std::move(job_facet), false});
  return e;
}

std::vector<std::string> Texts(const std::vector<Facet>& facets) {
  std::vector<std::string> out;
  for (const Facet& facet : facets) out.push_back(facet.name + "=" + facet.json);
  return out;
}

class FacetStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.data_dir = dir_.path() + "/data";
    Reopen();
  }

  void Reopen() {
    auto opened = GraphStore::Open(options_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
  }

  void Write(Event e) {
    auto outcome = store_->WriteAndWait(std::move(e));
    ASSERT_TRUE(outcome.ok()) << outcome.status();
  }

  // The facet texts on disk (closes the store to look, then reopens it).
  std::multiset<std::string> StoredTexts() {
    store_.reset();
    std::multiset<std::string> texts;
    {
      auto db = internal::Database::Open(options_);
      EXPECT_TRUE(db.ok()) << db.status();
      if (!db.ok()) return texts;
      std::unique_ptr<rocksdb::Iterator> it(
          (*db)->db()->NewIterator(rocksdb::ReadOptions(), (*db)->graph()));
      const std::string prefix(1, internal::kFacetPrefix);
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
        texts.insert(it->value().ToString());
      }
    }
    Reopen();
    return texts;
  }

  testing::TempDir dir_;
  Options options_;
  std::unique_ptr<GraphStore> store_;
};

TEST_F(FacetStorageTest, EachDistinctTextIsStoredOnce) {
  // Two runs, each START and COMPLETE: the job facet is the same in all four
  // events, the run facet the same in both events of a run.
  Write(RunEvent(1, RunEventType::kStart, 100, R"({"x":1})"));
  Write(RunEvent(1, RunEventType::kComplete, 110, R"({"x":1})"));
  Write(RunEvent(2, RunEventType::kStart, 200, R"({"x":2})"));
  Write(RunEvent(2, RunEventType::kComplete, 210, R"({"x":2})"));

  EXPECT_THAT(StoredTexts(),
              UnorderedElementsAre(R"({"processingType":"BATCH"})", R"({"x":1})", R"({"x":2})"));
  auto facets = store_->GetRunFacets(RunId(1), /*job_facets=*/false);
  ASSERT_TRUE(facets.ok()) << facets.status();
  EXPECT_THAT(Texts(*facets), ElementsAre(R"(a={"x":1})"));
  auto job_facets = store_->GetRunFacets(RunId(2), /*job_facets=*/true);
  ASSERT_TRUE(job_facets.ok()) << job_facets.status();
  EXPECT_THAT(Texts(*job_facets), ElementsAre(R"(jobType={"processingType":"BATCH"})"));
}

TEST_F(FacetStorageTest, SweepDeletesTextsReplacedByNewerOnes) {
  Write(RunEvent(1, RunEventType::kStart, 100, R"({"state":"started"})"));
  Write(RunEvent(1, RunEventType::kComplete, 110, R"({"state":"done"})", R"({"v":2})"));

  // Retention with a cutoff before every event purges nothing but sweeps.
  auto result = store_->ApplyRetention(/*cutoff_micros=*/1);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->runs, 0u);

  EXPECT_THAT(StoredTexts(), UnorderedElementsAre(R"({"state":"done"})", R"({"v":2})"));
  auto facets = store_->GetRunFacets(RunId(1), /*job_facets=*/false);
  ASSERT_TRUE(facets.ok()) << facets.status();
  EXPECT_THAT(Texts(*facets), ElementsAre(R"(a={"state":"done"})"));
  auto job = store_->GetJob(QualifiedName{"ns", "j"});
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_THAT(Texts(job->facets), ElementsAre(R"(jobType={"v":2})"));
}

TEST_F(FacetStorageTest, RetentionDeletesTheTextsOnlyPurgedRunsNamed) {
  Write(RunEvent(1, RunEventType::kStart, 100, R"({"only":"run 1"})"));
  Write(RunEvent(2, RunEventType::kStart, 1000, R"({"only":"run 2"})"));

  auto result = store_->ApplyRetention(/*cutoff_micros=*/500);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->runs, 1u);

  EXPECT_THAT(StoredTexts(),
              UnorderedElementsAre(R"({"only":"run 2"})", R"({"processingType":"BATCH"})"));
  auto facets = store_->GetRunFacets(RunId(2), /*job_facets=*/false);
  ASSERT_TRUE(facets.ok()) << facets.status();
  EXPECT_THAT(Texts(*facets), ElementsAre(R"(a={"only":"run 2"})"));
}

// A database without a committer, to drive GroupBatch and EventApplier by
// hand. `dir` is declared first, so it is removed after the database closes.
struct BareDatabase {
  BareDatabase() {
    Options options;
    options.data_dir = dir.path() + "/data";
    absl::StatusOr<std::unique_ptr<internal::Database>> opened = internal::Database::Open(options);
    status = opened.status();
    if (opened.ok()) db = std::move(*opened);
  }
  testing::TempDir dir;
  absl::Status status;
  std::unique_ptr<internal::Database> db;
};

// The commit thread's half of a sweep, driven by hand: a text the snapshot
// found unreferenced survives if an event named it after the sweep began.
TEST(FacetSweep, KeepsTextsNamedAfterItBegan) {
  BareDatabase bare;
  ASSERT_TRUE(bare.status.ok()) << bare.status;
  internal::Database* db = bare.db.get();
  internal::RecordCache cache(1 << 20);
  internal::FacetStore facets(1024);
  internal::CountersRecord counters;
  auto run_group = [&](const std::function<absl::Status(internal::EventApplier&)>& item) {
    internal::GroupBatch batch(db, &cache, &facets);
    internal::EventApplier applier(&batch, &counters);
    ASSERT_TRUE(item(applier).ok());
    applier.FlushNodes();
    ASSERT_TRUE(db->db()->Write(rocksdb::WriteOptions(), batch.Finish()).ok());
    batch.PublishToCache();
  };
  auto stored = [&](std::string_view json) {
    auto value = db->Get(db->graph(),
                         internal::FacetKey(internal::DigestBytes(internal::DigestOfText(json))));
    return value.ok() && value->has_value();
  };

  Event first = RunEvent(1, RunEventType::kStart, 100, R"({"kept":true})");
  first.run_mention.facets.push_back(Facet{"b", R"({"kept":false})", false});
  run_group([&](internal::EventApplier& applier) { return applier.Apply(first); });
  ASSERT_TRUE(stored(R"({"kept":true})"));
  ASSERT_TRUE(stored(R"({"kept":false})"));

  run_group([](internal::EventApplier& applier) {
    applier.BeginFacetSweep();
    return absl::OkStatus();
  });
  // Named again after the sweep began (a text already stored: no write).
  run_group([&](internal::EventApplier& applier) {
    return applier.Apply(RunEvent(2, RunEventType::kStart, 200, R"({"kept":true})"));
  });
  // What a snapshot taken before that event would have found unreferenced.
  std::vector<internal::FacetDigest> unreferenced = {internal::DigestOfText(R"({"kept":true})"),
                                                     internal::DigestOfText(R"({"kept":false})")};
  uint64_t deleted = 0;
  run_group([&](internal::EventApplier& applier) {
    applier.EndFacetSweep(unreferenced, &deleted);
    return absl::OkStatus();
  });
  EXPECT_EQ(deleted, 1u);
  EXPECT_TRUE(stored(R"({"kept":true})"));
  EXPECT_FALSE(stored(R"({"kept":false})"));

  // A text deleted by a sweep is stored again when an event names it.
  run_group([&](internal::EventApplier& applier) {
    return applier.Apply(RunEvent(3, RunEventType::kStart, 300, R"({"kept":false})"));
  });
  EXPECT_TRUE(stored(R"({"kept":false})"));
}

// A group applied while the previous one is being written reads that group's
// writes, deletions and facet texts before the cache and the database, which
// do not have them yet (committer.h).
TEST(GroupBatchTest, ReadsThroughTheGroupBeingWritten) {
  BareDatabase bare;
  ASSERT_TRUE(bare.status.ok()) << bare.status;
  internal::Database* db = bare.db.get();
  rocksdb::ColumnFamilyHandle* graph = db->graph();
  ASSERT_TRUE(db->db()->Put(rocksdb::WriteOptions(), graph, "stored", "on disk").ok());
  ASSERT_TRUE(db->db()->Put(rocksdb::WriteOptions(), graph, "deleted", "on disk").ok());
  internal::RecordCache cache(1 << 20);
  internal::FacetStore facets(1024);
  const internal::FacetDigest added = internal::DigestOfText(R"({"added":1})");
  const internal::FacetDigest removed = internal::DigestOfText(R"({"removed":1})");

  internal::GroupBatch previous(db, &cache, &facets);
  previous.Put(graph, "written", "by the previous group");
  previous.Delete(graph, "deleted");
  previous.PutFacet(added, R"({"added":1})");
  previous.DeleteFacet(removed);
  previous.Finish();  // handed to the write thread, not written yet

  internal::GroupBatch next(db, &cache, &facets, &previous);
  auto read = [&](const std::string& key) {
    absl::StatusOr<std::optional<std::string>> value = next.Get(graph, key);
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? *value : std::nullopt;
  };
  EXPECT_EQ(read("written"), "by the previous group");
  EXPECT_EQ(read("deleted"), std::nullopt);
  EXPECT_EQ(read("stored"), "on disk");
  next.Put(graph, "written", "by the next group");
  EXPECT_EQ(read("written"), "by the next group");
  absl::StatusOr<bool> added_stored = next.FacetStored(added);
  ASSERT_TRUE(added_stored.ok());
  EXPECT_TRUE(*added_stored);
  absl::StatusOr<bool> removed_stored = next.FacetStored(removed);
  ASSERT_TRUE(removed_stored.ok());
  EXPECT_FALSE(*removed_stored);

  // Without the previous group, the same reads see the database.
  internal::GroupBatch alone(db, &cache, &facets);
  absl::StatusOr<std::optional<std::string>> deleted = alone.Get(graph, "deleted");
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, "on disk");
  absl::StatusOr<bool> added_alone = alone.FacetStored(added);
  ASSERT_TRUE(added_alone.ok());
  EXPECT_FALSE(*added_alone);
}

// A run event of `task` under the DAG run `dag_run` of ns.dag, reading
// `input` and writing `output`, each with a schema and a facet.
Event TaskEvent(uint8_t run, RunEventType type, int64_t time, std::string task, std::string input,
                std::string output, std::string facet_value) {
  Event e = BareRunEvent(run, type, time, Name("ns", task),
                         absl::StrCat(task, run, static_cast<int>(type), time));
  e.run_mention.facets.push_back(Facet{"a", absl::StrCat(R"({"v":")", facet_value, "\"}"), false});
  e.run_mention.parent = ParentRunRef{RunId(100), Name("ns", "dag")};
  e.job_mention.facets.push_back(Facet{"jobType", R"({"processingType":"BATCH"})", false});
  auto dataset = [&](std::string name) {
    DatasetMention mention;
    mention.name = Name("db", std::move(name));
    mention.schema = std::vector<SchemaField>{{"id", "INT", std::nullopt}};
    mention.facets.push_back(Facet{"schema", R"({"fields":[{"name":"id","type":"INT"}]})", false});
    mention.facets.push_back(Facet{"custom", absl::StrCat(R"({"v":")", facet_value, "\"}"), false});
    return mention;
  };
  e.inputs.push_back(dataset(std::move(input)));
  e.outputs.push_back(dataset(std::move(output)));
  return e;
}

// Every key and value of the graph column family.
std::map<std::string, std::string> GraphContents(internal::Database* db) {
  std::map<std::string, std::string> contents;
  std::unique_ptr<rocksdb::Iterator> it(db->db()->NewIterator(rocksdb::ReadOptions(), db->graph()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    contents[it->key().ToString()] = it->value().ToString();
  }
  return contents;
}

// A group's events share one applier, which keeps the node records they load
// until FlushNodes (EventApplier::Apply), and the committer's groups share a
// ParsedNodeCache: what either writes must be what the same events write one
// group each, node by node and byte for byte.
TEST(GroupApplier, KeepingNodesAcrossEventsWritesWhatOneGroupPerEventWrites) {
  std::vector<Event> events = {
      TaskEvent(1, RunEventType::kStart, 100, "dag.extract", "a", "b", "1"),
      TaskEvent(2, RunEventType::kStart, 110, "dag.load", "b", "c", "1"),
      TaskEvent(1, RunEventType::kComplete, 200, "dag.extract", "a", "b", "2"),
      TaskEvent(2, RunEventType::kComplete, 210, "dag.load", "b", "c", "2"),
      TaskEvent(3, RunEventType::kStart, 300, "dag.extract", "a", "b", "3"),
      // Out of order: the COMPLETE of run 3, with new output, before a late RUNNING.
      TaskEvent(3, RunEventType::kComplete, 400, "dag.extract", "a", "d", "4"),
      TaskEvent(3, RunEventType::kRunning, 350, "dag.extract", "a", "b", "late"),
      TaskEvent(4, RunEventType::kFail, 500, "dag.load", "d", "c", "5"),
  };
  // A DatasetEvent and a JobEvent (static lineage) among them.
  Event dataset_event = events[1];
  dataset_event.kind = EventKind::kDataset;
  dataset_event.dataset = dataset_event.outputs[0];
  dataset_event.event_time_micros = 250;
  dataset_event.content_hash[0] ^= 1;
  events.insert(events.begin() + 4, std::move(dataset_event));
  Event job_event = events[0];
  job_event.kind = EventKind::kJob;
  job_event.job = Name("ns", "dag.load");
  job_event.run_mention = {};
  job_event.event_time_micros = 450;
  job_event.content_hash[0] ^= 2;
  events.insert(events.begin() + 8, std::move(job_event));
  auto apply = [&](internal::Database* db, bool one_group,
                   internal::ParsedNodeCache* parsed_nodes = nullptr) -> internal::CountersRecord {
    internal::RecordCache cache(1 << 20);
    internal::FacetStore facets(1024);
    internal::CountersRecord counters;
    auto write = [&](internal::GroupBatch& batch) {
      EXPECT_TRUE(db->db()->Write(rocksdb::WriteOptions(), batch.Finish()).ok());
      batch.PublishToCache();
    };
    if (one_group) {
      internal::GroupBatch batch(db, &cache, &facets);
      internal::EventApplier applier(&batch, &counters);
      for (const Event& e : events) EXPECT_TRUE(applier.Apply(e).ok());
      applier.FlushNodes();
      write(batch);
    } else {
      for (const Event& e : events) {
        internal::GroupBatch batch(db, &cache, &facets);
        internal::EventApplier applier(&batch, &counters, parsed_nodes);
        EXPECT_TRUE(applier.Apply(e).ok());
        applier.FlushNodes();
        write(batch);
      }
    }
    return counters;
  };
  BareDatabase each;
  BareDatabase grouped;
  ASSERT_TRUE(each.status.ok()) << each.status;
  ASSERT_TRUE(grouped.status.ok()) << grouped.status;
  const internal::CountersRecord each_counters = apply(each.db.get(), /*one_group=*/false);
  const internal::CountersRecord grouped_counters = apply(grouped.db.get(), /*one_group=*/true);
  EXPECT_EQ(grouped_counters.SerializeAsString(), each_counters.SerializeAsString());
  const std::map<std::string, std::string> expected = GraphContents(each.db.get());
  ASSERT_GT(expected.size(), 20u);  // nodes, names, runs, versions, facet texts, ...
  EXPECT_EQ(GraphContents(grouped.db.get()), expected);

  // Groups sharing parsed nodes, with room for them all, and with room for
  // one record at a time (every Put clears the rest).
  for (size_t capacity : {size_t{1} << 20, size_t{1024}}) {
    SCOPED_TRACE(capacity);
    BareDatabase shared;
    ASSERT_TRUE(shared.status.ok()) << shared.status;
    internal::ParsedNodeCache parsed_nodes(capacity);
    const internal::CountersRecord shared_counters =
        apply(shared.db.get(), /*one_group=*/false, &parsed_nodes);
    EXPECT_EQ(shared_counters.SerializeAsString(), each_counters.SerializeAsString());
    EXPECT_EQ(GraphContents(shared.db.get()), expected);
  }
}

TEST(ParsedNodeCache, TakeMovesTheEntryOutAndAFullCacheStartsOver) {
  internal::ParsedNodeCache cache(/*capacity_bytes=*/1200);
  internal::NodeRecord record;
  record.set_name("a");
  cache.Put(1, {record, "bytes-of-1"});
  record.set_name("b");
  cache.Put(2, {record, "bytes-of-2"});
  std::optional<internal::ParsedNodeCache::Entry> one = cache.Take(1);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->record.name(), "a");
  EXPECT_EQ(one->stored, "bytes-of-1");
  EXPECT_FALSE(cache.Take(1).has_value());  // taken
  // Two entries fit (512 bytes of overhead each), a third clears the cache.
  cache.Put(1, std::move(*one));
  record.set_name("c");
  cache.Put(3, {record, "bytes-of-3"});
  EXPECT_FALSE(cache.Take(1).has_value());
  EXPECT_FALSE(cache.Take(2).has_value());
  ASSERT_TRUE(cache.Take(3).has_value());
}

// Records keep their facets in a repeated FacetEntry declared where a
// map<string, FacetValue> was: stores written with the map read the same, and
// an unchanged record is written back byte for byte.
TEST(FacetEntries, ReadAndWriteTheBytesOfTheMapTheyReplaced) {
  // NodeRecord.facets (field 9) as the map wrote {"a": {event_time 5}, "b": {deleted}}:
  // one length-delimited entry per key, key (1) and value (2), in key order.
  const std::string map_bytes(
      "\x4a\x07\x0a\x01"
      "a\x12\x02\x10\x05"
      "\x4a\x07\x0a\x01"
      "b\x12\x02\x18\x01",
      18);
  internal::NodeRecord record;
  ASSERT_TRUE(record.ParseFromString(map_bytes));
  ASSERT_EQ(record.facets_size(), 2);
  const internal::FacetValue* a = internal::FindFacet(record.facets(), "a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->event_time_micros(), 5);
  const internal::FacetValue* b = internal::FindFacet(record.facets(), "b");
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->deleted());
  EXPECT_EQ(internal::FindFacet(record.facets(), "c"), nullptr);
  EXPECT_EQ(record.SerializeAsString(), map_bytes);
}

TEST(FacetEntries, AddKeepsNameOrder) {
  internal::NodeRecord record;
  for (std::string_view name : {"m", "b", "z", "a", "m"}) {
    internal::FindOrAddFacet(record.mutable_facets(), name)->set_event_time_micros(1);
  }
  std::vector<std::string> names;
  for (const internal::FacetEntry& entry : record.facets()) names.push_back(entry.name());
  EXPECT_THAT(names, ElementsAre("a", "b", "m", "z"));
}

}  // namespace
}  // namespace lineaged::graphstore
