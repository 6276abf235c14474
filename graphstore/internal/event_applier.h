#pragma once

// Folds events (and admin changes such as tags or soft deletes) into the
// graph records of one commit group. Runs only on the commit thread, so its
// read-modify-writes never interleave. See docs/storage_format.md for the
// records and docs/api.md for the Marquez semantics they implement.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "graphstore/internal/facet_store.h"
#include "graphstore/internal/group_batch.h"
#include "graphstore/internal/records.pb.h"
#include "graphstore/types.h"

namespace lineaged::graphstore::internal {

// Parsed node records kept by the commit thread from one group to the next,
// so that a busy job's or dataset's record is not parsed again by every group
// that touches it. An entry holds a record as the store will have it once the
// groups applied so far are written. That holds only while every write of a
// node record goes through an EventApplier given this cache: the owner must
// Clear() it whenever applied writes are dropped (a failed group or write) and
// after any write made without it (admin changes).
class ParsedNodeCache {
 public:
  explicit ParsedNodeCache(size_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

  struct Entry {
    NodeRecord record;
    std::string stored;  // the record's bytes as written
  };
  // Moves the entry of `id` out of the cache, if it has one.
  std::optional<Entry> Take(uint64_t id);
  // Clears the whole cache first if it is full: the busy nodes come back
  // with the next groups.
  void Put(uint64_t id, Entry entry);
  void Clear();

 private:
  // Rough cost of an entry beyond its bytes: the parsed message and the slot.
  static constexpr size_t kEntryOverhead = 512;
  const size_t capacity_bytes_;
  size_t bytes_ = 0;
  absl::flat_hash_map<uint64_t, Entry> entries_;
};

class EventApplier {
 public:
  // `counters` are the group's running totals; both must outlive the applier,
  // and so must `parsed_nodes` (may be null; see ParsedNodeCache).
  EventApplier(GroupBatch* batch, CountersRecord* counters,
               ParsedNodeCache* parsed_nodes = nullptr);
  EventApplier(const EventApplier&) = delete;
  EventApplier& operator=(const EventApplier&) = delete;

  // Digests of the next Apply's event's facets, computed before it was
  // queued (DigestsOf); a facet not in `digests` is hashed here.
  void UseDigests(const FacetDigests* digests) { precomputed_ = digests; }

  // Applies the graph part of a stored event (the raw event is the caller's).
  // The node records it loads stay with the applier for the next Apply, so a
  // node that several events of a commit group touch (a DAG's job, a shared
  // dataset) is parsed and serialised once per group: FlushNodes writes them
  // to the batch, and must run before anything else reads the batch's node
  // records (an admin change, the group's Finish). A failed Apply fails the
  // group: the applier is not used again.
  absl::Status Apply(const Event& event);
  void FlushNodes() { Flush(); }

  // --- Admin changes; NotFound (with Marquez's message) writes nothing. ---
  absl::Status PutNamespace(std::string_view name, std::string_view owner_name,
                            const std::optional<std::string>& description, int64_t now);
  absl::Status HideNamespace(std::string_view name);
  absl::Status HideNode(NodeKind kind, const QualifiedName& name);
  absl::Status TagNode(NodeKind kind, const QualifiedName& name, std::string_view tag, bool add,
                       int64_t now);
  absl::Status TagField(const QualifiedName& dataset, std::string_view field, std::string_view tag,
                        bool add, int64_t now);
  absl::Status PutTag(std::string_view name, const std::optional<std::string>& description,
                      int64_t now);
  // Deletes the runs still last updated before `cutoff` that are not the
  // latest run of their job; adds how many to *purged.
  absl::Status PurgeRuns(const std::vector<Uuid>& run_ids, int64_t cutoff, uint64_t* purged);

  // --- Facet sweeps (see facet_store.h). ---
  // From here on, the facet texts events name are kept by EndFacetSweep.
  void BeginFacetSweep();
  // Deletes the texts of `unreferenced` (found on a snapshot taken after
  // BeginFacetSweep) that no event named since; adds how many to *deleted.
  void EndFacetSweep(const std::vector<FacetDigest>& unreferenced, uint64_t* deleted);

