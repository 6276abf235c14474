#pragma once

// The single writer of the store, as a pipeline of three threads. Callers
// queue events; the commit thread takes everything pending (up to
// Options::max_batch_events) and turns each event into its raw record plus
// graph changes in one WriteBatch; the write thread writes that batch to
// RocksDB with a WAL sync (append, sync and memtable inserts, about half the
// work) while the commit thread applies the next group on top of it; the ack
// thread then runs the group's callbacks and frees its events while the
// write thread goes on. No event is acknowledged before its WAL sync.
// One thread applying events means graph updates need no locks and
// read-modify-write cannot interleave. A third thread sweeps facet texts no
// record names any more (facet_store.h).
//
// At most one group is being written while the next is applied; the next
// reads the written group's records through its overlay (group_batch.h). If
// that write fails, the next group fails with it, unwritten: it was applied
// on top of writes that did not happen. Admin changes (which may scan the
// database) wait for the write in flight before they are applied.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#include "graphstore/graph_store.h"
#include "graphstore/internal/database.h"
#include "graphstore/internal/event_applier.h"
#include "graphstore/internal/facet_store.h"
#include "graphstore/internal/record_cache.h"
#include "graphstore/internal/records.pb.h"

namespace lineaged::graphstore::internal {

class GroupBatch;
class NameSearchIndex;
class NodeStamps;

class Committer {
 public:
  // `db` must outlive the committer. `next_sequence` is the first unused
  // event sequence; `counters` what is on disk. `search_index` (may be null;
  // must outlive the committer) gets the names each written group created,
  // `node_stamps` (likewise) the nodes it changed.
  Committer(Database* db, const Options& options, uint64_t next_sequence,
            const CountersRecord& counters, NameSearchIndex* search_index,
            NodeStamps* node_stamps = nullptr);
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;
  ~Committer();

  // Queues an event. On ResourceExhausted (max_pending_events submitted
  // events not yet acknowledged) or Unavailable (stopping) `done` is not
  // called and the caller owns the failure.
  absl::Status Submit(Event event, WriteCallback done);
  // OK if the queue has room for an event now, else the ResourceExhausted
  // Submit would return. A hint for refusing before the work of parsing:
  // Submit may still refuse.
  absl::Status QueueRoom() const;

  // Queues an admin change (tags, soft deletes, namespace owner) to run on
  // the commit thread in a group like events. An error it returns fails only
  // that change, which must then have written nothing; `done` gets
  // kStored or that error once durable.
  using Mutation = std::function<absl::Status(EventApplier&, int64_t now)>;
  absl::Status SubmitMutation(Mutation mutation, WriteCallback done);
  // OK while RocksDB accepts writes. After a failed write or WAL sync (a
  // full disk, an I/O error) Unavailable saying why, without file paths,
  // until a later write succeeds or DB::Resume() does: the commit thread
  // retries Resume() with backoff while writes fail. Thread-safe.
  absl::Status write_status() const;

  // Refuses new events, commits all queued ones, and joins the threads.
  void Stop();

  // Deletes the stored facet texts that no record names (see facet_store.h)
  // and returns how many. Blocks for a scan of the graph's nodes, runs and
  // versions; one sweep at a time. Unavailable once stopping. Any thread
  // but the commit and write threads.
  absl::StatusOr<uint64_t> SweepFacets();

  // Facet references dropped since start, and as of the last sweep's start:
  // a sweep can only find something when they differ.
  uint64_t facet_references_dropped() const { return facets_.dropped_references(); }
  uint64_t facet_references_swept() const { return swept_dropped_.load(); }

  // Sequence numbers below this are durable.
  uint64_t next_sequence() const { return committed_next_sequence_.load(); }

  // The graph totals as of the last written group.
  CountersRecord counters() const;

  // Outbox entries added (durably) since start.
  uint64_t outbox_added() const { return outbox_added_.load(); }

  // WAL syncs done since start.
  uint64_t wal_syncs() const { return wal_syncs_.load(std::memory_order_relaxed); }

 private:
  absl::Status QueueFull() const;
  struct Pending {
    Event event;
    WriteCallback done;
    int64_t received_at_micros;
    Mutation mutation;  // set for admin changes instead of an event
    // Prepared by Submit on the caller's thread, so that the one commit
    // thread does not: the events-CF value and the facets' digests.
    std::string event_value;
    FacetDigests facet_digests;
  };

