// The store under write failures and overload, with a fault-injecting file
// system in place of the real disk: a full disk makes writes fail with
// Unavailable (and says why, without paths) while reads keep working; the
// store recovers by itself once space returns and loses no acknowledged
// event; a full write queue is ResourceExhausted.

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "graphstore/graph_store.h"
#include "tests/testing/fault_file_system.h"
#include "tests/testing/temp_dir.h"

namespace lineaged::graphstore {
namespace {

using lineaged::testing::FaultFileSystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Bounded polls: a guard against a hung store, not a speed expectation.
constexpr auto kPollLimit = std::chrono::seconds(60);
constexpr auto kPollInterval = std::chrono::milliseconds(10);

template <typename Predicate>
bool PollUntil(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + kPollLimit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
  return true;
}

// A COMPLETE run of job `job` reading db:in.<job> and writing db:out.<job>.
Event JobEvent(uint8_t run, const std::string& job) {
  Event e;
  e.kind = EventKind::kRun;
  e.event_type = RunEventType::kComplete;
  e.event_time_micros = 1000 + run;
  e.producer = "test";
  e.run_id[15] = run;
  e.job = {"ns", job};
  e.inputs.emplace_back().name = {"db", "in." + job};
  e.outputs.emplace_back().name = {"db", "out." + job};
  e.raw_json = "{\"job\":\"" + job + "\",\"run\":" + std::to_string(run) + "}";
  for (size_t i = 0; i < e.raw_json.size(); ++i) e.content_hash[i % 16] ^= e.raw_json[i] + i;
  return e;
}

class StoreWriteFailureTest : public ::testing::Test {
 protected:
  void Open(size_t max_pending_events = 4096, size_t max_batch_events = 512) {
    store_.reset();
    Options options;
    options.data_dir = data_dir_;
    options.file_system = fs_;
    options.max_pending_events = max_pending_events;
    options.max_batch_events = max_batch_events;
    auto opened = GraphStore::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
  }

  // The raw JSON of the stored events, in sequence order.
  std::vector<std::string> StoredJson() {
    absl::StatusOr<std::vector<StoredEvent>> events = store_->ReadEvents(0, 100);
    EXPECT_TRUE(events.ok()) << events.status();
    std::vector<std::string> json;
    if (events.ok()) {
      for (const StoredEvent& event : *events) json.push_back(event.raw_json);
    }
    return json;
  }

  absl::StatusOr<LineageGraph> JobLineage(const std::string& job) {
    return store_->GetLineage(NodeRef{NodeKind::kJob, {"ns", job}}, 1);
  }

  lineaged::testing::TempDir dir_;
  const std::string data_dir_ = dir_.path() + "/data";
  std::shared_ptr<FaultFileSystem> fs_ = std::make_shared<FaultFileSystem>();
  std::unique_ptr<GraphStore> store_;
};

TEST_F(StoreWriteFailureTest, DiskFullRefusesWritesServesReadsAndRecovers) {
  Open();
  auto stored = store_->WriteAndWait(JobEvent(1, "before"));
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_TRUE(store_->write_status().ok());

  fs_->SetNoSpace(true);
  auto refused = store_->WriteAndWait(JobEvent(2, "during"));
  ASSERT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("cannot write: no space left on device"));
  EXPECT_THAT(refused.status().message(), Not(HasSubstr(dir_.path())));
  EXPECT_GT(fs_->failed_appends(), 0);

  // The state is visible, and stays while the disk is full.
  absl::Status health = store_->write_status();
  EXPECT_TRUE(absl::IsUnavailable(health)) << health;
  EXPECT_THAT(health.message(), HasSubstr("no space left on device"));
  EXPECT_THAT(health.message(), Not(HasSubstr(dir_.path())));
  auto refused_again = store_->WriteAndWait(JobEvent(3, "during.again"));
  EXPECT_TRUE(absl::IsUnavailable(refused_again.status())) << refused_again.status();

