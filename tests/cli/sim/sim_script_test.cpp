// Tests for cli/sim/sim_script: the script-file format of switchboard-sim —
// speech with and without a confidence, silence, digits, pauses, comments —
// and the errors a bad line gets (named by its line number).
#include "cli/sim/sim_script.hpp"

#include <cstdio>
#include <fstream>
#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "core/error.hpp"

namespace {

using sb::sim_step_kind;

std::string error_of(const std::string& text) {
  auto steps = sb::parse_script(text);
  REQUIRE_FALSE(steps);
  return sb::what(steps.error());
}

} // namespace

TEST_CASE("a script reads each kind of line", "[sim_script]") {
  auto steps = sb::parse_script("# a call\n"
                                "hello\n"
                                "\n"
                                "[0.55] I need help\n"
                                "silence\n"
                                "digits 1234#\n"
                                "pause 2.5\n"
                                "मुझे मदद चाहिए\n");
  REQUIRE(steps);
  REQUIRE(steps->size() == 6);
  const auto& s = *steps;
  CHECK(s[0].kind == sim_step_kind::speech);
  CHECK(s[0].text == "hello");
  CHECK_FALSE(s[0].confidence);
  CHECK(s[0].line == 2);
  CHECK(s[1].kind == sim_step_kind::speech);
  CHECK(s[1].text == "I need help");
  REQUIRE(s[1].confidence);
  CHECK(*s[1].confidence == Approx(0.55));
  CHECK(s[1].line == 4);
  CHECK(s[2].kind == sim_step_kind::silence);
  CHECK(s[3].kind == sim_step_kind::digits);
  CHECK(s[3].text == "1234#");
  CHECK(s[4].kind == sim_step_kind::pause);
  CHECK(s[4].seconds == Approx(2.5));
  CHECK(s[5].kind == sim_step_kind::speech);
  CHECK(s[5].text == "मुझे मदद चाहिए");
}

TEST_CASE("only exact directive forms are directives", "[sim_script]") {
  auto steps = sb::parse_script("pause for a moment please\n"
                                "digits are hard\n"
                                "silence is golden\n"
                                "[0.9] silence\n"
                                "[1] pause 2\n");
  REQUIRE(steps);
  REQUIRE(steps->size() == 5);
  for (const auto& s : *steps)
    CHECK(s.kind == sim_step_kind::speech);
  CHECK((*steps)[0].text == "pause for a moment please");
  CHECK((*steps)[3].text == "silence");
  CHECK((*steps)[4].text == "pause 2");
}

TEST_CASE("spaces, CRLF, tabs and a byte-order mark are not speech",
          "[sim_script]") {
  auto steps = sb::parse_script(
    "\xEF\xBB\xBFhello  \r\n\t  # indented comment\r\n"
    "  [ 0.25 ]   spaced out  \r\n\r\n");
  REQUIRE(steps);
  REQUIRE(steps->size() == 2);
  CHECK((*steps)[0].text == "hello");
  CHECK((*steps)[1].text == "spaced out");
  CHECK(*(*steps)[1].confidence == Approx(0.25));
}

TEST_CASE("'#' after the start of a line is part of the words",
          "[sim_script]") {
  auto steps = sb::parse_script("my order is #42\n");
  REQUIRE(steps);
  CHECK((*steps)[0].text == "my order is #42");
}

TEST_CASE("an empty script has no steps", "[sim_script]") {
  auto steps = sb::parse_script("# nothing\n\n");
  REQUIRE(steps);
  CHECK(steps->empty());
}

TEST_CASE("bad lines are refused with their line number", "[sim_script]") {
  CHECK(error_of("hello\n[1.5] too sure\n").find("line 2: confidence") == 0);
  CHECK(error_of("[abc] hi\n").find("line 1: confidence") == 0);
  CHECK(error_of("[-0.1] hi\n").find("line 1: confidence") == 0);
  CHECK(error_of("[nan] hi\n").find("line 1: confidence") == 0);
  CHECK(error_of("[0.5]\n").find("line 1: a confidence needs words") == 0);
  CHECK(error_of("[0.5 hi\n").find("line 1: '[' without ']'") == 0);
  CHECK(error_of("\n\npause 601\n").find("line 3: pause") == 0);
  CHECK(error_of("hello \xC3\x28\n").find("line 1: not valid UTF-8") == 0);
}

