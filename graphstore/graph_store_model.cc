// GraphStore's Marquez model: lineage, entity reads, and the admin changes
// that go through the committer. The event log and outbox are in
// graph_store.cc.

#include <algorithm>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

#include "graphstore/base/status_macros.h"
#include "graphstore/base/strings.h"
#include "graphstore/graph_store.h"
#include "graphstore/internal/committer.h"
#include "graphstore/internal/event_applier.h"
#include "graphstore/internal/key_codec.h"
#include "graphstore/internal/model_reader.h"
#include "graphstore/internal/name_search_index.h"
#include "graphstore/internal/node_stamps.h"
#include "graphstore/internal/records.pb.h"

namespace lineaged::graphstore {

using internal::DecodeBigEndian64;
using internal::ModelReader;
using JobDetail = internal::ModelReader::JobDetail;
using internal::NodeRecord;
using internal::RunRecord;

namespace {

// [prefix, prefix+1) bounds of a one-byte key prefix.
std::pair<std::string, std::string> PrefixRange(char prefix) {
  return {std::string(1, prefix), std::string(1, static_cast<char>(prefix + 1))};
}

// Bounds of keys <prefix><be64 id>...
std::pair<std::string, std::string> IdRange(char prefix, uint64_t id) {
  std::string start(1, prefix), end(1, prefix);
  internal::AppendBigEndian64(&start, id);
  internal::AppendBigEndian64(&end, id + 1);
  return {start, end};
}

// Bounds of name-index keys of one namespace.
std::pair<std::string, std::string> NamespaceRange(char prefix, std::string_view ns) {
  std::string start(1, prefix);
  internal::AppendOrderedString(&start, ns);
  std::string end = start;
  end.back() = static_cast<char>(end.back() + 1);  // the terminator's last byte
  return {start, end};
}

// A newest-first page of a node's version records (dataset or job versions).
template <typename Record>
absl::StatusOr<std::vector<Record>> VersionRecordPage(const ModelReader& reader, char prefix,
                                                      uint64_t node_id, size_t limit,
                                                      size_t offset) {
  std::vector<Record> records;
  size_t skipped = 0;
  auto [lo, hi] = IdRange(prefix, node_id);
  LINEAGED_RETURN_IF_ERROR(reader.Scan(reader.db()->graph(), lo, hi, /*reverse=*/true,
                                       [&](std::string_view, std::string_view value) {
                                         if (records.size() >= limit) return false;
                                         if (skipped++ < offset) return true;
                                         records.emplace_back().ParseFromArray(
                                             value.data(), static_cast<int>(value.size()));
                                         return true;
                                       }));
  return records;
}

// The record of `version` if it is a version of node `node_id`; `seq`, if
// set, gets its place among the node's versions.
template <typename Record>
absl::StatusOr<std::optional<Record>> FindVersionRecord(const ModelReader& reader, char id_prefix,
                                                        char record_prefix, uint64_t node_id,
                                                        const Uuid& version,
                                                        uint64_t* seq = nullptr) {
  LINEAGED_ASSIGN_OR_RETURN(
      std::optional<std::string> where,
      reader.Get(reader.db()->graph(), internal::UuidKey(id_prefix, version)));
  if (!where || where->size() != 16 || DecodeBigEndian64(where->substr(0, 8)) != node_id) {
    return std::optional<Record>();
  }
  const uint64_t place = DecodeBigEndian64(where->substr(8, 8));
  if (seq != nullptr) *seq = place;
  LINEAGED_ASSIGN_OR_RETURN(
      std::optional<std::string> bytes,
      reader.Get(reader.db()->graph(), internal::NodeSequenceKey(record_prefix, node_id, place)));
  if (!bytes) return std::optional<Record>();
  Record record;
  if (!record.ParseFromString(*bytes)) return absl::DataLossError("unreadable version record");
  return std::optional<Record>(std::move(record));
}

// Calls visit(id, record) for each visible node a name-index range lists, in
// name order.
absl::Status VisitVisible(ModelReader& reader, const std::pair<std::string, std::string>& range,
                          const std::function<absl::Status(uint64_t, const NodeRecord&)>& visit) {
  absl::Status status;
  LINEAGED_RETURN_IF_ERROR(reader.Scan(reader.db()->graph(), range.first, range.second, false,
                                       [&](std::string_view, std::string_view value) {
                                         const uint64_t id = DecodeBigEndian64(value);
                                         absl::StatusOr<const NodeRecord*> record = reader.Node(id);
                                         if (!record.ok()) {
                                           status = record.status();
                                           return false;
                                         }
                                         if ((*record)->hidden()) return true;
                                         status = visit(id, **record);
                                         return status.ok();
                                       }));
  return status;
}

// The nodes of one page of a name-index range, in name order: skips the first
// `offset` visible nodes and returns the next `limit` at most. Node records are
// read in batches, one MultiGet each, and the scan stops at the end of the
// page, so a page costs what it shows, not the size of the range. When no node
// of this kind is hidden (`any_hidden` false), skipped nodes are not read.
absl::StatusOr<std::vector<std::pair<uint64_t, const NodeRecord*>>> VisiblePage(
    ModelReader& reader, const std::pair<std::string, std::string>& range, size_t offset,
    size_t limit, bool any_hidden) {
  // Bounds a batch's keys and records when `offset` is large and nodes are hidden.
  constexpr size_t kMaxBatch = 1024;
  std::vector<std::pair<uint64_t, const NodeRecord*>> page;
  size_t skipped = 0;
  std::string from = range.first;
  while (page.size() < limit) {
    const size_t want =
        std::min(kMaxBatch, limit - page.size() + (any_hidden ? offset - skipped : 0));
    std::vector<uint64_t> ids;
    std::string last_key;
    LINEAGED_RETURN_IF_ERROR(reader.Scan(reader.db()->graph(), from, range.second, false,
                                         [&](std::string_view key, std::string_view value) {
                                           if (!any_hidden && skipped < offset) {
                                             ++skipped;
                                             return true;
                                           }
                                           ids.push_back(DecodeBigEndian64(value));
                                           last_key.assign(key);
                                           return ids.size() < want;
                                         }));
    LINEAGED_RETURN_IF_ERROR(reader.PrefetchNodes(ids));
    for (uint64_t id : ids) {
      LINEAGED_ASSIGN_OR_RETURN(const NodeRecord* record, reader.Node(id));
      if (record->hidden()) continue;
      if (skipped < offset) {
        ++skipped;
        continue;
      }
      page.emplace_back(id, record);
      if (page.size() == limit) break;
    }
    if (ids.size() < want) break;  // the range is exhausted
    from = last_key;
    from.push_back('\0');  // the least key after last_key
  }
  return page;
}

absl::Status NamespaceNotFound(std::string_view name) {
  return absl::NotFoundError(absl::StrCat("Namespace '", AsAbsl(name), "' not found."));
}

// For the unstamped reads: the caller keeps nothing rendered.
bool HaveNothing(const NodeStamp&) { return false; }

}  // namespace

// --- lineage ----------------------------------------------------------------

absl::StatusOr<LineageGraph> GraphStore::GetLineage(const NodeRef& start, int depth) const {
  return GetLineageStamped(start, depth, HaveNothing);
}

absl::StatusOr<LineageGraph> GraphStore::GetLineageStamped(const NodeRef& start, int depth,
                                                           HaveRendered have) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  // Stamps up to this one are covered by the reader's snapshot (node_stamps.h).
  const uint64_t published = node_stamps_->published();
  ModelReader reader(db_.get());
  auto stamp_of = [&](uint64_t id, bool cacheable) {
    LineageDataStamp stamp;
    stamp.node = NodeStamp{id, node_stamps_->Get(id)};
    stamp.cacheable = cacheable && stamp.node.stamp <= published;
    stamp.omitted = stamp.cacheable && have(stamp.node);
    return stamp;
  };
  // A dataset's node without its edges: only the name when the caller has
  // its data rendered.
  auto dataset_node = [&](uint64_t id, const NodeRecord& record) -> absl::StatusOr<DatasetNode> {
    DatasetNode node;
    node.stamp = stamp_of(id, true);
    if (node.stamp.omitted) {
      node.data.name = internal::NameOf(record);
    } else {
      LINEAGED_ASSIGN_OR_RETURN(node.data,
                                reader.Dataset(record, ModelReader::DatasetDetail::kLineage));
    }
    return node;
  };
  const bool from_dataset = start.kind == NodeKind::kDataset;
  LINEAGED_ASSIGN_OR_RETURN(auto start_node, reader.VisibleNode(start.kind, start.name));
  const uint64_t start_id = start_node.first;

