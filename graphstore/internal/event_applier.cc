#include "graphstore/internal/event_applier.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

#include "graphstore/base/status_macros.h"
#include "graphstore/base/strings.h"
#include "graphstore/base/uuid.h"
#include "graphstore/internal/key_codec.h"

namespace lineaged::graphstore::internal {
namespace {

std::string Bytes(const Uuid& uuid) {
  return std::string(reinterpret_cast<const char*>(uuid.data()), uuid.size());
}

Uuid ToUuid(std::string_view bytes) {
  Uuid uuid{};
  std::copy_n(bytes.begin(), std::min(bytes.size(), uuid.size()), uuid.begin());
  return uuid;
}

std::string IdValue(uint64_t id) {
  std::string value;
  AppendBigEndian64(&value, id);
  return value;
}

// Map fields serialise in hash order unless asked otherwise; with a fixed
// order equal records have equal bytes, so an unchanged record is recognised
// (and not rewritten) by comparing bytes.
std::string Serialize(const google::protobuf::MessageLite& record) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    record.SerializeToCodedStream(&coded);
  }
  return bytes;
}

template <typename Message>
absl::StatusOr<bool> ParseRecord(const std::optional<std::string>& bytes, Message* record) {
  if (!bytes) return false;
  if (!record->ParseFromString(*bytes)) return absl::DataLossError("unreadable graph record");
  return true;
}

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

bool Won(const std::vector<std::string_view>& won, std::string_view facet) {
  return std::find(won.begin(), won.end(), facet) != won.end();
}

bool FacetDeleted(const FacetEntries& entries, std::string_view name) {
  const FacetValue* value = FindFacet(entries, name);
  return value != nullptr && value->deleted();
}

// Replaces `fields` with `schema`, keeping the tags of fields that stay.
void ReplaceFields(google::protobuf::RepeatedPtrField<FieldRecord>* fields,
                   const std::vector<SchemaField>& schema) {
  std::map<std::string, std::vector<std::string>> tags;
  for (const FieldRecord& field : *fields) {
    tags[field.name()].assign(field.tags().begin(), field.tags().end());
  }
  fields->Clear();
  for (const SchemaField& in : schema) {
    FieldRecord* field = fields->Add();
    field->set_name(in.name);
    if (in.type) field->set_type(*in.type);
    if (in.description) field->set_description(*in.description);
    if (auto it = tags.find(in.name); it != tags.end()) {
      for (const std::string& tag : it->second) field->add_tags(tag);
    }
  }
}

std::string JoinFields(const google::protobuf::RepeatedPtrField<FieldRecord>& fields) {
  std::vector<std::string> parts;
  for (const FieldRecord& f : fields) {
    parts.push_back(
        absl::StrCat(f.name(), ":", absl::AsciiStrToUpper(f.type()), ":", f.description()));
  }
  std::sort(parts.begin(), parts.end());
  return absl::StrJoin(parts, "");
}

std::string SchemaVersion(const google::protobuf::RepeatedPtrField<FieldRecord>& fields) {
  std::vector<std::string> parts;
  for (const FieldRecord& f : fields) parts.push_back(absl::StrCat(f.name(), ":", f.type()));
  std::sort(parts.begin(), parts.end());
  return Bytes(NameUuidFromBytes(absl::StrJoin(parts, ",")));
}

std::vector<uint64_t> SortedUnique(std::vector<uint64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

void AddTag(google::protobuf::RepeatedPtrField<std::string>* tags, std::string_view tag, bool add) {
  auto it = std::find(tags->begin(), tags->end(), tag);
  if (add && it == tags->end()) {
    tags->Add(std::string(tag));
    std::sort(tags->begin(), tags->end());
  } else if (!add && it != tags->end()) {
    tags->erase(it);
  }
}

std::string NormalizeSourceUri(std::string_view uri) {
  if (uri.empty() || uri.find("://") != std::string_view::npos) return std::string(uri);
  return absl::StrCat("http://", AsAbsl(uri));  // a bare host, as Marquez stores it
}

// Loads the record of `version` (a dataset or job version by id) into
// `record`, with its key and stored bytes. False if there is none.
template <typename Record>
absl::StatusOr<bool> FindVersion(GroupBatch* batch, char id_prefix, char record_prefix,
                                 const std::string& version, Record* record,
                                 std::string* record_key, std::string* stored) {
  rocksdb::ColumnFamilyHandle* graph = batch->db()->graph();
  LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> location,
                            batch->Get(graph, UuidKey(id_prefix, ToUuid(version))));
  if (!location) return false;
  *record_key = NodeSequenceKey(record_prefix, DecodeBigEndian64(location->substr(0, 8)),
                                DecodeBigEndian64(location->substr(8, 8)));
  LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> bytes, batch->Get(graph, *record_key));
  LINEAGED_ASSIGN_OR_RETURN(bool found, ParseRecord(bytes, record));
  if (!found) return absl::DataLossError("a version index points at a missing version");
  *stored = std::move(*bytes);
  return true;
}

// Finds the record of `version` through the version index (`id_prefix`), or
// allocates the node's next version sequence and indexes it. Sets
// *record_key; returns whether the version existed (then *record is loaded).
template <typename Record>
absl::StatusOr<bool> LoadOrAllocateVersion(GroupBatch* batch, char id_prefix, char record_prefix,
                                           uint64_t node_id, NodeRecord* node,
                                           const std::string& version, Record* record,
                                           std::string* record_key, std::string* stored) {
  LINEAGED_ASSIGN_OR_RETURN(bool found, FindVersion(batch, id_prefix, record_prefix, version,
                                                    record, record_key, stored));
  if (found) return true;
  uint64_t seq = node->version_count();
  node->set_version_count(seq + 1);
  *record_key = NodeSequenceKey(record_prefix, node_id, seq);
  std::string where = IdValue(node_id);
  AppendBigEndian64(&where, seq);
  batch->Put(batch->db()->graph(), UuidKey(id_prefix, ToUuid(version)), std::move(where));
  record->set_version(version);
  return false;
}

}  // namespace

std::optional<ParsedNodeCache::Entry> ParsedNodeCache::Take(uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  std::optional<Entry> entry(std::move(it->second));
  bytes_ -= entry->stored.size() + kEntryOverhead;
  entries_.erase(it);
  return entry;
}

void ParsedNodeCache::Put(uint64_t id, Entry entry) {
  const size_t size = entry.stored.size() + kEntryOverhead;
  if (bytes_ + size > capacity_bytes_) Clear();
  auto [it, inserted] = entries_.try_emplace(id, std::move(entry));
  if (!inserted) {
    bytes_ -= it->second.stored.size() + kEntryOverhead;
    it->second = std::move(entry);
  }
  bytes_ += size;
}

void ParsedNodeCache::Clear() {
  entries_.clear();
  bytes_ = 0;
}

