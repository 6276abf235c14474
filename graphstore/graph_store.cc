#include "graphstore/graph_store.h"

#include <algorithm>
#include <future>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "rocksdb/write_batch.h"
#include "spdlog/spdlog.h"

#include "graphstore/base/status_macros.h"
#include "graphstore/base/thread_name.h"
#include "graphstore/internal/committer.h"
#include "graphstore/internal/database.h"
#include "graphstore/internal/event_applier.h"
#include "graphstore/internal/key_codec.h"
#include "graphstore/internal/model_reader.h"
#include "graphstore/internal/name_search_index.h"
#include "graphstore/internal/node_stamps.h"
#include "graphstore/internal/records.pb.h"
#include "graphstore/internal/rocksdb_status.h"

namespace lineaged::graphstore {

using internal::Database;
using internal::NodeRecord;
using internal::RunRecord;

const char* RunStateName(RunState state) {
  switch (state) {
    case RunState::kNew:
      return "NEW";
    case RunState::kRunning:
      return "RUNNING";
    case RunState::kCompleted:
      return "COMPLETED";
    case RunState::kAborted:
      return "ABORTED";
    case RunState::kFailed:
      return "FAILED";
  }
  return "NEW";
}

std::string FormatUuid(const Uuid& uuid) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < uuid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[uuid[i] >> 4]);
    out.push_back(kHex[uuid[i] & 0xf]);
  }
  return out;
}

namespace {

// Reads the first unused values of the sequence and node-id counters.
absl::Status LoadCounters(Database* db, uint64_t* next_sequence,
                          internal::CountersRecord* counters) {
  std::unique_ptr<rocksdb::Iterator> it(
      db->db()->NewIterator(rocksdb::ReadOptions(), db->events()));
  it->SeekToLast();
  LINEAGED_RETURN_IF_ERROR(internal::FromRocksDb(it->status(), "scan events"));
  *next_sequence = it->Valid() ? internal::DecodeBigEndian64(it->key().ToStringView()) + 1 : 1;

  LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                            db->Get(db->graph(), internal::MetaKey(internal::kMetaCounters)));
  if (bytes && !counters->ParseFromString(*bytes)) {
    return absl::DataLossError("unreadable counters record");
  }
  if (counters->next_node_id() == 0) counters->set_next_node_id(1);
  return absl::OkStatus();
}

// One prefix's format-3 edge keys (<prefix> <be64 first> <be64 second>),
// grouped by their first id, skipping groups whose first id is a job.
class EdgeGroups {
 public:
  EdgeGroups(Database* db, char prefix, const std::vector<bool>* is_job)
      : prefix_(1, prefix),
        is_job_(is_job),
        it_(db->db()->NewIterator(rocksdb::ReadOptions(), db->graph())) {
    it_->Seek(prefix_);
  }

  // Reads the next dataset's group into first() and seconds(); false at the end.
  absl::StatusOr<bool> Next() {
    while (it_->Valid() && it_->key().starts_with(prefix_)) {
      if (it_->key().size() != 17) return absl::DataLossError("format 3 to 4: bad edge key");
      first_ = internal::DecodeBigEndian64(it_->key().ToStringView().substr(1, 8));
      seconds_.clear();
      while (it_->Valid() && it_->key().starts_with(prefix_) && it_->key().size() == 17 &&
             internal::DecodeBigEndian64(it_->key().ToStringView().substr(1, 8)) == first_) {
        seconds_.push_back(internal::DecodeBigEndian64(it_->key().ToStringView().substr(9)));
        it_->Next();
      }
      if (first_ >= is_job_->size() || !(*is_job_)[first_]) return true;
    }
    LINEAGED_RETURN_IF_ERROR(internal::FromRocksDb(it_->status(), "format 3 to 4: scan edges"));
    return false;
  }
  uint64_t first() const { return first_; }
  const std::vector<uint64_t>& seconds() const { return seconds_; }

 private:
  const std::string prefix_;
  const std::vector<bool>* is_job_;
  std::unique_ptr<rocksdb::Iterator> it_;
  uint64_t first_ = 0;
  std::vector<uint64_t> seconds_;
};

