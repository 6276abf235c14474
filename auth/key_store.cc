#include "auth/key_store.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "openssl/crypto.h"
#include "openssl/evp.h"

namespace lineaged::auth {
namespace {

constexpr std::string_view kSpaces = " \t";

std::string_view Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t\r");
  return text.substr(begin, end - begin + 1);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

// RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
bool IsB64Token(std::string_view token) {
  size_t i = 0;
  for (; i < token.size(); ++i) {
    char c = token[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    if (!ok) break;
  }
  if (i == 0) return false;
  for (; i < token.size(); ++i) {
    if (token[i] != '=') return false;
  }
  return true;
}

std::optional<Scope> ParseScope(std::string_view name) {
  if (name == "ingest") return Scope::kIngest;
  if (name == "read") return Scope::kRead;
  if (name == "admin") return Scope::kAdmin;
  return std::nullopt;
}

}  // namespace

std::string_view ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kIngest:
      return "ingest";
    case Scope::kRead:
      return "read";
    case Scope::kAdmin:
      return "admin";
  }
  return "unknown";
}

bool Grants(Scope held, Scope required) { return held == Scope::kAdmin || held == required; }

std::optional<std::string_view> BearerToken(std::string_view authorization) {
  std::string_view value = Trim(authorization);
  size_t space = value.find_first_of(kSpaces);
  if (space == std::string_view::npos) return std::nullopt;
  if (!EqualsIgnoreCase(value.substr(0, space), "bearer")) return std::nullopt;
  std::string_view token = Trim(value.substr(space));
  if (!IsB64Token(token)) return std::nullopt;
  return token;
}

KeySet::Hash KeySet::Sha256(std::string_view data) {
  Hash hash{};
  unsigned int length = 0;
  // EVP_Digest fails only on allocation failure; an all-zero hash then
  // matches no stored key (every stored hash was computed successfully).
  if (EVP_Digest(data.data(), data.size(), hash.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != hash.size()) {
    hash.fill(0);
  }
  return hash;
}

absl::StatusOr<KeySet> KeySet::Parse(std::string_view text) {
  KeySet set;
  std::vector<int> line_of_entry;
  int line_number = 0;
  while (!text.empty()) {
    ++line_number;
    size_t newline = text.find('\n');
    std::string_view line = Trim(text.substr(0, newline));
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (line.empty() || line.front() == '#') continue;

    // Messages below never quote the line: a key may be anywhere in it.
    size_t gap = line.find_first_of(kSpaces);
    std::optional<Scope> scope =
        gap == std::string_view::npos ? std::nullopt : ParseScope(line.substr(0, gap));
    std::string_view key =
        gap == std::string_view::npos ? std::string_view() : Trim(line.substr(gap));
    if (!scope || key.empty() || key.find_first_of(kSpaces) != std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", line_number, ": expected '<scope> <key>' with scope ingest, read or admin"));
    }
    if (!IsB64Token(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number,
                       ": the key may only contain A-Z a-z 0-9 - . _ ~ + / (and trailing '=')"));
    }
    if (key.size() < kMinKeyLength) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", line_number, ": the key is shorter than ", kMinKeyLength, " characters"));
    }
    Entry entry{Sha256(key), *scope};
    for (size_t i = 0; i < set.entries_.size(); ++i) {
      if (set.entries_[i].hash == entry.hash) {
        return absl::InvalidArgumentError(absl::StrCat("line ", line_number,
                                                       ": the same key as line ", line_of_entry[i],
                                                       " (keys are unique)"));
      }
    }
    set.entries_.push_back(entry);
    line_of_entry.push_back(line_number);
  }
  return set;
}

absl::StatusOr<KeySet> KeySet::Load(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read API key file ", path, ": ", std::strerror(errno)));
  }
  std::string text;
  char chunk[4096];
  size_t read;
  while ((read = std::fread(chunk, 1, sizeof(chunk), file)) > 0) text.append(chunk, read);
  bool failed = std::ferror(file) != 0;
  std::fclose(file);
  OPENSSL_cleanse(chunk, sizeof(chunk));
  absl::StatusOr<KeySet> set = failed ? absl::InvalidArgumentError("read error") : Parse(text);
  // The file's bytes are the keys in clear; only their hashes stay.
  OPENSSL_cleanse(text.data(), text.size());
  if (!set.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("API key file ", path, ": ", set.status().message()));
  }
  return set;
}

std::optional<Scope> KeySet::Find(std::string_view key) const {
  Hash hash = Sha256(key);
  std::optional<Scope> found;
  for (const Entry& entry : entries_) {
    if (CRYPTO_memcmp(entry.hash.data(), hash.data(), hash.size()) == 0) found = entry.scope;
  }
  return found;
}

size_t KeySet::count(Scope scope) const {
  size_t n = 0;
  for (const Entry& entry : entries_) n += entry.scope == scope ? 1 : 0;
  return n;
}

KeyStore::KeyStore(KeySet keys, std::string path)
    : path_(std::move(path)), keys_(std::make_shared<const KeySet>(std::move(keys))) {}

absl::StatusOr<std::unique_ptr<KeyStore>> KeyStore::Open(const std::string& path) {
  absl::StatusOr<KeySet> keys = KeySet::Load(path);
  if (!keys.ok()) return keys.status();
  return std::make_unique<KeyStore>(std::move(*keys), path);
}

absl::Status KeyStore::Reload() {
  if (path_.empty()) return absl::FailedPreconditionError("the key store has no file to reload");
  absl::StatusOr<KeySet> keys = KeySet::Load(path_);
  if (!keys.ok()) return keys.status();
  auto fresh = std::make_shared<const KeySet>(std::move(*keys));
  absl::MutexLock lock(&mu_);
  keys_ = std::move(fresh);
  return absl::OkStatus();
}

std::shared_ptr<const KeySet> KeyStore::keys() const {
  absl::ReaderMutexLock lock(&mu_);
  return keys_;
}

absl::Status KeyStore::Authorize(std::string_view authorization, Scope required) const {
  if (Trim(authorization).empty()) {
    return absl::UnauthenticatedError(
        "missing Authorization header: send 'Authorization: Bearer <API key>'");
  }
  std::optional<std::string_view> token = BearerToken(authorization);
  if (!token) {
    return absl::UnauthenticatedError(
        "malformed Authorization header: expected 'Bearer <API key>'");
  }
  std::optional<Scope> held = keys()->Find(*token);
  if (!held) return absl::UnauthenticatedError("unknown API key");
  if (!Grants(*held, required)) {
    return absl::PermissionDeniedError(
        absl::StrCat("the API key has scope '", std::string(ScopeName(*held)),
                     "'; this request requires scope '", std::string(ScopeName(required)), "'"));
  }
  return absl::OkStatus();
}

}  // namespace lineaged::auth
