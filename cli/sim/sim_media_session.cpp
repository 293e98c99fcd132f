// The Media Streams player, one open stream: the signed upgrade, the
// opening frames, then one loop that sends whatever is due (a media frame
// every 20 ms, keys, mark echoes), lets the conversation move on, and
// reads the daemon's frames until the next thing is due — so every frame
// goes out on time from the monotonic clock, not after a fixed sleep.
#include <algorithm>
#include <cmath>

#include "cli/sim/sim_media_player.hpp"
#include "core/error.hpp"
#include "twilio/twilio_signature.hpp"

namespace sb::sim_media_detail {

using std::chrono::milliseconds;

bool media_player::open_stream(const twiml_node& connect, double ms) {
  const auto* stream = connect.find("Stream");
  if (!stream)
    return fail(connect.find("ConversationRelay")
                  ? "the daemon answered with <ConversationRelay>: its "
                    "voice.transport is relay, not media"
                  : "<Connect> without <Stream>");
  auto url = stream->attr("url");
  if (url.empty())
    return fail("<Stream> without a url");
  if (++hops > opts_.max_redirects)
    return fail("too many reconnects");
  action_ = connect.attr("action");
  status_callback_ = stream->attr("statusCallback");
  media_stream_ids ids{
    random_sid("MZ"), party_.account_sid, party_.call_sid, {}};
  for (const auto& c : stream->children)
    if (c.name == "Parameter")
      ids.custom_parameters.emplace_back(c.attr("name"), c.attr("value"));
  relay_client::headers headers;
  if (!opts_.auth_token.empty()) // §2.4: the wss URL alone is signed
    headers.emplace_back("X-Twilio-Signature",
                         twilio_signature(opts_.auth_token, url, {}));
  auto start = media_clock::now();
  ws_ = std::make_unique<relay_client>(media_.io_timeout);
  auto connected = ws_->connect(daemon_.host, daemon_.port, url_target(url),
                                headers);
  if (!connected) {
    ws_.reset();
    return fail("media socket " + url + ": " + what(connected.error()));
  }
  auto now = media_clock::now();
  if (!heard_)
    heard_.emplace(now);
  stream_ = std::make_unique<media_stream>(std::move(ids), now,
                                           media_.reply_quiet, &*heard_);
  line("twilio",
       std::string(++streams_ == 1 ? "" : "reconnected: ") + "stream "
         + stream_->ids().stream_sid + " to " + url,
       ms_since(start),
       ms >= 0 ? "TwiML in " + std::to_string(std::lround(ms)) + " ms" : "");
  auto opening = stream_->opening_frames();
  if (!send(opening))
    return false;
  conversation_.stream_started(now, !spoke_before_connect_);
  stream_status("stream-started");
  return result.error.empty();
}

void media_player::stream_status(const std::string& event) {
  if (status_callback_.empty() || !stream_)
    return;
  show_events();
  hooks.callback(status_callback_,
                 stream_status_params(party_, stream_->ids().stream_sid, event),
                 event);
}

bool media_player::send(std::vector<std::string>& out) {
  for (const auto& frame : out) {
    auto sent = ws_->send_text(frame);
    if (sent)
      continue;
    out.clear();
    // A close from the daemon may be what broke the write: say so.
    auto waiting = ws_->read_text(milliseconds(0));
    if (waiting && waiting->closed) {
      closed_ = *waiting;
      return false;
    }
    return fail("media socket: " + what(sent.error()));
  }
  out.clear();
  return true;
}

pumped media_player::pump() {
  std::vector<std::string> out;
  for (;;) {
    auto now = media_clock::now();
    stream_->due(now, out);
    auto status = conversation_.advance(now, *stream_);
    stream_->due(now, out); // keys pressed now go out now
    if (!send(out))
      return result.error.empty() ? pumped::closed : pumped::failed;
    if (status == media_conversation::status::hang_up)
      return pumped::hang_up;
    if (status == media_conversation::status::failed) {
      fail(conversation_.error());
      return pumped::failed;
    }
    auto wait = std::chrono::ceil<milliseconds>(stream_->next_due()
                                                - media_clock::now());
    auto msg = ws_->read_text(std::max(wait, milliseconds(0)));
    if (!msg && has_code(msg.error(), errc::timed_out))
      continue;
    if (!msg) {
      fail("media socket: " + what(msg.error()));
      return pumped::failed;
    }
    if (msg->closed) {
      closed_ = *msg;
      return pumped::closed;
    }
    if (msg->binary) {
      fail("a binary message from the daemon");
      return pumped::failed;
    }
    if (auto err = stream_->receive(media_clock::now(), msg->text, out)) {
      fail("daemon frame: " + what(err) + ": " + msg->text.substr(0, 200));
      return pumped::failed;
    }
  }
}

bool media_player::play() {
  for (;;) {
    auto how = pump();
    if (how == pumped::hang_up)
      return true;
    if (how == pumped::failed)
      return false;
    // The daemon closed the socket: the stream is over.
    auto now = media_clock::now();
    stream_->end(now);
    conversation_.stream_ended(now, *stream_);
    ws_.reset();
    if (!stream_closed(closed_))
      return false;
  }
}

void media_player::hang_up() {
  std::vector<std::string> stop{stream_->stop_frame()};
  bool sent = send(stop);
  auto closed = ws_->close(1000, {});
  auto now = media_clock::now();
  stream_->end(now);
  conversation_.stream_ended(now, *stream_);
  ws_.reset();
  line("twilio", "the caller hangs up: stop, close 1000");
  if (sent && !closed)
    fail("media socket: " + what(closed.error()));
  if (result.error.empty())
    stream_status("stream-stopped");
}

void media_player::drop_stream() {
  if (ws_ && ws_->is_open())
    (void) ws_->close(1000, {});
  ws_.reset();
}

} // namespace sb::sim_media_detail
