#include "collector/internal/proto_json.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace lineaged::collector::internal {
namespace {

using google::protobuf::Map;

// Writes a JSON object member by member; values are raw JSON text.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string* out) : out_(out) { out_->push_back('{'); }
  ~ObjectWriter() { out_->push_back('}'); }

  void Raw(const std::string& key, const std::string& json) {
    Key(key);
    out_->append(json);
  }
  void String(const std::string& key, const std::string& value) {
    if (value.empty()) return;
    Raw(key, nlohmann::json(value).dump());
  }
  std::string* Key(const std::string& key) {
    if (!first_) out_->push_back(',');
    first_ = false;
    out_->append(nlohmann::json(key).dump());
    out_->push_back(':');
    return out_;
  }

 private:
  std::string* out_;
  bool first_ = true;
};

void Facets(ObjectWriter* parent, const std::string& key,
            const Map<std::string, std::string>& map) {
  if (map.empty()) return;
  // Sorted, so the same facets always give the same text (and event identity).
  std::vector<std::pair<std::string, std::string>> entries(map.begin(), map.end());
  std::sort(entries.begin(), entries.end());
  ObjectWriter facets(parent->Key(key));
  for (const auto& [name, json] : entries) facets.Raw(name, json);
}

std::string Timestamp(const google::protobuf::Timestamp& t) {
  absl::Time time = absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
  return nlohmann::json(absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", time, absl::UTCTimeZone())).dump();
}

void Datasets(ObjectWriter* parent, const std::string& key,
              const google::protobuf::RepeatedPtrField<lineaged::v1::Dataset>& datasets,
              const char* extra_facets_key) {
  if (datasets.empty()) return;
  std::string* out = parent->Key(key);
  out->push_back('[');
  for (int i = 0; i < datasets.size(); ++i) {
    if (i > 0) out->push_back(',');
    const auto& dataset = datasets[i];
    ObjectWriter writer(out);
    writer.String("namespace", dataset.namespace_());
    writer.String("name", dataset.name());
    Facets(&writer, "facets", dataset.facets());
    if (extra_facets_key != nullptr) {
      Facets(&writer, extra_facets_key,
             std::string(extra_facets_key) == "inputFacets" ? dataset.input_facets()
                                                            : dataset.output_facets());
    }
  }
  out->push_back(']');
}

void Job(ObjectWriter* parent, const lineaged::v1::Job& job) {
  ObjectWriter writer(parent->Key("job"));
  writer.String("namespace", job.namespace_());
  writer.String("name", job.name());
  Facets(&writer, "facets", job.facets());
}

const char* EventTypeName(lineaged::v1::EventType type) {
  switch (type) {
    case lineaged::v1::EVENT_TYPE_START:
      return "START";
    case lineaged::v1::EVENT_TYPE_RUNNING:
      return "RUNNING";
    case lineaged::v1::EVENT_TYPE_COMPLETE:
      return "COMPLETE";
    case lineaged::v1::EVENT_TYPE_ABORT:
      return "ABORT";
    case lineaged::v1::EVENT_TYPE_FAIL:
      return "FAIL";
    case lineaged::v1::EVENT_TYPE_OTHER:
      return "OTHER";
    default:
      return "";
  }
}

}  // namespace

std::string ToOpenLineageJson(const lineaged::v1::EmitRequest& request) {
  std::string out;
  {
    ObjectWriter writer(&out);
    ObjectWriter* root = &writer;
    switch (request.event_case()) {
      case lineaged::v1::EmitRequest::kRunEvent: {
        const auto& event = request.run_event();
        if (event.has_event_time()) root->Raw("eventTime", Timestamp(event.event_time()));
        root->String("eventType", EventTypeName(event.event_type()));
        root->String("producer", event.producer());
        root->String("schemaURL", event.schema_url());
        // run, job and dataset are always written: the shape tells the kind.
        {
          ObjectWriter run(root->Key("run"));
          run.String("runId", event.run().run_id());
          Facets(&run, "facets", event.run().facets());
        }
        Job(root, event.job());
        Datasets(root, "inputs", event.inputs(), "inputFacets");
        Datasets(root, "outputs", event.outputs(), "outputFacets");
        break;
      }
      case lineaged::v1::EmitRequest::kJobEvent: {
        const auto& event = request.job_event();
        if (event.has_event_time()) root->Raw("eventTime", Timestamp(event.event_time()));
        root->String("producer", event.producer());
        root->String("schemaURL", event.schema_url());
        Job(root, event.job());
        Datasets(root, "inputs", event.inputs(), "inputFacets");
        Datasets(root, "outputs", event.outputs(), "outputFacets");
        break;
      }
      case lineaged::v1::EmitRequest::kDatasetEvent: {
        const auto& event = request.dataset_event();
        if (event.has_event_time()) root->Raw("eventTime", Timestamp(event.event_time()));
        root->String("producer", event.producer());
        root->String("schemaURL", event.schema_url());
        ObjectWriter dataset(root->Key("dataset"));
        dataset.String("namespace", event.dataset().namespace_());
        dataset.String("name", event.dataset().name());
        Facets(&dataset, "facets", event.dataset().facets());
        break;
      }
      default:
        break;
    }
  }
  return out;
}

}  // namespace lineaged::collector::internal
