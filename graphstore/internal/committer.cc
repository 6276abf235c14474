#include "graphstore/internal/committer.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "spdlog/spdlog.h"

#include "graphstore/base/status_macros.h"
#include "graphstore/base/thread_name.h"
#include "graphstore/internal/event_applier.h"
#include "graphstore/internal/group_batch.h"
#include "graphstore/internal/key_codec.h"
#include "graphstore/internal/name_search_index.h"
#include "graphstore/internal/node_stamps.h"
#include "graphstore/internal/records.pb.h"
#include "graphstore/internal/rocksdb_status.h"

namespace lineaged::graphstore::internal {
namespace {

// Retries of DB::Resume() while the store cannot write.
constexpr absl::Duration kFirstResumeDelay = absl::Milliseconds(100);
constexpr absl::Duration kMaxResumeDelay = absl::Seconds(5);

// Facet digests the commit thread remembers as stored (~20 bytes each).
constexpr size_t kKnownFacets = 1u << 18;
// Parsed node records kept between groups: the nodes busy enough to be
// touched by consecutive groups, a few thousand at most.
constexpr size_t kParsedNodeCacheBytes = 16u << 20;
// A sweep scans every node, run and version, so it runs only when enough
// references were dropped for it to find something, or once a day if any.
constexpr absl::Duration kSweepCheckInterval = absl::Minutes(1);
constexpr uint64_t kSweepAfterDropped = 100'000;
constexpr absl::Duration kSweepEvery = absl::Hours(24);

// Erases the digests `facets` names from `unreferenced`, the facet texts a
// sweep found on its snapshot.
void Mark(const FacetEntries& facets, absl::flat_hash_set<FacetDigest>* unreferenced) {
  for (const FacetEntry& entry : facets) {
    if (HasDigest(entry.value())) unreferenced->erase(DigestOf(entry.value()));
  }
}

// Why a write failed, in words safe to show a client: RocksDB's messages name
// files ("While appending to file: /data/000012.log: Read-only file system"),
// so only the strerror text at the end is kept.
std::string WriteErrorReason(const rocksdb::Status& s) {
  if (s.IsNoSpace()) return "no space left on device";
  std::string_view state = s.getState() == nullptr ? "" : s.getState();
  size_t colon = state.rfind(": ");
  std::string_view tail = colon == std::string_view::npos ? state : state.substr(colon + 2);
  // strerror texts are words ("Input/output error"); a path starts with '/'
  // or holds digits or dots.
  auto words_only = [](std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
      return absl::ascii_isalpha(c) || c == ' ' || c == '/' || c == '-' || c == '\'';
    });
  };
  if (!tail.empty() && tail.size() <= 80 && tail[0] != '/' && words_only(tail)) {
    std::string reason(tail);
    reason[0] = absl::ascii_tolower(reason[0]);
    return reason;
  }
  return "I/O error";
}

}  // namespace

struct Committer::Applied {
  std::unique_ptr<GroupBatch> batch;
  rocksdb::WriteBatch* write_batch = nullptr;  // owned by `batch`
  std::vector<WriteCallback> callbacks;        // run by the ack thread once synced
  std::vector<absl::StatusOr<WriteOutcome>> outcomes;
  std::vector<Pending> events;  // handed to the ack thread to free
  uint64_t first_sequence = 0;
  uint64_t next_sequence = 0;
  CountersRecord counters_before;
  CountersRecord counters_after;
  // Set by the write thread under write_mu_.
  bool written = false;
  rocksdb::Status status;
};

Committer::Committer(Database* db, const Options& options, uint64_t next_sequence,
                     const CountersRecord& counters, NameSearchIndex* search_index,
                     NodeStamps* node_stamps)
    : db_(db),
      options_(options),
      search_index_(search_index),
      node_stamps_(node_stamps),
      resume_backoff_(kFirstResumeDelay),
      next_resume_(absl::InfinitePast()),
      next_sequence_(next_sequence),
      counters_(counters),
      cache_(options.committer_cache_bytes),
      parsed_nodes_(kParsedNodeCacheBytes),
      facets_(kKnownFacets),
      published_counters_(counters),
      committed_next_sequence_(next_sequence) {
  commit_thread_ = std::thread([this] {
    NameThisThread("commit");
    CommitLoop();
  });
  write_thread_ = std::thread([this] {
    NameThisThread("write");
    WriteLoop();
  });
  ack_thread_ = std::thread([this] {
    NameThisThread("ack");
    AckLoop();
  });
  sweep_thread_ = std::thread([this] {
    NameThisThread("facet-sweep");
    SweepLoop();
  });
}

