#include "tests/atlas_emulator/internal/queries.h"

#include <algorithm>
#include <functional>
#include <set>
#include <vector>

#include "tests/atlas_emulator/internal/atlas_error.h"

namespace lineaged::testing::internal {
namespace {

constexpr char kInputs[] = "dataset_process_inputs";    // end1 Process, end2 DataSet
constexpr char kOutputs[] = "process_dataset_outputs";  // end1 Process, end2 DataSet

class LineageBuilder {
 public:
  explicit LineageBuilder(const EntityStore& store) : store_(store) {}

  // traverseEdges: from dataset `guid`, through each process that writes it
  // (INPUT) or reads it (OUTPUT), to that process's datasets on the far side.
  void FromDataset(const std::string& guid, bool input, int depth) {
    if (depth == 0) return;
    visited_.insert(guid);
    for (const StoredRelationship* near :
         store_.Edges(guid, input ? kOutputs : kInputs, /*as_end1=*/false)) {
      const std::string& process = near->end1;
      for (const StoredRelationship* far :
           store_.Edges(process, input ? kInputs : kOutputs, /*as_end1=*/true)) {
        AddEdge(*near);
        AddEdge(*far);
        if (visited_.count(far->end2) == 0) FromDataset(far->end2, input, depth - 1);
      }
    }
  }

  void FromProcess(const std::string& guid, bool input, int depth) {
    visited_.insert(guid);
    for (const StoredRelationship* edge :
         store_.Edges(guid, input ? kInputs : kOutputs, /*as_end1=*/true)) {
      AddEdge(*edge);
      if (visited_.count(edge->end2) == 0) FromDataset(edge->end2, input, depth - 1);
    }
  }

  Json relations = Json::array();
  Json entities = Json::object();

 private:
  // Relations follow the data flow: dataset -> process for inputs, process
  // -> dataset for outputs.
  void AddEdge(const StoredRelationship& edge) {
    if (relation_ids_.count(edge.guid) > 0 || relation_ids_.size() >= kMaxLineageRelations) return;
    relation_ids_.insert(edge.guid);
    const bool input_edge = edge.type_name == kInputs;
    const std::string& from = input_edge ? edge.end2 : edge.end1;
    const std::string& to = input_edge ? edge.end1 : edge.end2;
    Json relation = Json::object();
    relation["fromEntityId"] = from;
    relation["toEntityId"] = to;
    relation["relationshipId"] = edge.guid;
    relations.push_back(std::move(relation));
    for (const std::string* guid : {&from, &to}) {
      if (!entities.contains(*guid)) {
        entities[*guid] =
            store_.RenderHeader(*store_.FindByGuid(*guid), EntityStore::HeaderKind::kPlain);
      }
    }
  }

  const EntityStore& store_;
  std::set<std::string> visited_;
  std::set<std::string> relation_ids_;
};

bool Matches(const StoredEntity& entity, const Json& filter) {
  if (!filter.is_object()) return true;
  if (filter.contains("criterion")) {
    const bool any = CoercedString(filter, "condition").value_or("AND") == "OR";
    const Json& criteria = filter["criterion"];
    if (!criteria.is_array() || criteria.empty()) return true;
    for (const Json& criterion : criteria) {
      const bool match = Matches(entity, criterion);
      if (any && match) return true;
      if (!any && !match) return false;
    }
    return !any;
  }
  const std::string name = CoercedString(filter, "attributeName").value_or("");
  std::string op = CoercedString(filter, "operator").value_or("");
  std::transform(op.begin(), op.end(), op.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  const std::string wanted = CoercedString(filter, "attributeValue").value_or("");
  const auto it = entity.attributes.find(name);
  const bool is_null = it == entity.attributes.end() || it->is_null();
  const std::string actual = is_null ? "" : JavaString(*it);
  if (op == "isnull" || op == "is_null") return is_null;
  if (op == "notnull" || op == "not_null") return !is_null;
  if (op == "notempty" || op == "not_empty") return !is_null && !actual.empty();
  if (is_null) return op == "!=" || op == "neq";
  if (op == "=" || op == "eq") return actual == wanted;
  if (op == "!=" || op == "neq") return actual != wanted;
  if (op == "startswith" || op == "begins_with") return actual.rfind(wanted, 0) == 0;
  if (op == "endswith" || op == "ends_with") {
    return actual.size() >= wanted.size() &&
           actual.compare(actual.size() - wanted.size(), wanted.size(), wanted) == 0;
  }
  if (op == "contains" || op == "like") return actual.find(wanted) != std::string::npos;
  if (op == "not_contains") return actual.find(wanted) == std::string::npos;
  const auto a = ParseDouble(actual);
  const auto b = ParseDouble(wanted);
  if (!a || !b) return false;
  if (op == "<" || op == "lt") return *a < *b;
  if (op == ">" || op == "gt") return *a > *b;
  if (op == "<=" || op == "lte") return *a <= *b;
  if (op == ">=" || op == "gte") return *a >= *b;
  return false;
}

bool ContainsIgnoreCase(const std::string& haystack, const std::string& needle) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](char c) {
      return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return s;
  };
  return lower(haystack).find(lower(needle)) != std::string::npos;
}

}  // namespace

