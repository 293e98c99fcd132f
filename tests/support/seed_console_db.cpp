// seed_console_db: fills a switchboard database with a deterministic set of
// calls for the console's tests and bench: N generated calls (a mix of
// directions, statuses, transports, numbers; turns whose words come from a
// fixed list, assistant turns with latency parts, some interrupted), their
// webhook events, and two fixed calls the browser tests look for (a1: a
// unique word and playable replies; a2: markup in the transcript and in
// a reply's two tool calls, one of them failed). Writes
// through sb::database, so the file has the real schema, migrations,
// triggers and indexes. The same arguments always give the same rows.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "backends/audio/audio_format.hpp"
#include "backends/tts/audio_cache.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "storage/database.hpp"
#include "tests/support/tool_call_rows.hpp"

namespace {

constexpr const char* usage =
  "usage: seed_console_db --db PATH --calls N [--turns-per-call M]\n"
  "                       [--start ISO-8601] [--spacing-s S]"
  " [--audio-dir DIR]\n"
  "  --db PATH            the database file (created and migrated)\n"
  "  --calls N            generated calls, besides the two fixed ones\n"
  "  --turns-per-call M   turns of each answered call (default 10)\n"
  "  --start T            the first call's start"
  " (default 2026-11-01T00:00:00Z)\n"
  "  --spacing-s S        seconds between calls' starts (default 60)\n"
  "  --audio-dir DIR      write the fixed call a1's reply audio there, named\n"
  "                       as tts.cache_dir names it, and refer to it\n";

struct options {
  std::string db;
  int64_t calls = -1;
  int64_t turns_per_call = 10;
  std::string start = "2026-11-01T00:00:00Z";
  int64_t spacing_s = 60;
  std::string audio_dir;
};

// The fixed calls: their numbers are skipped by the generated ones, so
// every generated call i still has the SID of i.
constexpr uint64_t fixed_a1 = 0xa1;
constexpr uint64_t fixed_a2 = 0xa2;
constexpr int64_t calls_per_transaction = 1000;
constexpr const char* our_number = "+15550000001";

// What turns are made of: common enough that a search for one of them
// finds a realistic share of turns, never the fixed calls' unique word.
constexpr const char* words[] = {
  "order",    "delivery",    "invoice",  "refund",   "account",  "password",
  "address",  "package",     "tracking", "payment",  "card",     "balance",
  "schedule", "meeting",     "tomorrow", "monday",   "friday",   "morning",
  "evening",  "appointment", "doctor",   "pharmacy", "pickup",   "store",
  "support",  "agent",       "manager",  "problem",  "broken",   "repair",
  "warranty", "return",      "exchange", "size",     "color",    "price",
  "discount", "coupon",      "shipping", "express",  "standard", "weekend",
  "holiday",  "booking",     "table",    "dinner",   "lunch",    "reservation",
  "flight",   "hotel",       "room",     "checkout", "cancel",   "confirm",
  "change",   "update",      "email",    "phone",    "message",  "callback",
  "thanks",   "please",      "yes",      "no",       "maybe",    "later",
  "today",    "week",        "month",    "number",   "name",     "street",
  "city",     "zip",         "code",     "status",   "late",     "early",
  "quick",    "question",    "answer",   "help",     "issue",    "service"};
constexpr size_t word_count = sizeof(words) / sizeof(words[0]);

// splitmix64: a fixed, well-mixed function of i, so rows look varied but
// are the same on every run.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string sid_of(const char* prefix, uint64_t i) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%032llx", prefix,
                static_cast<unsigned long long>(i));
  return buf;
}

std::string phone_of(uint64_t i) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "+1555%07llu",
                static_cast<unsigned long long>(i % 10000000));
  return buf;
}

std::string at(sb::wall_time t0, int64_t ms) {
  return sb::iso8601_utc(t0 + std::chrono::milliseconds(ms));
}

std::string sentence(uint64_t seed, int length) {
  std::string text;
  for (int w = 0; w < length; ++w) {
    seed = mix(seed);
    text += (w == 0 ? "" : " ") + std::string{words[seed % word_count]};
  }
  return text;
}

// One generated call and everything stored about it.
struct call_plan {
  uint64_t i;
  sb::wall_time start;
  int64_t turns;
};

