#include "tests/atlas_emulator/internal/type_registry.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <limits>
#include <utility>

#include "graphstore/base/status_macros.h"
#include "tests/atlas_emulator/internal/atlas_error.h"
#include "tests/atlas_emulator/internal/preloaded_models.h"

namespace lineaged::testing::internal {
namespace {

constexpr const char* kPrimitiveTypes[] = {"boolean", "byte",       "short",      "int",
                                           "long",    "float",      "double",     "date",
                                           "string",  "biginteger", "bigdecimal", "object"};

// The six lists of an AtlasTypesDef and the category of their defs.
constexpr std::pair<const char*, const char*> kTypeLists[] = {
    {"enumDefs", "ENUM"},
    {"structDefs", "STRUCT"},
    {"classificationDefs", "CLASSIFICATION"},
    {"entityDefs", "ENTITY"},
    {"relationshipDefs", "RELATIONSHIP"},
    {"businessMetadataDefs", "BUSINESS_METADATA"},
};

bool IsPrimitive(std::string_view type_name) {
  return std::find(std::begin(kPrimitiveTypes), std::end(kPrimitiveTypes), type_name) !=
         std::end(kPrimitiveTypes);
}

Json EmptyTypesDef() {
  Json out = Json::object();
  for (const auto& [list, category] : kTypeLists) out[list] = Json::array();
  return out;
}

const char* ListFor(std::string_view category) {
  for (const auto& [list, cat] : kTypeLists) {
    if (category == cat) return list;
  }
  return "entityDefs";
}

// "entity-def", "businessMetadata-def", … as Atlas's authorization messages name them.
std::string DefNoun(std::string_view category) {
  if (category == "ENUM") return "enum-def";
  if (category == "STRUCT") return "struct-def";
  if (category == "CLASSIFICATION") return "classification-def";
  if (category == "RELATIONSHIP") return "relationship-def";
  if (category == "BUSINESS_METADATA") return "businessMetadata-def";
  return "entity-def";
}

bool GetBool(const Json& object, const char* key, bool fallback) {
  const auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_string()) return EqualsIgnoreCase(it->get<std::string>(), "true");
  return fallback;
}

std::string GetString(const Json& object, const char* key, std::string fallback = {}) {
  return CoercedString(object, key).value_or(std::move(fallback));
}

bool ValidTypeName(std::string_view name) {
  if (name.size() >= 2 && name[0] == '_' && name[1] == '_') name.remove_prefix(2);
  if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ' ';
  });
}

absl::Status ShapeError(std::string_view what) {
  return JsonBodyError("Cannot deserialize value of type `" + std::string(what) +
                       "` from the given JSON token");
}

// An AtlasAttributeDef with Atlas's defaults for omitted fields (§1.2).
absl::StatusOr<Json> NormalizeAttributeDef(const Json& in) {
  if (!in.is_object())
    return ShapeError("org.apache.atlas.model.typedef.AtlasStructDef$AtlasAttributeDef");
  Json out = Json::object();
  out["name"] = in.contains("name") ? in["name"] : Json(nullptr);
  out["typeName"] = in.contains("typeName") ? in["typeName"] : Json(nullptr);
  out["isOptional"] = GetBool(in, "isOptional", false);
  out["cardinality"] = GetString(in, "cardinality", "SINGLE");
  out["valuesMinCount"] = in.value("valuesMinCount", Json(-1));
  out["valuesMaxCount"] = in.value("valuesMaxCount", Json(-1));
  out["isUnique"] = GetBool(in, "isUnique", false);
  out["isIndexable"] = GetBool(in, "isIndexable", false);
  out["includeInNotification"] = GetBool(in, "includeInNotification", false);
  out["searchWeight"] = in.value("searchWeight", Json(-1));
  for (const char* key :
       {"defaultValue", "description", "indexType", "constraints", "options", "displayName"}) {
    const auto it = in.find(key);
    if (it != in.end() && !it->is_null()) out[key] = *it;
  }
  return out;
}

Json NormalizeEnd(const Json& in) {
  Json out = Json::object();
  const Json& end = in.is_object() ? in : Json::object();
  out["type"] = end.contains("type") ? end["type"] : Json(nullptr);
  out["name"] = end.contains("name") ? end["name"] : Json(nullptr);
  out["isContainer"] = GetBool(end, "isContainer", false);
  out["cardinality"] = GetString(end, "cardinality", "SINGLE");
  out["isLegacyAttribute"] = GetBool(end, "isLegacyAttribute", false);
  if (end.contains("description")) out["description"] = end["description"];
  return out;
}