  // Reads keep working, and nothing of the refused events is visible.
  auto before = JobLineage("before");
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->jobs.size(), 1u);
  EXPECT_EQ(before->datasets.size(), 2u);
  EXPECT_TRUE(absl::IsNotFound(JobLineage("during").status()));
  auto events = store_->ReadEvents(0, 10);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].raw_json, JobEvent(1, "before").raw_json);
  EXPECT_EQ(store_->event_count(), 1u);

  // Space returns: the store notices by itself, with no write to prompt it.
  fs_->SetNoSpace(false);
  ASSERT_TRUE(PollUntil([&] { return store_->write_status().ok(); })) << store_->write_status();

  // The refused event was not half-written: it is new, not a duplicate.
  auto retried = store_->WriteAndWait(JobEvent(2, "during"));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(*retried, WriteOutcome::kStored);
  auto after = store_->WriteAndWait(JobEvent(4, "after"));
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, WriteOutcome::kStored);
  EXPECT_EQ(store_->event_count(), 3u);

  // Every acknowledged event survives a reopen, and only those.
  ASSERT_TRUE(store_->Close().ok());
  Open();
  for (const std::string job : {"before", "during", "after"}) {
    auto graph = JobLineage(job);
    ASSERT_TRUE(graph.ok()) << job << ": " << graph.status();
    EXPECT_EQ(graph->jobs.size(), 1u) << job;
  }
  EXPECT_TRUE(absl::IsNotFound(JobLineage("during.again").status()));
  EXPECT_THAT(StoredJson(),
              ElementsAre(JobEvent(1, "before").raw_json, JobEvent(2, "during").raw_json,
                          JobEvent(4, "after").raw_json));
  EXPECT_TRUE(store_->write_status().ok());
}

// A WAL sync that fails (fsync's EIO) is not an acknowledgement. RocksDB
// cannot tell what the log holds afterwards and will not resume without a
// reopen: the store stays read-only, says that a restart is needed, keeps
// serving reads, and after a reopen everything acknowledged is there. The
// unacknowledged event may have reached the log, so its retry is stored or
// a duplicate, never lost.
TEST_F(StoreWriteFailureTest, FailedWalSyncIsNotAcknowledgedAndNeedsAReopen) {
  Open();
  ASSERT_TRUE(store_->WriteAndWait(JobEvent(1, "before")).ok());

  fs_->SetSyncFails(true);
  auto refused = store_->WriteAndWait(JobEvent(2, "unsynced"));
  ASSERT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("the store cannot write: input/output error"));
  EXPECT_THAT(refused.status().message(), Not(HasSubstr(dir_.path())));
  fs_->SetSyncFails(false);

  // Once the retries found the error final, the state says so.
  ASSERT_TRUE(PollUntil([&] {
    return absl::StrContains(store_->write_status().message(), "restart");
  })) << store_->write_status();
  EXPECT_THAT(store_->write_status().message(), Not(HasSubstr(dir_.path())));
  auto refused_later = store_->WriteAndWait(JobEvent(3, "refused"));
  EXPECT_TRUE(absl::IsUnavailable(refused_later.status())) << refused_later.status();
  EXPECT_THAT(refused_later.status().message(), HasSubstr("restart"));
  EXPECT_THAT(store_->write_status().message(), HasSubstr("restart"));
  auto before = JobLineage("before");
  EXPECT_TRUE(before.ok()) << before.status();

  store_->Close().IgnoreError();  // its flush fails: RocksDB is still in its error state
  Open();
  EXPECT_TRUE(store_->write_status().ok()) << store_->write_status();
  auto retried = store_->WriteAndWait(JobEvent(2, "unsynced"));
  ASSERT_TRUE(retried.ok()) << retried.status();
  auto after = store_->WriteAndWait(JobEvent(4, "after"));
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, WriteOutcome::kStored);
  for (const std::string job : {"before", "unsynced", "after"}) {
    EXPECT_TRUE(JobLineage(job).ok()) << job;
  }
}

