// Tests for the config loader: the shipped config.toml, good values, each
// kind of bad input (with the key and line it must name), *_file secrets and
// environment overrides through an injected lookup.
#include "core/config.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "tests/support/paths.hpp"

namespace {

namespace fs = std::filesystem;

using env_map = std::map<std::string, std::string>;

sb::env_lookup fake_env(env_map vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto i = vars.find(name);
    if (i == vars.end())
      return std::nullopt;
    return i->second;
  };
}

caf::expected<sb::config> parse(const std::string& text, env_map env = {}) {
  return sb::parse_config(text, "test.toml", fake_env(std::move(env)));
}

// The error text of a config that must fail.
std::string error_of(const std::string& text, env_map env = {}) {
  auto cfg = parse(text, std::move(env));
  REQUIRE_FALSE(cfg);
  CHECK(cfg.error().category() == caf::atom("sb"));
  CHECK(cfg.error().code() == static_cast<uint8_t>(sb::errc::bad_config));
  return sb::what(cfg.error());
}

// A file removed again at the end of the test.
struct temp_file {
  explicit temp_file(const std::string& contents) {
    static int counter = 0;
    path = (fs::temp_directory_path()
            / ("sb_config_test_" + std::to_string(::getpid()) + "_"
               + std::to_string(counter++)))
             .string();
    std::ofstream{path} << contents;
  }
  ~temp_file() {
    std::remove(path.c_str());
  }
  std::string path;
};

void check_same_endpoints(const std::vector<sb::endpoint_config>& a,
                          const std::vector<sb::endpoint_config>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].url == b[i].url);
    CHECK(a[i].gpu == b[i].gpu);
    CHECK(a[i].slots == b[i].slots);
  }
}

void check_same(const sb::config& a, const sb::config& b) {
  CHECK(a.server.listen == b.server.listen);
  CHECK(a.server.listen_host == b.server.listen_host);
  CHECK(a.server.listen_port == b.server.listen_port);
  CHECK(a.server.public_url == b.server.public_url);
  CHECK(a.server.io_threads == b.server.io_threads);
  CHECK(a.server.max_body_bytes == b.server.max_body_bytes);
  CHECK(a.server.header_timeout_ms == b.server.header_timeout_ms);
  CHECK(a.server.body_timeout_ms == b.server.body_timeout_ms);
  CHECK(a.server.idle_timeout_ms == b.server.idle_timeout_ms);
  CHECK(a.server.max_connections == b.server.max_connections);
  CHECK(a.server.rate_limit_per_s == b.server.rate_limit_per_s);
  CHECK(a.server.rate_limit_burst == b.server.rate_limit_burst);
  CHECK(a.server.rate_limit_loopback == b.server.rate_limit_loopback);
  CHECK(a.twilio.account_sid == b.twilio.account_sid);
  CHECK(a.twilio.auth_token == b.twilio.auth_token);
  CHECK(a.twilio.phone_number == b.twilio.phone_number);
  CHECK(a.twilio.api_base == b.twilio.api_base);
  CHECK(a.twilio.validate_signatures == b.twilio.validate_signatures);
  CHECK(a.voice.language == b.voice.language);
  CHECK(a.voice.voice == b.voice.voice);
  CHECK(a.voice.greeting == b.voice.greeting);
  CHECK(a.voice.speech_timeout == b.voice.speech_timeout);
  CHECK(a.voice.speech_model == b.voice.speech_model);
  CHECK(a.voice.enhanced == b.voice.enhanced);
  CHECK(a.voice.hints == b.voice.hints);
  CHECK(a.voice.reprompt == b.voice.reprompt);
  CHECK(a.voice.apology == b.voice.apology);
  CHECK(a.voice.busy_message == b.voice.busy_message);
  CHECK(a.voice.silence_goodbye == b.voice.silence_goodbye);
  CHECK(a.voice.max_silent_prompts == b.voice.max_silent_prompts);
  CHECK(a.voice.transport == b.voice.transport);
  CHECK(a.voice.transfer_number == b.voice.transfer_number);
  CHECK(a.voice.transfer_message == b.voice.transfer_message);
  CHECK(a.voice.goodbye_message == b.voice.goodbye_message);
  CHECK(a.relay.tts_provider == b.relay.tts_provider);
  CHECK(a.relay.voice == b.relay.voice);
  CHECK(a.relay.transcription_provider == b.relay.transcription_provider);
  CHECK(a.relay.speech_model == b.relay.speech_model);
  CHECK(a.relay.interruptible == b.relay.interruptible);
  CHECK(a.relay.dtmf_detection == b.relay.dtmf_detection);
  CHECK(a.relay.max_reconnects == b.relay.max_reconnects);
  CHECK(a.relay.token_max_age_s == b.relay.token_max_age_s);
  CHECK(a.relay.idle_timeout_s == b.relay.idle_timeout_s);
  CHECK(a.relay.max_frame_bytes == b.relay.max_frame_bytes);
  CHECK(a.relay.send_queue_frames == b.relay.send_queue_frames);
  CHECK(a.llm.backend == b.llm.backend);
  CHECK(a.llm.model == b.llm.model);
  CHECK(a.llm.system_prompt == b.llm.system_prompt);
  CHECK(a.llm.max_history_turns == b.llm.max_history_turns);
  CHECK(a.llm.rules_file == b.llm.rules_file);
  CHECK(a.llm.goodbye_words == b.llm.goodbye_words);
  CHECK(a.llm.end_call_tool == b.llm.end_call_tool);
  CHECK(a.llm.mcp_servers.size() == b.llm.mcp_servers.size());
  CHECK(a.llm.max_tool_rounds == b.llm.max_tool_rounds);
  CHECK(a.llm.mcp_slots == b.llm.mcp_slots);
  CHECK(a.llm.mcp_max_queue == b.llm.mcp_max_queue);
  CHECK(a.llm.mcp_timeout_ms == b.llm.mcp_timeout_ms);
  check_same_endpoints(a.llm.endpoints, b.llm.endpoints);
  CHECK(a.tts.engine == b.tts.engine);
  CHECK(a.tts.voice == b.tts.voice);
  CHECK(a.tts.cache_dir == b.tts.cache_dir);
  check_same_endpoints(a.tts.endpoints, b.tts.endpoints);
  CHECK(a.media.vad == b.media.vad);
  CHECK(a.media.webrtc_aggressiveness == b.media.webrtc_aggressiveness);
  CHECK(a.media.speech_start_ms == b.media.speech_start_ms);
  CHECK(a.media.end_of_turn_ms == b.media.end_of_turn_ms);
  CHECK(a.media.min_utterance_ms == b.media.min_utterance_ms);
  CHECK(a.media.max_utterance_s == b.media.max_utterance_s);
  CHECK(a.media.min_level_dbfs == b.media.min_level_dbfs);
  CHECK(a.media.preroll_ms == b.media.preroll_ms);
  CHECK(a.media.barge_in_ms == b.media.barge_in_ms);
  CHECK(a.media.backchannel_words == b.media.backchannel_words);
  CHECK(a.media.greeting_interruptible == b.media.greeting_interruptible);
  CHECK(a.media.max_reconnects == b.media.max_reconnects);
  CHECK(a.media.start_timeout_ms == b.media.start_timeout_ms);
  CHECK(a.media.idle_timeout_s == b.media.idle_timeout_s);
  CHECK(a.media.max_frame_bytes == b.media.max_frame_bytes);
  CHECK(a.media.max_payload_bytes == b.media.max_payload_bytes);
  CHECK(a.media.send_queue_frames == b.media.send_queue_frames);
  CHECK(a.media.send_chunk_ms == b.media.send_chunk_ms);
  CHECK(a.media.send_lead_ms == b.media.send_lead_ms);
  CHECK(a.media.mark_timeout_s == b.media.mark_timeout_s);
  CHECK(a.media.reprompt_after_s == b.media.reprompt_after_s);
  CHECK(a.media.keep_caller_audio == b.media.keep_caller_audio);
  CHECK(a.media.caller_audio_dir == b.media.caller_audio_dir);
  CHECK(a.stt.engine == b.stt.engine);
  CHECK(a.stt.fallback == b.stt.fallback);
  CHECK(a.stt.language == b.stt.language);
  CHECK(a.stt.model == b.stt.model);
  CHECK(a.stt.api_key == b.stt.api_key);
  CHECK(a.stt.timeout_ms == b.stt.timeout_ms);
  CHECK(a.stt.max_queue == b.stt.max_queue);
  CHECK(a.stt.workers == b.stt.workers);
  CHECK(a.stt.pocketsphinx_dir == b.stt.pocketsphinx_dir);
  check_same_endpoints(a.stt.endpoints, b.stt.endpoints);
  CHECK(a.storage.path == b.storage.path);
  CHECK(a.storage.batch_max == b.storage.batch_max);
  CHECK(a.storage.busy_timeout_ms == b.storage.busy_timeout_ms);
  CHECK(a.storage.max_pending_writes == b.storage.max_pending_writes);
  CHECK(a.admin.socket == b.admin.socket);
  CHECK(a.admin.token == b.admin.token);
  CHECK(a.console.listen == b.console.listen);
  CHECK(a.console.listen_host == b.console.listen_host);
  CHECK(a.console.listen_port == b.console.listen_port);
  CHECK(a.console.session_idle_minutes == b.console.session_idle_minutes);
  CHECK(a.console.max_sessions == b.console.max_sessions);
  CHECK(a.console.login_failures_per_minute
        == b.console.login_failures_per_minute);
  CHECK(a.console.max_streams == b.console.max_streams);
  CHECK(a.console.heartbeat_s == b.console.heartbeat_s);
  CHECK(a.console.max_export_rows == b.console.max_export_rows);
  CHECK(a.console.page_size == b.console.page_size);
  CHECK(a.mcp.allow_actions == b.mcp.allow_actions);
  CHECK(a.mcp.allowed_origins == b.mcp.allowed_origins);
  CHECK(a.limits.max_calls == b.limits.max_calls);
  CHECK(a.limits.webhook_deadline_ms == b.limits.webhook_deadline_ms);
  CHECK(a.limits.call_idle_timeout_s == b.limits.call_idle_timeout_s);
  CHECK(a.log.level == b.log.level);
  CHECK(a.runtime.scheduler_threads == b.runtime.scheduler_threads);
  CHECK(a.runtime.max_throughput == b.runtime.max_throughput);
}

} // namespace

