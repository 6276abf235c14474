#include "graphstore/internal/model_reader.h"

#include <algorithm>
#include <numeric>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

#include "graphstore/base/status_macros.h"
#include "graphstore/base/time_format.h"
#include "graphstore/base/uuid.h"
#include "graphstore/internal/facet_store.h"
#include "graphstore/internal/key_codec.h"
#include "graphstore/internal/rocksdb_status.h"

namespace lineaged::graphstore::internal {
namespace {

constexpr size_t kLatestRuns = 10;

template <typename Message>
absl::Status Parse(std::string_view bytes, Message* record) {
  if (!record->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("unreadable graph record");
  }
  return absl::OkStatus();
}

std::vector<FieldInfo> FieldsOf(const google::protobuf::RepeatedPtrField<FieldRecord>& fields,
                                const NodeRecord* tags_from) {
  std::vector<FieldInfo> out;
  for (const FieldRecord& f : fields) {
    FieldInfo info;
    info.name = f.name();
    if (f.has_type()) info.type = f.type();
    if (f.has_description()) info.description = f.description();
    const FieldRecord* tagged = &f;
    if (tags_from != nullptr) {
      for (const FieldRecord& current : tags_from->fields()) {
        if (current.name() == f.name()) tagged = &current;
      }
    }
    info.tags.assign(tagged->tags().begin(), tagged->tags().end());
    out.push_back(std::move(info));
  }
  return out;
}

// Namespace and name of a serialised NodeRecord, skipping its other fields:
// a name is all a run's datasets or a job's IO show, and a dataset's fields,
// facets and column lineage are most of its bytes.
bool ParseNodeName(std::string_view bytes, QualifiedName* name) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  while (const uint32_t tag = in.ReadTag()) {
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    const bool delimited =
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
    if (delimited && field == NodeRecord::kNamespaceNameFieldNumber) {
      if (!WireFormatLite::ReadString(&in, &name->namespace_name)) return false;
    } else if (delimited && field == NodeRecord::kNameFieldNumber) {
      if (!WireFormatLite::ReadString(&in, &name->name)) return false;
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return false;
    }
  }
  return in.ConsumedEntireMessage();
}

void AddFacetMap(const ModelReader::FacetMap& map, ModelReader::FacetMaps* maps) {
  if (!map.empty()) maps->push_back(&map);
}

}  // namespace

QualifiedName NameOf(const NodeRecord& record) {
  return QualifiedName{record.namespace_name(), record.name()};
}

Uuid UuidOf(std::string_view bytes) {
  Uuid uuid{};
  std::copy_n(bytes.begin(), std::min(bytes.size(), uuid.size()), uuid.begin());
  return uuid;
}

ModelReader::ModelReader(const Database* db) : db_(db) {
  snapshot_ = db_->db()->GetSnapshot();
  options_.snapshot = snapshot_;
}

ModelReader::~ModelReader() { db_->db()->ReleaseSnapshot(snapshot_); }

absl::StatusOr<std::optional<std::string>> ModelReader::Get(rocksdb::ColumnFamilyHandle* cf,
                                                            const std::string& key) const {
  std::string value;
  rocksdb::Status s = db_->db()->Get(options_, cf, key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  LINEAGED_RETURN_IF_ERROR(FromRocksDb(s, "get"));
  return std::optional<std::string>(std::move(value));
}

absl::Status ModelReader::MultiGet(
    rocksdb::ColumnFamilyHandle* cf, const std::vector<std::string>& keys,
    const std::function<absl::Status(size_t, std::string_view)>& found) const {
  if (keys.empty()) return absl::OkStatus();
  // Sorted keys let RocksDB look up neighbours in one pass over each file.
  std::vector<size_t> order(keys.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&keys](size_t a, size_t b) { return keys[a] < keys[b]; });
  std::vector<rocksdb::Slice> slices;
  slices.reserve(keys.size());
  for (size_t i : order) slices.emplace_back(keys[i]);
  // Pinned values: no copy out of the block cache.
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->db()->MultiGet(options_, cf, slices.size(), slices.data(), values.data(), statuses.data(),
                      /*sorted_input=*/true);
  for (size_t j = 0; j < order.size(); ++j) {
    if (statuses[j].IsNotFound()) continue;
    LINEAGED_RETURN_IF_ERROR(FromRocksDb(statuses[j], "multiget"));
    LINEAGED_RETURN_IF_ERROR(found(order[j], values[j].ToStringView()));
  }
  return absl::OkStatus();
}

