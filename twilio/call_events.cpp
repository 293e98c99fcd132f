#include "twilio/call_events.hpp"

#include <cmath>
#include <cstdlib>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace sb {

std::optional<double> twilio_number(const std::string* text) {
  if (!text || text->empty())
    return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(text->c_str(), &end);
  // strtod also reads "nan" and "inf"; no Twilio number is either.
  if (end == text->c_str() || *end != '\0' || !std::isfinite(v))
    return std::nullopt;
  return v;
}

namespace {

std::optional<int64_t> whole_number(const form_params& p,
                                    std::string_view key) {
  auto v = twilio_number(find_param(p, key));
  if (!v || std::abs(*v) > 9.0e15)
    return std::nullopt;
  return static_cast<int64_t>(*v);
}

// FNV-1a over the fields that make two webhooks the same request. 64 bits:
// a false match needs two different bodies of one call, among its last
// few, with the same digest.
uint64_t digest_of(event_kind kind, int64_t turn, const form_params& params) {
  uint64_t h = 14695981039346656037ull;
  auto add = [&h](std::string_view bytes) {
    for (unsigned char c : bytes) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff; // a separator no UTF-8 text contains
    h *= 1099511628211ull;
  };
  add(to_string(kind));
  add(std::to_string(turn));
  for (const auto& [key, value] : params) {
    add(key);
    add(value);
  }
  return h;
}

call_facts facts_of(const form_params& p) {
  return {param_or(p, "AccountSid"), param_or(p, "Direction"),
          param_or(p, "From"),       param_or(p, "To"),
          param_or(p, "CallStatus"), param_or(p, "AnsweredBy")};
}

// Our `end` frame carries {"reason":"transfer"} or {"reason":"goodbye"};
// Twilio hands it back as HandoffData. Anything else is no hand-off.
std::string handoff_of(const form_params& p) {
  auto data = param_or(p, "HandoffData");
  if (data.find("\"transfer\"") != std::string::npos)
    return "transfer";
  if (data.find("\"goodbye\"") != std::string::npos)
    return "goodbye";
  return {};
}

call_event frame_event(event_kind kind, const std::string& call_sid,
                       std::string received_at, form_params raw) {
  call_event ev;
  ev.kind = kind;
  ev.call_sid = call_sid;
  ev.received_at = std::move(received_at);
  ev.raw = std::move(raw);
  return ev;
}

void add(form_params& p, const char* key, const std::string& value) {
  if (!value.empty())
    p.emplace_back(key, value);
}

call_event setup_event(const relay_setup& s, const std::string& call_sid,
                       std::string at) {
  form_params p;
  add(p, "CallSid", s.call_sid);
  add(p, "AccountSid", s.account_sid);
  add(p, "SessionId", s.session_id);
  add(p, "From", s.from);
  add(p, "To", s.to);
  add(p, "Direction", s.direction);
  add(p, "ParentCallSid", s.parent_call_sid);
  add(p, "ForwardedFrom", s.forwarded_from);
  add(p, "CallerName", s.caller_name);
  add(p, "CallType", s.call_type);
  auto ev = frame_event(event_kind::relay_open, call_sid, std::move(at),
                        std::move(p));
  // The setup's status is Twilio's upper-case session view ("RINGING"),
  // not a call status: it is left out.
  ev.call = {s.account_sid, s.direction, s.from, s.to, {}, {}};
  ev.relay.session_id = s.session_id;
  return ev;
}

} // namespace

call_event webhook_call_event(event_kind kind, std::string call_sid,
                              form_params params, std::string received_at,
                              int64_t turn) {
  call_event ev;
  ev.kind = kind;
  ev.call_sid = std::move(call_sid);
  ev.received_at = std::move(received_at);
  ev.turn = turn;
  ev.request_digest = digest_of(kind, turn, params);
  ev.call = facts_of(params);
  const auto& p = params;
  switch (kind) {
    case event_kind::process_speech:
      ev.input.speech = param_or(p, "SpeechResult");
      ev.input.confidence = twilio_number(find_param(p, "Confidence"));
      ev.input.digits = param_or(p, "Digits");
      break;
    case event_kind::call_status:
      ev.status.sequence = whole_number(p, "SequenceNumber");
      ev.status.duration_s = whole_number(p, "CallDuration");
      break;
    case event_kind::recording_status:
      ev.recording = {param_or(p, "RecordingSid"), param_or(p, "RecordingUrl"),
                      param_or(p, "RecordingStatus"),
                      whole_number(p, "RecordingDuration"),
                      whole_number(p, "RecordingChannels")};
      break;
    case event_kind::relay_done:
      ev.relay.session_id = param_or(p, "SessionId");
      ev.relay.session_status = param_or(p, "SessionStatus");
      ev.relay.handoff = handoff_of(p);
      break;
    case event_kind::media_status:
      ev.media.stream_sid = param_or(p, "StreamSid");
      ev.media.stream_event = param_or(p, "StreamEvent");
      ev.media.stream_error = param_or(p, "StreamError");
      break;
    default: break;
  }
  ev.raw = std::move(params);
  return ev;
}

