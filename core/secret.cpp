#include "core/secret.hpp"

#include <openssl/crypto.h>

namespace sb {

bool equal_secrets(std::string_view a, std::string_view b) {
  return a.size() == b.size()
         && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace sb