absl::Status ModelReader::Scan(
    rocksdb::ColumnFamilyHandle* cf, const std::string& start, const std::string& end, bool reverse,
    const std::function<bool(std::string_view, std::string_view)>& visit) const {
  // Taken out of the cache while in use, so a scan nested in `visit` gets its own.
  std::unique_ptr<rocksdb::Iterator> it = std::move(iterators_[cf]);
  if (it == nullptr) it.reset(db_->db()->NewIterator(options_, cf));
  const rocksdb::Slice lower(start), upper(end);
  if (reverse) {
    it->SeekForPrev(upper);
    if (it->Valid() && it->key().compare(upper) >= 0) it->Prev();  // `end` is exclusive
    for (; it->Valid() && it->key().compare(lower) >= 0; it->Prev()) {
      if (!visit(it->key().ToStringView(), it->value().ToStringView())) break;
    }
  } else {
    for (it->Seek(lower); it->Valid() && it->key().compare(upper) < 0; it->Next()) {
      if (!visit(it->key().ToStringView(), it->value().ToStringView())) break;
    }
  }
  absl::Status status = FromRocksDb(it->status(), "scan");
  iterators_[cf] = std::move(it);
  return status;
}

absl::StatusOr<std::optional<uint64_t>> ModelReader::LookupId(NodeKind kind,
                                                              const QualifiedName& name) {
  const bool dataset = kind == NodeKind::kDataset;
  LINEAGED_ASSIGN_OR_RETURN(
      std::optional<std::string> id,
      Get(db_->graph(), NameIndexKey(dataset ? kDatasetNamePrefix : kJobNamePrefix, name)));
  if (!id && dataset) {
    LINEAGED_ASSIGN_OR_RETURN(id, Get(db_->graph(), NameIndexKey(kAliasPrefix, name)));
  }
  if (!id) return std::optional<uint64_t>();
  return std::optional<uint64_t>(DecodeBigEndian64(*id));
}

absl::StatusOr<const NodeRecord*> ModelReader::Node(uint64_t id) {
  if (auto it = nodes_.find(id); it != nodes_.end()) return it->second;
  LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> bytes, Get(db_->graph(), NodeKey(id)));
  if (!bytes) return absl::DataLossError("an index points at a missing node");
  NodeRecord* record = google::protobuf::Arena::CreateMessage<NodeRecord>(&arena_);
  LINEAGED_RETURN_IF_ERROR(Parse(*bytes, record));
  nodes_.emplace(id, record);
  return record;
}

absl::StatusOr<QualifiedName> ModelReader::NodeName(uint64_t id) {
  if (auto it = nodes_.find(id); it != nodes_.end()) return NameOf(*it->second);
  if (auto it = names_.find(id); it != names_.end()) return it->second;
  LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> bytes, Get(db_->graph(), NodeKey(id)));
  if (!bytes) return absl::DataLossError("an index points at a missing node");
  QualifiedName name;
  if (!ParseNodeName(*bytes, &name)) return absl::DataLossError("unreadable graph record");
  names_.emplace(id, name);
  return name;
}

absl::Status ModelReader::PrefetchNodes(const std::vector<uint64_t>& ids) {
  absl::flat_hash_set<uint64_t> wanted;
  std::vector<uint64_t> missing;
  std::vector<std::string> keys;
  for (uint64_t id : ids) {
    if (nodes_.contains(id) || !wanted.insert(id).second) continue;
    missing.push_back(id);
    keys.push_back(NodeKey(id));
  }
  return MultiGet(db_->graph(), keys, [&](size_t i, std::string_view value) -> absl::Status {
    NodeRecord* record = google::protobuf::Arena::CreateMessage<NodeRecord>(&arena_);
    LINEAGED_RETURN_IF_ERROR(Parse(value, record));
    nodes_.emplace(missing[i], record);
    return absl::OkStatus();
  });
}

