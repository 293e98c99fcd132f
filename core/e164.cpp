#include "core/e164.hpp"

namespace sb {

bool is_e164(std::string_view n) {
  if (n.size() < 3 || n.size() > 16 || n[0] != '+' || n[1] < '1' || n[1] > '9')
    return false;
  for (size_t i = 2; i < n.size(); ++i)
    if (n[i] < '0' || n[i] > '9')
      return false;
  return true;
}

} // namespace sb