// The commit thread applies a group while the previous one is being written
// (committer.h). When that write fails, the group applied on top of it fails
// too, unwritten, and the store's numbering and totals go back to before
// both: sent again, both are new events.
TEST_F(StoreWriteFailureTest, GroupAppliedOnAFailedWriteFailsWithIt) {
  Open(/*max_pending_events=*/4096, /*max_batch_events=*/1);
  struct Result {
    absl::Mutex mu;
    std::optional<absl::StatusOr<WriteOutcome>> outcome ABSL_GUARDED_BY(mu);
  };
  std::vector<std::unique_ptr<Result>> results;
  auto submit = [&](const Event& event) {
    results.push_back(std::make_unique<Result>());
    Result* result = results.back().get();
    store_->Write(event, [result](absl::StatusOr<WriteOutcome> r) {
      absl::MutexLock lock(&result->mu);
      result->outcome = std::move(r);
    });
  };
  auto wait_for = [&](size_t i) -> absl::StatusOr<WriteOutcome> {
    EXPECT_TRUE(PollUntil([&] {
      absl::MutexLock lock(&results[i]->mu);
      return results[i]->outcome.has_value();
    })) << i;
    absl::MutexLock lock(&results[i]->mu);
    return results[i]->outcome.value_or(absl::DeadlineExceededError("no outcome"));
  };

  // The first group's WAL append blocks; two more groups queue behind it, so
  // "doomed" is being written while "next" is applied on top of it.
  fs_->Hold();
  submit(JobEvent(1, "first"));
  ASSERT_TRUE(PollUntil([&] { return fs_->held_writers() > 0; }));
  submit(JobEvent(2, "doomed"));
  submit(JobEvent(3, "next"));
  fs_->SetNoSpaceFor("doomed");
  fs_->Release();

  absl::StatusOr<WriteOutcome> first = wait_for(0);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, WriteOutcome::kStored);
  absl::StatusOr<WriteOutcome> doomed = wait_for(1);
  ASSERT_TRUE(absl::IsUnavailable(doomed.status())) << doomed.status();
  EXPECT_THAT(doomed.status().message(), HasSubstr("no space left on device"));
  absl::StatusOr<WriteOutcome> next = wait_for(2);
  EXPECT_EQ(next.status(), doomed.status());

  fs_->SetNoSpaceFor("");
  ASSERT_TRUE(PollUntil([&] { return store_->write_status().ok(); })) << store_->write_status();
  EXPECT_TRUE(absl::IsNotFound(JobLineage("doomed").status()));
  EXPECT_TRUE(absl::IsNotFound(JobLineage("next").status()));
  EXPECT_EQ(store_->event_count(), 1u);

  for (uint8_t run : {2, 3}) {
    auto retried = store_->WriteAndWait(JobEvent(run, run == 2 ? "doomed" : "next"));
    ASSERT_TRUE(retried.ok()) << retried.status();
    EXPECT_EQ(*retried, WriteOutcome::kStored);
  }
  EXPECT_EQ(store_->event_count(), 3u);
  auto jobs = store_->ListJobs(std::nullopt, {}, 10, 0);
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  EXPECT_EQ(jobs->total_count, 3u);
  EXPECT_EQ(jobs->items.size(), 3u);
  ASSERT_TRUE(store_->Close().ok());
  Open();
  EXPECT_THAT(StoredJson(),
              ElementsAre(JobEvent(1, "first").raw_json, JobEvent(2, "doomed").raw_json,
                          JobEvent(3, "next").raw_json));
}

