#include "exporters/atlas/atlas_model.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

#include "graphstore/base/strings.h"

namespace lineaged::exporters {

using nlohmann::json;

namespace {

json Attribute(const char* name, const char* type, bool optional = true, bool indexable = false) {
  json def = {{"name", name},           {"typeName", type},
              {"isOptional", optional}, {"cardinality", "SINGLE"},
              {"isUnique", false},      {"isIndexable", indexable}};
  if (std::string_view(type).rfind("array<", 0) == 0) def["cardinality"] = "SET";
  return def;
}

json EntityDef(const char* name, const char* super_type, json attributes) {
  return {{"name", name},
          {"superTypes", json::array({super_type})},
          {"serviceType", "openlineage"},
          {"typeVersion", "1.0"},
          {"attributeDefs", std::move(attributes)}};
}

// eventTime as epoch milliseconds, Atlas's date encoding; nullopt if absent.
std::optional<int64_t> EpochMillis(const json& event, const char* key) {
  auto it = event.find(key);
  if (it == event.end() || !it->is_string()) return std::nullopt;
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, it->get<std::string>(), &time, &error)) {
    return std::nullopt;
  }
  return absl::ToUnixMillis(time);
}

const json* Facet(const json& owner, const char* container, const char* key) {
  auto facets = owner.find(container);
  if (facets == owner.end() || !facets->is_object()) return nullptr;
  auto facet = facets->find(key);
  if (facet == facets->end() || !facet->is_object()) return nullptr;
  return &*facet;
}

std::string StringField(const json* object, const char* key) {
  if (object == nullptr) return "";
  auto it = object->find(key);
  return it != object->end() && it->is_string() ? it->get<std::string>() : "";
}

void SetIfPresent(json* attributes, const char* key, const std::string& value) {
  if (!value.empty()) (*attributes)[key] = value;
}

// Assigns each entity of a request its negative placeholder guid.
class Placeholders {
 public:
  std::string Next() { return std::to_string(--next_); }

 private:
  int next_ = 0;
};

json DatasetEntity(const std::string& guid, std::string_view ns, std::string_view name,
                   const json* dataset, std::optional<int64_t> event_millis) {
  json attributes = {{"qualifiedName", DatasetQualifiedName(ns, name)},
                     {"name", std::string(name)},
                     {"namespace", std::string(ns)},
                     {"uri", DatasetQualifiedName(ns, name)}};
  if (dataset != nullptr) {
    if (const json* schema = Facet(*dataset, "facets", "schema")) {
      attributes["schemaJson"] = schema->dump();
    }
    if (const json* doc = Facet(*dataset, "facets", "documentation")) {
      SetIfPresent(&attributes, "description", StringField(doc, "description"));
    }
    if (const json* ownership = Facet(*dataset, "facets", "ownership")) {
      std::vector<std::string> owners;
      auto list = ownership->find("owners");
      if (list != ownership->end() && list->is_array()) {
        for (const json& owner : *list) {
          std::string owner_name = StringField(&owner, "name");
          if (!owner_name.empty()) owners.push_back(owner_name);
        }
      }
      if (!owners.empty()) attributes["owner"] = absl::StrJoin(owners, ",");
    }
    if (const json* symlinks = Facet(*dataset, "facets", "symlinks")) {
      json names = json::array();
      auto ids = symlinks->find("identifiers");
      if (ids != symlinks->end() && ids->is_array()) {
        for (const json& id : *ids) {
          std::string sns = StringField(&id, "namespace");
          std::string sname = StringField(&id, "name");
          if (!sns.empty() && !sname.empty()) names.push_back(DatasetQualifiedName(sns, sname));
        }
      }
      if (!names.empty()) attributes["symlinks"] = std::move(names);
    }
    auto facets = dataset->find("facets");
    if (facets != dataset->end() && facets->is_object() && !facets->empty()) {
      attributes["facetsJson"] = facets->dump();
    }
    if (event_millis) attributes["lastEventTime"] = *event_millis;
  }
  return {
      {"typeName", "openlineage_dataset"}, {"guid", guid}, {"attributes", std::move(attributes)}};
}

json Reference(const std::string& guid, const char* type) {
  return {{"guid", guid}, {"typeName", type}};
}

}  // namespace