void add_turns(sb::write_batch& batch, const sb::call_row& call,
               const call_plan& p) {
  for (int64_t seq = 1; seq <= p.turns; ++seq) {
    auto h = mix(p.i * 1000 + static_cast<uint64_t>(seq));
    sb::turn_row t;
    t.call_sid = call.call_sid;
    t.seq = seq;
    t.created_at = at(p.start, 2000 + seq * 4000);
    t.role = seq % 2 == 1 ? "user" : "assistant";
    t.content = sentence(h, 4 + static_cast<int>(h % 9));
    if (t.role == "user") {
      if (call.transport == "gather")
        t.confidence = 0.80 + static_cast<double>(h % 20) / 100.0;
      batch.turns.push_back(std::move(t));
      continue;
    }
    t.model = "llama3.2:3b";
    t.queue_ms = static_cast<int64_t>(h % 40);
    t.llm_ms = 300 + static_cast<int64_t>((h >> 8) % 900);
    t.latency_ms = *t.queue_ms + *t.llm_ms + 40;
    if (call.transport != "gather")
      t.first_token_ms = 80 + static_cast<int64_t>((h >> 16) % 200);
    if (call.transport == "media") {
      t.eot_wait_ms = 300 + static_cast<int64_t>((h >> 24) % 200);
      t.stt_tail_ms = 60 + static_cast<int64_t>((h >> 32) % 150);
      t.tts_first_audio_ms = 120 + static_cast<int64_t>((h >> 40) % 250);
      t.turn_gap_ms = *t.eot_wait_ms + *t.queue_ms + *t.first_token_ms
                      + *t.tts_first_audio_ms + 30;
    }
    t.interrupted = (h >> 48) % 20 == 0;
    batch.turns.push_back(std::move(t));
  }
}

sb::event_row event(const sb::call_row& call, const char* kind,
                    const std::string& when, const std::string& status) {
  std::string payload = "{\"CallSid\":\"" + call.call_sid
                        + "\",\"AccountSid\":\"" + call.account_sid
                        + "\",\"From\":\"" + call.from_number + "\",\"To\":\""
                        + call.to_number + "\",\"Direction\":\""
                        + call.direction + "\",\"CallStatus\":\"" + status
                        + "\"";
  if (call.duration_s)
    payload += ",\"CallDuration\":\"" + std::to_string(*call.duration_s) + "\"";
  return {call.call_sid, kind, when, payload + "}"};
}

// Call i: its status decides whether it was answered (and so has turns
// and a transport) and whether it has ended.
void add_generated(sb::write_batch& batch, uint64_t i, sb::wall_time start,
                   int64_t turns_per_call) {
  sb::call_row c;
  c.call_sid = sid_of("CA", i);
  c.account_sid = "AC00000000000000000000000000000001";
  bool outbound = i % 4 == 1;
  c.direction = !outbound     ? "inbound"
                : i % 12 == 5 ? "outbound-dial"
                              : "outbound-api";
  c.from_number = outbound ? our_number : phone_of(i);
  c.to_number = outbound ? phone_of(i) : our_number;
  c.language = "en-US";
  c.voice = "Polly.Joanna";
  c.started_at = at(start, 0);
  const char* statuses[] = {"no-answer", "busy", "failed"};
  bool live = i % 100 == 3;
  bool answered = live || i % 20 > 2;
  c.status = live ? "in-progress" : answered ? "completed" : statuses[i % 20];
  const char* transports[] = {"gather", "relay", "media"};
  call_plan plan{i, start, answered ? turns_per_call : 0};
  if (answered) {
    c.transport = transports[i % 3];
    c.answered_at = at(start, 1500);
  }
  if (!live) {
    int64_t length_ms = 2000 + plan.turns * 4000 + 3000;
    c.ended_at = at(start, length_ms);
    c.duration_s = answered ? length_ms / 1000 : 0;
    c.end_reason = c.status;
  }
  batch.events.push_back(
    event(c, outbound ? "outbound" : "inbound", c.started_at, "ringing"));
  if (!live)
    batch.events.push_back(event(c, "call-status", c.ended_at, c.status));
  add_turns(batch, c, plan);
  batch.calls.push_back(std::move(c));
}

// A short real phone WAV (8 kHz μ-law, 0.4 s of 440 Hz), as the TTS
// worker stores them, so the console's <audio> has something to play.
std::vector<uint8_t> tone_wav() {
  std::vector<uint8_t> mulaw;
  for (int n = 0; n < 3200; ++n) {
    double phase = 2.0 * 3.141592653589793 * 440.0 * n / 8000.0;
    mulaw.push_back(
      sb::linear_to_mulaw(static_cast<int16_t>(8000.0 * std::sin(phase))));
  }
  return sb::mulaw_wav(mulaw);
}

// Writes the file for `text` into `dir` as audio_cache names it; returns
// the id turns.audio carries.
std::string store_audio(const std::string& dir, const std::string& text) {
  auto id = sb::audio_cache::key("seed", "seed", text);
  auto wav = tone_wav();
  std::ofstream out(dir + "/" + id + ".wav", std::ios::binary);
  out.write(reinterpret_cast<const char*>(wav.data()),
            static_cast<std::streamsize>(wav.size()));
  return id;
}

