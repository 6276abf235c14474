#include "graphstore/base/digest.h"

#include <algorithm>

#include <openssl/evp.h>

namespace lineaged::graphstore {
namespace {

struct DigestContext {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  ~DigestContext() { EVP_MD_CTX_free(context); }
};

std::array<uint8_t, 16> DigestPrefix(const EVP_MD* md, std::string_view bytes) {
  thread_local DigestContext digest_context;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestInit_ex(digest_context.context, md, nullptr);
  EVP_DigestUpdate(digest_context.context, bytes.data(), bytes.size());
  EVP_DigestFinal_ex(digest_context.context, out, &length);
  std::array<uint8_t, 16> prefix;
  std::copy_n(out, prefix.size(), prefix.begin());
  return prefix;
}

}  // namespace

std::array<uint8_t, 16> Md5(std::string_view bytes) {
  static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  return DigestPrefix(md5, bytes);
}

std::array<uint8_t, 16> Sha256Prefix(std::string_view bytes) {
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return DigestPrefix(sha256, bytes);
}

}  // namespace lineaged::graphstore