  // A group applied by the commit thread, handed to the write thread.
  struct Applied;
  // Callbacks to run, in order, on the ack thread, and the events they
  // acknowledge, to free there.
  struct AckBatch {
    std::vector<WriteCallback> callbacks;
    std::vector<absl::StatusOr<WriteOutcome>> outcomes;
    std::vector<Pending> events;
  };

  void CommitLoop();
  void WriteLoop();
  // Queues callbacks for the ack thread: every callback runs there, in the
  // order groups were written or failed, so neither the commit thread nor
  // the write thread spends its serial time answering clients.
  void Acknowledge(AckBatch batch);
  void AckLoop();
  void SweepLoop();
  // Runs `mutation` on the commit thread and waits until it is durable.
  absl::Status RunMutation(Mutation mutation);
  // Applies `group` on top of `previous` (the group being written, or null).
  // Null if applying failed: then the group's callbacks got the error and
  // the commit thread's state is as before.
  std::unique_ptr<Applied> ApplyGroup(std::vector<Pending>* group, const GroupBatch* previous);
  void StartWrite(Applied* applied);
  // Waits for the write of `applied`. Written: publishes its records to the
  // cache and returns OK. Failed: fails its callbacks, rewinds the commit
  // thread's state to before it, and returns what the callbacks got.
  absl::Status FinishWrite(Applied* applied);
  // Gives `failure` to the callbacks of a group that will not be written,
  // through the ack thread like every other outcome.
  void FailCallbacks(std::vector<WriteCallback> callbacks, const absl::Status& failure);
  // Logs a failed write or sync in full and returns what clients get: for
  // an I/O error Unavailable "the store cannot write: <why>" (and the store
  // is marked unwritable), else the error without RocksDB's message.
  absl::Status WriteFailed(const rocksdb::Status& s, std::string_view what);
  // Clears the unwritable state after a successful write or resume.
  void MarkWritable(std::string_view how);
  // Commit thread only: DB::Resume() once the backoff since the last try is
  // over.
  void MaybeResume();
  absl::Time NextResume() const;
  absl::StatusOr<WriteOutcome> ApplyEvent(const Pending& pending, GroupBatch* batch,
                                          EventApplier* applier);

  Database* const db_;
  const Options options_;
  NameSearchIndex* const search_index_;
  NodeStamps* const node_stamps_;

  absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  // Events submitted whose callback has not run yet (queued, being applied
  // or being written): what max_pending_events bounds. Admin changes are
  // not counted.
  std::atomic<size_t> unacknowledged_{0};
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex write_mu_;
  Applied* writing_ ABSL_GUARDED_BY(write_mu_) = nullptr;  // being written, or done
  bool write_stopping_ ABSL_GUARDED_BY(write_mu_) = false;

  mutable absl::Mutex health_mu_;
  absl::Status write_error_ ABSL_GUARDED_BY(health_mu_);
  // RocksDB will not resume (a fatal error): only a reopen makes it write.
  bool needs_restart_ ABSL_GUARDED_BY(health_mu_) = false;
  std::atomic<bool> unwritable_{false};
  // When the commit thread next tries DB::Resume(); a successful write (on
  // the write thread) resets them.
  absl::Duration resume_backoff_ ABSL_GUARDED_BY(health_mu_);
  absl::Time next_resume_ ABSL_GUARDED_BY(health_mu_);

  // Owned by the commit thread.
  uint64_t next_sequence_;
  CountersRecord counters_;
  RecordCache cache_;
  ParsedNodeCache parsed_nodes_;  // cleared whenever applied writes are dropped
  FacetStore facets_;             // commit thread, but for its atomic counter

  absl::Mutex sweep_mu_;  // one sweep at a time
  absl::Mutex sweep_wait_mu_;
  bool sweep_stopping_ ABSL_GUARDED_BY(sweep_wait_mu_) = false;
  std::atomic<bool> sweep_abort_{false};
  std::atomic<uint64_t> swept_dropped_{0};

  mutable absl::Mutex published_mu_;
  CountersRecord published_counters_ ABSL_GUARDED_BY(published_mu_);

  std::atomic<uint64_t> committed_next_sequence_;
  std::atomic<uint64_t> wal_syncs_{0};
  std::atomic<uint64_t> outbox_added_{0};
  std::thread commit_thread_;
  std::thread write_thread_;
  absl::Mutex ack_mu_;
  std::deque<AckBatch> acks_ ABSL_GUARDED_BY(ack_mu_);
  bool ack_stopping_ ABSL_GUARDED_BY(ack_mu_) = false;
  std::thread ack_thread_;
  std::thread sweep_thread_;
};

}  // namespace lineaged::graphstore::internal
