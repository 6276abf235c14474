#pragma once

// Owns the rocksdb::DB and its column family handles.
//
// Column families (DO NOT CHANGE names: they are on disk):
//   "default"  unused (RocksDB requires it)
//   "events"   raw events by ingest sequence; values in blob files
//   "graph"    namespaces, name indexes, nodes, runs, edges, metadata
//   "index"    event-time index and content-hash dedup index

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "rocksdb/db.h"

#include "graphstore/options.h"

namespace lineaged::graphstore::internal {

inline constexpr char kEventsColumnFamily[] = "events";
inline constexpr char kGraphColumnFamily[] = "graph";
inline constexpr char kIndexColumnFamily[] = "index";

// Thread-safe as rocksdb::DB is; Close() must not race with other calls.
class Database {
 public:
  static absl::StatusOr<std::unique_ptr<Database>> Open(const Options& options);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Flushes memtables and closes. Idempotent.
  absl::Status Close();

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* events() const { return events_; }
  rocksdb::ColumnFamilyHandle* graph() const { return graph_; }
  rocksdb::ColumnFamilyHandle* index() const { return index_; }

  // Reads a key; nullopt if absent.
  absl::StatusOr<std::optional<std::string>> Get(rocksdb::ColumnFamilyHandle* cf,
                                                 const std::string& key) const;

 private:
  Database() = default;

  // Options::file_system wrapped as an Env; declared before db_ so that it
  // outlives the database.
  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<rocksdb::DB> db_;
  // Handles are owned by db_ until Close() destroys them.
  rocksdb::ColumnFamilyHandle* default_ = nullptr;
  rocksdb::ColumnFamilyHandle* events_ = nullptr;
  rocksdb::ColumnFamilyHandle* graph_ = nullptr;
  rocksdb::ColumnFamilyHandle* index_ = nullptr;
};

}  // namespace lineaged::graphstore::internal
