#pragma once

// Value types shared by graphstore's callers: the validated event the collector
// hands to the store, and the lineage results the store hands back. Plain data,
// no JSON or HTTP types: graphstore knows neither.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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

// The OpenLineage name of `type` ("START", ...); "" for kUnspecified.
constexpr std::string_view RunEventTypeName(RunEventType type) {
  switch (type) {
    case RunEventType::kStart:
      return "START";
    case RunEventType::kRunning:
      return "RUNNING";
    case RunEventType::kComplete:
      return "COMPLETE";
    case RunEventType::kAbort:
      return "ABORT";
    case RunEventType::kFail:
      return "FAIL";
    case RunEventType::kOther:
      return "OTHER";
    case RunEventType::kUnspecified:
      return "";
  }
  return "";
}

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

// One facet as an event carries it: its key and its JSON object text
// (minified). A facet sent as {"_deleted": true} has deleted set and removes
// the stored facet of that name.
struct Facet {
  std::string name;
  std::string json;
  bool deleted = false;

  friend bool operator==(const Facet&, const Facet&) = default;
};

// A field of the `schema` dataset facet. Nested fields are not modelled.
struct SchemaField {
  std::string name;
  std::optional<std::string> type;
  std::optional<std::string> description;
};

// One input of an output column in the `columnLineage` facet.
struct ColumnLineageInputField {
  QualifiedName dataset;
  std::string field;
  std::string transformation_description;
  std::string transformation_type;
  std::optional<Uuid> dataset_version;  // filled on reads: the input's current version
};

// One output column of the `columnLineage` facet and where it comes from.
struct ColumnLineageField {
  std::string field;
  std::vector<ColumnLineageInputField> inputs;
  std::string transformation_description;  // first input's, as Marquez reports it
  std::string transformation_type;
};

struct DatasetSymlink {
  QualifiedName name;
  std::string type;
};

// A dataset as one event mentions it, with what the store models from its
// facets already extracted by the collector. Optional members are absent when
// the event does not carry the facet they come from.
struct DatasetMention {
  QualifiedName name;
  std::vector<Facet> facets;                       // "facets" (dataset facets), in event order
  std::vector<Facet> io_facets;                    // "inputFacets" or "outputFacets"
  std::optional<std::vector<SchemaField>> schema;  // `schema` facet
  std::optional<std::string> description;          // `documentation.description`
  std::optional<std::string> source_name;          // `dataSource.name`
  std::optional<std::string> source_uri;           // `dataSource.uri`
  std::optional<std::string> lifecycle_state;      // `lifecycleStateChange.lifecycleStateChange`
  std::vector<DatasetSymlink> symlinks;            // `symlinks.identifiers`
  std::vector<ColumnLineageField> column_lineage;  // `columnLineage.fields`
};

// What a run or job event says about its job beyond the name.
struct JobMention {
  std::vector<Facet> facets;               // "job.facets"
  std::optional<bool> streaming;           // `jobType.processingType` == "STREAMING"
  std::optional<std::string> location;     // `sourceCodeLocation.url`
  std::optional<std::string> description;  // `documentation.description`
};

// The `parent` run facet (or its alias `parentRun`).
struct ParentRunRef {
  Uuid run_id{};
  QualifiedName job;
};

// What a run event says about its run beyond the id.
struct RunMention {
  std::vector<Facet> facets;  // "run.facets"
  std::optional<int64_t> nominal_start_micros;
  std::optional<int64_t> nominal_end_micros;
  std::optional<ParentRunRef> parent;
};

// A validated OpenLineage event reduced to what the store models, plus the
// event's JSON text exactly as received.
struct Event {
  EventKind kind = EventKind::kRun;
  RunEventType event_type = RunEventType::kUnspecified;
  int64_t event_time_micros = 0;  // UTC microseconds since the epoch
  std::string producer;
  Uuid run_id{};                        // kRun only
  QualifiedName job;                    // kRun and kJob
  JobMention job_mention;               // kRun and kJob
  RunMention run_mention;               // kRun only
  std::vector<DatasetMention> inputs;   // kRun and kJob
  std::vector<DatasetMention> outputs;  // kRun and kJob
  DatasetMention dataset;               // kDataset only
  std::string raw_json;
  // Identity for idempotency: events with equal hashes are the same event
  // (a client retry). The collector derives it from the event's content.
  std::array<uint8_t, 16> content_hash{};
};