  // Leaves out hidden nodes; their records must be read (prefetched) already.
  auto drop_hidden = [&](std::vector<uint64_t>* ids) -> absl::Status {
    std::vector<uint64_t> visible;
    for (uint64_t id : *ids) {
      LINEAGED_ASSIGN_OR_RETURN(const NodeRecord* record, reader.Node(id));
      if (!record->hidden()) visible.push_back(id);
    }
    *ids = std::move(visible);
    return absl::OkStatus();
  };

  std::vector<uint64_t> scratch;
  uint64_t start_job = 0;
  if (!from_dataset) {
    start_job = start_id;
  } else {
    // Marquez starts from the dataset's newest producer, else its newest consumer.
    std::vector<internal::AdjacencyRecord> start_edges;
    LINEAGED_RETURN_IF_ERROR(reader.Adjacency({start_id}, &start_edges));
    for (const auto* jobs : {&start_edges[0].producers(), &start_edges[0].consumers()}) {
      scratch.assign(jobs->begin(), jobs->end());
      LINEAGED_RETURN_IF_ERROR(reader.PrefetchNodes(scratch));
      LINEAGED_RETURN_IF_ERROR(drop_hidden(&scratch));
      int64_t newest = 0;
      for (uint64_t job : scratch) {
        LINEAGED_ASSIGN_OR_RETURN(const NodeRecord* record, reader.Node(job));
        if (start_job == 0 || record->updated_at_micros() > newest) {
          start_job = job;
          newest = record->updated_at_micros();
        }
      }
      if (start_job != 0) break;
    }
  }

  LineageGraph graph;
  if (start_job == 0) {  // an orphan dataset
    LINEAGED_ASSIGN_OR_RETURN(DatasetNode node, dataset_node(start_id, *start_node.second));
    graph.datasets.push_back(std::move(node));
    return graph;
  }

  // Breadth-first over jobs; depth counts job hops through shared datasets.
  // Each hop reads its datasets' records in one batch, then its neighbour
  // jobs' records in one batch.
  struct Adjacency {
    std::vector<uint64_t> in;
    std::vector<uint64_t> out;
  };
  std::unordered_map<uint64_t, Adjacency> dataset_edges;  // dataset -> jobs
  std::vector<uint64_t> frontier = {start_job};
  std::unordered_set<uint64_t> visited_jobs = {start_job};
  LINEAGED_RETURN_IF_ERROR(reader.PrefetchNodes(frontier));
  for (int hop = 0; !frontier.empty(); ++hop) {
    std::vector<uint64_t> datasets;
    for (uint64_t job : frontier) {
      LINEAGED_ASSIGN_OR_RETURN(const NodeRecord* record, reader.Node(job));
      datasets.insert(datasets.end(), record->current_inputs().begin(),
                      record->current_inputs().end());
      datasets.insert(datasets.end(), record->current_outputs().begin(),
                      record->current_outputs().end());
    }
    LINEAGED_RETURN_IF_ERROR(reader.PrefetchNodes(datasets));
    std::vector<uint64_t> reached;  // datasets first reached in this hop
    for (uint64_t dataset : datasets) {
      LINEAGED_ASSIGN_OR_RETURN(const NodeRecord* dataset_record, reader.Node(dataset));
      if (dataset_record->hidden()) continue;
      if (dataset_edges.try_emplace(dataset).second) reached.push_back(dataset);
    }
    std::vector<internal::AdjacencyRecord> edges;
    LINEAGED_RETURN_IF_ERROR(reader.Adjacency(reached, &edges));
    std::vector<uint64_t> neighbours;
    for (size_t i = 0; i < reached.size(); ++i) {
      Adjacency& adjacency = dataset_edges[reached[i]];
      adjacency.in.assign(edges[i].producers().begin(), edges[i].producers().end());
      adjacency.out.assign(edges[i].consumers().begin(), edges[i].consumers().end());
      neighbours.insert(neighbours.end(), adjacency.in.begin(), adjacency.in.end());
      neighbours.insert(neighbours.end(), adjacency.out.begin(), adjacency.out.end());
    }
    LINEAGED_RETURN_IF_ERROR(reader.PrefetchNodes(neighbours));
    std::vector<uint64_t> next;
    for (uint64_t dataset : reached) {
      Adjacency& adjacency = dataset_edges[dataset];
      LINEAGED_RETURN_IF_ERROR(drop_hidden(&adjacency.in));
      LINEAGED_RETURN_IF_ERROR(drop_hidden(&adjacency.out));
      if (hop >= depth) continue;
      for (const auto* jobs : {&adjacency.in, &adjacency.out}) {
        for (uint64_t neighbour : *jobs) {
          if (visited_jobs.insert(neighbour).second) next.push_back(neighbour);
        }
      }
    }
    frontier = std::move(next);
  }

