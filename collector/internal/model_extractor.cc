#include "collector/internal/model_extractor.h"

#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

#include "collector/internal/identifiers.h"
#include "graphstore/base/strings.h"

namespace lineaged::collector::internal {
namespace {

namespace dom = simdjson::dom;
using graphstore::DatasetMention;
using graphstore::Facet;
using graphstore::QualifiedName;

std::optional<dom::element> Field(dom::object object, std::string_view key) {
  dom::element value;
  if (object.at_key(key).get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
  return value;
}

std::optional<dom::object> Object(dom::object object, std::string_view key) {
  std::optional<dom::element> value = Field(object, key);
  dom::object out;
  if (!value || value->get_object().get(out) != simdjson::SUCCESS) return std::nullopt;
  return out;
}

std::optional<std::string> String(dom::object object, std::string_view key) {
  std::optional<dom::element> value = Field(object, key);
  std::string_view text;
  if (!value || value->get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
  return std::string(text);
}

// `texts`, if set, lists the members of the same facets object (FacetTexts).
std::vector<Facet> Facets(dom::object parent, std::string_view key,
                          const std::optional<FacetTexts::Members>* texts) {
  std::vector<Facet> facets;
  std::optional<dom::object> object = Object(parent, key);
  if (!object) return facets;
  const FacetTexts::Members* members =
      texts != nullptr && texts->has_value() && (*texts)->size() == object->size() ? &**texts
                                                                                   : nullptr;
  size_t index = 0;
  for (auto [name, value] : *object) {
    const std::string_view text = members != nullptr ? (*members)[index] : std::string_view();
    ++index;
    if (!value.is_object()) continue;
    // Spark's catch-all facet is noise, as Marquez judges too.
    if (name == "spark_unknown") continue;
    Facet facet;
    facet.name = std::string(name);
    dom::element deleted;
    facet.deleted =
        value.get_object().value_unsafe().at_key("_deleted").get(deleted) == simdjson::SUCCESS &&
        deleted.is_bool() && bool(deleted);
    if (!facet.deleted) facet.json = text.empty() ? simdjson::minify(value) : std::string(text);
    facets.push_back(std::move(facet));
  }
  return facets;
}

void ExtractSchema(dom::object facets, DatasetMention* out) {
  std::optional<dom::object> schema = Object(facets, "schema");
  if (!schema) return;
  out->schema.emplace();
  std::optional<dom::element> fields = Field(*schema, "fields");
  dom::array array;
  if (!fields || fields->get_array().get(array) != simdjson::SUCCESS) return;
  for (dom::element item : array) {
    dom::object field;
    if (item.get_object().get(field) != simdjson::SUCCESS) continue;
    std::optional<std::string> name = String(field, "name");
    if (!name) continue;
    out->schema->push_back(graphstore::SchemaField{std::move(*name), String(field, "type"),
                                                   String(field, "description")});
  }
}

void ExtractColumnLineage(dom::object facets, DatasetMention* out) {
  std::optional<dom::object> facet = Object(facets, "columnLineage");
  if (!facet) return;
  std::optional<dom::object> fields = Object(*facet, "fields");
  if (!fields) return;
  for (auto [field_name, value] : *fields) {
    dom::object column;
    if (value.get_object().get(column) != simdjson::SUCCESS) continue;
    graphstore::ColumnLineageField out_field;
    out_field.field = std::string(field_name);
    std::string description = String(column, "transformationDescription").value_or("");
    std::string type = String(column, "transformationType").value_or("");
    std::optional<dom::element> inputs = Field(column, "inputFields");
    dom::array array;
    if (!inputs || inputs->get_array().get(array) != simdjson::SUCCESS) continue;
    for (dom::element item : array) {
      dom::object input;
      if (item.get_object().get(input) != simdjson::SUCCESS) continue;
      std::optional<std::string> ns = String(input, "namespace");
      std::optional<std::string> name = String(input, "name");
      std::optional<std::string> field = String(input, "field");
      if (!ns || !name || !field) continue;
      graphstore::ColumnLineageInputField in{
          {std::move(*ns), std::move(*name)}, std::move(*field), description, type, std::nullopt};
      // The newer per-input "transformations" array: its first entry.
      dom::array transformations;
      std::optional<dom::element> list = Field(input, "transformations");
      if (list && list->get_array().get(transformations) == simdjson::SUCCESS) {
        for (dom::element t : transformations) {
          dom::object transformation;
          if (t.get_object().get(transformation) != simdjson::SUCCESS) continue;
          if (auto d = String(transformation, "description")) in.transformation_description = *d;
          if (auto ty = String(transformation, "type")) in.transformation_type = *ty;
          break;
        }
      }
      out_field.inputs.push_back(std::move(in));
    }
    if (!out_field.inputs.empty()) {
      out_field.transformation_description = out_field.inputs[0].transformation_description;
      out_field.transformation_type = out_field.inputs[0].transformation_type;
    }
    out->column_lineage.push_back(std::move(out_field));
  }
}

// Reads one dataset; "" or the 400 message for a namespace Marquez refuses.
std::string ExtractDataset(dom::element value, std::string_view io_facets_key,
                           const FacetTexts::Dataset* texts, DatasetMention* out) {
  dom::object dataset = value.get_object().value_unsafe();
  out->name.namespace_name = String(dataset, "namespace").value_or("");
  out->name.name = String(dataset, "name").value_or("");
  if (!IsValidNamespace(out->name.namespace_name)) {
    return absl::StrCat("dataset namespace '", out->name.namespace_name,
                        "' has characters outside [a-zA-Z0-9:;=/_-.@+]");
  }
  out->facets = Facets(dataset, "facets", texts != nullptr ? &texts->facets : nullptr);
  if (!io_facets_key.empty()) {
    out->io_facets = Facets(dataset, io_facets_key, texts != nullptr ? &texts->io_facets : nullptr);
  }
  std::optional<dom::object> facets = Object(dataset, "facets");
  if (!facets) return "";
  ExtractSchema(*facets, out);
  if (auto doc = Object(*facets, "documentation")) out->description = String(*doc, "description");
  if (auto source = Object(*facets, "dataSource")) {
    out->source_name = String(*source, "name");
    out->source_uri = String(*source, "uri");
  }
  if (auto lifecycle = Object(*facets, "lifecycleStateChange")) {
    out->lifecycle_state = String(*lifecycle, "lifecycleStateChange");
  }
  if (auto symlinks = Object(*facets, "symlinks")) {
    dom::array identifiers;
    std::optional<dom::element> list = Field(*symlinks, "identifiers");
    if (list && list->get_array().get(identifiers) == simdjson::SUCCESS) {
      for (dom::element item : identifiers) {
        dom::object id;
        if (item.get_object().get(id) != simdjson::SUCCESS) continue;
        std::optional<std::string> ns = String(id, "namespace");
        std::optional<std::string> name = String(id, "name");
        if (!ns || !name || !IsValidNamespace(*ns)) continue;
        out->symlinks.push_back(graphstore::DatasetSymlink{{std::move(*ns), std::move(*name)},
                                                           String(id, "type").value_or("")});
      }
    }
  }
  ExtractColumnLineage(*facets, out);
  return "";
}

std::string ExtractDatasets(dom::object root, std::string_view key, std::string_view io_key,
                            const std::vector<FacetTexts::Dataset>* texts,
                            std::vector<DatasetMention>* out) {
  std::optional<dom::element> list = Field(root, key);
  dom::array array;
  if (!list || list->get_array().get(array) != simdjson::SUCCESS) return "";
  if (texts != nullptr && texts->size() != array.size()) texts = nullptr;
  size_t index = 0;
  for (dom::element item : array) {
    DatasetMention mention;
    const FacetTexts::Dataset* item_texts = texts != nullptr ? &(*texts)[index] : nullptr;
    ++index;
    if (std::string problem = ExtractDataset(item, io_key, item_texts, &mention);
        !problem.empty()) {
      return problem;
    }
    out->push_back(std::move(mention));
  }
  return "";
}

void ExtractJob(dom::object root, const FacetTexts* texts, graphstore::Event* event) {
  std::optional<dom::object> job = Object(root, "job");
  if (!job) return;
  event->job.namespace_name = SanitizeNamespace(event->job.namespace_name);
  graphstore::JobMention& mention = event->job_mention;
  mention.facets = Facets(*job, "facets", texts != nullptr ? &texts->job : nullptr);
  std::optional<dom::object> facets = Object(*job, "facets");
  if (!facets) return;
  if (auto type = Object(*facets, "jobType")) {
    if (auto processing = String(*type, "processingType")) {
      mention.streaming = *processing == "STREAMING";
    }
  }
  if (auto location = Object(*facets, "sourceCodeLocation")) {
    mention.location = String(*location, "url");
  }
  if (auto doc = Object(*facets, "documentation"))
    mention.description = String(*doc, "description");
}

std::optional<int64_t> Time(dom::object object, std::string_view key) {
  std::optional<std::string> text = String(object, key);
  if (!text) return std::nullopt;
  std::optional<ParsedTime> parsed = ParseIsoTime(*text);
  if (!parsed) return std::nullopt;
  return parsed->micros;
}

void ExtractRun(dom::object root, const FacetTexts* texts, graphstore::Event* event) {
  std::optional<dom::object> run = Object(root, "run");
  if (!run) return;
  graphstore::RunMention& mention = event->run_mention;
  mention.facets = Facets(*run, "facets", texts != nullptr ? &texts->run : nullptr);
  std::optional<dom::object> facets = Object(*run, "facets");
  if (!facets) return;
  if (auto nominal = Object(*facets, "nominalTime")) {
    mention.nominal_start_micros = Time(*nominal, "nominalStartTime");
    mention.nominal_end_micros = Time(*nominal, "nominalEndTime");
  }
  std::optional<dom::object> parent = Object(*facets, "parent");
  if (!parent) parent = Object(*facets, "parentRun");  // Marquez's accepted alias
  if (!parent) return;
  std::optional<dom::object> parent_run = Object(*parent, "run");
  std::optional<dom::object> parent_job = Object(*parent, "job");
  if (!parent_run || !parent_job) return;
  std::optional<std::string> run_id = String(*parent_run, "runId");
  std::optional<std::string> ns = String(*parent_job, "namespace");
  std::optional<std::string> name = String(*parent_job, "name");
  if (!run_id || !ns || !name || run_id->empty() || name->empty()) return;
  graphstore::ParentRunRef ref;
  if (auto uuid = ParseUuid(*run_id)) {
    ref.run_id = *uuid;
  } else {
    ref.run_id = NameUuidFromBytes(*run_id);
  }
  ref.job = QualifiedName{SanitizeNamespace(*ns), std::move(*name)};
  mention.parent = std::move(ref);
}

bool AllowedNamespaceChar(char c, bool ingest) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case ':':
    case '/':
    case '_':
    case '-':
    case '.':
    case '@':
    case '+':
      return true;
    case ';':
    case '=':
      return !ingest;
    default:
      return false;
  }
}

namespace ondemand = simdjson::ondemand;

// Lists the members of `value` if it is an object (FacetTexts::Members).
simdjson::error_code FindMembers(ondemand::value value, std::optional<FacetTexts::Members>* out) {
  ondemand::json_type type;
  SIMDJSON_TRY(value.type().get(type));
  if (type != ondemand::json_type::object) return simdjson::SUCCESS;
  ondemand::object object;
  SIMDJSON_TRY(value.get_object().get(object));
  FacetTexts::Members& members = out->emplace();
  for (auto field : object) {
    ondemand::value member;
    SIMDJSON_TRY(field.value().get(member));
    SIMDJSON_TRY(member.type().get(type));
    std::string_view text;
    if (type == ondemand::json_type::object) {
      ondemand::object member_object;
      SIMDJSON_TRY(member.get_object().get(member_object));
      SIMDJSON_TRY(member_object.raw_json().get(text));
    }
    members.push_back(text);
  }
  return simdjson::SUCCESS;
}

// Finds the first member `key` of each of `keys` in `value`, if it is an
// object, and lists its members into the matching `out`.
simdjson::error_code FindFacetObjects(
    ondemand::value value, std::initializer_list<std::string_view> keys,
    std::initializer_list<std::optional<FacetTexts::Members>*> out) {
  ondemand::json_type type;
  SIMDJSON_TRY(value.type().get(type));
  if (type != ondemand::json_type::object) return simdjson::SUCCESS;
  ondemand::object object;
  SIMDJSON_TRY(value.get_object().get(object));
  std::vector<bool> seen(keys.size());
  for (auto field : object) {
    std::string_view key;
    SIMDJSON_TRY(field.unescaped_key().get(key));
    size_t i = 0;
    for (std::string_view wanted : keys) {
      if (key == wanted && !seen[i]) break;
      ++i;
    }
    if (i == keys.size()) continue;
    seen[i] = true;
    ondemand::value member;
    SIMDJSON_TRY(field.value().get(member));
    SIMDJSON_TRY(FindMembers(member, out.begin()[i]));
  }
  return simdjson::SUCCESS;
}

simdjson::error_code FindDatasets(ondemand::value value, std::string_view io_key,
                                  std::vector<FacetTexts::Dataset>* out) {
  ondemand::json_type type;
  SIMDJSON_TRY(value.type().get(type));
  if (type != ondemand::json_type::array) return simdjson::SUCCESS;
  ondemand::array array;
  SIMDJSON_TRY(value.get_array().get(array));
  for (auto item : array) {
    ondemand::value dataset;
    SIMDJSON_TRY(item.get(dataset));
    FacetTexts::Dataset& texts = out->emplace_back();
    SIMDJSON_TRY(FindFacetObjects(dataset, {"facets", io_key}, {&texts.facets, &texts.io_facets}));
  }
  return simdjson::SUCCESS;
}

simdjson::error_code FindAll(ondemand::document& document, FacetTexts* out) {
  ondemand::object root;
  SIMDJSON_TRY(document.get_object().get(root));
  bool seen[5] = {};
  for (auto field : root) {
    std::string_view key;
    SIMDJSON_TRY(field.unescaped_key().get(key));
    int which = key == "run"       ? 0
                : key == "job"     ? 1
                : key == "dataset" ? 2
                : key == "inputs"  ? 3
                : key == "outputs" ? 4
                                   : -1;
    if (which < 0 || seen[which]) continue;
    seen[which] = true;
    ondemand::value value;
    SIMDJSON_TRY(field.value().get(value));
    switch (which) {
      case 0:
        SIMDJSON_TRY(FindFacetObjects(value, {"facets"}, {&out->run}));
        break;
      case 1:
        SIMDJSON_TRY(FindFacetObjects(value, {"facets"}, {&out->job}));
        break;
      case 2: {
        FacetTexts::Dataset& dataset = out->dataset.emplace();
        SIMDJSON_TRY(FindFacetObjects(value, {"facets"}, {&dataset.facets}));
        break;
      }
      case 3:
        SIMDJSON_TRY(FindDatasets(value, "inputFacets", &out->inputs));
        break;
      case 4:
        SIMDJSON_TRY(FindDatasets(value, "outputFacets", &out->outputs));
        break;
    }
  }
  return simdjson::SUCCESS;
}

}  // namespace

std::optional<FacetTexts> FindFacetTexts(simdjson::ondemand::parser& parser,
                                         std::string_view minified, size_t capacity) {
  ondemand::document document;
  if (parser.iterate(minified.data(), minified.size(), capacity).get(document) !=
      simdjson::SUCCESS) {
    return std::nullopt;
  }
  FacetTexts texts;
  if (FindAll(document, &texts) != simdjson::SUCCESS) return std::nullopt;
  return texts;
}

bool IsValidNamespace(std::string_view name) {
  if (name.empty() || name.size() > 1024) return false;
  for (char c : name) {
    if (!AllowedNamespaceChar(c, /*ingest=*/false)) return false;
  }
  return true;
}

std::string SanitizeNamespace(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (!AllowedNamespaceChar(c, /*ingest=*/true)) c = '_';
  }
  return out;
}

std::string ExtractModel(dom::object root, const FacetTexts* texts, graphstore::Event* event) {
  switch (event->kind) {
    case graphstore::EventKind::kDataset: {
      std::optional<dom::element> dataset = Field(root, "dataset");
      if (!dataset || !dataset->is_object()) return "";
      const FacetTexts::Dataset* dataset_texts =
          texts != nullptr && texts->dataset ? &*texts->dataset : nullptr;
      return ExtractDataset(*dataset, "", dataset_texts, &event->dataset);
    }
    case graphstore::EventKind::kRun:
      ExtractRun(root, texts, event);
      [[fallthrough]];
    case graphstore::EventKind::kJob:
      ExtractJob(root, texts, event);
      if (std::string problem =
              ExtractDatasets(root, "inputs", "inputFacets",
                              texts != nullptr ? &texts->inputs : nullptr, &event->inputs);
          !problem.empty()) {
        return problem;
      }
      return ExtractDatasets(root, "outputs", "outputFacets",
                             texts != nullptr ? &texts->outputs : nullptr, &event->outputs);
  }
  return "";
}

}  // namespace lineaged::collector::internal