enum class WriteOutcome {
  kStored,     // new event, durable
  kDuplicate,  // an equal event was already stored; nothing written
};

// ---------------------------------------------------------------------------
// Read model: what the store answers with. Mirrors Marquez's entities (see
// docs/api.md); times are UTC microseconds; optionals are JSON nulls.

// Every version id is one deterministic UUID, the same everywhere it appears.
struct DatasetVersionId {
  QualifiedName dataset;
  Uuid version{};
};

struct JobVersionId {
  QualifiedName job;
  Uuid version{};
};

struct NamespaceInfo {
  std::string name;
  int64_t created_at_micros = 0;
  int64_t updated_at_micros = 0;
  std::string owner_name;  // "anonymous" for namespaces created by ingest
  std::optional<std::string> description;
  bool hidden = false;
};

struct SourceInfo {
  std::string name;
  std::string type;  // "POSTGRESQL" for ingest-created sources, as Marquez
  int64_t created_at_micros = 0;
  int64_t updated_at_micros = 0;
  std::string connection_url;
  std::optional<std::string> description;
};

struct TagInfo {
  std::string name;
  std::optional<std::string> description;
};

struct FieldInfo {
  std::string name;
  std::optional<std::string> type;
  std::vector<std::string> tags;
  std::optional<std::string> description;
};

struct ColumnLineageInfo {
  std::string field;
  std::vector<ColumnLineageInputField> inputs;
  std::string transformation_description;
  std::string transformation_type;
};

// A dataset's input or output in one run, with that run's io facets.
struct RunDatasetVersion {
  DatasetVersionId id;
  std::vector<Facet> facets;  // inputFacets / outputFacets, merged newest-wins
};

struct RunInfo {
  Uuid id{};
  QualifiedName job;
  int64_t created_at_micros = 0;
  int64_t updated_at_micros = 0;
  std::optional<int64_t> nominal_start_micros;
  std::optional<int64_t> nominal_end_micros;
  RunState state = RunState::kNew;
  std::optional<int64_t> started_at_micros;
  std::optional<int64_t> ended_at_micros;
  std::optional<int64_t> duration_ms;                     // ended - started, when both are known
  std::vector<std::pair<std::string, std::string>> args;  // Marquez run args
  std::optional<JobVersionId> job_version;
  std::vector<RunDatasetVersion> input_versions;
  std::vector<RunDatasetVersion> output_versions;
  std::vector<Facet> facets;  // run facets, merged newest-wins, by name
  std::optional<Uuid> parent_run_id;
};

struct DatasetInfo {
  QualifiedName name;
  std::string type = "DB_TABLE";
  std::string physical_name;
  int64_t created_at_micros = 0;
  int64_t updated_at_micros = 0;
  std::string source_name = "default";
  std::vector<FieldInfo> fields;
  std::vector<std::string> tags;
  std::optional<int64_t> last_modified_at_micros;  // last COMPLETE write
  std::optional<std::string> last_lifecycle_state;
  std::optional<std::string> description;
  std::optional<Uuid> current_version;
  std::vector<ColumnLineageInfo> column_lineage;
  std::vector<Facet> facets;  // dataset facets merged newest-wins, by name
  bool deleted = false;       // lifecycle DROP (not the soft delete)
  std::vector<DatasetSymlink> symlinks;
};

struct DatasetVersionInfo {
  DatasetVersionId id;
  std::string type = "DB_TABLE";
  std::string physical_name;
  int64_t created_at_micros = 0;
  std::string source_name = "default";
  std::vector<FieldInfo> fields;
  std::vector<std::string> tags;
  std::optional<std::string> lifecycle_state;
  std::optional<std::string> description;
  std::optional<Uuid> schema_version;     // hash of the sorted (name, type) fields
  std::optional<RunInfo> created_by_run;  // none for versions made by a read
  std::vector<Facet> facets;
};

struct JobInfo {
  QualifiedName name;
  std::string type = "BATCH";  // BATCH | STREAM
  std::string simple_name;
  std::optional<std::string> parent_job_name;
  std::optional<Uuid> parent_job_uuid;
  std::optional<Uuid> current_run_id;
  int64_t created_at_micros = 0;
  int64_t updated_at_micros = 0;
  std::vector<QualifiedName> inputs;  // the current IO (see GetLineage)
  std::vector<QualifiedName> outputs;
  std::optional<std::string> location;
  std::optional<std::string> description;
  std::optional<RunInfo> latest_run;  // equal to the entry of latest_runs with its id, if any
  std::vector<RunInfo> latest_runs;   // newest first, at most 10; only on request
  std::vector<Facet> facets;          // job facets merged newest-wins, by name
  std::optional<Uuid> current_version;
  std::vector<std::string> tags;
};

