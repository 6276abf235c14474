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
#include <thread>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

#include "graphstore/options.h"
#include "graphstore/types.h"

namespace lineaged::graphstore {

namespace internal {
class Database;
class Committer;
class EventApplier;
class ModelReader;
class NameSearchIndex;
class NodeRecord;
class NodeStamps;
}  // namespace internal

// Called once per Write, on the committer thread, after the event is durable
// (or has failed). Must not block: post real work elsewhere.
using WriteCallback = std::function<void(absl::StatusOr<WriteOutcome>)>;

// Whether the caller of a stamped list already has the node rendered at its
// stamp. Called on the calling thread, once per item, in page order.
using HaveRendered = absl::FunctionRef<bool(const NodeStamp&)>;

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
  // Options::max_pending_events are already waiting for theirs; Unavailable when the
  // store is closing or cannot write (see write_status()); else the write
  // error. A failed write stores nothing of the event.
  void Write(Event event, WriteCallback done);

  // OK if the write queue has room for an event now; else the
  // ResourceExhausted Write would give. Lets a caller refuse before parsing
  // an event when the store is already max_pending_events behind; Write may
  // still refuse.
  absl::Status WriteQueueRoom() const;

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
  // Uses each job's current IO: the inputs and outputs of its newest finished
  // run (or of its JobEvent); before a job's first finished run, the IO its
  // runs have shown so far. Hidden (soft-deleted) nodes are left out.
  // NotFound if the start node does not exist.
  absl::StatusOr<LineageGraph> GetLineage(const NodeRef& start, int depth) const;
  // GetLineage for callers that keep nodes' rendered `data` between requests:
  // `have` is asked of each node whose data could be kept (stamp.cacheable);
  // where it says yes, the node's data is not read (stamp.omitted).
  absl::StatusOr<LineageGraph> GetLineageStamped(const NodeRef& start, int depth,
                                                 HaveRendered have) const;

  // --- Marquez model reads. NotFound errors carry Marquez's messages
  // ("Dataset 'x' not found."); lists are in name order unless stated. ---
  absl::StatusOr<std::vector<NamespaceInfo>> ListNamespaces(size_t limit, size_t offset) const;
  absl::StatusOr<NamespaceInfo> GetNamespace(std::string_view name) const;
  // Creates or updates; un-hides.
  absl::StatusOr<NamespaceInfo> PutNamespace(std::string_view name, std::string_view owner_name,
                                             std::optional<std::string> description);
  // Hides the namespace and all its datasets and jobs; returns it as it was.
  absl::StatusOr<NamespaceInfo> HideNamespace(std::string_view name);

  absl::StatusOr<std::vector<SourceInfo>> ListSources(size_t limit, size_t offset) const;
  absl::StatusOr<SourceInfo> GetSource(std::string_view name) const;

  // NotFound if the namespace does not exist. Hidden datasets are left out.
  absl::StatusOr<Page<DatasetInfo>> ListDatasets(std::string_view namespace_name, size_t limit,
                                                 size_t offset) const;
  // ListDatasets for callers that keep rendered datasets between requests:
  // items whose stamp `have` accepts come without info (nothing read for
  // them), the others with it, read no earlier than their stamp.
  absl::StatusOr<Page<Stamped<DatasetInfo>>> ListDatasetsStamped(std::string_view namespace_name,
                                                                 size_t limit, size_t offset,
                                                                 HaveRendered have) const;
  // Also resolves a symlink alias to its dataset.
  absl::StatusOr<DatasetInfo> GetDataset(const QualifiedName& name) const;
  // Soft delete; returns the dataset. The next event naming it restores it.
  absl::StatusOr<DatasetInfo> HideDataset(const QualifiedName& name);
  // Newest first.
  absl::StatusOr<Page<DatasetVersionInfo>> ListDatasetVersions(const QualifiedName& name,
                                                               size_t limit, size_t offset) const;
  absl::StatusOr<DatasetVersionInfo> GetDatasetVersion(const QualifiedName& name,
                                                       const Uuid& version) const;
  // Adds (add=true) or removes a tag; returns the dataset.
  absl::StatusOr<DatasetInfo> TagDataset(const QualifiedName& name, std::string_view tag, bool add);
  // As TagDataset for one field; NotFound "Field 'f' not found for dataset 'd'.".
  absl::StatusOr<DatasetInfo> TagDatasetField(const QualifiedName& name, std::string_view field,
                                              std::string_view tag, bool add);

  // All namespaces when `namespace_name` is empty. `last_run_states` filters
  // by the state of the latest run (kNew = no run yet); empty means all.
  // latest_runs is filled (at most 10 per job).
  absl::StatusOr<Page<JobInfo>> ListJobs(std::optional<std::string_view> namespace_name,
                                         const std::vector<RunState>& last_run_states, size_t limit,
                                         size_t offset) const;
  // ListJobs likewise (see ListDatasetsStamped).
  absl::StatusOr<Page<Stamped<JobInfo>>> ListJobsStamped(
      std::optional<std::string_view> namespace_name, const std::vector<RunState>& last_run_states,
      size_t limit, size_t offset, HaveRendered have) const;
  // latest_runs is filled (at most 10).
  absl::StatusOr<JobInfo> GetJob(const QualifiedName& name) const;
  absl::StatusOr<JobInfo> HideJob(const QualifiedName& name);
  absl::StatusOr<JobInfo> TagJob(const QualifiedName& name, std::string_view tag, bool add);
  // Newest first.
  absl::StatusOr<Page<JobVersionInfo>> ListJobVersions(const QualifiedName& name, size_t limit,
                                                       size_t offset) const;
  absl::StatusOr<JobVersionInfo> GetJobVersion(const QualifiedName& name,
                                               const Uuid& version) const;
  // Ordered by startedAt, newest first, runs never started last.
  absl::StatusOr<Page<RunInfo>> ListRuns(const QualifiedName& job, size_t limit,
                                         size_t offset) const;
  absl::StatusOr<RunInfo> GetRun(const Uuid& run_id) const;
  // The run's own facets, or (job_facets) the job facets its events carried.
  absl::StatusOr<std::vector<Facet>> GetRunFacets(const Uuid& run_id, bool job_facets) const;

