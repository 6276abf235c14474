// Fuzz target: the store's key and value encodings
// (graphstore/internal/key_codec.h), which are on disk.
//
// The input is read as bytes to decode, and as two strings and two numbers to
// encode. Checks, besides the sanitizers:
//   - decoders never read outside their input, and whatever they accept is in
//     canonical form: encoding the decoded value gives back the same bytes;
//   - encode then decode is the identity for any bytes and numbers;
//   - encodings keep the order of what they encode (RocksDB sorts keys as
//     bytes; range scans over names and event times rely on it).
//
// Seeds: none needed (the format is small); libFuzzer starts from empty input.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <fuzzer/FuzzedDataProvider.h>

#include "graphstore/internal/key_codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace lineaged::graphstore::internal {
namespace {

int Sign(int v) { return (v > 0) - (v < 0); }

// Decoders on arbitrary bytes.
void CheckDecoders(std::string_view bytes) {
  std::string_view in = bytes;
  std::string decoded;
  if (ConsumeOrderedString(&in, &decoded)) {
    std::string encoded;
    AppendOrderedString(&encoded, decoded);
    FUZZ_CHECK(encoded == bytes.substr(0, bytes.size() - in.size()));
    FUZZ_CHECK(in.size() < bytes.size());
  } else {
    FUZZ_CHECK(in == bytes) << "a failed decode must not consume input";
  }

  int64_t received = 0;
  std::string raw;
  if (DecodeEventValue(bytes, &received, &raw)) {
    // Encoding may choose the other form (compressed or not): what decodes
    // must come back the same.
    int64_t received_again = 0;
    std::string raw_again;
    FUZZ_CHECK(DecodeEventValue(EncodeEventValue(received, raw), &received_again, &raw_again));
    FUZZ_CHECK(received_again == received && raw_again == raw);
  }
  if (bytes.size() >= 8) {
    std::string again;
    AppendBigEndian64(&again, DecodeBigEndian64(bytes.substr(0, 8)));
    FUZZ_CHECK(again == bytes.substr(0, 8));
  }
}

void CheckRoundTripsAndOrder(const std::string& a, const std::string& b, int64_t x, int64_t y) {
  std::string ea, eb;
  AppendOrderedString(&ea, a);
  AppendOrderedString(&eb, b);
  FUZZ_CHECK(Sign(ea.compare(eb)) == Sign(a.compare(b)));

  // Two components back to back, as in the name index keys.
  const std::string key = NameIndexKey(kDatasetNamePrefix, QualifiedName{a, b});
  std::string_view in = std::string_view(key).substr(1);
  std::string ns, name;
  FUZZ_CHECK(ConsumeOrderedString(&in, &ns) && ConsumeOrderedString(&in, &name));
  FUZZ_CHECK(ns == a && name == b && in.empty());

  const uint64_t ux = static_cast<uint64_t>(x), uy = static_cast<uint64_t>(y);
  FUZZ_CHECK((AdjacencyKey(ux) < AdjacencyKey(uy)) == (ux < uy));
  FUZZ_CHECK(SignedFromOrdered(OrderedFromSigned(x)) == x);
  FUZZ_CHECK((EventTimeKey(x, uy) < EventTimeKey(y, ux)) == (x < y || (x == y && uy < ux)));
  FUZZ_CHECK((SequenceKey(kOutboxPrefix, ux) < SequenceKey(kOutboxPrefix, uy)) == (ux < uy));

  int64_t received = 0;
  std::string raw;
  const std::string value = EncodeEventValue(x, a);
  FUZZ_CHECK(DecodeEventValue(value, &received, &raw));
  FUZZ_CHECK(received == x && raw == a);
}

}  // namespace
}  // namespace lineaged::graphstore::internal

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lineaged::graphstore::internal;
  // libFuzzer's buffer is exactly `size` bytes long: ASan catches any read past it.
  CheckDecoders(std::string_view(reinterpret_cast<const char*>(data), size));

  FuzzedDataProvider provider(data, size);
  const int64_t x = provider.ConsumeIntegral<int64_t>();
  const int64_t y = provider.ConsumeIntegral<int64_t>();
  const std::string a = provider.ConsumeRandomLengthString(size);
  const std::string b = provider.ConsumeRemainingBytesAsString();
  CheckRoundTripsAndOrder(a, b, x, y);
  return 0;
}
