#pragma once

// AtlasEmulator: an in-process HTTP server that behaves like Apache Atlas 2.5's
// REST v2 API for lineaged's Atlas exporter tests. It enforces the contract in
// the shared reference atlas-contract.md (typedef rules, entity validation and
// the 404 ATLAS-404-00-007 quirk, create-or-update by qualifiedName, negative
// placeholder guids, lineage, basic auth without a challenge, the exact error
// bodies) instead of accepting anything, and can be told to fail for a while.
// tests/atlas_emulator/README.md lists what it implements.
//
//   lineaged::testing::AtlasEmulator atlas;
//   ASSERT_TRUE(atlas.Start().ok());
//   // point the exporter at atlas.base_url(), user "admin", password "admin"
//   atlas.RefuseConnectionsFor(std::chrono::seconds(2));
//   EXPECT_EQ(atlas.EntityCount("openlineage_dataset"), 3u);

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace lineaged::testing {

// What a user may do, as a Ranger/simple-authorizer policy would allow it.
enum class AtlasRole {
  kAdmin,        // everything
  kDataSteward,  // read everything, write entities; no typedef changes (403)
  kReader,       // read only (403 on every write)
};

struct AtlasCredentials {
  std::string user;
  std::string password;
  AtlasRole role = AtlasRole::kAdmin;
};

struct AtlasEmulatorOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port; see AtlasEmulator::port()
  // Accepted basic-auth users. Empty disables authentication (requests then
  // act as "admin").
  std::vector<AtlasCredentials> users = {{"admin", "admin", AtlasRole::kAdmin}};
  // Atlas's create.shell.entity.for.non-existing.ref for REST writes
  // (default false, like Atlas's REST default): when true, an unresolvable
  // typeName+uniqueAttributes reference creates an isIncomplete shell.
  bool create_shell_entities = false;
  int io_threads = 2;
  std::chrono::seconds idle_timeout{60};  // per read of a request on a connection
};

// One request as the emulator received it.
struct AtlasRequestRecord {
  std::string method;
  std::string target;
  // The HTTP status answered; 0 when the connection was closed without an
  // answer (HangFor).
  int status = 0;
  std::string user_agent;
  bool had_authorization = false;  // an Authorization header was present
  size_t body_bytes = 0;
};

// Thread-safe: every method may be called from any thread while the server runs.
class AtlasEmulator {
 public:
  explicit AtlasEmulator(AtlasEmulatorOptions options = {});
  ~AtlasEmulator();  // Stop()s

  AtlasEmulator(const AtlasEmulator&) = delete;
  AtlasEmulator& operator=(const AtlasEmulator&) = delete;

  // Binds options.address:options.port, listens and starts the I/O threads,
  // with the base model preloaded. Unavailable if the address cannot be bound;
  // FailedPrecondition if called twice. Call at most once per object.
  absl::Status Start();

  // The bound port (valid after Start); "http://127.0.0.1:<port>".
  uint16_t port() const;
  std::string base_url() const;

  // Closes the listener and every connection and joins the I/O threads.
  // Idempotent.
  void Stop();

  // Fault injection; each call replaces the previous period of its kind.
  // Every request received during the period gets 500 with Atlas's plain-text
  // body for uncaught exceptions; nothing is applied.
  void FailWith500For(std::chrono::milliseconds duration);
  // Requests received during the period are read but never answered: the
  // connection is closed, without applying the request, when the period ends.
  void HangFor(std::chrono::milliseconds duration);
  // Closes the listening socket and every open connection now, so connects
  // are refused; reopens on the same port when the period ends.
  void RefuseConnectionsFor(std::chrono::milliseconds duration);
  // Ends every fault period (reopening the listener, closing hung
  // connections), forgets all entities and typedefs except the preloaded
  // model, and clears the request log.
  void Reset();

  // Test accessors. ACTIVE entities whose typeName is exactly `type_name`.
  size_t EntityCount(std::string_view type_name) const;
  // The ACTIVE entity of `type_name` (or a subtype) with this qualifiedName,
  // as GET /api/atlas/v2/entity/guid/{guid} renders "entity"; nullopt if none.
  std::optional<nlohmann::json> FindByQualifiedName(std::string_view type_name,
                                                    std::string_view qualified_name) const;
  // Any status; nullopt if unknown.
  std::optional<nlohmann::json> FindByGuid(std::string_view guid) const;
  // Requests received since Start() or the last Reset(), including failed,
  // hung and unauthenticated ones.
  int64_t RequestCount() const;
  std::vector<AtlasRequestRecord> RequestLog() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lineaged::testing