  absl::StatusOr<std::vector<TagInfo>> ListTags(size_t limit, size_t offset) const;
  absl::StatusOr<TagInfo> PutTag(std::string_view name, std::optional<std::string> description);

  // Substring search over dataset and job names (SearchQuery::text); hidden
  // nodes left out; total_count counts all hits. Costs what the names sharing
  // the text's trigrams cost (an in-memory index built at Open), not a scan;
  // a text under 3 bytes compares every name in memory. Sees every write
  // acknowledged before it started.
  absl::StatusOr<Page<SearchHit>> Search(const SearchQuery& query) const;

  // Run events with after <= eventTime < before, sorted by eventTime.
  absl::StatusOr<Page<StoredEvent>> ListRunEvents(int64_t after_micros, int64_t before_micros,
                                                  bool ascending, size_t limit,
                                                  size_t offset) const;
  // Run events per type in each [boundaries[i], boundaries[i+1]) by eventTime.
  absl::StatusOr<std::vector<EventTypeCounts>> CountRunEvents(
      const std::vector<int64_t>& boundaries) const;

  // Column lineage from every field of a dataset, one field, or the fields
  // of a job's outputs: upstream `depth` edges, and downstream too when
  // `with_downstream`. NotFound if there is no field to start from.
  //
  // With `version` (of the dataset, or of the job), as of that version: the
  // start fields are the version's (a job version's outputs' fields then),
  // and every dataset reached shows its newest version created at or before
  // the start version and the column lineage its newest write at or before
  // then set. Upstream only (InvalidArgument with `with_downstream`);
  // NotFound if the version is not one of the node's.
  absl::StatusOr<std::vector<ColumnLineageNode>> GetColumnLineage(
      const NodeRef& start, std::optional<std::string> field, int depth, bool with_downstream,
      std::optional<Uuid> version = std::nullopt) const;

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

  // Purges raw events with eventTime < cutoff and runs last updated before
  // it, except the latest run of each job. Safe while writes go on; the
  // background task calls it when Options::retention_days is set.
  absl::StatusOr<RetentionResult> ApplyRetention(int64_t cutoff_micros);

  // Totals of the graph and RocksDB size figures; cheap (no scans).
  StoreStats GetStats() const;

  // Datasets that a COMPLETE run has written, with the time of the last such
  // write, in name order; at most `limit` datasets are examined.
  absl::StatusOr<std::vector<DatasetFreshness>> ListDatasetFreshness(size_t limit) const;

 private:
  explicit GraphStore(std::unique_ptr<internal::Database> db);

  // Runs an admin change on the commit thread and waits until it is durable.
  using MutationFn = std::function<absl::Status(internal::EventApplier&, int64_t now)>;
  absl::Status Mutate(MutationFn mutation);

  // The visible nodes of one list page (records valid while `reader` lives)
  // and the true total: what ListDatasets/ListJobs and their stamped
  // variants show.
  using PageNode = std::pair<uint64_t, const internal::NodeRecord*>;
  absl::StatusOr<Page<PageNode>> SelectDatasets(internal::ModelReader& reader,
                                                std::string_view namespace_name, size_t limit,
                                                size_t offset) const;
  // The stamped page of `selected` (read by `reader`, opened after
  // `published_before` was taken): see ListDatasetsStamped.
  template <typename Info, typename Infos>
  absl::StatusOr<Page<Stamped<Info>>> StampPage(internal::ModelReader& reader,
                                                uint64_t published_before,
                                                const Page<PageNode>& selected, HaveRendered have,
                                                Infos infos) const;
  absl::StatusOr<Page<PageNode>> SelectJobs(internal::ModelReader& reader,
                                            std::optional<std::string_view> namespace_name,
                                            const std::vector<RunState>& last_run_states,
                                            size_t limit, size_t offset) const;

  // Moves the index entry of `sequence` from one prefix (outbox or dead
  // letters) to the other in one synced batch; the value is "now" + `reason`.
  // Callers hold outbox_mu_.
  absl::Status MoveSequenceEntry(char from_prefix, char to_prefix, uint64_t sequence,
                                 std::string_view reason);

  // Keys with `prefix` in the index column family (for counts at open).
  absl::StatusOr<uint64_t> CountPrefix(char prefix) const;

  void RetentionLoop(int retention_days, int interval_seconds);

  std::unique_ptr<internal::Database> db_;
  // Filled at Open, then by the committer, which must not outlive it.
  std::unique_ptr<internal::NameSearchIndex> search_index_;
  std::unique_ptr<internal::NodeStamps> node_stamps_;
  std::unique_ptr<internal::Committer> committer_;

  absl::Mutex retention_mu_;
  bool retention_stopping_ ABSL_GUARDED_BY(retention_mu_) = false;
  std::thread retention_thread_;
  std::atomic<uint64_t> purged_events_{0};
  std::atomic<uint64_t> purged_runs_{0};
  std::atomic<uint64_t> retention_passes_{0};
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
