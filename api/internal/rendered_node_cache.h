#pragma once

// RenderedNodeCache: the JSON of datasets and jobs as list pages and lineage
// graphs render them, kept between requests by (node id, view, change stamp)
// so that an answer re-renders only what changed since (graphstore::NodeStamp).
// A job of a job page is ~5 KiB of JSON built from its record, up to ten runs
// and their dataset names: reading and rendering it is most of the page's cost.
//
// Bounded: at most `capacity_bytes` of texts (plus ~100 bytes of bookkeeping
// per entry); beyond it the least recently used go. A key has one entry, so
// a new stamp replaces the old text. Thread-safe: shards by node id, one
// mutex each, held only to look up or link an entry, never while rendering.
//
// (No library we depend on offers an LRU map to the API layer: RocksDB's
// cache is the graph store's, which the API does not link directly.)

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace lineaged::api::internal {

class RenderedNodeCache {
 public:
  explicit RenderedNodeCache(size_t capacity_bytes);
  RenderedNodeCache(const RenderedNodeCache&) = delete;
  RenderedNodeCache& operator=(const RenderedNodeCache&) = delete;

  // What of a node is rendered: a list page item, or a lineage node's data.
  enum class View : uint64_t { kListItem = 0, kLineageData = 1 };
  // The entry key of a node's view.
  static uint64_t Key(uint64_t node_id, View view) {
    return node_id << 1 | static_cast<uint64_t>(view);
  }

  // The text rendered for the key at `stamp`, or null.
  std::shared_ptr<const std::string> Find(uint64_t key, uint64_t stamp);
  // Keeps `text` as the key's rendering at `stamp`, unless an entry with a
  // newer stamp is already there (a slower reader finishing late).
  void Insert(uint64_t key, uint64_t stamp, std::shared_ptr<const std::string> text);

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t entries = 0;
    uint64_t bytes = 0;
  };
  Stats stats() const;

 private:
  struct Entry {
    uint64_t key;
    uint64_t stamp;
    std::shared_ptr<const std::string> text;
  };
  struct Shard {
    mutable absl::Mutex mu;
    std::list<Entry> lru ABSL_GUARDED_BY(mu);  // most recently used first
    absl::flat_hash_map<uint64_t, std::list<Entry>::iterator> by_key ABSL_GUARDED_BY(mu);
    size_t bytes ABSL_GUARDED_BY(mu) = 0;
    uint64_t hits ABSL_GUARDED_BY(mu) = 0;
    uint64_t misses ABSL_GUARDED_BY(mu) = 0;
  };
  static constexpr size_t kShards = 16;
  static size_t Charge(const std::string& text) { return text.size() + sizeof(Entry) + 64; }

  Shard& ShardOf(uint64_t key) { return shards_[(key >> 1) % kShards]; }

  const size_t shard_capacity_;
  std::vector<Shard> shards_;
};

}  // namespace lineaged::api::internal