 private:
  struct Node {
    uint64_t id = 0;
    NodeRecord record;
    bool created = false;  // by the current event
    bool is_new = false;   // not stored yet: Flush writes it whatever its bytes
    std::string stored;    // the record's bytes as loaded: unchanged records are not rewritten
  };

  // Nodes loaded since the last Flush, which writes the changed ones back.
  absl::StatusOr<Node*> LoadOrCreate(NodeRecord::Kind kind, const QualifiedName& name, int64_t t);
  absl::StatusOr<Node*> LoadById(uint64_t id);
  absl::StatusOr<std::optional<uint64_t>> FindId(NodeRecord::Kind kind, const QualifiedName& name);
  void Flush();

  absl::StatusOr<NamespaceRecord> LoadNamespace(std::string_view name, bool* exists);
  absl::Status TouchNamespace(std::string_view name, int64_t t, int visible_delta_datasets,
                              int visible_delta_jobs);
  absl::Status Unhide(Node* node, int64_t t);
  absl::Status SetHidden(Node* node);

  // The digest of `facet`: precomputed if UseDigests has it, else hashed.
  FacetDigest DigestFor(const Facet& facet) const;
  // Stores the text of `facet` unless it is stored; returns its digest.
  absl::StatusOr<FacetDigest> Intern(const Facet& facet);
  // Merges facets newest-wins by eventTime; returns the names this event won.
  absl::StatusOr<std::vector<std::string_view>> MergeFacets(FacetEntries* entries,
                                                            const std::vector<Facet>& facets,
                                                            int64_t t);

  absl::Status ApplyDatasetMention(Node* dataset, const DatasetMention& mention, int64_t t);
  absl::Status EnsureSource(std::string_view name, std::string_view uri, int64_t t);
  absl::Status ApplyJobMention(Node* job, const JobMention& mention, int64_t t);

  // The version a read of `dataset` uses: its current one, made if absent.
  absl::StatusOr<std::string> InputVersion(Node* dataset, const DatasetMention& mention, int64_t t);
  // The version a write of `dataset` by `run_id` (empty: no run) makes.
  absl::StatusOr<std::string> OutputVersion(Node* dataset, const DatasetMention& mention,
                                            const std::string& run_id, int64_t t);
  // Sets the dataset's column lineage from `mention` (inputs resolved
  // against the run's `run_inputs`), and keeps a copy in `version`, the
  // version this write made, when it changed.
  absl::Status SetColumnLineage(Node* dataset, const DatasetMention& mention,
                                const std::vector<uint64_t>& run_inputs,
                                const std::string& version);

  absl::Status ApplyRun(const Event& event, Node* job);
  absl::Status EnsureParent(const Event& event, Node* job);
  absl::StatusOr<std::string> UpsertJobVersion(Node* job, const std::vector<uint64_t>& inputs,
                                               const std::vector<uint64_t>& outputs,
                                               const std::string& run_id, int64_t t);
  // Makes (inputs, outputs) the job's current IO and rewrites its edges.
  absl::Status SetJobIo(Node* job, std::vector<uint64_t> inputs, std::vector<uint64_t> outputs);
  // Adds or removes `job` among the producers (else consumers) of `dataset`.
  absl::Status EditAdjacency(uint64_t dataset, uint64_t job, bool producer, bool add);
  void IndexRun(uint64_t job_id, const Uuid& run_id, RunRecord* run);
  void CountRunState(int32_t before, int32_t after);

  GroupBatch* const batch_;
  CountersRecord* const counters_;
  std::map<uint64_t, Node> nodes_;
  absl::flat_hash_map<const Facet*, FacetDigest> digests_;  // of the facets applied so far
  ParsedNodeCache* const parsed_nodes_;
  const FacetDigests* precomputed_ = nullptr;  // see UseDigests
};

}  // namespace lineaged::graphstore::internal
