#include "graphstore/internal/facet_store.h"

#include <algorithm>

#include "graphstore/base/digest.h"

namespace lineaged::graphstore::internal {

FacetDigest DigestFromBytes(std::string_view bytes) {
  FacetDigest digest{};
  std::copy_n(bytes.begin(), std::min(bytes.size(), digest.size()), digest.begin());
  return digest;
}

const FacetValue* FindFacet(const FacetEntries& entries, std::string_view name) {
  // A handful of entries: a scan, which also holds for entries out of order.
  for (const FacetEntry& entry : entries) {
    if (entry.name() == name) return &entry.value();
  }
  return nullptr;
}

FacetValue* FindFacet(FacetEntries* entries, std::string_view name) {
  for (FacetEntry& entry : *entries) {
    if (entry.name() == name) return entry.mutable_value();
  }
  return nullptr;
}

FacetValue* FindOrAddFacet(FacetEntries* entries, std::string_view name) {
  if (FacetValue* found = FindFacet(entries, name)) return found;
  FacetEntry* added = entries->Add();
  added->set_name(std::string(name));
  // Into name order: the entry moves down past every larger name.
  for (int i = entries->size() - 1; i > 0 && entries->Get(i - 1).name() > name; --i) {
    entries->SwapElements(i, i - 1);
  }
  return added->mutable_value();
}

FacetDigest DigestOf(const FacetValue& value) {
  FacetDigest digest;
  for (int i = 0; i < 8; ++i) {
    digest[i] = static_cast<uint8_t>(value.digest_high() >> (56 - 8 * i));
    digest[8 + i] = static_cast<uint8_t>(value.digest_low() >> (56 - 8 * i));
  }
  return digest;
}

void SetDigest(const FacetDigest& digest, FacetValue* value) {
  uint64_t high = 0, low = 0;
  for (int i = 0; i < 8; ++i) {
    high = high << 8 | digest[i];
    low = low << 8 | digest[8 + i];
  }
  value->set_digest_high(high);
  value->set_digest_low(low);
}

namespace {

void AddDigests(const std::vector<Facet>& facets, FacetDigests* out) {
  for (const Facet& facet : facets) {
    if (!facet.deleted) out->emplace(&facet, DigestOfText(facet.json));
  }
}

}  // namespace

FacetDigest DigestOfText(std::string_view json) { return Sha256Prefix(json); }

FacetDigests DigestsOf(const Event& event) {
  FacetDigests digests;
  AddDigests(event.run_mention.facets, &digests);
  AddDigests(event.job_mention.facets, &digests);
  for (const auto* mentions : {&event.inputs, &event.outputs}) {
    for (const DatasetMention& mention : *mentions) {
      AddDigests(mention.facets, &digests);
      AddDigests(mention.io_facets, &digests);
    }
  }
  AddDigests(event.dataset.facets, &digests);
  return digests;
}

FacetStore::FacetStore(size_t capacity) : generation_size_(std::max<size_t>(capacity / 2, 1)) {}

bool FacetStore::Known(const FacetDigest& digest) {
  if (young_.contains(digest)) return true;
  if (!old_.contains(digest)) return false;
  Remember(digest);
  return true;
}

void FacetStore::Remember(const FacetDigest& digest) {
  if (young_.size() >= generation_size_) {
    old_ = std::move(young_);
    young_.clear();
  }
  young_.insert(digest);
}

void FacetStore::Forget(const FacetDigest& digest) {
  young_.erase(digest);
  old_.erase(digest);
}

void FacetStore::BeginSweep() {
  sweeping_ = true;
  touched_.clear();
}

void FacetStore::EndSweep() {
  sweeping_ = false;
  touched_ = {};
}

}  // namespace lineaged::graphstore::internal
