// Tests for cli/sim/sim_media against a scripted stand-in for a daemon on
// voice.transport = "media": one loopback port serving the webhooks
// (signatures checked) and the Media Streams WebSocket (signature
// checked, every frame read with the daemon's own parser,
// twilio/media_frames). The stand-in hears the caller as the daemon
// would, by level: a voiced frame starts an utterance, 200 ms of silence
// ends it; what it answers is a plan per stream and turn (the greeting is
// turn 0): audio with marks, audio with a hole in it, a long reply it
// clears when the caller barges in, a close, a frame Twilio would refuse.
// The caller's audio is a tone, so no speech engine is involved.
#include "cli/sim/sim_media.hpp"

#include <condition_variable>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <catch2/catch.hpp>

#include "backends/audio/audio_format.hpp"
#include "cli/sim/sim_transcript.hpp"
#include "cli/sim/voiced_frames.hpp"
#include "net/text/form.hpp"
#include "tests/cli/loopback_server.hpp"
#include "tests/support/temp_dir.hpp"
#include "twilio/media_frames.hpp"
#include "twilio/twilio_signature.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using sb::test::loopback_server;
using namespace std::chrono_literals;

using ws_stream = websocket::stream<loopback_server::socket&>;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;
using steady = std::chrono::steady_clock;

constexpr const char* auth_token = "fake-token";

// What the stand-in does at a turn of a stream.
enum class act {
  speak,      // 400 ms + mark, 200 ms + mark, at once
  speak_gap,  // 200 ms + mark; 300 ms later 200 ms + mark (a 100 ms hole)
  long_reply, // 3 s + mark, cleared as soon as the caller speaks
  close,      // 200 ms + mark, waits for the echo, closes the socket
  bad_frame,  // a frame Twilio refuses
  nothing,
};

struct fake_mode {
  std::vector<std::vector<act>> plan; // per stream, per turn (0: greeting)
  bool gather = false;                // answer as the gather transport
  std::string after_close = "reconnect,dial"; // per close: what media-done
};

// μ-law of a loud square wave, `ms` long.
std::string tone(int ms) {
  std::string out;
  for (int i = 0; i < ms * 8; ++i)
    out.push_back(static_cast<char>(
      sb::linear_to_mulaw(static_cast<int16_t>(i % 16 < 8 ? 6000 : -6000))));
  return out;
}

class fake_media_daemon {
public:
  explicit fake_media_daemon(fake_mode mode) : mode_(std::move(mode)) {
  }

  // What it saw, under `mutex`; what goes wrong on its threads is
  // written down in `problems` (Catch2's macros are for the test thread).
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> problems;
  std::vector<std::pair<std::string, sb::form_params>> posts;
  std::vector<std::string> bad_signatures;
  std::vector<sb::media_start> starts;
  std::vector<std::string> events;       // every frame's event, all streams
  std::vector<std::string> echoed;       // mark names Twilio echoed
  std::vector<std::string> clear_echoes; // of them, those after a clear
  std::vector<std::string> digits;
  int stops = 0;
  std::vector<int> close_codes;     // the caller's
  double heard_after_clear_ms = -1; // media after our clear (should be none)

  std::string base_url() const {
    return server_.base_url();
  }
  std::string ws_base() const {
    return "ws://127.0.0.1:" + std::to_string(server_.port());
  }
  std::vector<std::pair<std::string, sb::form_params>>
  posts_to(const std::string& target) {
    std::lock_guard<std::mutex> lock{mutex};
    std::vector<std::pair<std::string, sb::form_params>> out;
    for (const auto& p : posts)
      if (p.first == target)
        out.push_back(p);
    return out;
  }
  std::vector<int> closes(size_t n) {
    std::unique_lock<std::mutex> lock{mutex};
    changed.wait_for(lock, 5s, [&] { return close_codes.size() >= n; });
    return close_codes;
  }

private:
  void serve(loopback_server::socket& s) {
    beast::flat_buffer buf;
    for (;;) {
      request req;
      beast::error_code ec;
      http::read(s, buf, req, ec);
      if (ec)
        return;
      if (websocket::is_upgrade(req))
        return stream(s, req);
      auto res = answer(req);
      http::write(s, res, ec);
      if (ec || !req.keep_alive())
        return;
    }
  }