absl::StatusOr<Json> Lineage(const EntityStore& store, const TypeRegistry& registry,
                             const std::string& guid, const std::string& direction, int depth) {
  const StoredEntity* entity = store.FindByGuid(guid);
  if (entity == nullptr) return AtlasError(AtlasErrorCode::kInstanceGuidNotFound, {guid});
  const bool dataset = registry.IsA(entity->type_name, "DataSet");
  const bool process = registry.IsA(entity->type_name, "Process");
  if (!dataset && !process) {
    return AtlasError(AtlasErrorCode::kInvalidLineageEntityType, {guid, entity->type_name});
  }
  const int effective_depth = depth == 0 ? -1 : depth;
  LineageBuilder builder(store);
  for (bool input : {true, false}) {
    if (direction != "BOTH" && direction != (input ? "INPUT" : "OUTPUT")) continue;
    // A fresh visited set per direction, as getLineageInfoV2 computes BOTH as
    // the union of an INPUT and an OUTPUT answer.
    LineageBuilder one(store);
    if (dataset) {
      one.FromDataset(guid, input, effective_depth);
    } else {
      one.FromProcess(guid, input, effective_depth);
    }
    for (const Json& relation : one.relations) {
      const bool seen = std::any_of(
          builder.relations.begin(), builder.relations.end(),
          [&](const Json& r) { return r["relationshipId"] == relation["relationshipId"]; });
      if (!seen && builder.relations.size() < kMaxLineageRelations) {
        builder.relations.push_back(relation);
      }
    }
    for (const auto& [key, header] : one.entities.items()) builder.entities[key] = header;
  }
  Json out = Json::object();
  out["baseEntityGuid"] = guid;
  out["lineageDirection"] = direction;
  out["lineageDepth"] = depth;
  out["guidEntityMap"] = std::move(builder.entities);
  out["relations"] = std::move(builder.relations);
  out["relationsOnDemand"] = Json::object();
  return out;
}