// Format 3 kept two empty keys per lineage edge: E <from> <to> and e <to>
// <from>. Format 4 keeps one AdjacencyRecord per dataset: its producers are
// its e group, its consumers its E group. Both scans are in id order, so
// the records are built by merging them, in bounded memory (one bit per
// node id, to tell datasets from jobs, and a few MB of batch). The records
// are rewritten whole, so a migration interrupted by a crash (the store
// stays at format 3) is simply run again; the last, synced batch deletes
// the edge keys and sets format 4.
absl::Status MigrateFormat3To4(Database* db) {
  const absl::Time start = absl::Now();
  std::vector<bool> is_job;
  {
    std::unique_ptr<rocksdb::Iterator> it(
        db->db()->NewIterator(rocksdb::ReadOptions(), db->graph()));
    const std::string prefix(1, internal::kJobNamePrefix);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (it->value().size() != 8) return absl::DataLossError("format 3 to 4: bad job index");
      const uint64_t id = internal::DecodeBigEndian64(it->value().ToStringView());
      if (id >= is_job.size()) is_job.resize(id + 1);
      is_job[id] = true;
    }
    LINEAGED_RETURN_IF_ERROR(internal::FromRocksDb(it->status(), "format 3 to 4: scan jobs"));
  }
  constexpr size_t kBatchBytes = 4 << 20;
  rocksdb::WriteBatch batch;
  // Records a format-3 build may have left from an earlier, interrupted run.
  batch.DeleteRange(db->graph(), std::string(1, internal::kAdjacencyPrefix),
                    std::string(1, internal::kAdjacencyPrefix + 1));
  EdgeGroups consumers(db, internal::kFormat3OutEdgePrefix, &is_job);
  EdgeGroups producers(db, internal::kFormat3InEdgePrefix, &is_job);
  LINEAGED_ASSIGN_OR_RETURN(bool more_consumers, consumers.Next());
  LINEAGED_ASSIGN_OR_RETURN(bool more_producers, producers.Next());
  size_t datasets = 0;
  while (more_consumers || more_producers) {
    const uint64_t dataset = !more_producers   ? consumers.first()
                             : !more_consumers ? producers.first()
                                               : std::min(consumers.first(), producers.first());
    internal::AdjacencyRecord record;
    if (more_producers && producers.first() == dataset) {
      record.mutable_producers()->Add(producers.seconds().begin(), producers.seconds().end());
      LINEAGED_ASSIGN_OR_RETURN(more_producers, producers.Next());
    }
    if (more_consumers && consumers.first() == dataset) {
      record.mutable_consumers()->Add(consumers.seconds().begin(), consumers.seconds().end());
      LINEAGED_ASSIGN_OR_RETURN(more_consumers, consumers.Next());
    }
    batch.Put(db->graph(), internal::AdjacencyKey(dataset), record.SerializeAsString());
    ++datasets;
    if (batch.GetDataSize() >= kBatchBytes) {
      LINEAGED_RETURN_IF_ERROR(internal::FromRocksDb(
          db->db()->Write(rocksdb::WriteOptions(), &batch), "format 3 to 4: write"));
      batch.Clear();
    }
  }
  for (char prefix : {internal::kFormat3OutEdgePrefix, internal::kFormat3InEdgePrefix}) {
    batch.DeleteRange(db->graph(), std::string(1, prefix), std::string(1, prefix + 1));
  }
  std::string version;
  internal::AppendBigEndian64(&version, 4);
  batch.Put(db->graph(), internal::MetaKey(internal::kMetaFormatVersion), version);
  rocksdb::WriteOptions sync;
  sync.sync = true;  // also makes the earlier batches durable: one WAL, in order
  LINEAGED_RETURN_IF_ERROR(
      internal::FromRocksDb(db->db()->Write(sync, &batch), "format 3 to 4: write"));
  spdlog::info("store format 3 -> 4: lineage edges regrouped into {} dataset records in {} ms",
               datasets, absl::ToInt64Milliseconds(absl::Now() - start));
  return absl::OkStatus();
}