  auto visited_names =
      [&](const std::vector<uint64_t>& ids) -> absl::StatusOr<std::vector<QualifiedName>> {
    std::vector<QualifiedName> names;
    for (uint64_t id : ids) {
      if (!visited_jobs.contains(id)) continue;
      LINEAGED_ASSIGN_OR_RETURN(const NodeRecord* record, reader.Node(id));
      names.push_back(internal::NameOf(*record));
    }
    std::sort(names.begin(), names.end());
    return names;
  };
  // Soft-deleted datasets are not in the graph, so no job edge may name them.
  std::set<QualifiedName> datasets_in_graph;
  for (const auto& [dataset, adjacency] : dataset_edges) {
    LINEAGED_ASSIGN_OR_RETURN(const NodeRecord* record, reader.Node(dataset));  // cached
    datasets_in_graph.insert(internal::NameOf(*record));
  }
  auto outside = [&](const QualifiedName& name) { return !datasets_in_graph.contains(name); };
  // A job whose IO names a hidden dataset shows its IO without it: that data
  // depends on another node, so it is not kept.
  auto io_all_visible = [&](const NodeRecord& record) {
    for (const auto* ids : {&record.current_inputs(), &record.current_outputs()}) {
      for (uint64_t id : *ids) {
        if (!dataset_edges.contains(id)) return false;
      }
    }
    return true;
  };
  std::vector<std::pair<uint64_t, const NodeRecord*>> jobs, jobs_to_read;
  std::vector<LineageDataStamp> job_stamps;
  for (uint64_t job : visited_jobs) {
    LINEAGED_ASSIGN_OR_RETURN(const NodeRecord* record, reader.Node(job));
    jobs.emplace_back(job, record);
    job_stamps.push_back(stamp_of(job, io_all_visible(*record)));
    if (!job_stamps.back().omitted) jobs_to_read.emplace_back(job, record);
  }
  LINEAGED_RETURN_IF_ERROR(reader.PrefetchJobs(jobs_to_read, JobDetail::kLineage));
  for (size_t i = 0; i < jobs.size(); ++i) {
    const auto& [job, record] = jobs[i];
    JobNode node;
    node.stamp = job_stamps[i];
    if (node.stamp.omitted) {
      // What the edges need: the name and the IO (all visible, see above).
      node.data.name = internal::NameOf(*record);
      LINEAGED_RETURN_IF_ERROR(reader.JobIoNames(*record, &node.data.inputs, &node.data.outputs));
    } else {
      LINEAGED_ASSIGN_OR_RETURN(node.data, reader.Job(job, *record, JobDetail::kLineage));
      std::erase_if(node.data.inputs, outside);
      std::erase_if(node.data.outputs, outside);
    }
    graph.jobs.push_back(std::move(node));
  }
  for (const auto& [dataset, adjacency] : dataset_edges) {
    LINEAGED_ASSIGN_OR_RETURN(const NodeRecord* record, reader.Node(dataset));
    LINEAGED_ASSIGN_OR_RETURN(DatasetNode node, dataset_node(dataset, *record));
    LINEAGED_ASSIGN_OR_RETURN(node.producers, visited_names(adjacency.in));
    LINEAGED_ASSIGN_OR_RETURN(node.consumers, visited_names(adjacency.out));
    graph.datasets.push_back(std::move(node));
  }
  auto by_name = [](const auto& a, const auto& b) { return a.data.name < b.data.name; };
  std::sort(graph.jobs.begin(), graph.jobs.end(), by_name);
  std::sort(graph.datasets.begin(), graph.datasets.end(), by_name);
  return graph;
}

// --- namespaces, sources, tags ------------------------------------------------

namespace {

NamespaceInfo NamespaceOf(std::string name, const internal::NamespaceRecord& record) {
  NamespaceInfo info;
  info.name = std::move(name);
  info.created_at_micros = record.created_at_micros();
  info.updated_at_micros = record.updated_at_micros();
  info.owner_name = record.owner_name();
  if (record.has_description()) info.description = record.description();
  info.hidden = record.hidden();
  return info;
}

}  // namespace

absl::StatusOr<std::vector<NamespaceInfo>> GraphStore::ListNamespaces(size_t limit,
                                                                      size_t offset) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  ModelReader reader(db_.get());
  std::vector<NamespaceInfo> out;
  size_t skipped = 0;
  absl::Status parse = absl::OkStatus();
  auto [lo, hi] = PrefixRange(internal::kNamespacePrefix);
  LINEAGED_RETURN_IF_ERROR(
      reader.Scan(db_->graph(), lo, hi, false, [&](std::string_view key, std::string_view value) {
        if (out.size() >= limit) return false;
        internal::NamespaceRecord record;
        if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse = absl::DataLossError("unreadable namespace record");
          return false;
        }
        if (record.hidden()) return true;
        if (skipped++ < offset) return true;
        out.push_back(NamespaceOf(std::string(key.substr(1)), record));
        return true;
      }));
  LINEAGED_RETURN_IF_ERROR(parse);
  return out;
}

absl::StatusOr<NamespaceInfo> GraphStore::GetNamespace(std::string_view name) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  ModelReader reader(db_.get());
  LINEAGED_ASSIGN_OR_RETURN(std::optional<internal::NamespaceRecord> record,
                            reader.Namespace(name));
  if (!record) return NamespaceNotFound(name);
  return NamespaceOf(std::string(name), *record);
}

absl::Status GraphStore::Mutate(MutationFn mutation) {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  std::promise<absl::StatusOr<WriteOutcome>> promise;
  std::future<absl::StatusOr<WriteOutcome>> result = promise.get_future();
  LINEAGED_RETURN_IF_ERROR(committer_->SubmitMutation(
      std::move(mutation),
      [&promise](absl::StatusOr<WriteOutcome> r) { promise.set_value(std::move(r)); }));
  return result.get().status();
}

absl::StatusOr<NamespaceInfo> GraphStore::PutNamespace(std::string_view name,
                                                       std::string_view owner_name,
                                                       std::optional<std::string> description) {
  std::string ns(name), owner(owner_name);
  LINEAGED_RETURN_IF_ERROR(Mutate([&](internal::EventApplier& applier, int64_t now) {
    return applier.PutNamespace(ns, owner, description, now);
  }));
  return GetNamespace(name);
}

absl::StatusOr<NamespaceInfo> GraphStore::HideNamespace(std::string_view name) {
  LINEAGED_ASSIGN_OR_RETURN(NamespaceInfo before, GetNamespace(name));
  std::string ns(name);
  LINEAGED_RETURN_IF_ERROR(
      Mutate([&](internal::EventApplier& applier, int64_t) { return applier.HideNamespace(ns); }));
  return before;
}

absl::StatusOr<std::vector<SourceInfo>> GraphStore::ListSources(size_t limit, size_t offset) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  ModelReader reader(db_.get());
  std::vector<SourceInfo> out;
  size_t skipped = 0;
  auto [lo, hi] = PrefixRange(internal::kSourcePrefix);
  LINEAGED_RETURN_IF_ERROR(
      reader.Scan(db_->graph(), lo, hi, false, [&](std::string_view key, std::string_view value) {
        if (out.size() >= limit) return false;
        if (skipped++ < offset) return true;
        internal::SourceRecord record;
        record.ParseFromArray(value.data(), static_cast<int>(value.size()));
        out.push_back(SourceInfo{std::string(key.substr(1)), record.type(),
                                 record.created_at_micros(), record.updated_at_micros(),
                                 record.connection_url(), std::nullopt});
        return true;
      }));
  return out;
}

absl::StatusOr<SourceInfo> GraphStore::GetSource(std::string_view name) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  ModelReader reader(db_.get());
  LINEAGED_ASSIGN_OR_RETURN(
      std::optional<std::string> bytes,
      reader.Get(db_->graph(), internal::NamedKey(internal::kSourcePrefix, name)));
  if (!bytes) return absl::NotFoundError(absl::StrCat("Source '", AsAbsl(name), "' not found."));
  internal::SourceRecord record;
  if (!record.ParseFromString(*bytes)) return absl::DataLossError("unreadable source record");
  return SourceInfo{std::string(name),          record.type(),           record.created_at_micros(),
                    record.updated_at_micros(), record.connection_url(), std::nullopt};
}

