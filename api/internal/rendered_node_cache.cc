#include "api/internal/rendered_node_cache.h"

#include <utility>

namespace lineaged::api::internal {

RenderedNodeCache::RenderedNodeCache(size_t capacity_bytes)
    : shard_capacity_(capacity_bytes / kShards), shards_(kShards) {}

std::shared_ptr<const std::string> RenderedNodeCache::Find(uint64_t key, uint64_t stamp) {
  Shard& shard = ShardOf(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.by_key.find(key);
  if (it == shard.by_key.end() || it->second->stamp != stamp) {
    ++shard.misses;
    return nullptr;
  }
  ++shard.hits;
  shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
  return it->second->text;
}

void RenderedNodeCache::Insert(uint64_t key, uint64_t stamp,
                               std::shared_ptr<const std::string> text) {
  const size_t charge = Charge(*text);
  if (charge > shard_capacity_) return;
  Shard& shard = ShardOf(key);
  std::shared_ptr<const std::string> evicted;  // freed outside the lock
  absl::MutexLock lock(&shard.mu);
  if (auto it = shard.by_key.find(key); it != shard.by_key.end()) {
    Entry& entry = *it->second;
    if (entry.stamp > stamp) return;
    shard.bytes -= Charge(*entry.text);
    shard.bytes += charge;
    evicted = std::exchange(entry.text, std::move(text));
    entry.stamp = stamp;
    shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
  } else {
    shard.lru.push_front(Entry{key, stamp, std::move(text)});
    shard.by_key.emplace(key, shard.lru.begin());
    shard.bytes += charge;
  }
  while (shard.bytes > shard_capacity_) {
    Entry& last = shard.lru.back();
    shard.bytes -= Charge(*last.text);
    shard.by_key.erase(last.key);
    shard.lru.pop_back();
  }
}

RenderedNodeCache::Stats RenderedNodeCache::stats() const {
  Stats stats;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    stats.hits += shard.hits;
    stats.misses += shard.misses;
    stats.entries += shard.by_key.size();
    stats.bytes += shard.bytes;
  }
  return stats;
}

}  // namespace lineaged::api::internal
