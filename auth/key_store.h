#pragma once

// API keys for HTTP and gRPC. A key file holds one `<scope> <key>` per line;
// keys are kept in memory only as SHA-256 hashes and looked up in time that
// does not depend on the key's content. KeyStore adds reloading (SIGHUP) and
// the Authorization-header check both servers share.
//
//   absl::StatusOr<std::unique_ptr<KeyStore>> keys = KeyStore::Open("/etc/lineaged/keys");
//   absl::Status allowed = (*keys)->Authorize("Bearer s3cr3t...", Scope::kIngest);
//   // OK, Unauthenticated (no/unknown key) or PermissionDenied (wrong scope)
//
// Nothing here ever puts a key, or a line of the key file, into a message.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace lineaged::auth {

// What a key may do. kAdmin may do everything the others may.
enum class Scope { kIngest, kRead, kAdmin };

// "ingest", "read", "admin".
std::string_view ScopeName(Scope scope);

// True if a key of scope `held` may do what needs `required`.
bool Grants(Scope held, Scope required);

// Keys shorter than this are refused when a file is parsed.
inline constexpr size_t kMinKeyLength = 16;

// The key of an `Authorization: Bearer <key>` header value (scheme
// case-insensitive, RFC 6750 b64token syntax), or nullopt if the value is
// empty or anything else.
std::optional<std::string_view> BearerToken(std::string_view authorization);

// An immutable set of keys with their scopes. A value: copy and move freely;
// const methods are thread-safe.
class KeySet {
 public:
  KeySet() = default;

  // Parses a key file. Lines are `<scope> <key>` (separated by spaces or
  // tabs) with scope ingest, read or admin and a key of at least
  // kMinKeyLength b64token characters; blank lines and lines starting with
  // `#` are skipped. InvalidArgument naming the first bad line's number (and
  // never its text) for anything else, including a key listed twice.
  static absl::StatusOr<KeySet> Parse(std::string_view text);

  // Reads and parses `path`. InvalidArgument if it cannot be read or parsed;
  // messages name the path and line number.
  static absl::StatusOr<KeySet> Load(const std::string& path);

  // The scope of `key`, or nullopt if it is not in the set. Compares the
  // key's SHA-256 with every stored hash (CRYPTO_memcmp, no early exit), so
  // the time taken depends on the number of keys only.
  std::optional<Scope> Find(std::string_view key) const;

  size_t size() const { return entries_.size(); }
  size_t count(Scope scope) const;

 private:
  using Hash = std::array<uint8_t, 32>;
  struct Entry {
    Hash hash;
    Scope scope;
  };

  static Hash Sha256(std::string_view data);

  std::vector<Entry> entries_;
};

// The keys in force, replaceable while requests are checked. Thread-safe.
class KeyStore {
 public:
  // A store that serves `keys`; Reload() needs a path, so only Open()ed
  // stores can reload.
  explicit KeyStore(KeySet keys, std::string path = "");
  KeyStore(const KeyStore&) = delete;
  KeyStore& operator=(const KeyStore&) = delete;

  // Loads `path` (see KeySet::Load); its errors unchanged.
  static absl::StatusOr<std::unique_ptr<KeyStore>> Open(const std::string& path);

  // Reads the file again and, if it parses, serves the new keys from the
  // next check on. On any error the keys in force stay and the error (as
  // KeySet::Load reports it) is returned.
  absl::Status Reload();

  // Checks an Authorization header value (empty when the header is absent)
  // against the keys in force: OK if it carries a key whose scope grants
  // `required`; Unauthenticated if the header is missing, malformed or its key
  // unknown; PermissionDenied if the key's scope is too small (the message
  // names `required`). Messages never contain the header.
  absl::Status Authorize(std::string_view authorization, Scope required) const;

  // The keys in force (for logging counts).
  std::shared_ptr<const KeySet> keys() const;

  const std::string& path() const { return path_; }

 private:
  const std::string path_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const KeySet> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lineaged::auth