std::string LineagedTypedefsJson() {
  json dataset = EntityDef(
      "openlineage_dataset", "DataSet",
      json::array({Attribute("namespace", "string", true, true), Attribute("uri", "string"),
                   Attribute("symlinks", "array<string>"), Attribute("schemaJson", "string"),
                   Attribute("facetsJson", "string"), Attribute("lastEventTime", "date")}));
  json job = EntityDef(
      "openlineage_job", "Process",
      json::array({Attribute("namespace", "string", true, true), Attribute("jobType", "string"),
                   Attribute("processingType", "string"), Attribute("integration", "string"),
                   Attribute("sqlQuery", "string"), Attribute("sourceCodeUrl", "string"),
                   Attribute("facetsJson", "string"), Attribute("lastRunId", "string"),
                   Attribute("lastRunState", "string"), Attribute("lastEventTime", "date")}));
  json run = EntityDef(
      "openlineage_run", "ProcessExecution",
      json::array({Attribute("runId", "string", false, true),
                   Attribute("eventType", "string", true, true), Attribute("startTime", "date"),
                   Attribute("endTime", "date"), Attribute("nominalStartTime", "date"),
                   Attribute("nominalEndTime", "date"), Attribute("parentRunId", "string"),
                   Attribute("parentJobName", "string"), Attribute("errorMessage", "string"),
                   Attribute("producer", "string"), Attribute("facetsJson", "string")}));
  json relationship = {{"name", "openlineage_job_runs"},
                       {"serviceType", "openlineage"},
                       {"typeVersion", "1.0"},
                       {"relationshipCategory", "COMPOSITION"},
                       {"propagateTags", "NONE"},
                       {"endDef1",
                        {{"type", "openlineage_job"},
                         {"name", "runs"},
                         {"isContainer", true},
                         {"cardinality", "SET"}}},
                       {"endDef2",
                        {{"type", "openlineage_run"},
                         {"name", "job"},
                         {"isContainer", false},
                         {"cardinality", "SINGLE"}}}};
  json typedefs = {{"enumDefs", json::array()},
                   {"structDefs", json::array()},
                   {"classificationDefs", json::array()},
                   {"entityDefs", json::array({dataset, job, run})},
                   {"relationshipDefs", json::array({relationship})}};
  return typedefs.dump();
}

std::string DatasetQualifiedName(std::string_view ns, std::string_view name) {
  // The OpenLineage dataset URI: a name that is already a path is not given
  // a second slash (hdfs://nn:8020 + /data/x).
  if (!name.empty() && name.front() == '/') return absl::StrCat(AsAbsl(ns), AsAbsl(name));
  return absl::StrCat(AsAbsl(ns), "/", AsAbsl(name));
}

std::string JobQualifiedName(std::string_view ns, std::string_view name) {
  return absl::StrCat(AsAbsl(ns), "/", AsAbsl(name));
}

std::string RunQualifiedName(std::string_view job_qualified_name, std::string_view run_id) {
  return absl::StrCat(AsAbsl(job_qualified_name), ":", AsAbsl(run_id));
}

absl::StatusOr<std::optional<graphstore::QualifiedName>> EventJob(std::string_view event_json) {
  json event = json::parse(event_json, nullptr, /*allow_exceptions=*/false);
  if (event.is_discarded() || !event.is_object()) {
    return absl::InvalidArgumentError("stored event is not a JSON object");
  }
  auto job = event.find("job");
  if (job == event.end() || !job->is_object()) return std::optional<graphstore::QualifiedName>();
  return std::optional<graphstore::QualifiedName>(
      graphstore::QualifiedName{StringField(&*job, "namespace"), StringField(&*job, "name")});
}