absl::Status ModelReader::Adjacency(const std::vector<uint64_t>& ids,
                                    std::vector<AdjacencyRecord>* out) {
  out->assign(ids.size(), AdjacencyRecord());
  std::vector<std::string> keys;
  keys.reserve(ids.size());
  for (uint64_t id : ids) keys.push_back(AdjacencyKey(id));
  return MultiGet(db_->graph(), keys, [&](size_t i, std::string_view value) -> absl::Status {
    return Parse(value, &(*out)[i]);
  });
}

absl::Status ModelReader::PrefetchNames(const std::vector<uint64_t>& ids) {
  absl::flat_hash_set<uint64_t> wanted;
  std::vector<uint64_t> missing;
  std::vector<std::string> keys;
  for (uint64_t id : ids) {
    if (nodes_.contains(id) || names_.contains(id) || !wanted.insert(id).second) continue;
    missing.push_back(id);
    keys.push_back(NodeKey(id));
  }
  return MultiGet(db_->graph(), keys, [&](size_t i, std::string_view value) -> absl::Status {
    QualifiedName name;
    if (!ParseNodeName(value, &name)) return absl::DataLossError("unreadable graph record");
    names_.emplace(missing[i], std::move(name));
    return absl::OkStatus();
  });
}

absl::Status ModelReader::PrefetchRuns(const std::vector<Uuid>& ids) {
  absl::flat_hash_set<Uuid> wanted;
  std::vector<Uuid> missing;
  std::vector<std::string> keys;
  for (const Uuid& id : ids) {
    if (runs_.contains(id) || !wanted.insert(id).second) continue;
    missing.push_back(id);
    keys.push_back(RunKey(id));
  }
  LINEAGED_RETURN_IF_ERROR(
      MultiGet(db_->graph(), keys, [&](size_t i, std::string_view value) -> absl::Status {
        RunRecord* record = google::protobuf::Arena::CreateMessage<RunRecord>(&arena_);
        LINEAGED_RETURN_IF_ERROR(Parse(value, record));
        runs_[missing[i]] = record;
        return absl::OkStatus();
      }));
  // Runs the MultiGet did not find do not exist in this snapshot.
  for (const Uuid& id : missing) runs_.try_emplace(id, nullptr);
  return absl::OkStatus();
}

void ModelReader::AddRunDetails(const std::vector<Uuid>& ids, std::vector<uint64_t>* nodes,
                                FacetMaps* maps) const {
  for (const Uuid& id : ids) {
    auto it = runs_.find(id);
    if (it == runs_.end() || it->second == nullptr) continue;
    const RunRecord& run = *it->second;
    nodes->push_back(run.job_node_id());
    for (const auto* list : {&run.inputs(), &run.outputs()}) {
      for (const RunDatasetRecord& entry : *list) {
        nodes->push_back(entry.dataset_id());
        AddFacetMap(entry.facets(), maps);
      }
    }
    AddFacetMap(run.facets(), maps);
  }
}

absl::Status ModelReader::PrefetchRunDetails(const std::vector<Uuid>& ids) {
  std::vector<uint64_t> nodes;
  FacetMaps maps;
  AddRunDetails(ids, &nodes, &maps);
  LINEAGED_RETURN_IF_ERROR(PrefetchNames(nodes));
  return PrefetchFacets(maps);
}

absl::Status ModelReader::PrefetchJobs(
    const std::vector<std::pair<uint64_t, const NodeRecord*>>& jobs, JobDetail detail) {
  std::vector<uint64_t> nodes;
  std::vector<Uuid> runs;
  FacetMaps maps;
  for (const auto& [id, record] : jobs) {
    if (record->parent_job_id() != 0) nodes.push_back(record->parent_job_id());
    nodes.insert(nodes.end(), record->current_inputs().begin(), record->current_inputs().end());
    nodes.insert(nodes.end(), record->current_outputs().begin(), record->current_outputs().end());
    if (record->latest_run_id().size() == 16) runs.push_back(UuidOf(record->latest_run_id()));
    if (detail == JobDetail::kFull) {
      LINEAGED_ASSIGN_OR_RETURN(const std::vector<Uuid>* ids, LatestRunIds(id));
      runs.insert(runs.end(), ids->begin(), ids->end());
      AddFacetMap(record->facets(), &maps);
    }
  }
  LINEAGED_RETURN_IF_ERROR(PrefetchRuns(runs));
  // One names read and one facets read for the jobs and their runs together.
  AddRunDetails(runs, &nodes, &maps);
  LINEAGED_RETURN_IF_ERROR(PrefetchNames(nodes));
  return PrefetchFacets(maps);
}

