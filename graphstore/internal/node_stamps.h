#pragma once

// NodeStamps: a change stamp per dataset or job, in memory, so that a caller
// keeping a rendered node between requests (api's page cache) can tell
// without reading anything whether it may have changed.
//
// Contract: the write thread calls Bump() with every node a written group
// changed — a node record, and for a job also its runs and run list (what
// JobInfo shows) — after the write is visible to readers and before the
// group is acknowledged. A reader that takes Get(id) before it opens the
// snapshot it reads the node from, or after a snapshot opened once
// published() was at least Get(id), may keep what it renders under that
// stamp: a later change makes Get(id) differ. Stamps are 0 for nodes
// unchanged since the store opened.
//
// Bounded memory: a fixed table of slots indexed by node id (ids are dense,
// allocated in order), so ids a table apart share a slot and a change to one
// also changes the other's stamp; that costs a re-render, never a stale one.
// Lock-free: one writer, any number of readers.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace lineaged::graphstore::internal {

class NodeStamps {
 public:
  // `slots` is rounded up to a power of two.
  explicit NodeStamps(size_t slots = size_t{1} << 18) {
    size_t size = 1;
    while (size < slots) size <<= 1;
    mask_ = size - 1;
    slots_ = std::make_unique<std::atomic<uint64_t>[]>(size);
    for (size_t i = 0; i < size; ++i) slots_[i].store(0, std::memory_order_relaxed);
  }
  NodeStamps(const NodeStamps&) = delete;
  NodeStamps& operator=(const NodeStamps&) = delete;

  // Gives the nodes one new stamp. The write thread only.
  void Bump(const std::vector<uint64_t>& node_ids) {
    if (node_ids.empty()) return;
    const uint64_t stamp = published_.load(std::memory_order_relaxed) + 1;
    for (uint64_t id : node_ids) slots_[id & mask_].store(stamp, std::memory_order_release);
    published_.store(stamp, std::memory_order_release);
  }

  // The newest stamp whose Bump has finished. A reader that takes it before
  // opening its snapshot knows that snapshot holds every change stamped up
  // to it, so a node whose Get() is no greater needs no newer read.
  uint64_t published() const { return published_.load(std::memory_order_acquire); }

  uint64_t Get(uint64_t node_id) const {
    return slots_[node_id & mask_].load(std::memory_order_acquire);
  }

  size_t memory_bytes() const { return (mask_ + 1) * sizeof(std::atomic<uint64_t>); }

 private:
  std::unique_ptr<std::atomic<uint64_t>[]> slots_;
  size_t mask_ = 0;
  std::atomic<uint64_t> published_{0};
};

}  // namespace lineaged::graphstore::internal