TEST_CASE("the shipped config.toml loads and equals the defaults", "[config]") {
  auto cfg = sb::load_config(sb::test::source_dir() + "/config.toml",
                             fake_env({}));
  if (!cfg)
    FAIL(sb::what(cfg.error()));
  check_same(*cfg, sb::config{});
}

TEST_CASE("an empty document gives the defaults", "[config]") {
  auto cfg = parse("");
  REQUIRE(cfg);
  check_same(*cfg, sb::config{});
}

TEST_CASE("good values are read", "[config]") {
  auto cfg = parse(R"(
[server]
listen = "[::1]:0"
public_url = "https://example.com/base/"
io_threads = 8
max_body_bytes = 1024
[twilio]
auth_token = "secret"
validate_signatures = false
[voice]
speech_timeout = "auto"
hints = []
max_silent_prompts = 20
[llm]
backend = "ollama"
[[llm.endpoints]]
url = "http://gpu0:11434/"
[[llm.endpoints]]
url = "https://gpu1"
gpu = 1
slots = 1024
[tts]
engine = "http"
endpoints = [{ url = "http://tts:5002", slots = 2 }]
[log]
level = "debug"
)");
  if (!cfg)
    FAIL(sb::what(cfg.error()));
  CHECK(cfg->server.listen == "[::1]:0");
  CHECK(cfg->server.listen_host == "::1");
  CHECK(cfg->server.listen_port == 0);
  CHECK(cfg->server.public_url == "https://example.com/base");
  CHECK(cfg->server.io_threads == 8);
  CHECK(cfg->server.max_body_bytes == 1024);
  CHECK(cfg->twilio.auth_token == "secret");
  CHECK_FALSE(cfg->twilio.validate_signatures);
  CHECK(cfg->voice.speech_timeout == "auto");
  CHECK(cfg->voice.hints.empty());
  CHECK(cfg->voice.max_silent_prompts == 20);
  CHECK(cfg->llm.backend == "ollama");
  check_same_endpoints(cfg->llm.endpoints, {{"http://gpu0:11434", 0, 4},
                                            {"https://gpu1", 1, 1024}});
  check_same_endpoints(cfg->tts.endpoints, {{"http://tts:5002", 0, 2}});
  CHECK(cfg->log.level == "debug");
}

TEST_CASE("server.listen takes host:port", "[config]") {
  auto cfg = parse("[server]\nlisten = \"0.0.0.0:65535\"\n");
  REQUIRE(cfg);
  CHECK(cfg->server.listen_host == "0.0.0.0");
  CHECK(cfg->server.listen_port == 65535);
  for (const char* bad : {"localhost", "127.0.0.1:", ":8000", "h:65536", "h:-1",
                          "h:80x", "::1:80", "[::1]", "[]:80"}) {
    CAPTURE(bad);
    auto why = error_of(std::string{"[server]\nlisten = \""} + bad + "\"\n");
    CHECK(why.rfind("test.toml:2: server.listen: ", 0) == 0);
  }
}

TEST_CASE("speech_timeout takes 1..60 seconds or auto", "[config]") {
  CHECK(parse("[voice]\nspeech_timeout = 60\n")->voice.speech_timeout == "60");
  CHECK(parse("[voice]\nspeech_timeout = \"05\"\n")->voice.speech_timeout
        == "5");
  for (const char* bad :
       {"0", "61", "-1", "\"\"", "\"fast\"", "\"3.5\"", "2.5", "true"}) {
    CAPTURE(bad);
    auto why = error_of(std::string{"[voice]\nspeech_timeout = "} + bad);
    CHECK(why.rfind("test.toml:2: voice.speech_timeout: ", 0) == 0);
  }
}

TEST_CASE("a syntax error names file, line and column", "[config]") {
  auto why = error_of("[server]\nio_threads = 2\nlisten = \"x\n");
  CHECK(why.rfind("test.toml:3:", 0) == 0);
  CHECK(error_of("[server\n").rfind("test.toml:1:", 0) == 0);
  // A key set twice is a TOML error too.
  CHECK(error_of("[log]\nlevel = \"info\"\nlevel = \"debug\"\n")
          .rfind("test.toml:3:", 0)
        == 0);
}

TEST_CASE("unknown keys and tables are refused", "[config]") {
  CHECK(error_of("[server]\nio_threads = 2\nio_thread = 2\n")
        == "test.toml:3: server.io_thread: unknown key");
  CHECK(error_of("[sever]\nlisten = \"h:1\"\n")
        == "test.toml:1: sever: unknown table");
  CHECK(error_of("verbose = true\n") == "test.toml:1: verbose: unknown key");
  CHECK(error_of("[llm.extra]\nx = 1\n")
        == "test.toml:1: llm.extra: unknown table");
  CHECK(error_of("[[llm.endpoints]]\nurl = \"http://a\"\n"
                 "[[llm.endpoints]]\nurl = \"http://b\"\nslot = 2\n")
        == "test.toml:5: llm.endpoints[1].slot: unknown key");
}

TEST_CASE("values of the wrong type are refused", "[config]") {
  CHECK(error_of("[server]\nio_threads = \"2\"\n")
        == "test.toml:2: server.io_threads: must be an integer");
  CHECK(error_of("[server]\nio_threads = 2.0\n")
        == "test.toml:2: server.io_threads: must be an integer");
  CHECK(error_of("[server]\npublic_url = 8000\n")
        == "test.toml:2: server.public_url: must be a string");
  CHECK(error_of("[twilio]\nvalidate_signatures = \"yes\"\n")
        == "test.toml:2: twilio.validate_signatures: must be true or false");
  CHECK(error_of("server = 1\n") == "test.toml:1: server: must be a table");
  CHECK(error_of("[voice]\nhints = \"help\"\n")
        == "test.toml:2: voice.hints: must be an array of strings");
  CHECK(error_of("[voice]\nhints = [\"a\",\n  2]\n")
        == "test.toml:3: voice.hints[1]: must be a string");
  CHECK(error_of("[llm]\nendpoints = \"http://a\"\n")
        == "test.toml:2: llm.endpoints: must be an array of tables");
}