std::optional<call_event> relay_frame_event(const relay_inbound& frame,
                                            const std::string& call_sid,
                                            std::string at) {
  return std::visit(
    [&call_sid, &at](const auto& f) -> std::optional<call_event> {
      using frame_type = std::decay_t<decltype(f)>;
      if constexpr (std::is_same_v<frame_type, relay_setup>) {
        return setup_event(f, call_sid, std::move(at));
      } else if constexpr (std::is_same_v<frame_type, relay_prompt>) {
        auto ev = frame_event(event_kind::relay_prompt, call_sid, std::move(at),
                              {{"VoicePrompt", f.voice_prompt},
                               {"Lang", f.lang},
                               {"Last", f.last ? "true" : "false"}});
        ev.input.speech = f.voice_prompt;
        ev.input.language = f.lang;
        ev.input.last = f.last;
        return ev;
      } else if constexpr (std::is_same_v<frame_type, relay_interrupt>) {
        auto ev = frame_event(
          event_kind::relay_interrupt, call_sid, std::move(at),
          {{"UtteranceUntilInterrupt", f.utterance_until_interrupt},
           {"DurationUntilInterruptMs",
            std::to_string(f.duration_until_interrupt_ms)}});
        ev.relay.heard = f.utterance_until_interrupt;
        ev.relay.heard_ms = f.duration_until_interrupt_ms;
        return ev;
      } else if constexpr (std::is_same_v<frame_type, relay_dtmf>) {
        auto ev = frame_event(event_kind::relay_dtmf, call_sid, std::move(at),
                              {{"Digit", f.digit}});
        ev.input.digits = f.digit;
        return ev;
      } else if constexpr (std::is_same_v<frame_type, relay_error>) {
        auto ev = frame_event(event_kind::relay_error, call_sid, std::move(at),
                              {{"Description", f.description}});
        ev.relay.description = f.description;
        return ev;
      } else {
        return std::nullopt; // relay_unknown
      }
    },
    frame);
}

call_event media_start_event(const media_start& start,
                             std::string received_at) {
  form_params p;
  add(p, "CallSid", start.call_sid);
  add(p, "AccountSid", start.account_sid);
  add(p, "StreamSid", start.stream_sid);
  auto ev = frame_event(event_kind::media_open, start.call_sid,
                        std::move(received_at), std::move(p));
  ev.call.account_sid = start.account_sid;
  ev.media.stream_sid = start.stream_sid;
  return ev;
}

call_event media_dtmf_event(const media_dtmf& dtmf, const std::string& call_sid,
                            std::string received_at) {
  auto ev = frame_event(event_kind::media_dtmf, call_sid,
                        std::move(received_at), {{"Digit", dtmf.digit}});
  ev.input.digits = dtmf.digit;
  ev.media.stream_sid = dtmf.stream_sid;
  return ev;
}

call_event media_stop_event(const media_stop& stop, const std::string& call_sid,
                            std::string received_at) {
  auto ev = frame_event(event_kind::media_stop, call_sid,
                        std::move(received_at),
                        {{"StreamSid", stop.stream_sid}});
  ev.media.stream_sid = stop.stream_sid;
  return ev;
}

call_event media_stream_event(event_kind kind, const std::string& call_sid,
                              std::string received_at, form_params raw) {
  return frame_event(kind, call_sid, std::move(received_at), std::move(raw));
}

call_event relay_closed_event(const std::string& call_sid, std::string reason,
                              std::string received_at) {
  auto ev = frame_event(event_kind::relay_closed, call_sid,
                        std::move(received_at), {{"Reason", reason}});
  ev.relay.reason = std::move(reason);
  return ev;
}

} // namespace sb
