// The script-file reader: line by line, directives only in their exact
// form, every error naming its line so a long script is easy to fix.
#include "cli/sim/sim_script.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

#include "core/error.hpp"
#include "core/text.hpp"
#include "net/text/form.hpp"

namespace sb {

namespace {

constexpr double max_seconds = 600;

// strtod alone would accept leading spaces, "inf", "nan" and hex floats;
// a script number is plain decimal.
std::optional<double> plain_number(std::string_view text) {
  if (text.empty() || text.size() > 32
      || text.find_first_not_of("0123456789.") != std::string_view::npos
      || text.front() == '.' || text.back() == '.')
    return std::nullopt;
  std::string s{text};
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (*end != '\0' || !std::isfinite(v))
    return std::nullopt;
  return v;
}

bool is_keys(std::string_view text) {
  return !text.empty()
         && text.find_first_not_of("0123456789*#") == std::string_view::npos;
}

caf::error line_error(int line, const std::string& why) {
  return make_error(errc::bad_request,
                    "line " + std::to_string(line) + ": " + why);
}

// "[0.55] words": the confidence and the words, both checked.
caf::error confident_speech(std::string_view line, int number, sim_step& out) {
  auto close = line.find(']');
  if (close == std::string_view::npos)
    return line_error(number,
                      "'[' without ']' (a confidence is written [0.55])");
  auto value = plain_number(trim_space(line.substr(1, close - 1)));
  if (!value || *value > 1)
    return line_error(number, "confidence must be a number from 0 to 1, not ["
                                + std::string{line.substr(1, close - 1)} + "]");
  auto words = trim_space(line.substr(close + 1));
  if (words.empty())
    return line_error(number, "a confidence needs words after it");
  out.confidence = *value;
  out.text = std::string{words};
  return caf::none;
}

// "SECONDS" of a timed directive, at most max_seconds.
caf::error seconds_of(std::string_view text, std::string_view directive,
                      int number, double& out) {
  auto secs = plain_number(text);
  if (!secs)
    return line_error(number, std::string{directive}
                                + ": expected seconds (e.g. 1.5), not '"
                                + std::string{text} + "'");
  if (*secs > max_seconds)
    return line_error(number, std::string{directive} + ": at most 600 seconds");
  out = *secs;
  return caf::none;
}

// "interrupt SECONDS: words" or "interrupt SECONDS wav FILE"; `rest` is
// what follows the word. Other lines that start with the word are speech.
caf::error interrupt_line(std::string_view rest, int number, sim_step& out,
                          bool& matched) {
  auto colon = rest.find(':');
  auto space = rest.find_first_of(" \t");
  auto second = space == std::string_view::npos
                  ? std::string_view{}
                  : trim_space(rest.substr(space));
  bool wav_form = colon == std::string_view::npos
                  && second.substr(0, second.find_first_of(" \t")) == "wav";
  matched = colon != std::string_view::npos || wav_form;
  if (!matched)
    return caf::none;
  out.kind = sim_step_kind::interrupt;
  auto when = trim_space(rest.substr(0, wav_form ? space : colon));
  if (auto err = seconds_of(when, "interrupt", number, out.seconds))
    return err;
  if (wav_form) {
    out.wav_path = std::string{trim_space(second.substr(3))};
    if (out.wav_path.empty())
      return line_error(number, "interrupt: wav needs a file");
    return caf::none;
  }
  out.text = std::string{trim_space(rest.substr(colon + 1))};
  if (out.text.empty())
    return line_error(number, "interrupt: nothing to say after ':'");
  return caf::none;
}

// One non-blank, non-comment line.
caf::error parse_line(std::string_view line, int number, sim_step& out) {
  out.line = number;
  if (!is_valid_utf8(line))
    return line_error(number, "not valid UTF-8");
  if (line.front() == '[')
    return confident_speech(line, number, out);
  if (line == "silence") {
    out.kind = sim_step_kind::silence;
    return caf::none;
  }
  auto space = line.find_first_of(" \t");
  auto word = line.substr(0, space);
  auto rest = space == std::string_view::npos ? std::string_view{}
                                              : trim_space(line.substr(space));
  // pause and silence take seconds only as a plain number; "pause for a
  // moment" and "silence is golden" are speech.
  if ((word == "pause" || word == "silence") && plain_number(rest)) {
    out.kind = word == "pause" ? sim_step_kind::pause : sim_step_kind::silence;
    return seconds_of(rest, word, number, out.seconds);
  }
  if (word == "wav") {
    if (rest.empty())
      return line_error(number, "wav: needs a file (wav FILE)");
    out.kind = sim_step_kind::wav;
    out.wav_path = std::string{rest};
    return caf::none;
  }
  if (word == "interrupt") {
    bool matched = false;
    if (auto err = interrupt_line(rest, number, out, matched); err || matched)
      return err;
  }
  if (word == "digits" && is_keys(rest)) {
    out.kind = sim_step_kind::digits;
    out.text = std::string{rest};
    return caf::none;
  }
  out.text = std::string{line};
  return caf::none;
}

} // namespace

caf::expected<std::vector<sim_step>> parse_script(std::string_view text) {
  // A UTF-8 byte-order mark, as some editors write, is not speech.
  if (text.substr(0, 3) == "\xEF\xBB\xBF")
    text.remove_prefix(3);
  std::vector<sim_step> steps;
  int number = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto raw = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++number;
    auto line = trim_space(raw);
    if (line.empty() || line.front() == '#')
      continue;
    sim_step step;
    if (auto err = parse_line(line, number, step))
      return err;
    steps.push_back(std::move(step));
  }
  return steps;
}

caf::expected<std::vector<sim_step>> read_script_file(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>{std::cin}, {});
  } else {
    std::ifstream in{path, std::ios::binary};
    if (!in)
      return make_error(errc::not_found, path + ": cannot read the script");
    text.assign(std::istreambuf_iterator<char>{in}, {});
  }
  auto steps = parse_script(text);
  if (!steps)
    return make_error(errc::bad_request, path + ": " + what(steps.error()));
  return steps;
}

std::vector<sim_step> speech_steps(const std::vector<std::string>& utterances) {
  std::vector<sim_step> steps;
  for (const auto& u : utterances) {
    sim_step s;
    s.text = u;
    steps.push_back(std::move(s));
  }
  return steps;
}

bool media_only(const sim_step& step) {
  return step.kind == sim_step_kind::wav
         || step.kind == sim_step_kind::interrupt
         || (step.kind == sim_step_kind::silence && step.seconds > 0);
}

const sim_step* first_media_only_step(const std::vector<sim_step>& steps) {
  for (const auto& s : steps)
    if (media_only(s))
      return &s;
  return nullptr;
}

std::string media_only_error(const sim_step& step) {
  return (step.line > 0 ? "line " + std::to_string(step.line) + ": " : "")
         + "this line plays only over --transport media (the caller's "
           "audio)";
}

} // namespace sb