EventApplier::EventApplier(GroupBatch* batch, CountersRecord* counters,
                           ParsedNodeCache* parsed_nodes)
    : batch_(batch), counters_(counters), parsed_nodes_(parsed_nodes) {}

// --- facets -------------------------------------------------------------------

FacetDigest EventApplier::DigestFor(const Facet& facet) const {
  if (precomputed_ != nullptr) {
    if (auto it = precomputed_->find(&facet); it != precomputed_->end()) return it->second;
  }
  return DigestOfText(facet.json);
}

absl::StatusOr<FacetDigest> EventApplier::Intern(const Facet& facet) {
  FacetStore* store = batch_->facets();
  // A dataset's facets go into its node and its version: hash them once.
  auto [it, inserted] = digests_.try_emplace(&facet);
  if (inserted) {
    it->second = DigestFor(facet);
    LINEAGED_ASSIGN_OR_RETURN(bool stored, batch_->FacetStored(it->second));
    if (!stored) batch_->PutFacet(it->second, facet.json);
  }
  store->Touch(it->second);
  return it->second;
}

absl::StatusOr<std::vector<std::string_view>> EventApplier::MergeFacets(
    FacetEntries* entries, const std::vector<Facet>& facets, int64_t t) {
  std::vector<std::string_view> won;
  for (const Facet& facet : facets) {
    const FacetValue* existing = FindFacet(*entries, facet.name);
    if (existing != nullptr && existing->event_time_micros() > t) continue;
    FacetDigest digest{};
    if (!facet.deleted) {
      LINEAGED_ASSIGN_OR_RETURN(digest, Intern(facet));
    }
    FacetValue& value = *FindOrAddFacet(entries, facet.name);
    if (HasDigest(value) && DigestOf(value) != digest) batch_->facets()->CountDropped(1);
    SetDigest(digest, &value);
    value.set_deleted(facet.deleted);
    value.set_event_time_micros(t);
    won.push_back(facet.name);
  }
  return won;
}

void EventApplier::BeginFacetSweep() { batch_->facets()->BeginSweep(); }

void EventApplier::EndFacetSweep(const std::vector<FacetDigest>& unreferenced, uint64_t* deleted) {
  FacetStore* store = batch_->facets();
  for (const FacetDigest& digest : unreferenced) {
    if (store->Touched(digest)) continue;  // named again since the sweep's snapshot
    batch_->DeleteFacet(digest);
    ++*deleted;
  }
  store->EndSweep();
}

// --- nodes ------------------------------------------------------------------

absl::StatusOr<std::optional<uint64_t>> EventApplier::FindId(NodeRecord::Kind kind,
                                                             const QualifiedName& name) {
  char prefix = kind == NodeRecord::KIND_DATASET ? kDatasetNamePrefix : kJobNamePrefix;
  rocksdb::ColumnFamilyHandle* graph = batch_->db()->graph();
  LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> id,
                            batch_->Get(graph, NameIndexKey(prefix, name)));
  if (!id && kind == NodeRecord::KIND_DATASET) {
    LINEAGED_ASSIGN_OR_RETURN(id, batch_->Get(graph, NameIndexKey(kAliasPrefix, name)));
  }
  if (!id) return std::optional<uint64_t>();
  return std::optional<uint64_t>(DecodeBigEndian64(*id));
}

absl::StatusOr<EventApplier::Node*> EventApplier::LoadById(uint64_t id) {
  if (auto it = nodes_.find(id); it != nodes_.end()) return &it->second;
  Node node;
  node.id = id;
  if (parsed_nodes_ != nullptr) {
    if (std::optional<ParsedNodeCache::Entry> parsed = parsed_nodes_->Take(id)) {
      node.record = std::move(parsed->record);
      node.stored = std::move(parsed->stored);
      return &nodes_.emplace(id, std::move(node)).first->second;
    }
  }
  LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                            batch_->Get(batch_->db()->graph(), NodeKey(id)));
  LINEAGED_ASSIGN_OR_RETURN(bool found, ParseRecord(bytes, &node.record));
  if (!found) return absl::DataLossError("an index points at a missing node");
  node.stored = std::move(*bytes);
  return &nodes_.emplace(id, std::move(node)).first->second;
}

absl::StatusOr<EventApplier::Node*> EventApplier::LoadOrCreate(NodeRecord::Kind kind,
                                                               const QualifiedName& name,
                                                               int64_t t) {
  LINEAGED_ASSIGN_OR_RETURN(std::optional<uint64_t> id, FindId(kind, name));
  if (id) return LoadById(*id);
  const bool is_dataset = kind == NodeRecord::KIND_DATASET;
  LINEAGED_RETURN_IF_ERROR(
      TouchNamespace(name.namespace_name, t, is_dataset ? 1 : 0, is_dataset ? 0 : 1));
  if (counters_->next_node_id() == 0) counters_->set_next_node_id(1);
  Node node;
  node.id = counters_->next_node_id();
  counters_->set_next_node_id(node.id + 1);
  if (is_dataset) {
    counters_->set_datasets(counters_->datasets() + 1);
  } else {
    counters_->set_jobs(counters_->jobs() + 1);
  }
  node.created = true;
  node.is_new = true;
  node.record.set_kind(kind);
  node.record.set_namespace_name(name.namespace_name);
  node.record.set_name(name.name);
  node.record.set_created_at_micros(t);
  node.record.set_updated_at_micros(t);
  batch_->Put(batch_->db()->graph(),
              NameIndexKey(is_dataset ? kDatasetNamePrefix : kJobNamePrefix, name),
              IdValue(node.id));
  // The only place a name-index key is written: the search index learns of
  // new names from here (GroupBatch::created_names).
  batch_->NoteCreatedName(
      IndexedName{is_dataset ? NodeKind::kDataset : NodeKind::kJob, name, node.id});
  if (is_dataset) LINEAGED_RETURN_IF_ERROR(EnsureSource("default", "", t));
  return &nodes_.emplace(node.id, std::move(node)).first->second;
}

void EventApplier::Flush() {
  for (auto& [id, node] : nodes_) {
    std::string bytes = Serialize(node.record);
    const bool changed = node.is_new || bytes != node.stored;
    if (changed) batch_->Put(batch_->db()->graph(), NodeKey(id), bytes);
    if (parsed_nodes_ != nullptr) {
      parsed_nodes_->Put(
          id, ParsedNodeCache::Entry{std::move(node.record),
                                     changed ? std::move(bytes) : std::move(node.stored)});
    }
  }
  nodes_.clear();
}

absl::StatusOr<NamespaceRecord> EventApplier::LoadNamespace(std::string_view name, bool* exists) {
  NamespaceRecord record;
  LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                            batch_->Get(batch_->db()->graph(), NamespaceKey(name)));
  LINEAGED_ASSIGN_OR_RETURN(*exists, ParseRecord(bytes, &record));
  return record;
}

