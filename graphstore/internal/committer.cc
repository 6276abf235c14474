#include "graphstore/internal/committer.h"

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "rocksdb/write_batch.h"
#include "spdlog/spdlog.h"

#include "graphstore/base/status_macros.h"
#include "graphstore/internal/key_codec.h"
#include "graphstore/internal/records.pb.h"
#include "graphstore/internal/rocksdb_status.h"

namespace lineaged::graphstore::internal {

// The WriteBatch of one group plus an overlay of what it has written, so later
// events in the group read the writes of earlier ones.
class GroupBatch {
 public:
  GroupBatch(Database* db, RecordCache* cache) : db_(db), cache_(cache) {}

  // Reads through the group's own writes, then the cache (graph keys), then
  // the database.
  absl::StatusOr<std::optional<std::string>> Get(rocksdb::ColumnFamilyHandle* cf,
                                                 const std::string& key) {
    auto it = overlay_.find(OverlayKey(cf, key));
    if (it != overlay_.end()) return std::optional<std::string>(it->second);
    const bool cacheable = cf == db_->graph();
    if (cacheable) {
      if (std::optional<std::string> cached = cache_->Get(key)) return cached;
    }
    absl::StatusOr<std::optional<std::string>> stored = db_->Get(cf, key);
    if (cacheable && stored.ok() && stored->has_value()) cache_->Put(key, **stored);
    return stored;
  }

  void Put(rocksdb::ColumnFamilyHandle* cf, const std::string& key, std::string value) {
    batch_.Put(cf, key, value);
    overlay_[OverlayKey(cf, key)] = std::move(value);
  }

  // Puts a key whose value nobody reads back within a group (raw events).
  void PutBlind(rocksdb::ColumnFamilyHandle* cf, const std::string& key, std::string_view value) {
    batch_.Put(cf, key, rocksdb::Slice(value.data(), value.size()));
  }

  rocksdb::WriteBatch* batch() { return &batch_; }

  // After a successful write: the group's graph writes are now the truth.
  void PublishToCache() {
    const char graph_id = static_cast<char>(db_->graph()->GetID());
    for (auto& [key, value] : overlay_) {
      if (key[0] == graph_id) cache_->Put(key.substr(1), std::move(value));
    }
  }

 private:
  static std::string OverlayKey(rocksdb::ColumnFamilyHandle* cf, const std::string& key) {
    std::string k(1, static_cast<char>(cf->GetID()));
    k.append(key);
    return k;
  }

  Database* const db_;
  RecordCache* const cache_;
  rocksdb::WriteBatch batch_;
  std::unordered_map<std::string, std::string> overlay_;
};

namespace {

bool IsTerminal(RunState s) {
  return s == RunState::kCompleted || s == RunState::kFailed || s == RunState::kAborted;
}

std::optional<RunState> StateFor(RunEventType type) {
  switch (type) {
    case RunEventType::kStart:
    case RunEventType::kRunning:
    case RunEventType::kOther:
      return RunState::kRunning;
    case RunEventType::kComplete:
      return RunState::kCompleted;
    case RunEventType::kFail:
      return RunState::kFailed;
    case RunEventType::kAbort:
      return RunState::kAborted;
    case RunEventType::kUnspecified:
      return std::nullopt;
  }
  return std::nullopt;
}

// Folds one event into a run so that any delivery order ends in the same
// record: a terminal state beats a non-terminal one whatever their times, and
// within the same class the later eventTime wins.
void FoldRunEvent(RunRecord* run, RunEventType type, int64_t t, bool is_new) {
  if (is_new) {
    run->set_created_at_micros(t);
    run->set_updated_at_micros(t);
  } else {
    run->set_created_at_micros(std::min(run->created_at_micros(), t));
    run->set_updated_at_micros(std::max(run->updated_at_micros(), t));
  }
  if (type == RunEventType::kStart &&
      (run->started_at_micros() == 0 || t < run->started_at_micros())) {
    run->set_started_at_micros(t);
  }
  std::optional<RunState> next = StateFor(type);
  if (!next) return;
  RunState current = static_cast<RunState>(run->state());
  bool replace;
  if (current == RunState::kNew) {
    replace = true;
  } else if (IsTerminal(*next) != IsTerminal(current)) {
    replace = IsTerminal(*next);
  } else {
    replace = t >= run->state_event_time_micros();
  }
  if (!replace) return;
  run->set_state(static_cast<int32_t>(*next));
  run->set_state_event_time_micros(t);
  if (IsTerminal(*next)) run->set_ended_at_micros(t);
}

// Retries of DB::Resume() while the store cannot write.
constexpr absl::Duration kFirstResumeDelay = absl::Milliseconds(100);
constexpr absl::Duration kMaxResumeDelay = absl::Seconds(5);

// Why a write failed, in words safe to show a client: RocksDB's messages name
// files ("While appending to file: /data/000012.log: Read-only file system"),
// so only the strerror text at the end is kept.
std::string WriteErrorReason(const rocksdb::Status& s) {
  if (s.IsNoSpace()) return "no space left on device";
  std::string_view state = s.getState() == nullptr ? "" : s.getState();
  size_t colon = state.rfind(": ");
  std::string_view tail = colon == std::string_view::npos ? state : state.substr(colon + 2);
  // strerror texts are words ("Input/output error"); a path starts with '/'
  // or holds digits or dots.
  auto words_only = [](std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
      return absl::ascii_isalpha(c) || c == ' ' || c == '/' || c == '-' || c == '\'';
    });
  };
  if (!tail.empty() && tail.size() <= 80 && tail[0] != '/' && words_only(tail)) {
    std::string reason(tail);
    reason[0] = absl::ascii_tolower(reason[0]);
    return reason;
  }
  return "I/O error";
}