TEST_CASE("numbers out of bounds are refused", "[config]") {
  CHECK(error_of("[server]\nio_threads = 0\n")
        == "test.toml:2: server.io_threads: must be from 1 to 64 (got 0)");
  CHECK(error_of("[server]\nmax_body_bytes = 16777217\n")
          .find("server.max_body_bytes: must be from 1024 to 16777216")
        != std::string::npos);
  CHECK(error_of("[limits]\nwebhook_deadline_ms = 15000\n")
          .find("test.toml:2: limits.webhook_deadline_ms:")
        != std::string::npos);
  CHECK(error_of("[runtime]\nscheduler_threads = -1\n")
          .find("runtime.scheduler_threads:")
        != std::string::npos);
  CHECK(error_of("[storage]\nbatch_max = 100001\n").find("storage.batch_max:")
        != std::string::npos);
  CHECK(error_of("[storage]\nmax_pending_writes = 0\n")
          .find("storage.max_pending_writes: must be from 1 to 10000000")
        != std::string::npos);
  CHECK(error_of("[storage]\nbusy_timeout_ms = 5\n")
          .find("storage.busy_timeout_ms: must be from 10 to 60000")
        != std::string::npos);
  CHECK(error_of("[[llm.endpoints]]\nurl = \"http://a\"\n"
                 "[[llm.endpoints]]\nurl = \"http://b\"\nslots = 0\n")
        == "test.toml:5: llm.endpoints[1].slots: must be from 1 to 1024 "
           "(got 0)");
  CHECK(error_of("[[llm.endpoints]]\nurl = \"http://a\"\ngpu = 65\n")
          .find("llm.endpoints[0].gpu:")
        != std::string::npos);
}

TEST_CASE("connection and rate limits are read and bounded", "[config]") {
  auto cfg = parse("[server]\nmax_connections = 10100\nrate_limit_per_s = 50\n"
                   "rate_limit_burst = 200\nrate_limit_loopback = true\n");
  if (!cfg)
    FAIL(sb::what(cfg.error()));
  CHECK(cfg->server.max_connections == 10100);
  CHECK(cfg->server.rate_limit_per_s == 50);
  CHECK(cfg->server.rate_limit_burst == 200);
  CHECK(cfg->server.rate_limit_loopback);
  // Off by default: Twilio behind a local proxy all comes from loopback.
  CHECK(sb::config{}.server.rate_limit_per_s == 0);
  CHECK_FALSE(sb::config{}.server.rate_limit_loopback);
  CHECK(error_of("[server]\nmax_connections = 0\n")
        == "test.toml:2: server.max_connections: must be from 1 to 1000000 "
           "(got 0)");
  CHECK(error_of("\n[server]\nrate_limit_per_s = -1\n")
        == "test.toml:3: server.rate_limit_per_s: must be from 0 to 1000000 "
           "(got -1)");
  CHECK(
    error_of("[server]\nrate_limit_burst = 0\n")
      .find("test.toml:2: server.rate_limit_burst: must be from 1 to 1000000")
    != std::string::npos);
  CHECK(error_of("[server]\nrate_limit_loopback = 1\n")
        == "test.toml:2: server.rate_limit_loopback: must be true or false");
}

TEST_CASE("bad URLs are refused", "[config]") {
  for (const char* bad :
       {"ftp://h", "example.com", "http://", "https:///x", "http://a b", ""}) {
    CAPTURE(bad);
    auto why = error_of(std::string{"[server]\npublic_url = \""} + bad + "\"");
    CHECK(why.rfind("test.toml:2: server.public_url: ", 0) == 0);
  }
  CHECK(error_of("[twilio]\napi_base = \"api.twilio.com\"\n")
        == "test.toml:2: twilio.api_base: must start with http:// or "
           "https://");
  CHECK(error_of("[[tts.endpoints]]\nurl = \"tts:5002\"\n")
        == "test.toml:2: tts.endpoints[0].url: must start with http:// or "
           "https://");
  CHECK(error_of("[[llm.endpoints]]\ngpu = 1\n")
        == "test.toml:1: llm.endpoints[0].url: is required");
}

TEST_CASE("bad choices and empty strings are refused", "[config]") {
  CHECK(error_of("[llm]\nbackend = \"gpt\"\n")
        == "test.toml:2: llm.backend: must be one of scripted | ollama | "
           "openai (got \"gpt\")");
  CHECK(error_of("[tts]\nengine = \"festival\"\n").find("tts.engine:")
        != std::string::npos);
  CHECK(error_of("[log]\nlevel = \"verbose\"\n").find("log.level:")
        != std::string::npos);
  CHECK(error_of("[voice]\ngreeting = \"\"\n")
        == "test.toml:2: voice.greeting: must not be empty");
  CHECK(error_of("[storage]\npath = \"\"\n")
        == "test.toml:2: storage.path: must not be empty");
  CHECK(error_of("[voice]\nhints = [\"\"]\n").find("voice.hints[0]:")
        != std::string::npos);
  CHECK(error_of("[voice]\nhints = [\"" + std::string(101, 'x') + "\"]\n")
          .find("voice.hints[0]:")
        != std::string::npos);
  std::string many = "[voice]\nhints = [";
  for (int i = 0; i < 501; ++i)
    many += "\"h\",";
  CHECK(error_of(many + "]\n").find("voice.hints: must have at most 500")
        != std::string::npos);
}

TEST_CASE("backends that need endpoints must have one", "[config]") {
  CHECK(error_of("[llm]\nbackend = \"openai\"\nendpoints = []\n")
        == "test.toml:2: llm.endpoints: backend openai needs at least one "
           "endpoint");
  CHECK(error_of("[tts]\nengine = \"http\"\n")
        == "test.toml:2: tts.endpoints: engine http needs at least one "
           "endpoint");
  auto cfg = parse("[llm]\nendpoints = []\n");
  REQUIRE(cfg);
  CHECK(cfg->llm.endpoints.empty());
}

TEST_CASE("llm.mcp_servers and the tool pool's settings are read",
          "[config][mcp]") {
  temp_file token{"from-file\n"};
  auto cfg = parse("[llm]\nmax_tool_rounds = 0\nmcp_slots = 256\n"
                   "mcp_max_queue = 0\nmcp_timeout_ms = 100\n"
                   "[[llm.mcp_servers]]\nname = \"orders\"\n"
                   "url = \"http://127.0.0.1:9100/mcp/\"\ntoken = \"t1\"\n"
                   "tools = [\"lookup_order\", \"track.parcel\"]\n"
                   "[[llm.mcp_servers]]\nname = \"slots\"\n"
                   "url = \"https://mcp.example.com/v1/mcp\"\n"
                   "token_file = \""
                   + token.path + "\"\n");
  if (!cfg)
    FAIL(sb::what(cfg.error()));
  const auto& llm = cfg->llm;
  CHECK(llm.max_tool_rounds == 0);
  CHECK(llm.mcp_slots == 256);
  CHECK(llm.mcp_max_queue == 0);
  CHECK(llm.mcp_timeout_ms == 100);
  REQUIRE(llm.mcp_servers.size() == 2);
  CHECK(llm.mcp_servers[0].name == "orders");
  // The endpoint is the whole URL: a trailing '/' is kept.
  CHECK(llm.mcp_servers[0].url == "http://127.0.0.1:9100/mcp/");
  CHECK(llm.mcp_servers[0].token == "t1");
  CHECK(llm.mcp_servers[0].tools
        == std::vector<std::string>{"lookup_order", "track.parcel"});
  CHECK(llm.mcp_servers[1].url == "https://mcp.example.com/v1/mcp");
  CHECK(llm.mcp_servers[1].token == "from-file");
  CHECK(llm.mcp_servers[1].tools.empty());
  CHECK(parse("[llm]\nmcp_servers = []\n"));
}

