// A scripted stand-in for a daemon on voice.transport = "media", for the
// simulator's Media Streams tests: one loopback port serving the webhooks
// (signatures checked) and the Media Streams WebSocket (signature
// checked, every frame read with the daemon's own parser,
// twilio/media_frames). It hears the caller as the daemon would, by
// level: a voiced frame starts an utterance, 200 ms of silence ends it;
// what it answers is a plan per stream and turn (the greeting is turn 0):
// audio with marks, audio with a hole in it, a long reply it clears when
// the caller barges in, a close, a frame Twilio would refuse. Each
// connection is served on a thread of its own (loopback_server), so many
// calls may run at once. Header-only, for tests/cli/sim.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "backends/audio/audio_format.hpp"
#include "cli/sim/media_script.hpp"
#include "cli/sim/voiced_frames.hpp"
#include "net/text/form.hpp"
#include "tests/cli/loopback_server.hpp"
#include "twilio/media_frames.hpp"
#include "twilio/twilio_signature.hpp"

// Everything here is in its own namespace: its aliases (http, response...)
// must not meet a test's own.
namespace sb::test::fake_media {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using namespace std::chrono_literals;

using ws_stream = websocket::stream<loopback_server::socket&>;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;
using steady = std::chrono::steady_clock;

constexpr const char* media_auth_token = "fake-token";

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
  std::vector<act> other_streams; // the plan of streams past `plan`'s
};

// μ-law of a loud square wave, `ms` long.
inline std::string tone(int ms) {
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
    if (!sb::validate_twilio_signature(media_auth_token, base_url() + target,
                                       *form, req["X-Twilio-Signature"])) {
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
    if (!sb::validate_twilio_signature(media_auth_token, url, {},
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
                                          : mode_.other_streams;
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

/// A line of speech: `ms` of tone shown as `text`.
inline sb::media_line said(const std::string& text, int ms) {
  sb::media_line line;
  line.step.kind = sb::sim_step_kind::speech;
  line.step.text = text;
  line.audio = tone(ms);
  line.shown = text;
  return line;
}

/// A script of `lines`, shared as the players take it.
inline std::shared_ptr<const sb::media_script>
script_of(std::vector<sb::media_line> lines) {
  return std::make_shared<const sb::media_script>(std::move(lines));
}

} // namespace sb::test::fake_media