// A typedef as Atlas stores it: server-managed header fields filled in,
// category-specific fields defaulted, in Jackson's field order.
absl::StatusOr<Json> NormalizeDef(const Json& in, const std::string& category,
                                  const std::string& user, int64_t now) {
  if (!in.is_object()) return ShapeError("org.apache.atlas.model.typedef.AtlasBaseTypeDef");
  const std::string name = GetString(in, "name");
  Json out = Json::object();
  out["category"] = category;
  out["guid"] = GetString(in, "guid").empty() ? NewUuid() : GetString(in, "guid");
  out["createdBy"] = user;
  out["updatedBy"] = user;
  out["createTime"] = now;
  out["updateTime"] = now;
  out["version"] =
      in.contains("version") && in["version"].is_number_integer() ? in["version"] : Json(1);
  out["name"] = name;
  const std::string description = GetString(in, "description");
  out["description"] = description.empty() ? name : description;
  if (in.contains("typeVersion") && !in["typeVersion"].is_null()) {
    out["typeVersion"] = in["typeVersion"];
  }
  if (in.contains("serviceType") && !in["serviceType"].is_null()) {
    out["serviceType"] = in["serviceType"];
  }
  if (in.contains("options") && in["options"].is_object()) out["options"] = in["options"];

  auto attribute_defs = [&]() -> absl::StatusOr<Json> {
    Json list = Json::array();
    const auto it = in.find("attributeDefs");
    if (it == in.end() || it->is_null()) return list;
    if (!it->is_array()) return ShapeError("java.util.ArrayList<AtlasAttributeDef>");
    for (const Json& attr : *it) {
      LINEAGED_ASSIGN_OR_RETURN(Json normalized, NormalizeAttributeDef(attr));
      list.push_back(std::move(normalized));
    }
    return list;
  };
  auto string_set = [&](const char* key) -> absl::StatusOr<Json> {
    Json list = Json::array();
    const auto it = in.find(key);
    if (it == in.end() || it->is_null()) return list;
    if (!it->is_array()) return ShapeError("java.util.HashSet<java.lang.String>");
    for (const Json& item : *it) {
      if (!item.is_string()) return ShapeError("java.lang.String");
      if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
    }
    return list;
  };

  if (category == "ENUM") {
    Json elements = Json::array();
    const auto it = in.find("elementDefs");
    if (it != in.end() && it->is_array()) elements = *it;
    out["elementDefs"] = elements;
    if (in.contains("defaultValue")) out["defaultValue"] = in["defaultValue"];
  } else if (category == "RELATIONSHIP") {
    out["relationshipCategory"] = GetString(in, "relationshipCategory", "ASSOCIATION");
    if (in.contains("relationshipLabel") && !in["relationshipLabel"].is_null()) {
      out["relationshipLabel"] = in["relationshipLabel"];
    }
    out["propagateTags"] = GetString(in, "propagateTags", "NONE");
    out["endDef1"] = NormalizeEnd(in.value("endDef1", Json::object()));
    out["endDef2"] = NormalizeEnd(in.value("endDef2", Json::object()));
    LINEAGED_ASSIGN_OR_RETURN(out["attributeDefs"], attribute_defs());
  } else {
    LINEAGED_ASSIGN_OR_RETURN(out["attributeDefs"], attribute_defs());
    if (category == "ENTITY" || category == "CLASSIFICATION") {
      LINEAGED_ASSIGN_OR_RETURN(out["superTypes"], string_set("superTypes"));
    }
    if (category == "CLASSIFICATION") {
      LINEAGED_ASSIGN_OR_RETURN(out["entityTypes"], string_set("entityTypes"));
    }
  }
  return out;
}

struct ParsedDef {
  std::string category;
  Json def;
};

// The defs of an AtlasTypesDef request body, in list order.
absl::StatusOr<std::vector<ParsedDef>> ParseTypesDef(const Json& types_def) {
  if (!types_def.is_object()) return ShapeError("org.apache.atlas.model.typedef.AtlasTypesDef");
  std::vector<ParsedDef> out;
  for (const auto& [list, category] : kTypeLists) {
    const auto it = types_def.find(list);
    if (it == types_def.end() || it->is_null()) continue;
    if (!it->is_array()) return ShapeError(std::string("java.util.ArrayList<") + list + ">");
    for (const Json& def : *it) {
      if (!def.is_object()) return ShapeError("org.apache.atlas.model.typedef.AtlasBaseTypeDef");
      out.push_back({category, def});
    }
  }
  return out;
}

std::vector<AttributeInfo> AttributesOf(const Json& def) {
  std::vector<AttributeInfo> out;
  const std::string owner = GetString(def, "name");
  for (const Json& attr : def.value("attributeDefs", Json::array())) {
    AttributeInfo info;
    info.name = GetString(attr, "name");
    info.type_name = GetString(attr, "typeName");
    info.defined_in = owner;
    info.optional = GetBool(attr, "isOptional", false);
    info.unique = GetBool(attr, "isUnique", false);
    info.cardinality = GetString(attr, "cardinality", "SINGLE");
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace

std::string RelationshipEnd::AttributeTypeName() const {
  return cardinality == "SINGLE" ? other_type : "array<" + other_type + ">";
}

const AttributeInfo* EntityTypeInfo::FindAttribute(std::string_view attribute) const {
  for (const AttributeInfo& info : attributes) {
    if (info.name == attribute) return &info;
  }
  return nullptr;
}

bool EntityTypeInfo::IsRelationshipAttribute(std::string_view attribute) const {
  return FindRelationship(attribute) != nullptr;
}

const RelationshipEnd* EntityTypeInfo::FindRelationship(std::string_view attribute,
                                                        std::string_view relationship_type) const {
  const RelationshipEnd* first = nullptr;
  for (const RelationshipEnd& end : relationships) {
    if (end.attribute != attribute) continue;
    if (!relationship_type.empty() && end.relationship_type == relationship_type) return &end;
    if (first == nullptr) first = &end;
  }
  return first;
}

std::vector<std::string> EntityTypeInfo::RelationshipAttributeNames() const {
  std::vector<std::string> names;
  for (const RelationshipEnd& end : relationships) {
    if (std::find(names.begin(), names.end(), end.attribute) == names.end()) {
      names.push_back(end.attribute);
    }
  }
  return names;
}

bool TypeRegistry::SplitArray(std::string_view type_name, std::string* element) {
  if (type_name.size() < 7 || type_name.substr(0, 6) != "array<" || type_name.back() != '>') {
    return false;
  }
  *element = std::string(type_name.substr(6, type_name.size() - 7));
  return true;
}

bool TypeRegistry::SplitMap(std::string_view type_name, std::string* key, std::string* value) {
  if (type_name.size() < 7 || type_name.substr(0, 4) != "map<" || type_name.back() != '>') {
    return false;
  }
  const std::string_view inner = type_name.substr(4, type_name.size() - 5);
  int depth = 0;
  for (size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] == '<') ++depth;
    if (inner[i] == '>') --depth;
    if (inner[i] == ',' && depth == 0) {
      *key = std::string(inner.substr(0, i));
      *value = std::string(inner.substr(i + 1));
      return true;
    }
  }
  return false;
}

