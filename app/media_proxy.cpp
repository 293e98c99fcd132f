// media_proxy's behaviour: Twilio's frames in, the call's events out;
// the call's clauses in, paced audio and marks out. See media_proxy.hpp.
#include "app/media_proxy.hpp"

#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <variant>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "app/media_listener.hpp"
#include "backends/audio/audio_format.hpp"
#include "backends/audio/playout_pacer.hpp"
#include "backends/tts/audio_cache.hpp"
#include "backends/vad/backchannel.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "twilio/call_events.hpp"
#include "twilio/media_frames.hpp"
#include "twilio/relay_token.hpp"

namespace sb {

namespace {

using steady = std::chrono::steady_clock;

// Twilio closes a session after ten bad frames of ours in a row; we do the
// same with its.
constexpr int max_malformed_in_row = 10;
// How often the proxy looks at its deadlines (start, silence, marks).
constexpr auto chores_every = std::chrono::milliseconds(250);

/// One clause on its way to the caller: asked of the TTS pool, then
/// queued in the pacer, then played (its mark came back).
struct clause_out {
  uint64_t generation = 0;
  uint32_t clause = 0;
  bool interruptible = true;
  steady::time_point asked;
  bool ready = false;     // the TTS pool answered (or failed)
  std::string mulaw;      // its audio, once ready
  std::string audio_id;   // the audio cache's id of it
  bool queued = false;    // handed to the pacer
  bool mark_sent = false; // its mark went out
  int64_t play_at_ms = 0; // mark_sent: when Twilio should have played it
};

/// An utterance the recogniser is working on.
struct utterance {
  int64_t start_ms = 0;
  bool ended = false;
  bool over_speech = false; // began while we were speaking
  bool barged = false;      // it barged in already
  bool muted = false;       // began over speech that may not be interrupted
  int64_t eot_wait_ms = -1;
  int64_t speech_ms = -1;
  std::string audio_path;
};

struct proxy_state {
  static const char* name;
  media_proxy_deps deps;
  config_ptr cfg;
  steady::time_point opened = steady::now();
  bool connected = false;
  bool bound = false; // a checked start arrived
  bool closing = false;
  std::string stream_sid;
  std::string call_sid;
  std::optional<media_listener> listener;
  std::optional<playout_pacer> pacer;
  std::deque<clause_out> clauses;      // in the order they will play
  std::set<std::string> cleared_marks; // echoes to ignore
  uint64_t latest_generation = 0;
  uint64_t finished_generation = 0;
  uint64_t cleared_generation = 0;
  bool tick_armed = false;
  // The caller's utterances.
  uint64_t utterances = 0;
  uint64_t current_utterance = 0; // 0: none in progress
  std::map<uint64_t, utterance> recognising;
  // The turn gap: the caller's last voiced frame of the turn we answer.
  std::optional<steady::time_point> last_voiced_at;
  uint64_t gap_generation = 0; // the reply whose first audio was measured
  std::map<uint64_t, steady::time_point> first_asked; // per generation
  steady::time_point listening_since = steady::now();
  int malformed_in_row = 0;
  std::set<std::string> logged; // kinds of bad input already logged
  int64_t sequence = 0;         // last inbound sequenceNumber
};

const char* proxy_state::name = "media-proxy";

using proxy_pointer = media_proxy_actor::stateful_pointer<proxy_state>;

int64_t now_ms(const proxy_state& st) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now()
                                                               - st.opened)
    .count();
}

int64_t ms_since(steady::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now()
                                                               - t)
    .count();
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

void close_socket(proxy_pointer self, uint16_t code, std::string reason) {
  auto& st = self->state;
  st.closing = true;
  if (auto ch = st.deps.channel.lock())
    ch->close(code, std::move(reason));
}

void send_frame(proxy_pointer self, std::string frame) {
  if (auto ch = self->state.deps.channel.lock())
    ch->send_text(std::move(frame));
}

