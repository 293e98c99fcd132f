// The daemon's configuration: one validated struct, loaded once at start-up
// from a TOML file (toml++) with environment overrides. Every key has a
// default and bounds; the shipped config.toml documents each one.
//
// Reload: keys marked [reloadable] may change on SIGHUP/`reload` (issue on
// operations); all others need a restart.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

namespace sb {

struct server_config {
  std::string listen = "127.0.0.1:8000"; // host:port; port 0 = any free
  std::string listen_host = "127.0.0.1"; // derived from listen
  uint16_t listen_port = 8000;           // derived from listen
  std::string public_url = "http://127.0.0.1:8000"; // no trailing slash
  int io_threads = 2;                               // 1..64
  uint64_t max_body_bytes = 65536;                  // 1 KiB .. 16 MiB
  int header_timeout_ms = 10000;    // time to receive a whole header
  int body_timeout_ms = 10000;      // time to receive the body
  int idle_timeout_ms = 60000;      // keep-alive idle limit
  int max_connections = 20000;      // open at once, 1..1000000
  int rate_limit_per_s = 0;         // requests/s per client IP; 0 = off
  int rate_limit_burst = 100;       // requests at once, 1..1000000
  bool rate_limit_loopback = false; // limit 127.0.0.0/8 and ::1 too
};

struct twilio_config {
  std::string account_sid;  // env TWILIO_ACCOUNT_SID
  std::string auth_token;   // env TWILIO_AUTH_TOKEN / auth_token_file
  std::string phone_number; // env TWILIO_PHONE_NUMBER
  std::string api_base = "https://api.twilio.com";
  bool validate_signatures = true;
  // Outbound calls placed by /make-call:
  std::string machine_detection = "DetectMessageEnd"; // | Enable | off
  bool async_amd = false;      // AMD result via /amd-status
  bool record = true;          // Record=true, /recording-status
  int rest_timeout_ms = 10000; // one REST request, 100..60000
  int rest_max_attempts = 4;   // tries on 429/5xx, 1..10
};

struct voice_config { // [reloadable] all of them
  std::string language = "hi-IN";
  std::string voice = "Polly.Aditi";
  std::string greeting =
    "Namaste! Hello! I am your AI voice assistant. "
    "You can speak in Hindi or English. How can I help you today?";
  std::string speech_timeout =
    "3"; // seconds, or "auto"; env SILENCE_THRESHOLD_SECONDS
  std::string speech_model = "experimental_conversations";
  bool enhanced = true;
  std::vector<std::string> hints = {"hello",   "help",      "goodbye",
                                    "bye",     "namaste",   "haan",
                                    "nahi",    "account",   "order",
                                    "payment", "dhanyavaad"};
  std::string reprompt =
    "Sorry, I did not catch that. Could you please repeat?";
  std::string apology =
    "Sorry, I am having trouble answering right now. Could you say that again?";
  std::string busy_message =
    "All our lines are busy right now. Please call again later. Goodbye.";
  std::string silence_goodbye =
    "I have not heard anything, so I will end the call now. Goodbye.";
  int max_silent_prompts = 3; // empty results in a row before hanging up
  std::string filler =
    "One moment please."; // said while the reply is not ready
  // What an answering machine gets (AnsweredBy machine_* or fax):
  std::string machine_action = "message"; // message | hangup | continue
  std::string machine_message =
    "Hello, this is the automated assistant. Sorry we missed you. "
    "Please call us back at your convenience. Goodbye.";
  // gather: each turn is a webhook answered with TwiML; relay: Twilio's
  // ConversationRelay holds a WebSocket per call (section [relay]);
  // media: Twilio Media Streams, raw audio both ways over a WebSocket per
  // call, heard and spoken by switchboard itself ([media], [stt], [tts]).
  std::string transport = "gather"; // gather | relay | media (new calls)
  // Where a transfer intent connects the caller (E.164); empty = no
  // transfers: the intent is answered like any other words.
  std::string transfer_number;
  std::string transfer_message =
    "Please hold while I connect you to a colleague.";
  // Said when a model ends the call (its end_call tool) without a word.
  std::string goodbye_message = "Thank you for calling. Dhanyavaad, goodbye!";
};

// [reloadable]: what the TwiML says (providers, voice, interruptible,
// dtmf_detection) and max_reconnects; the socket limits need a restart.
struct relay_config {                  // voice.transport = "relay"
  std::string tts_provider = "Google"; // Google | Amazon | ElevenLabs
  std::string voice; // the provider's voice; empty = its default
  std::string
    transcription_provider; // Google | Deepgram; empty = Twilio's default
  std::string speech_model; // empty = the provider's default
  std::string interruptible = "any"; // none | dtmf | speech | any
  bool dtmf_detection = true;        // dtmf frames from the keypad
  int max_reconnects = 3;            // new sessions after a failed one, 0..100
  int token_max_age_s = 300;         // a session token's life, 10..86400
  int idle_timeout_s =
    60; // silent socket: ping at half, close at whole, 5..3600
  int max_frame_bytes = 65536;  // larger frames close the socket, 1024..1048576
  int send_queue_frames = 1024; // frames waiting to be written, 16..100000
};

struct endpoint_config {
  std::string url;
  int gpu = 0;
  int slots = 4;
};

/// [[llm.mcp_servers]]: an MCP server whose tools the call's model may use
/// (Streamable HTTP). Needs a restart to add or remove; its tools are
/// listed again at start and on reload.
struct mcp_server_config {
  std::string name;  // unique; names the server in logs and turns
  std::string url;   // the MCP endpoint, e.g. http://127.0.0.1:9100/mcp
  std::string token; // bearer credential (or token_file); may be empty
  std::vector<std::string> tools; // allow-list of tool names; empty = all
};

struct llm_config {
  std::string backend = "scripted"; // scripted | ollama | openai
  std::string model = "qwen2.5-coder:32b-instruct-q4_K_M";
  std::string system_prompt =
    "You are a helpful phone assistant. Answer briefly, in the caller's "
    "language (Hindi or English), in one or two spoken sentences.";
  std::string system_prompt_hi; // per-language override; empty = system_prompt
  std::string system_prompt_en;
  int max_history_turns = 20;    // 1..1000
  int timeout_s = 30;            // one model request, 1..600
  int max_queue = 64;            // turns waiting for a free slot, 0..100000
  int max_reply_chars = 400;     // spoken reply cap, 20..4000
  double temperature = 0.7;      // 0..2
  int num_predict = 256;         // max tokens, 1..8192
  std::string keep_alive = "5m"; // ollama: keep the model loaded
  std::string api_key;           // openai: bearer key (or api_key_file)
  std::string rules_file;        // scripted rules; empty = built in
  // ollama/openai: the caller's words that end the call after the reply
  // (whole words, any case; core/spoken_words.hpp); empty = only
  // the model's end_call tool ends it. The scripted backend uses its rules.
  std::vector<std::string> goodbye_words = {"bye", "goodbye", "अलविदा", "बाय",
                                            "फिर मिलेंगे"};
  bool end_call_tool = true; // ollama/openai: offer end_call
  // ollama/openai: MCP tools for the call's model (backends/mcp).
  std::vector<mcp_server_config> mcp_servers;
  int max_tool_rounds = 3;   // model rounds with tool calls per turn, 0..10
  int mcp_slots = 4;         // tool calls running at once, 1..256
  int mcp_max_queue = 16;    // tool calls waiting for a slot, 0..10000
  int mcp_timeout_ms = 3000; // one tool call, 100..60000
  std::vector<endpoint_config> endpoints = {{"http://127.0.0.1:11434", 0, 4}};
};

struct tts_config {
  std::string engine = "espeak"; // say | espeak | http
  std::string voice = "hi";
  std::string cache_dir = "audio-cache";
  int cache_max_mb = 256;             // LRU-evicted beyond, 1..1000000
  int timeout_ms = 3000;              // one synthesis, 100..14000
  std::string http_flavor = "openai"; // openai | xtts | piper
  std::string api_key;                // http: bearer key (or api_key_file)
  std::vector<endpoint_config> endpoints;
};

// [media]: how switchboard hears the caller itself (speech in): voice
// activity, the caller's turn, barge-in while we speak
// (backends/vad/turn_detector.hpp). Needs a restart.
struct media_config {
  std::string vad = "energy";    // energy | webrtc | both
  int webrtc_aggressiveness = 2; // webrtc/both: 0 (least) .. 3 (most)
  int speech_start_ms = 200;     // voiced time before speech counts, 20..2000
  int end_of_turn_ms = 600;      // silence that ends the turn, 100..10000
  int min_utterance_ms = 250;    // shorter utterances dropped, 0..10000
  int max_utterance_s = 30;      // an utterance is cut here, 1..600
  int min_level_dbfs = -45;      // quieter utterances dropped, -90..0
  int preroll_ms = 300;          // audio kept from before the start, 0..2000
  int barge_in_ms = 500;         // speech over our voice that interrupts
  // Words that never interrupt us, whole words, any case: an utterance
  // made only of these while we speak is a backchannel, not a barge-in.
  std::vector<std::string> backchannel_words = {
    "mm",  "mhm",   "hmm",  "uh",   "huh",  "ok",  "okay",  "yes",   "yeah",
    "yep", "right", "sure", "haan", "han",  "ji",  "achha", "accha", "theek",
    "hai", "हाँ",    "हां",   "जी",   "अच्छा", "ठीक", "है"};
  // voice.transport = "media" (Twilio Media Streams): the stream's
  // limits and pacing. Needs a restart, like the rest of [media].
  bool greeting_interruptible = true; // the caller may talk over the greeting
  int max_reconnects = 3;             // new streams after a failed one, 0..100
  int start_timeout_ms = 5000;        // upgrade to `start`, 500..60000
  int idle_timeout_s = 30;      // silent socket: ping at half, close, 5..3600
  int max_frame_bytes = 16384;  // larger frames close the socket, 1024..1048576
  int max_payload_bytes = 8000; // decoded audio per frame (1 s), 160..65536
  int send_queue_frames = 256;  // frames waiting to be written, 16..100000
  int send_chunk_ms = 60;       // audio per outbound media frame, 20..200
  int send_lead_ms = 160;       // audio sent ahead of playback, 40..1000
  int mark_timeout_s = 10;      // a mark not echoed this long after its audio
                                // should have played: the peer is not playing
                                // (or reading) our audio; closed 1008, 2..600
  int reprompt_after_s = 8;     // listening in silence this long re-prompts,
                                // 2..120 (voice.max_silent_prompts ends it)
  // Each caller utterance saved as a WAV under caller_audio_dir, its path
  // in the user turn (turns.audio), to hear what the recogniser misheard.
  bool keep_caller_audio = false;
  // Relative paths are beside the database (storage.path's directory).
  std::string caller_audio_dir = "caller-audio";
};

// [stt]: the speech-recognition pool (actors/stt.hpp). Needs a restart.
struct stt_config {
  std::string engine = "pocketsphinx"; // pocketsphinx | whisper | openai
  // whisper/openai: what carries utterances while every endpoint is down
  std::string fallback = "pocketsphinx"; // pocketsphinx | "" (none)
  std::string language = "en";     // whisper/openai; "" = the server detects
  std::string model = "whisper-1"; // openai: the model field
  std::string api_key;             // openai: bearer key (or api_key_file)
  int timeout_ms = 5000; // one utterance, from the end of speech, 100..60000
  int max_queue = 32;    // utterances waiting for a worker, 0..100000
  int workers = 2;       // pocketsphinx decoders (~100 MB each), 1..64
  // pocketsphinx: the directory holding the acoustic model (en-us/), the
  // language model (en-us.lm.bin) and the dictionary (cmudict-en-us.dict),
  // as Debian's pocketsphinx-en-us lays them out.
  std::string pocketsphinx_dir = "/usr/share/pocketsphinx/model/en-us";
  // whisper/openai: [[stt.endpoints]] with url, gpu, slots (default 1: a
  // whisper.cpp server serves one request at a time).
  std::vector<endpoint_config> endpoints;
};

struct storage_config {
  std::string path = "switchboard.db";
  int batch_max = 256;        // writes per transaction, 1..100000
  int busy_timeout_ms = 5000; // wait for another writer's lock, 10..60000
  int max_pending_writes =
    100000; // queued while SQLite cannot write, 1..10000000
};

struct admin_config {
  std::string socket = "switchboard.sock";
  // Bearer token; empty = HTTP operator endpoints and the console off.
  // env SWITCHBOARD_ADMIN_TOKEN
  std::string token;
};

// [console]: the operator console's own listener (app/console). Off when
// listen is empty or admin.token is (logins are checked against it).
// Needs a restart.
struct console_config {
  std::string listen = "127.0.0.1:8001"; // host:port; empty = off
  std::string listen_host = "127.0.0.1"; // derived from listen
  uint16_t listen_port = 8001;           // derived from listen
  int session_idle_minutes = 30;         // 1..1440
  int max_sessions = 64;                 // 1..10000, oldest evicted
  int login_failures_per_minute = 5;     // per client address, 1..1000
  int max_streams = 32;                  // live event streams, 1..1000
  int heartbeat_s = 15;                  // SSE comment interval, 1..300
  int max_export_rows = 100000;          // 1..10000000
  int page_size = 50;                    // list rows per page, 10..500
};

// [mcp]: switchboard as an MCP server (switchboardctl mcp over stdio, and
// /mcp on the console's listener). Needs a restart.
struct mcp_config {
  // Offer the tools that change something (place a call, hang up, say,
  // drain); off = only the read-only tools are listed or callable.
  bool allow_actions = false;
  // Origins besides the console's own that /mcp accepts (the Origin
  // header, e.g. "http://localhost:6274"); a request without Origin is
  // accepted, one with any other Origin is refused 403.
  std::vector<std::string> allowed_origins;
};

struct limits_config {
  int max_calls = 10000;          // live calls, 1..1000000
  int webhook_deadline_ms = 8000; // 500..14000 (Twilio gives up at 15 s)
  int call_idle_timeout_s = 3600; // 1..86400
  int max_await_redirects = 3;    // filler+redirects per turn, 1..10
  int drain_timeout_s = 10;       // SIGTERM: finish in-flight webhooks, 1..600
};

struct log_config {
  std::string level = "info"; // debug|info|notice|warning|error
};

struct runtime_config {
  int scheduler_threads = 2; // CAF worker threads, 1..64
  int max_throughput = 50;   // messages per actor per run
};

struct config {
  server_config server;
  twilio_config twilio;
  voice_config voice;
  relay_config relay;
  llm_config llm;
  tts_config tts;
  media_config media;
  stt_config stt;
  storage_config storage;
  admin_config admin;
  console_config console;
  mcp_config mcp;
  limits_config limits;
  log_config log;
  runtime_config runtime;
};

/// Looks up an environment variable; returns nullopt when unset. Injected so
/// tests do not touch the process environment.
using env_lookup = std::function<std::optional<std::string>(const char* name)>;

/// The real process environment.
env_lookup process_env();

/// Reads and validates `path`. Environment variables of the prototype
/// override the file: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN,
/// TWILIO_PHONE_NUMBER, PUBLIC_URL, SILENCE_THRESHOLD_SECONDS, OLLAMA_HOST,
/// OLLAMA_MODEL, USE_LOCAL_LLM, USE_LOCAL_TTS, TTS_ENGINE,
/// SWITCHBOARD_ADMIN_TOKEN (admin.token);
/// SILENCE_THRESHOLD_SECONDS also sets media.end_of_turn_ms, and
/// AUDIO_SAMPLE_RATE is accepted only as 8000. `*_file` keys
/// (twilio.auth_token_file, admin.token_file) read a secret from a file
/// (trailing newline stripped). Errors: errc::bad_config with "PATH:LINE: key:
/// why" for a bad or unknown key, a value out of bounds, a syntax error, or an
/// unreadable file.
caf::expected<config> load_config(const std::string& path,
                                  const env_lookup& env);

/// Same, from TOML text already in memory; `origin` names it in errors.
caf::expected<config> parse_config(const std::string& toml_text,
                                   const std::string& origin,
                                   const env_lookup& env);

} // namespace sb