TEST_CASE("bad llm.mcp_servers entries are refused, naming the entry",
          "[config][mcp]") {
  const std::string orders =
    "[[llm.mcp_servers]]\nname = \"orders\"\nurl = \"http://a/mcp\"\n";
  CHECK(error_of(orders + "[[llm.mcp_servers]]\nname = \"b\"\n")
        == "test.toml:4: llm.mcp_servers[1].url: is required");
  CHECK(error_of("[[llm.mcp_servers]]\nurl = \"http://a\"\n")
        == "test.toml:1: llm.mcp_servers[0].name: is required");
  CHECK(error_of(orders
                 + "[[llm.mcp_servers]]\nname = \"b\"\n"
                   "url = \"ftp://b/mcp\"\n")
        == "test.toml:6: llm.mcp_servers[1].url: must start with http:// or "
           "https://");
  CHECK(error_of("[[llm.mcp_servers]]\nname = \"\"\nurl = \"http://a\"\n")
        == "test.toml:2: llm.mcp_servers[0].name: must not be empty");
  CHECK(error_of(orders
                 + "[[llm.mcp_servers]]\nname = \"orders\"\n"
                   "url = \"http://b/mcp\"\n")
        == "test.toml:5: llm.mcp_servers[1].name: \"orders\" is the name of "
           "llm.mcp_servers[0] too");
  CHECK(error_of(orders + "tools = [\"a\", \"\"]\n")
        == "test.toml:4: llm.mcp_servers[0].tools[1]: must not be empty");
  CHECK(error_of(orders + "tools = \"a\"\n")
        == "test.toml:4: llm.mcp_servers[0].tools: must be an array of "
           "strings");
  CHECK(error_of(orders + "tool = [\"a\"]\n")
        == "test.toml:4: llm.mcp_servers[0].tool: unknown key");
  temp_file token{"x\n"};
  CHECK(
    error_of(orders + "token = \"a\"\ntoken_file = \"" + token.path + "\"\n")
    == "test.toml:5: llm.mcp_servers[0].token_file: set token or "
       "token_file, not both");
  CHECK(error_of("[llm]\nmcp_servers = \"http://a\"\n")
        == "test.toml:2: llm.mcp_servers: must be an array of tables");
}

TEST_CASE("the tool pool's settings are bounded", "[config][mcp]") {
  CHECK(error_of("[llm]\nmax_tool_rounds = 11\n")
        == "test.toml:2: llm.max_tool_rounds: must be from 0 to 10 (got 11)");
  CHECK(error_of("[llm]\nmcp_slots = 0\n")
        == "test.toml:2: llm.mcp_slots: must be from 1 to 256 (got 0)");
  CHECK(error_of("[llm]\nmcp_max_queue = 10001\n")
        == "test.toml:2: llm.mcp_max_queue: must be from 0 to 10000 (got "
           "10001)");
  CHECK(error_of("[llm]\nmcp_timeout_ms = 99\n")
        == "test.toml:2: llm.mcp_timeout_ms: must be from 100 to 60000 (got "
           "99)");
}

TEST_CASE("an unreadable config file is reported", "[config]") {
  auto missing = sb::load_config("/nonexistent/sb.toml", fake_env({}));
  REQUIRE_FALSE(missing);
  CHECK(sb::what(missing.error())
        == "/nonexistent/sb.toml: cannot read: No such file or directory");
  auto dir = sb::load_config(fs::temp_directory_path().string(), fake_env({}));
  REQUIRE_FALSE(dir);
  CHECK(sb::what(dir.error()).find(": cannot read: Is a directory")
        != std::string::npos);
}

TEST_CASE("load_config names the file in errors", "[config]") {
  temp_file file{"[server]\n\nio_threads = 99\n"};
  auto cfg = sb::load_config(file.path, fake_env({}));
  REQUIRE_FALSE(cfg);
  CHECK(sb::what(cfg.error())
        == file.path + ":3: server.io_threads: must be from 1 to 64 (got 99)");
}

TEST_CASE("*_file keys read secrets from files", "[config]") {
  temp_file token{"s3cret \n\n"};
  auto cfg = parse("[twilio]\nauth_token_file = \"" + token.path
                   + "\"\n[admin]\ntoken_file = \"" + token.path + "\"\n");
  if (!cfg)
    FAIL(sb::what(cfg.error()));
  CHECK(cfg->twilio.auth_token == "s3cret");
  CHECK(cfg->admin.token == "s3cret");
  // An empty key beside the file (as when uncommenting the shipped one).
  cfg = parse("[admin]\ntoken = \"\"\ntoken_file = \"" + token.path + "\"\n");
  REQUIRE(cfg);
  CHECK(cfg->admin.token == "s3cret");
}

TEST_CASE("bad *_file keys are refused", "[config]") {
  CHECK(error_of("[twilio]\nauth_token_file = \"/nonexistent/token\"\n")
        == "test.toml:2: twilio.auth_token_file: cannot read "
           "/nonexistent/token: No such file or directory");
  temp_file token{"x\n"};
  CHECK(
    error_of("[admin]\ntoken = \"a\"\ntoken_file = \"" + token.path + "\"\n")
    == "test.toml:3: admin.token_file: set token or token_file, not "
       "both");
  temp_file blank{" \n"};
  CHECK(error_of("[admin]\ntoken_file = \"" + blank.path + "\"\n")
        == "test.toml:2: admin.token_file: " + blank.path + " is empty");
  CHECK(error_of("[llm]\nrules_file = \"/nonexistent/rules\"\n")
          .find("test.toml:2: llm.rules_file: cannot read /nonexistent/rules:")
        != std::string::npos);
}

TEST_CASE("environment variables override the file", "[config]") {
  auto cfg = parse("[llm]\nmodel = \"from-file\"\n",
                   {{"TWILIO_ACCOUNT_SID", "ACenv"},
                    {"TWILIO_AUTH_TOKEN", "tok"},
                    {"TWILIO_PHONE_NUMBER", "+15550100"},
                    {"PUBLIC_URL", "https://abc.ngrok.io/"},
                    {"SILENCE_THRESHOLD_SECONDS", "5"},
                    {"OLLAMA_HOST", "10.0.0.2:11434"},
                    {"OLLAMA_MODEL", "llama3"}});
  if (!cfg)
    FAIL(sb::what(cfg.error()));
  CHECK(cfg->twilio.account_sid == "ACenv");
  CHECK(cfg->twilio.auth_token == "tok");
  CHECK(cfg->twilio.phone_number == "+15550100");
  CHECK(cfg->server.public_url == "https://abc.ngrok.io");
  CHECK(cfg->voice.speech_timeout == "5");
  // The prototype's audio path used it as the end-of-turn silence.
  CHECK(cfg->media.end_of_turn_ms == 5000);
  check_same_endpoints(cfg->llm.endpoints, {{"http://10.0.0.2:11434", 0, 4}});
  CHECK(cfg->llm.model == "llama3");
}

TEST_CASE("environment overrides are validated", "[config]") {
  CHECK(error_of("", {{"PUBLIC_URL", "abc.ngrok.io"}})
        == "PUBLIC_URL: must start with http:// or https://");
  CHECK(error_of("", {{"SILENCE_THRESHOLD_SECONDS", "0"}})
          .rfind("SILENCE_THRESHOLD_SECONDS: ", 0)
        == 0);
  CHECK(error_of("", {{"OLLAMA_HOST", "ftp://h"}}).rfind("OLLAMA_HOST: ", 0)
        == 0);
}

TEST_CASE("AUDIO_SAMPLE_RATE is 8000 or refused with the reason", "[config]") {
  CHECK(parse("", {{"AUDIO_SAMPLE_RATE", "8000"}}));
  auto why = error_of("", {{"AUDIO_SAMPLE_RATE", "16000"}});
  CHECK(why.rfind("AUDIO_SAMPLE_RATE: must be 8000", 0) == 0);
  CHECK_THAT(why, Catch::Contains("16000"));
}

