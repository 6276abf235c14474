#include "graphstore/graph_store.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "tests/testing/graph_events.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"

namespace lineaged::graphstore {
namespace {

using ::lineaged::testing::BareRunEvent;
using ::lineaged::testing::Name;
using ::lineaged::testing::RunId;
using ::testing::ElementsAre;
using ::testing::Field;

Event RunEvent(uint8_t run, RunEventType type, int64_t time, std::string job,
               std::vector<QualifiedName> inputs, std::vector<QualifiedName> outputs) {
  Event e =
      BareRunEvent(run, type, time, Name("ns", std::move(job)),
                   "{\"run\":" + std::to_string(run) + ",\"t\":" + std::to_string(time) + "}");
  for (QualifiedName& name : inputs) e.inputs.emplace_back().name = std::move(name);
  for (QualifiedName& name : outputs) e.outputs.emplace_back().name = std::move(name);
  return e;
}

class GraphStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen(bool outbox = false) {
    store_.reset();
    Options options;
    options.outbox_enabled = outbox;
    ASSERT_NO_FATAL_FAILURE(lineaged::testing::OpenTestStore(dir_, &store_, options));
  }

  void Write(Event e) {
    auto outcome = store_->WriteAndWait(std::move(e));
    ASSERT_TRUE(outcome.ok()) << outcome.status();
    EXPECT_EQ(*outcome, WriteOutcome::kStored);
  }

  LineageGraph Lineage(NodeKind kind, std::string ns, std::string name, int depth = 20) {
    auto graph = store_->GetLineage(NodeRef{kind, Name(std::move(ns), std::move(name))}, depth);
    EXPECT_TRUE(graph.ok()) << graph.status();
    return graph.ok() ? *graph : LineageGraph{};
  }

  testing::TempDir dir_;
  std::unique_ptr<GraphStore> store_;
};

std::vector<std::string> Names(const LineageGraph& g) {
  std::vector<std::string> out;
  for (const auto& d : g.datasets) out.push_back("dataset:" + d.data.name.name);
  for (const auto& j : g.jobs) out.push_back("job:" + j.data.name.name);
  return out;
}

// The store's threads carry names (top -H, perf and docs/operations.md use
// them): the commit thread is the ingest ceiling operators look for.
TEST_F(GraphStoreTest, NamesItsThreads) {
  auto thread_names = [] {
    std::vector<std::string> names;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      std::ifstream comm(task.path() / "comm");
      std::string name;
      std::getline(comm, name);
      names.push_back(name);
    }
    return names;
  };
  // Each thread names itself once it runs: wait for the three of them.
  const auto named = ::testing::IsSupersetOf({"commit", "write", "facet-sweep"});
  std::vector<std::string> names = thread_names();
  for (int attempt = 0; attempt < 500 && !::testing::Matches(named)(names); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    names = thread_names();
  }
  EXPECT_THAT(names, named);
}

TEST_F(GraphStoreTest, ChainLineageFollowsJobHops) {
  // a -> j1 -> b -> j2 -> c -> j3 -> d
  Write(RunEvent(1, RunEventType::kComplete, 10, "j1", {Name("db", "a")}, {Name("db", "b")}));
  Write(RunEvent(2, RunEventType::kComplete, 20, "j2", {Name("db", "b")}, {Name("db", "c")}));
  Write(RunEvent(3, RunEventType::kComplete, 30, "j3", {Name("db", "c")}, {Name("db", "d")}));

  EXPECT_THAT(Names(Lineage(NodeKind::kDataset, "db", "b", 0)),
              ElementsAre("dataset:a", "dataset:b", "job:j1"));
  EXPECT_THAT(Names(Lineage(NodeKind::kDataset, "db", "b", 1)),
              ElementsAre("dataset:a", "dataset:b", "dataset:c", "job:j1", "job:j2"));
  EXPECT_THAT(Names(Lineage(NodeKind::kJob, "ns", "j3")),
              ElementsAre("dataset:a", "dataset:b", "dataset:c", "dataset:d", "job:j1", "job:j2",
                          "job:j3"));

  LineageGraph g = Lineage(NodeKind::kDataset, "db", "b", 1);
  ASSERT_EQ(g.datasets.size(), 3u);
  const DatasetNode& b = g.datasets[1];
  EXPECT_THAT(b.producers, ElementsAre(Name("ns", "j1")));
  EXPECT_THAT(b.consumers, ElementsAre(Name("ns", "j2")));
  // c is in the graph through j2, but its consumer j3 is outside depth 1.
  EXPECT_TRUE(g.datasets[2].consumers.empty());
}