absl::StatusOr<std::vector<TagInfo>> GraphStore::ListTags(size_t limit, size_t offset) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  ModelReader reader(db_.get());
  std::vector<TagInfo> out;
  size_t skipped = 0;
  auto [lo, hi] = PrefixRange(internal::kTagPrefix);
  LINEAGED_RETURN_IF_ERROR(
      reader.Scan(db_->graph(), lo, hi, false, [&](std::string_view key, std::string_view value) {
        if (out.size() >= limit) return false;
        if (skipped++ < offset) return true;
        internal::TagRecord record;
        record.ParseFromArray(value.data(), static_cast<int>(value.size()));
        TagInfo tag{std::string(key.substr(1)), std::nullopt};
        if (record.has_description()) tag.description = record.description();
        out.push_back(std::move(tag));
        return true;
      }));
  return out;
}

absl::StatusOr<TagInfo> GraphStore::PutTag(std::string_view name,
                                           std::optional<std::string> description) {
  std::string tag(name);
  LINEAGED_RETURN_IF_ERROR(Mutate([&](internal::EventApplier& applier, int64_t now) {
    return applier.PutTag(tag, description, now);
  }));
  ModelReader reader(db_.get());
  LINEAGED_ASSIGN_OR_RETURN(
      std::optional<std::string> bytes,
      reader.Get(db_->graph(), internal::NamedKey(internal::kTagPrefix, tag)));
  internal::TagRecord record;
  if (bytes) record.ParseFromString(*bytes);
  TagInfo info{tag, std::nullopt};
  if (record.has_description()) info.description = record.description();
  return info;
}

// --- datasets -----------------------------------------------------------------

absl::StatusOr<Page<GraphStore::PageNode>> GraphStore::SelectDatasets(
    ModelReader& reader, std::string_view namespace_name, size_t limit, size_t offset) const {
  LINEAGED_ASSIGN_OR_RETURN(std::optional<internal::NamespaceRecord> ns,
                            reader.Namespace(namespace_name));
  if (!ns) return NamespaceNotFound(namespace_name);
  Page<PageNode> page;
  page.total_count = ns->visible_datasets();
  if (limit == 0) return page;
  LINEAGED_ASSIGN_OR_RETURN(
      page.items, VisiblePage(reader, NamespaceRange(internal::kDatasetNamePrefix, namespace_name),
                              offset, limit, committer_->counters().hidden_datasets() != 0));
  return page;
}

namespace {

absl::StatusOr<std::vector<DatasetInfo>> DatasetInfos(
    ModelReader& reader, const std::vector<std::pair<uint64_t, const NodeRecord*>>& nodes) {
  ModelReader::FacetMaps facets;
  for (const auto& [id, record] : nodes) facets.push_back(&record->facets());
  LINEAGED_RETURN_IF_ERROR(reader.PrefetchFacets(facets));
  std::vector<DatasetInfo> infos;
  infos.reserve(nodes.size());
  for (const auto& [id, record] : nodes) {
    LINEAGED_ASSIGN_OR_RETURN(DatasetInfo info, reader.Dataset(*record));
    infos.push_back(std::move(info));
  }
  return infos;
}

absl::StatusOr<std::vector<JobInfo>> JobInfos(
    ModelReader& reader, const std::vector<std::pair<uint64_t, const NodeRecord*>>& nodes) {
  LINEAGED_RETURN_IF_ERROR(reader.PrefetchJobs(nodes, JobDetail::kFull));
  std::vector<JobInfo> infos;
  infos.reserve(nodes.size());
  for (const auto& [id, record] : nodes) {
    LINEAGED_ASSIGN_OR_RETURN(JobInfo info, reader.Job(id, *record, JobDetail::kFull));
    infos.push_back(std::move(info));
  }
  return infos;
}

// The records of `ids`, read by `reader`.
absl::StatusOr<std::vector<std::pair<uint64_t, const NodeRecord*>>> ReadNodes(
    ModelReader& reader, const std::vector<uint64_t>& ids) {
  LINEAGED_RETURN_IF_ERROR(reader.PrefetchNodes(ids));
  std::vector<std::pair<uint64_t, const NodeRecord*>> records;
  records.reserve(ids.size());
  for (uint64_t id : ids) {
    LINEAGED_ASSIGN_OR_RETURN(const NodeRecord* record, reader.Node(id));
    records.emplace_back(id, record);
  }
  return records;
}

// A stamped page with every item read, as a plain page.
template <typename Info>
absl::StatusOr<Page<Info>> Unstamped(absl::StatusOr<Page<Stamped<Info>>> stamped) {
  if (!stamped.ok()) return stamped.status();
  Page<Info> page;
  page.total_count = stamped->total_count;
  page.items.reserve(stamped->items.size());
  for (Stamped<Info>& item : stamped->items) page.items.push_back(std::move(*item.info));
  return page;
}

}  // namespace

absl::StatusOr<Page<DatasetInfo>> GraphStore::ListDatasets(std::string_view namespace_name,
                                                           size_t limit, size_t offset) const {
  return Unstamped(ListDatasetsStamped(namespace_name, limit, offset, HaveNothing));
}

template <typename Info, typename Infos>
absl::StatusOr<Page<Stamped<Info>>> GraphStore::StampPage(ModelReader& reader,
                                                          uint64_t published_before,
                                                          const Page<PageNode>& selected,
                                                          HaveRendered have, Infos infos) const {
  Page<Stamped<Info>> page;
  page.total_count = selected.total_count;
  page.items.reserve(selected.items.size());
  // A stamp published before the reader's snapshot was taken is no newer
  // than what the snapshot holds; a newer one (a change that landed while
  // the page was read) needs a read that starts after it.
  std::vector<PageNode> current, changed;
  std::vector<size_t> current_at, changed_at;
  for (const PageNode& node : selected.items) {
    const NodeStamp stamp{node.first, node_stamps_->Get(node.first)};
    page.items.push_back(Stamped<Info>{stamp, std::nullopt});
    if (have(stamp)) continue;
    const bool fresh = stamp.stamp <= published_before;
    (fresh ? current : changed).push_back(node);
    (fresh ? current_at : changed_at).push_back(page.items.size() - 1);
  }
  LINEAGED_ASSIGN_OR_RETURN(std::vector<Info> read, infos(reader, current));
  for (size_t i = 0; i < read.size(); ++i) page.items[current_at[i]].info = std::move(read[i]);
  if (!changed.empty()) {
    ModelReader later(db_.get());
    std::vector<uint64_t> ids;
    for (const PageNode& node : changed) ids.push_back(node.first);
    LINEAGED_ASSIGN_OR_RETURN(auto records, ReadNodes(later, ids));
    LINEAGED_ASSIGN_OR_RETURN(read, infos(later, records));
    for (size_t i = 0; i < read.size(); ++i) page.items[changed_at[i]].info = std::move(read[i]);
  }
  return page;
}