  static response reply(http::status status, std::string body,
                        const char* type = "text/xml") {
    response res{status, 11};
    res.set(http::field::content_type, type);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  }

  std::string connect_twiml(const std::string& call_sid, int stream) {
    auto token = "tok-" + std::to_string(stream);
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Connect "
           "action=\""
           + base_url() + "/voice/media-done\"><Stream url=\"" + ws_base()
           + "/media\" statusCallback=\"" + base_url()
           + "/voice/media-status\"><Parameter name=\"callSid\" value=\""
           + call_sid + "\"/><Parameter name=\"token\" value=\"" + token
           + "\"/></Stream></Connect></Response>";
  }

  response answer(const request& req) {
    std::string target{req.target()};
    auto form = sb::parse_form(req.body());
    std::lock_guard<std::mutex> lock{mutex};
    if (!form) {
      problems.push_back("bad form to " + target);
      return reply(http::status::bad_request, "bad form\n", "text/plain");
    }
    if (!sb::validate_twilio_signature(auth_token, base_url() + target, *form,
                                       req["X-Twilio-Signature"])) {
      bad_signatures.push_back(target);
      return reply(http::status::forbidden, "bad signature\n", "text/plain");
    }
    posts.emplace_back(target, *form);
    auto sid = sb::param_or(*form, "CallSid");
    if (target == "/voice/inbound" && mode_.gather)
      return reply(http::status::ok,
                   "<Response><Gather input=\"speech\"><Say>Hi</Say></Gather>"
                   "</Response>");
    if (target == "/voice/inbound")
      return reply(http::status::ok, connect_twiml(sid, 1));
    if (target == "/voice/media-done") {
      auto what = mode_.after_close.substr(0, mode_.after_close.find(','));
      mode_.after_close.erase(0, what.size() + 1);
      if (what == "reconnect")
        return reply(http::status::ok,
                     connect_twiml(sid, static_cast<int>(starts.size()) + 1));
      if (what == "dial")
        return reply(http::status::ok,
                     "<Response><Dial><Number>+14155550123</Number></Dial>"
                     "</Response>");
      return reply(http::status::ok, "<Response><Hangup/></Response>");
    }
    if (target == "/voice/media-status" || target == "/call-status")
      return reply(http::status::ok, "<Response/>");
    return reply(http::status::not_found, "no such route\n", "text/plain");
  }

  void note(std::string problem) {
    std::lock_guard<std::mutex> lock{mutex};
    problems.push_back(std::move(problem));
  }

  void send(ws_stream& ws, const std::string& frame) {
    beast::error_code ec; // a caller gone is seen by the next read
    ws.write(boost::asio::buffer(frame), ec);
  }

  // One stream: the turns of its plan, as the caller's voice starts and
  // stops.
  struct stream_state {
    std::string sid;
    std::vector<act> plan;
    size_t turn = 0;
    int64_t sequence = 1;
    int64_t chunk = 0;
    bool in_voice = false;
    int quiet_frames = 0;
    bool clear_on_voice = false;
    bool cleared = false;
    int generation = 0;
  };

