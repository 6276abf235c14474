#include "graphstore/internal/committer.h"

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "absl/time/clock.h"
#include "rocksdb/write_batch.h"
#include "spdlog/spdlog.h"

#include "graphstore/base/status_macros.h"
#include "graphstore/internal/event_applier.h"
#include "graphstore/internal/group_batch.h"
#include "graphstore/internal/key_codec.h"
#include "graphstore/internal/records.pb.h"
#include "graphstore/internal/rocksdb_status.h"

namespace lineaged::graphstore::internal {

Committer::Committer(Database* db, const Options& options, uint64_t next_sequence,
                     const CountersRecord& counters)
    : db_(db),
      options_(options),
      next_sequence_(next_sequence),
      counters_(counters),
      cache_(options.committer_cache_bytes),
      published_counters_(counters),
      committed_next_sequence_(next_sequence) {
  commit_thread_ = std::thread([this] { CommitLoop(); });
  sync_thread_ = std::thread([this] { SyncLoop(); });
}

Committer::~Committer() { Stop(); }

absl::Status Committer::Submit(Event event, WriteCallback done) {
  int64_t now = absl::ToUnixMicros(absl::Now());
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the store is closing");
  if (queue_.size() >= options_.max_pending_events) {
    return absl::UnavailableError("write queue full");
  }
  queue_.push_back(Pending{std::move(event), std::move(done), now, nullptr});
  return absl::OkStatus();
}

absl::Status Committer::SubmitMutation(Mutation mutation, WriteCallback done) {
  int64_t now = absl::ToUnixMicros(absl::Now());
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the store is closing");
  // Admin changes are few and small: they may exceed the event queue bound.
  queue_.push_back(Pending{Event(), std::move(done), now, std::move(mutation)});
  return absl::OkStatus();
}

void Committer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (commit_thread_.joinable()) commit_thread_.join();
  {
    absl::MutexLock lock(&sync_mu_);
    sync_stopping_ = true;
  }
  if (sync_thread_.joinable()) sync_thread_.join();
}

CountersRecord Committer::counters() const {
  absl::MutexLock lock(&published_mu_);
  return published_counters_;
}

void Committer::SyncLoop() {
  std::vector<Written> groups;
  for (;;) {
    groups.clear();
    {
      absl::MutexLock lock(&sync_mu_);
      auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mu_) {
        return !written_.empty() || sync_stopping_;
      };
      sync_mu_.Await(absl::Condition(&has_work));
      if (written_.empty()) return;  // stopping and drained
      groups.swap(written_);
    }
    // One sync covers every group written before it started.
    absl::Status synced = absl::OkStatus();
    if (options_.sync_writes) {
      synced = FromRocksDb(db_->db()->SyncWAL(), "sync WAL");
      wal_syncs_.fetch_add(1, std::memory_order_relaxed);
    }
    if (!synced.ok()) spdlog::error("WAL sync failed: {}", synced.ToString());
    for (Written& group : groups) {
      if (synced.ok()) {
        committed_next_sequence_.store(group.next_sequence);
        if (options_.outbox_enabled) outbox_added_.fetch_add(group.stored_events);
      }
      for (size_t i = 0; i < group.callbacks.size(); ++i) {
        if (synced.ok()) {
          group.callbacks[i](std::move(group.outcomes[i]));
        } else {
          group.callbacks[i](synced);
        }
      }
    }
  }
}

void Committer::CommitLoop() {
  std::vector<Pending> group;
  for (;;) {
    group.clear();
    {
      absl::MutexLock lock(&mu_);
      auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !queue_.empty() || stopping_;
      };
      mu_.Await(absl::Condition(&has_work));
      if (queue_.empty()) return;  // stopping and drained
      size_t n = std::min(queue_.size(), options_.max_batch_events);
      for (size_t i = 0; i < n; ++i) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitGroup(&group);
  }
}

void Committer::CommitGroup(std::vector<Pending>* group) {
  const uint64_t first_sequence = next_sequence_;
  const CountersRecord counters_before = counters_;
  GroupBatch batch(db_, &cache_);
  std::vector<absl::StatusOr<WriteOutcome>> outcomes;
  outcomes.reserve(group->size());
  absl::Status failure = absl::OkStatus();
  for (const Pending& pending : *group) {
    if (pending.mutation) {
      // A refused change (e.g. NotFound) fails alone and leaves no trace.
      batch.SetSavePoint();
      const CountersRecord counters_saved = counters_;
      EventApplier applier(&batch, &counters_);
      absl::Status status = pending.mutation(applier, pending.received_at_micros);
      if (status.ok()) {
        outcomes.push_back(WriteOutcome::kStored);
      } else {
        batch.RollbackToSavePoint();
        counters_ = counters_saved;
        outcomes.push_back(status);
      }
      continue;
    }
    absl::StatusOr<WriteOutcome> outcome = ApplyEvent(pending, &batch);
    if (!outcome.ok()) {
      failure = outcome.status();
      break;
    }
    outcomes.push_back(*outcome);
  }
  if (failure.ok()) {
    std::string counters = counters_.SerializeAsString();
    if (counters != counters_before.SerializeAsString()) {
      batch.Put(db_->graph(), MetaKey(kMetaCounters), std::move(counters));
    }
    // Not synced here: the sync thread syncs once for all groups written
    // while it was busy, and only then acknowledges them.
    failure = FromRocksDb(db_->db()->Write(rocksdb::WriteOptions(), batch.batch()), "write batch");
  }
  if (!failure.ok()) {
    // Nothing of the group reached the database: reuse its numbers.
    next_sequence_ = first_sequence;
    counters_ = counters_before;
    spdlog::error("store write of {} events failed: {}", group->size(), failure.ToString());
    for (Pending& pending : *group) pending.done(failure);
    return;
  }
  batch.PublishToCache();
  {
    absl::MutexLock lock(&published_mu_);
    published_counters_ = counters_;
  }
  Written written;
  written.outcomes = std::move(outcomes);
  written.next_sequence = next_sequence_;
  written.stored_events = next_sequence_ - first_sequence;
  written.callbacks.reserve(group->size());
  for (Pending& pending : *group) written.callbacks.push_back(std::move(pending.done));
  absl::MutexLock lock(&sync_mu_);
  written_.push_back(std::move(written));
}

absl::StatusOr<WriteOutcome> Committer::ApplyEvent(const Pending& pending, GroupBatch* batch) {
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
  batch->PutBlind(db_->events(), EventKey(sequence),
                  EncodeEventValue(pending.received_at_micros, event.raw_json));
  if (options_.outbox_enabled) {
    // In the event's own batch: no stored event can miss its export.
    std::string enqueued;
    AppendBigEndian64(&enqueued, OrderedFromSigned(pending.received_at_micros));
    batch->PutBlind(db_->index(), SequenceKey(kOutboxPrefix, sequence), enqueued);
  }

  EventApplier applier(batch, &counters_);
  LINEAGED_RETURN_IF_ERROR(applier.Apply(event));
  return WriteOutcome::kStored;
}

}  // namespace lineaged::graphstore::internal