// Bad input is logged once per kind and stream: a broken or hostile peer
// must not flood the journal.
void log_once(proxy_pointer self, const std::string& kind,
              const std::string& detail) {
  auto& st = self->state;
  metrics::daemon().media_bad_frames.inc();
  if (!st.logged.insert(kind).second)
    return;
  SB_LOG_WARNING(
    "media " << (st.call_sid.empty() ? st.deps.remote : st.call_sid) << ": "
             << kind << " (" << detail << "); further ones are not logged");
}

// Hands one event of the call to its actor (or the ingress). A hangup
// answer means the call is over (or not ours): the socket goes.
void send_event(proxy_pointer self, call_event ev) {
  auto& st = self->state;
  ev.authenticated = true;
  ev.media_peer = caf::actor_cast<caf::actor>(self);
  ev.media.stream_sid = st.stream_sid;
  auto channel = st.deps.channel;
  voice_reply_promise promise{[channel](voice_reply r) {
                                if (r.action != reply_action::hangup)
                                  return;
                                if (auto ch = channel.lock())
                                  ch->close(1000, "call ended");
                              },
                              [channel] {
                                if (auto ch = channel.lock())
                                  ch->close(1011, "call unavailable");
                              }};
  if (!st.deps.directory || !st.deps.directory->route(ev, promise))
    self->send(st.deps.ingress, event_atom::value, std::move(ev),
               std::move(promise));
}

call_event stream_event(proxy_pointer self, event_kind kind,
                        form_params raw = {}) {
  return media_stream_event(kind, self->state.call_sid, iso8601_utc_now(),
                            std::move(raw));
}

// -- Speaking
// ------------------------------------------------------------------

bool speaking(const proxy_state& st) {
  return !st.clauses.empty() || st.latest_generation > st.finished_generation;
}

// Whether the clause playing now (or next) may be talked over.
bool interruptible_now(const proxy_state& st) {
  return st.clauses.empty() || st.clauses.front().interruptible;
}

void arm_tick(proxy_pointer self, int64_t at_ms) {
  auto& st = self->state;
  if (st.tick_armed || at_ms < 0)
    return;
  st.tick_armed = true;
  auto wait = std::max<int64_t>(at_ms - now_ms(st), 0);
  self->delayed_send(self, std::chrono::milliseconds(wait),
                     media_tick_atom::value);
}

void note_first_audio(proxy_pointer self, uint64_t generation) {
  auto& st = self->state;
  if (generation == 0 || generation <= st.gap_generation)
    return;
  st.gap_generation = generation;
  auto ev = stream_event(self, event_kind::media_playing);
  ev.media.generation = generation;
  if (st.last_voiced_at) {
    auto gap = ms_since(*st.last_voiced_at);
    ev.media.turn_gap_ms = gap;
    metrics::daemon().turn_gap.observe(static_cast<double>(gap) / 1000.0);
    st.last_voiced_at.reset();
  }
  if (auto it = st.first_asked.find(generation); it != st.first_asked.end())
    ev.media.tts_first_audio_ms = ms_since(it->second);
  // Older replies will not start again: a long call keeps no entry each.
  st.first_asked.erase(st.first_asked.begin(),
                       st.first_asked.upper_bound(generation));
  send_event(self, std::move(ev));
}

// Sends what the pacer says is due, and arms the next tick.
void pump(proxy_pointer self) {
  auto& st = self->state;
  if (!st.pacer || st.closing)
    return;
  auto now = now_ms(st);
  for (auto& item : st.pacer->due(now)) {
    if (item.is_mark) {
      for (auto& c : st.clauses)
        if (!c.mark_sent && c.queued
            && mark_name(c.generation, c.clause) == item.mark) {
          c.mark_sent = true;
          c.play_at_ms = st.pacer->played_out_at();
          break;
        }
      send_frame(self, media_mark_frame(st.stream_sid, item.mark));
      continue;
    }
    if (item.late_ms > 0)
      metrics::daemon().media_late_frames.inc();
    metrics::daemon().media_frames_out.inc();
    note_first_audio(self, item.generation);
    send_frame(self, media_audio_frame(st.stream_sid, item.audio));
  }
  arm_tick(self, st.pacer->next_due_ms(now));
}

