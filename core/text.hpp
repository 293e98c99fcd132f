// Small text helpers shared across layers.
#pragma once

#include <string_view>

namespace sb {

/// `text` without leading and trailing spaces, tabs, CRs and LFs.
inline std::string_view trim_space(std::string_view text) {
  constexpr std::string_view space = " \t\r\n";
  auto first = text.find_first_not_of(space);
  if (first == std::string_view::npos)
    return {};
  return text.substr(first, text.find_last_not_of(space) - first + 1);
}

} // namespace sb
