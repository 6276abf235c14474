#include "tests/atlas_emulator/internal/entity_store.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>
#include <utility>

#include "graphstore/base/status_macros.h"
#include "tests/atlas_emulator/internal/atlas_error.h"

namespace lineaged::testing::internal {
namespace {

bool IsAssignedGuid(std::string_view guid) { return !guid.empty() && guid.front() != '-'; }

// An AtlasObjectId as Atlas builds it from a request map.
struct ObjectIdRef {
  std::optional<std::string> guid;
  std::optional<std::string> type_name;
  Json unique_attributes = Json::object();

  static ObjectIdRef From(const Json& value) {
    ObjectIdRef ref;
    ref.guid = CoercedString(value, "guid");
    ref.type_name = CoercedString(value, "typeName");
    const auto it = value.find("uniqueAttributes");
    if (it != value.end() && it->is_object()) ref.unique_attributes = *it;
    return ref;
  }
  bool HasGuid() const { return guid && !guid->empty(); }
  bool Valid() const {
    return HasGuid() || (type_name && !type_name->empty() && !unique_attributes.empty());
  }
  std::string Key() const { return type_name.value_or("") + "\n" + Dump(unique_attributes); }
  // AtlasObjectId.toString().
  std::string Render() const {
    return "AtlasObjectId{guid='" + guid.value_or("null") + "', typeName='" +
           type_name.value_or("null") + "', uniqueAttributes={" + DumpObjects(unique_attributes) +
           "}}";
  }
};

// A request entity, its guid as the request spells it.
struct RequestEntity {
  std::string key;
  bool null_guid = false;
  std::string type_name;  // "null" when absent, as Java renders it
  Json attributes = Json::object();
  Json relationship_attributes = Json::object();
  std::optional<Json> labels;             // a sorted array of strings, when sent
  std::optional<Json> custom_attributes;  // an object of strings, when sent
};

// atlas.custom.attribute.key.max.length, …value.max.length, atlas.entity.label.max.length.
constexpr size_t kCustomAttributeKeyMaxLength = 50;
constexpr size_t kCustomAttributeValueMaxLength = 500;
constexpr size_t kLabelMaxLength = 50;

// ^[a-zA-Z0-9_-]*$, Atlas's pattern for label and custom attribute keys.
bool ValidLabelChars(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// EntityGraphMapper.validateCustomAttributes and validateLabels.
absl::Status ValidateLabelsAndCustomAttributes(const RequestEntity& e) {
  if (e.custom_attributes) {
    for (const auto& [key, value] : e.custom_attributes->items()) {
      if (key.size() > kCustomAttributeKeyMaxLength) {
        return AtlasError(AtlasErrorCode::kInvalidCustomAttributeKeyLength, {key});
      }
      if (!ValidLabelChars(key)) {
        return AtlasError(AtlasErrorCode::kInvalidCustomAttributeKeyChars, {key});
      }
      const std::string text = value.is_null() ? "" : value.get<std::string>();
      if (text.size() > kCustomAttributeValueMaxLength) {
        return AtlasError(AtlasErrorCode::kInvalidCustomAttributeValue,
                          {text, std::to_string(kCustomAttributeValueMaxLength)});
      }
    }
  }
  if (e.labels) {
    for (const Json& label : *e.labels) {
      const std::string text = label.get<std::string>();
      if (text.size() > kLabelMaxLength) {
        return AtlasError(AtlasErrorCode::kInvalidLabelLength,
                          {text, std::to_string(kLabelMaxLength)});
      }
      if (!ValidLabelChars(text)) return AtlasError(AtlasErrorCode::kInvalidLabelChars, {text});
    }
  }
  return absl::OkStatus();
}

absl::Status EntityShapeError() {
  return JsonBodyError(
      "Cannot deserialize value of type `org.apache.atlas.model.instance.AtlasEntity` from the "
      "given JSON token");
}

absl::StatusOr<RequestEntity> ParseEntity(const Json& json, std::optional<std::string> key) {
  if (!json.is_object()) return EntityShapeError();
  RequestEntity entity;
  const auto guid = json.find("guid");
  if (guid == json.end()) {
    entity.key = NewInternalGuid();
  } else if (guid->is_null()) {
    entity.key = "null";
    entity.null_guid = true;
  } else if (guid->is_object() || guid->is_array()) {
    return EntityShapeError();
  } else {
    entity.key = JavaString(*guid);
  }
  if (key) entity.key = *key;
  entity.type_name = CoercedString(json, "typeName").value_or("null");
  for (auto [name, target] :
       {std::pair{"attributes", &entity.attributes},
        std::pair{"relationshipAttributes", &entity.relationship_attributes}}) {
    const auto it = json.find(name);
    if (it == json.end() || it->is_null()) continue;
    if (!it->is_object()) return EntityShapeError();
    *target = *it;
  }
  // Jackson binds customAttributes as Map<String, String> and labels as Set<String>.
  if (const auto it = json.find("customAttributes"); it != json.end() && !it->is_null()) {
    if (!it->is_object()) return EntityShapeError();
    Json custom = Json::object();
    for (const auto& [key, value] : it->items()) {
      if (value.is_object() || value.is_array()) return EntityShapeError();
      custom[key] = value.is_null() ? Json(nullptr) : Json(JavaString(value));
    }
    entity.custom_attributes = std::move(custom);
  }
  if (const auto it = json.find("labels"); it != json.end() && !it->is_null()) {
    if (!it->is_array()) return EntityShapeError();
    std::set<std::string> labels;
    for (const Json& label : *it) {
      if (label.is_object() || label.is_array() || label.is_null()) return EntityShapeError();
      labels.insert(JavaString(label));
    }
    entity.labels = Json(std::vector<std::string>(labels.begin(), labels.end()));
  }
  return entity;
}

// AtlasEntityUtil.getRelationshipType: the relationshipType of the value (or
// of its first element).
std::string RelationshipTypeOf(const Json& value) {
  if (value.is_object()) return CoercedString(value, "relationshipType").value_or("");
  if (value.is_array() && !value.empty() && value[0].is_object()) {
    return CoercedString(value[0], "relationshipType").value_or("");
  }
  return "";
}

// Unique attributes of `type` present (non-null) in `attributes`, as a
// lookup key of AtlasObjectId{typeName, uniqueAttributes}; "" if none.
std::string UniqueKey(const std::string& type_name, const EntityTypeInfo& type,
                      const Json& attributes) {
  Json unique = Json::object();
  for (const AttributeInfo& attr : type.attributes) {
    if (!attr.unique) continue;
    const auto it = attributes.find(attr.name);
    if (it != attributes.end() && !it->is_null()) unique[attr.name] = JavaString(*it);
  }
  return unique.empty() ? "" : type_name + "\n" + Dump(unique);
}

struct RelationshipWrite {
  const RelationshipEnd* end = nullptr;
  std::vector<std::string> targets;
};

struct PendingEntity {
  StoredEntity state;
  bool created = false;
  bool shell = false;
  bool changed = false;
  bool from_store = false;
  std::map<std::string, RelationshipWrite> relationship_writes;  // "attr|relationshipType"
};

constexpr const char* kHeaderAttributes[] = {"name", "description", "owner", "createTime"};

}  // namespace

const StoredEntity* EntityStore::FindByGuid(std::string_view guid) const {
  const auto it = entities_.find(guid);
  return it == entities_.end() ? nullptr : &it->second;
}

const StoredEntity* EntityStore::FindByUniqueAttributes(const EntityTypeInfo& type,
                                                        const Json& attributes) const {
  if (!attributes.is_object()) return nullptr;
  for (const AttributeInfo& attr : type.attributes) {
    if (!attr.unique) continue;
    const auto value = attributes.find(attr.name);
    if (value == attributes.end() || value->is_null()) continue;
    const std::string text = JavaString(*value);
    std::vector<std::string> candidates = {type.name};
    candidates.insert(candidates.end(), type.all_sub_types.begin(), type.all_sub_types.end());
    for (const std::string& candidate : candidates) {
      const auto it = unique_index_.find({candidate, attr.name, text});
      if (it != unique_index_.end()) return FindByGuid(it->second);
    }
  }
  return nullptr;
}

void EntityStore::IndexUnique(const StoredEntity& entity, bool add) {
  const EntityTypeInfo* type = registry_->FindEntity(entity.type_name);
  if (type == nullptr) return;
  for (const AttributeInfo& attr : type->attributes) {
    if (!attr.unique) continue;
    const auto value = entity.attributes.find(attr.name);
    if (value == entity.attributes.end() || value->is_null()) continue;
    const auto key = std::make_tuple(entity.type_name, attr.name, JavaString(*value));
    if (add) {
      if (entity.status == "ACTIVE") unique_index_[key] = entity.guid;
    } else {
      const auto it = unique_index_.find(key);
      if (it != unique_index_.end() && it->second == entity.guid) unique_index_.erase(it);
    }
  }
}

std::vector<const StoredRelationship*> EntityStore::Edges(std::string_view guid,
                                                          std::string_view relationship_type,
                                                          bool as_end1) const {
  std::vector<const StoredRelationship*> out;
  const auto [begin, end] = edges_by_entity_.equal_range(guid);
  for (auto it = begin; it != end; ++it) {
    const StoredRelationship& edge = relationships_.find(it->second)->second;
    if (edge.type_name != relationship_type) continue;
    if ((as_end1 ? edge.end1 : edge.end2) != guid) continue;
    out.push_back(&edge);
  }
  std::sort(out.begin(), out.end(), [](const StoredRelationship* a, const StoredRelationship* b) {
    return a->sequence < b->sequence;
  });
  return out;
}

std::vector<const StoredEntity*> EntityStore::All() const {
  std::vector<const StoredEntity*> out;
  for (const auto& [guid, entity] : entities_) out.push_back(&entity);
  std::sort(out.begin(), out.end(),
            [](const StoredEntity* a, const StoredEntity* b) { return a->sequence < b->sequence; });
  return out;
}

size_t EntityStore::CountActive(std::string_view type_name) const {
  return static_cast<size_t>(
      std::count_if(entities_.begin(), entities_.end(), [&](const auto& item) {
        return item.second.type_name == type_name && item.second.status == "ACTIVE";
      }));
}

bool EntityStore::HasInstances(std::string_view type_name) const {
  for (const auto& [guid, entity] : entities_) {
    if (entity.type_name == type_name) return true;
  }
  for (const auto& [guid, edge] : relationships_) {
    if (edge.type_name == type_name) return true;
  }
  return false;
}

absl::StatusOr<Json> EntityStore::CreateOrUpdate(const Json& entities_json,
                                                 const Json& referred_json,
                                                 const WriteOptions& options) {
  // The request as Atlas's EntityStream sees it.
  std::vector<RequestEntity> top;
  std::vector<RequestEntity> referred;
  if (!entities_json.is_array()) return EntityShapeError();
  for (const Json& json : entities_json) {
    LINEAGED_ASSIGN_OR_RETURN(RequestEntity entity, ParseEntity(json, std::nullopt));
    top.push_back(std::move(entity));
  }
  if (referred_json.is_object()) {
    for (const auto& [key, json] : referred_json.items()) {
      LINEAGED_ASSIGN_OR_RETURN(RequestEntity entity, ParseEntity(json, key));
      referred.push_back(std::move(entity));
    }
  } else if (!referred_json.is_null()) {
    return EntityShapeError();
  }
  if (top.empty()) {
    return AtlasError(AtlasErrorCode::kInvalidParameters, {"no entities to create/update."});
  }
  std::set<std::string> null_keys;
  for (const auto* list : {&top, &referred}) {
    for (const RequestEntity& e : *list) {
      if (e.null_guid) null_keys.insert(e.key);
    }
  }
  auto assigned = [&](const std::string& key) {
    return IsAssignedGuid(key) && null_keys.count(key) == 0;
  };
  // AtlasEntitiesWithExtInfo.getEntity: referredEntities first, then entities.
  auto find_in_request = [&](const std::string& key) -> RequestEntity* {
    for (auto* list : {&referred, &top}) {
      for (RequestEntity& e : *list) {
        if (e.key == key) return &e;
      }
    }
    return nullptr;
  };

  // 1. Discovery (AtlasEntityGraphDiscoveryV2): walk the entities and collect
  // guid references and unique-attribute references.
  std::vector<std::string> referenced;
  std::set<std::string> referenced_set;
  std::vector<ObjectIdRef> unique_refs;
  std::set<std::string> unique_ref_keys;
  auto add_guid = [&](const std::string& guid) {
    if (referenced_set.insert(guid).second) referenced.push_back(guid);
  };
  std::function<absl::Status(const std::string&, const Json&)> visit =
      [&](const std::string& type_name, const Json& value) -> absl::Status {
    if (value.is_null()) return absl::OkStatus();
    std::string element;
    std::string key_type;
    std::string value_type;
    switch (registry_->KindOf(type_name)) {
      case TypeRegistry::Kind::kArray:
        TypeRegistry::SplitArray(type_name, &element);
        if (value.is_array()) {
          for (const Json& item : value) LINEAGED_RETURN_IF_ERROR(visit(element, item));
        }
        return absl::OkStatus();
      case TypeRegistry::Kind::kMap:
        TypeRegistry::SplitMap(type_name, &key_type, &value_type);
        if (value.is_object()) {
          for (const auto& [key, item] : value.items()) {
            LINEAGED_RETURN_IF_ERROR(visit(value_type, item));
          }
        }
        return absl::OkStatus();
      case TypeRegistry::Kind::kStruct: {
        if (!value.is_object()) {
          return AtlasError(AtlasErrorCode::kInvalidStructValue, {JavaString(value)});
        }
        const Json& attrs = value.contains("typeName") && value.contains("attributes") &&
                                    value["attributes"].is_object()
                                ? value["attributes"]
                                : value;
        for (const AttributeInfo& attr : *registry_->FindStructAttributes(type_name)) {
          const auto it = attrs.find(attr.name);
          if (it != attrs.end()) LINEAGED_RETURN_IF_ERROR(visit(attr.type_name, *it));
        }
        return absl::OkStatus();
      }
      case TypeRegistry::Kind::kEntity: {
        if (!value.is_object()) {
          return AtlasError(AtlasErrorCode::kInvalidObjectId, {JavaString(value)});
        }
        ObjectIdRef ref = ObjectIdRef::From(value);
        if (!ref.Valid()) return AtlasError(AtlasErrorCode::kInvalidObjectId, {ref.Render()});
        if (ref.HasGuid()) {
          add_guid(*ref.guid);
        } else if (unique_ref_keys.insert(ref.Key()).second) {
          unique_refs.push_back(std::move(ref));
        }
        return absl::OkStatus();
      }
      default:
        return absl::OkStatus();
    }
  };
  auto walk = [&](const RequestEntity& e) -> absl::Status {
    const EntityTypeInfo* type = registry_->FindEntity(e.type_name);
    if (type == nullptr) {
      return AtlasError(AtlasErrorCode::kTypeNameInvalid, {"ENTITY", e.type_name});
    }
    add_guid(e.key);
    std::set<std::string> visited;
    for (const std::string& name : type->RelationshipAttributeNames()) {
      const Json* value = nullptr;
      if (e.relationship_attributes.contains(name)) {
        value = &e.relationship_attributes[name];
      } else if (e.attributes.contains(name)) {
        value = &e.attributes[name];
      } else {
        continue;
      }
      const RelationshipEnd* end = type->FindRelationship(name, RelationshipTypeOf(*value));
      LINEAGED_RETURN_IF_ERROR(visit(end->AttributeTypeName(), *value));
      visited.insert(name);
    }
    for (const AttributeInfo& attr : type->attributes) {
      if (visited.count(attr.name) > 0) continue;
      const auto it = e.attributes.find(attr.name);
      if (it != e.attributes.end()) LINEAGED_RETURN_IF_ERROR(visit(attr.type_name, *it));
    }
    return absl::OkStatus();
  };
  std::set<std::string> walked;
  for (const RequestEntity& e : top) {
    LINEAGED_RETURN_IF_ERROR(walk(e));
    walked.insert(e.key);
  }
  for (size_t i = 0; i < referenced.size(); ++i) {
    const std::string key = referenced[i];
    if (walked.count(key) > 0) continue;
    if (const RequestEntity* e = find_in_request(key)) {
      LINEAGED_RETURN_IF_ERROR(walk(*e));
      walked.insert(key);
    }
  }

  // 2. Resolution: guid references (IDBasedEntityResolver), then unique
  // attribute references (UniqAttrBasedEntityResolver, store only).
  std::map<std::string, std::string> resolved;         // request guid -> entity guid
  std::map<std::string, std::string> unique_resolved;  // ObjectIdRef key -> entity guid
  std::map<std::string, PendingEntity> pending;        // by entity guid
  std::vector<std::string> created_order;
  std::vector<std::string> updated_order;
  std::vector<std::string> shell_order;
  std::map<std::string, std::string> request_unique;  // UniqueKey -> entity guid
  for (const std::string& key : referenced) {
    const StoredEntity* found = assigned(key) ? FindByGuid(key) : nullptr;
    if (found == nullptr) {
      if (const RequestEntity* e = find_in_request(key)) {
        const EntityTypeInfo* type = registry_->FindEntity(e->type_name);
        if (type == nullptr) {
          return AtlasError(AtlasErrorCode::kTypeNameInvalid, {"ENTITY", e->type_name});
        }
        found = FindByUniqueAttributes(*type, e->attributes);
      } else if (!assigned(key)) {
        return AtlasError(AtlasErrorCode::kReferencedEntityNotFound, {key});
      }
    }
    if (found != nullptr) {
      resolved[key] = found->guid;
    } else if (assigned(key)) {
      return AtlasError(AtlasErrorCode::kReferencedEntityNotFound, {key});
    }
  }
  for (const ObjectIdRef& ref : unique_refs) {
    const EntityTypeInfo* type = registry_->FindEntity(ref.type_name.value_or(""));
    if (type == nullptr) {
      return AtlasError(AtlasErrorCode::kTypeNameInvalid,
                        {"ENTITY", ref.type_name.value_or("null")});
    }
    if (const StoredEntity* found = FindByUniqueAttributes(*type, ref.unique_attributes)) {
      unique_resolved[ref.Key()] = found->guid;
      continue;
    }
    if (!options.create_shells) {
      return AtlasError(AtlasErrorCode::kReferencedEntityNotFound, {ref.Render()});
    }
    // A shell: only the unique attributes, no mandatory check (§2.6).
    PendingEntity shell;
    shell.created = true;
    shell.shell = true;
    shell.state.guid = NewUuid();
    shell.state.type_name = type->name;
    shell.state.is_incomplete = true;
    for (const AttributeInfo& attr : type->attributes) {
      const auto it = ref.unique_attributes.find(attr.name);
      if (attr.unique && it != ref.unique_attributes.end()) {
        shell.state.attributes[attr.name] = registry_->NormalizeValue(attr.type_name, *it);
      }
    }
    unique_resolved[ref.Key()] = shell.state.guid;
    request_unique[UniqueKey(type->name, *type, shell.state.attributes)] = shell.state.guid;
    shell_order.push_back(shell.state.guid);
    pending[shell.state.guid] = std::move(shell);
  }

  // 3. Validation and create/update decision per entity, in discovery order
  // (AtlasEntityStoreV2.preCreateOrUpdate).
  auto validate = [&](const RequestEntity& e, const EntityTypeInfo& type,
                      bool partial) -> absl::Status {
    if (e.null_guid) {
      return AtlasError(AtlasErrorCode::kInvalidObjectId, {"invalid guid null"});
    }
    LINEAGED_RETURN_IF_ERROR(ValidateLabelsAndCustomAttributes(e));
    std::vector<std::string> messages;
    for (const AttributeInfo& attr : type.attributes) {
      const auto it = e.attributes.find(attr.name);
      if (it == e.attributes.end() || it->is_null()) {
        const auto rel = e.relationship_attributes.find(attr.name);
        const bool in_relationships = rel != e.relationship_attributes.end() && !rel->is_null();
        if (!partial && !attr.optional && !in_relationships) {
          messages.push_back(e.type_name + "." + attr.name +
                             ": mandatory attribute value missing in type " + attr.defined_in);
        }
        continue;
      }
      registry_->ValidateValue(attr.type_name, *it, e.type_name + "." + attr.name, &messages);
    }
    if (!messages.empty()) {
      return AtlasError(AtlasErrorCode::kInstanceCrudInvalidParams, {messages.front()});
    }
    return absl::OkStatus();
  };
  Json guid_assignments = Json::object();
  std::vector<std::pair<RequestEntity*, std::string>> order;  // request entity -> entity guid
  for (const std::string& key : referenced) {
    RequestEntity* e = find_in_request(key);
    if (e == nullptr) continue;
    const EntityTypeInfo& type = *registry_->FindEntity(e->type_name);
    // compactAttributes: relationship attributes given in "attributes" move
    // to "relationshipAttributes" unless already there; nulls are dropped.
    for (const std::string& name : type.RelationshipAttributeNames()) {
      const auto it = e->attributes.find(name);
      if (it == e->attributes.end()) continue;
      Json value = *it;
      e->attributes.erase(name);
      if (value.is_null()) continue;
      const auto rel = e->relationship_attributes.find(name);
      if (rel == e->relationship_attributes.end() || rel->is_null()) {
        e->relationship_attributes[name] = std::move(value);
      }
    }
    std::string guid;
    if (const auto it = resolved.find(key); it != resolved.end()) guid = it->second;
    const std::string unique_key = UniqueKey(e->type_name, type, e->attributes);
    if (guid.empty() && !unique_key.empty()) {
      if (const auto it = request_unique.find(unique_key); it != request_unique.end()) {
        guid = it->second;
      }
    }
    if (!guid.empty()) {
      LINEAGED_RETURN_IF_ERROR(validate(*e, type, options.partial));
      if (!unique_key.empty()) request_unique[unique_key] = guid;
      resolved[key] = guid;
      if (key != guid) guid_assignments[key] = guid;
      auto it = pending.find(guid);
      if (it == pending.end()) {
        PendingEntity p;
        p.state = entities_.at(guid);
        p.from_store = true;
        it = pending.emplace(guid, std::move(p)).first;
      }
      PendingEntity& p = it->second;
      if (!p.created || p.shell) {
        if (std::find(updated_order.begin(), updated_order.end(), guid) == updated_order.end()) {
          updated_order.push_back(guid);
        }
      }
      if (!options.partial && p.state.is_incomplete) {
        p.state.is_incomplete = false;
        p.changed = true;
      }
    } else {
      LINEAGED_RETURN_IF_ERROR(validate(*e, type, false));
      PendingEntity p;
      p.created = true;
      p.state.guid = NewUuid();
      p.state.type_name = e->type_name;
      guid = p.state.guid;
      pending[guid] = std::move(p);
      created_order.push_back(guid);
      resolved[key] = guid;
      if (!unique_key.empty()) request_unique[unique_key] = guid;
      guid_assignments[key] = guid;
    }
    order.emplace_back(e, guid);
  }

  // 4. Map attributes and relationship attributes onto the pending state.
  auto type_of = [&](const std::string& guid) -> std::string {
    if (const auto it = pending.find(guid); it != pending.end()) return it->second.state.type_name;
    const StoredEntity* stored = FindByGuid(guid);
    return stored == nullptr ? "" : stored->type_name;
  };
  auto target_of = [&](const Json& element) -> std::string {
    const ObjectIdRef ref = ObjectIdRef::From(element);
    if (ref.HasGuid()) {
      const auto it = resolved.find(*ref.guid);
      return it == resolved.end() ? *ref.guid : it->second;
    }
    const auto it = unique_resolved.find(ref.Key());
    return it == unique_resolved.end() ? "" : it->second;
  };
  for (auto& [e, guid] : order) {
    PendingEntity& p = pending.at(guid);
    const EntityTypeInfo& type = *registry_->FindEntity(e->type_name);
    // Labels and custom attributes count (and are written) only when sent.
    if (e->custom_attributes && p.state.custom_attributes != e->custom_attributes) {
      p.changed = true;
      p.state.custom_attributes = e->custom_attributes;
    }
    if (e->labels && p.state.labels != *e->labels) {
      p.changed = true;
      p.state.labels = *e->labels;
    }
    for (const auto& [name, value] : e->attributes.items()) {
      const AttributeInfo* attr = type.FindAttribute(name);
      if (attr == nullptr || type.IsRelationshipAttribute(name)) continue;  // unknown: dropped
      const Json normalized = registry_->NormalizeValue(attr->type_name, value);
      const Json old = p.state.attributes.value(name, Json(nullptr));
      if (old != normalized) p.changed = true;
      if (normalized.is_null()) {
        p.state.attributes.erase(name);
      } else {
        p.state.attributes[name] = normalized;
      }
    }
    for (const auto& [name, value] : e->relationship_attributes.items()) {
      const RelationshipEnd* end = type.FindRelationship(name, RelationshipTypeOf(value));
      if (end == nullptr) continue;
      RelationshipWrite write;
      write.end = end;
      std::vector<const Json*> elements;
      if (value.is_array()) {
        for (const Json& item : value) elements.push_back(&item);
      } else if (!value.is_null()) {
        elements.push_back(&value);
      }
      for (const Json* element : elements) {
        if (element->is_null()) continue;
        const std::string target = target_of(*element);
        const std::string target_type = type_of(target);
        if (!registry_->IsA(target_type, end->other_type)) {
          const RelationshipTypeInfo* rel = registry_->FindRelationshipType(end->relationship_type);
          const std::string& mine = e->type_name;
          return AtlasError(
              AtlasErrorCode::kInvalidRelationshipEndType,
              {rel->name, end->this_is_end1 ? mine : target_type,
               end->this_is_end1 ? target_type : mine, rel->end1.type, rel->end2.type});
        }
        if (std::find(write.targets.begin(), write.targets.end(), target) == write.targets.end()) {
          write.targets.push_back(target);
        }
      }
      std::set<std::string> current;
      if (p.from_store) {
        for (const StoredRelationship* edge :
             Edges(guid, end->relationship_type, end->this_is_end1)) {
          if (edge->status == "ACTIVE") current.insert(end->this_is_end1 ? edge->end2 : edge->end1);
        }
      }
      if (current != std::set<std::string>(write.targets.begin(), write.targets.end())) {
        p.changed = true;
      }
      p.relationship_writes[name + "|" + end->relationship_type] = std::move(write);
    }
  }

  // A changed unique attribute must not collide with another ACTIVE entity
  // of the same type (Atlas's unique index would reject the write).
  for (const std::string& guid : updated_order) {
    const PendingEntity& p = pending.at(guid);
    const EntityTypeInfo* type = registry_->FindEntity(p.state.type_name);
    for (const AttributeInfo& attr : type->attributes) {
      const auto value = p.state.attributes.find(attr.name);
      if (!attr.unique || value == p.state.attributes.end()) continue;
      const auto it = unique_index_.find({p.state.type_name, attr.name, JavaString(*value)});
      if (it != unique_index_.end() && it->second != guid) {
        return AtlasError(AtlasErrorCode::kInstanceAlreadyExists, {JavaString(*value)});
      }
    }
  }

  // 5. Skip unchanged entities; check the caller may write.
  std::vector<std::string> written_updates;
  for (const std::string& guid : updated_order) {
    const PendingEntity& p = pending.at(guid);
    if (p.changed || p.shell) written_updates.push_back(guid);
  }
  if (!options.allowed) {
    if (!created_order.empty()) {
      return AtlasError(AtlasErrorCode::kUnauthorizedAccess,
                        {options.user, "create entity: type=" +
                                           pending.at(created_order.front()).state.type_name});
    }
    if (!written_updates.empty()) {
      return AtlasError(AtlasErrorCode::kUnauthorizedAccess,
                        {options.user, "update entity: type=" +
                                           pending.at(written_updates.front()).state.type_name});
    }
  }

  // 6. Write. Nothing below can fail.
  std::set<std::string> created_set(created_order.begin(), created_order.end());
  std::vector<std::string> side_updates;
  auto touch = [&](const std::string& other, const std::string& self) {
    if (other == self || created_set.count(other) > 0) return;
    const auto it = entities_.find(other);
    if (it == entities_.end()) return;
    if (it->second.status == "ACTIVE") it->second.update_time = options.now;
    if (std::find(side_updates.begin(), side_updates.end(), other) == side_updates.end()) {
      side_updates.push_back(other);
    }
  };
  std::vector<std::string> to_write = shell_order;
  to_write.insert(to_write.end(), created_order.begin(), created_order.end());
  for (const std::string& guid : written_updates) {
    if (std::find(to_write.begin(), to_write.end(), guid) == to_write.end())
      to_write.push_back(guid);
  }
  for (const std::string& guid : to_write) {
    PendingEntity& p = pending.at(guid);
    StoredEntity& state = p.state;
    if (p.from_store) {
      IndexUnique(entities_.at(guid), false);
      state.version += 1;
    } else {
      state.created_by = options.user;
      state.create_time = options.now;
      state.sequence = next_sequence_++;
      state.version = 0;
    }
    state.updated_by = options.user;
    state.update_time = options.now;
    entities_[guid] = state;
    IndexUnique(entities_.at(guid), true);
  }
  for (const std::string& guid : to_write) {
    for (auto& [name, write] : pending.at(guid).relationship_writes) {
      const RelationshipEnd& end = *write.end;
      std::set<std::string> current;
      for (const StoredRelationship* edge : Edges(guid, end.relationship_type, end.this_is_end1)) {
        if (edge->status != "ACTIVE") continue;
        const std::string other = end.this_is_end1 ? edge->end2 : edge->end1;
        if (std::find(write.targets.begin(), write.targets.end(), other) == write.targets.end()) {
          StoredRelationship& mutable_edge = relationships_.at(edge->guid);
          mutable_edge.status = "DELETED";
          mutable_edge.update_time = options.now;
          touch(other, guid);
        } else {
          current.insert(other);
        }
      }
      for (const std::string& target : write.targets) {
        if (current.count(target) > 0) continue;
        StoredRelationship edge;
        edge.guid = NewUuid();
        edge.type_name = end.relationship_type;
        edge.end1 = end.this_is_end1 ? guid : target;
        edge.end2 = end.this_is_end1 ? target : guid;
        edge.create_time = options.now;
        edge.update_time = options.now;
        edge.sequence = next_sequence_++;
        edges_by_entity_.emplace(edge.end1, edge.guid);
        if (edge.end2 != edge.end1) edges_by_entity_.emplace(edge.end2, edge.guid);
        relationships_[edge.guid] = edge;
        touch(target, guid);
      }
    }
  }

  // 7. EntityMutationResponse.
  Json created = Json::array();
  for (const std::string& guid : created_order) {
    created.push_back(RenderHeader(entities_.at(guid), HeaderKind::kMutation));
  }
  Json updated = Json::array();
  std::vector<std::string> listed = written_updates;
  for (const std::string& guid : side_updates) {
    if (std::find(listed.begin(), listed.end(), guid) == listed.end()) listed.push_back(guid);
  }
  for (const std::string& guid : listed) {
    if (created_set.count(guid) > 0) continue;
    updated.push_back(RenderHeader(entities_.at(guid), HeaderKind::kMutation));
  }
  Json response = Json::object();
  Json mutated = Json::object();
  if (!created.empty()) mutated["CREATE"] = created;
  if (!updated.empty()) mutated[options.partial ? "PARTIAL_UPDATE" : "UPDATE"] = updated;
  if (!mutated.empty()) response["mutatedEntities"] = std::move(mutated);
  if (options.partial && !updated.empty()) response["partialUpdatedEntities"] = updated;
  response["guidAssignments"] = std::move(guid_assignments);
  return response;
}

absl::StatusOr<Json> EntityStore::Delete(const std::vector<std::string>& guids,
                                         const WriteOptions& options) {
  std::vector<std::string> to_delete;
  std::set<std::string> seen;
  std::function<void(const std::string&)> collect = [&](const std::string& guid) {
    const StoredEntity* entity = FindByGuid(guid);
    if (entity == nullptr || entity->status != "ACTIVE" || !seen.insert(guid).second) return;
    to_delete.push_back(guid);
    const EntityTypeInfo* type = registry_->FindEntity(entity->type_name);
    if (type == nullptr) return;
    for (const RelationshipEnd& end : type->relationships) {
      if (!end.this_is_container || end.category != "COMPOSITION") continue;
      for (const StoredRelationship* edge : Edges(guid, end.relationship_type, end.this_is_end1)) {
        if (edge->status == "ACTIVE") collect(end.this_is_end1 ? edge->end2 : edge->end1);
      }
    }
  };
  for (const std::string& guid : guids) collect(guid);
  if (to_delete.empty()) return Json::object();
  if (!options.allowed) {
    return AtlasError(AtlasErrorCode::kUnauthorizedAccess,
                      {options.user, "delete entity: guid=" + to_delete.front()});
  }
  Json deleted = Json::array();
  for (const std::string& guid : to_delete) {
    deleted.push_back(RenderHeader(entities_.at(guid), HeaderKind::kMutation));
  }
  std::vector<std::string> touched;
  for (const std::string& guid : to_delete) {
    StoredEntity& entity = entities_.at(guid);
    IndexUnique(entity, false);
    entity.status = "DELETED";
    entity.update_time = options.now;
    entity.updated_by = options.user;
    const auto [begin, end] = edges_by_entity_.equal_range(guid);
    for (auto it = begin; it != end; ++it) {
      StoredRelationship& edge = relationships_.at(it->second);
      if (edge.status != "ACTIVE") continue;
      edge.status = "DELETED";
      edge.update_time = options.now;
      const std::string other = edge.end1 == guid ? edge.end2 : edge.end1;
      if (seen.count(other) > 0) continue;
      StoredEntity& counterpart = entities_.at(other);
      if (counterpart.status != "ACTIVE") continue;
      counterpart.update_time = options.now;
      if (std::find(touched.begin(), touched.end(), other) == touched.end()) {
        touched.push_back(other);
      }
    }
  }
  Json mutated = Json::object();
  mutated["DELETE"] = std::move(deleted);
  if (!touched.empty()) {
    Json updated = Json::array();
    for (const std::string& guid : touched) {
      updated.push_back(RenderHeader(entities_.at(guid), HeaderKind::kMutation));
    }
    mutated["UPDATE"] = std::move(updated);
  }
  Json response = Json::object();
  response["mutatedEntities"] = std::move(mutated);
  return response;
}

std::string EntityStore::DisplayText(const StoredEntity& entity) const {
  std::vector<std::string> candidates;
  if (const Json* def = registry_->FindDef(entity.type_name)) {
    if (auto attr = CoercedString(def->value("options", Json::object()), "displayTextAttribute")) {
      candidates.push_back(*attr);
    }
  }
  candidates.insert(candidates.end(), {"name", "displayName", "qualifiedName"});
  for (const std::string& name : candidates) {
    const auto it = entity.attributes.find(name);
    if (it != entity.attributes.end() && !it->is_null()) return JavaString(*it);
  }
  return "";
}

Json EntityStore::ObjectIdOf(const StoredEntity& entity) const {
  Json out = Json::object();
  out["guid"] = entity.guid;
  out["typeName"] = entity.type_name;
  Json unique = Json::object();
  if (const EntityTypeInfo* type = registry_->FindEntity(entity.type_name)) {
    for (const AttributeInfo& attr : type->attributes) {
      const auto it = entity.attributes.find(attr.name);
      if (attr.unique && it != entity.attributes.end()) unique[attr.name] = *it;
    }
  }
  out["uniqueAttributes"] = std::move(unique);
  return out;
}

Json EntityStore::RelatedObjectId(const StoredRelationship& edge,
                                  const std::string& other_guid) const {
  const StoredEntity& other = entities_.at(other_guid);
  Json out = Json::object();
  out["guid"] = other.guid;
  out["typeName"] = other.type_name;
  out["entityStatus"] = other.status;
  const std::string display_text = DisplayText(other);
  if (!display_text.empty()) out["displayText"] = display_text;
  out["relationshipType"] = edge.type_name;
  out["relationshipGuid"] = edge.guid;
  out["relationshipStatus"] = edge.status;
  Json attributes = Json::object();
  attributes["typeName"] = edge.type_name;
  out["relationshipAttributes"] = std::move(attributes);
  const auto qualified_name = other.attributes.find("qualifiedName");
  if (qualified_name != other.attributes.end()) out["qualifiedName"] = *qualified_name;
  return out;
}

Json EntityStore::RenderHeader(const StoredEntity& entity, HeaderKind kind,
                               const std::vector<std::string>& extra_attributes) const {
  const EntityTypeInfo* type = registry_->FindEntity(entity.type_name);
  Json attributes = Json::object();
  auto add = [&](const std::string& name) {
    if (attributes.contains(name)) return;
    const auto it = entity.attributes.find(name);
    // Atlas renders null header attributes as "".
    attributes[name] = it == entity.attributes.end() || it->is_null() ? Json("") : *it;
  };
  if (type != nullptr) {
    for (const AttributeInfo& attr : type->attributes) {
      if (attr.unique || std::find(std::begin(kHeaderAttributes), std::end(kHeaderAttributes),
                                   attr.name) != std::end(kHeaderAttributes)) {
        add(attr.name);
      }
    }
    for (const std::string& name : extra_attributes) {
      if (type->FindAttribute(name) != nullptr) add(name);
    }
  }
  Json out = Json::object();
  out["typeName"] = entity.type_name;
  out["attributes"] = std::move(attributes);
  out["guid"] = entity.guid;
  out["status"] = entity.status;
  const std::string display_text = DisplayText(entity);
  if (!display_text.empty()) out["displayText"] = display_text;
  out["classificationNames"] = Json::array();
  if (kind == HeaderKind::kMutation) out["classifications"] = Json::array();
  out["meaningNames"] = Json::array();
  out["meanings"] = Json::array();
  out["isIncomplete"] = entity.is_incomplete;
  out["labels"] = entity.labels;
  return out;
}

Json EntityStore::RenderEntity(const StoredEntity& entity, bool ignore_relationships) const {
  const EntityTypeInfo* type = registry_->FindEntity(entity.type_name);
  auto active_targets = [&](const RelationshipEnd& end) {
    std::vector<std::string> targets;
    for (const StoredRelationship* edge :
         Edges(entity.guid, end.relationship_type, end.this_is_end1)) {
      if (edge->status == "ACTIVE") targets.push_back(end.this_is_end1 ? edge->end2 : edge->end1);
    }
    return targets;
  };
  Json attributes = Json::object();
  Json relationship_attributes = Json::object();
  if (type != nullptr) {
    for (const AttributeInfo& attr : type->attributes) {
      const RelationshipEnd* end = type->FindRelationship(attr.name);
      if (end != nullptr) {
        // Legacy relationship attributes (Process.inputs/outputs) also show
        // in "attributes", as object ids of the ACTIVE edges only.
        const std::vector<std::string> targets = active_targets(*end);
        if (end->cardinality == "SINGLE") {
          attributes[attr.name] =
              targets.empty() ? Json(nullptr) : ObjectIdOf(entities_.at(targets.front()));
        } else {
          Json list = Json::array();
          for (const std::string& target : targets)
            list.push_back(ObjectIdOf(entities_.at(target)));
          attributes[attr.name] = std::move(list);
        }
        continue;
      }
      attributes[attr.name] = entity.attributes.value(attr.name, Json(nullptr));
    }
    for (const std::string& name : type->RelationshipAttributeNames()) {
      const RelationshipEnd* first = type->FindRelationship(name);
      if (first->cardinality == "SINGLE") {
        Json value(nullptr);
        for (const RelationshipEnd& end : type->relationships) {
          if (end.attribute != name || !value.is_null()) continue;
          for (const StoredRelationship* edge :
               Edges(entity.guid, end.relationship_type, end.this_is_end1)) {
            if (edge->status == "ACTIVE") {
              value = RelatedObjectId(*edge, end.this_is_end1 ? edge->end2 : edge->end1);
              break;
            }
          }
        }
        relationship_attributes[name] = std::move(value);
      } else {
        Json list = Json::array();
        for (const RelationshipEnd& end : type->relationships) {
          if (end.attribute != name) continue;
          for (const StoredRelationship* edge :
               Edges(entity.guid, end.relationship_type, end.this_is_end1)) {
            list.push_back(RelatedObjectId(*edge, end.this_is_end1 ? edge->end2 : edge->end1));
          }
        }
        relationship_attributes[name] = std::move(list);
      }
    }
  }
  Json out = Json::object();
  out["typeName"] = entity.type_name;
  out["attributes"] = std::move(attributes);
  out["guid"] = entity.guid;
  out["isIncomplete"] = entity.is_incomplete;
  out["provenanceType"] = 0;
  out["status"] = entity.status;
  out["createdBy"] = entity.created_by;
  out["updatedBy"] = entity.updated_by;
  out["createTime"] = entity.create_time;
  out["updateTime"] = entity.update_time;
  out["version"] = entity.version;
  if (!ignore_relationships) out["relationshipAttributes"] = std::move(relationship_attributes);
  if (entity.custom_attributes) out["customAttributes"] = *entity.custom_attributes;
  out["labels"] = entity.labels;
  out["proxy"] = false;
  return out;
}

Json EntityStore::RenderEntityWithExtInfo(const StoredEntity& entity, bool min_ext_info,
                                          bool ignore_relationships) const {
  Json referred = Json::object();
  const EntityTypeInfo* type = registry_->FindEntity(entity.type_name);
  if (!min_ext_info && type != nullptr) {
    for (const RelationshipEnd& end : type->relationships) {
      if (!end.this_is_container || end.category != "COMPOSITION") continue;
      for (const StoredRelationship* edge :
           Edges(entity.guid, end.relationship_type, end.this_is_end1)) {
        if (edge->status != "ACTIVE") continue;
        const StoredEntity& child = entities_.at(end.this_is_end1 ? edge->end2 : edge->end1);
        if (child.status == "ACTIVE") referred[child.guid] = RenderEntity(child, false);
      }
    }
  }
  Json out = Json::object();
  out["referredEntities"] = std::move(referred);
  out["entity"] = RenderEntity(entity, ignore_relationships);
  return out;
}

}  // namespace lineaged::testing::internal
