// The backchannel rule over goodbye_words_of(): one word splitter for
// every word list of the configuration.
#include "backends/vad/backchannel.hpp"

#include <algorithm>
#include <unordered_set>

#include "backends/llm/goodbye_words.hpp"

namespace sb {

bool is_backchannel(std::string_view text,
                    const std::vector<std::string>& words) {
  const auto said = goodbye_words_of(text);
  if (said.empty())
    return false;
  std::unordered_set<std::string> allowed;
  for (const auto& entry : words)
    for (auto& word : goodbye_words_of(entry))
      allowed.insert(std::move(word));
  return std::all_of(said.begin(), said.end(), [&](const std::string& w) {
    return allowed.count(w) > 0;
  });
}

bool should_interrupt(const barge_in& event, std::string_view transcript_so_far,
                      const std::vector<std::string>& backchannel_words) {
  (void) event; // its existence is the detector's half of the decision
  return !goodbye_words_of(transcript_so_far).empty()
         && !is_backchannel(transcript_so_far, backchannel_words);
}

} // namespace sb
