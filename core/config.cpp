// Loads the daemon's configuration. The TOML text is parsed by toml++ (whose
// exceptions stop in parse_config), then every known table is walked by a
// `section` reader that checks each key's type and bounds and remembers the
// keys it saw, so anything left over is reported as a typo. The prototype's
// environment variables are applied last, through the same checks. Only the
// first problem is reported, as "ORIGIN:LINE: key: why".
#include "core/config.hpp"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <set>
#include <string_view>
#include <utility>

#include <toml++/toml.h>

#include "core/config_detail.hpp"
#include "core/error.hpp"

namespace sb {

namespace {

using namespace config_detail;

// -- Reading the document ----------------------------------------------------

// Keeps the first error; later ones are usually consequences of it.
class report {
public:
  explicit report(std::string origin) : origin_(std::move(origin)) {
  }

  void fail(const toml::node& at, const std::string& key,
            const std::string& why) {
    if (first_.empty())
      first_ = origin_ + ":" + std::to_string(at.source().begin.line) + ": "
               + key + ": " + why;
  }

  bool failed() const {
    return !first_.empty();
  }

  const std::string& first() const {
    return first_;
  }

private:
  std::string origin_;
  std::string first_;
};

// One TOML table under a dotted path. Getters leave `out` at its default
// when the key is absent and report a bad value without touching `out`.
class section {
public:
  section(report& rep, const toml::table& tbl, std::string path)
    : rep_(rep), tbl_(tbl), path_(std::move(path)) {
  }

  report& rep() {
    return rep_;
  }

  std::string name(std::string_view key) const {
    return path_.empty() ? std::string{key} : path_ + "." + std::string{key};
  }

  // The node under `key` (nullptr when absent), marked as known.
  const toml::node* take(std::string_view key) {
    seen_.emplace(key);
    return tbl_.get(key);
  }

  void fail(const toml::node& at, std::string_view key,
            const std::string& why) {
    rep_.fail(at, name(key), why);
  }

  // For a problem with a key that is missing: points at the table.
  void fail_here(std::string_view key, const std::string& why) {
    fail(tbl_, key, why);
  }

  // Returns the node when a string was stored, for further checks.
  const toml::node* get_string(std::string_view key, std::string& out) {
    const toml::node* node = take(key);
    if (node == nullptr)
      return nullptr;
    if (!node->is_string()) {
      fail(*node, key, "must be a string");
      return nullptr;
    }
    out = node->as_string()->get();
    return node;
  }

  // A string that `check` accepts (and may normalise).
  template <class Check>
  void get_checked(std::string_view key, std::string& out, Check check) {
    std::string value;
    const toml::node* node = get_string(key, value);
    if (node == nullptr)
      return;
    std::string why = check(value);
    if (!why.empty())
      return fail(*node, key, why);
    out = std::move(value);
  }

  void get_non_empty(std::string_view key, std::string& out) {
    get_checked(key, out, check_non_empty);
  }

  void get_url(std::string_view key, std::string& out) {
    get_checked(key, out, check_url);
  }

  void get_choice(std::string_view key, std::string& out,
                  std::initializer_list<std::string_view> allowed) {
    get_checked(key, out,
                [&](const std::string& v) { return check_choice(v, allowed); });
  }

  template <class T>
  void get_int(std::string_view key, T& out, int64_t lo, int64_t hi) {
    const toml::node* node = take(key);
    if (node == nullptr)
      return;
    if (!node->is_integer())
      return fail(*node, key, "must be an integer");
    int64_t value = node->as_integer()->get();
    if (value < lo || value > hi)
      return fail(*node, key,
                  "must be from " + std::to_string(lo) + " to "
                    + std::to_string(hi) + " (got " + std::to_string(value)
                    + ")");
    out = static_cast<T>(value);
  }

  void get_double(std::string_view key, double& out, double lo, double hi) {
    const toml::node* node = take(key);
    if (node == nullptr)
      return;
    if (!node->is_number())
      return fail(*node, key, "must be a number");
    double value = node->is_integer()
                     ? static_cast<double>(node->as_integer()->get())
                     : node->as_floating_point()->get();
    if (!(value >= lo && value <= hi))
      return fail(*node, key,
                  "must be from " + std::to_string(lo) + " to "
                    + std::to_string(hi));
    out = value;
  }