sb::call_row fixed_call(uint64_t i, sb::wall_time start,
                        const std::string& transport) {
  sb::call_row c;
  c.call_sid = sid_of("CA", i);
  c.account_sid = "AC00000000000000000000000000000001";
  c.direction = "inbound";
  c.from_number = phone_of(i);
  c.to_number = our_number;
  c.status = "completed";
  c.language = "en-US";
  c.voice = "Polly.Joanna";
  c.started_at = at(start, 0);
  c.answered_at = at(start, 1500);
  c.ended_at = at(start, 30000);
  c.duration_s = 30;
  c.end_reason = "completed";
  c.transport = transport;
  return c;
}

sb::turn_row fixed_turn(const sb::call_row& c, sb::wall_time start, int64_t seq,
                        std::string content) {
  sb::turn_row t;
  t.call_sid = c.call_sid;
  t.seq = seq;
  t.role = seq % 2 == 1 ? "user" : "assistant";
  t.content = std::move(content);
  t.created_at = at(start, 2000 + seq * 4000);
  if (t.role == "assistant") {
    t.model = "llama3.2:3b";
    t.queue_ms = 12;
    t.llm_ms = 640;
    t.first_token_ms = 180;
    t.latency_ms = 700;
  }
  return t;
}

// a1: a media call whose first words hold a word no generated turn has,
// with an interrupted reply, every latency part, a recording and (with
// --audio-dir) playable replies.
void add_fixed_a1(sb::write_batch& batch, sb::wall_time start,
                  const std::string& audio_dir) {
  auto c = fixed_call(fixed_a1, start, "media");
  const char* said[] = {"please ship it to xylophonequartz street",
                        "Of course. Which city is that street in?",
                        "it is in springfield",
                        "Thank you, the package ships",
                        "great thanks",
                        "You are welcome, goodbye."};
  for (int64_t seq = 1; seq <= 6; ++seq) {
    auto t = fixed_turn(c, start, seq, said[seq - 1]);
    if (t.role == "assistant") {
      t.eot_wait_ms = 400;
      t.stt_tail_ms = 150;
      t.tts_first_audio_ms = 220;
      t.turn_gap_ms = 1100;
      if (!audio_dir.empty())
        t.audio = store_audio(audio_dir, t.content);
    }
    t.interrupted = seq == 4;
    batch.turns.push_back(std::move(t));
  }
  batch.recordings.push_back({sid_of("RE", fixed_a1), c.call_sid,
                              "https://api.twilio.com/2010-04-01/Accounts/"
                                + c.account_sid + "/Recordings/"
                                + sid_of("RE", fixed_a1),
                              "completed", 28, 1, c.ended_at});
  batch.events.push_back(event(c, "inbound", c.started_at, "ringing"));
  batch.events.push_back(event(c, "call-status", c.ended_at, "completed"));
  batch.calls.push_back(std::move(c));
}

// The tools a2's reply called, both in round 1: one answered, one failed
// (its arguments not even JSON), markup in every text a server or the
// model wrote.
std::vector<sb::tool_call_row> hostile_tool_calls() {
  return {sb::test::answered_call(
            1, 1, "lookup_order",
            R"({"order_id":"<img src=x onerror=alert(3)>"})",
            "<b>Order</b> shipped <script>alert(4)</script>", 42),
          sb::test::failed_call(2, 1, "track_parcel",
                                "not json <img src=x onerror=alert(5)>",
                                "<img src=x onerror=alert(6)> timed out", 120)};
}

// a2: a transcript of markup that the console must show as text, and a
// reply whose tool calls carry markup too.
void add_fixed_a2(sb::write_batch& batch, sb::wall_time start) {
  auto c = fixed_call(fixed_a2, start, "gather");
  batch.turns.push_back(
    fixed_turn(c, start, 1, "<img src=x onerror=alert(1)>"));
  batch.turns.push_back(fixed_turn(c, start, 2, "<script>alert(2)</script>"));
  batch.turns.back().tool_calls = hostile_tool_calls();
  batch.events.push_back(event(c, "inbound", c.started_at, "ringing"));
  batch.events.push_back(event(c, "call-status", c.ended_at, "completed"));
  batch.calls.push_back(std::move(c));
}

// "2026-11-01" or "2026-11-01T00:00:00Z" (UTC).
bool parse_start(const std::string& text, sb::wall_time& out) {
  std::tm tm{};
  int n = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year,
                      &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                      &tm.tm_sec);
  if (n != 3 && n != 6)
    return false;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  out = std::chrono::system_clock::from_time_t(timegm(&tm));
  return true;
}

bool parse_int(const char* text, int64_t min, int64_t& out) {
  char* end = nullptr;
  auto value = std::strtoll(text, &end, 10);
  if (end == text || *end != '\0' || value < min)
    return false;
  out = value;
  return true;
}

