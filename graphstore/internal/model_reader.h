#pragma once

// Read side of the model: one RocksDB snapshot per reader, so a response is
// consistent with itself, and conversion of graph records into the read
// types of graphstore/types.h. Not thread-safe: one reader per request.
//
// Records read are kept for the reader's life (nodes, node names, runs, facet
// texts). A page first calls Prefetch… with what it will show, which reads
// the missing records in one RocksDB MultiGet per kind; the per-item calls
// (Node, Run, Job, RunOf, ...) then find them and return what they would have
// returned without the prefetch.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "google/protobuf/arena.h"
#include "rocksdb/db.h"

#include "graphstore/internal/database.h"
#include "graphstore/internal/facet_store.h"
#include "graphstore/internal/records.pb.h"
#include "graphstore/types.h"

namespace lineaged::graphstore::internal {

class ModelReader {
 public:
  using FacetMap = FacetEntries;
  using FacetMaps = std::vector<const FacetMap*>;

  explicit ModelReader(const Database* db);
  ~ModelReader();
  ModelReader(const ModelReader&) = delete;
  ModelReader& operator=(const ModelReader&) = delete;

  const Database* db() const { return db_; }

  absl::StatusOr<std::optional<std::string>> Get(rocksdb::ColumnFamilyHandle* cf,
                                                 const std::string& key) const;

  // Calls `visit(key, value)` for keys in [start, end) (reverse: from the
  // end), until it returns false. Reuses one iterator per column family: a
  // lineage walk scans each dataset's edges, and creating an iterator costs
  // more than seeking one.
  absl::Status Scan(rocksdb::ColumnFamilyHandle* cf, const std::string& start,
                    const std::string& end, bool reverse,
                    const std::function<bool(std::string_view, std::string_view)>& visit) const;

  // Node id by name; datasets also by symlink alias. Hidden nodes included.
  absl::StatusOr<std::optional<uint64_t>> LookupId(NodeKind kind, const QualifiedName& name);
  absl::StatusOr<const NodeRecord*> Node(uint64_t id);
  // A node's (namespace, name), without parsing the rest of its record when
  // the record is not already read. DataLoss if the node is missing.
  absl::StatusOr<QualifiedName> NodeName(uint64_t id);
  // The node of a visible dataset or job, or NotFound with Marquez's message.
  absl::StatusOr<std::pair<uint64_t, const NodeRecord*>> VisibleNode(NodeKind kind,
                                                                     const QualifiedName& name);
  // The run's record, or nullptr if there is none. Valid while the reader lives.
  absl::StatusOr<const RunRecord*> Run(const Uuid& run_id);
  absl::StatusOr<std::optional<NamespaceRecord>> Namespace(std::string_view name);

  // kLineage leaves out what a lineage graph's DatasetData does not show
  // (facets, column lineage, symlinks), which are most of a dataset's bytes.
  enum class DatasetDetail { kFull, kLineage };
  absl::StatusOr<DatasetInfo> Dataset(const NodeRecord& record,
                                      DatasetDetail detail = DatasetDetail::kFull);
  // kFull: Marquez's Job, with latest_runs (at most 10) and facets. kLineage:
  // what a lineage graph's JobData shows, without those two (facet texts,
  // e.g. SQL, can be most of a job's bytes).
  enum class JobDetail { kFull, kLineage };
  absl::StatusOr<JobInfo> Job(uint64_t id, const NodeRecord& record, JobDetail detail);
  // The names of a job's current inputs and outputs, each list sorted (as Job
  // fills JobInfo's).
  absl::Status JobIoNames(const NodeRecord& record, std::vector<QualifiedName>* inputs,
                          std::vector<QualifiedName>* outputs);
  absl::StatusOr<RunInfo> RunOf(const Uuid& run_id, const RunRecord& record);
  absl::StatusOr<DatasetVersionInfo> DatasetVersion(const NodeRecord& dataset,
                                                    const DatasetVersionRecord& record);
  absl::StatusOr<JobVersionInfo> JobVersion(const NodeRecord& job, const JobVersionRecord& record);

  // A record's facets with their texts (stored once, by digest), sorted by
  // name; deleted facets left out. DataLoss if a text is missing.
  absl::StatusOr<std::vector<Facet>> FacetsOf(const FacetMap& map);

  // The latest run of a job, if it has one.
  absl::StatusOr<std::optional<RunInfo>> LatestRun(const NodeRecord& job);
  absl::StatusOr<RunState> LatestRunState(const NodeRecord& job);

  // Batched reads of what later calls will ask for, one MultiGet per kind of
  // record, keys sorted; records already read are skipped. Absent records
  // are not errors here: the later per-item call reports them as it would
  // without the prefetch.
  absl::Status PrefetchNodes(const std::vector<uint64_t>& ids);
  absl::Status PrefetchNames(const std::vector<uint64_t>& ids);
  absl::Status PrefetchRuns(const std::vector<Uuid>& ids);
  // Names and facet texts RunOf needs for these (already read) runs.
  absl::Status PrefetchRunDetails(const std::vector<Uuid>& ids);
  // Everything Job(id, record, detail) reads for each of `jobs`, whose
  // records are already read.
  absl::Status PrefetchJobs(const std::vector<std::pair<uint64_t, const NodeRecord*>>& jobs,
                            JobDetail detail);
  // Facet texts of `maps`, as FacetsOf will ask for them.
  absl::Status PrefetchFacets(const FacetMaps& maps);

  // The lineage edges of the datasets `ids` (distinct), in one MultiGet:
  // (*out)[i] is ids[i]'s, empty if it has none. Hidden jobs included.
  absl::Status Adjacency(const std::vector<uint64_t>& ids, std::vector<AdjacencyRecord>* out);

 private:
  // Calls found(i, value) for each present keys[i], after one MultiGet on the
  // snapshot. `keys` must be distinct.
  absl::Status MultiGet(rocksdb::ColumnFamilyHandle* cf, const std::vector<std::string>& keys,
                        const std::function<absl::Status(size_t, std::string_view)>& found) const;
  // Adds the node ids and facet maps RunOf reads for runs already read.
  void AddRunDetails(const std::vector<Uuid>& ids, std::vector<uint64_t>* nodes,
                     FacetMaps* maps) const;
  // Ids of a job's newest runs (at most 10), from its run list.
  absl::StatusOr<const std::vector<Uuid>*> LatestRunIds(uint64_t job_id);

  const Database* db_;
  const rocksdb::Snapshot* snapshot_;
  rocksdb::ReadOptions options_;
  // Node records live on the arena: a lineage answer parses hundreds, and
  // freeing them one string at a time cost as much as reading them.
  google::protobuf::Arena arena_;
  std::unordered_map<uint64_t, NodeRecord*> nodes_;
  absl::flat_hash_map<uint64_t, QualifiedName> names_;  // read without their records
  // Run records by id; nullptr: no such run.
  absl::flat_hash_map<Uuid, const RunRecord*> runs_;
  absl::flat_hash_map<uint64_t, std::vector<Uuid>> latest_run_ids_;  // by job id
  // Unbounded iterators on `snapshot_`, by column family; Scan checks bounds.
  mutable std::unordered_map<rocksdb::ColumnFamilyHandle*, std::unique_ptr<rocksdb::Iterator>>
      iterators_;
  absl::flat_hash_map<FacetDigest, std::string> facet_texts_;  // read so far, by digest
};

QualifiedName NameOf(const NodeRecord& record);
Uuid UuidOf(std::string_view bytes);

}  // namespace lineaged::graphstore::internal