absl::StatusOr<std::string> BuildBulkRequest(
    std::string_view event_json, const std::vector<graphstore::QualifiedName>& job_inputs,
    const std::vector<graphstore::QualifiedName>& job_outputs) {
  json event = json::parse(event_json, nullptr, /*allow_exceptions=*/false);
  if (event.is_discarded() || !event.is_object()) {
    return absl::InvalidArgumentError("stored event is not a JSON object");
  }
  const std::optional<int64_t> event_millis = EpochMillis(event, "eventTime");
  Placeholders guids;
  json entities = json::array();

  auto dataset_it = event.find("dataset");
  auto job_it = event.find("job");
  if (job_it == event.end() || !job_it->is_object()) {
    // DatasetEvent: the dataset alone.
    if (dataset_it == event.end() || !dataset_it->is_object()) {
      return absl::InvalidArgumentError("event has neither job nor dataset");
    }
    entities.push_back(DatasetEntity(guids.Next(), StringField(&*dataset_it, "namespace"),
                                     StringField(&*dataset_it, "name"), &*dataset_it,
                                     event_millis));
    return json{{"entities", std::move(entities)}}.dump();
  }

  // Datasets of this event carry their facets; datasets the job accumulated
  // earlier are repeated by name only, which Atlas's create-or-update leaves
  // otherwise untouched. Either way the job references them by placeholder,
  // so no reference can point at an entity Atlas does not have.
  std::map<graphstore::QualifiedName, const json*> event_datasets;
  for (const char* list : {"inputs", "outputs"}) {
    auto it = event.find(list);
    if (it == event.end() || !it->is_array()) continue;
    for (const json& dataset : *it) {
      graphstore::QualifiedName name{StringField(&dataset, "namespace"),
                                     StringField(&dataset, "name")};
      event_datasets.emplace(name, &dataset);
    }
  }
  std::map<graphstore::QualifiedName, std::string> dataset_guids;
  auto add_dataset = [&](const graphstore::QualifiedName& name) {
    auto [it, inserted] = dataset_guids.emplace(name, "");
    if (!inserted) return it->second;
    it->second = guids.Next();
    auto found = event_datasets.find(name);
    const json* dataset = found == event_datasets.end() ? nullptr : found->second;
    entities.push_back(DatasetEntity(it->second, name.namespace_name, name.name, dataset,
                                     dataset != nullptr ? event_millis : std::nullopt));
    return it->second;
  };
  json inputs = json::array();
  json outputs = json::array();
  for (const auto& name : job_inputs) {
    inputs.push_back(Reference(add_dataset(name), "openlineage_dataset"));
  }
  for (const auto& name : job_outputs) {
    outputs.push_back(Reference(add_dataset(name), "openlineage_dataset"));
  }
  for (const auto& [name, dataset] : event_datasets) add_dataset(name);

  const json& job = *job_it;
  std::string job_ns = StringField(&job, "namespace");
  std::string job_name = StringField(&job, "name");
  std::string job_qn = JobQualifiedName(job_ns, job_name);
  json job_attributes = {{"qualifiedName", job_qn}, {"name", job_name}, {"namespace", job_ns}};
  // Empty sets are left out, not sent as []: that would erase stored links.
  if (!inputs.empty()) job_attributes["inputs"] = std::move(inputs);
  if (!outputs.empty()) job_attributes["outputs"] = std::move(outputs);
  if (const json* type = Facet(job, "facets", "jobType")) {
    SetIfPresent(&job_attributes, "jobType", StringField(type, "jobType"));
    SetIfPresent(&job_attributes, "processingType", StringField(type, "processingType"));
    SetIfPresent(&job_attributes, "integration", StringField(type, "integration"));
  }
  SetIfPresent(&job_attributes, "sqlQuery", StringField(Facet(job, "facets", "sql"), "query"));
  SetIfPresent(&job_attributes, "sourceCodeUrl",
               StringField(Facet(job, "facets", "sourceCodeLocation"), "url"));
  SetIfPresent(&job_attributes, "description",
               StringField(Facet(job, "facets", "documentation"), "description"));
  auto job_facets = job.find("facets");
  if (job_facets != job.end() && job_facets->is_object() && !job_facets->empty()) {
    job_attributes["facetsJson"] = job_facets->dump();
  }
  if (event_millis) job_attributes["lastEventTime"] = *event_millis;

  auto run_it = event.find("run");
  const std::string job_guid = guids.Next();
  if (run_it != event.end() && run_it->is_object()) {
    const json& run = *run_it;
    std::string run_id = StringField(&run, "runId");
    std::string event_type = StringField(&event, "eventType");
    SetIfPresent(&job_attributes, "lastRunId", run_id);
    SetIfPresent(&job_attributes, "lastRunState", event_type);
    json run_attributes = {{"qualifiedName", RunQualifiedName(job_qn, run_id)},
                           {"name", absl::StrCat(job_name, " run ", run_id)},
                           {"runId", run_id}};
    SetIfPresent(&run_attributes, "eventType", event_type);
    SetIfPresent(&run_attributes, "producer", StringField(&event, "producer"));
    if (event_millis) {
      if (event_type == "START") run_attributes["startTime"] = *event_millis;
      if (event_type == "COMPLETE" || event_type == "FAIL" || event_type == "ABORT") {
        run_attributes["endTime"] = *event_millis;
      }
    }
    if (const json* nominal = Facet(run, "facets", "nominalTime")) {
      if (auto start = EpochMillis(*nominal, "nominalStartTime")) {
        run_attributes["nominalStartTime"] = *start;
      }
      if (auto end = EpochMillis(*nominal, "nominalEndTime")) {
        run_attributes["nominalEndTime"] = *end;
      }
    }
    if (const json* parent = Facet(run, "facets", "parent")) {
      auto parent_run = parent->find("run");
      if (parent_run != parent->end()) {
        SetIfPresent(&run_attributes, "parentRunId", StringField(&*parent_run, "runId"));
      }
      auto parent_job = parent->find("job");
      if (parent_job != parent->end()) {
        SetIfPresent(&run_attributes, "parentJobName",
                     JobQualifiedName(StringField(&*parent_job, "namespace"),
                                      StringField(&*parent_job, "name")));
      }
    }
    SetIfPresent(&run_attributes, "errorMessage",
                 StringField(Facet(run, "facets", "errorMessage"), "message"));
    auto run_facets = run.find("facets");
    if (run_facets != run.end() && run_facets->is_object() && !run_facets->empty()) {
      run_attributes["facetsJson"] = run_facets->dump();
    }
    entities.push_back({{"typeName", "openlineage_job"},
                        {"guid", job_guid},
                        {"attributes", std::move(job_attributes)}});
    entities.push_back(
        {{"typeName", "openlineage_run"},
         {"guid", guids.Next()},
         {"attributes", std::move(run_attributes)},
         {"relationshipAttributes", {{"job", Reference(job_guid, "openlineage_job")}}}});
  } else {
    entities.push_back({{"typeName", "openlineage_job"},
                        {"guid", job_guid},
                        {"attributes", std::move(job_attributes)}});
  }
  return json{{"entities", std::move(entities)}}.dump();
}

}  // namespace lineaged::exporters
