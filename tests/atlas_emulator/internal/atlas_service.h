#pragma once

// AtlasService: the emulator's request -> response function, free of sockets
// (the shape of Beast advanced_server's handle_request). Authentication, the
// routes of atlas-contract.md §0-§4 and the error bodies of §0.1 live here;
// AtlasEmulator only moves bytes and injects faults.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#include "tests/atlas_emulator/atlas_emulator.h"
#include "tests/atlas_emulator/internal/entity_store.h"
#include "tests/atlas_emulator/internal/json_util.h"
#include "tests/atlas_emulator/internal/type_registry.h"

namespace lineaged::testing::internal {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct ServiceRequest {
  std::string method;
  std::string target;  // origin-form: path and query
  HeaderList headers;
  std::string body;

  // The first header named `name` (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

struct ServiceResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  HeaderList headers;  // besides Content-Type
};

// Thread-safe; requests are served one at a time, like Atlas's graph
// transactions.
class AtlasService {
 public:
  explicit AtlasService(const AtlasEmulatorOptions& options);

  AtlasService(const AtlasService&) = delete;
  AtlasService& operator=(const AtlasService&) = delete;

  ServiceResponse Handle(const ServiceRequest& request) ABSL_LOCKS_EXCLUDED(mu_);

  // Back to the preloaded model with no entities.
  void Reset() ABSL_LOCKS_EXCLUDED(mu_);

  size_t EntityCount(std::string_view type_name) const ABSL_LOCKS_EXCLUDED(mu_);
  std::optional<Json> FindByQualifiedName(std::string_view type_name,
                                          std::string_view qualified_name) const
      ABSL_LOCKS_EXCLUDED(mu_);
  std::optional<Json> FindByGuid(std::string_view guid) const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  ServiceResponse HandleLocked(const ServiceRequest& request) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  ServiceResponse Dispatch(const ServiceRequest& request, const std::string& user, AtlasRole role)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const AtlasEmulatorOptions options_;
  mutable absl::Mutex mu_;
  TypeRegistry registry_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<EntityStore> store_ ABSL_GUARDED_BY(mu_);           // points at registry_
  std::map<std::string, std::string> sessions_ ABSL_GUARDED_BY(mu_);  // ATLASSESSIONID -> user
};

}  // namespace lineaged::testing::internal
