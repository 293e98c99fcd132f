// The config loader's pure value checks: no TOML, no environment, so the
// file and the environment overrides judge a value the same way.
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <unistd.h>

#include "core/config_detail.hpp"
#include "core/e164.hpp"

namespace sb::config_detail {

// Appends the whole of `path` to `out`; on failure `why` is strerror.
bool read_file(const std::string& path, std::string& out, std::string& why) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    why = std::strerror(errno);
    return false;
  }
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, file)) > 0)
    out.append(buf, n);
  // fopen() succeeds on a directory; the error (EISDIR) shows up on read.
  bool ok = std::ferror(file) == 0;
  int err = errno;
  std::fclose(file);
  if (!ok)
    why = std::strerror(err);
  return ok;
}

// Digits only, at most 9 of them so the value cannot overflow.
bool parse_number(std::string_view text, long lo, long hi, long& out) {
  if (text.empty() || text.size() > 9)
    return false;
  long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  return value >= lo && value <= hi;
}

std::string check_endpoint_url(const std::string& url) {
  size_t scheme = 0;
  if (url.rfind("http://", 0) == 0)
    scheme = 7;
  else if (url.rfind("https://", 0) == 0)
    scheme = 8;
  else
    return "must start with http:// or https://";
  for (char c : url)
    if (static_cast<unsigned char>(c) <= ' ')
      return "must not contain spaces or control characters";
  size_t host_end = url.find_first_of("/?#", scheme);
  if (host_end == scheme || scheme == url.size())
    return "must have a host after the scheme";
  return "";
}

std::string check_url(std::string& url) {
  if (auto why = check_endpoint_url(url); !why.empty())
    return why;
  // Paths are appended to these bases, so one trailing '/' would double.
  while (url.back() == '/')
    url.pop_back();
  return "";
}

std::string check_listen(const std::string& text, std::string& host,
                         uint16_t& port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos)
    return "must be host:port or [v6]:port";
  std::string name = text.substr(0, colon);
  if (!name.empty() && name.front() == '[') {
    if (name.size() < 3 || name.back() != ']')
      return "must be host:port or [v6]:port";
    name = name.substr(1, name.size() - 2);
  } else if (name.find(':') != std::string::npos) {
    return "an IPv6 address needs brackets: [v6]:port";
  }
  if (name.empty())
    return "must name a host before the port";
  long number = 0;
  if (!parse_number(text.substr(colon + 1), 0, 65535, number))
    return "port must be a number from 0 to 65535";
  host = name;
  port = static_cast<uint16_t>(number);
  return "";
}

// Twilio's speechTimeout: whole seconds or "auto"; stored as its text.
std::string check_speech_timeout(std::string& text) {
  long seconds = 0;
  if (text == "auto")
    return "";
  if (!parse_number(text, 1, 60, seconds))
    return "must be a whole number of seconds from 1 to 60, or \"auto\"";
  text = std::to_string(seconds);
  return "";
}

std::string check_choice(const std::string& value,
                         std::initializer_list<std::string_view> allowed) {
  std::string list;
  bool first = true;
  for (auto choice : allowed) {
    if (value == choice)
      return "";
    list += first ? "" : " | ";
    // An empty choice ("the default") must still be visible in the list.
    list += choice.empty() ? std::string{"\"\""} : std::string{choice};
    first = false;
  }
  return "must be one of " + list + " (got \"" + value + "\")";
}

std::string check_non_empty(const std::string& value) {
  return value.empty() ? "must not be empty" : "";
}

std::string check_e164_or_empty(const std::string& value) {
  if (value.empty() || is_e164(value))
    return "";
  return "must be empty or an E.164 number like +14155550100 (got \"" + value
         + "\")";
}