absl::Status ModelReader::PrefetchFacets(const FacetMaps& maps) {
  std::vector<FacetDigest> missing;
  std::vector<std::string> keys;
  absl::flat_hash_set<FacetDigest> wanted;
  for (const auto* map : maps) {
    for (const FacetEntry& entry : *map) {
      const FacetValue& value = entry.value();
      if (value.deleted()) continue;
      const FacetDigest digest = DigestOf(value);
      if (facet_texts_.contains(digest) || !wanted.insert(digest).second) continue;
      missing.push_back(digest);
      keys.push_back(FacetKey(DigestBytes(digest)));
    }
  }
  return MultiGet(db_->graph(), keys, [&](size_t i, std::string_view value) {
    facet_texts_.emplace(missing[i], std::string(value));
    return absl::OkStatus();
  });
}

absl::StatusOr<const std::vector<Uuid>*> ModelReader::LatestRunIds(uint64_t job_id) {
  auto [it, inserted] = latest_run_ids_.try_emplace(job_id);
  if (!inserted) return &it->second;
  std::string start(1, kRunListPrefix);
  AppendBigEndian64(&start, job_id);
  std::string end(1, kRunListPrefix);
  AppendBigEndian64(&end, job_id + 1);
  std::vector<Uuid>& ids = it->second;
  absl::Status status =
      Scan(db_->graph(), start, end, false, [&](std::string_view key, std::string_view) {
        ids.push_back(UuidOf(key.substr(key.size() - 16)));
        return ids.size() < kLatestRuns;
      });
  if (!status.ok()) {
    latest_run_ids_.erase(job_id);
    return status;
  }
  return &ids;
}

absl::StatusOr<std::pair<uint64_t, const NodeRecord*>> ModelReader::VisibleNode(
    NodeKind kind, const QualifiedName& name) {
  LINEAGED_ASSIGN_OR_RETURN(std::optional<uint64_t> id, LookupId(kind, name));
  const NodeRecord* record = nullptr;
  if (id) {
    LINEAGED_ASSIGN_OR_RETURN(record, Node(*id));
  }
  if (record == nullptr || record->hidden()) {
    return absl::NotFoundError(absl::StrCat(kind == NodeKind::kDataset ? "Dataset '" : "Job '",
                                            name.name, "' not found."));
  }
  return std::make_pair(*id, record);
}

absl::StatusOr<const RunRecord*> ModelReader::Run(const Uuid& run_id) {
  if (auto it = runs_.find(run_id); it != runs_.end()) return it->second;
  LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> bytes, Get(db_->graph(), RunKey(run_id)));
  RunRecord* record = nullptr;
  if (bytes) {
    record = google::protobuf::Arena::CreateMessage<RunRecord>(&arena_);
    LINEAGED_RETURN_IF_ERROR(Parse(*bytes, record));
  }
  runs_.emplace(run_id, record);
  return record;
}

absl::StatusOr<std::optional<NamespaceRecord>> ModelReader::Namespace(std::string_view name) {
  LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                            Get(db_->graph(), NamespaceKey(name)));
  if (!bytes) return std::optional<NamespaceRecord>();
  NamespaceRecord record;
  LINEAGED_RETURN_IF_ERROR(Parse(*bytes, &record));
  return std::optional<NamespaceRecord>(std::move(record));
}