// Clauses go to the pacer in order, each once its audio is ready.
void queue_ready(proxy_pointer self) {
  auto& st = self->state;
  bool any = false;
  for (auto& c : st.clauses) {
    if (c.queued)
      continue;
    if (!c.ready)
      break;
    st.pacer->push_audio(c.generation, c.mulaw);
    st.pacer->push_mark(c.generation, mark_name(c.generation, c.clause));
    c.mulaw.clear();
    c.queued = true;
    any = true;
  }
  if (any)
    pump(self);
}

std::string to_mulaw(const std::vector<uint8_t>& wav) {
  auto pcm = read_wav(std::string_view{
    reinterpret_cast<const char*>(wav.data()), wav.size()}); // NOLINT
  if (!pcm || pcm->sample_rate != phone_sample_rate)
    return {};
  std::string out;
  out.reserve(pcm->samples.size());
  for (auto s : pcm->samples)
    out.push_back(static_cast<char>(linear_to_mulaw(s)));
  return out;
}

clause_out* find_clause(proxy_state& st, uint64_t generation, uint32_t n) {
  for (auto& c : st.clauses)
    if (c.generation == generation && c.clause == n && !c.queued)
      return &c;
  return nullptr;
}

void on_speak(proxy_pointer self, uint64_t generation, uint32_t n,
              std::string text, std::string language, bool interruptible) {
  auto& st = self->state;
  if (st.closing || (generation != 0 && generation <= st.cleared_generation))
    return;
  st.latest_generation = std::max(st.latest_generation, generation);
  clause_out c;
  c.generation = generation;
  c.clause = n;
  c.interruptible = interruptible;
  c.asked = steady::now();
  st.first_asked.emplace(generation, c.asked);
  st.clauses.push_back(std::move(c));
  if (st.listener)
    st.listener->set_speaking(true);
  if (!st.deps.tts) {
    log_once(self, "no voice", "no TTS pool; the clause is skipped");
    st.clauses.back().ready = true;
    queue_ready(self);
    return;
  }
  auto timeout = std::chrono::milliseconds(st.cfg->tts.timeout_ms);
  self
    ->request(st.deps.tts, timeout, speak_atom::value,
              tts_request{std::move(text), std::move(language)})
    .then(
      [self, generation, n](tts_audio& audio) {
        auto& st = self->state;
        auto* c = find_clause(st, generation, n);
        if (!c)
          return; // cleared meanwhile
        c->ready = true;
        if (st.deps.audio)
          if (auto wav = st.deps.audio->read(audio.id)) {
            c->mulaw = to_mulaw(*wav);
            c->audio_id = audio.id;
          }
        if (c->mulaw.empty())
          SB_LOG_WARNING("media " << st.call_sid << ": audio " << audio.id
                                  << " unreadable; clause skipped");
        queue_ready(self);
      },
      [self, generation, n](caf::error& err) {
        auto& st = self->state;
        auto* c = find_clause(st, generation, n);
        if (!c)
          return;
        SB_LOG_WARNING("media " << st.call_sid << ": no audio for clause " << n
                                << " of reply " << generation << ": "
                                << what(err));
        c->ready = true; // its mark still goes out: the reply goes on
        queue_ready(self);
      });
}

// Drops everything of ours not yet played: Twilio's queue (clear), the
// pacer's, and the clauses still being synthesised. Marks Twilio echoes
// for the cleared audio are not "heard".
void clear_speech(proxy_pointer self) {
  auto& st = self->state;
  if (st.clauses.empty() && (!st.pacer || st.pacer->empty()))
    return;
  send_frame(self, media_clear_frame(st.stream_sid));
  for (auto& c : st.clauses)
    if (c.mark_sent)
      st.cleared_marks.insert(mark_name(c.generation, c.clause));
  st.clauses.clear();
  if (st.pacer)
    st.pacer->clear(now_ms(st));
  st.cleared_generation = std::max(st.cleared_generation, st.latest_generation);
  st.finished_generation = st.latest_generation;
  if (st.listener)
    st.listener->set_speaking(false);
  st.listening_since = steady::now();
}

