// Reading a few numbers back out of the daemon's /metrics text (the
// Prometheus exposition format core/metrics.hpp writes), for get_stats:
// comments and blank lines are skipped, a sample is `name{labels} value`
// or `name value` (a timestamp after the value is allowed), and the
// samples of one name are summed over their labels
// (switchboard_errors_total{kind="llm"} + {kind="tts"} + …).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sb {

/// name -> the sum of its samples, for each of `names` that has at least
/// one sample in `text`; a malformed line is skipped.
std::map<std::string, double>
sum_samples(std::string_view text, const std::vector<std::string>& names);

} // namespace sb
