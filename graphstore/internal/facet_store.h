#pragma once

// Facet texts are stored once per distinct text, under `f` + digest (the
// first 16 bytes of SHA-256), and records (nodes, runs, dataset versions)
// name them by digest. A facet repeated by every run of a job, every version
// of a dataset or every task of a DAG run costs 16 bytes per record instead
// of its text, so records stay small and rewriting them stays cheap.
//
// FacetStore is the commit thread's side of that: which digests are known to
// be stored (so most events read nothing to find out), and the state of a
// facet sweep. Texts that no record names any more (a run purged, a facet
// replaced by a newer text) are deleted by Committer::SweepFacets, which
// marks what a snapshot still names and deletes the rest unless the commit
// thread named them after the sweep began (Touch).
//
// Not thread-safe: commit thread only, except dropped_references().

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"

#include "graphstore/internal/records.pb.h"
#include "graphstore/types.h"

namespace lineaged::graphstore::internal {

using FacetDigest = std::array<uint8_t, 16>;

// The digest as key bytes and back, and as FacetValue fields.
inline std::string DigestBytes(const FacetDigest& digest) {
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}
FacetDigest DigestFromBytes(std::string_view bytes);
FacetDigest DigestOf(const FacetValue& value);
void SetDigest(const FacetDigest& digest, FacetValue* value);
inline bool HasDigest(const FacetValue& value) {
  return value.digest_high() != 0 || value.digest_low() != 0;
}

// A record's facets, sorted by name (records.proto, FacetEntry).
using FacetEntries = google::protobuf::RepeatedPtrField<FacetEntry>;
// The facet `name` of `entries`, or null.
const FacetValue* FindFacet(const FacetEntries& entries, std::string_view name);
FacetValue* FindFacet(FacetEntries* entries, std::string_view name);
// The facet `name` of `entries`, added in name order (empty) if missing.
FacetValue* FindOrAddFacet(FacetEntries* entries, std::string_view name);

// SHA-256 of `json`, cut to 16 bytes. Thread-safe: the committer's callers
// hash an event's facets before queueing it, off the commit thread.
FacetDigest DigestOfText(std::string_view json);

// Digests of an event's facets, computed before it is queued, by facet.
using FacetDigests = absl::flat_hash_map<const Facet*, FacetDigest>;
// The digest of every facet `event` carries that is not deleted.
FacetDigests DigestsOf(const Event& event);

class FacetStore {
 public:
  // Remembers up to about `capacity` digests (two generations).
  explicit FacetStore(size_t capacity);
  FacetStore(const FacetStore&) = delete;
  FacetStore& operator=(const FacetStore&) = delete;

  // Whether the text of `digest` is known to be stored (false: unknown).
  bool Known(const FacetDigest& digest);
  void Remember(const FacetDigest& digest);
  void Forget(const FacetDigest& digest);

  // --- Sweeps: one at a time, begun and ended on the commit thread. ---
  void BeginSweep();
  void EndSweep();
  bool sweeping() const { return sweeping_; }
  // Records that a record names `digest` now; a sweep keeps what it touched.
  void Touch(const FacetDigest& digest) {
    if (sweeping_) touched_.insert(digest);
  }
  bool Touched(const FacetDigest& digest) const { return touched_.contains(digest); }

  // References dropped (a facet replaced, a run purged) since start: what a
  // sweep may find to delete. Any thread.
  void CountDropped(uint64_t n) { dropped_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t dropped_references() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  const size_t generation_size_;
  absl::flat_hash_set<FacetDigest> young_;
  absl::flat_hash_set<FacetDigest> old_;
  bool sweeping_ = false;
  absl::flat_hash_set<FacetDigest> touched_;
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace lineaged::graphstore::internal