// The caller talked over us: clear, and tell the call which reply.
void barge_in_now(proxy_pointer self, int64_t reaction_ms) {
  auto& st = self->state;
  auto generation = st.latest_generation;
  clear_speech(self);
  metrics::daemon().barge_in_reaction.observe(static_cast<double>(reaction_ms)
                                              / 1000.0);
  auto ev = stream_event(self, event_kind::media_barge_in,
                         {{"Generation", std::to_string(generation)}});
  ev.media.generation = generation;
  ev.media.reaction_ms = reaction_ms;
  send_event(self, std::move(ev));
}

void on_mark(proxy_pointer self, const media_mark& m) {
  auto& st = self->state;
  if (st.cleared_marks.erase(m.name) > 0)
    return; // flushed by our clear, never heard
  auto parsed = parse_mark_name(m.name);
  if (!parsed) {
    log_once(self, "unknown mark", m.name);
    return;
  }
  auto [generation, n] = *parsed;
  // Marks come back in the order they were sent; whatever is still before
  // this one played too.
  bool found = false;
  for (auto& c : st.clauses)
    if (c.generation == generation && c.clause == n && c.mark_sent)
      found = true;
  if (!found) {
    log_once(self, "mark we did not send", m.name);
    return;
  }
  while (!st.clauses.empty()) {
    auto c = st.clauses.front();
    st.clauses.pop_front();
    if (c.generation != 0) {
      auto ev = stream_event(self, event_kind::media_heard,
                             {{"Mark", mark_name(c.generation, c.clause)}});
      ev.media.generation = c.generation;
      ev.media.clause = c.clause;
      ev.media.audio_id = c.audio_id;
      send_event(self, std::move(ev));
    }
    if (c.generation == generation && c.clause == n)
      break;
  }
  if (!speaking(st)) {
    if (st.listener)
      st.listener->set_speaking(false);
    st.listening_since = steady::now();
  }
}

// -- Hearing
// -------------------------------------------------------------------

std::string keep_audio(proxy_pointer self, const turn_ended& t) {
  auto& st = self->state;
  namespace fs = std::filesystem;
  fs::path dir = st.cfg->media.caller_audio_dir;
  if (dir.is_relative())
    dir = fs::path{st.cfg->storage.path}.parent_path() / dir;
  auto path = dir
              / (st.call_sid + "-" + st.stream_sid + "-"
                 + std::to_string(t.start_ms) + ".wav");
  std::error_code ec;
  fs::create_directories(dir, ec);
  auto bytes = pcm_wav(t.audio);
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), // NOLINT
            static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    log_once(self, "caller audio not saved", path.string());
    return {};
  }
  return path.string();
}

void on_recognized(proxy_pointer self, uint64_t id, stt_result r) {
  auto& st = self->state;
  auto it = st.recognising.find(id);
  if (it == st.recognising.end())
    return;
  auto u = std::move(it->second);
  st.recognising.erase(it);
  if (u.muted)
    return;
  SB_LOG_INFO("media " << st.call_sid << ": heard '" << r.text << "' ("
                       << u.speech_ms << " ms of speech, text " << r.tail_ms
                       << " ms after its end"
                       << (u.over_speech ? ", over our voice" : "") << ")");
  // Words over our voice that did not barge in: a backchannel ("mm",
  // "okay") or nothing at all is not a turn; real words interrupt now.
  if (u.over_speech && !u.barged && speaking(st)) {
    if (r.text.empty()
        || is_backchannel(r.text, st.cfg->media.backchannel_words)) {
      SB_LOG_DEBUG("media " << st.call_sid << ": backchannel '" << r.text
                            << "' ignored");
      return;
    }
    barge_in_now(self, -1);
  }
  auto ev = stream_event(self, event_kind::media_turn,
                         {{"SpeechResult", r.text},
                          {"Confidence", std::to_string(r.confidence)},
                          {"Engine", r.engine}});
  ev.input.speech = std::move(r.text);
  if (r.confidence >= 0)
    ev.input.confidence = r.confidence;
  ev.input.language = r.language;
  ev.media.eot_wait_ms = u.eot_wait_ms;
  ev.media.stt_tail_ms = r.tail_ms;
  ev.media.audio_path = std::move(u.audio_path);
  send_event(self, std::move(ev));
}

