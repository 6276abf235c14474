#pragma once

// Options for GraphStore::Open.

#include <cstddef>
#include <memory>
#include <string>

namespace rocksdb {
class FileSystem;
}  // namespace rocksdb

namespace lineaged::graphstore {

struct Options {
  // Directory of the RocksDB database; created if missing.
  std::string data_dir = "./data";

  // Most events accepted and not yet acknowledged (queued, being applied or
  // being written). Write() fails with ResourceExhausted beyond it, so
  // memory stays bounded under overload.
  size_t max_pending_events = 4096;

  // Most events the committer puts into one synced WriteBatch.
  size_t max_batch_events = 512;

  // Graph records the committer keeps in memory to avoid reads on ingest.
  size_t committer_cache_bytes = 64u << 20;

  // RocksDB block cache for the graph and index column families.
  size_t block_cache_bytes = 256u << 20;

  // RocksDB row cache (whole records of graph, index and events point reads);
  // 0 disables it. Job pages spend a fifth less CPU with it
  // (docs/performance.md).
  size_t row_cache_bytes = 64u << 20;

  // Write an exporter outbox entry with every stored event (same batch), for
  // the Atlas exporter to deliver. Off when no exporter is configured.
  bool outbox_enabled = false;

  // Retention: raw events whose eventTime is older than this many days, and
  // runs not updated for as long, are purged by a background task. The
  // current state of datasets and jobs and the latest run of every job are
  // never purged. 0 keeps everything.
  int retention_days = 0;

  // How often the retention task runs (the first pass runs at open).
  int retention_interval_seconds = 3600;

  // Sync the WAL before acknowledging a write. Only tests of non-durable
  // behaviour should turn this off.
  bool sync_writes = true;

  // Test hook, not for production: the file system RocksDB uses instead of
  // the default one (e.g. tests/testing/fault_file_system.h, which can fail
  // writes as a full disk would). Must stay alive while the store is open.
  std::shared_ptr<rocksdb::FileSystem> file_system;
};

}  // namespace lineaged::graphstore
