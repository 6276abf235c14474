#pragma once

// GraphStore: the durable home of every accepted OpenLineage event and of the
// dataset/job/run graph derived from it, in one embedded RocksDB.
//
// Writes go through a single committer thread that gathers whatever events are
// pending into one WriteBatch and syncs the WAL once for all of them (group
// commit). Each event's raw text and every graph change it causes land in the
// same batch, so an event is either wholly stored or not at all.
//
//   LINEAGED_ASSIGN_OR_RETURN(auto store, GraphStore::Open(options));
//   store->Write(std::move(event), [](absl::StatusOr<WriteOutcome> r) { ... });
//   LINEAGED_ASSIGN_OR_RETURN(LineageGraph g, store->GetLineage(node, 20));

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

#include "graphstore/options.h"
#include "graphstore/types.h"

namespace lineaged::graphstore {

namespace internal {
class Database;
class Committer;
}  // namespace internal

// Called once per Write, on the committer thread, after the event is durable
// (or has failed). Must not block: post real work elsewhere.
using WriteCallback = std::function<void(absl::StatusOr<WriteOutcome>)>;

// Thread-safe: any number of threads may write and read concurrently.
class GraphStore {
 public:
  // Opens (creating if needed) the store in options.data_dir and starts the
  // committer. Fails with the RocksDB error (e.g. a lock held by another
  // process) as Unavailable/Internal/DataLoss.
  static absl::StatusOr<std::unique_ptr<GraphStore>> Open(const Options& options);

  GraphStore(const GraphStore&) = delete;
  GraphStore& operator=(const GraphStore&) = delete;

  // Closes if Close() was not called.
  ~GraphStore();

  // Queues `event` for a durable write. `done` runs exactly once: with
  // kStored/kDuplicate once the WAL is synced; ResourceExhausted when
  // Options::max_pending_events are already queued; Unavailable when the
  // store is closing or cannot write (see write_status()); else the write
  // error. A failed write stores nothing of the event.
  void Write(Event event, WriteCallback done);

  // Write() and wait. For tools and tests.
  absl::StatusOr<WriteOutcome> WriteAndWait(Event event);

  // Stops accepting writes, commits everything already queued, flushes the
  // memtables and closes the database. Idempotent.
  absl::Status Close();

  // True between a successful Open and Close.
  bool is_open() const { return open_.load(std::memory_order_acquire); }

  // OK while writes succeed. After RocksDB refused a write or WAL sync (a
  // full disk, an I/O error): Unavailable saying why, without file paths,
  // while reads keep working; the store retries in the background and is
  // writable again once the disk accepts writes. Unavailable when closed.
  absl::Status write_status() const;

  // Marquez lineage: from `start`, walk `depth` job hops over shared datasets
  // in either direction; returns the jobs reached and every dataset they read
  // or write. A dataset with no jobs yields a graph of that dataset alone.
  // NotFound if the start node does not exist.
  absl::StatusOr<LineageGraph> GetLineage(const NodeRef& start, int depth) const;

  // --- Exporter outbox (only filled when Options::outbox_enabled) ---
  // Entries with sequence >= `from`, oldest first, at most `limit`. Passing
  // the sequence after the last delivered entry skips deleted ones cheaply.
  absl::StatusOr<std::vector<OutboxEntry>> ReadOutbox(uint64_t from, size_t limit) const;

  // Removes delivered entries. Not synced on purpose: an entry a crash brings
  // back is delivered twice, which a create-or-update peer absorbs.
  absl::Status AckOutbox(const std::vector<uint64_t>& sequences);

  // Moves an outbox entry to the dead letters, with the peer's reason.
  absl::Status DeadLetterOutbox(uint64_t sequence, std::string_view reason);

  // Dead letters in sequence order, at most `limit`.
  absl::StatusOr<std::vector<DeadLetter>> ListDeadLetters(size_t limit) const;

  // Puts a dead letter back into the outbox. NotFound if there is none.
  absl::Status RetryDeadLetter(uint64_t sequence);

  uint64_t outbox_depth() const;
  uint64_t dead_letter_count() const { return dead_letters_.load(); }

  // Events in ingest order starting at sequence `from` (inclusive), at most
  // `limit` of them.
  absl::StatusOr<std::vector<StoredEvent>> ReadEvents(uint64_t from, size_t limit) const;

  // Number of events stored (not counting duplicates).
  uint64_t event_count() const;

  // Totals of the graph and RocksDB size figures; cheap (no scans).
  StoreStats GetStats() const;

  // Datasets that a COMPLETE run has written, with the time of the last such
  // write, in name order; at most `limit` datasets are examined.
  absl::StatusOr<std::vector<DatasetFreshness>> ListDatasetFreshness(size_t limit) const;

 private:
  explicit GraphStore(std::unique_ptr<internal::Database> db);

  // Moves the index entry of `sequence` from one prefix (outbox or dead
  // letters) to the other in one synced batch; the value is "now" + `reason`.
  // Callers hold outbox_mu_.
  absl::Status MoveSequenceEntry(char from_prefix, char to_prefix, uint64_t sequence,
                                 std::string_view reason);

  // Keys with `prefix` in the index column family (for counts at open).
  absl::StatusOr<uint64_t> CountPrefix(char prefix) const;

  std::unique_ptr<internal::Database> db_;
  std::unique_ptr<internal::Committer> committer_;
  std::atomic<bool> open_{false};

  // Outbox bookkeeping: entries found at open, removed since (delivered or
  // dead-lettered), and restored from dead letters since.
  absl::Mutex outbox_mu_;  // serialises moves between outbox and dead letters
  std::atomic<uint64_t> outbox_at_open_{0};
  std::atomic<uint64_t> outbox_removed_{0};
  std::atomic<uint64_t> outbox_restored_{0};
  std::atomic<uint64_t> dead_letters_{0};
};

}  // namespace lineaged::graphstore
