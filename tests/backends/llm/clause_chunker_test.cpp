#include "backends/llm/clause_chunker.hpp"

#include <catch2/catch.hpp>

using sb::clause_chunker;

namespace {

// Feeds `tokens` one by one and returns every piece, finish() included
// (when non-empty).
std::vector<std::string> chunk(const std::vector<std::string>& tokens,
                               size_t min_clause = 24, size_t max_piece = 160) {
  clause_chunker c{min_clause, max_piece};
  std::vector<std::string> out;
  for (const auto& t : tokens)
    for (auto& p : c.push(t))
      out.push_back(std::move(p));
  if (auto rest = c.finish(); !rest.empty())
    out.push_back(rest);
  return out;
}

} // namespace

TEST_CASE("a sentence end completes a piece as soon as it arrives",
          "[chunker]") {
  clause_chunker c;
  CHECK(c.push("Hello").empty());
  auto pieces = c.push(" there!");
  REQUIRE(pieces == std::vector<std::string>{"Hello there!"});
  CHECK(c.pending_bytes() == 0);
  CHECK(c.push(" How").empty());
  CHECK(c.push(" are you?") == std::vector<std::string>{" How are you?"});
}

TEST_CASE("pieces concatenate back to exactly what the model said",
          "[chunker]") {
  std::vector<std::string> tokens{"Sure",    ".",         " The",  " total",
                                  " is",     " 3",        ".",     "5",
                                  " rupees", ",",         " paid", " today",
                                  ".",       " Anything", " else", "?",
                                  " Bye"};
  auto pieces = chunk(tokens);
  std::string joined, said;
  for (const auto& p : pieces)
    joined += p;
  for (const auto& t : tokens)
    said += t;
  CHECK(joined == said);
  CHECK(pieces.front() == "Sure.");
  // 3.5 stays one number; a long enough clause is cut at its comma.
  CHECK(pieces[1] == " The total is 3.5 rupees,");
  CHECK(pieces[2] == " paid today.");
  CHECK(pieces.back() == " Bye");
}

TEST_CASE("a clause is cut only when long enough and followed by a space",
          "[chunker]") {
  auto short_clause = chunk({"Yes, ", "of course"});
  CHECK(short_clause == std::vector<std::string>{"Yes, of course"});
  auto long_clause = chunk(
    {"When the order arrives tomorrow,", " you will get", " a message"});
  REQUIRE(long_clause.size() == 2);
  CHECK(long_clause[0] == "When the order arrives tomorrow,");
  CHECK(long_clause[1] == " you will get a message");
}

TEST_CASE("Hindi sentences end at a danda", "[chunker]") {
  auto pieces = chunk({"नमस्ते", "।", " आप", " कैसे", " हैं", "?"});
  REQUIRE(pieces.size() == 2);
  CHECK(pieces[0] == "नमस्ते।");
  CHECK(pieces[1] == " आप कैसे हैं?");
}

TEST_CASE("a danda split across tokens is still found", "[chunker]") {
  // । is E0 A5 A4; a token may end inside it.
  clause_chunker c;
  CHECK(c.push("ठीक \xE0\xA5").empty());
  CHECK(c.push("\xA4 और") == std::vector<std::string>{"ठीक ।"});
  CHECK(c.finish() == " और");
}

TEST_CASE("a long run without punctuation is cut at a space", "[chunker]") {
  std::vector<std::string> tokens;
  for (int i = 0; i < 30; ++i)
    tokens.push_back(" word");
  auto pieces = chunk(tokens, 24, 40);
  REQUIRE(pieces.size() > 1);
  for (size_t i = 0; i + 1 < pieces.size(); ++i)
    CHECK(pieces[i].size() <= 40);
  std::string joined;
  for (const auto& p : pieces)
    joined += p;
  CHECK(joined.size() == 150);
}

TEST_CASE("closing quotes stay with their sentence", "[chunker]") {
  auto pieces = chunk({"He said \"yes.\"", " Then"});
  REQUIRE(pieces.size() == 2);
  CHECK(pieces[0] == "He said \"yes.\"");
}

TEST_CASE("finish returns the rest once and empties the chunker", "[chunker]") {
  clause_chunker c;
  c.push("no end yet");
  CHECK(c.finish() == "no end yet");
  CHECK(c.finish().empty());
  CHECK(c.pending_bytes() == 0);
}
