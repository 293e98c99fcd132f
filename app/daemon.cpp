#include "app/daemon.hpp"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include <pthread.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <systemd/sd-daemon.h>

#include "actors/admin.hpp"
#include "actors/ingress.hpp"
#include "actors/llm_pool.hpp"
#include "actors/stt.hpp"
#include "actors/tool_refresh.hpp"
#include "actors/tts.hpp"
#include "actors/watchdog.hpp"
#include "app/admin_front.hpp"
#include "app/console/console_assets.hpp"
#include "app/console/console_front.hpp"
#include "app/console/console_mcp_checks.hpp"
#include "app/console/console_sessions.hpp"
#include "app/http_front.hpp"
#include "app/media_front.hpp"
#include "app/open_files.hpp"
#include "app/relay_front.hpp"
#include "app/voice_twiml.hpp"
#include "backends/mcp/mcp_toolbox.hpp"
#include "backends/tts/audio_cache.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "net/http/http_server.hpp"
#include "net/line/line_server.hpp"
#include "storage/console_reader.hpp"
#include "storage/database.hpp"
#include "storage/live_feed.hpp"

namespace sb {

namespace {

namespace asio = boost::asio;

struct actor_config : caf::actor_system_config {
  explicit actor_config(const config& cfg) {
    add_message_types<caf::id_block::switchboard>();
    // 'sharing' idles at a fraction of work-stealing's CPU; a bounded
    // max-throughput keeps one busy actor from starving the others.
    set("scheduler.policy", caf::atom("sharing"));
    set("scheduler.max-threads", cfg.runtime.scheduler_threads);
    set("scheduler.max-throughput", cfg.runtime.max_throughput);
  }
};

caf::expected<std::shared_ptr<const scripted_rules>>
load_rules(const config& cfg) {
  if (cfg.llm.rules_file.empty())
    return std::make_shared<const scripted_rules>(builtin_rules());
  auto rules = load_rules_file(cfg.llm.rules_file);
  if (!rules)
    return rules.error();
  return std::make_shared<const scripted_rules>(std::move(*rules));
}

http_server_options server_options(const config& cfg, size_t max_connections) {
  http_server_options o;
  o.host = cfg.server.listen_host;
  o.port = cfg.server.listen_port;
  o.max_body_bytes = cfg.server.max_body_bytes;
  o.header_timeout = std::chrono::milliseconds(cfg.server.header_timeout_ms);
  o.body_timeout = std::chrono::milliseconds(cfg.server.body_timeout_ms);
  o.idle_timeout = std::chrono::milliseconds(cfg.server.idle_timeout_ms);
  o.max_connections = max_connections;
  o.rate_limit_per_s = cfg.server.rate_limit_per_s;
  o.rate_limit_burst = cfg.server.rate_limit_burst;
  o.rate_limit_loopback = cfg.server.rate_limit_loopback;
  o.ws_idle_timeout = std::chrono::seconds(cfg.relay.idle_timeout_s);
  o.ws_max_frame_bytes = static_cast<size_t>(cfg.relay.max_frame_bytes);
  o.ws_send_queue_frames = static_cast<size_t>(cfg.relay.send_queue_frames);
  return o;
}

// Raises the open-file limit and says what it allows: a configured
// max_connections the limit cannot hold is lowered, loudly, so that the
// acceptor refuses connections before accept() starts failing.
size_t open_files_for_connections(const config& cfg) {
  auto files = raise_open_files_limit();
  const auto wanted = static_cast<size_t>(cfg.server.max_connections);
  const auto allowed = connections_within(wanted, files.soft);
  SB_LOG_NOTICE("open files limit " << files.soft << " (hard " << files.hard
                                    << (files.raised ? ", raised to it" : "")
                                    << ")");
  if (files.error != 0 && !files.raised)
    SB_LOG_WARNING("cannot raise the open files limit to "
                   << files.hard << ": " << std::strerror(files.error));
  if (allowed < wanted)
    SB_LOG_WARNING("server.max_connections "
                   << wanted << " lowered to " << allowed
                   << ": the open files limit " << files.soft << " keeps "
                   << reserved_descriptors
                   << " for the rest (raise LimitNOFILE=)");
  return allowed;
}

// The audio cache and the TTS pool, unless Twilio's own voices speak.
caf::error start_tts(caf::actor_system& sys, std::shared_ptr<const config> cfg,
                     std::shared_ptr<audio_cache>& audio, tts_actor& tts) {
  if (cfg->tts.engine == "say")
    return caf::none;
  auto cache = audio_cache::open(cfg->tts.cache_dir,
                                 uint64_t(cfg->tts.cache_max_mb) << 20);
  if (!cache)
    return cache.error();
  audio = std::move(*cache);
  auto pool = spawn_tts_pool(sys, cfg, audio);
  if (!pool)
    return pool.error();
  tts = *pool;
  return caf::none;
}

// Where every part of the running daemon lives, in the order it starts.
// Members are destroyed in reverse: the io_context outlives the actor
// system, since actors may still hold replies that post onto it.
struct daemon_parts {
  config_ptr cfg;
  std::shared_ptr<live_config>
    live; // what the I/O threads read; reloads swap it
  std::string config_path;
  std::string console_dir; // --console-dir; empty = the embedded files
  asio::io_context ioc;
  asio::io_context admin_ioc; // its own thread: answers when HTTP is busy
  // The console's: what the store publishes after each commit, and the
  // read-only connection its queries run on (after the io_context, so it
  // is gone before it: its jobs answer onto the I/O threads).
  std::shared_ptr<live_feed> feed = std::make_shared<live_feed>();
  std::shared_ptr<console_reader> reader;
  // The MCP tools of the call's model (null without [[llm.mcp_servers]]);
  // its slots' threads end after the actors that call them.
  std::shared_ptr<mcp_toolbox> toolbox;
  std::unique_ptr<actor_config> acfg;
  std::unique_ptr<caf::actor_system> sys;
  store_actor store;
  llm_actor llm;
  twilio_actor twilio;
  tts_actor tts;
  // Nothing asks it yet: the media transport (Twilio Media Streams) will.
  stt_actor stt;
  std::shared_ptr<audio_cache> audio;
  ingress_actor ingress;
  std::shared_ptr<call_directory> directory; // the ingress's live calls
  admin_actor admin;
  watchdog_actor watchdog;
  size_t max_connections = 1;
  std::unique_ptr<http_server> http;
  std::unique_ptr<http_server> console; // null when the console is off
  std::unique_ptr<line_server> admin_socket;
  std::vector<std::thread> io_threads;
  std::thread admin_thread;