TEST_F(GraphStoreTest, SiblingsAreIncludedBecauseDepthIsUndirected) {
  Write(RunEvent(1, RunEventType::kComplete, 10, "reader1", {Name("db", "shared")}, {}));
  Write(RunEvent(2, RunEventType::kComplete, 11, "reader2", {Name("db", "shared")}, {}));
  EXPECT_THAT(Names(Lineage(NodeKind::kJob, "ns", "reader1", 1)),
              ElementsAre("dataset:shared", "job:reader1", "job:reader2"));
}

TEST_F(GraphStoreTest, UnknownNodesAreNotFoundAndOrphansStandAlone) {
  auto missing = store_->GetLineage(NodeRef{NodeKind::kDataset, Name("db", "x")}, 20);
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_EQ(missing.status().message(), "Dataset 'x' not found.");

  Event dataset_event;
  dataset_event.kind = EventKind::kDataset;
  dataset_event.event_time_micros = 5;
  dataset_event.dataset.name = Name("s3://bucket", "orphan");
  dataset_event.raw_json = "{}";
  Write(dataset_event);
  LineageGraph g = Lineage(NodeKind::kDataset, "s3://bucket", "orphan");
  EXPECT_THAT(Names(g), ElementsAre("dataset:orphan"));
}

TEST_F(GraphStoreTest, DuplicateEventIsStoredOnce) {
  Event e = RunEvent(1, RunEventType::kStart, 10, "j", {}, {Name("db", "out")});
  Write(e);
  auto again = store_->WriteAndWait(e);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, WriteOutcome::kDuplicate);
  EXPECT_EQ(store_->event_count(), 1u);
  auto events = store_->ReadEvents(0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].raw_json, e.raw_json);
}

TEST_F(GraphStoreTest, EverythingSurvivesReopen) {
  Write(RunEvent(1, RunEventType::kStart, 10, "j1", {Name("db", "a")}, {}));
  Write(RunEvent(1, RunEventType::kComplete, 20, "j1", {Name("db", "a")}, {Name("db", "b")}));
  LineageGraph before = Lineage(NodeKind::kDataset, "db", "b");
  Reopen();
  LineageGraph after = Lineage(NodeKind::kDataset, "db", "b");
  EXPECT_EQ(Names(before), Names(after));
  EXPECT_EQ(store_->event_count(), 2u);
  // New ids continue after the old ones: a new job must not collide.
  Write(RunEvent(2, RunEventType::kComplete, 30, "j2", {Name("db", "b")}, {Name("db", "c")}));
  EXPECT_THAT(Names(Lineage(NodeKind::kJob, "ns", "j2", 0)),
              ElementsAre("dataset:b", "dataset:c", "job:j2"));
  auto events = store_->ReadEvents(0, 10);
  ASSERT_TRUE(events.ok());
  EXPECT_THAT(*events,
              ElementsAre(Field(&StoredEvent::sequence, 1u), Field(&StoredEvent::sequence, 2u),
                          Field(&StoredEvent::sequence, 3u)));
}

RunInfo LatestRun(GraphStore& store, const std::string& job) {
  auto info = store.GetJob(Name("ns", job));
  EXPECT_TRUE(info.ok()) << info.status();
  EXPECT_TRUE(info->latest_run.has_value());
  return *info->latest_run;
}

