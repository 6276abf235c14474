#include "api/internal/gzip.h"

#include <zlib.h>

#include "gtest/gtest.h"

namespace lineaged::api::internal {
namespace {

std::string Gzip(const std::string& input) {
  z_stream stream{};
  deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, input.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = input.size();
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = out.size();
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

TEST(Inflate, RoundTripsGzip) {
  std::string text(100000, 'x');
  text += "{\"end\":true}";
  auto inflated = Inflate(Gzip(text), 1 << 20);
  ASSERT_TRUE(inflated.ok()) << inflated.status();
  EXPECT_EQ(*inflated, text);
}

TEST(Inflate, EnforcesTheOutputLimit) {
  std::string bomb(10 << 20, '\0');
  auto inflated = Inflate(Gzip(bomb), 1 << 20);
  EXPECT_TRUE(absl::IsResourceExhausted(inflated.status()));
}

TEST(Inflate, RejectsCorruptAndTruncatedData) {
  EXPECT_TRUE(absl::IsInvalidArgument(Inflate("not gzip at all", 1 << 20).status()));
  std::string gz = Gzip("hello world hello world");
  EXPECT_TRUE(absl::IsInvalidArgument(Inflate(gz.substr(0, gz.size() / 2), 1 << 20).status()));
}

}  // namespace
}  // namespace lineaged::api::internal
