#pragma once

// Key layout of the store (see docs/storage_format.md). Multi-byte integers are
// big-endian so RocksDB's bytewise order is numeric order; strings inside keys
// are escaped and terminated so that order and prefixes survive any byte.
//
// DO NOT CHANGE the prefixes or encodings below: they are on disk.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "graphstore/types.h"

namespace lineaged::graphstore::internal {

// Column family "graph".
inline constexpr char kNamespacePrefix = 'n';    // n <ns bytes>            -> NamespaceRecord
inline constexpr char kDatasetNamePrefix = 'D';  // D <ostr ns> <ostr name> -> be64 node id
inline constexpr char kJobNamePrefix = 'J';      // J <ostr ns> <ostr name> -> be64 node id
inline constexpr char kNodePrefix = 'O';         // O <be64 id>             -> NodeRecord
inline constexpr char kRunPrefix = 'R';          // R <16-byte uuid>        -> RunRecord
inline constexpr char kAdjacencyPrefix = 'a';    // a <be64 dataset id>     -> AdjacencyRecord
inline constexpr char kMetaPrefix = 'M';         // M <name>                -> value
inline constexpr char kAliasPrefix = 'A';        // A <ostr ns> <ostr name> -> be64 dataset id
inline constexpr char kDatasetVersionPrefix =
    'V';  // V <be64 dataset> <be64 seq> -> DatasetVersionRecord
inline constexpr char kDatasetVersionIdPrefix =
    'v';                                          // v <16-byte version> -> be64 dataset, be64 seq
inline constexpr char kJobVersionPrefix = 'W';    // W <be64 job> <be64 seq> -> JobVersionRecord
inline constexpr char kJobVersionIdPrefix = 'w';  // w <16-byte version> -> be64 job, be64 seq
inline constexpr char kRunListPrefix = 'r';  // r <be64 job> <be64 ~sort time> <16-byte run> -> ""
inline constexpr char kSourcePrefix = 's';   // s <name bytes> -> SourceRecord
inline constexpr char kTagPrefix = 'g';      // g <name bytes> -> TagRecord
inline constexpr char kFacetPrefix = 'f';    // f <16-byte digest> -> facet JSON text
// c <be64 input dataset> <ostr input field> <be64 output dataset> <ostr output field> -> ""
inline constexpr char kColumnEdgePrefix = 'c';
// Column family "index".
inline constexpr char kEventTimePrefix = 't';   // t <be64 ordered micros> <be64 seq> -> ""
inline constexpr char kEventHashPrefix = 'h';   // h <16-byte content hash>          -> be64 seq
inline constexpr char kOutboxPrefix = 'x';      // x <be64 seq> -> be64 ordered enqueue micros
inline constexpr char kDeadLetterPrefix = 'y';  // y <be64 seq> -> be64 ordered micros, reason

inline constexpr std::string_view kMetaCounters = "counters";
inline constexpr std::string_view kMetaFormatVersion = "format_version";
// 2: the Marquez model; 3: facet texts stored once, by digest; 4: lineage
// edges as one AdjacencyRecord per dataset instead of E/e keys per edge.
inline constexpr uint64_t kFormatVersion = 4;
// Format 3's edge keys, read only to migrate a format-3 store to 4:
// E <be64 from> <be64 to> and e <be64 to> <be64 from>, both empty.
inline constexpr char kFormat3OutEdgePrefix = 'E';
inline constexpr char kFormat3InEdgePrefix = 'e';

// Column family "events" value: a version byte, be64 received micros, then
// for kEventValueVersion the raw JSON, for kEventValueLz4 a varint32 of the
// raw JSON's size and its LZ4 block. Events are compressed before the WAL
// (JSON shrinks ~2.7x): the write path's WAL checksum, WAL write and
// memtable copy handle a third of the bytes (docs/performance.md).
inline constexpr char kEventValueVersion = 1;
inline constexpr char kEventValueLz4 = 2;

void AppendBigEndian64(std::string* dst, uint64_t value);
uint64_t DecodeBigEndian64(std::string_view eight_bytes);

// Maps int64 to uint64 preserving order (flips the sign bit).
inline uint64_t OrderedFromSigned(int64_t v) {
  return static_cast<uint64_t>(v) ^ (uint64_t{1} << 63);
}
inline int64_t SignedFromOrdered(uint64_t v) {
  return static_cast<int64_t>(v ^ (uint64_t{1} << 63));
}

// Order-preserving string component: 0x00 becomes 0x00 0xFF, and 0x00 0x01
// ends the string, so "a" < "a\0" < "ab" holds on the encoded forms too.
void AppendOrderedString(std::string* dst, std::string_view s);
// Reads one component from the front of *in, advancing it. False if malformed.
bool ConsumeOrderedString(std::string_view* in, std::string* out);

std::string NamespaceKey(std::string_view namespace_name);
std::string NameIndexKey(char prefix, const QualifiedName& name);
// The name of a NameIndexKey (any prefix). False if `key` is malformed.
bool DecodeNameIndexKey(std::string_view key, QualifiedName* name);
std::string NodeKey(uint64_t node_id);
std::string RunKey(const Uuid& run_id);
std::string AdjacencyKey(uint64_t dataset_id);
std::string MetaKey(std::string_view name);
std::string EventKey(uint64_t sequence);
std::string EventTimeKey(int64_t event_time_micros, uint64_t sequence);
std::string EventHashKey(const std::array<uint8_t, 16>& hash);
std::string SequenceKey(char prefix, uint64_t sequence);  // outbox and dead letters

// Keys of a per-node sequence (dataset and job versions): prefix, id, seq.
std::string NodeSequenceKey(char prefix, uint64_t node_id, uint64_t seq);
std::string UuidKey(char prefix, const Uuid& id);
std::string NamedKey(char prefix, std::string_view name);  // sources, tags
std::string FacetKey(std::string_view digest);
// Runs of a job, newest first: `sort_time` 0 (never started) sorts last.
std::string RunListKey(uint64_t job_id, int64_t sort_time, const Uuid& run_id);
std::string ColumnEdgeKey(uint64_t input_dataset, std::string_view input_field,
                          uint64_t output_dataset, std::string_view output_field);
std::string ColumnEdgePrefix(uint64_t input_dataset, std::string_view input_field);
// Splits a column edge key after the prefix given to ColumnEdgePrefix.
bool DecodeColumnEdgeSuffix(std::string_view suffix, uint64_t* output_dataset,
                            std::string* output_field);

// Compressed unless that saves little (small events). Thread-safe.
std::string EncodeEventValue(int64_t received_at_micros, std::string_view raw_json);
// False if `value` is not an event value (or its LZ4 block is corrupt).
bool DecodeEventValue(std::string_view value, int64_t* received_at_micros, std::string* raw_json);

}  // namespace lineaged::graphstore::internal