  void stream(loopback_server::socket& s, const request& req) {
    beast::error_code ec;
    auto url = ws_base() + std::string(req.target());
    if (!sb::validate_twilio_signature(auth_token, url, {},
                                       req["X-Twilio-Signature"])) {
      auto res = reply(http::status::forbidden, "refused\n", "text/plain");
      http::write(s, res, ec);
      return;
    }
    ws_stream ws{s};
    ws.accept(req, ec);
    ws.text(true);
    stream_state st;
    while (!ec) {
      beast::flat_buffer buf;
      ws.read(buf, ec);
      if (ec == websocket::error::closed) {
        std::lock_guard<std::mutex> lock{mutex};
        close_codes.push_back(ws.reason().code);
        changed.notify_all();
      }
      if (ec)
        return;
      auto text = beast::buffers_to_string(buf.data());
      auto frame = sb::parse_media_frame(text, 1 << 16);
      if (!frame)
        return note("the daemon's parser refused " + text);
      {
        std::lock_guard<std::mutex> lock{mutex};
        events.push_back(sb::event_name(*frame));
      }
      if (!on_frame(ws, st, *frame))
        return;
    }
  }

  // False when the stand-in closed the socket.
  bool on_frame(ws_stream& ws, stream_state& st, const sb::media_frame& f) {
    if (auto* start = std::get_if<sb::media_start>(&f)) {
      st.sid = start->stream_sid;
      std::lock_guard<std::mutex> lock{mutex};
      auto index = starts.size();
      starts.push_back(*start);
      st.plan = index < mode_.plan.size() ? mode_.plan[index]
                                          : std::vector<act>{};
    } else if (auto* media = std::get_if<sb::media_audio>(&f)) {
      if (media->sequence != ++st.sequence || media->chunk != ++st.chunk
          || media->timestamp_ms != 20 * (media->chunk - 1)
          || media->payload.size() != 160)
        note("media frame out of order: sequence "
             + std::to_string(media->sequence) + " chunk "
             + std::to_string(media->chunk));
      if (st.chunk == 1)
        return turn(ws, st); // the greeting: the stream is up
      return hear(ws, st, *media);
    } else if (auto* mark = std::get_if<sb::media_mark>(&f)) {
      ++st.sequence;
      std::lock_guard<std::mutex> lock{mutex};
      echoed.push_back(mark->name);
      if (st.cleared)
        clear_echoes.push_back(mark->name);
    } else if (auto* dtmf = std::get_if<sb::media_dtmf>(&f)) {
      ++st.sequence;
      std::lock_guard<std::mutex> lock{mutex};
      digits.push_back(dtmf->digit);
    } else if (std::holds_alternative<sb::media_stop>(f)) {
      ++st.sequence;
      std::lock_guard<std::mutex> lock{mutex};
      ++stops;
    }
    return true;
  }

  bool hear(ws_stream& ws, stream_state& st, const sb::media_audio& media) {
    bool voiced = sb::mulaw_level_dbfs(media.payload) > -40;
    if (voiced) {
      if (!st.in_voice && st.clear_on_voice) {
        st.clear_on_voice = false;
        st.cleared = true;
        send(ws, sb::media_clear_frame(st.sid));
      }
      st.in_voice = true;
      st.quiet_frames = 0;
      return true;
    }
    if (st.in_voice && ++st.quiet_frames == 10) {
      st.in_voice = false;
      return turn(ws, st);
    }
    return true;
  }

  void audio(ws_stream& ws, stream_state& st, int ms, int clause) {
    send(ws, sb::media_audio_frame(st.sid, tone(ms)));
    send(ws, sb::media_mark_frame(
               st.sid, sb::mark_name(static_cast<uint64_t>(st.generation),
                                     static_cast<uint32_t>(clause))));
  }

  bool turn(ws_stream& ws, stream_state& st) {
    auto what = st.turn < st.plan.size() ? st.plan[st.turn] : act::nothing;
    ++st.turn;
    ++st.generation;
    switch (what) {
      case act::speak:
        audio(ws, st, 400, 0);
        audio(ws, st, 200, 1);
        break;
      case act::speak_gap:
        audio(ws, st, 200, 0);
        std::this_thread::sleep_for(300ms); // the next clause is late
        audio(ws, st, 200, 1);
        break;
      case act::long_reply:
        audio(ws, st, 3000, 0);
        st.clear_on_voice = true;
        break;
      case act::close: {
        audio(ws, st, 200, 0);
        beast::error_code ec;
        ws.close(websocket::close_code::normal, ec);
        return false;
      }
      case act::bad_frame:
        send(ws, R"({"event":"play","streamSid":")" + st.sid + "\"}");
        break;
      case act::nothing: break;
    }
    return true;
  }

  fake_mode mode_;
  loopback_server server_{[this](loopback_server::socket& s) { serve(s); }};
};