absl::Status EventApplier::TouchNamespace(std::string_view name, int64_t t,
                                          int visible_delta_datasets, int visible_delta_jobs) {
  bool exists = false;
  LINEAGED_ASSIGN_OR_RETURN(NamespaceRecord record, LoadNamespace(name, &exists));
  // Written only when something changes: not on every event naming it.
  bool dirty = !exists || record.hidden() || visible_delta_datasets != 0 || visible_delta_jobs != 0;
  if (!dirty) return absl::OkStatus();
  if (!exists) {
    record.set_created_at_micros(t);
    record.set_updated_at_micros(t);
    record.set_owner_name("anonymous");
  }
  record.set_hidden(false);
  record.set_visible_datasets(record.visible_datasets() + visible_delta_datasets);
  record.set_visible_jobs(record.visible_jobs() + visible_delta_jobs);
  batch_->Put(batch_->db()->graph(), NamespaceKey(name), record.SerializeAsString());
  return absl::OkStatus();
}

absl::Status EventApplier::Unhide(Node* node, int64_t t) {
  const bool is_dataset = node->record.kind() == NodeRecord::KIND_DATASET;
  if (node->created) return absl::OkStatus();  // counted by LoadOrCreate
  if (!node->record.hidden()) {
    // Any event naming the namespace un-hides it (Marquez).
    return TouchNamespace(node->record.namespace_name(), t, 0, 0);
  }
  node->record.set_hidden(false);
  if (is_dataset) {
    counters_->set_hidden_datasets(counters_->hidden_datasets() - 1);
  } else {
    counters_->set_hidden_jobs(counters_->hidden_jobs() - 1);
  }
  return TouchNamespace(node->record.namespace_name(), t, is_dataset ? 1 : 0, is_dataset ? 0 : 1);
}

absl::Status EventApplier::SetHidden(Node* node) {
  if (node->record.hidden()) return absl::OkStatus();
  const bool is_dataset = node->record.kind() == NodeRecord::KIND_DATASET;
  node->record.set_hidden(true);
  if (is_dataset) {
    counters_->set_hidden_datasets(counters_->hidden_datasets() + 1);
  } else {
    counters_->set_hidden_jobs(counters_->hidden_jobs() + 1);
  }
  bool exists = false;
  LINEAGED_ASSIGN_OR_RETURN(NamespaceRecord ns,
                            LoadNamespace(node->record.namespace_name(), &exists));
  if (!exists) return absl::OkStatus();
  if (is_dataset) {
    ns.set_visible_datasets(ns.visible_datasets() - 1);
  } else {
    ns.set_visible_jobs(ns.visible_jobs() - 1);
  }
  batch_->Put(batch_->db()->graph(), NamespaceKey(node->record.namespace_name()),
              ns.SerializeAsString());
  return absl::OkStatus();
}

// --- datasets ---------------------------------------------------------------

absl::Status EventApplier::EnsureSource(std::string_view name, std::string_view uri, int64_t t) {
  std::string key = NamedKey(kSourcePrefix, name);
  rocksdb::ColumnFamilyHandle* graph = batch_->db()->graph();
  LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> bytes, batch_->Get(graph, key));
  SourceRecord record;
  LINEAGED_ASSIGN_OR_RETURN(bool exists, ParseRecord(bytes, &record));
  std::string url = NormalizeSourceUri(uri);
  if (exists && (record.connection_url() == url || url.empty()) &&
      t <= record.updated_at_micros()) {
    return absl::OkStatus();
  }
  if (!exists) {
    record.set_created_at_micros(t);
    record.set_type("POSTGRESQL");  // what Marquez records for every ingested source
  }
  record.set_updated_at_micros(std::max(record.updated_at_micros(), t));
  if (!url.empty()) record.set_connection_url(url);
  batch_->Put(graph, key, record.SerializeAsString());
  return absl::OkStatus();
}