absl::StatusOr<Json> BasicSearch(const EntityStore& store, const TypeRegistry& registry,
                                 const Json& params) {
  auto integer = [&](const char* key, int64_t fallback) -> int64_t {
    const auto it = params.find(key);
    if (it == params.end() || it->is_null()) return fallback;
    if (it->is_number()) return it->get<int64_t>();
    if (it->is_string()) return ParseInteger(it->get<std::string>()).value_or(fallback);
    return fallback;
  };
  auto boolean = [&](const char* key, bool fallback) {
    const auto it = params.find(key);
    if (it == params.end() || it->is_null()) return fallback;
    if (it->is_boolean()) return it->get<bool>();
    if (it->is_string()) return EqualsIgnoreCase(it->get<std::string>(), "true");
    return fallback;
  };
  const std::string type_name = CoercedString(params, "typeName").value_or("");
  const std::string query = CoercedString(params, "query").value_or("");
  const std::string classification = CoercedString(params, "classification").value_or("");
  const std::string term = CoercedString(params, "termName").value_or("");
  const Json filters = params.value("entityFilters", Json(nullptr));
  int64_t limit = integer("limit", 0);
  const int64_t offset = integer("offset", 0);
  if (limit < 0 || offset < 0) {
    return AtlasError(AtlasErrorCode::kBadRequest, {"Limit/offset should be non-negative"});
  }
  if (type_name.empty() && !filters.is_null()) {
    return AtlasError(AtlasErrorCode::kBadRequest, {"EntityFilters specified without Type name"});
  }
  if (type_name.empty() && query.empty() && classification.empty() && term.empty()) {
    return AtlasError(AtlasErrorCode::kInvalidSearchParams);
  }
  const EntityTypeInfo* type = nullptr;
  if (!type_name.empty()) {
    type = registry.FindEntity(type_name);
    if (type == nullptr) return AtlasError(AtlasErrorCode::kUnknownTypename, {type_name});
  }
  if (limit == 0) limit = 100;
  limit = std::min<int64_t>(limit, 10000);
  const bool exclude_deleted = boolean("excludeDeletedEntities", false);
  const bool include_sub_types = boolean("includeSubTypes", true);
  std::vector<std::string> extra_attributes;
  for (const Json& attr : params.value("attributes", Json::array())) {
    if (attr.is_string()) extra_attributes.push_back(attr.get<std::string>());
  }

  std::vector<const StoredEntity*> hits;
  for (const StoredEntity* entity : store.All()) {
    if (exclude_deleted && entity->status != "ACTIVE") continue;
    if (type != nullptr) {
      const bool type_match = entity->type_name == type->name ||
                              (include_sub_types && type->all_sub_types.count(entity->type_name));
      if (!type_match) continue;
    }
    // Nothing in the emulator carries classifications or glossary terms.
    if (!classification.empty() || !term.empty()) continue;
    if (!query.empty()) {
      bool match = false;
      for (const char* attr : {"name", "qualifiedName", "description", "displayName"}) {
        const auto it = entity->attributes.find(attr);
        if (it != entity->attributes.end() && it->is_string() &&
            ContainsIgnoreCase(it->get<std::string>(), query)) {
          match = true;
        }
      }
      if (!match) continue;
    }
    if (!Matches(*entity, filters)) continue;
    hits.push_back(entity);
  }
  if (const auto sort_by = CoercedString(params, "sortBy")) {
    const bool descending = CoercedString(params, "sortOrder").value_or("") == "DESCENDING";
    std::stable_sort(hits.begin(), hits.end(), [&](const StoredEntity* a, const StoredEntity* b) {
      const std::string x = JavaString(a->attributes.value(*sort_by, Json("")));
      const std::string y = JavaString(b->attributes.value(*sort_by, Json("")));
      return descending ? y < x : x < y;
    });
  }

  Json echo = Json::object();
  if (!query.empty()) echo["query"] = query;
  if (!type_name.empty()) echo["typeName"] = type_name;
  if (!classification.empty()) echo["classification"] = classification;
  if (!term.empty()) echo["termName"] = term;
  echo["excludeDeletedEntities"] = exclude_deleted;
  echo["includeSubClassifications"] = true;
  echo["includeSubTypes"] = include_sub_types;
  echo["includeClassificationAttributes"] = false;
  echo["limit"] = limit;
  echo["offset"] = offset;
  if (!filters.is_null()) echo["entityFilters"] = filters;
  if (!extra_attributes.empty()) echo["attributes"] = extra_attributes;

  Json out = Json::object();
  out["queryType"] = "BASIC";
  out["searchParameters"] = std::move(echo);
  Json entities = Json::array();
  for (size_t i = static_cast<size_t>(offset);
       i < hits.size() && entities.size() < static_cast<size_t>(limit); ++i) {
    entities.push_back(
        store.RenderHeader(*hits[i], EntityStore::HeaderKind::kPlain, extra_attributes));
  }
  // Atlas omits "entities" when nothing matched.
  if (!entities.empty()) out["entities"] = std::move(entities);
  out["approximateCount"] = static_cast<int64_t>(hits.size());
  return out;
}

}  // namespace lineaged::testing::internal