void recognise(proxy_pointer self, uint64_t id, utterance_ptr feed) {
  auto& st = self->state;
  if (!st.deps.stt) {
    log_once(self, "no recogniser", "the caller's words are not heard");
    return;
  }
  self->request(st.deps.stt, caf::infinite, recognize_atom::value, feed)
    .then([self, id](stt_result& r) { on_recognized(self, id, std::move(r)); },
          [self, id](caf::error& err) {
            auto& st = self->state;
            auto it = st.recognising.find(id);
            if (it == st.recognising.end())
              return;
            if (!it->second.ended) {
              st.recognising.erase(it); // dropped: cancelled
              return;
            }
            SB_LOG_WARNING("media " << st.call_sid
                                    << ": recognition failed: " << what(err));
            // The caller said something we could not hear: a re-prompt.
            on_recognized(self, id, stt_result{});
          });
}

void on_heard(proxy_pointer self, std::vector<media_listener::event> events) {
  auto& st = self->state;
  for (auto& e : events) {
    if (auto* s = std::get_if<media_listener::started>(&e)) {
      auto id = ++st.utterances;
      st.current_utterance = id;
      utterance u;
      u.start_ms = s->speech.start_ms;
      u.over_speech = speaking(st);
      u.muted = u.over_speech && !interruptible_now(st);
      if (u.muted)
        s->feed->cancel();
      st.recognising.emplace(id, std::move(u));
      if (!st.recognising[id].muted)
        recognise(self, id, s->feed);
    } else if (auto* t = std::get_if<media_listener::ended>(&e)) {
      auto it = st.recognising.find(st.current_utterance);
      st.current_utterance = 0;
      if (it == st.recognising.end())
        continue;
      auto& u = it->second;
      u.ended = true;
      u.eot_wait_ms = t->turn.at_ms - t->turn.end_ms;
      u.speech_ms = t->turn.end_ms - t->turn.start_ms;
      if (u.muted) {
        st.recognising.erase(it);
        continue;
      }
      st.last_voiced_at = steady::now()
                          - std::chrono::milliseconds(u.eot_wait_ms);
      if (st.cfg->media.keep_caller_audio)
        u.audio_path = keep_audio(self, t->turn);
    } else if (std::holds_alternative<media_listener::dropped>(e)) {
      st.current_utterance = 0; // its feed is cancelled: the pool answers
    } else if (auto* b = std::get_if<media_listener::barged>(&e)) {
      auto it = st.recognising.find(st.current_utterance);
      if (it == st.recognising.end() || it->second.muted || !speaking(st)
          || !interruptible_now(st))
        continue;
      it->second.barged = true;
      barge_in_now(self, b->event.at_ms - b->event.start_ms);
    }
  }
  st.listening_since = steady::now();
}

void on_audio(proxy_pointer self, const media_audio& a) {
  auto& st = self->state;
  metrics::daemon().media_frames_in.inc();
  if (a.stream_sid != st.stream_sid) {
    log_once(self, "media of another streamSid", a.stream_sid);
    return;
  }
  if (a.track != "inbound")
    return; // a bidirectional stream carries the caller's track only
  auto before = st.listener->skipped_samples();
  auto events = st.listener->hear(a.timestamp_ms, a.payload);
  const auto& p = st.listener->last_placement();
  if (p.dropped > 0)
    metrics::daemon().media_dropped_frames.inc();
  if (st.listener->skipped_samples() > before)
    log_once(self, "a long gap in the caller's audio",
             "timestamp " + std::to_string(a.timestamp_ms));
  bool in_utterance = st.listener->in_utterance();
  if (!events.empty())
    on_heard(self, std::move(events));
  else if (in_utterance)
    st.listening_since = steady::now();
}

// -- Frames
// --------------------------------------------------------------------