  caf::error start_actors(std::unique_ptr<database> db,
                          std::shared_ptr<const scripted_rules> rules);
  caf::error start_listeners();
  caf::error start_console();
  void run_io();
  void reload();
  void stop(std::chrono::seconds drain_limit);
  void stop_actors();
};

caf::error
daemon_parts::start_actors(std::unique_ptr<database> db,
                           std::shared_ptr<const scripted_rules> rules) {
  acfg = std::make_unique<actor_config>(*cfg);
  sys = std::make_unique<caf::actor_system>(*acfg);
  store = spawn_store(*sys, std::move(db), cfg->storage, true, feed);
  // A real model with MCP servers gets their tools; a slow server must not
  // hold up the start, so they are listed on a thread of their own.
  if (cfg->llm.backend != "scripted" && !cfg->llm.mcp_servers.empty()) {
    toolbox = std::make_shared<mcp_toolbox>(cfg->llm);
    refresh_tools_later(*sys, toolbox, cfg->llm, "start");
  }
  llm = cfg->llm.backend == "scripted" ? spawn_scripted_llm(*sys, rules)
                                       : spawn_llm_pool(*sys, cfg, toolbox);
  twilio = spawn_twilio(*sys, cfg->twilio);
  if (auto err = start_tts(*sys, cfg, audio, tts))
    return err;
  // No transport feeds the pool yet (the media transport will, and then
  // make its decoders at start): until then a decoder is made at its
  // first utterance, so a daemon that never hears audio pays neither
  // ~0.5 s of start-up nor ~100 MB per decoder. The model's files were
  // checked with the configuration.
  // A media call feeds the pool from its first words: its decoders are
  // made now, and a model that does not load stops the start here. The
  // other transports never feed it (a reload to media makes them on
  // first use).
  auto stt_pool = spawn_stt_pool(*sys, cfg,
                                 cfg->voice.transport == "media"
                                   ? stt_decoders::at_start
                                   : stt_decoders::on_first_use);
  if (!stt_pool)
    return stt_pool.error();
  stt = *stt_pool;
  auto render = [](const voice_reply& r, const config& c) {
    return render_twiml(r, c);
  };
  // The scripted responder answers in microseconds: calls ask it inline,
  // which saves two messages and a deadline timer per turn.
  auto instant = cfg->llm.backend == "scripted" ? scripted_instant_llm(rules)
                                                : instant_llm{};
  directory = std::make_shared<call_directory>();
  ingress = spawn_ingress(*sys,
                          ingress_deps{store, llm, twilio, cfg, tts, render,
                                       std::move(instant), directory});
  live = std::make_shared<live_config>(cfg);
  admin = spawn_admin(*sys, admin_deps{ingress, twilio, llm, config_path,
                                       process_env(), cfg, live, toolbox});
  // systemd's watchdog wants a ping every half WatchdogSec=, from an actor
  // that has just heard the ingress and the store answer; without one the
  // same health round still refreshes STATUS= every 10 s.
  auto ping = watchdog_interval(std::getenv("WATCHDOG_USEC"),
                                std::getenv("WATCHDOG_PID"), getpid());
  watchdog = spawn_watchdog(
    *sys, ingress, store,
    ping ? std::chrono::duration_cast<std::chrono::milliseconds>(*ping)
         : std::chrono::milliseconds(10000),
    [](const std::string& line) { sd_notify(0, line.c_str()); },
    ping ? watchdog_mode::ping : watchdog_mode::status_only);
  return caf::none;
}

caf::error daemon_parts::start_listeners() {
  // One key for the TwiML that issues session tokens and the upgrade
  // handler that checks them.
  auto relay_key = make_relay_key(*cfg);
  auto server = http_server::start(
    ioc, server_options(*cfg, max_connections),
    make_http_handler(ingress, directory, live, audio, relay_key),
    route_upgrades(
      make_media_upgrade_handler(
        {sys.get(), ingress, directory, live, relay_key, stt, tts, audio}),
      make_relay_upgrade_handler(*sys, ingress, directory, live, relay_key)));
  if (!server)
    return server.error();
  http = std::move(*server);
  auto socket = line_server::start(admin_ioc, cfg->admin.socket,
                                   make_admin_handler(admin));
  if (!socket)
    return socket.error();
  admin_socket = std::move(*socket);
  return start_console();
}

// Off without a listen address, or without admin.token (there would be no
// way to log in). On, it shares the I/O threads with the public listener
// but not its port, limits or rate limit.
caf::error daemon_parts::start_console() {
  const auto& c = cfg->console;
  if (c.listen.empty()) {
    SB_LOG_NOTICE("console: off (console.listen is empty)");
    return caf::none;
  }
  if (cfg->admin.token.empty()) {
    SB_LOG_NOTICE("console: off: admin.token is not set (logins are "
                  "checked against it; set it, admin.token_file or "
                  "SWITCHBOARD_ADMIN_TOKEN)");
    return caf::none;
  }
  auto assets =
    console_dir.empty() ? caf::expected<
      std::shared_ptr<const console_assets>>{console_assets::embedded()}
                        : console_assets::from_directory(console_dir);
  if (!assets)
    return assets.error();
  auto opened = console_reader::open(cfg->storage.path);
  if (!opened)
    return opened.error();
  reader = std::move(*opened);
  console_session_options so;
  so.idle = std::chrono::minutes(c.session_idle_minutes);
  so.max_sessions = static_cast<size_t>(c.max_sessions);
  so.login_failures = static_cast<size_t>(c.login_failures_per_minute);
  console_deps deps{admin,
                    reader,
                    feed,
                    live,
                    std::make_shared<console_sessions>(cfg->admin.token, so),
                    *assets,
                    &ioc,
                    cfg->tts.cache_dir,
                    resolve_caller_audio_dir(*cfg),
                    SB_VERSION};
  http_server_options o;
  o.host = c.listen_host;
  o.port = c.listen_port;
  // Pages and API calls of a few operators' tabs, and one event stream
  // each: a small cap, apart from the public listener's.
  o.max_connections = static_cast<size_t>(c.max_streams) + 256;
  // The largest body is an MCP request's (a tool's arguments).
  o.max_body_bytes = mcp_max_body_bytes;
  auto server = http_server::start(ioc, o, make_console_handler(deps));
  if (!server)
    return server.error();
  console = std::move(*server);
  SB_LOG_NOTICE("console: http://"
                << (o.host.find(':') == std::string::npos ? o.host
                                                          : "[" + o.host + "]")
                << ":" << console->port() << "/ (files " << (*assets)->origin()
                << ")");
  return caf::none;
}

void daemon_parts::run_io() {
  for (int i = 0; i < cfg->server.io_threads; ++i)
    io_threads.emplace_back([this] { ioc.run(); });
  admin_thread = std::thread([this] { admin_ioc.run(); });
}

void daemon_parts::reload() {
  admin_promise logged{[](admin_reply r) {
                         if (!r.ok)
                           SB_LOG_ERROR("SIGHUP reload failed: " << r.error);
                       },
                       [] {}};
  caf::anon_send(admin, admin_atom::value,
                 admin_command{"reload", {}, {}, {}, {}}, std::move(logged));
}

// Stops an actor and waits (bounded) until it is gone, so the next one in
// the shutdown order sees everything it sent.
void stop_actor(caf::actor_system& sys, const caf::actor& who) {
  if (!who)
    return;
  caf::scoped_actor self{sys, true};
  self->monitor(who);
  caf::anon_send_exit(who, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {},
                caf::after(std::chrono::seconds(10)) >>
                  [] {
                    SB_LOG_ERROR("shutdown: an actor did not stop in 10 s");
                  });
}

void daemon_parts::stop_actors() {
  if (!sys)
    return;
  for (auto a :
       {caf::actor_cast<caf::actor>(watchdog),
        caf::actor_cast<caf::actor>(admin),
        caf::actor_cast<caf::actor>(ingress), caf::actor_cast<caf::actor>(llm),
        caf::actor_cast<caf::actor>(twilio), caf::actor_cast<caf::actor>(tts),
        caf::actor_cast<caf::actor>(stt), caf::actor_cast<caf::actor>(store)})
    stop_actor(*sys, a);
}

// Drain: new inbound calls hear the busy message while the webhooks in
// flight are answered; then the listeners close, the I/O threads end and
// the actors stop, the store committing what it holds last.
void daemon_parts::stop(std::chrono::seconds drain_limit) {
  caf::anon_send(ingress, drain_atom::value);
  auto until = std::chrono::steady_clock::now() + drain_limit;
  // Polled: the main thread has nothing else to do, and a 10 ms step is far
  // below Twilio's patience.
  while (http->in_flight() > 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (auto n = http->in_flight())
    SB_LOG_WARNING("shutdown: " << n << " requests still unanswered");
  http->stop_accepting();
  if (console)
    console->stop_accepting();
  admin_socket.reset();
  ioc.stop();
  admin_ioc.stop();
  for (auto& t : io_threads)
    t.join();
  admin_thread.join();
  http.reset();
  console.reset();
  // Queued console queries answer "shutting down" onto connections that
  // are gone; the store keeps the file until it stops.
  reader.reset();
  stop_actors();
}

int wait_for_signal(const sigset_t& signals, daemon_parts& d) {
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0)
      continue;
    if (sig != SIGHUP)
      return sig;
    SB_LOG_NOTICE("SIGHUP: reloading " << d.config_path);
    d.reload();
  }
}

void log_started(const config& cfg, uint16_t port) {
  SB_LOG_NOTICE("listening on "
                << cfg.server.listen_host << ":" << port << " (public URL "
                << cfg.server.public_url << ", storage " << cfg.storage.path
                << ", llm " << cfg.llm.backend << ", tts " << cfg.tts.engine
                << ", stt " << cfg.stt.engine << ", admin " << cfg.admin.socket
                << ")");
  if (!cfg.twilio.validate_signatures)
    SB_LOG_WARNING("twilio.validate_signatures = false: webhooks are NOT "
                   "authenticated; use this only for local development");
}

} // namespace

