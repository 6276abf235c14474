#pragma once

// The WriteBatch of one commit group plus an overlay of what it has written,
// so later events in the group read the writes of earlier ones. Owned by the
// commit thread.

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "rocksdb/write_batch.h"

#include "graphstore/internal/database.h"
#include "graphstore/internal/record_cache.h"

namespace lineaged::graphstore::internal {

class GroupBatch {
 public:
  GroupBatch(Database* db, RecordCache* cache) : db_(db), cache_(cache) {}

  Database* db() const { return db_; }

  // Reads through the group's own writes, then the cache (graph keys), then
  // the database.
  absl::StatusOr<std::optional<std::string>> Get(rocksdb::ColumnFamilyHandle* cf,
                                                 const std::string& key) {
    auto it = overlay_.find(OverlayKey(cf, key));
    if (it != overlay_.end()) return it->second;
    const bool cacheable = cf == db_->graph();
    if (cacheable) {
      if (std::optional<std::string> cached = cache_->Get(key)) return cached;
    }
    absl::StatusOr<std::optional<std::string>> stored = db_->Get(cf, key);
    if (cacheable && stored.ok() && stored->has_value()) cache_->Put(key, **stored);
    return stored;
  }

  void Put(rocksdb::ColumnFamilyHandle* cf, const std::string& key, std::string value) {
    batch_.Put(cf, key, value);
    overlay_[OverlayKey(cf, key)] = std::move(value);
  }

  void Delete(rocksdb::ColumnFamilyHandle* cf, const std::string& key) {
    batch_.Delete(cf, key);
    overlay_[OverlayKey(cf, key)] = std::nullopt;
  }

  // Puts a key whose value nobody reads back within a group (raw events).
  void PutBlind(rocksdb::ColumnFamilyHandle* cf, const std::string& key, std::string_view value) {
    batch_.Put(cf, key, rocksdb::Slice(value.data(), value.size()));
  }

  rocksdb::WriteBatch* batch() { return &batch_; }

  // A save point for one item of the group; RollbackToSavePoint undoes the
  // batch part, and the overlay is restored from the copy.
  void SetSavePoint() {
    batch_.SetSavePoint();
    saved_overlay_ = overlay_;
  }
  void RollbackToSavePoint() {
    batch_.RollbackToSavePoint();
    overlay_ = std::move(saved_overlay_);
  }

  // After a successful write: the group's graph writes are now the truth.
  void PublishToCache() {
    const char graph_id = static_cast<char>(db_->graph()->GetID());
    for (auto& [key, value] : overlay_) {
      if (key[0] != graph_id) continue;
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

  Database* const db_;
  RecordCache* const cache_;
  rocksdb::WriteBatch batch_;
  std::unordered_map<std::string, std::optional<std::string>> overlay_;
  std::unordered_map<std::string, std::optional<std::string>> saved_overlay_;
};

}  // namespace lineaged::graphstore::internal