// Returns 0 when the options were read, else the exit code (0 for --help).
int parse_options(int argc, char** argv, options& opt) {
  for (int k = 1; k < argc; ++k) {
    std::string arg = argv[k];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      return -1;
    }
    if (k + 1 >= argc) {
      std::cerr << "seed_console_db: " << arg << " needs a value\n" << usage;
      return 2;
    }
    const char* value = argv[++k];
    bool ok = true;
    if (arg == "--db")
      opt.db = value;
    else if (arg == "--calls")
      ok = parse_int(value, 0, opt.calls);
    else if (arg == "--turns-per-call")
      ok = parse_int(value, 0, opt.turns_per_call);
    else if (arg == "--start")
      opt.start = value;
    else if (arg == "--spacing-s")
      ok = parse_int(value, 0, opt.spacing_s);
    else if (arg == "--audio-dir")
      opt.audio_dir = value;
    else
      ok = false;
    if (!ok) {
      std::cerr << "seed_console_db: bad " << arg << " " << value << "\n"
                << usage;
      return 2;
    }
  }
  if (opt.db.empty() || opt.calls < 0) {
    std::cerr << "seed_console_db: --db and --calls are required\n" << usage;
    return 2;
  }
  return 0;
}

struct totals {
  int64_t calls = 0, turns = 0, events = 0, recordings = 0;
  std::map<std::string, int64_t> by_status, by_transport, by_direction;

  void count(const sb::write_batch& b) {
    calls += static_cast<int64_t>(b.calls.size());
    turns += static_cast<int64_t>(b.turns.size());
    events += static_cast<int64_t>(b.events.size());
    recordings += static_cast<int64_t>(b.recordings.size());
    for (auto& c : b.calls) {
      ++by_status[c.status];
      ++by_transport[c.transport.empty() ? "(none)" : c.transport];
      ++by_direction[c.direction];
    }
  }
};

void print_counts(const char* what, const std::map<std::string, int64_t>& m) {
  std::cout << "  " << what << ":";
  for (auto& [name, n] : m)
    std::cout << " " << name << "=" << n;
  std::cout << "\n";
}

int write_or_fail(sb::database& db, sb::write_batch& batch, totals& sum) {
  if (auto err = db.write(batch)) {
    std::cerr << "seed_console_db: " << sb::what(err) << "\n";
    return 1;
  }
  sum.count(batch);
  batch = sb::write_batch{};
  return 0;
}

int seed(const options& opt, sb::wall_time first) {
  if (!opt.audio_dir.empty())
    std::filesystem::create_directories(opt.audio_dir);
  auto db = sb::database::open(opt.db);
  if (!db) {
    std::cerr << "seed_console_db: " << sb::what(db.error()) << "\n";
    return 1;
  }
  // Events are appended, not upserted: a second run would double them.
  auto existing = (*db)->count_rows("calls");
  if (!existing || *existing > 0) {
    std::cerr << "seed_console_db: " << opt.db
              << " already has calls; seed a new file\n";
    return 1;
  }
  auto spacing = std::chrono::seconds(opt.spacing_s);
  totals sum;
  sb::write_batch batch;
  uint64_t i = 0;
  for (int64_t made = 0; made < opt.calls; ++i) {
    if (i == fixed_a1 || i == fixed_a2)
      continue;
    add_generated(batch, i, first + spacing * made, opt.turns_per_call);
    if (++made % calls_per_transaction == 0
        && write_or_fail(**db, batch, sum) != 0)
      return 1;
  }
  // The fixed calls are the newest two, so they head the list's first page.
  add_fixed_a1(batch, first + spacing * opt.calls, opt.audio_dir);
  add_fixed_a2(batch, first + spacing * (opt.calls + 1));
  if (write_or_fail(**db, batch, sum) != 0)
    return 1;
  std::cout << "seed_console_db: " << opt.db << ": " << sum.calls << " calls, "
            << sum.turns << " turns, " << sum.events << " events, "
            << sum.recordings << " recordings\n";
  print_counts("status", sum.by_status);
  print_counts("transport", sum.by_transport);
  print_counts("direction", sum.by_direction);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  if (int rc = parse_options(argc, argv, opt))
    return rc < 0 ? 0 : rc;
  sb::wall_time first;
  if (!parse_start(opt.start, first)) {
    std::cerr << "seed_console_db: bad --start " << opt.start << "\n" << usage;
    return 2;
  }
  auto began = std::chrono::steady_clock::now();
  int rc = seed(opt, first);
  auto took = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                            - began);
  if (rc == 0)
    std::cout << "seed_console_db: took " << took.count() << " s\n";
  return rc;
}