Committer::~Committer() { Stop(); }

absl::Status Committer::Submit(Event event, WriteCallback done) {
  int64_t now = absl::ToUnixMicros(absl::Now());
  // The vectors' elements stay where they are when `event` is moved, so the
  // digests' keys stay valid in the queue.
  FacetDigests digests = DigestsOf(event);
  std::string event_value = EncodeEventValue(now, event.raw_json);
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the store is closing");
  if (unacknowledged_.load(std::memory_order_relaxed) >= options_.max_pending_events) {
    return QueueFull();
  }
  unacknowledged_.fetch_add(1, std::memory_order_relaxed);
  // Counted until its callback runs: queued, being applied or being written.
  WriteCallback counted = [this, done = std::move(done)](absl::StatusOr<WriteOutcome> outcome) {
    unacknowledged_.fetch_sub(1, std::memory_order_relaxed);
    done(std::move(outcome));
  };
  queue_.push_back(Pending{std::move(event), std::move(counted), now, nullptr,
                           std::move(event_value), std::move(digests)});
  return absl::OkStatus();
}

absl::Status Committer::QueueFull() const {
  return absl::ResourceExhaustedError(
      absl::StrFormat("write queue full: max_pending_events (%d) events are waiting for the store",
                      options_.max_pending_events));
}

absl::Status Committer::QueueRoom() const {
  if (unacknowledged_.load(std::memory_order_relaxed) >= options_.max_pending_events) {
    return QueueFull();
  }
  return absl::OkStatus();
}

absl::Status Committer::SubmitMutation(Mutation mutation, WriteCallback done) {
  int64_t now = absl::ToUnixMicros(absl::Now());
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the store is closing");
  // Admin changes are few and small: they may exceed the event queue bound.
  queue_.push_back(Pending{Event(), std::move(done), now, std::move(mutation), {}, {}});
  return absl::OkStatus();
}

void Committer::Stop() {
  {
    absl::MutexLock lock(&sweep_wait_mu_);
    sweep_stopping_ = true;
  }
  sweep_abort_ = true;
  if (sweep_thread_.joinable()) sweep_thread_.join();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (commit_thread_.joinable()) commit_thread_.join();
  {
    absl::MutexLock lock(&write_mu_);
    write_stopping_ = true;
  }
  if (write_thread_.joinable()) write_thread_.join();
  {
    absl::MutexLock lock(&ack_mu_);
    ack_stopping_ = true;
  }
  if (ack_thread_.joinable()) ack_thread_.join();
}

void Committer::Acknowledge(AckBatch batch) {
  absl::MutexLock lock(&ack_mu_);
  acks_.push_back(std::move(batch));
}

void Committer::AckLoop() {
  for (;;) {
    AckBatch batch;
    {
      absl::MutexLock lock(&ack_mu_);
      auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(ack_mu_) {
        return !acks_.empty() || ack_stopping_;
      };
      ack_mu_.Await(absl::Condition(&has_work));
      if (acks_.empty()) return;  // stopping, and every callback has run
      batch = std::move(acks_.front());
      acks_.pop_front();
    }
    for (size_t i = 0; i < batch.callbacks.size(); ++i) {
      batch.callbacks[i](std::move(batch.outcomes[i]));
    }
    // The group's events are freed here too, off the commit thread.
  }
}

absl::Status Committer::RunMutation(Mutation mutation) {
  absl::Notification done;
  absl::Status result;
  LINEAGED_RETURN_IF_ERROR(
      SubmitMutation(std::move(mutation), [&](absl::StatusOr<WriteOutcome> outcome) {
        result = outcome.status();
        done.Notify();
      }));
  done.WaitForNotification();
  return result;
}