TEST_CASE("the media transport's keys, and what it needs", "[config]") {
  auto cfg = parse("[voice]\ntransport = \"media\"\n"
                   "[twilio]\nauth_token = \"t\"\n"
                   "[media]\ngreeting_interruptible = false\n"
                   "max_reconnects = 5\nsend_chunk_ms = 40\n"
                   "send_lead_ms = 200\nkeep_caller_audio = true\n"
                   "caller_audio_dir = \"/var/lib/sb/heard\"\n");
  if (!cfg)
    FAIL(sb::what(cfg.error()));
  CHECK(cfg->voice.transport == "media");
  CHECK_FALSE(cfg->media.greeting_interruptible);
  CHECK(cfg->media.max_reconnects == 5);
  CHECK(cfg->media.send_chunk_ms == 40);
  CHECK(cfg->media.send_lead_ms == 200);
  CHECK(cfg->media.keep_caller_audio);
  CHECK(cfg->media.caller_audio_dir == "/var/lib/sb/heard");
  CHECK(error_of("[media]\nsend_lead_ms = 5000\n")
          .rfind("test.toml:2: media.send_lead_ms: ", 0)
        == 0);
  // Twilio's voices cannot speak into a stream.
  auto why = error_of("[voice]\ntransport = \"media\"\n"
                      "[twilio]\nauth_token = \"t\"\n"
                      "[tts]\nengine = \"say\"\n");
  CHECK_THAT(why, Catch::Contains("voice.transport: media needs tts.engine"));
  // Like relay, it signs its tokens with the auth token.
  CHECK_THAT(error_of("[voice]\ntransport = \"media\"\n"),
             Catch::Contains("media needs twilio.auth_token"));
}

TEST_CASE("empty environment variables count as unset", "[config]") {
  auto cfg = parse("[twilio]\nauth_token = \"file\"\n",
                   {{"TWILIO_AUTH_TOKEN", ""}, {"PUBLIC_URL", ""}});
  REQUIRE(cfg);
  CHECK(cfg->twilio.auth_token == "file");
  CHECK(cfg->server.public_url == "http://127.0.0.1:8000");
}

TEST_CASE("OLLAMA_HOST keeps the other endpoints", "[config]") {
  auto cfg = parse("[[llm.endpoints]]\nurl = \"http://a\"\ngpu = 3\n"
                   "[[llm.endpoints]]\nurl = \"http://b\"\n",
                   {{"OLLAMA_HOST", "https://c/"}});
  REQUIRE(cfg);
  check_same_endpoints(cfg->llm.endpoints,
                       {{"https://c", 3, 4}, {"http://b", 0, 4}});
  cfg = parse("[llm]\nendpoints = []\n", {{"OLLAMA_HOST", "h"}});
  REQUIRE(cfg);
  check_same_endpoints(cfg->llm.endpoints, {{"http://h", 0, 4}});
}

TEST_CASE("a null env_lookup means no overrides", "[config]") {
  auto cfg = sb::parse_config("", "x", sb::env_lookup{});
  REQUIRE(cfg);
  CHECK(cfg->server.public_url == "http://127.0.0.1:8000");
  CHECK(sb::process_env()("SB_CONFIG_TEST_SURELY_UNSET_VARIABLE")
        == std::nullopt);
}

TEST_CASE("the prototype's LLM and TTS switches are honoured", "[config]") {
  auto local = parse("", {{"USE_LOCAL_LLM", "true"}});
  REQUIRE(local);
  CHECK(local->llm.backend == "ollama");
  CHECK_FALSE(local->llm.endpoints.empty());
  auto canned = parse("[llm]\nbackend = \"openai\"\n",
                      {{"USE_LOCAL_LLM", "false"}});
  REQUIRE(canned);
  CHECK(canned->llm.backend == "scripted");
  CHECK(error_of("", {{"USE_LOCAL_LLM", "maybe"}}).rfind("USE_LOCAL_LLM: ", 0)
        == 0);

  auto twilio_voices = parse("", {{"USE_LOCAL_TTS", "false"}});
  REQUIRE(twilio_voices);
  CHECK(twilio_voices->tts.engine == "say");
  auto engine = parse("", {{"TTS_ENGINE", "say"}});
  REQUIRE(engine);
  CHECK(engine->tts.engine == "say");
  CHECK(error_of("", {{"TTS_ENGINE", "festival"}}).rfind("TTS_ENGINE: ", 0)
        == 0);
  // http needs somewhere to send the text.
  CHECK(error_of("", {{"TTS_ENGINE", "http"}}).find("tts.endpoints")
        != std::string::npos);
}

TEST_CASE("LLM and TTS limits are bounded", "[config]") {
  CHECK(error_of("[llm]\ntimeout_s = 0\n").find("llm.timeout_s")
        != std::string::npos);
  CHECK(error_of("[llm]\ntemperature = 3.5\n").find("llm.temperature")
        != std::string::npos);
  CHECK(error_of("[llm]\ntemperature = \"hot\"\n").find("must be a number")
        != std::string::npos);
  CHECK(error_of("[tts]\ncache_max_mb = 0\n").find("tts.cache_max_mb")
        != std::string::npos);
  CHECK(error_of("[tts]\nhttp_flavor = \"coqui\"\n").find("tts.http_flavor")
        != std::string::npos);
  CHECK(error_of("[limits]\nmax_await_redirects = 11\n")
          .find("limits.max_await_redirects")
        != std::string::npos);
  auto cfg = parse("[llm]\ntemperature = 1\nmax_queue = 0\n");
  REQUIRE(cfg);
  CHECK(cfg->llm.temperature == 1.0);
  CHECK(cfg->llm.max_queue == 0);
}

// Found by fuzz/config_fuzz.cpp: toml++ 3.3.0 reaches its "unreachable"
// branch when it asks whether some non-ASCII characters are white space
// (marzer/tomlplusplus#190). With the shipped library the loader must still
// answer: an error naming the line for a stray one at the start of a line,
// the text for one after a line-ending backslash in a multi-line string.
TEST_CASE("non-ASCII characters toml++ 3.3.0 misjudges as white space",
          "[config]") {
  CHECK(error_of("[runtime]\n\xd1\x96tcg the actors = 50\n")
          .rfind("test.toml:2:", 0)
        == 0);
  auto cfg = parse("[voice]\ngreeting = \"\"\"\\\n  \xc2\xa7 नमस्ते\"\"\"\n");
  REQUIRE(cfg);
  CHECK(cfg->voice.greeting == "\xc2\xa7 नमस्ते");
}

TEST_CASE("the transport and transfer keys of [voice] are read", "[config]") {
  auto cfg = parse("[twilio]\nauth_token = \"t\"\n"
                   "[voice]\ntransport = \"relay\"\n"
                   "transfer_number = \"+14155550100\"\n"
                   "transfer_message = \"Connecting you.\"\n");
  if (!cfg)
    FAIL(sb::what(cfg.error()));
  CHECK(cfg->voice.transport == "relay");
  CHECK(cfg->voice.transfer_number == "+14155550100");
  CHECK(cfg->voice.transfer_message == "Connecting you.");
  // The defaults: the webhook transport, no transfers.
  CHECK(sb::config{}.voice.transport == "gather");
  CHECK(sb::config{}.voice.transfer_number.empty());
  cfg = parse("[voice]\ntransfer_number = \"\"\n");
  REQUIRE(cfg);
  CHECK(cfg->voice.transfer_number.empty());
}

TEST_CASE("bad transport and transfer values name their key and line",
          "[config]") {
  CHECK(
    error_of("[voice]\ntransport = \"websocket\"\n")
    == "test.toml:2: voice.transport: must be one of gather | relay | media "
       "(got \"websocket\")");
  CHECK(error_of("[voice]\ntransport = \"Relay\"\n")
          .rfind("test.toml:2: voice.transport: ", 0)
        == 0);
  CHECK(error_of("[voice]\ntransport = 1\n")
        == "test.toml:2: voice.transport: must be a string");
  for (const char* bad : {"14155550100", "+0415555", "+1", "+1415555010O",
                          "+1 415 555 0100", "+1234567890123456", " "}) {
    CAPTURE(bad);
    CHECK(
      error_of(std::string{"[voice]\n\ntransfer_number = \""} + bad + "\"\n")
        .rfind("test.toml:3: voice.transfer_number: must be empty or an "
               "E.164 number",
               0)
      == 0);
  }
  CHECK(error_of("[voice]\ntransfer_message = \"\"\n")
        == "test.toml:2: voice.transfer_message: must not be empty");
}

