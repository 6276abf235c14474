#include "auth/key_store.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "tests/testing/temp_dir.h"

namespace lineaged::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kIngestKey[] = "ingest-key-0123456789abcdef";
constexpr char kReadKey[] = "read-key-0123456789abcdef";
constexpr char kAdminKey[] = "admin/Key+0123456789abcdef==";

std::string Message(const absl::Status& status) { return std::string(status.message()); }

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc | std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

TEST(KeySet, ParsesScopesSkippingCommentsAndBlankLines) {
  std::string text = std::string("# lineaged API keys\n\n") + "ingest " + kIngestKey + "\r\n" +
                     "  read\t" + kReadKey + "  \n" + "   # indented comment\n" + "admin " +
                     kAdminKey;  // no final newline
  absl::StatusOr<KeySet> keys = KeySet::Parse(text);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->size(), 3u);
  EXPECT_EQ(keys->count(Scope::kIngest), 1u);
  EXPECT_EQ(keys->count(Scope::kRead), 1u);
  EXPECT_EQ(keys->count(Scope::kAdmin), 1u);
  EXPECT_EQ(keys->Find(kIngestKey), Scope::kIngest);
  EXPECT_EQ(keys->Find(kReadKey), Scope::kRead);
  EXPECT_EQ(keys->Find(kAdminKey), Scope::kAdmin);
}

TEST(KeySet, EmptyTextHasNoKeys) {
  absl::StatusOr<KeySet> keys = KeySet::Parse("# nothing yet\n\n");
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->size(), 0u);
  EXPECT_EQ(keys->Find(kIngestKey), std::nullopt);
}

// Find compares the SHA-256 of the candidate with every stored hash and never
// stops early; timing is not asserted here (no timing assertions in tests),
// only that the hash comparison finds exact keys and nothing else.
TEST(KeySet, FindsExactKeysOnlyAmongMany) {
  std::string text;
  std::vector<std::string> keys_in_file;
  for (int i = 0; i < 500; ++i) {
    keys_in_file.push_back("shared-long-prefix-0123456789-" + std::to_string(i) + "-end");
    text += (i % 2 == 0 ? "read " : "ingest ") + keys_in_file.back() + "\n";
  }
  absl::StatusOr<KeySet> keys = KeySet::Parse(text);
  ASSERT_TRUE(keys.ok()) << keys.status();
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(keys->Find(keys_in_file[i]), i % 2 == 0 ? Scope::kRead : Scope::kIngest) << i;
  }
  const std::string last = keys_in_file.back();
  EXPECT_EQ(keys->Find(last + "0"), std::nullopt);                       // longer
  EXPECT_EQ(keys->Find(last.substr(0, last.size() - 1)), std::nullopt);  // prefix
  EXPECT_EQ(keys->Find("shared-long-prefix-0123456789-500-end"), std::nullopt);
  EXPECT_EQ(keys->Find("Shared-long-prefix-0123456789-1-end"), std::nullopt);  // case matters
  EXPECT_EQ(keys->Find(""), std::nullopt);
}

struct BadLine {
  std::string line;
  std::string expected;  // part of the message
};

TEST(KeySet, MalformedLineIsAnErrorNamingTheLineNumberButNotTheKey) {
  const std::string secret = "s3cr3t-value-0123456789";
  const std::vector<BadLine> bad_lines = {
      {"superuser " + secret, "expected '<scope> <key>'"},
      {secret, "expected '<scope> <key>'"},
      {"ingest", "expected '<scope> <key>'"},
      {"INGEST " + secret, "expected '<scope> <key>'"},
      {"read " + secret + " " + secret, "expected '<scope> <key>'"},
      {"admin " + secret + "\"!", "may only contain"},
      {"admin =" + secret, "may only contain"},
      {"read s3cr3t-short", "shorter than 16"},
  };
  for (const BadLine& bad : bad_lines) {
    std::string text = std::string("# keys\n\ningest ") + kIngestKey + "\n" + bad.line + "\n";
    absl::StatusOr<KeySet> keys = KeySet::Parse(text);
    ASSERT_FALSE(keys.ok()) << bad.line;
    EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Message(keys.status()), HasSubstr("line 4:")) << bad.line;
    EXPECT_THAT(Message(keys.status()), HasSubstr(bad.expected)) << bad.line;
    EXPECT_THAT(Message(keys.status()), Not(HasSubstr("s3cr3t"))) << bad.line;
  }
}

TEST(KeySet, SameKeyTwiceIsAnError) {
  std::string text =
      std::string("ingest ") + kIngestKey + "\nread " + kReadKey + "\nadmin " + kIngestKey + "\n";
  absl::StatusOr<KeySet> keys = KeySet::Parse(text);
  ASSERT_FALSE(keys.ok());
  EXPECT_THAT(Message(keys.status()), HasSubstr("line 3: the same key as line 1"));
  EXPECT_THAT(Message(keys.status()), Not(HasSubstr(kIngestKey)));
}