TEST_CASE("read_script_file names the file", "[sim_script]") {
  auto missing = sb::read_script_file("/nonexistent/call.txt");
  REQUIRE_FALSE(missing);
  CHECK(sb::has_code(missing.error(), sb::errc::not_found));
  CHECK(sb::what(missing.error()).find("/nonexistent/call.txt") == 0);

  char name[] = "/tmp/sb-sim-script-XXXXXX";
  int fd = ::mkstemp(name);
  REQUIRE(fd >= 0);
  ::close(fd);
  std::ofstream{name} << "hello\n[2] no\n";
  auto bad = sb::read_script_file(name);
  std::remove(name);
  REQUIRE_FALSE(bad);
  CHECK(sb::what(bad.error())
        == std::string{name}
             + ": line 2: confidence must "
               "be a number from 0 to 1, not [2]");
}

TEST_CASE("speech_steps keeps arguments verbatim", "[sim_script]") {
  auto steps = sb::speech_steps({"silence", "[0.5] hi"});
  REQUIRE(steps.size() == 2);
  CHECK(steps[0].kind == sim_step_kind::speech);
  CHECK(steps[0].text == "silence");
  CHECK(steps[1].text == "[0.5] hi");
  CHECK_FALSE(steps[1].confidence);
}

TEST_CASE("media lines: wav, timed silence and interrupts", "[sim_script]") {
  auto steps = sb::parse_script("wav calls/hello there.wav\n"
                                "silence 3\n"
                                "silence\n"
                                "interrupt 1.5: actually, wait\n"
                                "interrupt 0.25 wav  stop.wav\n"
                                "interrupt me if I am wrong\n"
                                "silence is golden\n");
  REQUIRE(steps);
  REQUIRE(steps->size() == 7);
  const auto& s = *steps;
  CHECK(s[0].kind == sim_step_kind::wav);
  CHECK(s[0].wav_path == "calls/hello there.wav");
  CHECK(s[1].kind == sim_step_kind::silence);
  CHECK(s[1].seconds == Approx(3));
  CHECK(s[2].kind == sim_step_kind::silence);
  CHECK(s[2].seconds == 0);
  CHECK(s[3].kind == sim_step_kind::interrupt);
  CHECK(s[3].seconds == Approx(1.5));
  CHECK(s[3].text == "actually, wait");
  CHECK(s[3].wav_path.empty());
  CHECK(s[4].kind == sim_step_kind::interrupt);
  CHECK(s[4].seconds == Approx(0.25));
  CHECK(s[4].wav_path == "stop.wav");
  CHECK(s[4].text.empty());
  // Without ':' or "SECONDS wav", the word starts speech.
  CHECK(s[5].kind == sim_step_kind::speech);
  CHECK(s[5].text == "interrupt me if I am wrong");
  CHECK(s[6].kind == sim_step_kind::speech);
}

TEST_CASE("bad media lines are refused with their line number",
          "[sim_script]") {
  CHECK(error_of("hello\nwav\n") == "line 2: wav: needs a file (wav FILE)");
  CHECK(error_of("wav   \n") == "line 1: wav: needs a file (wav FILE)");
  CHECK(error_of("interrupt soon: hi\n")
        == "line 1: interrupt: expected seconds (e.g. 1.5), not 'soon'");
  CHECK(error_of("interrupt -1: hi\n").find("line 1: interrupt: expected")
        == 0);
  CHECK(error_of("interrupt : hi\n").find("line 1: interrupt: expected") == 0);
  CHECK(error_of("interrupt 1.5:\n")
        == "line 1: interrupt: nothing to say after ':'");
  CHECK(error_of("interrupt x wav a.wav\n").find("line 1: interrupt: expected")
        == 0);
  CHECK(error_of("interrupt 2 wav\n") == "line 1: interrupt: wav needs a file");
  CHECK(error_of("interrupt 601: hi\n")
        == "line 1: interrupt: at most 600 seconds");
  CHECK(error_of("silence 700\n") == "line 1: silence: at most 600 seconds");
}

TEST_CASE("only media lines are media-only", "[sim_script]") {
  auto steps = sb::parse_script("hello\nsilence\ndigits 1#\npause 1\n");
  REQUIRE(steps);
  CHECK(sb::first_media_only_step(*steps) == nullptr);
  auto media = sb::parse_script("hello\nsilence 2\nwav a.wav\n");
  REQUIRE(media);
  const auto* first = sb::first_media_only_step(*media);
  REQUIRE(first);
  CHECK(first->line == 2);
  CHECK(sb::media_only_error(*first).find("line 2: this line plays only over "
                                          "--transport media")
        == 0);
}