absl::Status EventApplier::ApplyDatasetMention(Node* dataset, const DatasetMention& mention,
                                               int64_t t) {
  NodeRecord& record = dataset->record;
  LINEAGED_RETURN_IF_ERROR(Unhide(dataset, t));
  record.set_updated_at_micros(std::max(record.updated_at_micros(), t));
  record.set_created_at_micros(std::min(record.created_at_micros(), t));
  LINEAGED_ASSIGN_OR_RETURN(std::vector<std::string_view> won,
                            MergeFacets(record.mutable_facets(), mention.facets, t));
  auto wins = [&](std::string_view facet) { return Won(won, facet); };
  if (wins("schema")) {
    if (mention.schema) {
      ReplaceFields(record.mutable_fields(), *mention.schema);
    } else if (FacetDeleted(record.facets(), "schema")) {
      record.clear_fields();
    }
  }
  if (wins("documentation")) {
    if (mention.description) {
      record.set_description(*mention.description);
    } else if (FacetDeleted(record.facets(), "documentation")) {
      record.clear_description();
    }
  }
  if (wins("dataSource") && mention.source_name) {
    record.set_source_name(*mention.source_name);
    LINEAGED_RETURN_IF_ERROR(
        EnsureSource(*mention.source_name, mention.source_uri.value_or(""), t));
  }
  if (wins("lifecycleStateChange") && mention.lifecycle_state) {
    record.set_lifecycle_state(*mention.lifecycle_state);
  }
  if (wins("symlinks")) {
    record.clear_symlinks();
    for (const DatasetSymlink& link : mention.symlinks) {
      SymlinkRecord* out = record.add_symlinks();
      out->set_namespace_name(link.name.namespace_name);
      out->set_name(link.name.name);
      out->set_type(link.type);
      if (link.name == QualifiedName{record.namespace_name(), record.name()}) continue;
      LINEAGED_RETURN_IF_ERROR(TouchNamespace(link.name.namespace_name, t, 0, 0));
      // First writer wins: an alias already naming a dataset stays with it.
      LINEAGED_ASSIGN_OR_RETURN(std::optional<uint64_t> existing,
                                FindId(NodeRecord::KIND_DATASET, link.name));
      if (!existing) {
        batch_->Put(batch_->db()->graph(), NameIndexKey(kAliasPrefix, link.name),
                    IdValue(dataset->id));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> EventApplier::InputVersion(Node* dataset, const DatasetMention& mention,
                                                       int64_t t) {
  if (!dataset->record.current_version().empty()) return dataset->record.current_version();
  LINEAGED_ASSIGN_OR_RETURN(std::string version, OutputVersion(dataset, mention, "", t));
  dataset->record.set_current_version(version);
  dataset->record.set_current_version_time_micros(t);
  return version;
}

absl::StatusOr<std::string> EventApplier::OutputVersion(Node* dataset,
                                                        const DatasetMention& mention,
                                                        const std::string& run_id, int64_t t) {
  const NodeRecord& node = dataset->record;
  // The fields of this write: the event's schema, else the dataset's.
  google::protobuf::RepeatedPtrField<FieldRecord> fields = node.fields();
  if (mention.schema) ReplaceFields(&fields, *mention.schema);
  std::string source = node.source_name().empty() ? "default" : node.source_name();
  std::string lifecycle = mention.lifecycle_state.value_or(node.lifecycle_state());
  // Marquez's version formula: the run is part of it, so every run that
  // writes a dataset makes a new version.
  std::string version = Bytes(NameUuidFromBytes(
      absl::StrJoin({node.namespace_name(), source, node.name(), node.name(), JoinFields(fields),
                     lifecycle, run_id.empty() ? std::string() : FormatUuid(ToUuid(run_id))},
                    ":")));

  rocksdb::ColumnFamilyHandle* graph = batch_->db()->graph();
  DatasetVersionRecord record;
  std::string record_key, stored;
  LINEAGED_ASSIGN_OR_RETURN(
      bool existed,
      LoadOrAllocateVersion(batch_, kDatasetVersionIdPrefix, kDatasetVersionPrefix, dataset->id,
                            &dataset->record, version, &record, &record_key, &stored));
  if (existed) {
    if (mention.facets.empty()) return version;
  } else {
    record.set_created_at_micros(t);
    *record.mutable_fields() = fields;
    if (!lifecycle.empty()) record.set_lifecycle_state(lifecycle);
    record.set_run_id(run_id);
    record.set_source_name(source);
    if (node.has_description()) record.set_description(node.description());
    record.set_schema_version(SchemaVersion(fields));
  }
  record.set_created_at_micros(std::min(record.created_at_micros(), t));
  LINEAGED_RETURN_IF_ERROR(MergeFacets(record.mutable_facets(), mention.facets, t).status());
  std::string bytes = Serialize(record);
  if (!existed || bytes != stored) batch_->Put(graph, record_key, std::move(bytes));
  return version;
}

absl::Status EventApplier::SetColumnLineage(Node* dataset, const DatasetMention& mention,
                                            const std::vector<uint64_t>& run_inputs,
                                            const std::string& version) {
  NodeRecord& record = dataset->record;
  // The output column must be in the dataset's schema, and each input column
  // in the schema of a dataset this run read (as Marquez records it).
  std::set<std::string> output_fields;
  for (const FieldRecord& f : record.fields()) output_fields.insert(f.name());
  std::map<QualifiedName, std::pair<uint64_t, std::set<std::string>>> inputs;
  for (uint64_t id : run_inputs) {
    LINEAGED_ASSIGN_OR_RETURN(Node * input, LoadById(id));
    std::set<std::string> fields;
    for (const FieldRecord& f : input->record.fields()) fields.insert(f.name());
    QualifiedName name{input->record.namespace_name(), input->record.name()};
    inputs[name] = {id, std::move(fields)};
  }
  google::protobuf::RepeatedPtrField<ColumnLineageRecord> next;
  std::set<std::string> next_keys;
  for (const ColumnLineageField& column : mention.column_lineage) {
    if (!output_fields.count(column.field)) continue;
    ColumnLineageRecord out;
    out.set_field(column.field);
    out.set_transformation_description(column.transformation_description);
    out.set_transformation_type(column.transformation_type);
    for (const ColumnLineageInputField& in : column.inputs) {
      auto it = inputs.find(in.dataset);
      if (it == inputs.end() || !it->second.second.count(in.field)) continue;
      ColumnInputRecord* input = out.add_inputs();
      input->set_namespace_name(in.dataset.namespace_name);
      input->set_dataset(in.dataset.name);
      input->set_field(in.field);
      input->set_transformation_description(in.transformation_description);
      input->set_transformation_type(in.transformation_type);
      next_keys.insert(ColumnEdgeKey(it->second.first, in.field, dataset->id, column.field));
    }
    if (out.inputs_size() > 0) *next.Add() = std::move(out);
  }
  // Rewrite the reverse index (input column -> output column) by difference.
  rocksdb::ColumnFamilyHandle* graph = batch_->db()->graph();
  for (const ColumnLineageRecord& old : record.column_lineage()) {
    for (const ColumnInputRecord& in : old.inputs()) {
      LINEAGED_ASSIGN_OR_RETURN(
          std::optional<uint64_t> id,
          FindId(NodeRecord::KIND_DATASET, QualifiedName{in.namespace_name(), in.dataset()}));
      if (!id) continue;
      std::string key = ColumnEdgeKey(*id, in.field(), dataset->id, old.field());
      if (!next_keys.erase(key)) batch_->Delete(graph, key);
    }
  }
  for (const std::string& key : next_keys) batch_->Put(graph, key, "");

  // A write that changes the column lineage keeps a copy in the version it
  // made, for column lineage as of a version (the newest such version at or
  // before it). Unchanged lineage is not copied again once a version has it
  // (a store from before these copies makes one at the next write).
  const bool changed = next.size() != record.column_lineage().size() ||
                       !std::equal(next.begin(), next.end(), record.column_lineage().begin(),
                                   [](const ColumnLineageRecord& a, const ColumnLineageRecord& b) {
                                     return a.SerializeAsString() == b.SerializeAsString();
                                   });
  if (changed || !record.column_lineage_in_versions()) {
    DatasetVersionRecord written;
    std::string written_key, stored;
    LINEAGED_ASSIGN_OR_RETURN(
        bool found, FindVersion(batch_, kDatasetVersionIdPrefix, kDatasetVersionPrefix, version,
                                &written, &written_key, &stored));
    if (!found) return absl::DataLossError("column lineage for a version that is not stored");
    *written.mutable_column_lineage() = next;
    written.set_has_column_lineage(true);
    std::string bytes = Serialize(written);
    if (bytes != stored) batch_->Put(graph, written_key, std::move(bytes));
    record.set_column_lineage_in_versions(true);
  }

  *record.mutable_column_lineage() = std::move(next);
  return absl::OkStatus();
}

// --- jobs and runs ----------------------------------------------------------

absl::Status EventApplier::ApplyJobMention(Node* job, const JobMention& mention, int64_t t) {
  NodeRecord& record = job->record;
  record.set_updated_at_micros(std::max(record.updated_at_micros(), t));
  record.set_created_at_micros(std::min(record.created_at_micros(), t));
  LINEAGED_ASSIGN_OR_RETURN(std::vector<std::string_view> won,
                            MergeFacets(record.mutable_facets(), mention.facets, t));
  if (Won(won, "jobType") && mention.streaming) record.set_streaming(*mention.streaming);
  if (Won(won, "sourceCodeLocation")) {
    if (mention.location) {
      record.set_location(*mention.location);
    } else if (FacetDeleted(record.facets(), "sourceCodeLocation")) {
      record.clear_location();
    }
  }
  if (Won(won, "documentation")) {
    if (mention.description) {
      record.set_description(*mention.description);
    } else if (FacetDeleted(record.facets(), "documentation")) {
      record.clear_description();
    }
  }
  return absl::OkStatus();
}

absl::Status EventApplier::SetJobIo(Node* job, std::vector<uint64_t> inputs,
                                    std::vector<uint64_t> outputs) {
  inputs = SortedUnique(std::move(inputs));
  outputs = SortedUnique(std::move(outputs));
  NodeRecord& record = job->record;
  std::vector<uint64_t> old_inputs(record.current_inputs().begin(), record.current_inputs().end());
  std::vector<uint64_t> old_outputs(record.current_outputs().begin(),
                                    record.current_outputs().end());
  if (old_inputs == inputs && old_outputs == outputs) return absl::OkStatus();
  // Edges: dataset -> job for inputs (the job consumes it), job -> dataset
  // for outputs (the job produces it), kept in each dataset's adjacency.
  auto rewrite = [&](const std::vector<uint64_t>& before, const std::vector<uint64_t>& after,
                     bool is_input) -> absl::Status {
    std::vector<uint64_t> removed, added;
    std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                        std::back_inserter(removed));
    std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                        std::back_inserter(added));
    for (uint64_t dataset : removed) {
      LINEAGED_RETURN_IF_ERROR(EditAdjacency(dataset, job->id, /*producer=*/!is_input, false));
    }
    for (uint64_t dataset : added) {
      LINEAGED_RETURN_IF_ERROR(EditAdjacency(dataset, job->id, /*producer=*/!is_input, true));
    }
    counters_->set_edges(counters_->edges() + added.size() - removed.size());
    return absl::OkStatus();
  };
  LINEAGED_RETURN_IF_ERROR(rewrite(old_inputs, inputs, true));
  LINEAGED_RETURN_IF_ERROR(rewrite(old_outputs, outputs, false));
  record.mutable_current_inputs()->Assign(inputs.begin(), inputs.end());
  record.mutable_current_outputs()->Assign(outputs.begin(), outputs.end());
  return absl::OkStatus();
}

absl::Status EventApplier::EditAdjacency(uint64_t dataset, uint64_t job, bool producer, bool add) {
  rocksdb::ColumnFamilyHandle* graph = batch_->db()->graph();
  const std::string key = AdjacencyKey(dataset);
  LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> bytes, batch_->Get(graph, key));
  AdjacencyRecord record;
  LINEAGED_RETURN_IF_ERROR(ParseRecord(bytes, &record).status());
  google::protobuf::RepeatedField<uint64_t>* jobs =
      producer ? record.mutable_producers() : record.mutable_consumers();
  const auto at = std::lower_bound(jobs->begin(), jobs->end(), job) - jobs->begin();
  const bool present = at != jobs->size() && jobs->Get(at) == job;
  if (add == present) return absl::OkStatus();
  if (add) {
    jobs->Add(job);  // then rotated into place: the ids stay ascending
    std::rotate(jobs->begin() + at, jobs->end() - 1, jobs->end());
  } else {
    jobs->erase(jobs->begin() + at);
  }
  if (record.producers().empty() && record.consumers().empty()) {
    batch_->Delete(graph, key);
  } else {
    batch_->Put(graph, key, Serialize(record));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> EventApplier::UpsertJobVersion(Node* job,
                                                           const std::vector<uint64_t>& inputs,
                                                           const std::vector<uint64_t>& outputs,
                                                           const std::string& run_id, int64_t t) {
  auto names = [&](const std::vector<uint64_t>& ids) -> absl::StatusOr<std::string> {
    std::vector<std::string> parts;
    for (uint64_t id : SortedUnique(ids)) {
      LINEAGED_ASSIGN_OR_RETURN(Node * dataset, LoadById(id));
      parts.push_back(absl::StrCat(dataset->record.namespace_name(), ":", dataset->record.name()));
    }
    std::sort(parts.begin(), parts.end());
    return absl::StrJoin(parts, ":");
  };
  LINEAGED_ASSIGN_OR_RETURN(std::string input_names, names(inputs));
  LINEAGED_ASSIGN_OR_RETURN(std::string output_names, names(outputs));
  const NodeRecord& node = job->record;
  // Marquez's job version: namespace, name, sorted IO and location; not the
  // run, so runs with the same IO and code share a version.
  std::string version = Bytes(NameUuidFromBytes(absl::StrJoin(
      {node.namespace_name(), node.name(), input_names, output_names, node.location()}, ":")));

  rocksdb::ColumnFamilyHandle* graph = batch_->db()->graph();
  JobVersionRecord record;
  std::string record_key, stored;
  LINEAGED_ASSIGN_OR_RETURN(
      bool existed, LoadOrAllocateVersion(batch_, kJobVersionIdPrefix, kJobVersionPrefix, job->id,
                                          &job->record, version, &record, &record_key, &stored));
  if (!existed) {
    record.set_created_at_micros(t);
    record.set_updated_at_micros(t);
    if (node.has_location()) record.set_location(node.location());
    std::vector<uint64_t> in = SortedUnique(inputs), out = SortedUnique(outputs);
    record.mutable_inputs()->Assign(in.begin(), in.end());
    record.mutable_outputs()->Assign(out.begin(), out.end());
  }
  record.set_created_at_micros(std::min(record.created_at_micros(), t));
  record.set_updated_at_micros(std::max(record.updated_at_micros(), t));
  if (!run_id.empty() && (record.latest_run_id().empty() || t >= record.latest_run_time_micros())) {
    record.set_latest_run_id(run_id);
    record.set_latest_run_time_micros(t);
  }
  std::string bytes = Serialize(record);
  if (!existed || bytes != stored) batch_->Put(graph, record_key, std::move(bytes));
  return version;
}

void EventApplier::IndexRun(uint64_t job_id, const Uuid& run_id, RunRecord* run) {
  int64_t sort_time = run->started_at_micros();
  if (run->indexed() && run->indexed_sort_time() == sort_time) return;
  rocksdb::ColumnFamilyHandle* graph = batch_->db()->graph();
  if (run->indexed()) batch_->Delete(graph, RunListKey(job_id, run->indexed_sort_time(), run_id));
  batch_->Put(graph, RunListKey(job_id, sort_time, run_id), "");
  run->set_indexed(true);
  run->set_indexed_sort_time(sort_time);
}

void EventApplier::CountRunState(int32_t before, int32_t after) {
  if (before == after) return;
  auto* by_state = counters_->mutable_runs_by_state();
  while (by_state->size() <= static_cast<int>(RunState::kFailed)) by_state->Add(0);
  if (before >= 0) by_state->Set(before, by_state->Get(before) - 1);
  by_state->Set(after, by_state->Get(after) + 1);
}

absl::Status EventApplier::EnsureParent(const Event& event, Node* job) {
  const ParentRunRef& parent = *event.run_mention.parent;
  QualifiedName parent_job = parent.job;
  if (parent_job == event.job) {
    // Airflow style "dag.task" naming itself as parent: the parent is "dag".
    size_t dot = parent_job.name.rfind('.');
    if (dot == std::string::npos) return absl::OkStatus();
    parent_job.name.resize(dot);
  }
  const int64_t t = event.event_time_micros;
  LINEAGED_ASSIGN_OR_RETURN(Node * parent_node, LoadOrCreate(NodeRecord::KIND_JOB, parent_job, t));
  if (parent_node->id == job->id) return absl::OkStatus();
  job->record.set_parent_job_id(parent_node->id);
  if (parent_node->created) return absl::OkStatus();
  parent_node->record.set_updated_at_micros(std::max(parent_node->record.updated_at_micros(), t));

  // A parent run not seen yet is created, as Marquez does, so the child's
  // parent link resolves; its own events fill it in later.
  rocksdb::ColumnFamilyHandle* graph = batch_->db()->graph();
  std::string key = RunKey(parent.run_id);
  LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> bytes, batch_->Get(graph, key));
  if (bytes) return absl::OkStatus();
  RunRecord run;
  run.set_job_node_id(parent_node->id);
  run.set_created_at_micros(t);
  run.set_updated_at_micros(t);
  counters_->set_runs(counters_->runs() + 1);
  CountRunState(-1, static_cast<int32_t>(RunState::kNew));
  IndexRun(parent_node->id, parent.run_id, &run);
  parent_node->record.set_run_count(parent_node->record.run_count() + 1);
  if (parent_node->record.latest_run_id().empty()) {
    parent_node->record.set_latest_run_id(Bytes(parent.run_id));
    parent_node->record.set_latest_run_created_at_micros(t);
  }
  batch_->Put(graph, key, run.SerializeAsString());
  batch_->NoteRunOfJob(parent_node->id);
  return absl::OkStatus();
}

absl::Status EventApplier::ApplyRun(const Event& event, Node* job) {
  const int64_t t = event.event_time_micros;
  rocksdb::ColumnFamilyHandle* graph = batch_->db()->graph();
  const std::string run_id = Bytes(event.run_id);
  const std::string run_key = RunKey(event.run_id);
  LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> run_bytes, batch_->Get(graph, run_key));
  RunRecord run;
  LINEAGED_ASSIGN_OR_RETURN(bool run_exists, ParseRecord(run_bytes, &run));
  if (!run_exists) {
    run.set_job_node_id(job->id);
    counters_->set_runs(counters_->runs() + 1);
    job->record.set_run_count(job->record.run_count() + 1);
  } else if (run.job_node_id() != job->id) {
    // A run created as a parent placeholder under a guessed job, or a runId
    // reused by another job: the run follows the job its own events name.
    if (run.indexed()) {
      batch_->Delete(graph, RunListKey(run.job_node_id(), run.indexed_sort_time(), event.run_id));
      run.set_indexed(false);
    }
    LINEAGED_ASSIGN_OR_RETURN(Node * previous, LoadById(run.job_node_id()));
    previous->record.set_run_count(previous->record.run_count() - 1);
    run.set_job_node_id(job->id);
    job->record.set_run_count(job->record.run_count() + 1);
  }
  const int32_t state_before = run_exists ? run.state() : -1;
  FoldRunEvent(&run, event.event_type, t, !run_exists);
  CountRunState(state_before, run.state());
  const RunMention& mention = event.run_mention;
  if (mention.nominal_start_micros) run.set_nominal_start_micros(*mention.nominal_start_micros);
  if (mention.nominal_end_micros) run.set_nominal_end_micros(*mention.nominal_end_micros);
  if (mention.parent) {
    run.set_parent_run_id(Bytes(mention.parent->run_id));
    run.set_parent_job_namespace(mention.parent->job.namespace_name);
    run.set_parent_job_name(mention.parent->job.name);
  }
  LINEAGED_RETURN_IF_ERROR(MergeFacets(run.mutable_facets(), mention.facets, t).status());
  LINEAGED_RETURN_IF_ERROR(
      MergeFacets(run.mutable_job_facets(), event.job_mention.facets, t).status());
  IndexRun(job->id, event.run_id, &run);

  if (job->record.latest_run_id() == run_id) {
    job->record.set_latest_run_created_at_micros(run.created_at_micros());
  } else if (job->record.latest_run_id().empty() ||
             run.created_at_micros() >= job->record.latest_run_created_at_micros()) {
    job->record.set_latest_run_id(run_id);
    job->record.set_latest_run_created_at_micros(run.created_at_micros());
  }

  const bool completes = event.event_type == RunEventType::kComplete;
  for (const DatasetMention& input : event.inputs) {
    LINEAGED_ASSIGN_OR_RETURN(Node * dataset,
                              LoadOrCreate(NodeRecord::KIND_DATASET, input.name, t));
    LINEAGED_RETURN_IF_ERROR(ApplyDatasetMention(dataset, input, t));
    LINEAGED_ASSIGN_OR_RETURN(std::string version, InputVersion(dataset, input, t));
    RunDatasetRecord* entry = nullptr;
    for (RunDatasetRecord& existing : *run.mutable_inputs()) {
      if (existing.dataset_id() == dataset->id) entry = &existing;
    }
    if (entry == nullptr) {
      entry = run.add_inputs();
      entry->set_dataset_id(dataset->id);
      entry->set_version(version);
    }
    LINEAGED_RETURN_IF_ERROR(MergeFacets(entry->mutable_facets(), input.io_facets, t).status());
  }
  std::vector<uint64_t> run_inputs;
  for (const RunDatasetRecord& in : run.inputs()) run_inputs.push_back(in.dataset_id());
  for (const DatasetMention& output : event.outputs) {
    LINEAGED_ASSIGN_OR_RETURN(Node * dataset,
                              LoadOrCreate(NodeRecord::KIND_DATASET, output.name, t));
    LINEAGED_RETURN_IF_ERROR(ApplyDatasetMention(dataset, output, t));
    LINEAGED_ASSIGN_OR_RETURN(std::string version, OutputVersion(dataset, output, run_id, t));
    RunDatasetRecord* entry = nullptr;
    for (RunDatasetRecord& existing : *run.mutable_outputs()) {
      if (existing.dataset_id() == dataset->id && existing.version() == version) {
        entry = &existing;
      }
    }
    if (entry == nullptr) {
      entry = run.add_outputs();
      entry->set_dataset_id(dataset->id);
      entry->set_version(version);
    }
    LINEAGED_RETURN_IF_ERROR(MergeFacets(entry->mutable_facets(), output.io_facets, t).status());
    const FacetValue* column_facet = FindFacet(dataset->record.facets(), "columnLineage");
    if (!output.column_lineage.empty() && column_facet != nullptr &&
        column_facet->event_time_micros() == t) {
      LINEAGED_RETURN_IF_ERROR(SetColumnLineage(dataset, output, run_inputs, version));
    }
    if (completes && t > dataset->record.last_modified_at_micros()) {
      dataset->record.set_last_modified_at_micros(t);
    }
  }

  std::vector<uint64_t> run_outputs;
  for (const RunDatasetRecord& out : run.outputs()) run_outputs.push_back(out.dataset_id());
  const bool streaming = job->record.streaming();
  const bool finished = IsTerminal(static_cast<RunState>(run.state())) &&
                        StateFor(event.event_type).has_value() &&
                        IsTerminal(*StateFor(event.event_type));
  if (finished || (streaming && !(run_inputs.empty() && run_outputs.empty()))) {
    LINEAGED_ASSIGN_OR_RETURN(std::string version,
                              UpsertJobVersion(job, run_inputs, run_outputs, run_id, t));
    run.set_job_version(version);
    // The newest finished run decides the job's current IO (a late event of
    // an older run does not).
    if (!job->record.io_final() || t >= job->record.current_io_time_micros()) {
      job->record.set_current_version(version);
      job->record.set_io_final(true);
      job->record.set_current_io_time_micros(t);
      LINEAGED_RETURN_IF_ERROR(SetJobIo(job, run_inputs, run_outputs));
    }
    if (completes || streaming) {
      for (const RunDatasetRecord& out : run.outputs()) {
        LINEAGED_ASSIGN_OR_RETURN(Node * dataset, LoadById(out.dataset_id()));
        if (t >= dataset->record.current_version_time_micros()) {
          dataset->record.set_current_version(out.version());
          dataset->record.set_current_version_time_micros(t);
        }
      }
    }
  } else if (!job->record.io_final()) {
    // Before its first finished run a job shows the IO its runs have shown.
    std::vector<uint64_t> inputs(job->record.current_inputs().begin(),
                                 job->record.current_inputs().end());
    std::vector<uint64_t> outputs(job->record.current_outputs().begin(),
                                  job->record.current_outputs().end());
    inputs.insert(inputs.end(), run_inputs.begin(), run_inputs.end());
    outputs.insert(outputs.end(), run_outputs.begin(), run_outputs.end());
    LINEAGED_RETURN_IF_ERROR(SetJobIo(job, std::move(inputs), std::move(outputs)));
  }
  std::string bytes = Serialize(run);
  if (!run_bytes || bytes != *run_bytes) {
    batch_->Put(graph, run_key, std::move(bytes));
    batch_->NoteRunOfJob(job->id);
  }
  return absl::OkStatus();
}

absl::Status EventApplier::Apply(const Event& event) {
  const int64_t t = event.event_time_micros;
  for (auto& [id, node] : nodes_) node.created = false;  // by an earlier event
  if (event.kind == EventKind::kDataset) {
    LINEAGED_ASSIGN_OR_RETURN(Node * dataset,
                              LoadOrCreate(NodeRecord::KIND_DATASET, event.dataset.name, t));
    LINEAGED_RETURN_IF_ERROR(ApplyDatasetMention(dataset, event.dataset, t));
    LINEAGED_ASSIGN_OR_RETURN(std::string version, OutputVersion(dataset, event.dataset, "", t));
    if (t >= dataset->record.current_version_time_micros()) {
      dataset->record.set_current_version(version);
      dataset->record.set_current_version_time_micros(t);
    }
    return absl::OkStatus();
  }

  LINEAGED_ASSIGN_OR_RETURN(Node * job, LoadOrCreate(NodeRecord::KIND_JOB, event.job, t));
  LINEAGED_RETURN_IF_ERROR(Unhide(job, t));
  LINEAGED_RETURN_IF_ERROR(ApplyJobMention(job, event.job_mention, t));
  if (event.kind == EventKind::kRun) {
    if (event.run_mention.parent) LINEAGED_RETURN_IF_ERROR(EnsureParent(event, job));
    LINEAGED_RETURN_IF_ERROR(ApplyRun(event, job));
    return absl::OkStatus();
  }

  // JobEvent: static lineage, current at once.
  std::vector<uint64_t> inputs, outputs;
  std::vector<std::string> output_versions;
  for (const DatasetMention& input : event.inputs) {
    LINEAGED_ASSIGN_OR_RETURN(Node * dataset,
                              LoadOrCreate(NodeRecord::KIND_DATASET, input.name, t));
    LINEAGED_RETURN_IF_ERROR(ApplyDatasetMention(dataset, input, t));
    LINEAGED_RETURN_IF_ERROR(InputVersion(dataset, input, t).status());
    inputs.push_back(dataset->id);
  }
  for (const DatasetMention& output : event.outputs) {
    LINEAGED_ASSIGN_OR_RETURN(Node * dataset,
                              LoadOrCreate(NodeRecord::KIND_DATASET, output.name, t));
    LINEAGED_RETURN_IF_ERROR(ApplyDatasetMention(dataset, output, t));
    LINEAGED_ASSIGN_OR_RETURN(std::string version, OutputVersion(dataset, output, "", t));
    if (t >= dataset->record.current_version_time_micros()) {
      dataset->record.set_current_version(version);
      dataset->record.set_current_version_time_micros(t);
    }
    outputs.push_back(dataset->id);
    output_versions.push_back(std::move(version));
  }
  for (size_t i = 0; i < event.outputs.size(); ++i) {
    if (event.outputs[i].column_lineage.empty()) continue;
    LINEAGED_ASSIGN_OR_RETURN(Node * dataset, LoadById(outputs[i]));
    LINEAGED_RETURN_IF_ERROR(
        SetColumnLineage(dataset, event.outputs[i], inputs, output_versions[i]));
  }
  if (!job->record.io_final() || t >= job->record.current_io_time_micros()) {
    LINEAGED_ASSIGN_OR_RETURN(std::string version, UpsertJobVersion(job, inputs, outputs, "", t));
    job->record.set_current_version(version);
    job->record.set_io_final(true);
    job->record.set_current_io_time_micros(t);
    LINEAGED_RETURN_IF_ERROR(SetJobIo(job, inputs, outputs));
  }
  return absl::OkStatus();
}

// --- admin changes ------------------------------------------------------------

absl::Status EventApplier::PutNamespace(std::string_view name, std::string_view owner_name,
                                        const std::optional<std::string>& description,
                                        int64_t now) {
  bool exists = false;
  LINEAGED_ASSIGN_OR_RETURN(NamespaceRecord record, LoadNamespace(name, &exists));
  if (!exists) record.set_created_at_micros(now);
  record.set_updated_at_micros(std::max(record.updated_at_micros(), now));
  record.set_owner_name(std::string(owner_name));
  if (description) {
    record.set_description(*description);
  } else {
    record.clear_description();
  }
  record.set_hidden(false);
  batch_->Put(batch_->db()->graph(), NamespaceKey(name), record.SerializeAsString());
  return absl::OkStatus();
}

absl::Status EventApplier::HideNamespace(std::string_view name) {
  bool exists = false;
  LINEAGED_ASSIGN_OR_RETURN(NamespaceRecord record, LoadNamespace(name, &exists));
  if (!exists) {
    return absl::NotFoundError(absl::StrCat("Namespace '", AsAbsl(name), "' not found."));
  }
  // Hide every dataset and job of the namespace: scan both name indexes.
  Database* db = batch_->db();
  for (char prefix : {kDatasetNamePrefix, kJobNamePrefix}) {
    std::string start(1, prefix);
    AppendOrderedString(&start, name);
    std::unique_ptr<rocksdb::Iterator> it(
        db->db()->NewIterator(rocksdb::ReadOptions(), db->graph()));
    std::vector<uint64_t> ids;
    for (it->Seek(start); it->Valid() && it->key().starts_with(start); it->Next()) {
      ids.push_back(DecodeBigEndian64(it->value().ToStringView()));
    }
    if (!it->status().ok()) return absl::InternalError(it->status().ToString());
    for (uint64_t id : ids) {
      LINEAGED_ASSIGN_OR_RETURN(Node * node, LoadById(id));
      LINEAGED_RETURN_IF_ERROR(SetHidden(node));
    }
  }
  Flush();
  LINEAGED_ASSIGN_OR_RETURN(record, LoadNamespace(name, &exists));
  record.set_hidden(true);
  batch_->Put(db->graph(), NamespaceKey(name), record.SerializeAsString());
  return absl::OkStatus();
}

absl::Status EventApplier::HideNode(NodeKind kind, const QualifiedName& name) {
  NodeRecord::Kind record_kind =
      kind == NodeKind::kDataset ? NodeRecord::KIND_DATASET : NodeRecord::KIND_JOB;
  LINEAGED_ASSIGN_OR_RETURN(std::optional<uint64_t> id, FindId(record_kind, name));
  if (!id) {
    return absl::NotFoundError(absl::StrCat(kind == NodeKind::kDataset ? "Dataset '" : "Job '",
                                            name.name, "' not found."));
  }
  LINEAGED_ASSIGN_OR_RETURN(Node * node, LoadById(*id));
  LINEAGED_RETURN_IF_ERROR(SetHidden(node));
  Flush();
  return absl::OkStatus();
}

absl::Status EventApplier::PutTag(std::string_view name,
                                  const std::optional<std::string>& description, int64_t now) {
  std::string key = NamedKey(kTagPrefix, name);
  LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                            batch_->Get(batch_->db()->graph(), key));
  TagRecord record;
  LINEAGED_ASSIGN_OR_RETURN(bool exists, ParseRecord(bytes, &record));
  if (!exists) record.set_created_at_micros(now);
  if (description) record.set_description(*description);
  batch_->Put(batch_->db()->graph(), key, record.SerializeAsString());
  return absl::OkStatus();
}