absl::StatusOr<Page<Stamped<DatasetInfo>>> GraphStore::ListDatasetsStamped(
    std::string_view namespace_name, size_t limit, size_t offset, HaveRendered have) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  const uint64_t published = node_stamps_->published();
  ModelReader reader(db_.get());
  LINEAGED_ASSIGN_OR_RETURN(Page<PageNode> selected,
                            SelectDatasets(reader, namespace_name, limit, offset));
  return StampPage<DatasetInfo>(reader, published, selected, have, DatasetInfos);
}

absl::StatusOr<DatasetInfo> GraphStore::GetDataset(const QualifiedName& name) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  ModelReader reader(db_.get());
  LINEAGED_ASSIGN_OR_RETURN(auto node, reader.VisibleNode(NodeKind::kDataset, name));
  return reader.Dataset(*node.second);
}

absl::StatusOr<DatasetInfo> GraphStore::HideDataset(const QualifiedName& name) {
  LINEAGED_ASSIGN_OR_RETURN(DatasetInfo before, GetDataset(name));
  LINEAGED_RETURN_IF_ERROR(Mutate([&](internal::EventApplier& applier, int64_t) {
    return applier.HideNode(NodeKind::kDataset, name);
  }));
  return before;
}

absl::StatusOr<DatasetInfo> GraphStore::TagDataset(const QualifiedName& name, std::string_view tag,
                                                   bool add) {
  LINEAGED_RETURN_IF_ERROR(GetDataset(name).status());
  std::string tag_name(tag);
  LINEAGED_RETURN_IF_ERROR(Mutate([&](internal::EventApplier& applier, int64_t now) {
    return applier.TagNode(NodeKind::kDataset, name, tag_name, add, now);
  }));
  return GetDataset(name);
}

absl::StatusOr<DatasetInfo> GraphStore::TagDatasetField(const QualifiedName& name,
                                                        std::string_view field,
                                                        std::string_view tag, bool add) {
  LINEAGED_RETURN_IF_ERROR(GetDataset(name).status());
  std::string field_name(field), tag_name(tag);
  LINEAGED_RETURN_IF_ERROR(Mutate([&](internal::EventApplier& applier, int64_t now) {
    return applier.TagField(name, field_name, tag_name, add, now);
  }));
  return GetDataset(name);
}

absl::StatusOr<Page<DatasetVersionInfo>> GraphStore::ListDatasetVersions(const QualifiedName& name,
                                                                         size_t limit,
                                                                         size_t offset) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  ModelReader reader(db_.get());
  LINEAGED_ASSIGN_OR_RETURN(auto node, reader.VisibleNode(NodeKind::kDataset, name));
  Page<DatasetVersionInfo> page;
  page.total_count = node.second->version_count();
  LINEAGED_ASSIGN_OR_RETURN(
      auto records, VersionRecordPage<internal::DatasetVersionRecord>(
                        reader, internal::kDatasetVersionPrefix, node.first, limit, offset));
  for (const auto& record : records) {
    LINEAGED_ASSIGN_OR_RETURN(DatasetVersionInfo info, reader.DatasetVersion(*node.second, record));
    page.items.push_back(std::move(info));
  }
  return page;
}

absl::StatusOr<DatasetVersionInfo> GraphStore::GetDatasetVersion(const QualifiedName& name,
                                                                 const Uuid& version) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  ModelReader reader(db_.get());
  LINEAGED_ASSIGN_OR_RETURN(auto node, reader.VisibleNode(NodeKind::kDataset, name));
  LINEAGED_ASSIGN_OR_RETURN(auto record, FindVersionRecord<internal::DatasetVersionRecord>(
                                             reader, internal::kDatasetVersionIdPrefix,
                                             internal::kDatasetVersionPrefix, node.first, version));
  if (!record) {
    return absl::NotFoundError(
        absl::StrCat("Dataset version '", FormatUuid(version), "' not found."));
  }
  return reader.DatasetVersion(*node.second, *record);
}

// --- jobs and runs --------------------------------------------------------------

absl::StatusOr<Page<GraphStore::PageNode>> GraphStore::SelectJobs(
    ModelReader& reader, std::optional<std::string_view> namespace_name,
    const std::vector<RunState>& last_run_states, size_t limit, size_t offset) const {
  std::pair<std::string, std::string> range =
      namespace_name ? NamespaceRange(internal::kJobNamePrefix, *namespace_name)
                     : PrefixRange(internal::kJobNamePrefix);
  Page<PageNode> page;
  if (last_run_states.empty()) {
    if (namespace_name) {
      LINEAGED_ASSIGN_OR_RETURN(std::optional<internal::NamespaceRecord> ns,
                                reader.Namespace(*namespace_name));
      page.total_count = ns ? ns->visible_jobs() : 0;
    } else {
      internal::CountersRecord counters = committer_->counters();
      page.total_count = counters.jobs() - counters.hidden_jobs();
    }
    // The true total is known, so the scan stops at the end of the page.
    if (limit == 0) return page;
    LINEAGED_ASSIGN_OR_RETURN(page.items, VisiblePage(reader, range, offset, limit,
                                                      committer_->counters().hidden_jobs() != 0));
    return page;
  }
  // Filtered by the latest run's state: the total needs every job's state.
  size_t matched = 0;
  LINEAGED_RETURN_IF_ERROR(
      VisitVisible(reader, range, [&](uint64_t id, const NodeRecord& record) -> absl::Status {
        LINEAGED_ASSIGN_OR_RETURN(RunState state, reader.LatestRunState(record));
        if (std::find(last_run_states.begin(), last_run_states.end(), state) ==
            last_run_states.end()) {
          return absl::OkStatus();
        }
        if (matched++ >= offset && page.items.size() < limit) page.items.emplace_back(id, &record);
        return absl::OkStatus();
      }));
  page.total_count = matched;
  return page;
}

absl::StatusOr<Page<JobInfo>> GraphStore::ListJobs(std::optional<std::string_view> namespace_name,
                                                   const std::vector<RunState>& last_run_states,
                                                   size_t limit, size_t offset) const {
  return Unstamped(ListJobsStamped(namespace_name, last_run_states, limit, offset, HaveNothing));
}

absl::StatusOr<Page<Stamped<JobInfo>>> GraphStore::ListJobsStamped(
    std::optional<std::string_view> namespace_name, const std::vector<RunState>& last_run_states,
    size_t limit, size_t offset, HaveRendered have) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  const uint64_t published = node_stamps_->published();
  ModelReader reader(db_.get());
  LINEAGED_ASSIGN_OR_RETURN(Page<PageNode> selected,
                            SelectJobs(reader, namespace_name, last_run_states, limit, offset));
  return StampPage<JobInfo>(reader, published, selected, have, JobInfos);
}

absl::StatusOr<JobInfo> GraphStore::GetJob(const QualifiedName& name) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  ModelReader reader(db_.get());
  LINEAGED_ASSIGN_OR_RETURN(auto node, reader.VisibleNode(NodeKind::kJob, name));
  LINEAGED_RETURN_IF_ERROR(reader.PrefetchJobs({node}, JobDetail::kFull));
  return reader.Job(node.first, *node.second, JobDetail::kFull);
}

