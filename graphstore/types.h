#pragma once

// Value types shared by graphstore's callers: the validated event the collector
// hands to the store, and the lineage results the store hands back. Plain data,
// no JSON or HTTP types: graphstore knows neither.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lineaged::graphstore {

// DO NOT CHANGE THESE ENUM VALUES: they are stored on disk.
enum class EventKind : uint8_t { kRun = 1, kJob = 2, kDataset = 3 };

// The OpenLineage eventType; kUnspecified when the event carries none.
// DO NOT CHANGE THESE ENUM VALUES: they are stored on disk.
enum class RunEventType : uint8_t {
  kUnspecified = 0,
  kStart = 1,
  kRunning = 2,
  kComplete = 3,
  kAbort = 4,
  kFail = 5,
  kOther = 6,
};

// Marquez's run states. DO NOT CHANGE THESE ENUM VALUES: they are stored on disk.
enum class RunState : uint8_t {
  kNew = 0,
  kRunning = 1,
  kCompleted = 2,
  kAborted = 3,
  kFailed = 4,
};

const char* RunStateName(RunState state);  // "NEW", "RUNNING", "COMPLETED", ...

using Uuid = std::array<uint8_t, 16>;
std::string FormatUuid(const Uuid& uuid);  // lower-case 8-4-4-4-12

// A dataset or job is identified by (namespace, name), as in OpenLineage.
struct QualifiedName {
  std::string namespace_name;
  std::string name;

  friend bool operator==(const QualifiedName&, const QualifiedName&) = default;
  friend auto operator<=>(const QualifiedName&, const QualifiedName&) = default;
};

// A validated OpenLineage event reduced to what the graph needs, plus the
// event's JSON text exactly as received.
struct Event {
  EventKind kind = EventKind::kRun;
  RunEventType event_type = RunEventType::kUnspecified;
  int64_t event_time_micros = 0;  // UTC microseconds since the epoch
  std::string producer;
  Uuid run_id{};                       // kRun only
  QualifiedName job;                   // kRun and kJob
  std::vector<QualifiedName> inputs;   // kRun and kJob
  std::vector<QualifiedName> outputs;  // kRun and kJob
  QualifiedName dataset;               // kDataset only
  std::string raw_json;
  // Identity for idempotency: events with equal hashes are the same event
  // (a client retry). The collector derives it from the event's content.
  std::array<uint8_t, 16> content_hash{};
};

enum class WriteOutcome {
  kStored,     // new event, durable
  kDuplicate,  // an equal event was already stored; nothing written
};

struct RunSummary {
  Uuid run_id{};
  RunState state = RunState::kNew;
  int64_t created_at_micros = 0;
  int64_t updated_at_micros = 0;
  std::optional<int64_t> started_at_micros;
  std::optional<int64_t> ended_at_micros;
};

struct DatasetNode {
  QualifiedName name;
  int64_t created_at_micros = 0;
  int64_t updated_at_micros = 0;
  std::optional<int64_t> last_modified_at_micros;  // last write by a run
  std::vector<QualifiedName> producers;            // jobs in the same graph writing it
  std::vector<QualifiedName> consumers;            // jobs in the same graph reading it
};

struct JobNode {
  QualifiedName name;
  int64_t created_at_micros = 0;
  int64_t updated_at_micros = 0;
  std::vector<QualifiedName> inputs;
  std::vector<QualifiedName> outputs;
  std::optional<RunSummary> latest_run;
};

// The result of a lineage query. Both lists are sorted by name.
struct LineageGraph {
  std::vector<DatasetNode> datasets;
  std::vector<JobNode> jobs;
};

enum class NodeKind { kDataset, kJob };

struct NodeRef {
  NodeKind kind = NodeKind::kDataset;
  QualifiedName name;
};

struct StoreStats {
  uint64_t events = 0;
  uint64_t datasets = 0;
  uint64_t jobs = 0;
  uint64_t runs = 0;
  uint64_t edges = 0;
  // Indexed by RunState: runs currently in each state.
  std::array<uint64_t, 5> runs_by_state{};
  uint64_t live_sst_bytes = 0;
  uint64_t live_blob_bytes = 0;
  uint64_t pending_compaction_bytes = 0;
  uint64_t wal_syncs = 0;  // since the store opened
};

struct DatasetFreshness {
  QualifiedName name;
  int64_t last_modified_at_micros = 0;
};

// An event waiting in the exporter outbox, identified by its sequence.
struct OutboxEntry {
  uint64_t sequence = 0;
  int64_t enqueued_at_micros = 0;
};

// An event the exporter gave up on because the peer rejected it for good.
struct DeadLetter {
  uint64_t sequence = 0;
  int64_t failed_at_micros = 0;
  std::string reason;
};

// One stored event, for replay and the events API.
struct StoredEvent {
  uint64_t sequence = 0;
  int64_t received_at_micros = 0;
  std::string raw_json;
};

}  // namespace lineaged::graphstore