sb::sim_call_options options_for(const fake_media_daemon& daemon) {
  sb::sim_call_options o;
  o.base_url = daemon.base_url();
  o.auth_token = auth_token;
  o.call_sid = "CA0123456789abcdef0123456789abcdef";
  return o;
}

sb::media_sim_options quick_media() {
  sb::media_sim_options m;
  m.reply_quiet = 300ms;
  m.conversation.reply_timeout = 5s;
  m.conversation.listen = 500ms;
  return m;
}

sb::media_line said(const std::string& text, int ms) {
  sb::media_line line;
  line.step.kind = sb::sim_step_kind::speech;
  line.step.text = text;
  line.audio = tone(ms);
  line.shown = text;
  return line;
}

std::shared_ptr<const sb::media_script>
script_of(std::vector<sb::media_line> lines) {
  return std::make_shared<const sb::media_script>(std::move(lines));
}

std::vector<std::string> lines_of(const sb::sim_result& r) {
  std::vector<std::string> out;
  for (const auto& l : r.transcript)
    out.push_back(l.speaker + ": " + l.text);
  return out;
}

} // namespace

TEST_CASE("a media call: greeting, a barge-in, a reply with a hole, hang-up",
          "[sim_media]") {
  fake_media_daemon daemon{
    {{{act::speak, act::long_reply, act::speak_gap}}, false, ""}};
  auto opts = options_for(daemon);
  sb::test::temp_dir dir{"sim-media"};
  auto media = quick_media();
  media.heard_path = dir.path() + "/heard.wav";
  auto interrupt = said("wait", 300);
  interrupt.step.kind = sb::sim_step_kind::interrupt;
  interrupt.step.seconds = 0.5;
  sb::http_client client;
  auto r = sb::play_media_script(
    client, opts, script_of({said("hello", 300), interrupt}), media);
  INFO(sb::format_transcript(r));
  CHECK(r.error.empty());
  REQUIRE(r.transcript.size() == 9);
  CHECK(r.transcript[0].text.find("stream MZ") == 0);
  CHECK(r.transcript[0].text.find(" to " + daemon.ws_base() + "/media")
        != std::string::npos);
  CHECK(lines_of(r)
        == std::vector<std::string>{
          "twilio: " + r.transcript[0].text, "twilio: stream-started",
          "assistant: 0.60 s of audio, marks g1.c0 g1.c1", "caller: hello",
          "assistant: 3.00 s of audio, marks g2.c0", "caller: wait",
          "assistant: 0.40 s of audio, marks g3.c0 g3.c1",
          "twilio: the caller hangs up: stop, close 1000",
          "twilio: stream-stopped"});
  const auto& greeting = r.transcript[2];
  CHECK(greeting.note.find("gap from the stream's start") == 0);
  CHECK(greeting.latency_ms >= 0);
  const auto& barged = r.transcript[4];
  INFO(barged.note);
  CHECK(barged.latency_ms > 0);
  CHECK(barged.latency_ms < 2000);
  CHECK(barged.note.find("clear at 0.5") != std::string::npos);
  CHECK(barged.note.find("barge-in: clear ") != std::string::npos);
  CHECK(barged.note.find(" played") != std::string::npos);
  CHECK(r.transcript[5].note.find("talks over the reply 0.5 s into it") == 0);
  const auto& holed = r.transcript[6];
  CHECK(holed.note.find("playback gaps over 40 ms: 1 (longest ")
        != std::string::npos);
  CHECK(r.completed_ms >= 0);

  CHECK(daemon.closes(1) == std::vector<int>{1000});
  std::lock_guard<std::mutex> lock{daemon.mutex};
  CHECK(daemon.problems.empty());
  CHECK(daemon.bad_signatures.empty());
  REQUIRE(daemon.starts.size() == 1);
  const auto& start = daemon.starts[0];
  CHECK(start.stream_sid.size() == 34);
  CHECK(start.stream_sid.compare(0, 2, "MZ") == 0);
  CHECK(start.call_sid == opts.call_sid);
  CHECK(start.account_sid == opts.account_sid);
  CHECK(start.custom_parameters
        == std::vector<std::pair<std::string, std::string>>{
          {"callSid", opts.call_sid}, {"token", "tok-1"}});
  REQUIRE(daemon.events.size() > 2);
  CHECK(daemon.events[0] == "connected");
  CHECK(daemon.events[1] == "start");
  CHECK(daemon.events.back() == "stop");
  CHECK(daemon.stops == 1);
  // Every mark came back: the played ones, and the cleared one at once.
  CHECK(
    daemon.echoed
    == std::vector<std::string>{"g1.c0", "g1.c1", "g2.c0", "g3.c0", "g3.c1"});
  CHECK(daemon.clear_echoes.front() == "g2.c0");
  REQUIRE(daemon.posts.size() == 4);
  CHECK(daemon.posts[0].first == "/voice/inbound");
  CHECK(daemon.posts[1].first == "/voice/media-status");
  const auto& started = daemon.posts[1].second;
  CHECK(sb::param_or(started, "StreamEvent") == "stream-started");
  CHECK(sb::param_or(started, "StreamSid") == start.stream_sid);
  CHECK(sb::param_or(started, "StreamName") == start.stream_sid);
  CHECK(sb::param_or(started, "CallSid") == opts.call_sid);
  CHECK(sb::param_or(started, "Timestamp").back() == 'Z');
  CHECK(daemon.posts[2].first == "/voice/media-status");
  CHECK(sb::param_or(daemon.posts[2].second, "StreamEvent")
        == "stream-stopped");
  CHECK(daemon.posts[3].first == "/call-status");
  CHECK(sb::param_or(daemon.posts[3].second, "CallStatus") == "completed");

  // What the caller heard: the whole call at 8 kHz, the greeting's tone
  // at its start, and less than all three seconds of the cleared reply.
  std::ifstream in{media.heard_path, std::ios::binary};
  std::string wav{std::istreambuf_iterator<char>{in}, {}};
  auto heard = sb::read_wav(wav);
  REQUIRE(heard);
  CHECK(heard->sample_rate == 8000);
  size_t loud = 0;
  for (auto s : heard->samples)
    loud += s != 0;
  CHECK(loud > 8 * (600 + 400));
  CHECK(loud < 8 * (600 + 3000 + 400));
}