absl::StatusOr<JobInfo> GraphStore::HideJob(const QualifiedName& name) {
  LINEAGED_ASSIGN_OR_RETURN(JobInfo before, GetJob(name));
  LINEAGED_RETURN_IF_ERROR(Mutate([&](internal::EventApplier& applier, int64_t) {
    return applier.HideNode(NodeKind::kJob, name);
  }));
  return before;
}

absl::StatusOr<JobInfo> GraphStore::TagJob(const QualifiedName& name, std::string_view tag,
                                           bool add) {
  LINEAGED_RETURN_IF_ERROR(GetJob(name).status());
  std::string tag_name(tag);
  LINEAGED_RETURN_IF_ERROR(Mutate([&](internal::EventApplier& applier, int64_t now) {
    return applier.TagNode(NodeKind::kJob, name, tag_name, add, now);
  }));
  return GetJob(name);
}

absl::StatusOr<Page<JobVersionInfo>> GraphStore::ListJobVersions(const QualifiedName& name,
                                                                 size_t limit,
                                                                 size_t offset) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  ModelReader reader(db_.get());
  LINEAGED_ASSIGN_OR_RETURN(auto node, reader.VisibleNode(NodeKind::kJob, name));
  Page<JobVersionInfo> page;
  page.total_count = node.second->version_count();
  LINEAGED_ASSIGN_OR_RETURN(auto records,
                            VersionRecordPage<internal::JobVersionRecord>(
                                reader, internal::kJobVersionPrefix, node.first, limit, offset));
  for (const auto& record : records) {
    LINEAGED_ASSIGN_OR_RETURN(JobVersionInfo info, reader.JobVersion(*node.second, record));
    page.items.push_back(std::move(info));
  }
  return page;
}

absl::StatusOr<JobVersionInfo> GraphStore::GetJobVersion(const QualifiedName& name,
                                                         const Uuid& version) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  ModelReader reader(db_.get());
  LINEAGED_ASSIGN_OR_RETURN(auto node, reader.VisibleNode(NodeKind::kJob, name));
  LINEAGED_ASSIGN_OR_RETURN(auto record, FindVersionRecord<internal::JobVersionRecord>(
                                             reader, internal::kJobVersionIdPrefix,
                                             internal::kJobVersionPrefix, node.first, version));
  if (!record) {
    return absl::NotFoundError(absl::StrCat("Job version '", FormatUuid(version), "' not found."));
  }
  return reader.JobVersion(*node.second, *record);
}

absl::StatusOr<Page<RunInfo>> GraphStore::ListRuns(const QualifiedName& job, size_t limit,
                                                   size_t offset) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  ModelReader reader(db_.get());
  LINEAGED_ASSIGN_OR_RETURN(auto node, reader.VisibleNode(NodeKind::kJob, job));
  Page<RunInfo> page;
  page.total_count = node.second->run_count();
  std::vector<Uuid> ids;
  size_t skipped = 0;
  auto [lo, hi] = IdRange(internal::kRunListPrefix, node.first);
  LINEAGED_RETURN_IF_ERROR(
      reader.Scan(db_->graph(), lo, hi, false, [&](std::string_view key, std::string_view) {
        if (ids.size() >= limit) return false;
        if (skipped++ < offset) return true;
        ids.push_back(internal::UuidOf(key.substr(key.size() - 16)));
        return true;
      }));
  LINEAGED_RETURN_IF_ERROR(reader.PrefetchRuns(ids));
  LINEAGED_RETURN_IF_ERROR(reader.PrefetchRunDetails(ids));
  for (const Uuid& id : ids) {
    LINEAGED_ASSIGN_OR_RETURN(const RunRecord* run, reader.Run(id));
    if (run == nullptr) continue;
    LINEAGED_ASSIGN_OR_RETURN(RunInfo info, reader.RunOf(id, *run));
    page.items.push_back(std::move(info));
  }
  return page;
}

absl::StatusOr<RunInfo> GraphStore::GetRun(const Uuid& run_id) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  ModelReader reader(db_.get());
  LINEAGED_ASSIGN_OR_RETURN(const RunRecord* run, reader.Run(run_id));
  if (run == nullptr) {
    return absl::NotFoundError(absl::StrCat("Run '", FormatUuid(run_id), "' not found."));
  }
  return reader.RunOf(run_id, *run);
}

absl::StatusOr<std::vector<Facet>> GraphStore::GetRunFacets(const Uuid& run_id,
                                                            bool job_facets) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  ModelReader reader(db_.get());
  LINEAGED_ASSIGN_OR_RETURN(const RunRecord* run, reader.Run(run_id));
  if (run == nullptr) {
    return absl::NotFoundError(absl::StrCat("Run '", FormatUuid(run_id), "' not found."));
  }
  return reader.FacetsOf(job_facets ? run->job_facets() : run->facets());
}

// --- search and events ------------------------------------------------------------

absl::StatusOr<Page<SearchHit>> GraphStore::Search(const SearchQuery& query) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  // The index before the snapshot: a name reaches the index only after its
  // node record was written, so the reader sees the record of every match.
  std::vector<internal::IndexedName> names =
      search_index_->Find(query.text, query.filter, query.namespace_name);
  ModelReader reader(db_.get());
  std::vector<SearchHit> kept;
  // The matches' records by one MultiGet per batch, not one Get each; a batch
  // bounds the blocks pinned at once (a short text can match every name).
  constexpr size_t kBatch = 256;
  std::vector<uint64_t> ids;
  for (size_t begin = 0; begin < names.size(); begin += kBatch) {
    const size_t end = std::min(names.size(), begin + kBatch);
    ids.clear();
    for (size_t i = begin; i < end; ++i) ids.push_back(names[i].node_id);
    LINEAGED_RETURN_IF_ERROR(reader.PrefetchNodes(ids));
    for (size_t i = begin; i < end; ++i) {
      LINEAGED_ASSIGN_OR_RETURN(const NodeRecord* record, reader.Node(names[i].node_id));
      if (record->hidden()) continue;
      const int64_t updated_at = record->updated_at_micros();
      if (query.updated_after_micros && updated_at < *query.updated_after_micros) continue;
      if (query.updated_before_micros && updated_at >= *query.updated_before_micros) continue;
      kept.push_back(SearchHit{names[i].kind, std::move(names[i].name), updated_at});
    }
  }
  if (query.sort == SearchSort::kName) {
    // A total order: a name is unique within its kind and namespace.
    std::sort(kept.begin(), kept.end(), [](const SearchHit& a, const SearchHit& b) {
      return std::tie(a.name.name, a.name.namespace_name, a.kind) <
             std::tie(b.name.name, b.name.namespace_name, b.kind);
    });
  } else {
    // Equal times keep the order the name-index scan used to give: datasets,
    // then jobs, by namespace and name.
    std::sort(kept.begin(), kept.end(), [](const SearchHit& a, const SearchHit& b) {
      return std::tie(a.kind, a.name.namespace_name, a.name.name) <
             std::tie(b.kind, b.name.namespace_name, b.name.name);
    });
    std::stable_sort(kept.begin(), kept.end(), [](const SearchHit& a, const SearchHit& b) {
      return a.updated_at_micros > b.updated_at_micros;
    });
  }
  Page<SearchHit> page;
  page.total_count = kept.size();
  for (size_t i = query.offset; i < kept.size() && page.items.size() < query.limit; ++i) {
    page.items.push_back(std::move(kept[i]));
  }
  return page;
}