absl::Status EventApplier::TagNode(NodeKind kind, const QualifiedName& name, std::string_view tag,
                                   bool add, int64_t now) {
  NodeRecord::Kind record_kind =
      kind == NodeKind::kDataset ? NodeRecord::KIND_DATASET : NodeRecord::KIND_JOB;
  LINEAGED_ASSIGN_OR_RETURN(std::optional<uint64_t> id, FindId(record_kind, name));
  if (!id) {
    return absl::NotFoundError(absl::StrCat(kind == NodeKind::kDataset ? "Dataset '" : "Job '",
                                            name.name, "' not found."));
  }
  LINEAGED_ASSIGN_OR_RETURN(Node * node, LoadById(*id));
  AddTag(node->record.mutable_tags(), tag, add);
  if (add) {
    // A tag used on an entity exists in the tag list, as in Marquez.
    std::string key = NamedKey(kTagPrefix, tag);
    LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                              batch_->Get(batch_->db()->graph(), key));
    if (!bytes) LINEAGED_RETURN_IF_ERROR(PutTag(tag, std::nullopt, now));
  }
  Flush();
  return absl::OkStatus();
}

absl::Status EventApplier::TagField(const QualifiedName& dataset, std::string_view field,
                                    std::string_view tag, bool add, int64_t now) {
  LINEAGED_ASSIGN_OR_RETURN(std::optional<uint64_t> id, FindId(NodeRecord::KIND_DATASET, dataset));
  if (!id) return absl::NotFoundError(absl::StrCat("Dataset '", dataset.name, "' not found."));
  LINEAGED_ASSIGN_OR_RETURN(Node * node, LoadById(*id));
  FieldRecord* target = nullptr;
  for (FieldRecord& f : *node->record.mutable_fields()) {
    if (f.name() == field) target = &f;
  }
  if (target == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("Field '", AsAbsl(field), "' not found for dataset '", dataset.name, "'."));
  }
  AddTag(target->mutable_tags(), tag, add);
  if (add) {
    std::string key = NamedKey(kTagPrefix, tag);
    LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                              batch_->Get(batch_->db()->graph(), key));
    if (!bytes) LINEAGED_RETURN_IF_ERROR(PutTag(tag, std::nullopt, now));
  }
  Flush();
  return absl::OkStatus();
}

