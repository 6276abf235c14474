#include "graphstore/internal/facet_store.h"

#include <algorithm>

#include <openssl/evp.h>

namespace lineaged::graphstore::internal {

FacetDigest DigestFromBytes(std::string_view bytes) {
  FacetDigest digest{};
  std::copy_n(bytes.begin(), std::min(bytes.size(), digest.size()), digest.begin());
  return digest;
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

FacetStore::FacetStore(size_t capacity)
    : generation_size_(std::max<size_t>(capacity / 2, 1)),
      // Fetched once: EVP_Digest with EVP_sha256() looks the algorithm up on
      // every call, which costs more than hashing a small facet.
      sha256_(EVP_MD_fetch(nullptr, "SHA256", nullptr)),
      context_(EVP_MD_CTX_new()) {}

FacetStore::~FacetStore() {
  EVP_MD_CTX_free(context_);
  EVP_MD_free(sha256_);
}

FacetDigest FacetStore::Digest(std::string_view json) {
  unsigned char sha[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestInit_ex(context_, sha256_, nullptr);
  EVP_DigestUpdate(context_, json.data(), json.size());
  EVP_DigestFinal_ex(context_, sha, &length);
  FacetDigest digest;
  std::copy_n(sha, digest.size(), digest.begin());
  return digest;
}

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
