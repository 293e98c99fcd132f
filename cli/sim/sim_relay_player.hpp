// The player behind play_relay_script() (cli/sim/sim_relay.hpp), in two files
// by job: cli/sim/sim_relay.cpp follows the call (its TwiML, the webhooks it
// posts, sessions opened and ended, relay-done) and
// cli/sim/sim_relay_session.cpp plays one open session (prompts and digits
// sent, replies heard frame by frame, interrupts). Internal to
// switchboard-sim.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cli/sim/relay_client.hpp"
#include "cli/sim/sim_call_webhooks.hpp"
#include "cli/sim/sim_relay.hpp"
#include "cli/sim/sim_relay_frames.hpp"
#include "cli/sim/sim_webhook.hpp"
#include "cli/sim/twiml_reader.hpp"

namespace sb::sim_relay_detail {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

// What reading the session brought; sendDigits and frames Twilio does not
// act on are handled on the way.
enum class got { text, end, closed, timeout, failed };

// One reply as the caller heard it.
struct reply {
  std::string text;         // the tokens heard, joined
  int frames = 0;           // text frames heard before any interrupt
  int dropped = 0;          // text frames that came after the interrupt
  double first_ms = -1;     // from the prompt to the first text frame
  double last_ms = -1;      // ... to the closing one
  double interrupt_ms = -1; // ... to the interrupt, if one was sent
};

class relay_player {
  // First: the constructor hands party_ and result to hooks.
  const sim_call_options& opts_;
  const relay_sim_options& relay_;
  sim_party party_;
  host_port daemon_;

public:
  relay_player(http_client& client, const sim_call_options& opts,
               const relay_sim_options& relay, sim_party who, host_port daemon)
    : opts_(opts),
      relay_(relay),
      party_(std::move(who)),
      daemon_(std::move(daemon)),
      hooks(client, opts, party_, result) {
    result.call_sid = party_.call_sid;
  }

  sim_result result;
  call_webhooks hooks;
  int hops = 0; // redirects and sessions opened in this step

  // POSTs a TwiML-fetching webhook and runs what comes back. Returns true
  // while the call goes on in an open session.
  bool fetch(const std::string& url, const form_params& params);

  bool play(const sim_step& step);

  // The script ran out: the caller listens a moment (the daemon may end
  // the session itself), then hangs up.
  void hang_up();

  // After a failure: the socket goes as a caller's would, with a close.
  void drop_session();

private:
  bool fail(std::string why);

  void line(const char* who, std::string text, double ms = -1,
            std::string note = {});

  // Runs TwiML verbs in order, as Twilio does, up to one that moves the
  // call elsewhere: a ConversationRelay session, a transfer, a hang-up.
  bool run(const std::vector<twiml_node>& verbs, double ms);

  static std::string dial_target(const twiml_node& dial);

  bool open_session(const twiml_node& connect, double ms);

  relay_setup setup_of(const twiml_node& relay) const;

  // The daemon sent `end`: Twilio closes the socket and asks the
  // <Connect action> what next.
  bool end_session();

  // The socket closed without an `end`: to Twilio the session failed.
  bool daemon_closed(const ws_message& how);

  // Posts the <Connect action> for the session just over. Its TwiML runs
  // unless the caller hung up (completed), when nobody is left to hear it.
  bool relay_done(const std::string& status, const std::string& handoff,
                  const form_params& extra);

  // -- one open session: cli/sim/sim_relay_session.cpp
  // --------------------------

  bool send(const std::string& frame);

  // Reads up to the next frame that matters, until `deadline`.
  got next(steady::time_point deadline);

  // What ends a wait other than a text frame.
  bool other(got g, const std::string& waiting_for);

  bool say(const sim_step& step);

  // After a reply: an end (or anything else) the daemon sent right behind
  // it is taken before the caller says more, as a caller who heard the
  // reply out would find the session over. Nothing is waited for.
  bool settle();

  // A text frame nobody asked for: a reply, unless it is only an empty
  // closing frame (one owed for an interrupt that met the reply's end).
  bool unprompted(steady::time_point start);

  bool press(const std::string& keys);

  // Listens for `span`, or with `one_reply` until a reply has been heard:
  // replies the daemon speaks unprompted are heard, an end or a close is
  // followed. True while the call goes on.
  bool listen(milliseconds span, bool one_reply);

  // Reads a reply from its first text frame (in text_) to its closing
  // one, interrupting it if asked to; `start` is when the caller stopped
  // talking.
  bool hear(steady::time_point start, std::string note);

  void record(const reply& r, std::string note);

  std::unique_ptr<relay_client> ws_; // the open session, or null
  std::string session_id_;
  steady::time_point session_start_;
  int sessions_ = 0;
  std::string action_; // the <Connect action> URL
  std::vector<twiml_node> after_connect_;
  std::string lang_;    // sent with each prompt
  daemon_text text_;    // the text frame last read
  std::string handoff_; // the end frame's handoffData
  ws_message closed_;   // how the daemon closed the socket
};

} // namespace sb::sim_relay_detail