template <typename Message>
absl::StatusOr<bool> ParseRecord(const std::optional<std::string>& bytes, Message* record) {
  if (!bytes) return false;
  if (!record->ParseFromString(*bytes)) return absl::DataLossError("unreadable graph record");
  return true;
}

}  // namespace

Committer::Committer(Database* db, const Options& options, uint64_t next_sequence,
                     const CountersRecord& counters)
    : db_(db),
      options_(options),
      resume_backoff_(kFirstResumeDelay),
      next_resume_(absl::InfinitePast()),
      next_sequence_(next_sequence),
      counters_(counters),
      cache_(options.committer_cache_bytes),
      published_counters_(counters),
      committed_next_sequence_(next_sequence) {
  commit_thread_ = std::thread([this] { CommitLoop(); });
  sync_thread_ = std::thread([this] { SyncLoop(); });
}

Committer::~Committer() { Stop(); }

absl::Status Committer::Submit(Event event, WriteCallback done) {
  int64_t now = absl::ToUnixMicros(absl::Now());
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the store is closing");
  if (queue_.size() >= options_.max_pending_events) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "write queue full: max_pending_events (%d) events are waiting for the store",
        options_.max_pending_events));
  }
  queue_.push_back(Pending{std::move(event), std::move(done), now});
  return absl::OkStatus();
}

void Committer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (commit_thread_.joinable()) commit_thread_.join();
  {
    absl::MutexLock lock(&sync_mu_);
    sync_stopping_ = true;
  }
  if (sync_thread_.joinable()) sync_thread_.join();
}

CountersRecord Committer::counters() const {
  absl::MutexLock lock(&published_mu_);
  return published_counters_;
}

void Committer::SyncLoop() {
  std::vector<Written> groups;
  for (;;) {
    groups.clear();
    {
      absl::MutexLock lock(&sync_mu_);
      auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mu_) {
        return !written_.empty() || sync_stopping_;
      };
      sync_mu_.Await(absl::Condition(&has_work));
      if (written_.empty()) return;  // stopping and drained
      groups.swap(written_);
    }
    // One sync covers every group written before it started.
    absl::Status synced = absl::OkStatus();
    if (options_.sync_writes) {
      rocksdb::Status s = db_->db()->SyncWAL();
      if (!s.ok()) {
        synced = WriteFailed(s, "WAL sync");
        // Releasing mu_ re-evaluates the commit thread's wait condition, so
        // it starts retrying Resume() even if no write comes in.
        absl::MutexLock lock(&mu_);
      }
      wal_syncs_.fetch_add(1, std::memory_order_relaxed);
    }
    for (Written& group : groups) {
      if (synced.ok()) {
        committed_next_sequence_.store(group.next_sequence);
        if (options_.outbox_enabled) outbox_added_.fetch_add(group.stored_events);
      }
      for (size_t i = 0; i < group.callbacks.size(); ++i) {
        if (synced.ok()) {
          group.callbacks[i](group.outcomes[i]);
        } else {
          group.callbacks[i](synced);
        }
      }
    }
  }
}