void on_start(proxy_pointer self, const media_start& s) {
  auto& st = self->state;
  if (st.bound) {
    log_once(self, "second start", s.stream_sid);
    return;
  }
  std::string token;
  for (const auto& [name, value] : s.custom_parameters)
    if (name == "token")
      token = value;
  auto verdict = check_relay_token(st.deps.token_key, s.call_sid, token,
                                   unix_now(), st.cfg->relay.token_max_age_s);
  if (verdict != relay_token_status::ok) {
    SB_LOG_WARNING("media from " << st.deps.remote << ": start for call "
                                 << s.call_sid << " refused: token "
                                 << to_string(verdict) << "; closing");
    metrics::daemon().signature_failures.inc();
    close_socket(self, 1008, "start does not name a call we answered");
    return;
  }
  if (s.sample_rate != phone_sample_rate || s.channels != 1) {
    SB_LOG_WARNING("media " << s.call_sid << ": stream of " << s.sample_rate
                            << " Hz, " << s.channels
                            << " channels refused (8000 Hz mono only)");
    close_socket(self, 1008, "unsupported media format");
    return;
  }
  auto listener = media_listener::create(st.cfg->media);
  if (!listener) {
    SB_LOG_ERROR("media " << s.call_sid << ": cannot hear the caller: "
                          << what(listener.error()));
    close_socket(self, 1011, "internal error");
    return;
  }
  st.listener.emplace(std::move(*listener));
  st.pacer.emplace(st.cfg->media.send_chunk_ms, st.cfg->media.send_lead_ms);
  st.bound = true;
  st.stream_sid = s.stream_sid;
  st.call_sid = s.call_sid;
  st.listening_since = steady::now();
  metrics::daemon().media_streams.inc();
  SB_LOG_INFO("media " << st.call_sid << ": stream " << st.stream_sid
                       << " from " << st.deps.remote << " started");
  send_event(self, media_start_event(s, iso8601_utc_now()));
}

void on_frame(proxy_pointer self, const std::string& text) {
  auto& st = self->state;
  if (st.closing)
    return;
  auto frame = parse_media_frame(
    text, static_cast<size_t>(st.cfg->media.max_payload_bytes));
  if (!frame) {
    if (++st.malformed_in_row >= max_malformed_in_row) {
      SB_LOG_WARNING("media " << st.call_sid << " from " << st.deps.remote
                              << ": " << st.malformed_in_row
                              << " malformed frames in a row; closing");
      metrics::daemon().media_bad_frames.inc();
      close_socket(self, 1007, "too many malformed frames");
      return;
    }
    // Once per field at fault (the error quotes it), else per fault: a
    // bad payload and bad JSON are different faults of the peer.
    auto why = what(frame.error());
    auto open = why.find('\'');
    auto close = open == std::string::npos ? open : why.find('\'', open + 1);
    auto kind = close != std::string::npos
                  ? "malformed frame at " + why.substr(open, close - open + 1)
                  : "malformed frame";
    log_once(self, kind, why);
    return;
  }
  st.malformed_in_row = 0;
  if (auto* a = std::get_if<media_audio>(&*frame)) {
    if (!st.bound) {
      log_once(self, "media before start", "ignored");
      return;
    }
    on_audio(self, *a);
  } else if (std::holds_alternative<media_connected>(*frame)) {
    st.connected = true;
  } else if (auto* s = std::get_if<media_start>(&*frame)) {
    on_start(self, *s);
  } else if (!st.bound) {
    log_once(self, event_name(*frame) + " before start", "ignored");
  } else if (auto* m = std::get_if<media_mark>(&*frame)) {
    on_mark(self, *m);
  } else if (auto* d = std::get_if<media_dtmf>(&*frame)) {
    send_event(self, media_dtmf_event(*d, st.call_sid, iso8601_utc_now()));
  } else if (auto* s = std::get_if<media_stop>(&*frame)) {
    SB_LOG_INFO("media " << st.call_sid << ": stream " << st.stream_sid
                         << " stopped by Twilio");
    send_event(self, media_stop_event(*s, st.call_sid, iso8601_utc_now()));
  } else {
    log_once(self, "unknown event '" + event_name(*frame) + "'", "ignored");
  }
}