absl::StatusOr<std::vector<Facet>> ModelReader::FacetsOf(const FacetMap& map) {
  std::vector<Facet> out;
  for (const FacetEntry& entry : map) {
    const FacetValue& value = entry.value();
    if (value.deleted()) continue;
    const FacetDigest digest = DigestOf(value);
    auto text = facet_texts_.find(digest);
    if (text == facet_texts_.end()) {
      LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> json,
                                Get(db_->graph(), FacetKey(DigestBytes(digest))));
      if (!json) return absl::DataLossError("a record names a facet text that is not stored");
      text = facet_texts_.emplace(digest, std::move(*json)).first;
    }
    out.push_back(Facet{entry.name(), text->second, false});
  }
  std::sort(out.begin(), out.end(), [](const Facet& a, const Facet& b) { return a.name < b.name; });
  return out;
}

absl::StatusOr<DatasetInfo> ModelReader::Dataset(const NodeRecord& record, DatasetDetail detail) {
  DatasetInfo info;
  info.name = NameOf(record);
  info.physical_name = record.name();
  info.created_at_micros = record.created_at_micros();
  info.updated_at_micros = record.updated_at_micros();
  if (!record.source_name().empty()) info.source_name = record.source_name();
  info.fields = FieldsOf(record.fields(), nullptr);
  info.tags.assign(record.tags().begin(), record.tags().end());
  if (record.last_modified_at_micros() != 0) {
    info.last_modified_at_micros = record.last_modified_at_micros();
  }
  if (record.has_lifecycle_state()) info.last_lifecycle_state = record.lifecycle_state();
  if (record.has_description()) info.description = record.description();
  if (!record.current_version().empty()) info.current_version = UuidOf(record.current_version());
  std::string lifecycle = record.lifecycle_state();
  std::transform(lifecycle.begin(), lifecycle.end(), lifecycle.begin(), ::toupper);
  info.deleted = lifecycle == "DROP";
  if (detail == DatasetDetail::kLineage) return info;
  for (const ColumnLineageRecord& column : record.column_lineage()) {
    ColumnLineageInfo out;
    out.field = column.field();
    out.transformation_description = column.transformation_description();
    out.transformation_type = column.transformation_type();
    for (const ColumnInputRecord& in : column.inputs()) {
      out.inputs.push_back(ColumnLineageInputField{{in.namespace_name(), in.dataset()},
                                                   in.field(),
                                                   in.transformation_description(),
                                                   in.transformation_type(),
                                                   std::nullopt});
    }
    info.column_lineage.push_back(std::move(out));
  }
  LINEAGED_ASSIGN_OR_RETURN(info.facets, FacetsOf(record.facets()));
  for (const SymlinkRecord& link : record.symlinks()) {
    info.symlinks.push_back(DatasetSymlink{{link.namespace_name(), link.name()}, link.type()});
  }
  return info;
}

absl::StatusOr<RunInfo> ModelReader::RunOf(const Uuid& run_id, const RunRecord& record) {
  RunInfo info;
  info.id = run_id;
  LINEAGED_ASSIGN_OR_RETURN(info.job, NodeName(record.job_node_id()));
  info.created_at_micros = record.created_at_micros();
  info.updated_at_micros = record.updated_at_micros();
  if (record.has_nominal_start_micros()) info.nominal_start_micros = record.nominal_start_micros();
  if (record.has_nominal_end_micros()) info.nominal_end_micros = record.nominal_end_micros();
  info.state = static_cast<RunState>(record.state());
  if (record.started_at_micros() != 0) info.started_at_micros = record.started_at_micros();
  if (record.ended_at_micros() != 0) info.ended_at_micros = record.ended_at_micros();
  if (info.started_at_micros && info.ended_at_micros) {
    info.duration_ms = (*info.ended_at_micros - *info.started_at_micros) / 1000;
  }
  if (!record.job_version().empty()) {
    info.job_version = JobVersionId{info.job, UuidOf(record.job_version())};
  }
  for (const auto* list : {&record.inputs(), &record.outputs()}) {
    std::vector<RunDatasetVersion>& out =
        list == &record.inputs() ? info.input_versions : info.output_versions;
    for (const RunDatasetRecord& entry : *list) {
      LINEAGED_ASSIGN_OR_RETURN(QualifiedName dataset, NodeName(entry.dataset_id()));
      LINEAGED_ASSIGN_OR_RETURN(std::vector<Facet> facets, FacetsOf(entry.facets()));
      out.push_back(RunDatasetVersion{DatasetVersionId{std::move(dataset), UuidOf(entry.version())},
                                      std::move(facets)});
    }
  }
  LINEAGED_ASSIGN_OR_RETURN(info.facets, FacetsOf(record.facets()));
  if (!record.parent_run_id().empty()) info.parent_run_id = UuidOf(record.parent_run_id());
  // Marquez's run args: nominal times and the parent run, as text.
  if (info.nominal_start_micros) {
    info.args.emplace_back("nominal_start_time", FormatIsoTimestamp(*info.nominal_start_micros));
  }
  if (info.nominal_end_micros) {
    info.args.emplace_back("nominal_end_time", FormatIsoTimestamp(*info.nominal_end_micros));
  }
  if (info.parent_run_id) {
    info.args.emplace_back("run_id", FormatUuid(*info.parent_run_id));
    info.args.emplace_back("name", record.parent_job_name());
    info.args.emplace_back("namespace", record.parent_job_namespace());
  }
  return info;
}

