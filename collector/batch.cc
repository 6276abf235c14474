#include "collector/batch.h"

#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "simdjson.h"

namespace lineaged::collector {

namespace dom = simdjson::dom;

absl::StatusOr<std::vector<std::string>> SplitBatch(std::string_view body, bool ndjson) {
  std::vector<std::string> elements;
  if (ndjson) {
    // Lines are parsed one by one later; only cut them here.
    size_t start = 0;
    while (start <= body.size()) {
      size_t end = body.find('\n', start);
      if (end == std::string_view::npos) end = body.size();
      std::string_view line = body.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") != std::string_view::npos) {
        elements.emplace_back(line);
      }
      start = end + 1;
    }
    return elements;
  }
  dom::parser parser;
  dom::element root;
  simdjson::padded_string padded(body);
  if (auto error = parser.parse(padded).get(root); error != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON batch: ", simdjson::error_message(error)));
  }
  dom::array array;
  if (root.get_array().get(array) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("a batch must be a JSON array of events");
  }
  for (dom::element item : array) {
    elements.push_back(simdjson::minify(item));
  }
  return elements;
}

namespace {

// Collects the results of one batch; the last one to arrive calls `done`.
struct BatchState {
  explicit BatchState(size_t n, std::function<void(std::vector<IngestResult>)> on_done)
      : results(n), remaining(n), done(std::move(on_done)) {}

  void Set(size_t index, IngestResult result) {
    results[index] = std::move(result);
    if (remaining.fetch_sub(1) == 1) done(std::move(results));
  }

  std::vector<IngestResult> results;
  std::atomic<size_t> remaining;
  std::function<void(std::vector<IngestResult>)> done;
};

}  // namespace

void IngestBatch(IngestService* service, std::vector<std::string> events,
                 std::function<void(std::vector<IngestResult>)> done) {
  if (events.empty()) {
    done({});
    return;
  }
  auto state = std::make_shared<BatchState>(events.size(), std::move(done));
  for (size_t i = 0; i < events.size(); ++i) {
    service->Ingest(std::move(events[i]),
                    [state, i](IngestResult result) { state->Set(i, std::move(result)); });
  }
}

}  // namespace lineaged::collector