TEST_CASE("every [relay] key is read", "[config]") {
  auto cfg = parse(R"([relay]
tts_provider = "ElevenLabs"
voice = "UgBBYS2sOqTuMpoF3BR0"
transcription_provider = "Deepgram"
speech_model = "nova-3-general"
interruptible = "speech"
dtmf_detection = false
max_reconnects = 0
token_max_age_s = 86400
idle_timeout_s = 5
max_frame_bytes = 1048576
send_queue_frames = 16
)");
  if (!cfg)
    FAIL(sb::what(cfg.error()));
  const auto& r = cfg->relay;
  CHECK(r.tts_provider == "ElevenLabs");
  CHECK(r.voice == "UgBBYS2sOqTuMpoF3BR0");
  CHECK(r.transcription_provider == "Deepgram");
  CHECK(r.speech_model == "nova-3-general");
  CHECK(r.interruptible == "speech");
  CHECK_FALSE(r.dtmf_detection);
  CHECK(r.max_reconnects == 0);
  CHECK(r.token_max_age_s == 86400);
  CHECK(r.idle_timeout_s == 5);
  CHECK(r.max_frame_bytes == 1048576);
  CHECK(r.send_queue_frames == 16);
  // The other ends of each range, and the empty choices.
  cfg = parse("[relay]\ntts_provider = \"Amazon\"\n"
              "transcription_provider = \"\"\ninterruptible = \"none\"\n"
              "max_reconnects = 100\ntoken_max_age_s = 10\n"
              "idle_timeout_s = 3600\nmax_frame_bytes = 1024\n"
              "send_queue_frames = 100000\n");
  if (!cfg)
    FAIL(sb::what(cfg.error()));
  CHECK(cfg->relay.tts_provider == "Amazon");
  CHECK(cfg->relay.transcription_provider.empty());
  CHECK(cfg->relay.interruptible == "none");
  CHECK(cfg->relay.max_reconnects == 100);
  CHECK(cfg->relay.token_max_age_s == 10);
  CHECK(cfg->relay.idle_timeout_s == 3600);
  CHECK(cfg->relay.max_frame_bytes == 1024);
  CHECK(cfg->relay.send_queue_frames == 100000);
  for (const char* choice : {"Google", "Amazon", "ElevenLabs"})
    CHECK(parse(std::string{"[relay]\ntts_provider = \""} + choice + "\"\n")
            ->relay.tts_provider
          == choice);
  for (const char* choice : {"none", "dtmf", "speech", "any"})
    CHECK(parse(std::string{"[relay]\ninterruptible = \""} + choice + "\"\n")
            ->relay.interruptible
          == choice);
  CHECK(parse("[relay]\ntranscription_provider = \"Google\"\n")
          ->relay.transcription_provider
        == "Google");
}

TEST_CASE("bad [relay] values name their key and line", "[config]") {
  CHECK(error_of("[relay]\ntts_provider = \"Polly\"\n")
        == "test.toml:2: relay.tts_provider: must be one of Google | Amazon | "
           "ElevenLabs (got \"Polly\")");
  CHECK(error_of("[relay]\ntts_provider = \"\"\n")
          .rfind("test.toml:2: relay.tts_provider: must be one of", 0)
        == 0);
  CHECK(error_of("[relay]\ntts_provider = \"google\"\n")
          .rfind("test.toml:2: relay.tts_provider: ", 0)
        == 0);
  CHECK(error_of("[relay]\ntranscription_provider = \"Whisper\"\n")
        == "test.toml:2: relay.transcription_provider: must be one of \"\" | "
           "Google | Deepgram (got \"Whisper\")");
  CHECK(error_of("[relay]\ninterruptible = true\n")
        == "test.toml:2: relay.interruptible: must be a string");
  CHECK(
    error_of("[relay]\ninterruptible = \"always\"\n")
      .rfind("test.toml:2: relay.interruptible: must be one of none | dtmf | "
             "speech | any",
             0)
    == 0);
  CHECK(error_of("[relay]\nvoice = 3\n")
        == "test.toml:2: relay.voice: must be a string");
  CHECK(error_of("[relay]\nspeech_model = []\n")
        == "test.toml:2: relay.speech_model: must be a string");
  CHECK(error_of("[relay]\ndtmf_detection = \"yes\"\n")
        == "test.toml:2: relay.dtmf_detection: must be true or false");
  CHECK(error_of("[relay]\nmax_reconnects = 101\n")
        == "test.toml:2: relay.max_reconnects: must be from 0 to 100 "
           "(got 101)");
  CHECK(error_of("[relay]\nmax_reconnects = -1\n")
        == "test.toml:2: relay.max_reconnects: must be from 0 to 100 "
           "(got -1)");
  CHECK(error_of("[relay]\ntoken_max_age_s = 9\n")
        == "test.toml:2: relay.token_max_age_s: must be from 10 to 86400 "
           "(got 9)");
  CHECK(error_of("[relay]\ntoken_max_age_s = 86401\n")
          .rfind("test.toml:2: relay.token_max_age_s: ", 0)
        == 0);
  CHECK(error_of("[relay]\nidle_timeout_s = 4\n")
        == "test.toml:2: relay.idle_timeout_s: must be from 5 to 3600 "
           "(got 4)");
  CHECK(error_of("[relay]\nidle_timeout_s = 3601\n")
          .rfind("test.toml:2: relay.idle_timeout_s: ", 0)
        == 0);
  CHECK(error_of("[relay]\nmax_frame_bytes = 1023\n")
        == "test.toml:2: relay.max_frame_bytes: must be from 1024 to 1048576 "
           "(got 1023)");
  CHECK(error_of("[relay]\nmax_frame_bytes = 1048577\n")
          .rfind("test.toml:2: relay.max_frame_bytes: ", 0)
        == 0);
  CHECK(error_of("[relay]\nsend_queue_frames = 15\n")
        == "test.toml:2: relay.send_queue_frames: must be from 16 to 100000 "
           "(got 15)");
  CHECK(error_of("[relay]\nsend_queue_frames = 100001\n")
          .rfind("test.toml:2: relay.send_queue_frames: ", 0)
        == 0);
  CHECK(error_of("[relay]\nidle_timeout_s = 60.0\n")
        == "test.toml:2: relay.idle_timeout_s: must be an integer");
  CHECK(error_of("[relay]\nidle_timeout = 60\n")
        == "test.toml:2: relay.idle_timeout: unknown key");
  CHECK(error_of("relay = \"on\"\n") == "test.toml:1: relay: must be a table");
}

TEST_CASE("the relay transport needs a key to sign its socket tokens",
          "[config]") {
  const std::string relay = "[voice]\n\ntransport = \"relay\"\n";
  // Signatures on (the default) and no auth token: refused at the
  // transport's line, naming the keys to set.
  auto why = error_of(relay);
  CHECK(why.rfind("test.toml:3: voice.transport: relay needs "
                  "twilio.auth_token",
                  0)
        == 0);
  CHECK_THAT(why, Catch::Contains("twilio.validate_signatures = false"));
  // A token from the file, from *_file, or from the environment will do.
  CHECK(parse("[twilio]\nauth_token = \"t\"\n" + relay));
  CHECK(parse(relay, {{"TWILIO_AUTH_TOKEN", "t"}}));
  // So does turning signatures off (local experiments).
  auto off = parse("[twilio]\nvalidate_signatures = false\n" + relay);
  REQUIRE(off);
  CHECK(off->voice.transport == "relay");
  // An empty environment variable is unset: still refused.
  CHECK(error_of(relay, {{"TWILIO_AUTH_TOKEN", ""}})
          .rfind("test.toml:3: voice.transport: ", 0)
        == 0);
  // The gather transport needs neither.
  CHECK(parse("[voice]\ntransport = \"gather\"\n"));
}

