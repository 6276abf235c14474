#include "api/internal/gzip.h"

#include <zlib.h>

#include "absl/status/status.h"

namespace lineaged::api::internal {

absl::StatusOr<std::string> Inflate(std::string_view compressed, size_t max_output_bytes) {
  z_stream stream{};
  // 32 + MAX_WBITS: accept both gzip and zlib headers.
  if (inflateInit2(&stream, 32 + MAX_WBITS) != Z_OK) {
    return absl::InternalError("zlib inflateInit2 failed");
  }
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char chunk[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof(chunk);
    rc = inflate(&stream, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&stream);
      return absl::InvalidArgumentError("request body is not valid gzip/deflate data");
    }
    size_t produced = sizeof(chunk) - stream.avail_out;
    if (out.size() + produced > max_output_bytes) {
      inflateEnd(&stream);
      return absl::ResourceExhaustedError("decompressed request body exceeds max_body_bytes");
    }
    out.append(chunk, produced);
    if (rc == Z_OK && stream.avail_in == 0 && produced == 0) {
      inflateEnd(&stream);
      return absl::InvalidArgumentError("truncated gzip/deflate request body");
    }
  }
  inflateEnd(&stream);
  return out;
}

}  // namespace lineaged::api::internal