void Committer::CommitLoop() {
  std::vector<Pending> group;
  for (;;) {
    group.clear();
    {
      absl::MutexLock lock(&mu_);
      auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !queue_.empty() || stopping_;
      };
      auto has_work_or_failed = [this, &has_work]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return has_work() || unwritable_.load(std::memory_order_acquire);
      };
      if (unwritable_.load(std::memory_order_acquire)) {
        // Wake up for the next Resume() even when no writes come in, so the
        // store reports itself writable again as soon as the disk allows.
        mu_.AwaitWithDeadline(absl::Condition(&has_work), next_resume_);
      } else {
        mu_.Await(absl::Condition(&has_work_or_failed));
      }
      if (queue_.empty() && stopping_) return;  // stopping and drained
      size_t n = std::min(queue_.size(), options_.max_batch_events);
      for (size_t i = 0; i < n; ++i) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (unwritable_.load(std::memory_order_acquire)) MaybeResume();
    if (!group.empty()) CommitGroup(&group);
  }
}

absl::Status Committer::write_status() const {
  if (!unwritable_.load(std::memory_order_acquire)) return absl::OkStatus();
  absl::MutexLock lock(&health_mu_);
  return write_error_;
}

absl::Status Committer::WriteFailed(const rocksdb::Status& s, std::string_view what) {
  if (!s.IsIOError()) {
    spdlog::error("store {} failed: {}", what, s.ToString());
    absl::Status translated = FromRocksDb(s, what);
    return absl::Status(translated.code(),
                        absl::StrFormat("the store failed to write (%s; see the server log)",
                                        absl::StatusCodeToString(translated.code())));
  }
  absl::Status status = absl::UnavailableError(absl::StrFormat(
      "the store cannot write: %s; reads are still served, and writes resume once the disk "
      "accepts them",
      WriteErrorReason(s)));
  absl::MutexLock lock(&health_mu_);
  if (needs_restart_) return write_error_;
  if (!unwritable_.exchange(true, std::memory_order_acq_rel)) {
    // RocksDB now refuses every write until DB::Resume(); MaybeResume retries it.
    spdlog::error("store {} failed, the store is read-only until writes succeed again: {}", what,
                  s.ToString());
  } else {
    spdlog::debug("store {} failed again: {}", what, s.ToString());
  }
  write_error_ = status;
  return status;
}

void Committer::MarkWritable(std::string_view how) {
  absl::MutexLock lock(&health_mu_);
  if (!unwritable_.exchange(false, std::memory_order_acq_rel)) return;
  write_error_ = absl::OkStatus();
  resume_backoff_ = kFirstResumeDelay;
  next_resume_ = absl::InfinitePast();
  spdlog::warn("the store accepts writes again ({})", how);
}

void Committer::MaybeResume() {
  absl::Time now = absl::Now();
  if (now < next_resume_) return;
  rocksdb::Status s = db_->db()->Resume();
  if (s.ok()) {
    MarkWritable("resumed");
    return;
  }
  if (s.severity() >= rocksdb::Status::kFatalError) {
    // E.g. a failed WAL sync: RocksDB cannot know what the log holds and
    // resumes only by reopening the database. Stop retrying and say so.
    spdlog::error("the store cannot write again without a restart of lineaged: {}", s.ToString());
    next_resume_ = absl::InfiniteFuture();
    absl::MutexLock lock(&health_mu_);
    needs_restart_ = true;
    write_error_ = absl::UnavailableError(absl::StrFormat(
        "the store cannot write: %s; reads are still served, writes need a restart of lineaged",
        WriteErrorReason(s)));
    return;
  }
  spdlog::debug("store resume failed, next try in {}: {}", absl::FormatDuration(resume_backoff_),
                s.ToString());
  next_resume_ = now + resume_backoff_;
  resume_backoff_ = std::min(resume_backoff_ * 2, kMaxResumeDelay);
}