absl::StatusOr<uint64_t> Committer::SweepFacets() {
  absl::MutexLock sweep_lock(&sweep_mu_);
  const uint64_t dropped_at_start = facets_.dropped_references();
  LINEAGED_RETURN_IF_ERROR(RunMutation([](EventApplier& applier, int64_t) {
    applier.BeginFacetSweep();
    return absl::OkStatus();
  }));
  // Every group written before BeginFacetSweep is in this snapshot; what
  // events name after it, the commit thread remembers (FacetStore::Touch).
  absl::flat_hash_set<FacetDigest> unreferenced;
  absl::Status scanned = [&]() -> absl::Status {
    rocksdb::ReadOptions options;
    options.snapshot = db_->db()->GetSnapshot();
    options.fill_cache = false;
    struct Release {
      Database* db;
      const rocksdb::Snapshot* snapshot;
      ~Release() { db->db()->ReleaseSnapshot(snapshot); }
    } release{db_, options.snapshot};
    std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(options, db_->graph()));
    auto scan = [&](char prefix, const std::function<bool(rocksdb::Slice)>& visit) {
      const std::string start(1, prefix);
      for (it->Seek(start); it->Valid() && it->key().starts_with(start); it->Next()) {
        if (sweep_abort_.load(std::memory_order_relaxed)) {
          return absl::UnavailableError("the store is closing");
        }
        if (!visit(it->value())) return absl::DataLossError("unreadable graph record");
      }
      return FromRocksDb(it->status(), "facet sweep scan");
    };
    const std::string facet_start(1, kFacetPrefix);
    for (it->Seek(facet_start); it->Valid() && it->key().starts_with(facet_start); it->Next()) {
      unreferenced.insert(DigestFromBytes(it->key().ToStringView().substr(1)));
    }
    LINEAGED_RETURN_IF_ERROR(FromRocksDb(it->status(), "facet sweep scan"));
    if (unreferenced.empty()) return absl::OkStatus();
    // Every record kind that names facets: nodes, runs, dataset versions.
    LINEAGED_RETURN_IF_ERROR(scan(kNodePrefix, [&](rocksdb::Slice value) {
      NodeRecord record;
      if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) return false;
      Mark(record.facets(), &unreferenced);
      return true;
    }));
    LINEAGED_RETURN_IF_ERROR(scan(kRunPrefix, [&](rocksdb::Slice value) {
      RunRecord record;
      if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) return false;
      Mark(record.facets(), &unreferenced);
      Mark(record.job_facets(), &unreferenced);
      for (const auto* list : {&record.inputs(), &record.outputs()}) {
        for (const RunDatasetRecord& entry : *list) Mark(entry.facets(), &unreferenced);
      }
      return true;
    }));
    return scan(kDatasetVersionPrefix, [&](rocksdb::Slice value) {
      DatasetVersionRecord record;
      if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) return false;
      Mark(record.facets(), &unreferenced);
      return true;
    });
  }();
  std::vector<FacetDigest> candidates;
  if (scanned.ok()) candidates.assign(unreferenced.begin(), unreferenced.end());
  uint64_t deleted = 0;
  // Ends the sweep even when the scan failed (deleting nothing then).
  absl::Status ended = RunMutation([&](EventApplier& applier, int64_t) {
    applier.EndFacetSweep(candidates, &deleted);
    return absl::OkStatus();
  });
  LINEAGED_RETURN_IF_ERROR(scanned);
  LINEAGED_RETURN_IF_ERROR(ended);
  swept_dropped_ = dropped_at_start;
  return deleted;
}

void Committer::SweepLoop() {
  absl::Time last_sweep = absl::Now();
  for (;;) {
    {
      absl::MutexLock lock(&sweep_wait_mu_);
      auto stopping = [this]()
                          ABSL_EXCLUSIVE_LOCKS_REQUIRED(sweep_wait_mu_) { return sweep_stopping_; };
      if (sweep_wait_mu_.AwaitWithTimeout(absl::Condition(&stopping), kSweepCheckInterval)) {
        return;
      }
    }
    const uint64_t dropped = facets_.dropped_references() - swept_dropped_.load();
    const absl::Time now = absl::Now();
    if (dropped < kSweepAfterDropped && (dropped == 0 || now - last_sweep < kSweepEvery)) {
      continue;
    }
    absl::StatusOr<uint64_t> deleted = SweepFacets();
    last_sweep = now;
    if (deleted.ok()) {
      spdlog::info("facet sweep: deleted {} facet texts no record names", *deleted);
    } else if (!absl::IsUnavailable(deleted.status())) {
      spdlog::error("facet sweep failed (retried later): {}", deleted.status().ToString());
    }
  }
}

CountersRecord Committer::counters() const {
  absl::MutexLock lock(&published_mu_);
  return published_counters_;
}

