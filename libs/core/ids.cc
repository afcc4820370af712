#include "core/ids.h"

#include <openssl/evp.h>

#include <cstdint>
#include <random>

namespace zs {
namespace {

std::mt19937_64& Generator() {
  thread_local std::mt19937_64 gen([] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }());
  return gen;
}

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

std::string RandomHex(int bytes) {
  std::string out;
  out.reserve(bytes * 2);
  uint64_t word = 0;
  for (int i = 0; i < bytes; ++i) {
    if (i % 8 == 0) word = Generator()();
    const auto b = static_cast<unsigned>(word & 0xff);
    word >>= 8;
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

std::string NewResourceId(std::string_view tenant, std::string_view kind) {
  std::string id(tenant);
  id += '-';
  id += kind;
  id += '-';
  id += RandomHex(8);
  return id;
}

std::string DerivedResourceId(std::string_view tenant, std::string_view kind,
                              std::string_view key) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(key.data(), key.size(), digest, &len, EVP_sha256(), nullptr);
  std::string id(tenant);
  id += '-';
  id += kind;
  id += '-';
  for (int i = 0; i < 8; ++i) {
    id += kHex[digest[i] >> 4];
    id += kHex[digest[i] & 0xf];
  }
  return id;
}

std::string NewUuid() {
  std::string h = RandomHex(16);
  h[12] = '4';                    // version 4
  h[16] = kHex[8 + (h[16] % 4)];  // variant 10xx
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

}  // namespace zs