absl::Status CheckFormatVersion(Database* db) {
  std::string key = internal::MetaKey(internal::kMetaFormatVersion);
  LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> stored, db->Get(db->graph(), key));
  if (!stored) {
    std::string value;
    internal::AppendBigEndian64(&value, internal::kFormatVersion);
    rocksdb::WriteOptions sync;
    sync.sync = true;
    return internal::FromRocksDb(db->db()->Put(sync, db->graph(), key, value), "write format");
  }
  uint64_t version = internal::DecodeBigEndian64(*stored);
  if (version == 3 && internal::kFormatVersion == 4) return MigrateFormat3To4(db);
  if (version != internal::kFormatVersion) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "store format version %d, this build reads %d", version, internal::kFormatVersion));
  }
  return absl::OkStatus();
}

// The search index of every dataset and job name, from one scan of the name
// indexes. Runs before the committer starts, so no name is created meanwhile.
absl::StatusOr<std::unique_ptr<internal::NameSearchIndex>> LoadSearchIndex(Database* db) {
  const absl::Time start = absl::Now();
  auto index = std::make_unique<internal::NameSearchIndex>();
  rocksdb::ReadOptions options;
  options.fill_cache = false;  // read once: leave the block cache to the queries
  std::unique_ptr<rocksdb::Iterator> it(db->db()->NewIterator(options, db->graph()));
  std::vector<internal::IndexedName> chunk;
  uint64_t malformed = 0;
  for (char prefix : {internal::kDatasetNamePrefix, internal::kJobNamePrefix}) {
    const std::string first(1, prefix);
    for (it->Seek(first); it->Valid() && it->key().starts_with(first); it->Next()) {
      internal::IndexedName name;
      name.kind = prefix == internal::kJobNamePrefix ? NodeKind::kJob : NodeKind::kDataset;
      // Skipped like the scan that Search did before this index.
      if (it->value().size() != 8 ||
          !internal::DecodeNameIndexKey(it->key().ToStringView(), &name.name)) {
        ++malformed;
        continue;
      }
      name.node_id = internal::DecodeBigEndian64(it->value().ToStringView());
      chunk.push_back(std::move(name));
      if (chunk.size() == 4096) {
        index->Insert(chunk);
        chunk.clear();
      }
    }
    LINEAGED_RETURN_IF_ERROR(internal::FromRocksDb(it->status(), "scan names"));
  }
  index->Insert(chunk);
  index->ShrinkToFit();
  if (malformed > 0) spdlog::warn("search index: skipped {} malformed name keys", malformed);
  spdlog::info("search index: {} names, {:.1f} MiB, built in {} ms", index->size(),
               static_cast<double>(index->memory_bytes()) / (1 << 20),
               absl::ToInt64Milliseconds(absl::Now() - start));
  return index;
}

}  // namespace

GraphStore::GraphStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}

absl::StatusOr<std::unique_ptr<GraphStore>> GraphStore::Open(const Options& options) {
  LINEAGED_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(options));
  LINEAGED_RETURN_IF_ERROR(CheckFormatVersion(db.get()));
  uint64_t next_sequence = 0;
  internal::CountersRecord counters;
  LINEAGED_RETURN_IF_ERROR(LoadCounters(db.get(), &next_sequence, &counters));
  std::unique_ptr<GraphStore> store(new GraphStore(std::move(db)));
  LINEAGED_ASSIGN_OR_RETURN(store->search_index_, LoadSearchIndex(store->db_.get()));
  store->node_stamps_ = std::make_unique<internal::NodeStamps>();
  store->committer_ =
      std::make_unique<internal::Committer>(store->db_.get(), options, next_sequence, counters,
                                            store->search_index_.get(), store->node_stamps_.get());
  LINEAGED_ASSIGN_OR_RETURN(uint64_t outbox, store->CountPrefix(internal::kOutboxPrefix));
  LINEAGED_ASSIGN_OR_RETURN(uint64_t dead, store->CountPrefix(internal::kDeadLetterPrefix));
  store->outbox_at_open_ = outbox;
  store->dead_letters_ = dead;
  store->open_.store(true, std::memory_order_release);
  if (options.retention_days > 0) {
    GraphStore* raw = store.get();
    store->retention_thread_ = std::thread(
        [raw, days = options.retention_days, interval = options.retention_interval_seconds] {
          NameThisThread("retention");
          raw->RetentionLoop(days, interval);
        });
  }
  spdlog::info("store opened at {}: {} events, {} datasets, {} jobs, {} runs", options.data_dir,
               next_sequence - 1, counters.datasets(), counters.jobs(), counters.runs());
  return store;
}