TEST_F(GraphStoreTest, OutOfOrderRunEventsEndInTheInOrderState) {
  Write(RunEvent(1, RunEventType::kStart, 100, "in_order", {}, {}));
  Write(RunEvent(1, RunEventType::kRunning, 150, "in_order", {}, {}));
  Write(RunEvent(1, RunEventType::kComplete, 200, "in_order", {}, {}));
  // The same run delivered backwards: COMPLETE, then a late RUNNING, then START.
  Write(RunEvent(2, RunEventType::kComplete, 200, "reversed", {}, {}));
  Write(RunEvent(2, RunEventType::kRunning, 150, "reversed", {}, {}));
  Write(RunEvent(2, RunEventType::kStart, 100, "reversed", {}, {}));

  for (const char* job : {"in_order", "reversed"}) {
    RunInfo run = LatestRun(*store_, job);
    EXPECT_EQ(run.state, RunState::kCompleted) << job;
    EXPECT_EQ(run.started_at_micros, 100) << job;
    EXPECT_EQ(run.ended_at_micros, 200) << job;
    EXPECT_EQ(run.created_at_micros, 100) << job;
    EXPECT_EQ(run.updated_at_micros, 200) << job;
  }
}

TEST_F(GraphStoreTest, LatestRunIsTheOneThatStartedLast) {
  Write(RunEvent(2, RunEventType::kStart, 200, "j", {}, {}));
  Write(RunEvent(1, RunEventType::kFail, 100, "j", {}, {}));  // an older run, arriving late
  RunInfo run = LatestRun(*store_, "j");
  EXPECT_EQ(run.id, RunId(2));
  EXPECT_EQ(run.state, RunState::kRunning);
}

TEST_F(GraphStoreTest, ConcurrentWritersAreAllAcknowledgedAndStored) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  std::atomic<int> stored{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Event e = RunEvent(static_cast<uint8_t>(t * kPerThread + i), RunEventType::kComplete,
                           t * 1000 + i, "job" + std::to_string(t), {Name("db", "in")},
                           {Name("db", "out" + std::to_string(t))});
        e.run_id[14] = static_cast<uint8_t>(t + 1);
        e.content_hash[0] = static_cast<uint8_t>(t);
        e.content_hash[1] = static_cast<uint8_t>(i);
        auto r = store_->WriteAndWait(std::move(e));
        if (r.ok() && *r == WriteOutcome::kStored) stored++;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(stored.load(), kThreads * kPerThread);
  EXPECT_EQ(store_->event_count(), static_cast<uint64_t>(kThreads * kPerThread));
  LineageGraph g = Lineage(NodeKind::kDataset, "db", "in", 1);
  EXPECT_EQ(g.jobs.size(), static_cast<size_t>(kThreads));
}

TEST_F(GraphStoreTest, StatsCountTheGraphExactlyAcrossReopen) {
  Write(RunEvent(1, RunEventType::kStart, 10, "j1", {Name("db", "a")}, {}));
  Write(RunEvent(1, RunEventType::kComplete, 20, "j1", {Name("db", "a")}, {Name("db", "b")}));
  Write(RunEvent(2, RunEventType::kFail, 30, "j2", {Name("db", "b")}, {}));
  Write(RunEvent(3, RunEventType::kStart, 40, "j2", {Name("db", "b")}, {}));
  for (int round = 0; round < 2; ++round) {
    StoreStats stats = store_->GetStats();
    EXPECT_EQ(stats.events, 4u);
    EXPECT_EQ(stats.datasets, 2u);
    EXPECT_EQ(stats.jobs, 2u);
    EXPECT_EQ(stats.runs, 3u);
    EXPECT_EQ(stats.edges, 3u);  // a->j1, j1->b, b->j2
    EXPECT_EQ(stats.runs_by_state[static_cast<int>(RunState::kCompleted)], 1u);
    EXPECT_EQ(stats.runs_by_state[static_cast<int>(RunState::kFailed)], 1u);
    EXPECT_EQ(stats.runs_by_state[static_cast<int>(RunState::kRunning)], 1u);
    Reopen();
  }
}