TypeRegistry TypeRegistry::Preloaded() {
  static const TypeRegistry* const kBase = [] {
    auto* registry = new TypeRegistry();
    for (const EmbeddedModelFile& file : PreloadedModelFiles()) {
      const Json model = Parse(file.contents);
      if (!model.is_object()) continue;
      if (model.contains("patches")) {
        for (const Json& patch : model["patches"]) registry->ApplyPatch(patch).IgnoreError();
        continue;
      }
      // Add each def on its own so that one unresolvable type (a reference to
      // a model file that is not embedded) skips only itself; repeat while
      // progress is made, since a def may depend on a later one.
      std::vector<std::pair<std::string, Json>> pending;
      for (const auto& [list, category] : kTypeLists) {
        for (const Json& def : model.value(list, Json::array()))
          pending.emplace_back(category, def);
      }
      for (bool progress = true; progress && !pending.empty();) {
        progress = false;
        for (auto it = pending.begin(); it != pending.end();) {
          absl::StatusOr<Json> def = NormalizeDef(it->second, it->first, "admin", NowMillis());
          if (!def.ok() || registry->defs_.count((*def)["name"].get<std::string>()) > 0) {
            it = pending.erase(it);
            continue;
          }
          const std::string name = (*def)["name"];
          registry->Put(*std::move(def));
          if (registry->Rebuild().ok()) {
            progress = true;
            it = pending.erase(it);
          } else {
            registry->Remove(name);
            ++it;
          }
        }
      }
      for (const auto& [category, def] : pending) {
        registry->skipped_.push_back(GetString(def, "name"));
      }
      registry->Rebuild().IgnoreError();
    }
    return registry;
  }();
  return *kBase;
}

absl::Status TypeRegistry::ApplyPatch(const Json& patch) {
  // AtlasTypeDefStoreInitializer applies a patch only to the typeVersion it names.
  const auto it = defs_.find(GetString(patch, "typeName"));
  if (it == defs_.end()) return absl::OkStatus();
  if (GetString(it->second, "typeVersion") != GetString(patch, "applyToVersion")) {
    return absl::OkStatus();
  }
  const Json saved = it->second;
  Json& def = it->second;
  const std::string action = GetString(patch, "action");
  if (action == "ADD_ATTRIBUTE") {
    for (const Json& attr : patch.value("attributeDefs", Json::array())) {
      const std::string attr_name = GetString(attr, "name");
      const bool present = std::any_of(def["attributeDefs"].begin(), def["attributeDefs"].end(),
                                       [&](const Json& a) { return a["name"] == attr_name; });
      if (present) continue;
      LINEAGED_ASSIGN_OR_RETURN(Json normalized, NormalizeAttributeDef(attr));
      def["attributeDefs"].push_back(std::move(normalized));
    }
  } else if (action == "SET_SERVICE_TYPE") {
    def["serviceType"] = GetString(patch, "serviceType");
  } else if (action == "UPDATE_ATTRIBUTE_METADATA") {
    const std::string attr_name = GetString(patch, "attributeName");
    const Json params = patch.value("params", Json::object());
    for (Json& attr : def["attributeDefs"]) {
      if (attr["name"] != attr_name) continue;
      for (const auto& [key, value] : params.items()) {
        attr[key] = value;
      }
    }
  } else {
    return absl::OkStatus();
  }
  def["typeVersion"] = GetString(patch, "updateToVersion");
  if (absl::Status status = Rebuild(); !status.ok()) {
    it->second = saved;
    Rebuild().IgnoreError();
    return status;
  }
  return absl::OkStatus();
}

void TypeRegistry::Put(Json def) {
  const std::string name = def["name"];
  if (defs_.count(name) == 0) order_.push_back(name);
  defs_[name] = std::move(def);
}

void TypeRegistry::Remove(const std::string& name) {
  defs_.erase(name);
  order_.erase(std::remove(order_.begin(), order_.end(), name), order_.end());
}

const Json* TypeRegistry::FindDef(std::string_view name) const {
  const auto it = defs_.find(name);
  return it == defs_.end() ? nullptr : &it->second;
}

const Json* TypeRegistry::FindDefByGuid(std::string_view guid) const {
  for (const auto& [name, def] : defs_) {
    if (def["guid"] == guid) return &def;
  }
  return nullptr;
}

