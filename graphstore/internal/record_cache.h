#pragma once

// RecordCache: the committer's memory of graph records it has read or
// written, so the common event (known job, known datasets, known edges) costs
// no RocksDB reads. Exact, not a hint: the committer is the only writer, and
// it updates the cache only with what a successful write put in the database.
//
// Bounded by bytes with two generations: when the young generation is full it
// becomes the old one and the previous old one is dropped; a hit in the old
// generation moves the entry back to the young one. An approximate LRU at the
// cost of two hash maps.
//
// Not thread-safe: owned by the committer thread.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"

namespace lineaged::graphstore::internal {

class RecordCache {
 public:
  explicit RecordCache(size_t capacity_bytes) : generation_bytes_(capacity_bytes / 2) {}

  // The cached value of `key`, if any.
  std::optional<std::string> Get(const std::string& key) {
    if (auto it = young_.find(key); it != young_.end()) return it->second;
    auto it = old_.find(key);
    if (it == old_.end()) return std::nullopt;
    std::string value = it->second;
    Put(key, value);
    return value;
  }

  void Put(const std::string& key, std::string value) {
    if (young_bytes_ >= generation_bytes_) {
      old_ = std::move(young_);
      young_.clear();
      young_bytes_ = 0;
    }
    size_t size = key.size() + value.size() + kEntryOverhead;
    auto [it, inserted] = young_.insert_or_assign(key, std::move(value));
    if (inserted) young_bytes_ += size;
  }

  void Erase(const std::string& key) {
    young_.erase(key);
    old_.erase(key);
  }

  void Clear() {
    young_.clear();
    old_.clear();
    young_bytes_ = 0;
  }

 private:
  // Rough per-entry cost of a slot with two std::strings and the table's
  // spare capacity.
  static constexpr size_t kEntryOverhead = 96;

  const size_t generation_bytes_;
  size_t young_bytes_ = 0;
  absl::flat_hash_map<std::string, std::string> young_;
  absl::flat_hash_map<std::string, std::string> old_;
};

}  // namespace lineaged::graphstore::internal
