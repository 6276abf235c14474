#pragma once

// TypeRegistry: the emulator's Atlas type system. Holds the typedefs as Atlas
// stores them (atlas-contract.md §1.2), resolves inheritance and relationship
// attributes, applies the create/update rules of §1.3 (all-or-nothing) and
// validates instance values as §1.4 describes.
//
// Not thread-safe; the emulator serializes access.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "tests/atlas_emulator/internal/json_util.h"

namespace lineaged::testing::internal {

struct AttributeInfo {
  std::string name;
  std::string type_name;
  std::string defined_in;  // the struct/entity type that declares it
  bool optional = false;
  bool unique = false;
  std::string cardinality = "SINGLE";
};

// One relationship attribute of an entity type: the end of a relationshipDef
// that names this type (or a supertype).
struct RelationshipEnd {
  std::string attribute;          // the attribute name on this end
  std::string relationship_type;  // the relationshipDef's name
  std::string other_type;         // the entity type declared at the other end
  bool this_is_end1 = true;
  std::string cardinality;  // of this end's attribute: SINGLE, SET or LIST
  bool legacy = false;
  bool this_is_container = false;
  std::string category;  // ASSOCIATION, AGGREGATION or COMPOSITION

  // "array<Other>" for SET/LIST ends, "Other" for SINGLE ones.
  std::string AttributeTypeName() const;
};

struct EntityTypeInfo {
  std::string name;
  std::vector<std::string> super_types;      // direct
  std::vector<std::string> all_super_types;  // transitive
  std::vector<std::string> sub_types;        // direct
  std::set<std::string> all_sub_types;       // transitive
  // Every attribute, inherited ones first (supertypes depth-first in
  // superTypes order), which is also Atlas's validation order.
  std::vector<AttributeInfo> attributes;
  // Relationship attributes including inherited ones; one name can belong to
  // several relationshipDefs.
  std::vector<RelationshipEnd> relationships;

  const AttributeInfo* FindAttribute(std::string_view attribute) const;
  bool IsRelationshipAttribute(std::string_view attribute) const;
  // The end for `attribute`, preferring `relationship_type` when it names one;
  // nullptr if the type has no such relationship attribute.
  const RelationshipEnd* FindRelationship(std::string_view attribute,
                                          std::string_view relationship_type = {}) const;
  // Relationship attribute names in declaration order, without duplicates.
  std::vector<std::string> RelationshipAttributeNames() const;
};

struct RelationshipTypeInfo {
  struct End {
    std::string type;
    std::string name;
    bool is_container = false;
    std::string cardinality = "SINGLE";
    bool legacy = false;
  };
  std::string name;
  std::string category = "ASSOCIATION";
  End end1;
  End end2;
};

// Typedef filters of GET /v2/types/typedefs (and /headers).
struct TypedefFilter {
  std::string
      type;  // category: entity, struct, enum, classification, relationship, business_metadata
  std::string name;
  std::string supertype;
  std::string not_supertype;
  std::string service_type;
  std::string not_service_type;
  std::string not_name;
};

class TypeRegistry {
 public:
  TypeRegistry() = default;

  // A copy of the preloaded model: the embedded typedef files, their patches
  // applied, types that do not resolve skipped (see skipped_types()).
  static TypeRegistry Preloaded();

  // Names of embedded types the preload skipped because they reference types
  // that are not in the embedded files.
  const std::vector<std::string>& skipped_types() const { return skipped_; }

  // nullptr when unknown.
  const Json* FindDef(std::string_view name) const;
  const Json* FindDefByGuid(std::string_view guid) const;
  const EntityTypeInfo* FindEntity(std::string_view name) const;
  const RelationshipTypeInfo* FindRelationshipType(std::string_view name) const;
  // Attributes of a struct (or classification) type; nullptr when unknown.
  const std::vector<AttributeInfo>* FindStructAttributes(std::string_view name) const;

  // True if `type` is `super_type` or one of its subtypes (entity types).
  bool IsA(std::string_view type, std::string_view super_type) const;

  // The def as GET /v2/types/typedef/name returns it (computed subTypes and
  // relationshipAttributeDefs included). `name` must exist.
  Json Render(std::string_view name) const;
  // An AtlasTypesDef with all six lists, holding the defs that pass `filter`.
  Json RenderTypesDef(const TypedefFilter& filter) const;
  // [{"guid","name","category","serviceType"}…] for the defs that pass `filter`.
  Json RenderHeaders(const TypedefFilter& filter) const;

  // POST /v2/types/typedefs: creates every def of `types_def` or none.
  // Returns the AtlasTypesDef of the created defs. Errors: 409
  // ATLAS-409-00-001, 400 ATLAS-400-00-029/-003/-002/-09E/-012/-019, 403 when
  // `allowed` is false, 400 {"error"} for a wrong JSON shape.
  absl::StatusOr<Json> Create(const Json& types_def, const std::string& user, bool allowed,
                              int64_t now);

  // PUT /v2/types/typedefs: updates every def of `types_def` (matched by guid,
  // else by name) or none. Errors: 404 ATLAS-404-00-001/-002, 400
  // ATLAS-400-00-00C/-00D/-00E/-029, 403 when `allowed` is false.
  absl::StatusOr<Json> Update(const Json& types_def, const std::string& user, bool allowed,
                              int64_t now);

  // DELETE /v2/types/typedef/name/{name}. `has_instances` tells whether
  // entities (or relationships) of the type exist. Errors: 404
  // ATLAS-404-00-001, 409 ATLAS-409-00-002/-005, 403 when `allowed` is false.
  absl::Status Delete(std::string_view name, bool has_instances, const std::string& user,
                      bool allowed);

  // Validates an attribute value as Atlas's AtlasType.validateValue does and
  // appends messages such as "t.a=x: invalid value for type int".
  void ValidateValue(const std::string& type_name, const Json& value, const std::string& path,
                     std::vector<std::string>* messages) const;
  // The value as Atlas stores it (numbers to the declared primitive, dates to
  // epoch millis, "" dates to null). `value` must be valid.
  Json NormalizeValue(const std::string& type_name, const Json& value) const;

  // Classification of an attribute type name.
  enum class Kind { kPrimitive, kEnum, kStruct, kEntity, kArray, kMap, kUnknown };
  Kind KindOf(std::string_view type_name) const;

  // "array<X>" -> X, "map<K,V>" -> K and V; false if not of that form.
  static bool SplitArray(std::string_view type_name, std::string* element);
  static bool SplitMap(std::string_view type_name, std::string* key, std::string* value);

 private:
  // Adds a normalized def; Rebuild() must follow.
  void Put(Json def);
  void Remove(const std::string& name);
  // Recomputes the derived views from defs_; the first resolution error of
  // the defs in order_ otherwise.
  absl::Status Rebuild();
  absl::Status CheckTypeReference(const std::string& type_name) const;
  absl::Status ApplyPatch(const Json& patch);
  bool Passes(const Json& def, const TypedefFilter& filter) const;

  std::vector<std::string> order_;  // names in creation order
  std::map<std::string, Json, std::less<>> defs_;
  std::map<std::string, EntityTypeInfo, std::less<>> entities_;
  std::map<std::string, std::vector<AttributeInfo>, std::less<>>
      structs_;  // struct, classification
  std::map<std::string, std::vector<std::string>, std::less<>> enums_;
  std::map<std::string, RelationshipTypeInfo, std::less<>> relationships_;
  std::vector<std::string> skipped_;
};

}  // namespace lineaged::testing::internal