const EntityTypeInfo* TypeRegistry::FindEntity(std::string_view name) const {
  const auto it = entities_.find(name);
  return it == entities_.end() ? nullptr : &it->second;
}

const RelationshipTypeInfo* TypeRegistry::FindRelationshipType(std::string_view name) const {
  const auto it = relationships_.find(name);
  return it == relationships_.end() ? nullptr : &it->second;
}

const std::vector<AttributeInfo>* TypeRegistry::FindStructAttributes(std::string_view name) const {
  const auto it = structs_.find(name);
  return it == structs_.end() ? nullptr : &it->second;
}

bool TypeRegistry::IsA(std::string_view type, std::string_view super_type) const {
  if (type == super_type) return FindEntity(type) != nullptr;
  const EntityTypeInfo* info = FindEntity(type);
  return info != nullptr && std::find(info->all_super_types.begin(), info->all_super_types.end(),
                                      super_type) != info->all_super_types.end();
}

TypeRegistry::Kind TypeRegistry::KindOf(std::string_view type_name) const {
  if (IsPrimitive(type_name)) return Kind::kPrimitive;
  std::string a;
  std::string b;
  if (SplitArray(type_name, &a)) return Kind::kArray;
  if (SplitMap(type_name, &a, &b)) return Kind::kMap;
  if (enums_.count(type_name) > 0) return Kind::kEnum;
  if (entities_.count(type_name) > 0) return Kind::kEntity;
  if (structs_.count(type_name) > 0) return Kind::kStruct;
  return Kind::kUnknown;
}

absl::Status TypeRegistry::CheckTypeReference(const std::string& type_name) const {
  if (IsPrimitive(type_name)) return absl::OkStatus();
  std::string a;
  std::string b;
  if (SplitArray(type_name, &a)) return CheckTypeReference(a);
  if (SplitMap(type_name, &a, &b)) {
    LINEAGED_RETURN_IF_ERROR(CheckTypeReference(a));
    return CheckTypeReference(b);
  }
  const Json* def = FindDef(type_name);
  if (def != nullptr && (*def)["category"] != "RELATIONSHIP") return absl::OkStatus();
  // Atlas's registry throws TYPE_NAME_NOT_FOUND here and the REST layer turns
  // it into BAD_REQUEST with the same message.
  return AtlasError(AtlasErrorCode::kBadRequest, {"Given typename " + type_name + " was invalid"});
}