absl::StatusOr<std::optional<RunInfo>> ModelReader::LatestRun(const NodeRecord& job) {
  if (job.latest_run_id().size() != 16) return std::optional<RunInfo>();
  Uuid id = UuidOf(job.latest_run_id());
  LINEAGED_ASSIGN_OR_RETURN(const RunRecord* run, Run(id));
  if (run == nullptr) return std::optional<RunInfo>();
  LINEAGED_ASSIGN_OR_RETURN(RunInfo info, RunOf(id, *run));
  return std::optional<RunInfo>(std::move(info));
}

absl::StatusOr<RunState> ModelReader::LatestRunState(const NodeRecord& job) {
  if (job.latest_run_id().size() != 16) return RunState::kNew;
  const Uuid id = UuidOf(job.latest_run_id());
  if (auto it = runs_.find(id); it != runs_.end()) {
    return it->second != nullptr ? static_cast<RunState>(it->second->state()) : RunState::kNew;
  }
  // Read but not kept: a job list filtered by state asks this of every job.
  LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> bytes, Get(db_->graph(), RunKey(id)));
  if (!bytes) return RunState::kNew;
  RunRecord run;
  LINEAGED_RETURN_IF_ERROR(Parse(*bytes, &run));
  return static_cast<RunState>(run.state());
}

absl::Status ModelReader::JobIoNames(const NodeRecord& record, std::vector<QualifiedName>* inputs,
                                     std::vector<QualifiedName>* outputs) {
  for (auto [ids, names] : {std::pair(&record.current_inputs(), inputs),
                            std::pair(&record.current_outputs(), outputs)}) {
    for (uint64_t id : *ids) {
      LINEAGED_ASSIGN_OR_RETURN(QualifiedName name, NodeName(id));
      names->push_back(std::move(name));
    }
    std::sort(names->begin(), names->end());
  }
  return absl::OkStatus();
}