// What a browser sends as Origin (RFC 6454): scheme "://" host [":" port],
// ASCII (a name in punycode), no path, no user, no trailing '/'. Compared
// as text with the request's header, so anything else here could never
// match and is refused.
std::string check_origin(std::string& value) {
  const std::string why =
    "must look like scheme://host[:port] as a browser sends Origin, e.g. "
    "\"http://localhost:6274\" (got \""
    + value + "\")";
  const auto sep = value.find("://");
  if (sep == std::string::npos || sep == 0
      || !std::isalpha(static_cast<unsigned char>(value[0])))
    return why;
  for (size_t i = 0; i < sep; ++i) {
    auto c = static_cast<unsigned char>(value[i]);
    if (!std::isalnum(c) && c != '+' && c != '-' && c != '.')
      return why;
  }
  const std::string_view authority = std::string_view{value}.substr(sep + 3);
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos || close < 2)
      return why;
    host = authority.substr(0, close + 1);
    const auto after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':')
      return why;
    has_port = !after.empty();
    port = after.substr(has_port ? 1 : 0);
  } else if (const auto colon = authority.find(':');
             colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    has_port = true;
  }
  if (host.empty()
      || (host.front() != '[' && host.find_first_of("[]") != host.npos))
    return why;
  for (char ch : host) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= ' ' || c >= 0x7f || std::strchr("/?#@\\", c) != nullptr)
      return why;
  }
  long number = 0;
  if (has_port && !parse_number(port, 0, 65535, number))
    return why;
  for (char& ch : value)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return "";
}

// The matcher (core/spoken_words) finds words of letters and
// digits; a phrase of spaces and punctuation alone would silently never
// match, so it is refused here. Any non-ASCII byte is taken as a letter:
// the exact word rules live with the matcher, above this layer.
std::string check_phrase(const std::string& value) {
  if (value.empty() || value.size() > 100)
    return "must be 1 to 100 bytes long";
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9'))
      return "";
  }
  return "must hold a word (a letter or digit), not only spaces and "
         "punctuation";
}

std::string check_pocketsphinx_dir(const std::string& dir) {
  static constexpr const char* needed[] = {
    "en-us/mdef",        "en-us/feat.params",         "en-us/means",
    "en-us/variances",   "en-us/transition_matrices", "en-us.lm.bin",
    "cmudict-en-us.dict"};
  for (const char* name : needed) {
    std::string path = dir + "/" + name;
    if (::access(path.c_str(), R_OK) != 0)
      return "cannot read " + path + ": " + std::strerror(errno)
             + " (Debian's pocketsphinx-en-us package provides the model)";
  }
  return "";
}

// check_url() already holds public_url to http(s)://, from the file and
// from PUBLIC_URL alike; the scheme test stays here too because the relay
// URL is derived from it by swapping that prefix (app/voice_twiml), so
// this is the place that says why it matters.
std::string check_relay_transport(const config& cfg) {
  const auto& t = cfg.voice.transport;
  if (t != "relay" && t != "media")
    return "";
  const auto& url = cfg.server.public_url;
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    return t
           + " needs server.public_url to start with http:// or https:// "
             "(it becomes ws:// or wss://)";
  if (cfg.twilio.validate_signatures && cfg.twilio.auth_token.empty())
    return t
           + " needs twilio.auth_token (TWILIO_AUTH_TOKEN) to sign the "
             "WebSocket tokens with, or twilio.validate_signatures = false";
  // Over a media stream every word is our own audio: Twilio's voices
  // (<Say>) cannot speak into it.
  if (t == "media" && cfg.tts.engine == "say")
    return "media needs tts.engine = \"espeak\" or \"http\" (USE_LOCAL_TTS "
           "not false): Twilio's voices cannot speak into a media stream";
  return "";
}

// Same port is enough to refuse, whatever the hosts: 0.0.0.0:8000 and
// 127.0.0.1:8000 overlap, and comparing host names would miss aliases.
std::string check_console_listen(const config& cfg) {
  const auto& c = cfg.console;
  if (c.listen.empty() || c.listen_port == 0 || cfg.server.listen_port == 0)
    return "";
  if (c.listen_port != cfg.server.listen_port)
    return "";
  return "must not use the public listener's port "
         + std::to_string(cfg.server.listen_port)
         + " (server.listen): the console is for operators only";
}

} // namespace sb::config_detail