absl::Status TypeRegistry::Rebuild() {
  entities_.clear();
  structs_.clear();
  enums_.clear();
  relationships_.clear();
  for (const std::string& name : order_) {
    const Json& def = defs_.at(name);
    const std::string category = def["category"];
    if (category == "ENUM") {
      std::vector<std::string> values;
      for (const Json& element : def["elementDefs"]) values.push_back(GetString(element, "value"));
      enums_[name] = std::move(values);
    } else if (category == "ENTITY") {
      EntityTypeInfo& info = entities_[name];
      info.name = name;
      for (const Json& super : def["superTypes"]) info.super_types.push_back(super);
    } else if (category == "RELATIONSHIP") {
      RelationshipTypeInfo& info = relationships_[name];
      info.name = name;
      info.category = GetString(def, "relationshipCategory", "ASSOCIATION");
      for (auto [key, end] : {std::pair{"endDef1", &info.end1}, std::pair{"endDef2", &info.end2}}) {
        const Json& json = def[key];
        end->type = GetString(json, "type");
        end->name = GetString(json, "name");
        end->is_container = GetBool(json, "isContainer", false);
        end->cardinality = GetString(json, "cardinality", "SINGLE");
        end->legacy = GetBool(json, "isLegacyAttribute", false);
      }
    } else {
      structs_[name] = AttributesOf(def);
    }
  }

  // Supertypes must be entity types.
  for (const std::string& name : order_) {
    const auto it = entities_.find(name);
    if (it == entities_.end()) continue;
    for (const std::string& super : it->second.super_types) {
      const Json* def = FindDef(super);
      if (def == nullptr) {
        return AtlasError(AtlasErrorCode::kBadRequest,
                          {"Given typename " + super + " was invalid"});
      }
      if ((*def)["category"] != "ENTITY") {
        return AtlasError(AtlasErrorCode::kIncompatibleSupertype, {name, super});
      }
    }
  }

  // Inheritance: all supertypes and attributes, in Atlas's validation order.
  std::set<std::string> done;
  std::vector<std::string> stack;
  std::function<absl::Status(const std::string&)> resolve =
      [&](const std::string& name) -> absl::Status {
    if (done.count(name) > 0) return absl::OkStatus();
    if (std::find(stack.begin(), stack.end(), name) != stack.end()) {
      return AtlasError(AtlasErrorCode::kCircularReference, {name, stack.front()});
    }
    stack.push_back(name);
    EntityTypeInfo& info = entities_.at(name);
    std::vector<AttributeInfo> inherited;
    for (const std::string& super : info.super_types) {
      LINEAGED_RETURN_IF_ERROR(resolve(super));
      const EntityTypeInfo& parent = entities_.at(super);
      for (const std::string& s : parent.all_super_types) {
        if (std::find(info.all_super_types.begin(), info.all_super_types.end(), s) ==
            info.all_super_types.end()) {
          info.all_super_types.push_back(s);
        }
      }
      if (std::find(info.all_super_types.begin(), info.all_super_types.end(), super) ==
          info.all_super_types.end()) {
        info.all_super_types.push_back(super);
      }
      for (const AttributeInfo& attr : parent.attributes) {
        const bool seen = std::any_of(inherited.begin(), inherited.end(),
                                      [&](const AttributeInfo& a) { return a.name == attr.name; });
        if (!seen) inherited.push_back(attr);
      }
    }
    std::vector<AttributeInfo> own = AttributesOf(defs_.at(name));
    for (const AttributeInfo& attr : own) {
      for (const AttributeInfo& parent_attr : inherited) {
        if (parent_attr.name == attr.name) {
          return AtlasError(AtlasErrorCode::kAttributeNameExistsInParent,
                            {name, attr.name, parent_attr.defined_in});
        }
      }
    }
    info.attributes = std::move(inherited);
    info.attributes.insert(info.attributes.end(), own.begin(), own.end());
    stack.pop_back();
    done.insert(name);
    return absl::OkStatus();
  };
  for (const std::string& name : order_) {
    if (entities_.count(name) > 0) LINEAGED_RETURN_IF_ERROR(resolve(name));
  }

  // Attribute types must resolve; LIST/SET need an array type.
  for (const std::string& name : order_) {
    const Json& def = defs_.at(name);
    if (def["category"] == "ENUM") continue;
    for (const AttributeInfo& attr : AttributesOf(def)) {
      LINEAGED_RETURN_IF_ERROR(CheckTypeReference(attr.type_name));
      std::string element;
      if (attr.cardinality != "SINGLE" && !SplitArray(attr.type_name, &element)) {
        return AtlasError(AtlasErrorCode::kInvalidCardinality, {name, attr.name});
      }
    }
  }

  // Relationship ends become relationship attributes of their entity types.
  std::map<std::string, std::vector<RelationshipEnd>> own_ends;
  for (const std::string& name : order_) {
    const auto it = relationships_.find(name);
    if (it == relationships_.end()) continue;
    const RelationshipTypeInfo& rel = it->second;
    for (const std::string* type : {&rel.end1.type, &rel.end2.type}) {
      if (entities_.count(*type) == 0) {
        return AtlasError(AtlasErrorCode::kBadRequest,
                          {"Given typename " + *type + " was invalid"});
      }
    }
    for (bool first : {true, false}) {
      const RelationshipTypeInfo::End& mine = first ? rel.end1 : rel.end2;
      const RelationshipTypeInfo::End& other = first ? rel.end2 : rel.end1;
      RelationshipEnd end;
      end.attribute = mine.name;
      end.relationship_type = rel.name;
      end.other_type = other.type;
      end.this_is_end1 = first;
      end.cardinality = mine.cardinality;
      end.legacy = mine.legacy;
      end.this_is_container = mine.is_container;
      end.category = rel.category;
      own_ends[mine.type].push_back(std::move(end));
    }
  }
  for (auto& [name, info] : entities_) {
    for (const std::string& super : info.all_super_types) {
      for (const RelationshipEnd& end : own_ends[super]) info.relationships.push_back(end);
    }
    for (const RelationshipEnd& end : own_ends[name]) info.relationships.push_back(end);
  }

  for (const std::string& name : order_) {
    const auto it = entities_.find(name);
    if (it == entities_.end()) continue;
    for (const std::string& super : it->second.super_types) {
      entities_.at(super).sub_types.push_back(name);
    }
    for (const std::string& super : it->second.all_super_types) {
      entities_.at(super).all_sub_types.insert(name);
    }
  }
  return absl::OkStatus();
}

Json TypeRegistry::Render(std::string_view name) const {
  Json out = defs_.find(name)->second;
  if (out["category"] == "ENTITY") {
    const EntityTypeInfo& info = entities_.find(name)->second;
    out["subTypes"] = info.sub_types;
    Json rel_defs = Json::array();
    for (const RelationshipEnd& end : info.relationships) {
      Json attr = Json::object();
      attr["name"] = end.attribute;
      attr["typeName"] = end.AttributeTypeName();
      attr["isOptional"] = true;
      attr["cardinality"] = end.cardinality;
      attr["valuesMinCount"] = -1;
      attr["valuesMaxCount"] = -1;
      attr["isUnique"] = false;
      attr["isIndexable"] = false;
      attr["includeInNotification"] = false;
      attr["searchWeight"] = -1;
      attr["relationshipTypeName"] = end.relationship_type;
      attr["isLegacyAttribute"] = end.legacy;
      rel_defs.push_back(std::move(attr));
    }
    out["relationshipAttributeDefs"] = std::move(rel_defs);
    out["businessAttributeDefs"] = Json::object();
  } else if (out["category"] == "CLASSIFICATION") {
    Json sub_types = Json::array();
    for (const std::string& other : order_) {
      const Json& def = defs_.at(other);
      if (def["category"] != "CLASSIFICATION") continue;
      const Json& supers = def["superTypes"];
      if (std::find(supers.begin(), supers.end(), Json(std::string(name))) != supers.end()) {
        sub_types.push_back(other);
      }
    }
    out["subTypes"] = std::move(sub_types);
  }
  return out;
}

