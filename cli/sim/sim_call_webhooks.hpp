// The webhooks a simulated call posts the same way whichever transport
// carries the conversation (<Gather> webhooks or a ConversationRelay
// WebSocket): signed form POSTs to the daemon, the status callbacks
// around the call, the asynchronous AMD verdict and the recording
// callback. Each records a transcript line and any failure in the
// sim_result it was given. Blocking (libcurl); one call, one thread.
#pragma once

#include <chrono>
#include <string>

#include <caf/expected.hpp>

#include "cli/sim/sim_call.hpp"
#include "cli/sim/sim_webhook.hpp"
#include "cli/sim/twiml_reader.hpp"
#include "net/client/http_client.hpp"
#include "net/text/form.hpp"

namespace sb {

/// Numbers as Twilio writes them in form parameters: "0.92", not
/// "0.920000".
std::string number_text(double v);

/// Milliseconds on the steady clock since `start`.
double ms_since(std::chrono::steady_clock::time_point start);

class call_webhooks {
public:
  /// REQUIRES: `client`, `opts` and `result` outlive this object.
  call_webhooks(http_client& client, const sim_call_options& opts,
                sim_party party, sim_result& result);

  const sim_party& party() const {
    return party_;
  }

  /// The URL the daemon calls itself: public_url, else base_url.
  std::string public_base() const;

  /// POSTs a webhook as Twilio does: signed over the public URL when an
  /// auth token is set. `url` may be absolute (from TwiML) or a path; the
  /// request goes to base_url with its path and query. Errors: as
  /// http_client::post_form (HTTP error statuses are not errors).
  caf::expected<client_response> post(const std::string& url,
                                      const form_params& params);

  /// A TwiML document fetched by a webhook, and the ms the answer took.
  struct fetched_twiml {
    twiml_node doc;
    double ms = 0;
  };

  /// POSTs a webhook whose answer is TwiML, as post() does, and reads the
  /// document. Errors: as post(); errc::backend_failed "HTTP <status> from
  /// <url>: <body>" for a status other than 200; read_twiml()'s for a
  /// body that is not TwiML.
  caf::expected<fetched_twiml> fetch_twiml(const std::string& url,
                                           const form_params& params);

  /// An asynchronous callback: Twilio ignores the body, but anything
  /// other than 200 means the daemon did not take it (result.error). A
  /// non-empty `line` goes into the transcript with the ms. Returns the ms.
  double callback(const std::string& path, const form_params& params,
                  const std::string& line);

  /// The answering webhook: "/voice/outbound" or "/voice/inbound", and its
  /// parameters (with AnsweredBy on an outbound call that has one).
  std::string answer_target() const;
  form_params answer_params() const;

  /// What Twilio sends before the answer: initiated and ringing for an
  /// outbound call with status_callbacks on; nothing otherwise.
  void before_answer();

  /// What Twilio sends once the call is answered: in-progress (outbound,
  /// status_callbacks), then the asynchronous AMD verdict if one is set.
  /// `since_start_ms` becomes its MachineDetectionDuration.
  void after_answer(double since_start_ms);

  /// The end of the call, `seconds` long: the completed status callback
  /// (unless send_completed is off) and the recording callback (if on),
  /// each only while result.error is empty.
  void finish(long seconds);

private:
  form_params status_params(const std::string& status);
  void status(const std::string& status);
  void complete(long seconds);
  void recording(long seconds);
  void amd(double detection_ms);

  http_client& client_;
  const sim_call_options& opts_;
  sim_party party_;
  sim_result& result_;
  int sequence_ = 0; // the next status callback's SequenceNumber
};

} // namespace sb
