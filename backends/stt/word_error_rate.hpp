// Word error rate, the usual measure of a recogniser's accuracy: the
// word-level edit distance (substitutions + deletions + insertions) from
// the reference to the hypothesis, over the reference's length. Both
// sides are compared lower-cased, punctuation stripped, so "Go forward,
// ten meters." matches "go forward ten meters". Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sb {

/// The words of `text`: ASCII lower-cased, split at anything that is not
/// a letter, digit, apostrophe or a byte of a multi-byte UTF-8 character;
/// apostrophes kept inside words ("don't") and dropped at their edges.
std::vector<std::string> wer_words(std::string_view text);

/// The edit counts between two texts' words.
struct word_errors {
  size_t substitutions = 0;
  size_t deletions = 0;  // reference words missing from the hypothesis
  size_t insertions = 0; // hypothesis words not in the reference
  size_t reference_words = 0;

  size_t errors() const {
    return substitutions + deletions + insertions;
  }
  /// errors() / reference_words (0 when both are empty; the hypothesis's
  /// length when the reference is empty), as a fraction: may exceed 1.
  double rate() const;

  word_errors& operator+=(const word_errors& other);
};

/// Aligns wer_words(hypothesis) to wer_words(reference) with the least
/// edits (Levenshtein over words; ties favour substitutions).
word_errors count_word_errors(std::string_view reference,
                              std::string_view hypothesis);

} // namespace sb