bool TypeRegistry::Passes(const Json& def, const TypedefFilter& filter) const {
  const std::string name = def["name"];
  const std::string category = def["category"];
  if (!filter.type.empty()) {
    std::string wanted = filter.type;
    std::transform(wanted.begin(), wanted.end(), wanted.begin(),
                   [](char c) { return static_cast<char>(std::toupper(c)); });
    if (wanted != category) return false;
  }
  if (!filter.name.empty() && filter.name != name) return false;
  if (!filter.not_name.empty() && filter.not_name == name) return false;
  const std::string service_type = GetString(def, "serviceType");
  if (!filter.service_type.empty() && filter.service_type != service_type) return false;
  if (!filter.not_service_type.empty() && filter.not_service_type == service_type) return false;
  if (!filter.supertype.empty() || !filter.not_supertype.empty()) {
    const EntityTypeInfo* info = FindEntity(name);
    auto has_super = [&](const std::string& super) {
      return info != nullptr &&
             std::find(info->all_super_types.begin(), info->all_super_types.end(), super) !=
                 info->all_super_types.end();
    };
    if (!filter.supertype.empty() && !has_super(filter.supertype)) return false;
    if (!filter.not_supertype.empty() &&
        (info == nullptr || has_super(filter.not_supertype) || name == filter.not_supertype)) {
      return false;
    }
  }
  return true;
}

Json TypeRegistry::RenderTypesDef(const TypedefFilter& filter) const {
  Json out = EmptyTypesDef();
  for (const std::string& name : order_) {
    const Json& def = defs_.at(name);
    if (!Passes(def, filter)) continue;
    out[ListFor(def["category"].get<std::string>())].push_back(Render(name));
  }
  return out;
}

Json TypeRegistry::RenderHeaders(const TypedefFilter& filter) const {
  Json out = Json::array();
  for (const std::string& name : order_) {
    const Json& def = defs_.at(name);
    if (!Passes(def, filter)) continue;
    Json header = Json::object();
    header["guid"] = def["guid"];
    header["name"] = def["name"];
    header["category"] = def["category"];
    if (def.contains("serviceType")) header["serviceType"] = def["serviceType"];
    out.push_back(std::move(header));
  }
  return out;
}

absl::StatusOr<Json> TypeRegistry::Create(const Json& types_def, const std::string& user,
                                          bool allowed, int64_t now) {
  LINEAGED_ASSIGN_OR_RETURN(std::vector<ParsedDef> parsed, ParseTypesDef(types_def));
  TypeRegistry candidate = *this;
  std::vector<std::string> created;
  for (const ParsedDef& item : parsed) {
    LINEAGED_ASSIGN_OR_RETURN(Json def, NormalizeDef(item.def, item.category, user, now));
    const std::string name = def["name"];
    if (candidate.defs_.count(name) > 0) {
      return AtlasError(AtlasErrorCode::kTypeAlreadyExists, {name});
    }
    candidate.Put(std::move(def));
    created.push_back(name);
  }
  LINEAGED_RETURN_IF_ERROR(candidate.Rebuild());
  for (const std::string& name : created) {
    if (!ValidTypeName(name)) {
      return AtlasError(AtlasErrorCode::kTypeNameInvalidFormat,
                        {name, candidate.defs_.at(name)["category"].get<std::string>()});
    }
  }
  if (!allowed && !created.empty()) {
    const std::string& name = created.front();
    return AtlasError(
        AtlasErrorCode::kUnauthorizedAccess,
        {user, "create " + DefNoun(candidate.defs_.at(name)["category"].get<std::string>()) + " " +
                   name});
  }
  *this = std::move(candidate);
  Json out = EmptyTypesDef();
  for (const std::string& name : created) {
    out[ListFor(defs_.at(name)["category"].get<std::string>())].push_back(Render(name));
  }
  return out;
}

