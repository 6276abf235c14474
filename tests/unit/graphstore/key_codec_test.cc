#include "graphstore/internal/key_codec.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace lineaged::graphstore::internal {
namespace {

TEST(KeyCodec, BigEndianRoundTripsAndOrders) {
  std::string a, b;
  AppendBigEndian64(&a, 255);
  AppendBigEndian64(&b, 256);
  EXPECT_EQ(DecodeBigEndian64(a), 255u);
  EXPECT_EQ(DecodeBigEndian64(b), 256u);
  EXPECT_LT(a, b);
}

TEST(KeyCodec, SignedTimesKeepTheirOrder) {
  std::vector<int64_t> times = {-5'000'000, -1, 0, 1, 1'600'000'000'000'000};
  std::vector<std::string> keys;
  for (int64_t t : times) keys.push_back(EventTimeKey(t, 7));
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  for (int64_t t : times) EXPECT_EQ(SignedFromOrdered(OrderedFromSigned(t)), t);
}

TEST(KeyCodec, OrderedStringsRoundTripAnyBytes) {
  for (std::string s :
       {std::string(""), std::string("abc"), std::string("a\0b", 3), std::string("\0\0", 2),
        std::string("\xff\x01", 2), std::string("postgres://h:5432")}) {
    std::string encoded;
    AppendOrderedString(&encoded, s);
    encoded += "tail";
    std::string_view in = encoded;
    std::string decoded;
    ASSERT_TRUE(ConsumeOrderedString(&in, &decoded));
    EXPECT_EQ(decoded, s);
    EXPECT_EQ(in, "tail");
  }
}

TEST(KeyCodec, OrderedStringsSortLikeTheirTuples) {
  // (ns, name) pairs must sort as tuples even when one namespace is a prefix
  // of another, so a prefix scan of one namespace never sees another's names.
  std::vector<QualifiedName> names = {{"a", "z"}, {"a\0", "a"}, {"ab", "a"}, {"a", "b"}};
  std::vector<std::pair<std::string, QualifiedName>> encoded;
  for (const auto& n : names) encoded.emplace_back(NameIndexKey(kDatasetNamePrefix, n), n);
  std::sort(encoded.begin(), encoded.end());
  std::vector<QualifiedName> sorted_names = names;
  std::sort(sorted_names.begin(), sorted_names.end());
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(encoded[i].second, sorted_names[i]);
}

TEST(KeyCodec, MalformedOrderedStringIsRejected) {
  std::string_view unterminated = "abc";
  std::string out;
  EXPECT_FALSE(ConsumeOrderedString(&unterminated, &out));
  std::string bad_escape("a\0\x02", 3);
  std::string_view in = bad_escape;
  EXPECT_FALSE(ConsumeOrderedString(&in, &out));
}

TEST(KeyCodec, AdjacencyKeysSortByDatasetId) {
  EXPECT_EQ(AdjacencyKey(3).size(), 9u);
  EXPECT_EQ(AdjacencyKey(3)[0], kAdjacencyPrefix);
  EXPECT_LT(AdjacencyKey(255), AdjacencyKey(256));
  EXPECT_LT(AdjacencyKey(1ull << 40), AdjacencyKey(~0ull));
}

TEST(KeyCodec, EventValuesRoundTrip) {
  std::string value = EncodeEventValue(-42, R"({"a":1})");
  EXPECT_EQ(value[0], kEventValueVersion);  // small: stored as is
  int64_t received = 0;
  std::string raw;
  ASSERT_TRUE(DecodeEventValue(value, &received, &raw));
  EXPECT_EQ(received, -42);
  EXPECT_EQ(raw, R"({"a":1})");
  EXPECT_FALSE(DecodeEventValue("x", &received, &raw));
}

TEST(KeyCodec, LargeEventValuesAreCompressed) {
  std::string json = R"({"eventType":"COMPLETE","inputs":[)";
  for (int i = 0; i < 50; ++i) {
    json +=
        R"({"namespace":"postgres://db:5432","name":"public.table_)" + std::to_string(i) + R"("},)";
  }
  json += "{}]}";
  const std::string value = EncodeEventValue(1700000000000000, json);
  EXPECT_EQ(value[0], kEventValueLz4);
  EXPECT_LT(value.size(), json.size() / 2);
  int64_t received = 0;
  std::string raw;
  ASSERT_TRUE(DecodeEventValue(value, &received, &raw));
  EXPECT_EQ(received, 1700000000000000);
  EXPECT_EQ(raw, json);

  // A damaged block or size is refused, not decoded into garbage.
  std::string truncated = value.substr(0, value.size() - 3);
  EXPECT_FALSE(DecodeEventValue(truncated, &received, &raw));
  std::string wrong_size = value;
  wrong_size[9] = static_cast<char>(wrong_size[9] ^ 0x01);
  EXPECT_FALSE(DecodeEventValue(wrong_size, &received, &raw));
  std::string huge_size = value.substr(0, 9) + "\xff\xff\xff\xff\x0f" + value.substr(11);
  EXPECT_FALSE(DecodeEventValue(huge_size, &received, &raw));
}

// Text that LZ4 cannot shrink is stored as is, whatever its size.
TEST(KeyCodec, IncompressibleEventValuesAreStoredAsIs) {
  std::string noise;
  uint32_t x = 12345;
  for (int i = 0; i < 4096; ++i) {
    x = x * 1103515245 + 12345;
    noise.push_back(static_cast<char>('!' + (x >> 16) % 90));
  }
  const std::string value = EncodeEventValue(7, noise);
  EXPECT_EQ(value[0], kEventValueVersion);
  int64_t received = 0;
  std::string raw;
  ASSERT_TRUE(DecodeEventValue(value, &received, &raw));
  EXPECT_EQ(raw, noise);
}

}  // namespace
}  // namespace lineaged::graphstore::internal
