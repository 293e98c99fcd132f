// The player behind play_media_script() (cli/sim/sim_media.hpp), in two
// files by job: cli/sim/sim_media.cpp follows the call (its TwiML, the
// webhooks, the <Connect action> after each stream, the transcript) and
// cli/sim/sim_media_session.cpp plays one open stream (the socket, the
// frames each way on time, the caller hanging up). Internal to
// switchboard-sim.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/sim/heard_audio.hpp"
#include "cli/sim/media_conversation.hpp"
#include "cli/sim/media_stream.hpp"
#include "cli/sim/relay_client.hpp"
#include "cli/sim/sim_call_webhooks.hpp"
#include "cli/sim/sim_media.hpp"
#include "cli/sim/sim_webhook.hpp"
#include "cli/sim/twiml_reader.hpp"

namespace sb::sim_media_detail {

// How playing an open stream ended.
enum class pumped { hang_up, closed, failed };

class media_player {
  // First: the constructor hands party_ and result to hooks.
  const sim_call_options& opts_;
  const media_sim_options& media_;
  sim_party party_;
  host_port daemon_;

public:
  media_player(http_client& client, const sim_call_options& opts,
               const media_sim_options& media,
               std::shared_ptr<const media_script> script, sim_party who,
               host_port daemon)
    : opts_(opts),
      media_(media),
      party_(std::move(who)),
      daemon_(std::move(daemon)),
      hooks(client, opts, party_, result),
      conversation_(std::move(script), media.conversation) {
    result.call_sid = party_.call_sid;
  }

  sim_result result;
  call_webhooks hooks;
  int hops = 0; // redirects and streams opened since the last stream

  // POSTs a TwiML-fetching webhook and runs what comes back. Returns true
  // while the call goes on in an open stream.
  bool fetch(const std::string& url, const form_params& params);

  // Plays the open stream until the caller hangs up (true), or the call
  // ends or fails (false).
  bool play();

  // The script is over: stop, close, stream-stopped.
  void hang_up();

  // After a failure: the socket goes as a caller's would, with a close.
  void drop_stream();

  // Writes --heard, if asked for.
  void write_heard();

  // The conversation's lines not yet in the transcript.
  void show_events();

private:
  bool fail(std::string why);

  void line(const char* who, std::string text, double ms = -1,
            std::string note = {});

  // Runs TwiML verbs in order, as Twilio does, up to one that moves the
  // call elsewhere: a stream, a transfer, a hang-up.
  bool run(const std::vector<twiml_node>& verbs, double ms);

  // The daemon closed the socket: Twilio asks the <Connect action> what
  // next (or runs the verbs after <Connect> when it has none).
  bool stream_closed(const ws_message& how);

  // -- one open stream: cli/sim/sim_media_session.cpp ----------------------

  bool open_stream(const twiml_node& connect, double ms);

  // Sends the frames in `out` (then clears it). False on failure.
  bool send(std::vector<std::string>& out);

  pumped pump();

  // The stream's status callback, if the TwiML asked for one.
  void stream_status(const std::string& event);

  std::unique_ptr<relay_client> ws_; // the open stream's socket, or null
  std::unique_ptr<media_stream> stream_;
  std::optional<heard_audio> heard_;
  media_conversation conversation_;
  size_t events_shown_ = 0;
  int streams_ = 0;
  bool spoke_before_connect_ = false; // <Say>/<Play> before the <Connect>
  std::string action_;                // the <Connect action> URL
  std::string status_callback_;       // the <Stream statusCallback>
  std::vector<twiml_node> after_connect_;
  ws_message closed_; // how the daemon closed the socket
};

} // namespace sb::sim_media_detail