absl::StatusOr<Json> TypeRegistry::Update(const Json& types_def, const std::string& user,
                                          bool allowed, int64_t now) {
  LINEAGED_ASSIGN_OR_RETURN(std::vector<ParsedDef> parsed, ParseTypesDef(types_def));
  TypeRegistry candidate = *this;
  std::vector<std::string> updated;
  for (const ParsedDef& item : parsed) {
    const std::string guid = GetString(item.def, "guid");
    const std::string requested_name = GetString(item.def, "name");
    const Json* existing_ptr = nullptr;
    if (!guid.empty()) {
      existing_ptr = candidate.FindDefByGuid(guid);
      if (existing_ptr == nullptr) return AtlasError(AtlasErrorCode::kTypeGuidNotFound, {guid});
    } else {
      existing_ptr = candidate.FindDef(requested_name);
      if (existing_ptr == nullptr) {
        return AtlasError(AtlasErrorCode::kTypeNameNotFound, {requested_name});
      }
    }
    const Json existing = *existing_ptr;
    const std::string name = existing["name"];
    const std::string category = existing["category"];
    LINEAGED_ASSIGN_OR_RETURN(Json def, NormalizeDef(item.def, category, user, now));
    def["name"] = name;
    if (GetString(item.def, "description").empty()) def["description"] = name;

    if (category != "ENUM" && category != "RELATIONSHIP") {
      const Json& old_attrs = existing["attributeDefs"];
      const Json& new_attrs = def["attributeDefs"];
      auto find = [](const Json& list, const Json& attr_name) -> const Json* {
        for (const Json& attr : list) {
          if (attr["name"] == attr_name) return &attr;
        }
        return nullptr;
      };
      for (const Json& old_attr : old_attrs) {
        if (find(new_attrs, old_attr["name"]) == nullptr) {
          return AtlasError(AtlasErrorCode::kAttributeDeletionNotSupported,
                            {name, GetString(old_attr, "name")});
        }
      }
      for (const Json& new_attr : new_attrs) {
        const Json* old_attr = find(old_attrs, new_attr["name"]);
        if (old_attr == nullptr) {
          if (!new_attr["isOptional"].get<bool>()) {
            return AtlasError(AtlasErrorCode::kCannotAddMandatoryAttribute,
                              {name, GetString(new_attr, "name")});
          }
        } else if ((*old_attr)["typeName"] != new_attr["typeName"]) {
          return AtlasError(AtlasErrorCode::kBadRequest,
                            {"Data type update for attribute is not supported"});
        }
      }
      if (category == "ENTITY") {
        for (const Json& super : existing["superTypes"]) {
          const Json& supers = def["superTypes"];
          if (std::find(supers.begin(), supers.end(), super) == supers.end()) {
            return AtlasError(AtlasErrorCode::kSupertypeRemovalNotSupported);
          }
        }
      }
    }
    def["guid"] = existing["guid"];
    def["createdBy"] = existing["createdBy"];
    def["createTime"] = existing["createTime"];
    def["version"] = existing["version"].get<int64_t>() + 1;
    if (!def.contains("typeVersion") && existing.contains("typeVersion")) {
      def["typeVersion"] = existing["typeVersion"];
    }
    candidate.defs_[name] = std::move(def);
    if (std::find(updated.begin(), updated.end(), name) == updated.end()) updated.push_back(name);
  }
  LINEAGED_RETURN_IF_ERROR(candidate.Rebuild());
  if (!allowed && !updated.empty()) {
    const std::string& name = updated.front();
    return AtlasError(
        AtlasErrorCode::kUnauthorizedAccess,
        {user, "update " + DefNoun(candidate.defs_.at(name)["category"].get<std::string>()) + " " +
                   name});
  }
  *this = std::move(candidate);
  Json out = EmptyTypesDef();
  for (const std::string& name : updated) {
    out[ListFor(defs_.at(name)["category"].get<std::string>())].push_back(Render(name));
  }
  return out;
}

absl::Status TypeRegistry::Delete(std::string_view name, bool has_instances,
                                  const std::string& user, bool allowed) {
  const Json* def = FindDef(name);
  if (def == nullptr) return AtlasError(AtlasErrorCode::kTypeNameNotFound, {std::string(name)});
  const std::string type_name(name);
  const std::string category = (*def)["category"];
  if (has_instances) return AtlasError(AtlasErrorCode::kTypeHasReferences, {type_name});
  if (category == "ENTITY") {
    if (!entities_.at(type_name).sub_types.empty()) {
      return AtlasError(AtlasErrorCode::kTypeHasReferences, {type_name});
    }
    for (const auto& [rel_name, rel] : relationships_) {
      if (rel.end1.type == type_name || rel.end2.type == type_name) {
        return AtlasError(AtlasErrorCode::kTypeHasRelationships, {type_name});
      }
    }
  }
  if (!allowed) {
    return AtlasError(AtlasErrorCode::kUnauthorizedAccess,
                      {user, "delete " + DefNoun(category) + " " + type_name});
  }
  TypeRegistry candidate = *this;
  candidate.Remove(type_name);
  // Another type's attribute still refers to it.
  if (!candidate.Rebuild().ok()) return AtlasError(AtlasErrorCode::kTypeHasReferences, {type_name});
  *this = std::move(candidate);
  return absl::OkStatus();
}

