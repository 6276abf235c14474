#pragma once

// The writes of one commit group: an overlay of the keys it has written, so
// later events in the group read the writes of earlier ones, plus the writes
// nobody reads back (raw events, time index, facet texts). Finish() turns
// them into one WriteBatch. Owned by the commit thread.
//
// A group is applied while the previous one is still being written to
// RocksDB (committer.h), so reads also fall through to that group's overlay
// before the cache and the database.

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "rocksdb/write_batch.h"

#include "graphstore/internal/database.h"
#include "graphstore/internal/facet_store.h"
#include "graphstore/internal/key_codec.h"
#include "graphstore/internal/name_search_index.h"
#include "graphstore/internal/record_cache.h"
#include "graphstore/internal/rocksdb_status.h"

namespace lineaged::graphstore::internal {

class GroupBatch {
 public:
  // `db`, `cache` and `facets` must outlive the batch. `previous`, if set,
  // is the group being written meanwhile: finished, so its overlay no longer
  // changes, and not yet in the cache. It must outlive this batch's reads.
  // `reserve_bytes`: the expected size of the WriteBatch, allocated at once
  // rather than grown by copying.
  GroupBatch(Database* db, RecordCache* cache, FacetStore* facets,
             const GroupBatch* previous = nullptr, size_t reserve_bytes = 0)
      : db_(db), cache_(cache), facets_(facets), previous_(previous), batch_(reserve_bytes) {}

  Database* db() const { return db_; }
  FacetStore* facets() const { return facets_; }

  // Reads through the group's own writes, then the previous group's, then
  // the cache (graph keys), then the database.
  absl::StatusOr<std::optional<std::string>> Get(rocksdb::ColumnFamilyHandle* cf,
                                                 const std::string& key) {
    const std::string overlay_key = OverlayKey(cf, key);
    auto it = overlay_.find(overlay_key);
    if (it != overlay_.end()) return it->second;
    if (previous_ != nullptr) {
      auto previous = previous_->overlay_.find(overlay_key);
      if (previous != previous_->overlay_.end()) return previous->second;
    }
    // Only what PublishToCache keeps current may be cached.
    const bool cacheable = cf == db_->graph() && !key.empty() && ReadBack(key[0]);
    if (cacheable) {
      if (std::optional<std::string> cached = cache_->Get(key)) return cached;
    }
    absl::StatusOr<std::optional<std::string>> stored = db_->Get(cf, key);
    if (cacheable && stored.ok() && stored->has_value()) cache_->Put(key, **stored);
    return stored;
  }

  // The last Put or Delete of a key in the group is the one written.
  void Put(rocksdb::ColumnFamilyHandle* cf, const std::string& key, std::string value) {
    overlay_[OverlayKey(cf, key)] = std::move(value);
  }

  void Delete(rocksdb::ColumnFamilyHandle* cf, const std::string& key) {
    overlay_[OverlayKey(cf, key)] = std::nullopt;
  }

  // Puts a key whose value nobody reads back within a group (raw events).
  void PutBlind(rocksdb::ColumnFamilyHandle* cf, const std::string& key, std::string_view value) {
    batch_.Put(cf, key, rocksdb::Slice(value.data(), value.size()));
  }

  // Whether the text of `digest` is stored, counting this group's writes.
  // Facet texts bypass the overlay and the record cache: the committer never
  // reads them back, it only needs to know they exist.
  absl::StatusOr<bool> FacetStored(const FacetDigest& digest) {
    if (auto it = facet_writes_.find(digest); it != facet_writes_.end()) return it->second;
    if (previous_ != nullptr) {
      auto it = previous_->facet_writes_.find(digest);
      if (it != previous_->facet_writes_.end()) return it->second;
    }
    if (facets_->Known(digest)) return true;
    rocksdb::PinnableSlice value;
    rocksdb::Status s =
        db_->db()->Get(rocksdb::ReadOptions(), db_->graph(), FacetKey(DigestBytes(digest)), &value);
    if (s.IsNotFound()) return false;
    if (!s.ok()) return FromRocksDb(s, "get facet");
    facets_->Remember(digest);
    return true;
  }

  void PutFacet(const FacetDigest& digest, std::string_view json) {
    PutBlind(db_->graph(), FacetKey(DigestBytes(digest)), json);
    facet_writes_[digest] = true;
  }

  void DeleteFacet(const FacetDigest& digest) {
    batch_.Delete(db_->graph(), FacetKey(DigestBytes(digest)));
    facet_writes_[digest] = false;
  }

  // Notes a dataset or job whose name-index key this group wrote, for the
  // search index (created_names()).
  void NoteCreatedName(IndexedName name) { created_names_.push_back(std::move(name)); }
  // The names the group created. Once its write succeeded they are the
  // store's, like the overlay.
  const std::vector<IndexedName>& created_names() const { return created_names_; }

  // Notes a job whose run record the group wrote or deleted. Node records and
  // run lists carry their node's id in the key, so Finish() finds those
  // itself; a run record's key does not name its job.
  void NoteRunOfJob(uint64_t job_id) { run_jobs_.push_back(job_id); }
  // After Finish(): every node whose JobInfo or DatasetInfo the group may
  // have changed (node_stamps.h), each once.
  const std::vector<uint64_t>& changed_nodes() const { return changed_nodes_; }

