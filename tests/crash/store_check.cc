#include "tests/crash/store_check.h"

#include <array>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"

#include "collector/event_parser.h"
#include "graphstore/graph_store.h"

namespace lineaged::crash {
namespace {

constexpr size_t kReadBatch = 1000;
constexpr size_t kMaxProblemsListed = 20;

std::string Key(const std::string& run_id, std::string_view event_type) {
  std::string key = run_id + " ";
  key.append(event_type);
  return key;
}

class Problems {
 public:
  explicit Problems(std::vector<std::string>* out) : out_(out) {}
  ~Problems() {
    if (dropped_ > 0) out_->push_back(absl::StrCat("... and ", dropped_, " more"));
  }
  void Add(std::string problem) {
    if (out_->size() < kMaxProblemsListed) {
      out_->push_back(std::move(problem));
    } else {
      ++dropped_;
    }
  }

 private:
  std::vector<std::string>* out_;
  uint64_t dropped_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<AckedEvent>> ReadAckLog(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ack log ", path));
  std::vector<AckedEvent> acked;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    std::istringstream fields(line);
    AckedEvent event;
    std::string rest;
    if (!(fields >> event.run_id >> event.event_type) || (fields >> rest) ||
        event.run_id.size() != 36) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": expected '<runId> <eventType>', got '", line, "'"));
    }
    acked.push_back(std::move(event));
  }
  return acked;
}

absl::StatusOr<StoreCheckReport> CheckStore(const std::string& data_dir,
                                            const std::vector<AckedEvent>& acked) {
  graphstore::Options options;
  options.data_dir = data_dir;
  absl::StatusOr<std::unique_ptr<graphstore::GraphStore>> opened =
      graphstore::GraphStore::Open(options);
  if (!opened.ok()) return opened.status();
  graphstore::GraphStore& store = **opened;

  StoreCheckReport report;
  report.acked_events = acked.size();
  Problems problems(&report.problems);

  // (runId, eventType) of every stored event -> its job.
  std::map<std::string, graphstore::QualifiedName> stored;
  std::set<std::array<uint8_t, 16>> hashes;
  collector::EventParser parser(collector::ValidationMode::kLenient);
  uint64_t from = 0;
  uint64_t last_sequence = 0;
  while (true) {
    absl::StatusOr<std::vector<graphstore::StoredEvent>> events =
        store.ReadEvents(from, kReadBatch);
    if (!events.ok()) return events.status();
    for (graphstore::StoredEvent& event : *events) {
      ++report.stored_events;
      if (event.sequence <= last_sequence) {
        problems.Add(absl::StrCat("event sequence ", event.sequence, " after ", last_sequence));
      }
      last_sequence = event.sequence;
      collector::ParsedEvent parsed = parser.Parse(std::move(event.raw_json));
      if (!parsed.ok()) {
        problems.Add(absl::StrCat("stored event ", event.sequence,
                                  " is not a valid event: ", parsed.errors.front()));
        continue;
      }
      if (!hashes.insert(parsed.event.content_hash).second) {
        problems.Add(absl::StrCat("stored event ", event.sequence, " is a duplicate"));
      }
      if (parsed.event.kind == graphstore::EventKind::kRun) {
        stored[Key(graphstore::FormatUuid(parsed.event.run_id),
                   // The ack log writes "-" for an event without a type.
                   parsed.event.event_type == graphstore::RunEventType::kUnspecified
                       ? std::string_view("-")
                       : graphstore::RunEventTypeName(parsed.event.event_type))] = parsed.event.job;
      }
    }
    if (events->size() < kReadBatch) break;
    from = events->back().sequence + 1;
  }

  if (store.event_count() != report.stored_events) {
    problems.Add(absl::StrCat("the store counts ", store.event_count(), " events but holds ",
                              report.stored_events));
  }
  if (store.GetStats().events != report.stored_events) {
    problems.Add(absl::StrCat("the store's statistics count ", store.GetStats().events,
                              " events but it holds ", report.stored_events));
  }

  std::set<graphstore::QualifiedName> jobs;
  uint64_t missing = 0;
  for (const AckedEvent& event : acked) {
    auto it = stored.find(Key(event.run_id, event.event_type));
    if (it == stored.end()) {
      ++missing;
      problems.Add(absl::StrCat("acknowledged event ", event.run_id, " ", event.event_type,
                                " is not in the store"));
      continue;
    }
    jobs.insert(it->second);
  }
  if (missing > 0) {
    problems.Add(absl::StrCat(missing, " of ", acked.size(), " acknowledged events are missing"));
  }
  for (const graphstore::QualifiedName& job : jobs) {
    ++report.jobs_checked;
    absl::StatusOr<graphstore::LineageGraph> graph =
        store.GetLineage({graphstore::NodeKind::kJob, job}, 1);
    if (!graph.ok()) {
      problems.Add(absl::StrCat("lineage of job ", job.namespace_name, ":", job.name, ": ",
                                graph.status().ToString()));
    }
  }
  if (absl::Status closed = store.Close(); !closed.ok()) return closed;
  return report;
}

}  // namespace lineaged::crash