GraphStore::~GraphStore() {
  absl::Status s = Close();
  if (!s.ok()) spdlog::error("closing the store: {}", s.ToString());
}

void GraphStore::Write(Event event, WriteCallback done) {
  if (!is_open()) {
    done(absl::UnavailableError("the store is closed"));
    return;
  }
  // Submit keeps `done` only when it succeeds, so a copy for the failure path
  // is avoided by wrapping it in a shared holder.
  auto holder = std::make_shared<WriteCallback>(std::move(done));
  absl::Status queued = committer_->Submit(
      std::move(event), [holder](absl::StatusOr<WriteOutcome> r) { (*holder)(std::move(r)); });
  if (!queued.ok()) (*holder)(queued);
}

absl::Status GraphStore::WriteQueueRoom() const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  return committer_->QueueRoom();
}

absl::StatusOr<WriteOutcome> GraphStore::WriteAndWait(Event event) {
  std::promise<absl::StatusOr<WriteOutcome>> promise;
  std::future<absl::StatusOr<WriteOutcome>> result = promise.get_future();
  Write(std::move(event),
        [&promise](absl::StatusOr<WriteOutcome> r) { promise.set_value(std::move(r)); });
  return result.get();
}

absl::Status GraphStore::Close() {
  {
    absl::MutexLock lock(&retention_mu_);
    retention_stopping_ = true;
  }
  if (retention_thread_.joinable()) retention_thread_.join();
  if (!open_.exchange(false)) return absl::OkStatus();
  committer_->Stop();
  absl::Status s = db_->Close();
  spdlog::info("store closed");
  return s;
}

absl::Status GraphStore::write_status() const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  return committer_->write_status();
}

uint64_t GraphStore::event_count() const {
  return committer_ ? committer_->next_sequence() - 1 : 0;
}

StoreStats GraphStore::GetStats() const {
  StoreStats stats;
  if (!is_open()) return stats;
  stats.events = event_count();
  internal::CountersRecord counters = committer_->counters();
  stats.datasets = counters.datasets();
  stats.jobs = counters.jobs();
  stats.runs = counters.runs();
  stats.edges = counters.edges();
  for (int i = 0; i < counters.runs_by_state_size() && i < 5; ++i) {
    stats.runs_by_state[i] = counters.runs_by_state(i);
  }
  uint64_t value = 0;
  for (auto* cf : {db_->events(), db_->graph(), db_->index()}) {
    if (db_->db()->GetIntProperty(cf, rocksdb::DB::Properties::kLiveSstFilesSize, &value)) {
      stats.live_sst_bytes += value;
    }
    if (db_->db()->GetIntProperty(cf, rocksdb::DB::Properties::kEstimatePendingCompactionBytes,
                                  &value)) {
      stats.pending_compaction_bytes += value;
    }
    if (db_->db()->GetIntProperty(cf, rocksdb::DB::Properties::kLiveBlobFileSize, &value)) {
      stats.live_blob_bytes += value;
    }
  }
  stats.wal_syncs = committer_->wal_syncs();
  stats.retention_purged_events = purged_events_.load();
  stats.retention_purged_runs = purged_runs_.load();
  stats.retention_passes = retention_passes_.load();
  stats.search_index_names = search_index_->size();
  stats.search_index_bytes = search_index_->memory_bytes();
  return stats;
}