// Deadlines, looked at a few times a second: the start frame, the
// silence that re-prompts, marks that never come back.
void chores(proxy_pointer self) {
  auto& st = self->state;
  if (st.closing)
    return;
  const auto& m = st.cfg->media;
  if (!st.bound) {
    if (steady::now() - st.opened
        > std::chrono::milliseconds(m.start_timeout_ms)) {
      SB_LOG_WARNING("media from " << st.deps.remote << ": no "
                                   << (st.connected ? "start" : "connected")
                                   << " within " << m.start_timeout_ms
                                   << " ms; closing");
      close_socket(self, 1008, "no start frame");
      return;
    }
  } else {
    auto now = now_ms(st);
    for (const auto& c : st.clauses)
      if (c.mark_sent && now > c.play_at_ms + m.mark_timeout_s * 1000) {
        SB_LOG_WARNING("media " << st.call_sid << ": mark "
                                << mark_name(c.generation, c.clause)
                                << " not echoed " << m.mark_timeout_s
                                << " s after it should have played; the "
                                   "peer is not playing our audio; closing");
        close_socket(self, 1008, "marks not echoed");
        return;
      }
    bool busy = speaking(st) || st.listener->in_utterance()
                || !st.recognising.empty();
    if (busy) {
      st.listening_since = steady::now();
    } else if (steady::now() - st.listening_since
               >= std::chrono::seconds(m.reprompt_after_s)) {
      st.listening_since = steady::now();
      send_event(self, stream_event(self, event_kind::media_silence));
    }
  }
  self->delayed_send(self, chores_every, media_chores_atom::value);
}

void on_gone(proxy_pointer self, const std::string& why) {
  auto& st = self->state;
  SB_LOG_INFO("media " << (st.call_sid.empty() ? st.deps.remote : st.call_sid)
                       << ": stream closed: " << why);
  if (st.listener)
    st.listener->finish();
  st.recognising.clear();
  if (st.bound) {
    metrics::daemon().media_streams.dec();
    auto ev = stream_event(self, event_kind::media_closed, {{"Reason", why}});
    ev.media.reason = why;
    send_event(self, std::move(ev));
  }
  self->quit();
}

media_proxy_actor::behavior_type proxy_impl(proxy_pointer self,
                                            media_proxy_deps deps) {
  auto& st = self->state;
  st.deps = std::move(deps);
  st.cfg = st.deps.live->get();
  // The ingress goes first at shutdown; a proxy whose socket is still
  // open must not outlive it.
  self->monitor(st.deps.ingress);
  self->set_down_handler([self](caf::down_msg&) {
    close_socket(self, 1001, "going away");
    self->quit();
  });
  self->delayed_send(self, chores_every, media_chores_atom::value);
  return {
    [self](media_frame_atom, const std::string& text, int64_t received_ns) {
      auto waited = steady::now().time_since_epoch()
                    - std::chrono::nanoseconds(received_ns);
      metrics::daemon().media_frame_lag.observe(
        std::chrono::duration<double>(waited).count());
      on_frame(self, text);
    },
    [self](media_gone_atom, const std::string& why) { on_gone(self, why); },
    [self](media_tick_atom) {
      self->state.tick_armed = false;
      pump(self);
    },
    [self](media_chores_atom) { chores(self); },
    [self](media_speak_atom, uint64_t generation, uint32_t clause,
           std::string& text, std::string& language, bool interruptible) {
      on_speak(self, generation, clause, std::move(text), std::move(language),
               interruptible);
    },
    [self](media_finish_atom, uint64_t generation) {
      auto& st = self->state;
      st.finished_generation = std::max(st.finished_generation, generation);
      if (!speaking(st) && st.listener)
        st.listener->set_speaking(false);
    },
    [self](media_stop_reply_atom, uint64_t generation) {
      auto& st = self->state;
      if (generation >= st.latest_generation)
        clear_speech(self);
    },
    [self](media_close_atom, std::string& reason) {
      close_socket(self, 1000, std::move(reason));
    },
  };
}

} // namespace

media_proxy_actor spawn_media_proxy(caf::actor_system& sys,
                                    media_proxy_deps deps) {
  return sys.spawn(proxy_impl, std::move(deps));
}

} // namespace sb