  // A save point for one item of the group; RollbackToSavePoint undoes what
  // the item wrote.
  void SetSavePoint() {
    batch_.SetSavePoint();
    saved_overlay_ = overlay_;
    saved_facet_writes_ = facet_writes_;
    saved_created_names_ = created_names_.size();
    saved_run_jobs_ = run_jobs_.size();
  }
  void RollbackToSavePoint() {
    batch_.RollbackToSavePoint();
    overlay_ = std::move(saved_overlay_);
    facet_writes_ = std::move(saved_facet_writes_);
    created_names_.resize(saved_created_names_);
    run_jobs_.resize(saved_run_jobs_);
  }

  // The group's WriteBatch: the blind writes, then every overlay key once, in
  // key order. Records rewritten by several events of the group (a busy job,
  // a shared dataset) are written once, and a memtable takes sorted keys far
  // more cheaply than random ones (its skip-list search resumes from the
  // previous insert). Call once, after the last write.
  rocksdb::WriteBatch* Finish() {
    previous_ = nullptr;  // no reads after the last write
    std::vector<const std::pair<const std::string, std::optional<std::string>>*> entries;
    entries.reserve(overlay_.size());
    for (const auto& entry : overlay_) entries.push_back(&entry);
    std::sort(entries.begin(), entries.end(),
              [](const auto* a, const auto* b) { return a->first < b->first; });
    const char graph_id = static_cast<char>(db_->graph()->GetID());
    changed_nodes_ = std::move(run_jobs_);
    for (const auto* entry : entries) {
      rocksdb::ColumnFamilyHandle* cf = Handle(entry->first[0]);
      rocksdb::Slice key(entry->first.data() + 1, entry->first.size() - 1);
      if (entry->first[0] == graph_id && key.size() >= 9 &&
          (key[0] == kNodePrefix || key[0] == kRunListPrefix)) {
        changed_nodes_.push_back(DecodeBigEndian64(std::string_view(key.data() + 1, 8)));
      }
      if (entry->second) {
        batch_.Put(cf, key, *entry->second);
      } else {
        batch_.Delete(cf, key);
      }
    }
    std::sort(changed_nodes_.begin(), changed_nodes_.end());
    changed_nodes_.erase(std::unique(changed_nodes_.begin(), changed_nodes_.end()),
                         changed_nodes_.end());
    return &batch_;
  }

  // After a successful write: the group's graph writes are now the truth.
  void PublishToCache() {
    for (const auto& [digest, stored] : facet_writes_) {
      if (stored) {
        facets_->Remember(digest);
      } else {
        facets_->Forget(digest);
      }
    }
    const char graph_id = static_cast<char>(db_->graph()->GetID());
    for (auto& [key, value] : overlay_) {
      if (key[0] != graph_id || !ReadBack(key[1])) continue;
      if (value) {
        cache_->Put(key.substr(1), std::move(*value));
      } else {
        cache_->Erase(key.substr(1));
      }
    }
  }

 private:
  static std::string OverlayKey(rocksdb::ColumnFamilyHandle* cf, const std::string& key) {
    std::string k(1, static_cast<char>(cf->GetID()));
    k.append(key);
    return k;
  }

  // Graph keys the committer reads back soon (records, adjacency and name
  // indexes); run lists, column edges and counters it only writes, so they
  // are not worth a place in the cache. Nor are run records: a run's next
  // event comes when the run ends, seconds to hours later, after a busy
  // store has cycled the cache, and one new record per event would push out
  // the node records every event of a job reads.
  static bool ReadBack(char prefix) {
    return prefix != kRunListPrefix && prefix != kColumnEdgePrefix && prefix != kMetaPrefix &&
           prefix != kRunPrefix;
  }

  rocksdb::ColumnFamilyHandle* Handle(char id) const {
    for (rocksdb::ColumnFamilyHandle* cf : {db_->graph(), db_->index(), db_->events()}) {
      if (static_cast<char>(cf->GetID()) == id) return cf;
    }
    return db_->graph();  // unreachable: overlay keys come from these handles
  }

  Database* const db_;
  RecordCache* const cache_;
  FacetStore* const facets_;
  const GroupBatch* previous_;  // null once finished
  rocksdb::WriteBatch batch_;
  absl::flat_hash_map<std::string, std::optional<std::string>> overlay_;
  absl::flat_hash_map<std::string, std::optional<std::string>> saved_overlay_;
  absl::flat_hash_map<FacetDigest, bool> facet_writes_;  // true: put, false: deleted
  absl::flat_hash_map<FacetDigest, bool> saved_facet_writes_;
  std::vector<IndexedName> created_names_;
  size_t saved_created_names_ = 0;
  std::vector<uint64_t> run_jobs_;
  size_t saved_run_jobs_ = 0;
  std::vector<uint64_t> changed_nodes_;
};

}  // namespace lineaged::graphstore::internal