TEST_F(GraphStoreTest, FreshnessListsDatasetsWrittenByCompletedRuns) {
  Write(RunEvent(1, RunEventType::kStart, 10, "j1", {Name("db", "in")}, {Name("db", "out")}));
  auto none = store_->ListDatasetFreshness(100);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  Write(RunEvent(1, RunEventType::kComplete, 20, "j1", {Name("db", "in")}, {Name("db", "out")}));
  auto fresh = store_->ListDatasetFreshness(100);
  ASSERT_TRUE(fresh.ok());
  ASSERT_EQ(fresh->size(), 1u);
  EXPECT_EQ((*fresh)[0].name, Name("db", "out"));
  EXPECT_EQ((*fresh)[0].last_modified_at_micros, 20);
}

TEST_F(GraphStoreTest, OutboxHoldsEveryStoredEventUntilAcknowledged) {
  Reopen(/*outbox=*/true);
  Event first = RunEvent(1, RunEventType::kStart, 10, "j", {}, {});
  Write(first);
  Write(RunEvent(2, RunEventType::kStart, 20, "j", {}, {}));
  Write(RunEvent(3, RunEventType::kStart, 30, "j", {}, {}));
  ASSERT_EQ(*store_->WriteAndWait(first), WriteOutcome::kDuplicate);  // no second entry
  EXPECT_EQ(store_->outbox_depth(), 3u);
  auto entries = store_->ReadOutbox(0, 10);
  ASSERT_TRUE(entries.ok());
  EXPECT_THAT(*entries,
              ElementsAre(Field(&OutboxEntry::sequence, 1u), Field(&OutboxEntry::sequence, 2u),
                          Field(&OutboxEntry::sequence, 3u)));

  ASSERT_TRUE(store_->AckOutbox({1}).ok());
  ASSERT_TRUE(store_->DeadLetterOutbox(2, "ATLAS-400-00-01A: bad attribute").ok());
  EXPECT_EQ(store_->outbox_depth(), 1u);
  EXPECT_EQ(store_->dead_letter_count(), 1u);
  auto letters = store_->ListDeadLetters(10);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 1u);
  EXPECT_EQ((*letters)[0].sequence, 2u);
  EXPECT_EQ((*letters)[0].reason, "ATLAS-400-00-01A: bad attribute");

  Reopen(/*outbox=*/true);  // survives a restart, counts included
  EXPECT_EQ(store_->outbox_depth(), 1u);
  EXPECT_EQ(store_->dead_letter_count(), 1u);
  ASSERT_TRUE(store_->RetryDeadLetter(2).ok());
  EXPECT_TRUE(absl::IsNotFound(store_->RetryDeadLetter(2)));
  EXPECT_EQ(store_->outbox_depth(), 2u);
  EXPECT_EQ(store_->dead_letter_count(), 0u);
  auto remaining = store_->ReadOutbox(0, 10);
  ASSERT_TRUE(remaining.ok());
  EXPECT_THAT(*remaining,
              ElementsAre(Field(&OutboxEntry::sequence, 2u), Field(&OutboxEntry::sequence, 3u)));
  auto later = store_->ReadOutbox(3, 10);
  ASSERT_TRUE(later.ok());
  EXPECT_THAT(*later, ElementsAre(Field(&OutboxEntry::sequence, 3u)));
}

TEST_F(GraphStoreTest, NoOutboxUnlessEnabled) {
  Write(RunEvent(1, RunEventType::kStart, 10, "j", {}, {}));
  EXPECT_EQ(store_->outbox_depth(), 0u);
  auto entries = store_->ReadOutbox(0, 10);
  ASSERT_TRUE(entries.ok());
  EXPECT_TRUE(entries->empty());
}

TEST_F(GraphStoreTest, WritesAfterCloseAreRefused) {
  ASSERT_TRUE(store_->Close().ok());
  auto r = store_->WriteAndWait(RunEvent(1, RunEventType::kStart, 1, "j", {}, {}));
  EXPECT_TRUE(absl::IsUnavailable(r.status()));
  EXPECT_TRUE(store_->Close().ok());  // idempotent
}

}  // namespace
}  // namespace lineaged::graphstore