  void get_bool(std::string_view key, bool& out) {
    const toml::node* node = take(key);
    if (node == nullptr)
      return;
    if (!node->is_boolean())
      return fail(*node, key, "must be true or false");
    out = node->as_boolean()->get();
  }

  // Any key not taken is a typo or a key of another version: refuse it.
  void finish() {
    for (const auto& [key, node] : tbl_)
      if (seen_.count(key.str()) == 0)
        rep_.fail(node, name(key.str()),
                  node.is_table() || node.is_array_of_tables() ? "unknown table"
                                                               : "unknown key");
  }

private:
  report& rep_;
  const toml::table& tbl_;
  std::string path_;
  std::set<std::string, std::less<>> seen_;
};

// Runs `body(section&)` on the sub-table `key` of `parent`, if present.
template <class Body>
void with_table(section& parent, std::string_view key, Body body) {
  const toml::node* node = parent.take(key);
  if (node == nullptr)
    return;
  if (!node->is_table())
    return parent.fail(*node, key, "must be a table");
  section sec{parent.rep(), *node->as_table(), parent.name(key)};
  body(sec);
  sec.finish();
}

// `key` and `key_file` both give a secret; the file keeps it out of the
// config file. Setting both non-empty is ambiguous, so it is refused.
void read_secret(section& sec, std::string_view key, std::string& out) {
  sec.get_string(key, out);
  std::string file_key = std::string{key} + "_file";
  std::string path;
  const toml::node* node = sec.get_string(file_key, path);
  if (node == nullptr || path.empty())
    return;
  if (!out.empty())
    return sec.fail(*node, file_key,
                    "set " + std::string{key} + " or " + file_key
                      + ", not both");
  std::string text;
  std::string why;
  if (!read_file(path, text, why))
    return sec.fail(*node, file_key, "cannot read " + path + ": " + why);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.pop_back();
  if (text.empty())
    return sec.fail(*node, file_key, path + " is empty");
  out = std::move(text);
}

void read_server(section& sec, server_config& out) {
  sec.get_checked("listen", out.listen, [&](const std::string& v) {
    return check_listen(v, out.listen_host, out.listen_port);
  });
  sec.get_url("public_url", out.public_url);
  sec.get_int("io_threads", out.io_threads, 1, 64);
  sec.get_int("max_body_bytes", out.max_body_bytes, 1024, 16 << 20);
  sec.get_int("header_timeout_ms", out.header_timeout_ms, 100, 600000);
  sec.get_int("body_timeout_ms", out.body_timeout_ms, 100, 600000);
  sec.get_int("idle_timeout_ms", out.idle_timeout_ms, 1000, 3600000);
  sec.get_int("max_connections", out.max_connections, 1, 1000000);
  sec.get_int("rate_limit_per_s", out.rate_limit_per_s, 0, 1000000);
  sec.get_int("rate_limit_burst", out.rate_limit_burst, 1, 1000000);
  sec.get_bool("rate_limit_loopback", out.rate_limit_loopback);
}

void read_twilio(section& sec, twilio_config& out) {
  sec.get_string("account_sid", out.account_sid);
  read_secret(sec, "auth_token", out.auth_token);
  sec.get_string("phone_number", out.phone_number);
  sec.get_url("api_base", out.api_base);
  sec.get_bool("validate_signatures", out.validate_signatures);
  sec.get_choice("machine_detection", out.machine_detection,
                 {"DetectMessageEnd", "Enable", "off"});
  sec.get_bool("async_amd", out.async_amd);
  sec.get_bool("record", out.record);
  sec.get_int("rest_timeout_ms", out.rest_timeout_ms, 100, 60000);
  sec.get_int("rest_max_attempts", out.rest_max_attempts, 1, 10);
}

// An array of at most `max_entries` strings, each accepted by `check`
// (which says why not, or "", and may normalise the entry); a bad entry is
// named "key[i]".
template <class Check>
void read_strings(section& sec, std::string_view key, size_t max_entries,
                  std::vector<std::string>& out, Check check) {
  const toml::node* node = sec.take(key);
  if (node == nullptr)
    return;
  const toml::array* arr = node->as_array();
  if (arr == nullptr)
    return sec.fail(*node, key, "must be an array of strings");
  if (arr->size() > max_entries)
    return sec.fail(*node, key,
                    "must have at most " + std::to_string(max_entries)
                      + " entries");
  std::vector<std::string> values;
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& item = *arr->get(i);
    std::string entry = std::string{key} + "[" + std::to_string(i) + "]";
    if (!item.is_string())
      return sec.fail(item, entry, "must be a string");
    std::string text = item.as_string()->get();
    std::string why = check(text);
    if (!why.empty())
      return sec.fail(item, entry, why);
    values.push_back(std::move(text));
  }
  out = std::move(values);
}

void read_hints(section& sec, std::vector<std::string>& out) {
  read_strings(sec, "hints", 500, out, [](const std::string& text) {
    return text.empty() || text.size() > 100
             ? "must be 1 to 100 characters long"
             : "";
  });
}

void read_speech_timeout(section& sec, std::string& out) {
  const toml::node* node = sec.take("speech_timeout");
  if (node == nullptr)
    return;
  std::string text;
  if (node->is_integer())
    text = std::to_string(node->as_integer()->get());
  else if (node->is_string())
    text = node->as_string()->get();
  std::string why = check_speech_timeout(text);
  if (!why.empty())
    return sec.fail(*node, "speech_timeout", why);
  out = text;
}

void read_voice(section& sec, voice_config& out) {
  sec.get_non_empty("language", out.language);
  sec.get_non_empty("voice", out.voice);
  sec.get_non_empty("greeting", out.greeting);
  read_speech_timeout(sec, out.speech_timeout);
  sec.get_string("speech_model", out.speech_model);
  sec.get_bool("enhanced", out.enhanced);
  read_hints(sec, out.hints);
  sec.get_non_empty("reprompt", out.reprompt);
  sec.get_non_empty("apology", out.apology);
  sec.get_non_empty("busy_message", out.busy_message);
  sec.get_non_empty("silence_goodbye", out.silence_goodbye);
  sec.get_int("max_silent_prompts", out.max_silent_prompts, 1, 20);
  sec.get_non_empty("filler", out.filler);
  sec.get_choice("machine_action", out.machine_action,
                 {"message", "hangup", "continue"});
  sec.get_non_empty("machine_message", out.machine_message);
  sec.get_choice("transport", out.transport, {"gather", "relay", "media"});
  sec.get_checked("transfer_number", out.transfer_number, check_e164_or_empty);
  sec.get_non_empty("transfer_message", out.transfer_message);
  sec.get_non_empty("goodbye_message", out.goodbye_message);
}

// The TwiML attributes of <ConversationRelay> and the WebSocket listener's
// limits; they matter only with voice.transport = "relay" but are checked
// always, so switching the transport cannot reveal a bad value later.
void read_relay(section& sec, relay_config& out) {
  sec.get_choice("tts_provider", out.tts_provider,
                 {"Google", "Amazon", "ElevenLabs"});
  sec.get_string("voice", out.voice);
  sec.get_choice("transcription_provider", out.transcription_provider,
                 {"", "Google", "Deepgram"});
  sec.get_string("speech_model", out.speech_model);
  sec.get_choice("interruptible", out.interruptible,
                 {"none", "dtmf", "speech", "any"});
  sec.get_bool("dtmf_detection", out.dtmf_detection);
  sec.get_int("max_reconnects", out.max_reconnects, 0, 100);
  sec.get_int("token_max_age_s", out.token_max_age_s, 10, 86400);
  sec.get_int("idle_timeout_s", out.idle_timeout_s, 5, 3600);
  sec.get_int("max_frame_bytes", out.max_frame_bytes, 1024, 1048576);
  sec.get_int("send_queue_frames", out.send_queue_frames, 16, 100000);
}

void read_endpoint(section& sec, endpoint_config& out, int default_slots) {
  out = endpoint_config{};
  out.slots = default_slots;
  if (sec.take("url") == nullptr)
    sec.fail_here("url", "is required");
  sec.get_url("url", out.url);
  sec.get_int("gpu", out.gpu, 0, 64);
  sec.get_int("slots", out.slots, 1, 1024);
}

// [[parent.key]]: at most `max_entries` tables, replacing `out` when the
// key is present (`key = []` empties it). `read_entry(sec, entries, i)`
// reads table i, as section "parent.key[i]", into entries[i]; it may
// compare it with the entries before it.
template <class T, class ReadEntry>
void read_tables(section& parent, std::string_view key, size_t max_entries,
                 std::vector<T>& out, ReadEntry read_entry) {
  const toml::node* node = parent.take(key);
  if (node == nullptr)
    return;
  const toml::array* arr = node->as_array();
  if (arr == nullptr || !(arr->empty() || arr->is_array_of_tables()))
    return parent.fail(*node, key, "must be an array of tables");
  if (arr->size() > max_entries)
    return parent.fail(*node, key,
                       "must have at most " + std::to_string(max_entries)
                         + " entries");
  std::vector<T> entries(arr->size());
  for (size_t i = 0; i < arr->size(); ++i) {
    std::string path = parent.name(key) + "[" + std::to_string(i) + "]";
    section sec{parent.rep(), *arr->get(i)->as_table(), path};
    read_entry(sec, entries, i);
    sec.finish();
  }
  out = std::move(entries);
}

// [[x.endpoints]]: replaces the default list; `endpoints = []` empties it.
// An entry without `slots` gets `default_slots`.
void read_endpoints(section& parent, std::vector<endpoint_config>& out,
                    int default_slots = endpoint_config{}.slots) {
  read_tables(parent, "endpoints", 256, out,
              [&](section& sec, std::vector<endpoint_config>& all, size_t i) {
                read_endpoint(sec, all[i], default_slots);
              });
}

void read_mcp_server(section& sec, mcp_server_config& out) {
  for (const char* key : {"name", "url"})
    if (sec.take(key) == nullptr)
      sec.fail_here(key, "is required");
  sec.get_non_empty("name", out.name);
  sec.get_checked("url", out.url, check_endpoint_url);
  read_secret(sec, "token", out.token);
  read_strings(sec, "tools", 1000, out.tools, check_non_empty);
}

// [[llm.mcp_servers]]: the MCP servers whose tools the model may use.
// Names must be unique: they say which server a stored tool call went to.
void read_mcp_servers(section& parent, std::vector<mcp_server_config>& out) {
  read_tables(parent, "mcp_servers", 64, out,
              [&](section& sec, std::vector<mcp_server_config>& all, size_t i) {
                read_mcp_server(sec, all[i]);
                for (size_t j = 0; j < i && !all[i].name.empty(); ++j)
                  if (all[j].name == all[i].name)
                    return sec.fail(*sec.take("name"), "name",
                                    "\"" + all[i].name + "\" is the name of "
                                      + parent.name("mcp_servers") + "["
                                      + std::to_string(j) + "] too");
              });
}

// A rules file that cannot be read would only fail at the first call.
void read_rules_file(section& sec, std::string& out) {
  const toml::node* node = sec.get_string("rules_file", out);
  std::string text;
  std::string why;
  if (node != nullptr && !out.empty() && !read_file(out, text, why))
    sec.fail(*node, "rules_file", "cannot read " + out + ": " + why);
}

void read_llm(section& sec, llm_config& out) {
  sec.get_choice("backend", out.backend, {"scripted", "ollama", "openai"});
  sec.get_non_empty("model", out.model);
  sec.get_string("system_prompt", out.system_prompt);
  sec.get_string("system_prompt_hi", out.system_prompt_hi);
  sec.get_string("system_prompt_en", out.system_prompt_en);
  sec.get_int("max_history_turns", out.max_history_turns, 1, 1000);
  sec.get_int("timeout_s", out.timeout_s, 1, 600);
  sec.get_int("max_queue", out.max_queue, 0, 100000);
  sec.get_int("max_reply_chars", out.max_reply_chars, 20, 4000);
  sec.get_double("temperature", out.temperature, 0.0, 2.0);
  sec.get_int("num_predict", out.num_predict, 1, 8192);
  sec.get_string("keep_alive", out.keep_alive);
  read_secret(sec, "api_key", out.api_key);
  read_rules_file(sec, out.rules_file);
  read_strings(sec, "goodbye_words", 100, out.goodbye_words, check_phrase);
  sec.get_bool("end_call_tool", out.end_call_tool);
  read_mcp_servers(sec, out.mcp_servers);
  sec.get_int("max_tool_rounds", out.max_tool_rounds, 0, 10);
  sec.get_int("mcp_slots", out.mcp_slots, 1, 256);
  sec.get_int("mcp_max_queue", out.mcp_max_queue, 0, 10000);
  sec.get_int("mcp_timeout_ms", out.mcp_timeout_ms, 100, 60000);
  read_endpoints(sec, out.endpoints);
  // Point at the backend line: it is what asks for an endpoint, and the
  // default (scripted) needs none, so the key is present here.
  if (out.backend != "scripted" && out.endpoints.empty())
    sec.fail(*sec.take("backend"), "endpoints",
             "backend " + out.backend + " needs at least one endpoint");
}

void read_tts(section& sec, tts_config& out) {
  sec.get_choice("engine", out.engine, {"say", "espeak", "http"});
  sec.get_string("voice", out.voice);
  sec.get_non_empty("cache_dir", out.cache_dir);
  sec.get_int("cache_max_mb", out.cache_max_mb, 1, 1000000);
  sec.get_int("timeout_ms", out.timeout_ms, 100, 14000);
  sec.get_choice("http_flavor", out.http_flavor, {"openai", "xtts", "piper"});
  read_secret(sec, "api_key", out.api_key);
  read_endpoints(sec, out.endpoints);
  if (out.engine == "http" && out.endpoints.empty())
    sec.fail(*sec.take("engine"), "endpoints",
             "engine http needs at least one endpoint");
}

void read_media(section& sec, media_config& out) {
  sec.get_choice("vad", out.vad, {"energy", "webrtc", "both"});
  sec.get_int("webrtc_aggressiveness", out.webrtc_aggressiveness, 0, 3);
  sec.get_int("speech_start_ms", out.speech_start_ms, 20, 2000);
  sec.get_int("end_of_turn_ms", out.end_of_turn_ms, 100, 10000);
  sec.get_int("min_utterance_ms", out.min_utterance_ms, 0, 10000);
  sec.get_int("max_utterance_s", out.max_utterance_s, 1, 600);
  sec.get_int("min_level_dbfs", out.min_level_dbfs, -90, 0);
  sec.get_int("preroll_ms", out.preroll_ms, 0, 2000);
  sec.get_int("barge_in_ms", out.barge_in_ms, 20, 10000);
  // The same word rule as llm.goodbye_words: the matcher finds words of
  // letters and digits, so an entry without one would never match.
  read_strings(sec, "backchannel_words", 200, out.backchannel_words,
               check_phrase);
  sec.get_bool("greeting_interruptible", out.greeting_interruptible);
  sec.get_int("max_reconnects", out.max_reconnects, 0, 100);
  sec.get_int("start_timeout_ms", out.start_timeout_ms, 500, 60000);
  sec.get_int("idle_timeout_s", out.idle_timeout_s, 5, 3600);
  sec.get_int("max_frame_bytes", out.max_frame_bytes, 1024, 1048576);
  sec.get_int("max_payload_bytes", out.max_payload_bytes, 160, 65536);
  sec.get_int("send_queue_frames", out.send_queue_frames, 16, 100000);
  sec.get_int("send_chunk_ms", out.send_chunk_ms, 20, 200);
  sec.get_int("send_lead_ms", out.send_lead_ms, 40, 1000);
  sec.get_int("mark_timeout_s", out.mark_timeout_s, 2, 600);
  sec.get_int("reprompt_after_s", out.reprompt_after_s, 2, 120);
  sec.get_bool("keep_caller_audio", out.keep_caller_audio);
  sec.get_non_empty("caller_audio_dir", out.caller_audio_dir);
}

void read_stt(section& sec, stt_config& out) {
  sec.get_choice("engine", out.engine, {"pocketsphinx", "whisper", "openai"});
  sec.get_choice("fallback", out.fallback, {"pocketsphinx", ""});
  sec.get_string("language", out.language);
  sec.get_non_empty("model", out.model);
  read_secret(sec, "api_key", out.api_key);
  sec.get_int("timeout_ms", out.timeout_ms, 100, 60000);
  sec.get_int("max_queue", out.max_queue, 0, 100000);
  sec.get_int("workers", out.workers, 1, 64);
  // Whether the model files are there is checked once the whole file is
  // read (check_stt_models), since the default directory needs it too.
  sec.get_non_empty("pocketsphinx_dir", out.pocketsphinx_dir);
  read_endpoints(sec, out.endpoints, 1);
  if (out.engine != "pocketsphinx" && out.endpoints.empty())
    sec.fail(*sec.take("engine"), "endpoints",
             "engine " + out.engine + " needs at least one endpoint");
}

void read_admin(section& sec, admin_config& out) {
  std::string socket;
  if (const toml::node* node = sec.get_string("socket", socket)) {
    // sun_path holds 108 bytes including the terminating NUL.
    if (socket.empty() || socket.size() > 107)
      sec.fail(*node, "socket", "must be 1 to 107 bytes long");
    else
      out.socket = socket;
  }
  read_secret(sec, "token", out.token);
}

// An empty listen turns the console off; the derived host and port are
// then left as they were and never used.
void read_console(section& sec, console_config& out) {
  sec.get_checked("listen", out.listen, [&](const std::string& v) {
    return v.empty() ? "" : check_listen(v, out.listen_host, out.listen_port);
  });
  sec.get_int("session_idle_minutes", out.session_idle_minutes, 1, 1440);
  sec.get_int("max_sessions", out.max_sessions, 1, 10000);
  sec.get_int("login_failures_per_minute", out.login_failures_per_minute, 1,
              1000);
  sec.get_int("max_streams", out.max_streams, 1, 1000);
  sec.get_int("heartbeat_s", out.heartbeat_s, 1, 300);
  sec.get_int("max_export_rows", out.max_export_rows, 1, 10000000);
  sec.get_int("page_size", out.page_size, 10, 500);
}

void read_mcp(section& sec, mcp_config& out) {
  sec.get_bool("allow_actions", out.allow_actions);
  read_strings(sec, "allowed_origins", 100, out.allowed_origins, check_origin);
}

void read_document(section& root, config& cfg) {
  with_table(root, "server", [&](section& s) { read_server(s, cfg.server); });
  with_table(root, "twilio", [&](section& s) { read_twilio(s, cfg.twilio); });
  with_table(root, "voice", [&](section& s) { read_voice(s, cfg.voice); });
  with_table(root, "relay", [&](section& s) { read_relay(s, cfg.relay); });
  with_table(root, "llm", [&](section& s) { read_llm(s, cfg.llm); });
  with_table(root, "tts", [&](section& s) { read_tts(s, cfg.tts); });
  with_table(root, "media", [&](section& s) { read_media(s, cfg.media); });
  with_table(root, "stt", [&](section& s) { read_stt(s, cfg.stt); });
  with_table(root, "storage", [&](section& s) {
    s.get_non_empty("path", cfg.storage.path);
    s.get_int("batch_max", cfg.storage.batch_max, 1, 100000);
    s.get_int("busy_timeout_ms", cfg.storage.busy_timeout_ms, 10, 60000);
    s.get_int("max_pending_writes", cfg.storage.max_pending_writes, 1,
              10000000);
  });
  with_table(root, "admin", [&](section& s) { read_admin(s, cfg.admin); });
  with_table(root, "console",
             [&](section& s) { read_console(s, cfg.console); });
  with_table(root, "mcp", [&](section& s) { read_mcp(s, cfg.mcp); });
  with_table(root, "limits", [&](section& s) {
    s.get_int("max_calls", cfg.limits.max_calls, 1, 1000000);
    s.get_int("webhook_deadline_ms", cfg.limits.webhook_deadline_ms, 500,
              14000);
    s.get_int("max_await_redirects", cfg.limits.max_await_redirects, 1, 10);
    s.get_int("drain_timeout_s", cfg.limits.drain_timeout_s, 1, 600);
    s.get_int("call_idle_timeout_s", cfg.limits.call_idle_timeout_s, 1, 86400);
  });
  with_table(root, "log", [&](section& s) {
    s.get_choice("level", cfg.log.level,
                 {"debug", "info", "notice", "warning", "error"});
  });
  with_table(root, "runtime", [&](section& s) {
    s.get_int("scheduler_threads", cfg.runtime.scheduler_threads, 1, 64);
    s.get_int("max_throughput", cfg.runtime.max_throughput, 1, 100000);
  });
}

// Checks that join keys of several tables, once the environment (which
// may set some of them) is applied.
caf::error check_across_keys(const toml::table& doc, const config& cfg,
                             const std::string& origin) {
  if (auto why = check_console_listen(cfg); !why.empty()) {
    report console{origin};
    if (const toml::node* at = doc["console"]["listen"].node())
      console.fail(*at, "console.listen", why);
    else
      console.fail(doc, "console.listen", why);
    return make_error(errc::bad_config, console.first());
  }
  auto why = check_relay_transport(cfg);
  if (why.empty())
    return caf::none;
  // Only the file sets voice.transport, so its line is named; the keys it
  // depends on may come from the environment.
  report cross{origin};
  if (const toml::node* at = doc["voice"]["transport"].node())
    cross.fail(*at, "voice.transport", why);
  else
    cross.fail(doc, "voice.transport", why);
  return make_error(errc::bad_config, cross.first());
}

// The pocketsphinx model files, when the engine or the fallback is
// pocketsphinx: a missing package shows at start (and in --check-config),
// not at the first utterance.
caf::error check_stt_models(const toml::table& doc, const config& cfg,
                            const std::string& origin) {
  if (cfg.stt.engine != "pocketsphinx" && cfg.stt.fallback != "pocketsphinx")
    return caf::none;
  auto why = check_pocketsphinx_dir(cfg.stt.pocketsphinx_dir);
  if (why.empty())
    return caf::none;
  report models{origin};
  if (const toml::node* at = doc["stt"]["pocketsphinx_dir"].node())
    models.fail(*at, "stt.pocketsphinx_dir", why);
  else
    models.fail(doc, "stt.pocketsphinx_dir", why);
  return make_error(errc::bad_config, models.first());
}

caf::expected<config> parse_document(const std::string& toml_text,
                                     const std::string& origin,
                                     const env_lookup& env) {
  try {
    toml::table doc = toml::parse(toml_text, origin);
    config cfg;
    report rep{origin};
    section root{rep, doc, ""};
    read_document(root, cfg);
    root.finish();
    if (rep.failed())
      return make_error(errc::bad_config, rep.first());
    if (auto err = apply_env(cfg, env))
      return err;
    if (auto err = check_across_keys(doc, cfg, origin))
      return err;
    if (auto err = check_stt_models(doc, cfg, origin))
      return err;
    return cfg;
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return make_error(errc::bad_config, origin + ":"
                                          + std::to_string(begin.line) + ":"
                                          + std::to_string(begin.column) + ": "
                                          + std::string{e.description()});
  }
}

} // namespace

env_lookup process_env() {
  return [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (value == nullptr)
      return std::nullopt;
    return std::string{value};
  };
}

caf::expected<config> load_config(const std::string& path,
                                  const env_lookup& env) {
  std::string text;
  std::string why;
  if (!read_file(path, text, why))
    return make_error(errc::bad_config, path + ": cannot read: " + why);
  return parse_config(text, path, env);
}

caf::expected<config> parse_config(const std::string& toml_text,
                                   const std::string& origin,
                                   const env_lookup& env) {
  // parse_document turns TOML errors into values; this catches the rest
  // (std::bad_alloc, a throwing env_lookup) so none crosses the boundary.
  try {
    return parse_document(toml_text, origin, env);
  } catch (const std::exception& e) {
    return make_error(errc::bad_config, origin + ": " + e.what());
  } catch (...) {
    return make_error(errc::bad_config, origin + ": unexpected error");
  }
}

} // namespace sb
