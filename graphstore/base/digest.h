#pragma once

// MD5 and SHA-256 through OpenSSL, cut to 16 bytes. OpenSSL 3 looks an
// algorithm up by name on every EVP_Digest(EVP_sha256(), ...) call, which
// costs more than hashing a few hundred bytes; these fetch each algorithm
// once and keep one context per thread. Thread-safe.

#include <array>
#include <cstdint>
#include <string_view>

namespace lineaged::graphstore {

std::array<uint8_t, 16> Md5(std::string_view bytes);
// The first 16 bytes of SHA-256(bytes).
std::array<uint8_t, 16> Sha256Prefix(std::string_view bytes);

}  // namespace lineaged::graphstore
