#pragma once

// NameSearchIndex: the dataset and job names of the store, in memory, with a
// trigram index over their ASCII-lower-cased bytes, so that a substring search
// costs what its candidates cost instead of a scan of the name index.
//
// Holds each name once (arena), its namespace (interned), kind and node id;
// for each trigram present in some name, the sorted entry numbers of the names
// containing it as varint deltas with a skip entry every kSkipEvery ids, so an
// intersection seeks instead of decoding whole lists. Never shrinks: the store
// never deletes a name index key (hidden nodes are filtered by the caller).
//
// Thread-safe: one writer (GraphStore::Open, then the commit thread) and any
// number of concurrent readers. A Find holds a reader lock only while it works
// in memory; a scan (short texts) releases it every kScanChunk names, so the
// commit thread never waits long to add names.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

#include "graphstore/types.h"

namespace lineaged::graphstore::internal {

// A name as Insert takes it and Find returns it.
struct IndexedName {
  NodeKind kind = NodeKind::kDataset;
  QualifiedName name;
  uint64_t node_id = 0;
};

// What a Find examined, for tests and benchmarks.
struct NameSearchStats {
  size_t postings_read = 0;  // trigram lists intersected
  size_t candidates = 0;     // names whose bytes were compared with the text
};

class NameSearchIndex {
 public:
  NameSearchIndex() = default;
  NameSearchIndex(const NameSearchIndex&) = delete;
  NameSearchIndex& operator=(const NameSearchIndex&) = delete;

  // Adds `names`. A node id the index already holds is skipped, so a repeated
  // insert is harmless. Node ids are the store's dense counter: the index
  // keeps one bit per id up to the largest. Writer side: one thread at a time.
  void Insert(const std::vector<IndexedName>& names) ABSL_LOCKS_EXCLUDED(mu_);

  // The names whose name (not namespace) contains `text`, ASCII letters
  // compared case-insensitively and every other byte exactly (as
  // absl::AsciiStrToLower does), of `filter`'s kind and, if set, in
  // namespace `namespace_name`. Unordered. An empty `text` matches every
  // name. Texts of 3+ bytes are looked up by trigram; shorter ones compare
  // every name in memory. Any thread.
  std::vector<IndexedName> Find(std::string_view text, SearchFilter filter,
                                const std::optional<std::string>& namespace_name,
                                NameSearchStats* stats = nullptr) const ABSL_LOCKS_EXCLUDED(mu_);

  // Names held.
  size_t size() const ABSL_LOCKS_EXCLUDED(mu_);

  // Heap bytes held (capacities, so the figure is an upper bound on what is
  // resident). Any thread; cheap.
  size_t memory_bytes() const ABSL_LOCKS_EXCLUDED(mu_);

  // Trims the growth slack of every array and list (after the bulk insert at
  // open). Writer side.
  void ShrinkToFit() ABSL_LOCKS_EXCLUDED(mu_);

  // Ids of a posting list per skip entry. Larger: less memory, longer seeks.
  static constexpr uint32_t kSkipEvery = 64;
  // Names a scan compares per lock hold (a fraction of a millisecond).
  static constexpr size_t kScanChunk = 16384;

 private:
  struct Skip {
    uint32_t first_id;  // the id this block starts with
    uint32_t offset;    // byte offset of that id's varint in `deltas`
  };
  // The entries containing one trigram, ascending.
  struct Posting {
    std::vector<uint8_t> deltas;  // varint(id - previous id), the first from 0
    std::vector<Skip> skips;      // one per kSkipEvery ids
    uint32_t count = 0;
    uint32_t last = 0;
  };
  class Cursor;

  void InsertLocked(const IndexedName& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Append(Posting* posting, uint32_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string_view NameAt(uint32_t entry) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  IndexedName NameOf(uint32_t entry) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Find for a text too short for a trigram (may be empty): compares every
  // name, taking the lock for kScanChunk names at a time.
  void ScanAll(std::string_view lower_text, SearchFilter filter,
               std::optional<uint32_t> namespace_id, std::vector<IndexedName>* out,
               NameSearchStats* stats) const ABSL_LOCKS_EXCLUDED(mu_);
  // Whether entry `entry` passes the kind and namespace filters.
  bool Passes(uint32_t entry, SearchFilter filter, std::optional<uint32_t> namespace_id) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  // Per entry (entry number = insertion order): node id, end of its name in
  // `names_` (the start is the previous entry's end), namespace id << 1 | is_job.
  std::vector<uint64_t> node_ids_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> name_ends_ ABSL_GUARDED_BY(mu_);
  std::vector<uint32_t> namespace_and_kind_ ABSL_GUARDED_BY(mu_);
  std::string names_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> namespaces_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint32_t> namespace_ids_ ABSL_GUARDED_BY(mu_);
  // Key: the trigram's three bytes, big-endian in the low 24 bits.
  absl::flat_hash_map<uint32_t, Posting> postings_ ABSL_GUARDED_BY(mu_);
  size_t posting_heap_bytes_ ABSL_GUARDED_BY(mu_) = 0;  // capacities of every Posting's vectors
  std::vector<bool> held_ids_ ABSL_GUARDED_BY(mu_);     // by node id
};

}  // namespace lineaged::graphstore::internal