TEST_CASE("the relay transport takes an http or https public_url", "[config]") {
  const std::string relay =
    "[twilio]\nauth_token = \"t\"\n[voice]\ntransport = \"relay\"\n";
  for (const char* url : {"https://sb.example.com", "http://127.0.0.1:8000",
                          "https://example.com/base/"}) {
    CAPTURE(url);
    auto cfg = parse(relay + "[server]\npublic_url = \"" + url + "\"\n");
    if (!cfg)
      FAIL(sb::what(cfg.error()));
  }
  auto env = parse(relay, {{"PUBLIC_URL", "https://abc.ngrok.io/"}});
  REQUIRE(env);
  CHECK(env->server.public_url == "https://abc.ngrok.io");
  // Nothing else reaches the check: public_url is held to http(s):// as it
  // is read, from the file and from PUBLIC_URL alike.
  CHECK(error_of(relay + "[server]\npublic_url = \"wss://sb.example.com\"\n")
        == "test.toml:6: server.public_url: must start with http:// or "
           "https://");
  CHECK(error_of(relay, {{"PUBLIC_URL", "ws://abc.ngrok.io"}})
        == "PUBLIC_URL: must start with http:// or https://");
}

TEST_CASE("the keys that end a call with a real model are read", "[config]") {
  // The defaults: the scripted goodbye rule's keywords, the tool offered.
  const sb::config defaults;
  CHECK(
    defaults.llm.goodbye_words
    == std::vector<std::string>{"bye", "goodbye", "अलविदा", "बाय", "फिर मिलेंगे"});
  CHECK(defaults.llm.end_call_tool);
  CHECK(defaults.voice.goodbye_message
        == "Thank you for calling. Dhanyavaad, goodbye!");
  auto cfg = parse("[voice]\ngoodbye_message = \"Bye now.\"\n"
                   "[llm]\ngoodbye_words = [\"ciao\", \"See you\", "
                   "\"नमस्ते जी\"]\nend_call_tool = false\n");
  if (!cfg)
    FAIL(sb::what(cfg.error()));
  CHECK(cfg->voice.goodbye_message == "Bye now.");
  CHECK(cfg->llm.goodbye_words
        == std::vector<std::string>{"ciao", "See you", "नमस्ते जी"});
  CHECK_FALSE(cfg->llm.end_call_tool);
  // An empty list: only the model's tool ends a call.
  cfg = parse("[llm]\ngoodbye_words = []\n");
  REQUIRE(cfg);
  CHECK(cfg->llm.goodbye_words.empty());
}

TEST_CASE("bad goodbye keys name their key and line", "[config]") {
  CHECK(error_of("[llm]\ngoodbye_words = \"bye\"\n")
        == "test.toml:2: llm.goodbye_words: must be an array of strings");
  CHECK(error_of("[llm]\ngoodbye_words = [\"bye\",\n  3]\n")
        == "test.toml:3: llm.goodbye_words[1]: must be a string");
  CHECK(error_of("[llm]\ngoodbye_words = [\"\"]\n")
        == "test.toml:2: llm.goodbye_words[0]: must be 1 to 100 bytes long");
  CHECK(error_of("[llm]\ngoodbye_words = [\"" + std::string(101, 'b') + "\"]\n")
        == "test.toml:2: llm.goodbye_words[0]: must be 1 to 100 bytes long");
  CHECK(error_of("[llm]\ngoodbye_words = [\"bye\", \" ?! \"]\n")
        == "test.toml:2: llm.goodbye_words[1]: must hold a word (a letter or "
           "digit), not only spaces and punctuation");
  std::string many = "[llm]\ngoodbye_words = [";
  for (int i = 0; i < 101; ++i)
    many += "\"w" + std::to_string(i) + "\",";
  CHECK(error_of(many + "]\n")
        == "test.toml:2: llm.goodbye_words: must have at most 100 entries");
  CHECK(error_of("[llm]\nend_call_tool = \"yes\"\n")
        == "test.toml:2: llm.end_call_tool: must be true or false");
  CHECK(error_of("[voice]\ngoodbye_message = \"\"\n")
        == "test.toml:2: voice.goodbye_message: must not be empty");
  // A Devanagari phrase is a word; 100 bytes is the limit, not 100 letters.
  CHECK(parse("[llm]\ngoodbye_words = [\"अलविदा\"]\n"));
}

TEST_CASE("the speech-in keys are read", "[config][stt]") {
  auto cfg = parse(R"(
[media]
vad = "both"
webrtc_aggressiveness = 3
speech_start_ms = 100
end_of_turn_ms = 800
min_utterance_ms = 0
max_utterance_s = 60
min_level_dbfs = -60
preroll_ms = 0
barge_in_ms = 700
backchannel_words = ["mm", "हाँ"]
[stt]
engine = "whisper"
fallback = ""
language = ""
timeout_ms = 2500
max_queue = 0
[[stt.endpoints]]
url = "http://gpu0:8080/"
[[stt.endpoints]]
url = "http://gpu1:8080"
gpu = 1
slots = 3
)");
  if (!cfg)
    FAIL(sb::what(cfg.error()));
  CHECK(cfg->media.vad == "both");
  CHECK(cfg->media.webrtc_aggressiveness == 3);
  CHECK(cfg->media.speech_start_ms == 100);
  CHECK(cfg->media.end_of_turn_ms == 800);
  CHECK(cfg->media.min_utterance_ms == 0);
  CHECK(cfg->media.max_utterance_s == 60);
  CHECK(cfg->media.min_level_dbfs == -60);
  CHECK(cfg->media.preroll_ms == 0);
  CHECK(cfg->media.barge_in_ms == 700);
  CHECK(cfg->media.backchannel_words == std::vector<std::string>{"mm", "हाँ"});
  CHECK(cfg->stt.engine == "whisper");
  CHECK(cfg->stt.fallback.empty());
  CHECK(cfg->stt.language.empty());
  CHECK(cfg->stt.timeout_ms == 2500);
  CHECK(cfg->stt.max_queue == 0);
  // A whisper.cpp server recognises one utterance at a time: an entry
  // without slots gets 1, not the LLM pool's 4.
  check_same_endpoints(cfg->stt.endpoints, {{"http://gpu0:8080", 0, 1},
                                            {"http://gpu1:8080", 1, 3}});
}

TEST_CASE("bad speech-in keys are refused with the key named",
          "[config][stt]") {
  CHECK_THAT(error_of("[media]\nvad = \"silero\"\n"),
             Catch::Contains("media.vad: must be one of energy | webrtc | "
                             "both"));
  CHECK_THAT(error_of("[media]\nend_of_turn_ms = 50\n"),
             Catch::Contains("media.end_of_turn_ms: must be from 100"));
  CHECK_THAT(error_of("[media]\nbackchannel_words = [\"mm\", \"...\"]\n"),
             Catch::Contains("media.backchannel_words[1]"));
  CHECK_THAT(error_of("[stt]\nengine = \"whisper\"\n"),
             Catch::Contains("stt.endpoints: engine whisper needs at least "
                             "one endpoint"));
  CHECK_THAT(error_of("[stt]\nengine = \"openai\"\nmodel = \"\"\n"
                      "[[stt.endpoints]]\nurl = \"http://a\"\n"),
             Catch::Contains("stt.model: must not be empty"));
  CHECK_THAT(error_of("[stt]\nworkers = 0\n"),
             Catch::Contains("stt.workers: must be from 1 to 64"));
}

