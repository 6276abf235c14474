#pragma once

// The single writer of the store. Callers queue events; one thread takes
// everything pending (up to Options::max_batch_events), turns each event into
// its raw record plus graph changes in one WriteBatch, syncs the WAL once, and
// then runs every callback. One writer means graph updates need no locks and
// read-modify-write of records cannot interleave.

#include <cstdint>
#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

#include "graphstore/graph_store.h"
#include "graphstore/internal/database.h"

namespace lineaged::graphstore::internal {

class GroupBatch;

class Committer {
 public:
  // `db` must outlive the committer. `next_sequence` and `next_node_id` are
  // the first unused values found on disk.
  Committer(Database* db, const Options& options, uint64_t next_sequence, uint64_t next_node_id);
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;
  ~Committer();

  // Queues an event. On Unavailable (queue full, or stopping) `done` is not
  // called and the caller owns the failure.
  absl::Status Submit(Event event, WriteCallback done);

  // Refuses new events, commits all queued ones, and joins the thread.
  void Stop();

  // Sequence numbers below this are durable.
  uint64_t next_sequence() const { return committed_next_sequence_.load(); }

 private:
  struct Pending {
    Event event;
    WriteCallback done;
    int64_t received_at_micros;
  };

  void Loop();
  void CommitGroup(std::vector<Pending>* group);
  absl::StatusOr<WriteOutcome> ApplyEvent(const Pending& pending, GroupBatch* batch);

  Database* const db_;
  const Options options_;

  absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // Owned by the committer thread.
  uint64_t next_sequence_;
  uint64_t next_node_id_;

  std::atomic<uint64_t> committed_next_sequence_;
  std::thread thread_;
};

}  // namespace lineaged::graphstore::internal