absl::StatusOr<std::vector<DatasetFreshness>> GraphStore::ListDatasetFreshness(size_t limit) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  std::vector<DatasetFreshness> out;
  rocksdb::ReadOptions options;
  std::string start(1, internal::kDatasetNamePrefix);
  std::string end(1, internal::kDatasetNamePrefix + 1);
  rocksdb::Slice upper(end);
  options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(options, db_->graph()));
  std::vector<std::string> node_keys;
  for (it->Seek(start); it->Valid() && node_keys.size() < limit; it->Next()) {
    node_keys.push_back(internal::NodeKey(internal::DecodeBigEndian64(it->value().ToStringView())));
  }
  LINEAGED_RETURN_IF_ERROR(internal::FromRocksDb(it->status(), "scan datasets"));
  std::vector<rocksdb::Slice> keys(node_keys.begin(), node_keys.end());
  std::vector<std::string> values(keys.size());
  std::vector<rocksdb::ColumnFamilyHandle*> cfs(keys.size(), db_->graph());
  std::vector<rocksdb::Status> statuses =
      db_->db()->MultiGet(rocksdb::ReadOptions(), cfs, keys, &values);
  for (size_t i = 0; i < keys.size(); ++i) {
    LINEAGED_RETURN_IF_ERROR(internal::FromRocksDb(statuses[i], "get dataset"));
    NodeRecord record;
    if (!record.ParseFromString(values[i])) return absl::DataLossError("unreadable node record");
    if (record.last_modified_at_micros() == 0) continue;
    out.push_back(DatasetFreshness{internal::NameOf(record), record.last_modified_at_micros()});
  }
  return out;
}

absl::StatusOr<uint64_t> GraphStore::CountPrefix(char prefix) const {
  rocksdb::ReadOptions options;
  std::string start(1, prefix);
  std::string end(1, static_cast<char>(prefix + 1));
  rocksdb::Slice upper(end);
  options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(options, db_->index()));
  uint64_t count = 0;
  for (it->Seek(start); it->Valid(); it->Next()) ++count;
  LINEAGED_RETURN_IF_ERROR(internal::FromRocksDb(it->status(), "count outbox"));
  return count;
}

uint64_t GraphStore::outbox_depth() const {
  if (!committer_) return 0;
  return outbox_at_open_.load() + committer_->outbox_added() + outbox_restored_.load() -
         outbox_removed_.load();
}

absl::StatusOr<std::vector<OutboxEntry>> GraphStore::ReadOutbox(uint64_t from, size_t limit) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  std::vector<OutboxEntry> entries;
  rocksdb::ReadOptions options;
  std::string start = internal::SequenceKey(internal::kOutboxPrefix, from);
  std::string end(1, static_cast<char>(internal::kOutboxPrefix + 1));
  rocksdb::Slice lower(start);
  rocksdb::Slice upper(end);
  options.iterate_lower_bound = &lower;
  options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(options, db_->index()));
  for (it->Seek(start); it->Valid() && entries.size() < limit; it->Next()) {
    std::string_view key = it->key().ToStringView();
    std::string_view value = it->value().ToStringView();
    if (key.size() != 9 || value.size() != 8) return absl::DataLossError("malformed outbox entry");
    entries.push_back(OutboxEntry{internal::DecodeBigEndian64(key.substr(1)),
                                  internal::SignedFromOrdered(internal::DecodeBigEndian64(value))});
  }
  LINEAGED_RETURN_IF_ERROR(internal::FromRocksDb(it->status(), "scan outbox"));
  return entries;
}

absl::Status GraphStore::AckOutbox(const std::vector<uint64_t>& sequences) {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  absl::MutexLock lock(&outbox_mu_);
  rocksdb::WriteBatch batch;
  for (uint64_t sequence : sequences) {
    LINEAGED_RETURN_IF_ERROR(internal::FromRocksDb(
        batch.Delete(db_->index(), internal::SequenceKey(internal::kOutboxPrefix, sequence)),
        "ack outbox"));
  }
  LINEAGED_RETURN_IF_ERROR(
      internal::FromRocksDb(db_->db()->Write(rocksdb::WriteOptions(), &batch), "ack outbox"));
  outbox_removed_ += sequences.size();
  return absl::OkStatus();
}

