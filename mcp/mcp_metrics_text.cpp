// One pass over the lines. Label values are quoted strings that may hold
// '}' or an escaped quote, so the label block is skipped quote-aware
// rather than by searching for the first '}'.
#include "mcp/mcp_metrics_text.hpp"

#include <algorithm>
#include <cstdlib>
#include <optional>

namespace sb {

namespace {

// Where the label block that opens at `at` ('{') ends, one past its '}';
// npos when it does not close on this line.
size_t skip_labels(std::string_view line, size_t at) {
  bool quoted = false;
  for (size_t i = at + 1; i < line.size(); ++i) {
    char ch = line[i];
    if (quoted && ch == '\\')
      ++i;
    else if (ch == '"')
      quoted = !quoted;
    else if (!quoted && ch == '}')
      return i + 1;
  }
  return std::string_view::npos;
}

struct sample {
  std::string_view name;
  double value = 0;
};

std::optional<sample> read_sample(std::string_view line) {
  auto name_end = line.find_first_of("{ \t");
  if (name_end == std::string_view::npos || name_end == 0)
    return std::nullopt;
  sample s{line.substr(0, name_end)};
  size_t at = name_end;
  if (line[at] == '{' && (at = skip_labels(line, at)) == std::string_view::npos)
    return std::nullopt;
  auto start = line.find_first_not_of(" \t", at);
  if (start == std::string_view::npos || start == at)
    return std::nullopt;
  auto end = line.find_first_of(" \t", start);
  std::string token{line.substr(start, end == std::string_view::npos
                                         ? std::string_view::npos
                                         : end - start)};
  char* parsed_to = nullptr;
  s.value = std::strtod(token.c_str(), &parsed_to);
  if (parsed_to != token.c_str() + token.size())
    return std::nullopt;
  return s;
}

} // namespace

std::map<std::string, double>
sum_samples(std::string_view text, const std::vector<std::string>& names) {
  std::map<std::string, double> sums;
  while (!text.empty()) {
    auto newline = text.find('\n');
    auto line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view{}
                                             : text.substr(newline + 1);
    if (line.empty() || line.front() == '#')
      continue;
    auto s = read_sample(line);
    if (s && std::find(names.begin(), names.end(), s->name) != names.end())
      sums[std::string{s->name}] += s->value;
  }
  return sums;
}

} // namespace sb