struct JobVersionInfo {
  JobVersionId id;
  int64_t created_at_micros = 0;
  int64_t updated_at_micros = 0;
  std::optional<std::string> location;
  std::vector<QualifiedName> inputs;
  std::vector<QualifiedName> outputs;
  std::optional<RunInfo> latest_run;
};

// A dataset or job of a list page, for callers that keep what they rendered
// of it between requests: `stamp` changes whenever what the store would show
// of the node may have changed (sometimes when it has not). Something rendered
// from a node read after its stamp was taken stays right while the node's
// stamp is the same. Stamps live in memory: they start over when the store is
// opened again.
struct NodeStamp {
  uint64_t node_id = 0;
  uint64_t stamp = 0;
};

// An item of a stamped list page: `info` is absent when the caller said it
// has the node rendered at `node.stamp`.
template <typename T>
struct Stamped {
  NodeStamp node;
  std::optional<T> info;
};

// A page of a list plus the true number of items across all pages.
template <typename T>
struct Page {
  std::vector<T> items;
  uint64_t total_count = 0;
};

// What GetLineageStamped says of a node's `data` (see NodeStamp).
struct LineageDataStamp {
  NodeStamp node;
  // `data` may be kept under `node.stamp`: nothing else in the graph (such as
  // a hidden dataset left out of a job's IO) shaped it.
  bool cacheable = false;
  // The caller has `data` rendered at `node.stamp`, so only its name (and a
  // job's inputs and outputs, for the edges) was filled.
  bool omitted = false;
};

struct DatasetNode {
  DatasetInfo data;  // without facets, column_lineage and symlinks (not in a lineage node)
  std::vector<QualifiedName> producers;  // jobs in the same graph writing it
  std::vector<QualifiedName> consumers;  // jobs in the same graph reading it
  LineageDataStamp stamp;
};

struct JobNode {
  // Without facets and latest_runs (not in a lineage node); inputs/outputs
  // are the job's current IO, less hidden datasets.
  JobInfo data;
  LineageDataStamp stamp;
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
  // Purged by retention since the store opened.
  uint64_t retention_purged_events = 0;
  uint64_t retention_purged_runs = 0;
  uint64_t retention_passes = 0;
  // The in-memory name index behind Search: names held and heap bytes.
  uint64_t search_index_names = 0;
  uint64_t search_index_bytes = 0;
};

// What one retention pass removed.
struct RetentionResult {
  uint64_t events = 0;
  uint64_t runs = 0;
};

enum class SearchFilter { kAll, kDataset, kJob };
enum class SearchSort { kName, kUpdatedAt };

struct SearchQuery {
  // Substring of the name (not the namespace, nor a symlink alias), ASCII
  // letters case-insensitive.
  std::string text;
  SearchFilter filter = SearchFilter::kAll;
  SearchSort sort = SearchSort::kName;
  std::optional<std::string> namespace_name;
  std::optional<int64_t> updated_after_micros;   // inclusive
  std::optional<int64_t> updated_before_micros;  // exclusive
  size_t limit = 10;
  size_t offset = 0;
};

struct SearchHit {
  NodeKind kind = NodeKind::kDataset;
  QualifiedName name;
  int64_t updated_at_micros = 0;
};

// Counts of run events by type in [start, end).
struct EventTypeCounts {
  int64_t start_micros = 0;
  int64_t end_micros = 0;
  uint64_t start = 0;
  uint64_t complete = 0;
  uint64_t fail = 0;
  uint64_t abort = 0;
};

// A dataset column, the unit of column lineage.
struct DatasetField {
  QualifiedName dataset;
  std::string field;

  friend bool operator==(const DatasetField&, const DatasetField&) = default;
  friend auto operator<=>(const DatasetField&, const DatasetField&) = default;
};

struct ColumnLineageNode {
  DatasetField id;
  std::optional<Uuid> dataset_version;
  std::string field_type;  // "" when unknown, as Marquez
  std::string transformation_description;
  std::string transformation_type;
  std::vector<ColumnLineageInputField> input_fields;
  std::vector<DatasetField> upstream;    // fields this one is computed from
  std::vector<DatasetField> downstream;  // fields computed from this one
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