// The groups that failed had changed a job's record (its latest run); the
// commit thread keeps parsed records between groups, and none of theirs may
// reach a later group's write.
TEST_F(StoreWriteFailureTest, RecordsOfFailedGroupsDoNotReachLaterWrites) {
  Open(/*max_pending_events=*/4096, /*max_batch_events=*/1);
  std::atomic<int> answered{0};
  std::vector<absl::Status> failures(2);
  fs_->Hold();
  store_->Write(JobEvent(1, "etl"), [&](absl::StatusOr<WriteOutcome> r) {
    EXPECT_TRUE(r.ok()) << r.status();
    ++answered;
  });
  ASSERT_TRUE(PollUntil([&] { return fs_->held_writers() > 0; }));
  // Runs 2 and 3 are newer than run 1: each group makes its run the job's latest.
  for (uint8_t run : {2, 3}) {
    store_->Write(JobEvent(run, "etl"), [&, run](absl::StatusOr<WriteOutcome> r) {
      failures[run - 2] = r.status();
      ++answered;
    });
  }
  fs_->SetNoSpaceFor("\"run\":2");
  fs_->Release();
  ASSERT_TRUE(PollUntil([&] { return answered.load() == 3; }));
  EXPECT_TRUE(absl::IsUnavailable(failures[0])) << failures[0];
  EXPECT_EQ(failures[1], failures[0]);

  fs_->SetNoSpaceFor("");
  ASSERT_TRUE(PollUntil([&] { return store_->write_status().ok(); })) << store_->write_status();
  // A run older than run 1 changes the job's record but leaves run 1 latest.
  Event older = JobEvent(4, "etl");
  older.event_time_micros = 1000;
  auto stored = store_->WriteAndWait(older);
  ASSERT_TRUE(stored.ok()) << stored.status();
  auto job = store_->GetJob({"ns", "etl"});
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_TRUE(job->latest_run.has_value());
  EXPECT_EQ(job->latest_run->id, JobEvent(1, "etl").run_id);
}

TEST_F(StoreWriteFailureTest, FullWriteQueueIsResourceExhausted) {
  constexpr size_t kMaxPending = 3;
  Open(kMaxPending, /*max_batch_events=*/1);
  fs_->Hold();

  struct Result {
    absl::Mutex mu;
    std::optional<absl::StatusOr<WriteOutcome>> outcome ABSL_GUARDED_BY(mu);
  };
  std::vector<std::unique_ptr<Result>> results;
  auto submit = [&](uint8_t run) {
    results.push_back(std::make_unique<Result>());
    Result* result = results.back().get();
    store_->Write(JobEvent(run, "queued." + std::to_string(run)),
                  [result](absl::StatusOr<WriteOutcome> r) {
                    absl::MutexLock lock(&result->mu);
                    result->outcome = std::move(r);
                  });
  };
  auto outcome = [&](size_t i) {
    absl::MutexLock lock(&results[i]->mu);
    return results[i]->outcome;
  };

  // The commit thread takes the first event and blocks in its WAL append.
  submit(1);
  ASSERT_TRUE(PollUntil([&] { return fs_->held_writers() > 0; }));
  // Two more are accepted (wherever the commit thread has got with them, all
  // three count until acknowledged); the next is refused at once, while
  // every accepted write is still waiting for the disk.
  submit(2);
  submit(3);
  submit(4);
  EXPECT_FALSE(outcome(0).has_value());
  EXPECT_FALSE(outcome(1).has_value());
  EXPECT_FALSE(outcome(2).has_value());
  std::optional<absl::StatusOr<WriteOutcome>> refused = outcome(3);
  ASSERT_TRUE(refused.has_value());
  EXPECT_TRUE(absl::IsResourceExhausted(refused->status())) << refused->status();
  EXPECT_THAT(refused->status().message(), HasSubstr("write queue full"));

  fs_->Release();
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(PollUntil([&] { return outcome(i).has_value(); })) << i;
    std::optional<absl::StatusOr<WriteOutcome>> done = outcome(i);
    ASSERT_TRUE(done->ok()) << i << ": " << done->status();
    EXPECT_EQ(**done, WriteOutcome::kStored) << i;
  }
  EXPECT_EQ(store_->event_count(), 3u);
  EXPECT_TRUE(absl::IsNotFound(JobLineage("queued.4").status()));
  // Room again once the queue drained.
  auto later = store_->WriteAndWait(JobEvent(5, "later"));
  ASSERT_TRUE(later.ok()) << later.status();
}

}  // namespace
}  // namespace lineaged::graphstore