TEST(KeySet, LoadNamesThePathAndLine) {
  lineaged::testing::TempDir dir;
  const std::string path = dir.path() + "/keys";
  absl::StatusOr<KeySet> missing = KeySet::Load(path);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(Message(missing.status()), HasSubstr("cannot read API key file " + path));

  WriteFile(path, "read " + std::string(kReadKey) + "\nwrite " + kAdminKey + "\n");
  absl::StatusOr<KeySet> bad = KeySet::Load(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(Message(bad.status()),
            "API key file " + path +
                ": line 2: expected '<scope> <key>' with scope ingest, read or admin");

  WriteFile(path, "read " + std::string(kReadKey) + "\n");
  absl::StatusOr<KeySet> good = KeySet::Load(path);
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(good->Find(kReadKey), Scope::kRead);
}

TEST(BearerToken, AcceptsTheBearerSchemeOnly) {
  EXPECT_EQ(BearerToken("Bearer abc.def"), "abc.def");
  EXPECT_EQ(BearerToken("bearer abc"), "abc");
  EXPECT_EQ(BearerToken("BEARER   abc=="), "abc==");
  EXPECT_EQ(BearerToken(" Bearer abc "), "abc");
  EXPECT_EQ(BearerToken(""), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer "), std::nullopt);
  EXPECT_EQ(BearerToken("Basic YWxhZGRpbjpvcGVuc2VzYW1l"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer a b"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer a=b"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearerabc"), std::nullopt);
}

TEST(Scopes, AdminGrantsEverythingOthersOnlyThemselves) {
  EXPECT_TRUE(Grants(Scope::kAdmin, Scope::kIngest));
  EXPECT_TRUE(Grants(Scope::kAdmin, Scope::kRead));
  EXPECT_TRUE(Grants(Scope::kAdmin, Scope::kAdmin));
  EXPECT_TRUE(Grants(Scope::kIngest, Scope::kIngest));
  EXPECT_FALSE(Grants(Scope::kIngest, Scope::kRead));
  EXPECT_FALSE(Grants(Scope::kIngest, Scope::kAdmin));
  EXPECT_TRUE(Grants(Scope::kRead, Scope::kRead));
  EXPECT_FALSE(Grants(Scope::kRead, Scope::kIngest));
  EXPECT_FALSE(Grants(Scope::kRead, Scope::kAdmin));
}

KeyStore ThreeKeys() {
  absl::StatusOr<KeySet> keys = KeySet::Parse(std::string("ingest ") + kIngestKey + "\nread " +
                                              kReadKey + "\nadmin " + kAdminKey + "\n");
  EXPECT_TRUE(keys.ok()) << keys.status();
  return KeyStore(std::move(*keys));
}

TEST(KeyStore, AuthorizeDistinguishesUnauthenticatedFromPermissionDenied) {
  KeyStore store = ThreeKeys();
  const std::string bearer_ingest = std::string("Bearer ") + kIngestKey;
  EXPECT_TRUE(store.Authorize(bearer_ingest, Scope::kIngest).ok());
  EXPECT_TRUE(store.Authorize(std::string("bearer ") + kAdminKey, Scope::kIngest).ok());
  EXPECT_TRUE(store.Authorize(std::string("Bearer ") + kAdminKey, Scope::kAdmin).ok());
  EXPECT_TRUE(store.Authorize(std::string("Bearer ") + kReadKey, Scope::kRead).ok());

  absl::Status missing = store.Authorize("", Scope::kRead);
  EXPECT_EQ(missing.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(Message(missing), HasSubstr("missing Authorization header"));
  absl::Status malformed = store.Authorize(std::string("Basic ") + kReadKey, Scope::kRead);
  EXPECT_EQ(malformed.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(Message(malformed), HasSubstr("malformed"));
  absl::Status unknown = store.Authorize("Bearer wrong-key-0123456789abcdef", Scope::kRead);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Message(unknown), "unknown API key");

  absl::Status scope = store.Authorize(std::string("Bearer ") + kReadKey, Scope::kIngest);
  EXPECT_EQ(scope.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Message(scope), HasSubstr("requires scope 'ingest'"));
  EXPECT_EQ(store.Authorize(bearer_ingest, Scope::kRead).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(store.Authorize(bearer_ingest, Scope::kAdmin).code(),
            absl::StatusCode::kPermissionDenied);

  for (const absl::Status& status : {malformed, scope}) {
    EXPECT_THAT(Message(status), Not(HasSubstr(kReadKey)));
  }
}

TEST(KeyStore, ReloadSwapsKeysAndKeepsThemOnError) {
  lineaged::testing::TempDir dir;
  const std::string path = dir.path() + "/keys";
  WriteFile(path, std::string("ingest ") + kIngestKey + "\n");
  absl::StatusOr<std::unique_ptr<KeyStore>> store = KeyStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  const std::string ingest = std::string("Bearer ") + kIngestKey;
  const std::string read = std::string("Bearer ") + kReadKey;
  EXPECT_TRUE((*store)->Authorize(ingest, Scope::kIngest).ok());
  EXPECT_FALSE((*store)->Authorize(read, Scope::kRead).ok());

  WriteFile(path, std::string("read ") + kReadKey + "\n");
  ASSERT_TRUE((*store)->Reload().ok());
  EXPECT_EQ((*store)->Authorize(ingest, Scope::kIngest).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE((*store)->Authorize(read, Scope::kRead).ok());

  WriteFile(path, std::string("read ") + kReadKey + "\nadmin short\n");
  absl::Status failed = (*store)->Reload();
  EXPECT_EQ(failed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(failed), HasSubstr("line 2"));
  EXPECT_TRUE((*store)->Authorize(read, Scope::kRead).ok());
  EXPECT_EQ((*store)->keys()->size(), 1u);

  std::filesystem::remove(path);
  EXPECT_FALSE((*store)->Reload().ok());
  EXPECT_TRUE((*store)->Authorize(read, Scope::kRead).ok());
}

TEST(KeyStore, WithoutAFileReloadIsFailedPrecondition) {
  KeyStore store = ThreeKeys();
  EXPECT_EQ(store.Reload().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace lineaged::auth