absl::Status GraphStore::MoveSequenceEntry(char from_prefix, char to_prefix, uint64_t sequence,
                                           std::string_view reason) {
  std::string value;
  internal::AppendBigEndian64(&value, internal::OrderedFromSigned(absl::ToUnixMicros(absl::Now())));
  value.append(reason);
  rocksdb::WriteBatch batch;
  LINEAGED_RETURN_IF_ERROR(internal::FromRocksDb(
      batch.Delete(db_->index(), internal::SequenceKey(from_prefix, sequence)), "move entry"));
  LINEAGED_RETURN_IF_ERROR(internal::FromRocksDb(
      batch.Put(db_->index(), internal::SequenceKey(to_prefix, sequence), value), "move entry"));
  rocksdb::WriteOptions sync;
  sync.sync = true;
  return internal::FromRocksDb(db_->db()->Write(sync, &batch), "move entry");
}

absl::Status GraphStore::DeadLetterOutbox(uint64_t sequence, std::string_view reason) {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  absl::MutexLock lock(&outbox_mu_);
  LINEAGED_RETURN_IF_ERROR(
      MoveSequenceEntry(internal::kOutboxPrefix, internal::kDeadLetterPrefix, sequence, reason));
  outbox_removed_ += 1;
  dead_letters_ += 1;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<DeadLetter>> GraphStore::ListDeadLetters(size_t limit) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  std::vector<DeadLetter> letters;
  rocksdb::ReadOptions options;
  std::string start(1, internal::kDeadLetterPrefix);
  std::string end(1, static_cast<char>(internal::kDeadLetterPrefix + 1));
  rocksdb::Slice upper(end);
  options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(options, db_->index()));
  for (it->Seek(start); it->Valid() && letters.size() < limit; it->Next()) {
    std::string_view key = it->key().ToStringView();
    std::string_view value = it->value().ToStringView();
    if (key.size() != 9 || value.size() < 8) return absl::DataLossError("malformed dead letter");
    letters.push_back(
        DeadLetter{internal::DecodeBigEndian64(key.substr(1)),
                   internal::SignedFromOrdered(internal::DecodeBigEndian64(value.substr(0, 8))),
                   std::string(value.substr(8))});
  }
  LINEAGED_RETURN_IF_ERROR(internal::FromRocksDb(it->status(), "scan dead letters"));
  return letters;
}

absl::Status GraphStore::RetryDeadLetter(uint64_t sequence) {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  absl::MutexLock lock(&outbox_mu_);
  LINEAGED_ASSIGN_OR_RETURN(
      std::optional<std::string> letter,
      db_->Get(db_->index(), internal::SequenceKey(internal::kDeadLetterPrefix, sequence)));
  if (!letter) {
    return absl::NotFoundError(absl::StrFormat("Dead letter '%d' not found.", sequence));
  }
  // An outbox value is the enqueue time alone: no reason.
  LINEAGED_RETURN_IF_ERROR(
      MoveSequenceEntry(internal::kDeadLetterPrefix, internal::kOutboxPrefix, sequence, ""));
  outbox_restored_ += 1;
  dead_letters_ -= 1;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredEvent>> GraphStore::ReadEvents(uint64_t from, size_t limit) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  std::vector<StoredEvent> events;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(rocksdb::ReadOptions(), db_->events()));
  for (it->Seek(internal::EventKey(from)); it->Valid() && events.size() < limit; it->Next()) {
    StoredEvent event;
    event.sequence = internal::DecodeBigEndian64(it->key().ToStringView());
    if (!internal::DecodeEventValue(it->value().ToStringView(), &event.received_at_micros,
                                    &event.raw_json)) {
      return absl::DataLossError(absl::StrFormat("unreadable event %d", event.sequence));
    }
    events.push_back(std::move(event));
  }
  LINEAGED_RETURN_IF_ERROR(internal::FromRocksDb(it->status(), "scan events"));
  return events;
}

void GraphStore::RetentionLoop(int retention_days, int interval_seconds) {
  spdlog::info("retention: purging events and runs older than {} days every {} s", retention_days,
               interval_seconds);
  for (;;) {
    int64_t cutoff = absl::ToUnixMicros(absl::Now() - absl::Hours(24) * retention_days);
    absl::StatusOr<RetentionResult> result = ApplyRetention(cutoff);
    if (!result.ok()) {
      spdlog::error("retention pass failed (retried next pass): {}", result.status().ToString());
    } else if (result->events > 0 || result->runs > 0) {
      spdlog::info("retention: purged {} events and {} runs older than {}", result->events,
                   result->runs, absl::FormatTime(absl::FromUnixMicros(cutoff)));
    }
    absl::MutexLock lock(&retention_mu_);
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(retention_mu_) {
      return retention_stopping_;
    };
    if (retention_mu_.AwaitWithTimeout(absl::Condition(&stopping),
                                       absl::Seconds(std::max(1, interval_seconds)))) {
      return;
    }
  }
}

