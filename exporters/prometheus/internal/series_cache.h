#pragma once

// SeriesCache: the series of one metric family by label key, and the
// cardinality cap of that family. prometheus::Family::Add builds a label map
// and a throw-away metric on every call; looking the series up here first
// keeps the hot path to one hash lookup. Keys that are "capped" (their labels
// come from events: namespace, job) count against the capacity; beyond it Get
// refuses them and the caller falls back to an overflow series.

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

#include "graphstore/base/strings.h"

namespace lineaged::exporters::internal {

// Thread-safe. The metrics pointed to are owned by their prometheus::Family
// and live as long as it does.
template <typename Metric>
class SeriesCache {
 public:
  // At most `capacity` capped keys.
  explicit SeriesCache(size_t capacity) : capacity_(capacity) {}
  SeriesCache(const SeriesCache&) = delete;
  SeriesCache& operator=(const SeriesCache&) = delete;

  // The series remembered for `key`. Else, unless `capped` and `capacity`
  // capped keys are already remembered, the series `make()` returns (called
  // under the cache's lock), remembered. Else null.
  template <typename Make>
  Metric* Get(std::string_view key, bool capped, Make make) {
    absl::MutexLock lock(&mu_);
    if (auto it = series_.find(AsAbsl(key)); it != series_.end()) return it->second;
    if (capped) {
      if (capped_size_ >= capacity_) return nullptr;
      ++capped_size_;
    }
    Metric* metric = make();
    series_.emplace(std::string(key), metric);
    return metric;
  }

  // Capped keys remembered so far.
  size_t capped_size() const {
    absl::MutexLock lock(&mu_);
    return capped_size_;
  }

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Metric*> series_ ABSL_GUARDED_BY(mu_);
  size_t capped_size_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace lineaged::exporters::internal