void TypeRegistry::ValidateValue(const std::string& type_name, const Json& value,
                                 const std::string& path,
                                 std::vector<std::string>* messages) const {
  if (value.is_null()) return;
  auto invalid = [&] {
    messages->push_back(path + "=" + JavaString(value) + ": invalid value for type " + type_name);
  };
  const bool scalar = value.is_string() || value.is_number() || value.is_boolean();
  std::string element;
  std::string key_type;
  std::string value_type;
  switch (KindOf(type_name)) {
    case Kind::kPrimitive: {
      if (type_name == "object") return;
      if (type_name == "string") {
        if (!scalar) invalid();
        return;
      }
      if (type_name == "boolean") {
        if (value.is_boolean()) return;
        if (value.is_string() && (EqualsIgnoreCase(value.get<std::string>(), "true") ||
                                  EqualsIgnoreCase(value.get<std::string>(), "false"))) {
          return;
        }
        invalid();
        return;
      }
      if (type_name == "date") {
        if (value.is_number()) return;
        if (value.is_string()) {
          const std::string text = value.get<std::string>();
          if (text.empty() || ParseInteger(text) || ParseIsoMillis(text)) return;
        }
        invalid();
        return;
      }
      std::optional<double> number;
      if (value.is_number()) number = value.get<double>();
      if (value.is_string()) number = ParseDouble(value.get<std::string>());
      if (!number || !std::isfinite(*number)) {
        invalid();
        return;
      }
      double low = -std::numeric_limits<double>::max();
      double high = std::numeric_limits<double>::max();
      if (type_name == "byte") low = -128, high = 127;
      if (type_name == "short") low = -32768, high = 32767;
      if (type_name == "int") low = -2147483648.0, high = 2147483647.0;
      if (type_name == "long") low = -9.2233720368547758e18, high = 9.2233720368547758e18;
      if (type_name == "float") low = -3.4028235e38, high = 3.4028235e38;
      if (*number < low || *number > high) invalid();
      return;
    }
    case Kind::kEnum: {
      const std::string text = JavaString(value);
      for (const std::string& allowed : enums_.find(type_name)->second) {
        if (EqualsIgnoreCase(allowed, text)) return;
      }
      invalid();
      return;
    }
    case Kind::kArray: {
      SplitArray(type_name, &element);
      if (!value.is_array()) {
        invalid();
        return;
      }
      for (size_t i = 0; i < value.size(); ++i) {
        ValidateValue(element, value[i], path + "[" + std::to_string(i) + "]", messages);
      }
      return;
    }
    case Kind::kMap: {
      SplitMap(type_name, &key_type, &value_type);
      if (!value.is_object()) {
        invalid();
        return;
      }
      for (const auto& [key, item] : value.items()) {
        ValidateValue(value_type, item, path + "." + key, messages);
      }
      return;
    }
    case Kind::kStruct: {
      if (!value.is_object()) {
        invalid();
        return;
      }
      const Json& attrs = value.contains("typeName") && value.contains("attributes") &&
                                  value["attributes"].is_object()
                              ? value["attributes"]
                              : value;
      for (const AttributeInfo& attr : structs_.find(type_name)->second) {
        const auto it = attrs.find(attr.name);
        if (it == attrs.end() || it->is_null()) {
          if (!attr.optional) {
            messages->push_back(path + "." + attr.name +
                                ": mandatory attribute value missing in type " + type_name);
          }
          continue;
        }
        ValidateValue(attr.type_name, *it, path + "." + attr.name, messages);
      }
      return;
    }
    case Kind::kEntity: {
      const bool valid =
          value.is_object() &&
          (!CoercedString(value, "guid").value_or("").empty() ||
           (!CoercedString(value, "typeName").value_or("").empty() &&
            value.contains("uniqueAttributes") && value["uniqueAttributes"].is_object() &&
            !value["uniqueAttributes"].empty()));
      if (!valid) invalid();
      return;
    }
    case Kind::kUnknown:
      invalid();
      return;
  }
}

Json TypeRegistry::NormalizeValue(const std::string& type_name, const Json& value) const {
  if (value.is_null()) return value;
  std::string element;
  std::string key_type;
  std::string value_type;
  switch (KindOf(type_name)) {
    case Kind::kPrimitive: {
      if (type_name == "object") return value;
      if (type_name == "string") return value.is_string() ? value : Json(JavaString(value));
      if (type_name == "boolean") {
        return value.is_boolean() ? value
                                  : Json(EqualsIgnoreCase(value.get<std::string>(), "true"));
      }
      if (type_name == "date") {
        if (value.is_number()) return Json(value.get<int64_t>());
        const std::string text = value.get<std::string>();
        if (text.empty()) return Json(nullptr);
        if (auto millis = ParseInteger(text)) return Json(*millis);
        return Json(*ParseIsoMillis(text));
      }
      const double number =
          value.is_number() ? value.get<double>() : *ParseDouble(value.get<std::string>());
      if (type_name == "float" || type_name == "double" || type_name == "bigdecimal") {
        if (value.is_number_integer() || value.is_number_unsigned()) return value;
        return Json(number);
      }
      if (value.is_number_integer() || value.is_number_unsigned()) return value;
      if (value.is_string()) {
        if (auto integer = ParseInteger(value.get<std::string>())) return Json(*integer);
      }
      return Json(static_cast<int64_t>(number));
    }
    case Kind::kEnum: {
      const std::string text = JavaString(value);
      for (const std::string& allowed : enums_.find(type_name)->second) {
        if (EqualsIgnoreCase(allowed, text)) return Json(allowed);
      }
      return value;
    }
    case Kind::kArray: {
      SplitArray(type_name, &element);
      Json out = Json::array();
      for (const Json& item : value) out.push_back(NormalizeValue(element, item));
      return out;
    }
    case Kind::kMap: {
      SplitMap(type_name, &key_type, &value_type);
      Json out = Json::object();
      for (const auto& [key, item] : value.items()) out[key] = NormalizeValue(value_type, item);
      return out;
    }
    case Kind::kStruct: {
      const Json& attrs = value.contains("typeName") && value.contains("attributes") &&
                                  value["attributes"].is_object()
                              ? value["attributes"]
                              : value;
      Json normalized = Json::object();
      for (const AttributeInfo& attr : structs_.find(type_name)->second) {
        const auto it = attrs.find(attr.name);
        if (it != attrs.end()) normalized[attr.name] = NormalizeValue(attr.type_name, *it);
      }
      Json out = Json::object();
      out["typeName"] = type_name;
      out["attributes"] = std::move(normalized);
      return out;
    }
    case Kind::kEntity: {
      Json out = Json::object();
      for (const char* key : {"guid", "typeName", "uniqueAttributes"}) {
        if (value.contains(key)) out[key] = value[key];
      }
      return out;
    }
    case Kind::kUnknown:
      return value;
  }
  return value;
}

}  // namespace lineaged::testing::internal