namespace {

// Old stores wrote an empty time-index value: those are run events.
bool IsRunEvent(std::string_view value) {
  return value.empty() || value[0] == static_cast<char>(EventKind::kRun);
}

}  // namespace

absl::StatusOr<Page<StoredEvent>> GraphStore::ListRunEvents(int64_t after_micros,
                                                            int64_t before_micros, bool ascending,
                                                            size_t limit, size_t offset) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  ModelReader reader(db_.get());
  Page<StoredEvent> page;
  if (before_micros <= after_micros) return page;
  std::string start = internal::EventTimeKey(after_micros, 0);
  std::string end = internal::EventTimeKey(before_micros, 0);
  std::vector<uint64_t> sequences;
  LINEAGED_RETURN_IF_ERROR(reader.Scan(
      db_->index(), start, end, !ascending, [&](std::string_view key, std::string_view value) {
        if (!IsRunEvent(value)) return true;
        if (page.total_count++ >= offset && sequences.size() < limit) {
          sequences.push_back(DecodeBigEndian64(key.substr(9, 8)));
        }
        return true;
      }));
  for (uint64_t sequence : sequences) {
    LINEAGED_ASSIGN_OR_RETURN(std::optional<std::string> value,
                              reader.Get(db_->events(), internal::EventKey(sequence)));
    if (!value) continue;  // removed by retention meanwhile
    StoredEvent event;
    event.sequence = sequence;
    if (!internal::DecodeEventValue(*value, &event.received_at_micros, &event.raw_json)) {
      return absl::DataLossError(absl::StrCat("unreadable event ", sequence));
    }
    page.items.push_back(std::move(event));
  }
  return page;
}

absl::StatusOr<std::vector<EventTypeCounts>> GraphStore::CountRunEvents(
    const std::vector<int64_t>& boundaries) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  std::vector<EventTypeCounts> counts;
  if (boundaries.size() < 2) return counts;
  for (size_t i = 0; i + 1 < boundaries.size(); ++i) {
    counts.push_back(EventTypeCounts{boundaries[i], boundaries[i + 1]});
  }
  ModelReader reader(db_.get());
  std::string start = internal::EventTimeKey(boundaries.front(), 0);
  std::string end = internal::EventTimeKey(boundaries.back(), 0);
  size_t bucket = 0;
  LINEAGED_RETURN_IF_ERROR(reader.Scan(
      db_->index(), start, end, false, [&](std::string_view key, std::string_view value) {
        if (value.size() < 2 || value[0] != static_cast<char>(EventKind::kRun)) return true;
        int64_t t = internal::SignedFromOrdered(DecodeBigEndian64(key.substr(1, 8)));
        while (bucket + 1 < counts.size() && t >= counts[bucket].end_micros) ++bucket;
        switch (static_cast<RunEventType>(value[1])) {
          case RunEventType::kStart:
            ++counts[bucket].start;
            break;
          case RunEventType::kComplete:
            ++counts[bucket].complete;
            break;
          case RunEventType::kFail:
            ++counts[bucket].fail;
            break;
          case RunEventType::kAbort:
            ++counts[bucket].abort;
            break;
          default:
            break;
        }
        return true;
      }));
  return counts;
}

// --- column lineage -------------------------------------------------------------

namespace {

// A dataset as of a cutoff: its newest version created at or before it, and
// the column lineage the newest write at or before it set.
struct DatasetAsOf {
  std::optional<Uuid> version;
  google::protobuf::RepeatedPtrField<internal::FieldRecord> fields;
  google::protobuf::RepeatedPtrField<internal::ColumnLineageRecord> column_lineage;
};

// Reads dataset `id`'s versions newest first, below sequence `end_seq`,
// skipping those created after `cutoff_micros`.
absl::StatusOr<DatasetAsOf> ReadDatasetAsOf(ModelReader& reader, uint64_t id, uint64_t end_seq,
                                            int64_t cutoff_micros) {
  DatasetAsOf as_of;
  bool have_version = false;
  absl::Status status;
  LINEAGED_RETURN_IF_ERROR(reader.Scan(
      reader.db()->graph(), internal::NodeSequenceKey(internal::kDatasetVersionPrefix, id, 0),
      internal::NodeSequenceKey(internal::kDatasetVersionPrefix, id, end_seq), true,
      [&](std::string_view, std::string_view value) {
        internal::DatasetVersionRecord record;
        if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          status = absl::DataLossError("unreadable dataset version record");
          return false;
        }
        if (record.created_at_micros() > cutoff_micros) return true;
        if (!have_version) {
          have_version = true;
          as_of.version = internal::UuidOf(record.version());
          as_of.fields = record.fields();
        }
        if (!record.has_column_lineage()) return true;
        as_of.column_lineage = std::move(*record.mutable_column_lineage());
        return false;
      }));
  LINEAGED_RETURN_IF_ERROR(status);
  return as_of;
}

}  // namespace