absl::StatusOr<RetentionResult> GraphStore::ApplyRetention(int64_t cutoff_micros) {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  constexpr size_t kChunk = 1000;
  RetentionResult result;

  // Runs: found on a snapshot, purged through the committer so its cache and
  // counters stay true; the applier re-checks each one.
  std::vector<Uuid> old_runs;
  {
    internal::ModelReader reader(db_.get());
    std::string start(1, internal::kRunPrefix), end(1, internal::kRunPrefix + 1);
    LINEAGED_RETURN_IF_ERROR(reader.Scan(
        db_->graph(), start, end, false, [&](std::string_view key, std::string_view value) {
          RunRecord run;
          if (run.ParseFromArray(value.data(), static_cast<int>(value.size())) &&
              run.updated_at_micros() < cutoff_micros && key.size() == 17) {
            old_runs.push_back(internal::UuidOf(key.substr(1)));
          }
          return true;
        }));
  }
  for (size_t i = 0; i < old_runs.size(); i += kChunk) {
    std::vector<Uuid> chunk(old_runs.begin() + i,
                            old_runs.begin() + std::min(old_runs.size(), i + kChunk));
    uint64_t purged = 0;
    LINEAGED_RETURN_IF_ERROR(Mutate([&](internal::EventApplier& applier, int64_t) {
      return applier.PurgeRuns(chunk, cutoff_micros, &purged);
    }));
    result.runs += purged;
  }

  // Raw events: the time index names them; the committer never rewrites old
  // sequences, so these deletes need no coordination with it.
  std::string index_start = internal::EventTimeKey(INT64_MIN, 0);
  std::string index_end = internal::EventTimeKey(cutoff_micros, 0);
  rocksdb::WriteBatch batch;
  size_t in_batch = 0;
  absl::Status write = absl::OkStatus();
  auto flush = [&]() {
    if (in_batch == 0) return;
    write.Update(internal::FromRocksDb(db_->db()->Write(rocksdb::WriteOptions(), &batch),
                                       "retention delete"));
    batch.Clear();
    in_batch = 0;
  };
  {
    rocksdb::ReadOptions options;
    rocksdb::Slice upper(index_end);
    options.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(options, db_->index()));
    for (it->Seek(index_start); it->Valid() && write.ok(); it->Next()) {
      std::string_view key = it->key().ToStringView();
      if (key.size() != 17) continue;
      uint64_t sequence = internal::DecodeBigEndian64(key.substr(9, 8));
      batch.Delete(db_->events(), internal::EventKey(sequence));
      batch.Delete(db_->index(), it->key());
      ++result.events;
      if (++in_batch >= kChunk) flush();
    }
    LINEAGED_RETURN_IF_ERROR(internal::FromRocksDb(it->status(), "retention scan"));
  }
  flush();
  LINEAGED_RETURN_IF_ERROR(write);
  if (result.events > 0) {
    // Let compaction drop the deleted raw events (and their blobs) soon.
    rocksdb::CompactRangeOptions compact;
    compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    LINEAGED_RETURN_IF_ERROR(internal::FromRocksDb(
        db_->db()->CompactRange(compact, db_->events(), nullptr, nullptr), "retention compact"));
  }
  // Texts of facets only purged runs named, and of facets replaced since
  // the last sweep, go too.
  if (committer_->facet_references_dropped() != committer_->facet_references_swept()) {
    LINEAGED_RETURN_IF_ERROR(committer_->SweepFacets().status());
  }
  purged_events_ += result.events;
  purged_runs_ += result.runs;
  retention_passes_ += 1;
  return result;
}

}  // namespace lineaged::graphstore