void Committer::CommitGroup(std::vector<Pending>* group) {
  const uint64_t first_sequence = next_sequence_;
  const CountersRecord counters_before = counters_;
  GroupBatch batch(db_, &cache_);
  std::vector<WriteOutcome> outcomes;
  outcomes.reserve(group->size());
  absl::Status failure = absl::OkStatus();
  for (const Pending& pending : *group) {
    absl::StatusOr<WriteOutcome> outcome = ApplyEvent(pending, &batch);
    if (!outcome.ok()) {
      failure = outcome.status();
      break;
    }
    outcomes.push_back(*outcome);
  }
  if (failure.ok()) {
    std::string counters = counters_.SerializeAsString();
    if (counters != counters_before.SerializeAsString()) {
      batch.Put(db_->graph(), MetaKey(kMetaCounters), std::move(counters));
    }
    // Not synced here: the sync thread syncs once for all groups written
    // while it was busy, and only then acknowledges them.
    rocksdb::Status written = db_->db()->Write(rocksdb::WriteOptions(), batch.batch());
    if (written.ok()) {
      if (unwritable_.load(std::memory_order_acquire)) MarkWritable("a write succeeded");
    } else {
      failure = WriteFailed(written, "write");
    }
  }
  if (!failure.ok()) {
    // Nothing of the group reached the database: reuse its numbers.
    next_sequence_ = first_sequence;
    counters_ = counters_before;
    // An unwritable store was logged once, when it became so.
    spdlog::log(unwritable_.load() ? spdlog::level::debug : spdlog::level::err,
                "store write of {} events failed: {}", group->size(), failure.ToString());
    for (Pending& pending : *group) pending.done(failure);
    return;
  }
  batch.PublishToCache();
  {
    absl::MutexLock lock(&published_mu_);
    published_counters_ = counters_;
  }
  Written written;
  written.outcomes = std::move(outcomes);
  written.next_sequence = next_sequence_;
  written.stored_events = next_sequence_ - first_sequence;
  written.callbacks.reserve(group->size());
  for (Pending& pending : *group) written.callbacks.push_back(std::move(pending.done));
  absl::MutexLock lock(&sync_mu_);
  written_.push_back(std::move(written));
}