absl::StatusOr<std::vector<ColumnLineageNode>> GraphStore::GetColumnLineage(
    const NodeRef& start, std::optional<std::string> field, int depth, bool with_downstream,
    std::optional<Uuid> version) const {
  if (!is_open()) return absl::UnavailableError("the store is closed");
  if (version && with_downstream) {
    return absl::InvalidArgumentError(
        "Node version cannot be specified when withDownstream is true");
  }
  ModelReader reader(db_.get());
  absl::Status not_found = absl::NotFoundError("Could not find node");
  std::optional<uint64_t> start_id;
  if (start.kind == NodeKind::kDataset) {
    auto node = reader.VisibleNode(NodeKind::kDataset, start.name);
    if (node.ok()) start_id = node->first;
  } else {
    auto node = reader.VisibleNode(NodeKind::kJob, start.name);
    if (node.ok()) start_id = node->first;
  }
  if (!start_id) return not_found;

  // As of a version, datasets are read through as_of (versioned is set);
  // otherwise their records are current.
  const bool versioned = version.has_value();
  int64_t cutoff = 0;
  std::map<uint64_t, DatasetAsOf> as_of;
  auto dataset_as_of = [&](uint64_t id) -> absl::StatusOr<const DatasetAsOf*> {
    auto it = as_of.find(id);
    if (it == as_of.end()) {
      LINEAGED_ASSIGN_OR_RETURN(DatasetAsOf read, ReadDatasetAsOf(reader, id, UINT64_MAX, cutoff));
      it = as_of.emplace(id, std::move(read)).first;
    }
    return &it->second;
  };
  // What the walk shows of a dataset: as of the cutoff, or current.
  struct DatasetView {
    std::optional<Uuid> version;
    const google::protobuf::RepeatedPtrField<internal::FieldRecord>* fields;
    const google::protobuf::RepeatedPtrField<internal::ColumnLineageRecord>* column_lineage;
  };
  auto view_of = [&](uint64_t id) -> absl::StatusOr<DatasetView> {
    if (versioned) {
      LINEAGED_ASSIGN_OR_RETURN(const DatasetAsOf* state, dataset_as_of(id));
      return DatasetView{state->version, &state->fields, &state->column_lineage};
    }
    LINEAGED_ASSIGN_OR_RETURN(const NodeRecord* record, reader.Node(id));
    DatasetView view{std::nullopt, &record->fields(), &record->column_lineage()};
    if (!record->current_version().empty()) {
      view.version = internal::UuidOf(record->current_version());
    }
    return view;
  };

  struct Key {
    uint64_t dataset;
    std::string field;
    auto operator<=>(const Key&) const = default;
  };
  std::vector<Key> frontier;
  auto add_fields = [&](uint64_t id) -> absl::Status {
    LINEAGED_ASSIGN_OR_RETURN(DatasetView view, view_of(id));
    for (const internal::FieldRecord& f : *view.fields) {
      if (!field || f.name() == *field) frontier.push_back(Key{id, f.name()});
    }
    return absl::OkStatus();
  };
  LINEAGED_ASSIGN_OR_RETURN(const NodeRecord* start_record, reader.Node(*start_id));
  std::vector<uint64_t> job_outputs(start_record->current_outputs().begin(),
                                    start_record->current_outputs().end());
  if (versioned && start.kind == NodeKind::kDataset) {
    uint64_t seq = 0;
    LINEAGED_ASSIGN_OR_RETURN(
        auto record, FindVersionRecord<internal::DatasetVersionRecord>(
                         reader, internal::kDatasetVersionIdPrefix, internal::kDatasetVersionPrefix,
                         *start_id, *version, &seq));
    if (!record) return not_found;
    cutoff = record->created_at_micros();
    // The start dataset is as of its own version, whatever the other
    // versions' times.
    LINEAGED_ASSIGN_OR_RETURN(DatasetAsOf start_as_of,
                              ReadDatasetAsOf(reader, *start_id, seq + 1, INT64_MAX));
    as_of.emplace(*start_id, std::move(start_as_of));
  } else if (versioned) {
    LINEAGED_ASSIGN_OR_RETURN(auto record, FindVersionRecord<internal::JobVersionRecord>(
                                               reader, internal::kJobVersionIdPrefix,
                                               internal::kJobVersionPrefix, *start_id, *version));
    if (!record) return not_found;
    cutoff = record->created_at_micros();
    job_outputs.assign(record->outputs().begin(), record->outputs().end());
  }
  if (start.kind == NodeKind::kDataset) {
    LINEAGED_RETURN_IF_ERROR(add_fields(*start_id));
  } else {
    for (uint64_t output : job_outputs) {
      LINEAGED_ASSIGN_OR_RETURN(const NodeRecord* record, reader.Node(output));
      if (!record->hidden()) LINEAGED_RETURN_IF_ERROR(add_fields(output));
    }
  }
  if (frontier.empty()) return not_found;

  // Breadth-first; depth counts column edges.
  std::set<Key> visited(frontier.begin(), frontier.end());
  for (int hop = 0; hop < depth && !frontier.empty(); ++hop) {
    std::vector<Key> next;
    for (const Key& key : frontier) {
      LINEAGED_ASSIGN_OR_RETURN(DatasetView view, view_of(key.dataset));
      for (const internal::ColumnLineageRecord& column : *view.column_lineage) {
        if (column.field() != key.field) continue;
        for (const internal::ColumnInputRecord& in : column.inputs()) {
          LINEAGED_ASSIGN_OR_RETURN(
              std::optional<uint64_t> id,
              reader.LookupId(NodeKind::kDataset,
                              QualifiedName{in.namespace_name(), in.dataset()}));
          if (!id) continue;
          LINEAGED_ASSIGN_OR_RETURN(const NodeRecord* input, reader.Node(*id));
          if (input->hidden()) continue;
          Key upstream{*id, in.field()};
          if (visited.insert(upstream).second) next.push_back(upstream);
        }
      }
      if (!with_downstream) continue;
      std::string prefix = internal::ColumnEdgePrefix(key.dataset, key.field);
      std::string end = prefix;
      end.push_back('\xff');
      std::vector<Key> downstream;
      LINEAGED_RETURN_IF_ERROR(
          reader.Scan(db_->graph(), prefix, end, false, [&](std::string_view k, std::string_view) {
            Key out;
            if (internal::DecodeColumnEdgeSuffix(k.substr(prefix.size()), &out.dataset,
                                                 &out.field)) {
              downstream.push_back(std::move(out));
            }
            return true;
          }));
      for (Key& out : downstream) {
        LINEAGED_ASSIGN_OR_RETURN(const NodeRecord* record, reader.Node(out.dataset));
        if (record->hidden()) continue;
        if (visited.insert(out).second) next.push_back(std::move(out));
      }
    }
    frontier = std::move(next);
  }

  std::map<Key, ColumnLineageNode> nodes;
  for (const Key& key : visited) {
    LINEAGED_ASSIGN_OR_RETURN(const NodeRecord* record, reader.Node(key.dataset));
    ColumnLineageNode node;
    node.id = DatasetField{internal::NameOf(*record), key.field};
    LINEAGED_ASSIGN_OR_RETURN(DatasetView view, view_of(key.dataset));
    node.dataset_version = view.version;
    for (const internal::FieldRecord& f : *view.fields) {
      if (f.name() == key.field && f.has_type()) node.field_type = f.type();
    }
    for (const internal::ColumnLineageRecord& column : *view.column_lineage) {
      if (column.field() != key.field) continue;
      node.transformation_description = column.transformation_description();
      node.transformation_type = column.transformation_type();
      for (const internal::ColumnInputRecord& in : column.inputs()) {
        ColumnLineageInputField input{{in.namespace_name(), in.dataset()},
                                      in.field(),
                                      in.transformation_description(),
                                      in.transformation_type(),
                                      std::nullopt};
        LINEAGED_ASSIGN_OR_RETURN(std::optional<uint64_t> input_id,
                                  reader.LookupId(NodeKind::kDataset, input.dataset));
        if (input_id) {
          LINEAGED_ASSIGN_OR_RETURN(DatasetView input_view, view_of(*input_id));
          input.dataset_version = input_view.version;
        }
        node.input_fields.push_back(std::move(input));
      }
    }
    // Marquez reports pure-input leaves with an empty type.
    if (node.input_fields.empty()) node.field_type.clear();
    nodes.emplace(key, std::move(node));
  }
  // Edges only between nodes of the result.
  std::map<DatasetField, Key> by_name;
  for (const auto& [key, node] : nodes) by_name.emplace(node.id, key);
  for (auto& [key, node] : nodes) {
    for (const ColumnLineageInputField& in : node.input_fields) {
      auto it = by_name.find(DatasetField{in.dataset, in.field});
      if (it == by_name.end()) continue;
      node.upstream.push_back(it->first);
      nodes[it->second].downstream.push_back(node.id);
    }
  }
  std::vector<ColumnLineageNode> out;
  for (auto& [key, node] : nodes) {
    std::sort(node.upstream.begin(), node.upstream.end());
    std::sort(node.downstream.begin(), node.downstream.end());
    out.push_back(std::move(node));
  }
  std::sort(out.begin(), out.end(),
            [](const ColumnLineageNode& a, const ColumnLineageNode& b) { return a.id < b.id; });
  return out;
}

}  // namespace lineaged::graphstore