absl::StatusOr<JobInfo> ModelReader::Job(uint64_t id, const NodeRecord& record, JobDetail detail) {
  JobInfo info;
  info.name = NameOf(record);
  info.type = record.streaming() ? "STREAM" : "BATCH";
  info.simple_name = record.name();
  if (record.parent_job_id() != 0) {
    LINEAGED_ASSIGN_OR_RETURN(QualifiedName parent, NodeName(record.parent_job_id()));
    info.parent_job_name = parent.name;
    info.parent_job_uuid = NameUuidFromBytes(absl::StrCat(parent.namespace_name, ":", parent.name));
    std::string prefix = parent.name + ".";
    if (record.name().size() > prefix.size() && record.name().starts_with(prefix)) {
      info.simple_name = record.name().substr(prefix.size());
    }
  }
  if (record.latest_run_id().size() == 16) info.current_run_id = UuidOf(record.latest_run_id());
  info.created_at_micros = record.created_at_micros();
  info.updated_at_micros = record.updated_at_micros();
  LINEAGED_RETURN_IF_ERROR(JobIoNames(record, &info.inputs, &info.outputs));
  if (record.has_location()) info.location = record.location();
  if (record.has_description()) info.description = record.description();
  if (detail == JobDetail::kFull) {
    LINEAGED_ASSIGN_OR_RETURN(const std::vector<Uuid>* ids, LatestRunIds(id));
    for (const Uuid& run_id : *ids) {
      LINEAGED_ASSIGN_OR_RETURN(const RunRecord* run, Run(run_id));
      if (run == nullptr) continue;
      LINEAGED_ASSIGN_OR_RETURN(RunInfo run_info, RunOf(run_id, *run));
      info.latest_runs.push_back(std::move(run_info));
    }
  }
  // The latest run is nearly always the newest of latest_runs: copied, not read twice.
  for (const RunInfo& run : info.latest_runs) {
    if (info.current_run_id == run.id) {
      info.latest_run = run;
      break;
    }
  }
  if (!info.latest_run) {
    LINEAGED_ASSIGN_OR_RETURN(info.latest_run, LatestRun(record));
  }
  if (detail == JobDetail::kFull) {
    LINEAGED_ASSIGN_OR_RETURN(info.facets, FacetsOf(record.facets()));
  }
  if (!record.current_version().empty()) info.current_version = UuidOf(record.current_version());
  info.tags.assign(record.tags().begin(), record.tags().end());
  return info;
}

absl::StatusOr<DatasetVersionInfo> ModelReader::DatasetVersion(const NodeRecord& dataset,
                                                               const DatasetVersionRecord& record) {
  DatasetVersionInfo info;
  info.id = DatasetVersionId{NameOf(dataset), UuidOf(record.version())};
  info.physical_name = dataset.name();
  info.created_at_micros = record.created_at_micros();
  if (!record.source_name().empty()) info.source_name = record.source_name();
  info.fields = FieldsOf(record.fields(), &dataset);
  info.tags.assign(dataset.tags().begin(), dataset.tags().end());
  if (record.has_lifecycle_state()) info.lifecycle_state = record.lifecycle_state();
  if (record.has_description()) info.description = record.description();
  if (record.schema_version().size() == 16) info.schema_version = UuidOf(record.schema_version());
  if (record.run_id().size() == 16) {
    Uuid run_id = UuidOf(record.run_id());
    LINEAGED_ASSIGN_OR_RETURN(const RunRecord* run, Run(run_id));
    if (run != nullptr) {
      LINEAGED_ASSIGN_OR_RETURN(info.created_by_run, RunOf(run_id, *run));
    }
  }
  LINEAGED_ASSIGN_OR_RETURN(info.facets, FacetsOf(record.facets()));
  return info;
}

absl::StatusOr<JobVersionInfo> ModelReader::JobVersion(const NodeRecord& job,
                                                       const JobVersionRecord& record) {
  JobVersionInfo info;
  info.id = JobVersionId{NameOf(job), UuidOf(record.version())};
  info.created_at_micros = record.created_at_micros();
  info.updated_at_micros = record.updated_at_micros();
  if (record.has_location()) info.location = record.location();
  for (uint64_t input : record.inputs()) {
    LINEAGED_ASSIGN_OR_RETURN(QualifiedName name, NodeName(input));
    info.inputs.push_back(std::move(name));
  }
  for (uint64_t output : record.outputs()) {
    LINEAGED_ASSIGN_OR_RETURN(QualifiedName name, NodeName(output));
    info.outputs.push_back(std::move(name));
  }
  std::sort(info.inputs.begin(), info.inputs.end());
  std::sort(info.outputs.begin(), info.outputs.end());
  if (record.latest_run_id().size() == 16) {
    Uuid run_id = UuidOf(record.latest_run_id());
    LINEAGED_ASSIGN_OR_RETURN(const RunRecord* run, Run(run_id));
    if (run != nullptr) {
      LINEAGED_ASSIGN_OR_RETURN(info.latest_run, RunOf(run_id, *run));
    }
  }
  return info;
}

}  // namespace lineaged::graphstore::internal