absl::StatusOr<WriteOutcome> Committer::ApplyEvent(const Pending& pending, GroupBatch* batch) {
  const Event& event = pending.event;
  const int64_t t = event.event_time_micros;
  rocksdb::ColumnFamilyHandle* graph = db_->graph();

  // Idempotency: an event already stored (a client retry) writes nothing.
  std::string hash_key = EventHashKey(event.content_hash);
  LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> seen, batch->Get(db_->index(), hash_key));
  if (seen) return WriteOutcome::kDuplicate;

  const uint64_t sequence = next_sequence_++;
  std::string sequence_value;
  AppendBigEndian64(&sequence_value, sequence);
  batch->Put(db_->index(), hash_key, sequence_value);
  batch->PutBlind(db_->index(), EventTimeKey(t, sequence), "");
  batch->PutBlind(db_->events(), EventKey(sequence),
                  EncodeEventValue(pending.received_at_micros, event.raw_json));
  if (options_.outbox_enabled) {
    // In the event's own batch: no stored event can miss its export.
    std::string enqueued;
    AppendBigEndian64(&enqueued, OrderedFromSigned(pending.received_at_micros));
    batch->PutBlind(db_->index(), SequenceKey(kOutboxPrefix, sequence), enqueued);
  }

  auto ensure_namespace = [&](const std::string& ns) -> absl::Status {
    std::string key = NamespaceKey(ns);
    LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> existing, batch->Get(graph, key));
    if (existing) return absl::OkStatus();
    NamespaceRecord record;
    record.set_created_at_micros(t);
    record.set_updated_at_micros(t);
    record.set_owner_name("anonymous");
    batch->Put(graph, key, record.SerializeAsString());
    return absl::OkStatus();
  };

  // Finds or creates the node for (kind, name); `created` tells which.
  struct NodeHandle {
    uint64_t id = 0;
    NodeRecord record;
    bool created = false;
  };
  auto load_node = [&](NodeRecord::Kind kind,
                       const QualifiedName& name) -> absl::StatusOr<NodeHandle> {
    NodeHandle node;
    char prefix = kind == NodeRecord::KIND_DATASET ? kDatasetNamePrefix : kJobNamePrefix;
    std::string index_key = NameIndexKey(prefix, name);
    LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> id_bytes, batch->Get(graph, index_key));
    if (id_bytes) {
      node.id = DecodeBigEndian64(*id_bytes);
      LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                                batch->Get(graph, NodeKey(node.id)));
      LINEAGED_ASSIGN_OR_RETURN(bool found, ParseRecord(bytes, &node.record));
      if (!found) return absl::DataLossError("name index points at a missing node");
      return node;
    }
    LINEAGED_RETURN_IF_ERROR(ensure_namespace(name.namespace_name));
    if (counters_.next_node_id() == 0) counters_.set_next_node_id(1);
    node.id = counters_.next_node_id();
    counters_.set_next_node_id(node.id + 1);
    if (kind == NodeRecord::KIND_DATASET) {
      counters_.set_datasets(counters_.datasets() + 1);
    } else {
      counters_.set_jobs(counters_.jobs() + 1);
    }
    node.created = true;
    node.record.set_kind(kind);
    node.record.set_namespace_name(name.namespace_name);
    node.record.set_name(name.name);
    node.record.set_created_at_micros(t);
    node.record.set_updated_at_micros(t);
    std::string id_value;
    AppendBigEndian64(&id_value, node.id);
    batch->Put(graph, index_key, std::move(id_value));
    return node;
  };
  auto put_node = [&](const NodeHandle& node) {
    batch->Put(graph, NodeKey(node.id), node.record.SerializeAsString());
  };
  // Writes an edge only if it is new: most events repeat known edges.
  auto ensure_edge = [&](uint64_t from, uint64_t to) -> absl::Status {
    std::string out_key = EdgeKey(kOutEdgePrefix, from, to);
    LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> existing, batch->Get(graph, out_key));
    if (existing) return absl::OkStatus();
    batch->Put(graph, out_key, "");
    batch->Put(graph, EdgeKey(kInEdgePrefix, to, from), "");
    counters_.set_edges(counters_.edges() + 1);
    return absl::OkStatus();
  };

  if (event.kind == EventKind::kDataset) {
    LINEAGED_ASSIGN_OR_RETURN(NodeHandle dataset,
                              load_node(NodeRecord::KIND_DATASET, event.dataset));
    if (dataset.created || t > dataset.record.updated_at_micros()) {
      dataset.record.set_updated_at_micros(std::max(dataset.record.updated_at_micros(), t));
      put_node(dataset);
    }
    return WriteOutcome::kStored;
  }

  LINEAGED_ASSIGN_OR_RETURN(NodeHandle job, load_node(NodeRecord::KIND_JOB, event.job));
  job.record.set_updated_at_micros(std::max(job.record.updated_at_micros(), t));
  job.record.set_created_at_micros(std::min(job.record.created_at_micros(), t));

  if (event.kind == EventKind::kRun) {
    std::string run_key = RunKey(event.run_id);
    LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> run_bytes, batch->Get(graph, run_key));
    RunRecord run;
    LINEAGED_ASSIGN_OR_RETURN(bool run_exists, ParseRecord(run_bytes, &run));
    if (!run_exists) {
      run.set_job_node_id(job.id);
      counters_.set_runs(counters_.runs() + 1);
    }
    const int32_t state_before = run_exists ? run.state() : -1;
    FoldRunEvent(&run, event.event_type, t, !run_exists);
    if (run.state() != state_before) {
      auto* by_state = counters_.mutable_runs_by_state();
      while (by_state->size() <= static_cast<int>(RunState::kFailed)) by_state->Add(0);
      if (state_before >= 0) by_state->Set(state_before, by_state->Get(state_before) - 1);
      by_state->Set(run.state(), by_state->Get(run.state()) + 1);
    }
    batch->Put(graph, run_key, run.SerializeAsString());

    std::string run_id(reinterpret_cast<const char*>(event.run_id.data()), event.run_id.size());
    if (job.record.latest_run_id() == run_id) {
      job.record.set_latest_run_created_at_micros(run.created_at_micros());
    } else if (job.record.latest_run_id().empty() ||
               run.created_at_micros() >= job.record.latest_run_created_at_micros()) {
      job.record.set_latest_run_id(run_id);
      job.record.set_latest_run_created_at_micros(run.created_at_micros());
    }
  }
  put_node(job);

  const bool completes =
      event.kind == EventKind::kRun && event.event_type == RunEventType::kComplete;
  for (const QualifiedName& input : event.inputs) {
    LINEAGED_ASSIGN_OR_RETURN(NodeHandle dataset, load_node(NodeRecord::KIND_DATASET, input));
    if (dataset.created) put_node(dataset);
    LINEAGED_RETURN_IF_ERROR(ensure_edge(dataset.id, job.id));
  }
  for (const QualifiedName& output : event.outputs) {
    LINEAGED_ASSIGN_OR_RETURN(NodeHandle dataset, load_node(NodeRecord::KIND_DATASET, output));
    bool dirty = dataset.created;
    if (t > dataset.record.updated_at_micros()) {
      dataset.record.set_updated_at_micros(t);
      dirty = true;
    }
    if (completes && t > dataset.record.last_modified_at_micros()) {
      dataset.record.set_last_modified_at_micros(t);
      dirty = true;
    }
    if (dirty) put_node(dataset);
    LINEAGED_RETURN_IF_ERROR(ensure_edge(job.id, dataset.id));
  }
  return WriteOutcome::kStored;
}

}  // namespace lineaged::graphstore::internal
