#pragma once

// Builders for graphstore::Event in the store's tests: the fields every run
// event needs, with a content hash derived from its raw JSON (distinct text,
// distinct identity; the same text is a duplicate). Header-only, so that only
// the test binaries that link graphstore include it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "graphstore/types.h"

namespace lineaged::testing {

inline graphstore::QualifiedName Name(std::string ns, std::string name) {
  return {std::move(ns), std::move(name)};
}

// A run id whose last two bytes are `n`, the rest zero.
inline graphstore::Uuid RunId(uint16_t n) {
  graphstore::Uuid id{};
  id[14] = static_cast<uint8_t>(n >> 8);
  id[15] = static_cast<uint8_t>(n);
  return id;
}

// A run event of `job` from producer "test", without datasets or facets.
inline graphstore::Event BareRunEvent(uint16_t run, graphstore::RunEventType type, int64_t time,
                                      graphstore::QualifiedName job, std::string raw_json) {
  graphstore::Event e;
  e.kind = graphstore::EventKind::kRun;
  e.event_type = type;
  e.event_time_micros = time;
  e.producer = "test";
  e.run_id = RunId(run);
  e.job = std::move(job);
  e.raw_json = std::move(raw_json);
  for (size_t i = 0; i < e.raw_json.size(); ++i) e.content_hash[i % 16] ^= e.raw_json[i] + i;
  return e;
}

}  // namespace lineaged::testing
