#include "app/daemon.hpp"

#include <csignal>
#include <pthread.h>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <systemd/sd-daemon.h>

#include "actors/ingress.hpp"
#include "actors/llm_pool.hpp"
#include "actors/tts.hpp"
#include "backends/audio_cache.hpp"
#include "app/http_front.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "net/http_server.hpp"
#include "storage/database.hpp"

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

http_server_options server_options(const config& cfg) {
  http_server_options o;
  o.host = cfg.server.listen_host;
  o.port = cfg.server.listen_port;
  o.max_body_bytes = cfg.server.max_body_bytes;
  o.header_timeout = std::chrono::milliseconds(cfg.server.header_timeout_ms);
  o.body_timeout = std::chrono::milliseconds(cfg.server.body_timeout_ms);
  o.idle_timeout = std::chrono::milliseconds(cfg.server.idle_timeout_ms);
  return o;
}

// Stops an actor and waits (bounded) until it is gone, so the next one in
// the shutdown order sees everything it sent.
void stop_actor(caf::actor_system& sys, const caf::actor& who) {
  caf::scoped_actor self{sys, true};
  self->monitor(who);
  caf::anon_send_exit(who, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {},
                caf::after(std::chrono::seconds(10)) >> [] {
                  SB_LOG_ERROR("shutdown: an actor did not stop in 10 s");
                });
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

int wait_for_signal(const sigset_t& signals) {
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0)
      continue;
    if (sig == SIGHUP) {
      SB_LOG_NOTICE("SIGHUP: configuration reload is not supported yet; "
                    "restart to apply changes");
      continue;
    }
    return sig;
  }
}

void drain(http_server& server, std::chrono::milliseconds limit) {
  server.stop_accepting();
  auto until = std::chrono::steady_clock::now() + limit;
  // Polled: the main thread has nothing else to do, and a 10 ms step is far
  // below Twilio's patience.
  while (server.in_flight() > 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (auto n = server.in_flight())
    SB_LOG_WARNING("shutdown: " << n << " requests still unanswered");
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

int run_daemon(const config& cfg_in) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto cfg = std::make_shared<const config>(cfg_in);
  // Declared first so it outlives the actor system: actors may still hold
  // replies that post onto it while they shut down.
  asio::io_context ioc;
  auto db = database::open(cfg->storage.path);
  if (!db) {
    SB_LOG_ERROR("storage: " << what(db.error()));
    return 1;
  }
  auto rules = load_rules(*cfg);
  if (!rules) {
    SB_LOG_ERROR(what(rules.error()));
    return 1;
  }
  actor_config acfg{*cfg};
  caf::actor_system sys{acfg};
  auto store = spawn_store(sys, std::move(*db), cfg->storage.batch_max);
  auto llm = cfg->llm.backend == "scripted"
               ? spawn_scripted_llm(sys, *rules)
               : spawn_llm_pool(sys, cfg, *rules);
  auto twilio = spawn_twilio(sys, cfg->twilio);
  std::shared_ptr<audio_cache> audio;
  tts_actor tts;
  if (auto err = start_tts(sys, cfg, audio, tts)) {
    SB_LOG_ERROR("tts: " << what(err));
    for (auto a : {caf::actor_cast<caf::actor>(llm),
                   caf::actor_cast<caf::actor>(twilio),
                   caf::actor_cast<caf::actor>(store)})
      stop_actor(sys, a);
    return 1;
  }
  auto ingress = spawn_ingress(sys, ingress_deps{store, llm, twilio, cfg, tts});
  auto shutdown_actors = [&] {
    stop_actor(sys, caf::actor_cast<caf::actor>(ingress));
    stop_actor(sys, caf::actor_cast<caf::actor>(llm));
    stop_actor(sys, caf::actor_cast<caf::actor>(twilio));
    if (tts)
      stop_actor(sys, caf::actor_cast<caf::actor>(tts));
    stop_actor(sys, caf::actor_cast<caf::actor>(store));
  };

  auto server = http_server::start(ioc, server_options(*cfg),
                                   make_http_handler(ingress, cfg, audio));
  if (!server) {
    SB_LOG_ERROR(what(server.error()));
    shutdown_actors();
    return 1;
  }
  auto work = asio::make_work_guard(ioc);
  std::vector<std::thread> io_threads;
  for (int i = 0; i < cfg->server.io_threads; ++i)
    io_threads.emplace_back([&ioc] { ioc.run(); });

  SB_LOG_NOTICE("listening on " << cfg->server.listen_host << ":"
                                << (*server)->port() << " (public URL "
                                << cfg->server.public_url << ", storage "
                                << cfg->storage.path << ", llm "
                                << cfg->llm.backend << ", tts "
                                << cfg->tts.engine << ")");
  if (!cfg->twilio.validate_signatures)
    SB_LOG_WARNING("twilio.validate_signatures = false: webhooks are NOT "
                   "authenticated; use this only for local development");
  sd_notify(0, "READY=1\nSTATUS=accepting calls");

  int sig = wait_for_signal(signals);
  SB_LOG_NOTICE("received " << strsignal(sig) << ", shutting down");
  sd_notify(0, "STOPPING=1");
  drain(**server, std::chrono::seconds(5));
  work.reset();
  ioc.stop();
  for (auto& t : io_threads)
    t.join();
  server->reset();
  shutdown_actors();
  SB_LOG_NOTICE("stopped");
  return 0;
}

} // namespace sb