TEST_CASE("the daemon closes the stream: a reconnect, then a transfer",
          "[sim_media]") {
  fake_media_daemon daemon{
    {{{act::speak, act::close}, {act::speak, act::close}},
     false,
     "reconnect,dial"}};
  auto opts = options_for(daemon);
  sb::http_client client;
  auto r = sb::play_media_script(
    client, opts,
    script_of({said("one", 200), said("two", 200), said("three", 200)}),
    quick_media());
  INFO(sb::format_transcript(r));
  CHECK(r.error.empty());
  auto lines = lines_of(r);
  REQUIRE(lines.size() == 15);
  CHECK(lines[3] == "caller: one");
  CHECK(lines[4] == "assistant: 0.20 s of audio, marks g2.c0");
  CHECK(lines[5] == "twilio: the daemon closed the stream (code 1000)");
  CHECK(lines[6] == "twilio: <Connect action> /voice/media-done");
  CHECK(lines[7].find("twilio: reconnected: stream MZ") == 0);
  CHECK(lines[8] == "twilio: stream-started");
  CHECK(lines[9] == "assistant: 0.60 s of audio, marks g1.c0 g1.c1");
  CHECK(lines[10] == "caller: two");
  CHECK(lines[11] == "assistant: 0.20 s of audio, marks g2.c0");
  CHECK(lines[14] == "twilio: transferred to +14155550123");
  // The daemon closed the socket right after its audio: the rest was cut.
  CHECK(r.transcript[4].note.find("then the stream ended")
        != std::string::npos);
  CHECK(r.transcript[6].latency_ms >= 0);
  CHECK(r.transcript[9].note.find("gap from the stream's start") == 0);
  CHECK(r.completed_ms >= 0);

  std::lock_guard<std::mutex> lock{daemon.mutex};
  CHECK(daemon.problems.empty());
  REQUIRE(daemon.starts.size() == 2);
  CHECK(daemon.starts[0].stream_sid != daemon.starts[1].stream_sid);
  CHECK(daemon.starts[1].custom_parameters.back().second == "tok-2");
  CHECK(daemon.stops == 0);
  std::vector<std::string> targets;
  for (const auto& p : daemon.posts)
    targets.push_back(p.first);
  CHECK(targets
        == std::vector<std::string>{"/voice/inbound", "/voice/media-status",
                                    "/voice/media-done", "/voice/media-status",
                                    "/voice/media-done", "/call-status"});
  const auto& done = daemon.posts[2].second;
  CHECK(sb::param_or(done, "CallStatus") == "in-progress");
  CHECK(sb::param_or(done, "CallSid") == opts.call_sid);
  CHECK(sb::param_or(done, "Direction") == "inbound");
  CHECK(sb::param_or(done, "From") == opts.from);
}