void Committer::CommitLoop() {
  std::vector<Pending> group;
  std::unique_ptr<Applied> in_flight;  // being written by the write thread
  for (;;) {
    group.clear();
    bool drained = false;
    const absl::Time resume_at = NextResume();
    {
      absl::MutexLock lock(&mu_);
      auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !queue_.empty() || stopping_;
      };
      auto has_work_or_failed = [this, &has_work]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return has_work() || unwritable_.load(std::memory_order_acquire);
      };
      if (in_flight != nullptr) {
        // Do not wait for events: with none queued, finish the write below.
      } else if (unwritable_.load(std::memory_order_acquire)) {
        // Wake up for the next Resume() even when no writes come in, so the
        // store reports itself writable again as soon as the disk allows.
        mu_.AwaitWithDeadline(absl::Condition(&has_work), resume_at);
      } else {
        mu_.Await(absl::Condition(&has_work_or_failed));
      }
      drained = queue_.empty() && stopping_;
      size_t n = std::min(queue_.size(), options_.max_batch_events);
      group.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (group.empty()) {
      if (in_flight != nullptr) {
        FinishWrite(in_flight.get()).IgnoreError();  // its callbacks have the outcome
        in_flight.reset();
        continue;  // re-check the queue before stopping
      }
      if (drained) return;
    }
    if (unwritable_.load(std::memory_order_acquire)) MaybeResume();
    if (group.empty()) continue;
    // Admin changes may scan the database, which lacks the write in flight.
    const bool has_mutation = std::any_of(group.begin(), group.end(),
                                          [](const Pending& p) { return p.mutation != nullptr; });
    if (has_mutation && in_flight != nullptr) {
      FinishWrite(in_flight.get()).IgnoreError();
      in_flight.reset();
    }
    std::unique_ptr<Applied> applied =
        ApplyGroup(&group, in_flight == nullptr ? nullptr : in_flight->batch.get());
    if (in_flight != nullptr) {
      absl::Status previous = FinishWrite(in_flight.get());
      in_flight.reset();
      if (!previous.ok() && applied != nullptr) {
        // Applied on top of writes that did not happen; FinishWrite rewound
        // the state to before them.
        FailCallbacks(std::move(applied->callbacks), previous);
        applied.reset();
      }
    }
    if (applied != nullptr) {
      applied->events = std::move(group);
      group = std::vector<Pending>();
      StartWrite(applied.get());
      in_flight = std::move(applied);
    }
  }
}

absl::Status Committer::write_status() const {
  if (!unwritable_.load(std::memory_order_acquire)) return absl::OkStatus();
  absl::MutexLock lock(&health_mu_);
  return write_error_;
}

absl::Status Committer::WriteFailed(const rocksdb::Status& s, std::string_view what) {
  if (!s.IsIOError()) {
    spdlog::error("store {} failed: {}", what, s.ToString());
    absl::Status translated = FromRocksDb(s, what);
    return absl::Status(translated.code(),
                        absl::StrFormat("the store failed to write (%s; see the server log)",
                                        absl::StatusCodeToString(translated.code())));
  }
  absl::Status status = absl::UnavailableError(absl::StrFormat(
      "the store cannot write: %s; reads are still served, and writes resume once the disk "
      "accepts them",
      WriteErrorReason(s)));
  absl::MutexLock lock(&health_mu_);
  if (needs_restart_) return write_error_;
  if (!unwritable_.exchange(true, std::memory_order_acq_rel)) {
    // RocksDB now refuses every write until DB::Resume(); MaybeResume retries it.
    spdlog::error("store {} failed, the store is read-only until writes succeed again: {}", what,
                  s.ToString());
  } else {
    spdlog::debug("store {} failed again: {}", what, s.ToString());
  }
  write_error_ = status;
  return status;
}

void Committer::MarkWritable(std::string_view how) {
  absl::MutexLock lock(&health_mu_);
  if (!unwritable_.exchange(false, std::memory_order_acq_rel)) return;
  write_error_ = absl::OkStatus();
  resume_backoff_ = kFirstResumeDelay;
  next_resume_ = absl::InfinitePast();
  spdlog::warn("the store accepts writes again ({})", how);
}

absl::Time Committer::NextResume() const {
  absl::MutexLock lock(&health_mu_);
  return next_resume_;
}