TEST_CASE("a missing pocketsphinx model names the key and the path",
          "[config][stt]") {
  // Set in the file: its line is named.
  auto why = error_of("[stt]\npocketsphinx_dir = \"/nonexistent/model\"\n");
  CHECK_THAT(why, Catch::Contains("test.toml:2"));
  CHECK_THAT(why, Catch::Contains("stt.pocketsphinx_dir: cannot read "
                                  "/nonexistent/model/en-us/mdef"));
  CHECK_THAT(why, Catch::Contains("pocketsphinx-en-us"));
  // Needed by the fallback alone, too.
  CHECK_THAT(error_of("[stt]\nengine = \"whisper\"\n"
                      "pocketsphinx_dir = \"/nonexistent\"\n"
                      "[[stt.endpoints]]\nurl = \"http://a\"\n"),
             Catch::Contains("stt.pocketsphinx_dir"));
  // Not needed at all: not checked.
  auto cfg = parse("[stt]\nengine = \"whisper\"\nfallback = \"\"\n"
                   "pocketsphinx_dir = \"/nonexistent\"\n"
                   "[[stt.endpoints]]\nurl = \"http://a\"\n");
  CHECK(cfg);
}

TEST_CASE("every [console] key is read", "[config][console]") {
  auto cfg = parse(R"([console]
listen = "[::1]:9001"
session_idle_minutes = 1440
max_sessions = 2
login_failures_per_minute = 1
max_streams = 1000
heartbeat_s = 300
max_export_rows = 10
page_size = 500
)");
  if (!cfg)
    FAIL(sb::what(cfg.error()));
  CHECK(cfg->console.listen == "[::1]:9001");
  CHECK(cfg->console.listen_host == "::1");
  CHECK(cfg->console.listen_port == 9001);
  CHECK(cfg->console.session_idle_minutes == 1440);
  CHECK(cfg->console.max_sessions == 2);
  CHECK(cfg->console.login_failures_per_minute == 1);
  CHECK(cfg->console.max_streams == 1000);
  CHECK(cfg->console.heartbeat_s == 300);
  CHECK(cfg->console.max_export_rows == 10);
  CHECK(cfg->console.page_size == 500);
}

TEST_CASE("an empty console.listen turns the console off",
          "[config][console]") {
  auto cfg = parse("[console]\nlisten = \"\"\n");
  REQUIRE(cfg);
  CHECK(cfg->console.listen.empty());
}

TEST_CASE("bad [console] values name their key and line", "[config][console]") {
  CHECK(error_of("[console]\nlisten = \"8001\"\n")
        == "test.toml:2: console.listen: must be host:port or [v6]:port");
  CHECK(error_of("[console]\nsession_idle_minutes = 0\n")
        == "test.toml:2: console.session_idle_minutes: must be from 1 to "
           "1440 (got 0)");
  CHECK(error_of("[console]\nmax_sessions = 10001\n")
        == "test.toml:2: console.max_sessions: must be from 1 to 10000 (got "
           "10001)");
  CHECK(error_of("[console]\nlogin_failures_per_minute = 0\n")
        == "test.toml:2: console.login_failures_per_minute: must be from 1 "
           "to 1000 (got 0)");
  CHECK(error_of("[console]\nmax_streams = 0\n")
        == "test.toml:2: console.max_streams: must be from 1 to 1000 (got 0)");
  CHECK(error_of("[console]\nheartbeat_s = 301\n")
        == "test.toml:2: console.heartbeat_s: must be from 1 to 300 (got "
           "301)");
  CHECK(error_of("[console]\nmax_export_rows = 0\n")
        == "test.toml:2: console.max_export_rows: must be from 1 to "
           "10000000 (got 0)");
  CHECK(error_of("[console]\npage_size = 9\n")
        == "test.toml:2: console.page_size: must be from 10 to 500 (got 9)");
  CHECK(error_of("[console]\nlisten = 8001\n")
        == "test.toml:2: console.listen: must be a string");
  CHECK(error_of("[console]\npages = 1\n")
        == "test.toml:2: console.pages: unknown key");
}

TEST_CASE("the console never listens on the public port", "[config][console]") {
  CHECK(error_of("[server]\nlisten = \"0.0.0.0:8000\"\n"
                 "[console]\nlisten = \"127.0.0.1:8000\"\n")
        == "test.toml:4: console.listen: must not use the public listener's "
           "port 8000 (server.listen): the console is for operators only");
  // The default console port against a public listener moved onto it.
  CHECK(error_of("[server]\nlisten = \"127.0.0.1:8001\"\n")
          .rfind("test.toml:1: console.listen: must not use the public", 0)
        == 0);
  // Port 0 picks a free port, which is never the other listener's.
  CHECK(parse("[server]\nlisten = \"127.0.0.1:0\"\n"
              "[console]\nlisten = \"127.0.0.1:0\"\n"));
  CHECK(parse("[server]\nlisten = \"127.0.0.1:8001\"\n"
              "[console]\nlisten = \"\"\n"));
}

TEST_CASE("every [mcp] key is read", "[config][mcp]") {
  auto cfg = parse(R"([mcp]
allow_actions = true
allowed_origins = ["http://localhost:6274", "HTTPS://Tools.Example.COM",
                   "http://[::1]:8080", "app+x://h:0"]
)");
  if (!cfg)
    FAIL(sb::what(cfg.error()));
  CHECK(cfg->mcp.allow_actions);
  // Lower-cased, as browsers send an Origin.
  CHECK(cfg->mcp.allowed_origins
        == std::vector<std::string>{"http://localhost:6274",
                                    "https://tools.example.com",
                                    "http://[::1]:8080", "app+x://h:0"});
}

TEST_CASE("[mcp] defaults: actions off, only the console's own origin",
          "[config][mcp]") {
  auto cfg = parse("");
  REQUIRE(cfg);
  CHECK_FALSE(cfg->mcp.allow_actions);
  CHECK(cfg->mcp.allowed_origins.empty());
}

TEST_CASE("bad [mcp] values name their key and line", "[config][mcp]") {
  const std::string shape =
    "must look like scheme://host[:port] as a browser sends Origin, e.g. "
    "\"http://localhost:6274\" (got \"";
  // The entry's own line.
  CHECK(error_of("[mcp]\nallowed_origins = [\"http://a\",\n"
                 "  \"localhost:6274\"]\n")
        == "test.toml:3: mcp.allowed_origins[1]: " + shape
             + "localhost:6274\")");
  for (const char* bad :
       {"http://a/", "http://a/path", "http://", "://a", "1http://a",
        "http://a:", "http://a:65536", "http://a:x", "http://u@a",
        "http://[::1", "http://[]", "http://[::1]x", "http://a b", "ht_tp://a",
        "http://a]"}) {
    INFO(bad);
    CHECK(error_of(std::string{"[mcp]\nallowed_origins = [\""} + bad + "\"]\n")
          == "test.toml:2: mcp.allowed_origins[0]: " + shape + bad + "\")");
  }
  CHECK(error_of("[mcp]\nallowed_origins = \"http://a\"\n")
        == "test.toml:2: mcp.allowed_origins: must be an array of strings");
  CHECK(error_of("[mcp]\nallowed_origins = [1]\n")
        == "test.toml:2: mcp.allowed_origins[0]: must be a string");
  CHECK(error_of("[mcp]\nallow_actions = \"yes\"\n")
        == "test.toml:2: mcp.allow_actions: must be true or false");
  CHECK(error_of("[mcp]\nallow_action = true\n")
        == "test.toml:2: mcp.allow_action: unknown key");
}

TEST_CASE("SWITCHBOARD_ADMIN_TOKEN overrides admin.token",
          "[config][console]") {
  auto cfg = parse("[admin]\ntoken = \"from-file\"\n",
                   {{"SWITCHBOARD_ADMIN_TOKEN", "from-env"}});
  REQUIRE(cfg);
  CHECK(cfg->admin.token == "from-env");
  temp_file token{"from-token-file\n"};
  cfg = parse("[admin]\ntoken_file = \"" + token.path + "\"\n",
              {{"SWITCHBOARD_ADMIN_TOKEN", "from-env"}});
  REQUIRE(cfg);
  CHECK(cfg->admin.token == "from-env");
  // Set but empty counts as unset, as for the prototype's variables.
  cfg = parse("[admin]\ntoken = \"from-file\"\n",
              {{"SWITCHBOARD_ADMIN_TOKEN", ""}});
  REQUIRE(cfg);
  CHECK(cfg->admin.token == "from-file");
}