TEST_CASE("keys go out as dtmf frames and the caller listens after them",
          "[sim_media]") {
  fake_media_daemon daemon{{{{act::speak}}, false, ""}};
  auto opts = options_for(daemon);
  sb::media_line keys;
  keys.step.kind = sb::sim_step_kind::digits;
  keys.step.text = "12#";
  sb::http_client client;
  auto r = sb::play_media_script(client, opts, script_of({keys}),
                                 quick_media());
  INFO(sb::format_transcript(r));
  CHECK(r.error.empty());
  CHECK(lines_of(r)[3] == "caller: [digits 12#]");
  std::lock_guard<std::mutex> lock{daemon.mutex};
  CHECK(daemon.problems.empty());
  CHECK(daemon.digits == std::vector<std::string>{"1", "2", "#"});
}

TEST_CASE("no greeting within the reply timeout ends the call", "[sim_media]") {
  fake_media_daemon daemon{{{{act::nothing}}, false, ""}};
  auto media = quick_media();
  media.conversation.reply_timeout = 300ms;
  sb::http_client client;
  auto r = sb::play_media_script(client, options_for(daemon),
                                 script_of({said("hello", 200)}), media);
  CHECK(r.error == "no greeting within 300 ms");
  CHECK(daemon.closes(1) == std::vector<int>{1000});
}

TEST_CASE("a frame Twilio would refuse ends the media call", "[sim_media]") {
  fake_media_daemon daemon{{{{act::bad_frame}}, false, ""}};
  sb::http_client client;
  auto r = sb::play_media_script(client, options_for(daemon),
                                 script_of({said("hello", 200)}),
                                 quick_media());
  CHECK(r.error.find("daemon frame: ") == 0);
  CHECK(r.error.find("\"event\":\"play\"") != std::string::npos);
}

TEST_CASE("a media call to a daemon on the gather transport names it",
          "[sim_media]") {
  fake_media_daemon daemon{{{}, true, ""}};
  sb::http_client client;
  auto r = sb::play_media_script(client, options_for(daemon),
                                 script_of({said("hello", 200)}),
                                 quick_media());
  CHECK(r.error.find("the daemon answered with <Gather>") == 0);
}