caf::error check_startup(const config& cfg) {
  if (cfg.twilio.validate_signatures && cfg.twilio.auth_token.empty())
    return make_error(errc::bad_config,
                      "twilio.auth_token: required while "
                      "twilio.validate_signatures = true (set it, "
                      "twilio.auth_token_file or TWILIO_AUTH_TOKEN; or turn "
                      "validation off for local development)");
  return caf::none;
}

int run_daemon(const config& cfg_in, const std::string& config_path,
               const std::string& console_dir) {
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGTERM, SIGINT, SIGHUP})
    sigaddset(&signals, sig);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  daemon_parts d;
  d.cfg = std::make_shared<const config>(cfg_in);
  d.config_path = config_path;
  d.console_dir = console_dir;
  d.max_connections = open_files_for_connections(*d.cfg);
  auto db = database::open(d.cfg->storage.path);
  if (!db) {
    SB_LOG_ERROR("storage: " << what(db.error()));
    return 1;
  }
  auto rules = load_rules(*d.cfg);
  if (!rules) {
    SB_LOG_ERROR(what(rules.error()));
    return 1;
  }
  auto err = d.start_actors(std::move(*db), *rules);
  if (!err)
    err = d.start_listeners();
  if (err) {
    SB_LOG_ERROR(what(err));
    d.admin_socket.reset();
    d.http.reset();
    d.console.reset();
    d.reader.reset();
    d.stop_actors();
    return 1;
  }
  auto work = asio::make_work_guard(d.ioc);
  auto admin_work = asio::make_work_guard(d.admin_ioc);
  d.run_io();
  log_started(*d.cfg, d.http->port());
  sd_notify(0, "READY=1\nSTATUS=accepting calls");

  int sig = wait_for_signal(signals, d);
  SB_LOG_NOTICE("received " << strsignal(sig) << ", draining");
  sd_notify(0, "STOPPING=1");
  work.reset();
  admin_work.reset();
  d.stop(std::chrono::seconds(d.cfg->limits.drain_timeout_s));
  SB_LOG_NOTICE("stopped");
  return 0;
}

} // namespace sb
