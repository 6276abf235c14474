#include "graphstore/internal/database.h"

#include <filesystem>
#include <vector>

#include "rocksdb/cache.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "spdlog/spdlog.h"

#include "graphstore/internal/rocksdb_status.h"

namespace lineaged::graphstore::internal {
namespace {

rocksdb::ColumnFamilyOptions GraphOptions(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Whole-key bloom filters make "does this edge/entity exist" cheap.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.compression = rocksdb::kLZ4Compression;
  cf.bottommost_compression = rocksdb::kZSTD;
  // Most ingest reads miss (a new event's dedup key, a new run): a memtable
  // bloom filter answers those without searching the skip list.
  cf.memtable_whole_key_filtering = true;
  cf.memtable_prefix_bloom_size_ratio = 0.05;
  // Small records with random keys: a smaller memtable keeps skip-list
  // inserts within the CPU caches (measured in docs/performance.md).
  cf.write_buffer_size = 16u << 20;
  return cf;
}

rocksdb::ColumnFamilyOptions EventsOptions(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf = GraphOptions(cache);
  // Raw events are large, written once and read rarely: keep them out of the
  // LSM tree so flushes and compactions move only small references.
  cf.enable_blob_files = true;
  cf.min_blob_size = 0;
  cf.blob_file_size = 256u << 20;
  // Events arrive LZ4-compressed (key_codec.h): compressing blobs again at
  // flush would spend CPU for nothing.
  cf.blob_compression_type = rocksdb::kNoCompression;
  cf.write_buffer_size = 128u << 20;
  return cf;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const Options& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return absl::UnavailableError("cannot create data dir " + options.data_dir + ": " +
                                  ec.message());
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1u << 20;
  db_options.keep_log_file_num = 5;
  db_options.max_total_wal_size = 512u << 20;
  // Whole records by key for point reads (a job page's MultiGet of jobs,
  // runs and names): a hit skips the index and data block search.
  if (options.row_cache_bytes > 0) {
    db_options.row_cache = rocksdb::NewLRUCache(options.row_cache_bytes);
  }
  std::unique_ptr<rocksdb::Env> env;
  if (options.file_system != nullptr) {
    env = rocksdb::NewCompositeEnv(options.file_system);
    db_options.env = env.get();
  }

  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {kEventsColumnFamily, EventsOptions(cache)},
      {kGraphColumnFamily, GraphOptions(cache)},
      {kIndexColumnFamily, GraphOptions(cache)},
  };
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, options.data_dir, descriptors, &handles, &raw_db);
  if (!s.ok()) return FromRocksDb(s, "open " + options.data_dir);

  std::unique_ptr<Database> database(new Database());
  database->env_ = std::move(env);
  database->db_.reset(raw_db);
  database->default_ = handles[0];
  database->events_ = handles[1];
  database->graph_ = handles[2];
  database->index_ = handles[3];
  return database;
}

Database::~Database() {
  absl::Status s = Close();
  if (!s.ok()) spdlog::error("closing the store: {}", s.ToString());
}

absl::Status Database::Close() {
  if (db_ == nullptr) return absl::OkStatus();
  absl::Status result = absl::OkStatus();
  rocksdb::FlushOptions flush;
  flush.wait = true;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs = {events_, graph_, index_};
  rocksdb::Status s = db_->Flush(flush, cfs);
  if (!s.ok()) result = FromRocksDb(s, "flush");
  for (auto* handle : {default_, events_, graph_, index_}) {
    s = db_->DestroyColumnFamilyHandle(handle);
    if (!s.ok() && result.ok()) result = FromRocksDb(s, "destroy column family handle");
  }
  default_ = events_ = graph_ = index_ = nullptr;
  s = db_->Close();
  if (!s.ok() && result.ok()) result = FromRocksDb(s, "close");
  db_.reset();
  return result;
}

absl::StatusOr<std::optional<std::string>> Database::Get(rocksdb::ColumnFamilyHandle* cf,
                                                         const std::string& key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf, key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocksDb(s, "get");
  return std::optional<std::string>(std::move(value));
}

}  // namespace lineaged::graphstore::internal