void Committer::MaybeResume() {
  absl::Time now = absl::Now();
  if (now < NextResume()) return;
  rocksdb::Status s = db_->db()->Resume();
  if (s.ok()) {
    MarkWritable("resumed");
    return;
  }
  absl::MutexLock lock(&health_mu_);
  if (s.severity() >= rocksdb::Status::kFatalError) {
    // E.g. a failed WAL sync: RocksDB cannot know what the log holds and
    // resumes only by reopening the database. Stop retrying and say so.
    spdlog::error("the store cannot write again without a restart of lineaged: {}", s.ToString());
    next_resume_ = absl::InfiniteFuture();
    needs_restart_ = true;
    write_error_ = absl::UnavailableError(absl::StrFormat(
        "the store cannot write: %s; reads are still served, writes need a restart of lineaged",
        WriteErrorReason(s)));
    return;
  }
  spdlog::debug("store resume failed, next try in {}: {}", absl::FormatDuration(resume_backoff_),
                s.ToString());
  next_resume_ = now + resume_backoff_;
  resume_backoff_ = std::min(resume_backoff_ * 2, kMaxResumeDelay);
}

std::unique_ptr<Committer::Applied> Committer::ApplyGroup(std::vector<Pending>* group,
                                                          const GroupBatch* previous) {
  auto applied = std::make_unique<Applied>();
  applied->first_sequence = next_sequence_;
  applied->counters_before = counters_;
  // Raw events plus about a kilobyte of index and graph writes per event.
  size_t expected_bytes = 0;
  for (const Pending& pending : *group) expected_bytes += pending.event_value.size() + 1024;
  applied->batch = std::make_unique<GroupBatch>(db_, &cache_, &facets_, previous, expected_bytes);
  GroupBatch& batch = *applied->batch;
  applied->outcomes.reserve(group->size());
  absl::Status failure = absl::OkStatus();
  // One applier for the group's events: nodes they share are parsed and
  // serialised once (EventApplier::Apply).
  EventApplier events_applier(&batch, &counters_, &parsed_nodes_);
  for (const Pending& pending : *group) {
    if (pending.mutation) {
      // The change reads node records from the batch: write back the events'.
      events_applier.FlushNodes();
      // A refused change (e.g. NotFound) fails alone and leaves no trace.
      batch.SetSavePoint();
      const CountersRecord counters_saved = counters_;
      EventApplier applier(&batch, &counters_);
      absl::Status status = pending.mutation(applier, pending.received_at_micros);
      // The change wrote node records around the parsed cache.
      parsed_nodes_.Clear();
      if (status.ok()) {
        applied->outcomes.push_back(WriteOutcome::kStored);
      } else {
        batch.RollbackToSavePoint();
        counters_ = counters_saved;
        applied->outcomes.push_back(status);
      }
      continue;
    }
    absl::StatusOr<WriteOutcome> outcome = ApplyEvent(pending, &batch, &events_applier);
    if (!outcome.ok()) {
      failure = outcome.status();
      break;
    }
    applied->outcomes.push_back(*outcome);
  }
  if (!failure.ok()) {
    // Nothing of the group is written: reuse its numbers.
    next_sequence_ = applied->first_sequence;
    counters_ = applied->counters_before;
    spdlog::log(unwritable_.load() ? spdlog::level::debug : spdlog::level::err,
                "store write of {} events failed: {}", group->size(), failure.ToString());
    parsed_nodes_.Clear();
    std::vector<WriteCallback> callbacks;
    callbacks.reserve(group->size());
    for (Pending& pending : *group) callbacks.push_back(std::move(pending.done));
    FailCallbacks(std::move(callbacks), failure);
    return nullptr;
  }
  events_applier.FlushNodes();
  std::string counters = counters_.SerializeAsString();
  if (counters != applied->counters_before.SerializeAsString()) {
    batch.Put(db_->graph(), MetaKey(kMetaCounters), std::move(counters));
  }
  applied->write_batch = batch.Finish();
  applied->next_sequence = next_sequence_;
  applied->counters_after = counters_;
  applied->callbacks.reserve(group->size());
  for (Pending& pending : *group) applied->callbacks.push_back(std::move(pending.done));
  return applied;
}

void Committer::StartWrite(Applied* applied) {
  absl::MutexLock lock(&write_mu_);
  writing_ = applied;
}

