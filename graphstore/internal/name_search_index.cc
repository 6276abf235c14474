#include "graphstore/internal/name_search_index.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"

#include "graphstore/base/strings.h"

namespace lineaged::graphstore::internal {
namespace {

constexpr size_t kTrigram = 3;

// Grows by a quarter instead of doubling: the index lives as long as the
// store, so slack is paid for all that time. Still geometric, so appends stay
// amortised O(1).
template <typename Container>
void ReserveFor(Container* c, size_t extra) {
  if (c->size() + extra <= c->capacity()) return;
  c->reserve(std::max(c->size() + extra, c->capacity() + c->capacity() / 4 + 16));
}

uint32_t TrigramAt(std::string_view lower, size_t i) {
  return static_cast<uint32_t>(static_cast<uint8_t>(lower[i])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(lower[i + 1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(lower[i + 2]));
}

void AppendVarint(std::vector<uint8_t>* out, uint32_t value) {
  while (value >= 0x80) {
    out->push_back(static_cast<uint8_t>(value | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<uint8_t>(value));
}

// Reads the varint at (*offset) of `bytes`, which the index wrote itself.
uint32_t ReadVarint(const std::vector<uint8_t>& bytes, size_t* offset) {
  uint32_t value = 0;
  for (int shift = 0;; shift += 7) {
    uint8_t byte = bytes[(*offset)++];
    value |= static_cast<uint32_t>(byte & 0x7f) << shift;
    if (byte < 0x80) return value;
  }
}

// Whether `name`, ASCII-lower-cased, contains `lower_text`. Compares in
// place: a short text compares every name, and a copy per name was most of
// that cost.
bool ContainsLower(std::string_view name, std::string_view lower_text) {
  if (name.size() < lower_text.size()) return false;
  const size_t last = name.size() - lower_text.size();
  for (size_t i = 0; i <= last; ++i) {
    size_t j = 0;
    while (j < lower_text.size() && absl::ascii_tolower(name[i + j]) == lower_text[j]) ++j;
    if (j == lower_text.size()) return true;
  }
  return false;
}

// ASCII letters to lower case, every other byte as it is (absl::AsciiStrToLower).
void LowerAscii(std::string_view in, char* out) {
  for (size_t i = 0; i < in.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    out[i] = static_cast<char>(static_cast<unsigned>(c - 'A') < 26u ? c | 0x20 : c);
  }
}

}  // namespace

// Walks one posting list forward; SeekGE uses the skip entries to jump over
// whole blocks, so intersecting a short list with a long one costs about
// (short length) x (a binary search + half a block), not the long length.
class NameSearchIndex::Cursor {
 public:
  explicit Cursor(const Posting& posting) : posting_(posting) {}

  // Moves to the first id >= target. False if there is none.
  bool SeekGE(uint32_t target) {
    if (read_ > 0 && current_ >= target) return true;
    // Blocks not entered yet start at index ceil(read_ / kSkipEvery).
    const size_t next_block = (read_ + kSkipEvery - 1) / kSkipEvery;
    const std::vector<Skip>& skips = posting_.skips;
    if (next_block < skips.size() && skips[next_block].first_id <= target) {
      auto it = std::upper_bound(skips.begin() + next_block, skips.end(), target,
                                 [](uint32_t t, const Skip& s) { return t < s.first_id; });
      --it;
      offset_ = it->offset;
      ReadVarint(posting_.deltas, &offset_);  // a delta from the block before: not needed
      current_ = it->first_id;
      read_ = static_cast<uint32_t>(it - skips.begin()) * kSkipEvery + 1;
    }
    while (read_ == 0 || current_ < target) {
      if (read_ >= posting_.count) return false;
      current_ += ReadVarint(posting_.deltas, &offset_);
      ++read_;
    }
    return true;
  }

  uint32_t value() const { return current_; }

  static std::vector<uint32_t> DecodeAll(const Posting& posting) {
    std::vector<uint32_t> ids;
    ids.reserve(posting.count);
    size_t offset = 0;
    uint32_t id = 0;
    for (uint32_t i = 0; i < posting.count; ++i) {
      id += ReadVarint(posting.deltas, &offset);
      ids.push_back(id);
    }
    return ids;
  }

 private:
  const Posting& posting_;
  size_t offset_ = 0;     // of the next varint
  uint32_t read_ = 0;     // ids decoded (or jumped over) so far
  uint32_t current_ = 0;  // the last id decoded
};

void NameSearchIndex::Insert(const std::vector<IndexedName>& names) {
  absl::MutexLock lock(&mu_);
  for (const IndexedName& name : names) InsertLocked(name);
}

void NameSearchIndex::InsertLocked(const IndexedName& name) {
  if (name.node_id < held_ids_.size() && held_ids_[name.node_id]) return;
  // Entry numbers and namespace ids are 32-bit (31 for namespaces): far more
  // names than fit in memory.
  if (node_ids_.size() >= std::numeric_limits<uint32_t>::max()) return;
  if (name.node_id >= held_ids_.size()) held_ids_.resize(name.node_id + 1);
  held_ids_[name.node_id] = true;

  auto [ns, added] = namespace_ids_.try_emplace(name.name.namespace_name,
                                                static_cast<uint32_t>(namespaces_.size()));
  if (added) namespaces_.push_back(name.name.namespace_name);
  const uint32_t entry = static_cast<uint32_t>(node_ids_.size());
  ReserveFor(&node_ids_, 1);
  ReserveFor(&name_ends_, 1);
  ReserveFor(&namespace_and_kind_, 1);
  ReserveFor(&names_, name.name.name.size());
  node_ids_.push_back(name.node_id);
  names_.append(name.name.name);
  name_ends_.push_back(names_.size());
  namespace_and_kind_.push_back(ns->second << 1 | (name.kind == NodeKind::kJob ? 1 : 0));

  std::string lower = absl::AsciiStrToLower(AsAbsl(name.name.name));
  for (size_t i = 0; i + kTrigram <= lower.size(); ++i) {
    Append(&postings_[TrigramAt(lower, i)], entry);
  }
}

void NameSearchIndex::Append(Posting* posting, uint32_t id) {
  // A trigram repeated within one name ("aaaa") is listed once.
  if (posting->count > 0 && posting->last == id) return;
  const size_t before = posting->deltas.capacity() + posting->skips.capacity() * sizeof(Skip);
  if (posting->count % kSkipEvery == 0) {
    ReserveFor(&posting->skips, 1);
    posting->skips.push_back(Skip{id, static_cast<uint32_t>(posting->deltas.size())});
  }
  ReserveFor(&posting->deltas, 5);
  AppendVarint(&posting->deltas, id - posting->last);
  posting->last = id;
  ++posting->count;
  posting_heap_bytes_ += posting->deltas.capacity() + posting->skips.capacity() * sizeof(Skip);
  posting_heap_bytes_ -= before;
}

std::string_view NameSearchIndex::NameAt(uint32_t entry) const {
  const size_t begin = entry == 0 ? 0 : name_ends_[entry - 1];
  return std::string_view(names_).substr(begin, name_ends_[entry] - begin);
}

bool NameSearchIndex::Passes(uint32_t entry, SearchFilter filter,
                             std::optional<uint32_t> namespace_id) const {
  const uint32_t packed = namespace_and_kind_[entry];
  const bool job = (packed & 1) != 0;
  if (filter == SearchFilter::kDataset && job) return false;
  if (filter == SearchFilter::kJob && !job) return false;
  return !namespace_id || (packed >> 1) == *namespace_id;
}

IndexedName NameSearchIndex::NameOf(uint32_t entry) const {
  const uint32_t packed = namespace_and_kind_[entry];
  return IndexedName{(packed & 1) != 0 ? NodeKind::kJob : NodeKind::kDataset,
                     QualifiedName{namespaces_[packed >> 1], std::string(NameAt(entry))},
                     node_ids_[entry]};
}

std::vector<IndexedName> NameSearchIndex::Find(std::string_view text, SearchFilter filter,
                                               const std::optional<std::string>& namespace_name,
                                               NameSearchStats* stats) const {
  NameSearchStats local;
  if (stats == nullptr) stats = &local;
  *stats = NameSearchStats{};
  const std::string lower_text = absl::AsciiStrToLower(AsAbsl(text));
  std::vector<IndexedName> out;
  std::optional<uint32_t> namespace_id;
  if (namespace_name) {
    absl::ReaderMutexLock lock(&mu_);
    auto it = namespace_ids_.find(*namespace_name);
    if (it == namespace_ids_.end()) return out;
    namespace_id = it->second;  // ids are never reused: valid after the lock too
  }
  if (lower_text.size() < kTrigram) {
    ScanAll(lower_text, filter, namespace_id, &out, stats);
    return out;
  }

  absl::ReaderMutexLock lock(&mu_);
  std::vector<const Posting*> lists;
  for (size_t i = 0; i + kTrigram <= lower_text.size(); ++i) {
    auto it = postings_.find(TrigramAt(lower_text, i));
    if (it == postings_.end()) return out;  // no name has this trigram
    lists.push_back(&it->second);
  }
  // Smallest first: the candidates never outnumber the shortest list.
  std::sort(lists.begin(), lists.end(), [](const Posting* a, const Posting* b) {
    return a->count != b->count ? a->count < b->count : a < b;  // repeats adjacent
  });
  lists.erase(std::unique(lists.begin(), lists.end()), lists.end());
  std::vector<uint32_t> ids = Cursor::DecodeAll(*lists[0]);
  stats->postings_read = 1;
  for (size_t i = 1; i < lists.size() && !ids.empty(); ++i) {
    Cursor cursor(*lists[i]);
    size_t kept = 0;
    for (uint32_t id : ids) {
      if (!cursor.SeekGE(id)) break;
      if (cursor.value() == id) ids[kept++] = id;
    }
    ids.resize(kept);
    ++stats->postings_read;
  }
  // The trigrams of a name can all occur in it without the text doing so
  // ("abcxbcd" has those of "abcd"): every candidate is compared.
  for (uint32_t entry : ids) {
    if (!Passes(entry, filter, namespace_id)) continue;
    ++stats->candidates;
    if (ContainsLower(NameAt(entry), lower_text)) out.push_back(NameOf(entry));
  }
  return out;
}

void NameSearchIndex::ScanAll(std::string_view lower_text, SearchFilter filter,
                              std::optional<uint32_t> namespace_id, std::vector<IndexedName>* out,
                              NameSearchStats* stats) const {
  size_t total = 0;
  {
    absl::ReaderMutexLock lock(&mu_);
    total = node_ids_.size();
  }
  stats->candidates = total;
  // Entries are append-only and never change, so a scan may let the writer in
  // between chunks: it then waits for one chunk at most, not for the scan.
  std::string lowered;
  for (size_t first = 0; first < total; first += kScanChunk) {
    absl::ReaderMutexLock lock(&mu_);
    const uint32_t last = static_cast<uint32_t>(std::min(total, first + kScanChunk));
    if (lower_text.empty()) {
      for (uint32_t entry = first; entry < last; ++entry) {
        if (Passes(entry, filter, namespace_id)) out->push_back(NameOf(entry));
      }
      continue;
    }
    // One pass over the chunk's names, lower-cased together: find() runs on
    // memchr, much faster than comparing name by name.
    const size_t base = first == 0 ? 0 : name_ends_[first - 1];
    lowered.resize(name_ends_[last - 1] - base);
    LowerAscii(std::string_view(names_).substr(base, lowered.size()), lowered.data());
    uint32_t entry = static_cast<uint32_t>(first);
    for (size_t at = lowered.find(lower_text); at != std::string::npos;
         at = lowered.find(lower_text, at)) {
      while (name_ends_[entry] <= base + at) ++entry;  // the entry the match starts in
      const size_t entry_end = name_ends_[entry] - base;
      if (at + lower_text.size() > entry_end) {
        ++at;  // runs into the next name: no match
        continue;
      }
      if (Passes(entry, filter, namespace_id)) out->push_back(NameOf(entry));
      at = entry_end;  // one hit per name
    }
  }
}

size_t NameSearchIndex::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return node_ids_.size();
}

size_t NameSearchIndex::memory_bytes() const {
  absl::ReaderMutexLock lock(&mu_);
  size_t bytes = node_ids_.capacity() * sizeof(uint64_t) +
                 name_ends_.capacity() * sizeof(uint64_t) +
                 namespace_and_kind_.capacity() * sizeof(uint32_t) + names_.capacity() +
                 held_ids_.capacity() / 8 + posting_heap_bytes_;
  // A flat_hash_map slot per bucket plus one control byte.
  bytes += postings_.capacity() * (sizeof(std::pair<const uint32_t, Posting>) + 1);
  bytes += namespace_ids_.capacity() * (sizeof(std::pair<const std::string, uint32_t>) + 1);
  bytes += namespaces_.capacity() * sizeof(std::string);
  for (const std::string& ns : namespaces_) bytes += 2 * ns.capacity();  // list and map key
  return bytes;
}

void NameSearchIndex::ShrinkToFit() {
  absl::MutexLock lock(&mu_);
  node_ids_.shrink_to_fit();
  name_ends_.shrink_to_fit();
  namespace_and_kind_.shrink_to_fit();
  names_.shrink_to_fit();
  held_ids_.shrink_to_fit();
  posting_heap_bytes_ = 0;
  for (auto& [trigram, posting] : postings_) {
    posting.deltas.shrink_to_fit();
    posting.skips.shrink_to_fit();
    posting_heap_bytes_ += posting.deltas.capacity() + posting.skips.capacity() * sizeof(Skip);
  }
}

}  // namespace lineaged::graphstore::internal
