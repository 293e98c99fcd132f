// Word error rate: one dynamic-programming table over the two word lists,
// keeping the counts of each edit along the cheapest path.
#include "backends/stt/word_error_rate.hpp"

#include <cctype>

namespace sb {

namespace {

bool word_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '\'' || u >= 0x80;
}

// One cell: the cheapest edit path's counts to reach it.
struct cell {
  size_t cost = 0;
  size_t subs = 0, dels = 0, ins = 0;
};

} // namespace

std::vector<std::string> wer_words(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  auto flush = [&] {
    while (!word.empty() && word.back() == '\'')
      word.pop_back();
    size_t lead = 0;
    while (lead < word.size() && word[lead] == '\'')
      ++lead;
    if (lead < word.size())
      out.push_back(word.substr(lead));
    word.clear();
  };
  for (char c : text) {
    if (word_byte(c))
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else
      flush();
  }
  flush();
  return out;
}

double word_errors::rate() const {
  if (reference_words == 0)
    return static_cast<double>(insertions);
  return static_cast<double>(errors()) / static_cast<double>(reference_words);
}

word_errors& word_errors::operator+=(const word_errors& other) {
  substitutions += other.substitutions;
  deletions += other.deletions;
  insertions += other.insertions;
  reference_words += other.reference_words;
  return *this;
}

word_errors count_word_errors(std::string_view reference,
                              std::string_view hypothesis) {
  const auto ref = wer_words(reference);
  const auto hyp = wer_words(hypothesis);
  // row[j]: the cheapest path from ref[0..i) to hyp[0..j).
  std::vector<cell> row(hyp.size() + 1);
  for (size_t j = 1; j <= hyp.size(); ++j)
    row[j] = {j, 0, 0, j};
  for (size_t i = 1; i <= ref.size(); ++i) {
    cell diag = row[0];
    row[0] = {i, 0, i, 0};
    for (size_t j = 1; j <= hyp.size(); ++j) {
      const cell up = row[j];       // ref[i-1] deleted
      const cell left = row[j - 1]; // hyp[j-1] inserted
      cell best = diag;
      if (ref[i - 1] != hyp[j - 1]) {
        ++best.cost;
        ++best.subs;
      }
      if (up.cost + 1 < best.cost)
        best = {up.cost + 1, up.subs, up.dels + 1, up.ins};
      if (left.cost + 1 < best.cost)
        best = {left.cost + 1, left.subs, left.dels, left.ins + 1};
      diag = row[j];
      row[j] = best;
    }
  }
  const cell& end = row[hyp.size()];
  return {end.subs, end.dels, end.ins, ref.size()};
}

} // namespace sb
