// Turns a call actor's voice_reply into the TwiML Twilio runs: speech is
// spoken inside a speech <Gather> (so the caller can barge in), followed by
// a <Redirect> back to process-speech for when the caller stays silent; a
// transfer <Dial>s a person; a relay reply hands the call to a
// ConversationRelay WebSocket, whose URL (wss://HOST/relay/{CallSid}/{token})
// this file also builds and reads back. Pure functions: no I/O, no state,
// callable from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "actors/messages.hpp"
#include "core/config.hpp"

namespace sb {

/// listen: <Gather> with the speech, then <Redirect> to process-speech.
/// hangup: the speech, then <Hangup/>.
/// wait: the filler (or a one-second <Pause>), then <Redirect> to
///   /voice/await?turn=N.
/// transfer: the speech (if any), then <Dial answerOnBridge="true"> with
///   reply.dial_to; nothing after it, so the call ends when the person
///   hangs up. An empty dial_to renders as hangup.
/// relay: a session needs the call's SID and token, which only
///   render_relay_twiml() takes; here it renders the safe fallback, as
///   hangup: the text (the greeting), then <Hangup/>.
/// The speech is <Play> of reply.audio_url when set, else <Say> of
/// reply.text with reply.voice and reply.language, else nothing.
/// REQUIRES: reply.action is not ack.
std::string render_twiml(const voice_reply& reply, const config& cfg);

/// For reply_action::relay:
///   <Connect action="{public_url}/voice/relay-done" method="POST">
///     <ConversationRelay url="{relay_url}" language="{reply.language}"
///       ttsProvider=… [voice=…] [transcriptionProvider=…] [speechModel=…]
///       [welcomeGreeting="{reply.text}"] welcomeGreetingInterruptible=…
///       interruptible=… dtmfDetection="true|false" [hints="a,b"]>
///       <Parameter name="callSid" value="{call_sid}"/>
///       <Parameter name="token" value="{token}"/>
///     </ConversationRelay>
///   </Connect>
/// with the attributes from cfg.relay (and hints from cfg.voice.hints);
/// bracketed ones are left out when empty. relay_url is normally
/// relay_socket_url(cfg, call_sid, token). Any other action renders as
/// render_twiml(); so does a relay reply with an empty relay_url or
/// call_sid (the fallback above). Every value is XML-escaped.
std::string render_relay_twiml(const voice_reply& reply, const config& cfg,
                               std::string_view relay_url,
                               std::string_view call_sid,
                               std::string_view token);

/// For reply_action::media:
///   <Connect action="{public_url}/voice/media-done" method="POST">
///     <Stream url="{stream_url}"
///       statusCallback="{public_url}/voice/media-status"
///       statusCallbackMethod="POST">
///       <Parameter name="callSid" value="{call_sid}"/>
///       <Parameter name="token" value="{token}"/>
///     </Stream>
///   </Connect>
/// The stream URL takes no query string (Twilio drops it): the call's
/// token travels as a <Parameter> and comes back in the start frame.
/// stream_url is normally media_socket_url(cfg). Any other action, or an
/// empty stream_url or call_sid, renders as render_twiml() (a media reply
/// as hangup). Every value is XML-escaped.
std::string render_media_twiml(const voice_reply& reply, const config& cfg,
                               std::string_view stream_url,
                               std::string_view call_sid,
                               std::string_view token);

/// The one WebSocket path every media stream opens.
inline constexpr std::string_view media_socket_path = "/media";

/// public_ws_base(cfg) + "/media", or "" where that is "".
std::string media_socket_url(const config& cfg);

/// server.public_url with its scheme as a WebSocket's: https -> wss,
/// http -> ws; "" for any other scheme.
std::string public_ws_base(const config& cfg);

/// cfg.server.public_url with http:// turned into ws:// and https:// into
/// wss://, then "/relay/{call_sid}/{token}". The arguments are copied as
/// they are: call SIDs and relay tokens (twilio/relay_token) need no escaping
/// in a path. Returns "" if public_url is not http(s):// (the config
/// loader never lets that through).
std::string relay_socket_url(const config& cfg, std::string_view call_sid,
                             std::string_view token);

/// The inverse for the WebSocket upgrade: "/relay/{CallSid}/{token}" gives
/// {CallSid, token}; nullopt for anything else. CallSid is 1..64 of
/// [A-Za-z0-9], token 1..128 of [0-9A-Za-z._-]; no other segment, no
/// trailing '/', no query (pass the path without it). Checks the shape
/// only: the token is checked against the call with check_relay_token().
std::optional<std::pair<std::string, std::string>>
parse_relay_target(std::string_view path);

} // namespace sb
