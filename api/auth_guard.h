#pragma once

// Who may call what over HTTP: the API key scope each request needs, and the
// Router guard that checks it against an auth::KeyStore.
//
//   router.set_guard(AuthGuard(key_store.get(), {.protect_health_and_metrics = false}));
//
// Scopes: POST /api/v1/lineage[/batch] needs `ingest`; GET and HEAD need
// `read`; every other method (PUT, POST, DELETE on the read API) needs `admin`,
// which also grants the other two. /healthz, /readyz and /metrics are open
// unless protected (then `read`).

#include <optional>
#include <string_view>

#include "api/router.h"
#include "auth/key_store.h"

namespace lineaged::api {

struct AccessPolicy {
  bool protect_health_and_metrics = false;
};

// The scope a request with `method` needs on the route `route` (a pattern as
// the Router reports it, "" for no route), or nullopt if it is open to all.
std::optional<auth::Scope> RequiredScope(std::string_view method, std::string_view route,
                                         const AccessPolicy& policy);

// A guard answering 401 (WWW-Authenticate: Bearer ...) for a missing,
// malformed or unknown key and 403 for a key whose scope does not grant
// RequiredScope; bodies are {"code","message"} and never contain the key.
// `keys` must outlive the guard.
RequestGuard AuthGuard(const auth::KeyStore* keys, AccessPolicy policy);

}  // namespace lineaged::api
