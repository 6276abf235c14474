#pragma once

// EntityStore: the emulator's in-memory Atlas graph. Entities and the
// relationship edges between them, with Atlas 2.5's create-or-update
// semantics (atlas-contract.md §2.2-§2.6): discovery, guid and
// unique-attribute resolution, validation, skip-unchanged, reference arrays
// replacing the stored set, side-effect UPDATE entries and soft delete. A
// request is all-or-nothing: everything is checked before anything is written.
//
// Not thread-safe; the emulator serializes access. The TypeRegistry must
// outlive the store.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

#include "tests/atlas_emulator/internal/json_util.h"
#include "tests/atlas_emulator/internal/type_registry.h"

namespace lineaged::testing::internal {

struct StoredEntity {
  std::string guid;
  std::string type_name;
  Json attributes = Json::object();  // normalized values of plain (non-relationship) attributes
  std::optional<Json> custom_attributes;
  Json labels = Json::array();
  std::string status = "ACTIVE";
  bool is_incomplete = false;
  std::string created_by;
  std::string updated_by;
  int64_t create_time = 0;
  int64_t update_time = 0;
  int64_t version = 0;
  uint64_t sequence = 0;  // creation order
};

// A relationship edge; end1/end2 as in the relationshipDef.
struct StoredRelationship {
  std::string guid;
  std::string type_name;
  std::string end1;
  std::string end2;
  std::string status = "ACTIVE";
  int64_t create_time = 0;
  int64_t update_time = 0;
  uint64_t sequence = 0;
};

struct WriteOptions {
  bool partial = false;        // partial update: no mandatory check, PARTIAL_UPDATE in responses
  bool create_shells = false;  // createShellForNonExistingRef
  std::string user = "admin";
  bool allowed = true;  // false: the user may not write entities (403)
  int64_t now = 0;
};

class EntityStore {
 public:
  explicit EntityStore(const TypeRegistry* registry) : registry_(registry) {}

  EntityStore(const EntityStore&) = delete;
  EntityStore& operator=(const EntityStore&) = delete;

  // POST /v2/entity/bulk (and /v2/entity, and partial updates): creates or
  // updates `entities` plus the `referred` entities ({"guid": entity}) they
  // reference. Returns the EntityMutationResponse; on error nothing changed.
  absl::StatusOr<Json> CreateOrUpdate(const Json& entities, const Json& referred,
                                      const WriteOptions& options);

  // Soft-deletes the entities (and their composition children). Returns the
  // EntityMutationResponse, {} when nothing was deleted. 403 if !allowed.
  absl::StatusOr<Json> Delete(const std::vector<std::string>& guids, const WriteOptions& options);

  // Any status; nullptr if unknown.
  const StoredEntity* FindByGuid(std::string_view guid) const;
  // An ACTIVE entity of `type` or a subtype matching one of the type's unique
  // attributes in `attributes`; nullptr if none.
  const StoredEntity* FindByUniqueAttributes(const EntityTypeInfo& type,
                                             const Json& attributes) const;

  // Renderings, as Atlas's EntityGraphRetriever produces them.
  enum class HeaderKind {
    kMutation,  // with "classifications"
    kPlain,     // lineage and search headers
  };
  Json RenderHeader(const StoredEntity& entity, HeaderKind kind,
                    const std::vector<std::string>& extra_attributes = {}) const;
  Json RenderEntity(const StoredEntity& entity, bool ignore_relationships) const;
  // {"referredEntities":{…},"entity":{…}}; referredEntities holds the ACTIVE
  // composition children unless `min_ext_info`.
  Json RenderEntityWithExtInfo(const StoredEntity& entity, bool min_ext_info,
                               bool ignore_relationships) const;

  // Edges of `relationship_type` where `guid` is end1 (`as_end1`) or end2, any
  // status, in creation order.
  std::vector<const StoredRelationship*> Edges(std::string_view guid,
                                               std::string_view relationship_type,
                                               bool as_end1) const;

  // All entities in creation order.
  std::vector<const StoredEntity*> All() const;
  // ACTIVE entities whose typeName is exactly `type_name`.
  size_t CountActive(std::string_view type_name) const;
  // Whether any entity (any status) or relationship has this type.
  bool HasInstances(std::string_view type_name) const;

 private:
  struct Plan;

  void IndexUnique(const StoredEntity& entity, bool add);
  Json RelatedObjectId(const StoredRelationship& edge, const std::string& other_guid) const;
  Json ObjectIdOf(const StoredEntity& entity) const;
  std::string DisplayText(const StoredEntity& entity) const;

  const TypeRegistry* registry_;
  std::map<std::string, StoredEntity, std::less<>> entities_;
  std::map<std::string, StoredRelationship, std::less<>> relationships_;
  std::multimap<std::string, std::string, std::less<>> edges_by_entity_;  // entity -> relationship
  // (concrete type, unique attribute, value) -> guid, ACTIVE entities only.
  std::map<std::tuple<std::string, std::string, std::string>, std::string> unique_index_;
  uint64_t next_sequence_ = 1;
};

}  // namespace lineaged::testing::internal