void Committer::WriteLoop() {
  for (;;) {
    Applied* applied = nullptr;
    {
      absl::MutexLock lock(&write_mu_);
      auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
        return (writing_ != nullptr && !writing_->written) || write_stopping_;
      };
      write_mu_.Await(absl::Condition(&has_work));
      if (writing_ == nullptr || writing_->written) return;  // stopping, nothing in flight
      applied = writing_;
    }
    // Written and synced in one call, so no WAL sync ever runs beside a
    // WAL append of ours: RocksDB syncs inside its write path (a SyncWAL()
    // racing a failed append trips an assertion; docs/reliability.md).
    rocksdb::WriteOptions write_options;
    write_options.sync = options_.sync_writes;
    rocksdb::Status s = db_->db()->Write(write_options, applied->write_batch);
    if (s.ok()) {
      if (options_.sync_writes) wal_syncs_.fetch_add(1, std::memory_order_relaxed);
      // Here, not when the commit thread learns of it, so that the commit
      // thread's next Resume() does not race it.
      if (unwritable_.load(std::memory_order_acquire)) MarkWritable("a write succeeded");
      // The one hook of the search index: names the group created become
      // searchable before the group is acknowledged, so a search after an
      // acknowledged write finds them.
      if (search_index_ != nullptr) search_index_->Insert(applied->batch->created_names());
      // Likewise, a page read after the acknowledgement re-renders what the
      // group changed (node_stamps.h).
      if (node_stamps_ != nullptr) node_stamps_->Bump(applied->batch->changed_nodes());
      {
        absl::MutexLock lock(&published_mu_);
        published_counters_ = applied->counters_after;
      }
      committed_next_sequence_.store(applied->next_sequence);
      if (options_.outbox_enabled) {
        outbox_added_.fetch_add(applied->next_sequence - applied->first_sequence);
      }
      Acknowledge(AckBatch{std::move(applied->callbacks), std::move(applied->outcomes),
                           std::move(applied->events)});
      applied->callbacks.clear();
      applied->outcomes.clear();
    }
    absl::MutexLock lock(&write_mu_);
    applied->status = std::move(s);
    applied->written = true;
  }
}

absl::Status Committer::FinishWrite(Applied* applied) {
  {
    absl::MutexLock lock(&write_mu_);
    auto written = [applied]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) { return applied->written; };
    write_mu_.Await(absl::Condition(&written));
    writing_ = nullptr;
  }
  if (applied->status.ok()) {
    applied->batch->PublishToCache();
    return absl::OkStatus();
  }
  absl::Status failure = WriteFailed(applied->status, "write");
  parsed_nodes_.Clear();
  // Nothing of the group reached the database: reuse its numbers.
  next_sequence_ = applied->first_sequence;
  counters_ = applied->counters_before;
  // An unwritable store was logged once, when it became so.
  spdlog::log(unwritable_.load() ? spdlog::level::debug : spdlog::level::err,
              "store write of {} events failed: {}", applied->callbacks.size(), failure.ToString());
  FailCallbacks(std::move(applied->callbacks), failure);
  applied->callbacks.clear();
  return failure;
}

void Committer::FailCallbacks(std::vector<WriteCallback> callbacks, const absl::Status& failure) {
  AckBatch failed;
  failed.outcomes.assign(callbacks.size(), failure);
  failed.callbacks = std::move(callbacks);
  Acknowledge(std::move(failed));
}

absl::StatusOr<WriteOutcome> Committer::ApplyEvent(const Pending& pending, GroupBatch* batch,
                                                   EventApplier* applier) {
  const Event& event = pending.event;
  const int64_t t = event.event_time_micros;

  // Idempotency: an event already stored (a client retry) writes nothing.
  std::string hash_key = EventHashKey(event.content_hash);
  LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> seen, batch->Get(db_->index(), hash_key));
  if (seen) return WriteOutcome::kDuplicate;

  const uint64_t sequence = next_sequence_++;
  std::string sequence_value;
  AppendBigEndian64(&sequence_value, sequence);
  batch->Put(db_->index(), hash_key, sequence_value);
  // The time index carries the kind and type, for the events and stats APIs.
  const char kind_and_type[2] = {static_cast<char>(event.kind),
                                 static_cast<char>(event.event_type)};
  batch->PutBlind(db_->index(), EventTimeKey(t, sequence), std::string_view(kind_and_type, 2));
  batch->PutBlind(db_->events(), EventKey(sequence), pending.event_value);
  if (options_.outbox_enabled) {
    // In the event's own batch: no stored event can miss its export.
    std::string enqueued;
    AppendBigEndian64(&enqueued, OrderedFromSigned(pending.received_at_micros));
    batch->PutBlind(db_->index(), SequenceKey(kOutboxPrefix, sequence), enqueued);
  }

  applier->UseDigests(&pending.facet_digests);
  LINEAGED_RETURN_IF_ERROR(applier->Apply(event));
  return WriteOutcome::kStored;
}

}  // namespace lineaged::graphstore::internal