absl::Status EventApplier::PurgeRuns(const std::vector<Uuid>& run_ids, int64_t cutoff,
                                     uint64_t* purged) {
  rocksdb::ColumnFamilyHandle* graph = batch_->db()->graph();
  for (const Uuid& run_id : run_ids) {
    std::string key = RunKey(run_id);
    LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> bytes, batch_->Get(graph, key));
    RunRecord run;
    LINEAGED_ASSIGN_OR_RETURN(bool exists, ParseRecord(bytes, &run));
    // Re-checked here: an event may have touched the run since the scan.
    if (!exists || run.updated_at_micros() >= cutoff) continue;
    LINEAGED_ASSIGN_OR_RETURN(Node * job, LoadById(run.job_node_id()));
    if (job->record.latest_run_id() == Bytes(run_id)) continue;
    if (run.indexed()) {
      batch_->Delete(graph, RunListKey(run.job_node_id(), run.indexed_sort_time(), run_id));
    }
    batch_->Delete(graph, key);
    batch_->NoteRunOfJob(run.job_node_id());
    uint64_t references = run.facets_size() + run.job_facets_size();
    for (const auto* list : {&run.inputs(), &run.outputs()}) {
      for (const RunDatasetRecord& entry : *list) references += entry.facets_size();
    }
    batch_->facets()->CountDropped(references);
    job->record.set_run_count(job->record.run_count() - 1);
    counters_->set_runs(counters_->runs() - 1);
    auto* by_state = counters_->mutable_runs_by_state();
    if (run.state() < by_state->size()) by_state->Set(run.state(), by_state->Get(run.state()) - 1);
    ++*purged;
  }
  Flush();
  return absl::OkStatus();
}

}  // namespace lineaged::graphstore::internal
