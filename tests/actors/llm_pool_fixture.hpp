// The fixture of the LLM pool's tests: a pool on CAF's real scheduler over
// one tests/fixtures/fake_llm server per endpoint (the workers are
// detached actors blocking in libcurl against a real socket), a caller's
// turn as an llm_request, and a blocking ask() with a finite timeout.
// Nothing sleeps; every wait has a finite timeout.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <catch2/catch.hpp>

#include "actors/llm.hpp"
#include "actors/llm_pool.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "tests/fixtures/fake_llm.hpp"

namespace sb::llm_test {

using namespace std::chrono_literals;

inline constexpr auto wait_limit = 10s;

inline std::shared_ptr<std::atomic<bool>> flag() {
  return std::make_shared<std::atomic<bool>>(false);
}

/// A turn whose history is only the caller's `words`.
inline llm_request turn(const std::string& words, bool offer_transfer = false) {
  llm_request req;
  req.call_sid = "CA00000000000000000000000000000001";
  req.language = "en-US";
  req.caller = "+15550100";
  req.history = {{"user", words}};
  req.offer_transfer = offer_transfer;
  return req;
}

inline caf::actor_system_config& real_scheduler(caf::actor_system_config& cfg) {
  cfg.set("scheduler.max-threads", 2);
  cfg.add_message_types<caf::id_block::switchboard>();
  return cfg;
}

/// A blocking request from the test thread; the error or the reply.
/// stream when `stream` has a token handler or a cancel flag, else
/// generate.
inline caf::expected<llm_reply> ask(caf::actor_system& sys,
                                    const llm_actor& llm, llm_request req,
                                    llm_stream stream = {}) {
  caf::scoped_actor self{sys};
  caf::expected<llm_reply> out{make_error(errc::timed_out, "no answer")};
  auto on_reply = [&](llm_reply& r) { out = std::move(r); };
  auto on_error = [&](caf::error& e) { out = std::move(e); };
  if (stream.on_token || stream.cancel)
    self
      ->request(llm, wait_limit, stream_atom::value, std::move(req),
                std::move(stream))
      .receive(on_reply, on_error);
  else
    self->request(llm, wait_limit, generate_atom::value, std::move(req))
      .receive(on_reply, on_error);
  return out;
}

inline fake_llm::flavor any_flavor() {
  return GENERATE(fake_llm::flavor::ollama, fake_llm::flavor::openai);
}

inline const char* name_of(fake_llm::flavor f) {
  return f == fake_llm::flavor::ollama ? "ollama" : "openai";
}

/// Changes to the pool's configuration before it is spawned.
using config_edit = std::function<void(config&)>;

/// A pool over one fake model server per endpoint (`slots` each), its
/// workers calling MCP tools through `toolbox` (may be null). Members are
/// destroyed in reverse: the actor system (which waits for the pool's
/// workers) goes before the servers they talk to.
struct pool_fixture {
  explicit pool_fixture(fake_llm::flavor f, int slots = 1, size_t endpoints = 1,
                        const config_edit& edit = {},
                        std::shared_ptr<mcp_toolbox> toolbox = nullptr)
    : flavor_kind(f), sys(real_scheduler(sys_cfg)) {
    log::set_level(log::level::error);
    auto cfg = std::make_shared<config>();
    cfg->llm.backend = f == fake_llm::flavor::ollama ? "ollama" : "openai";
    cfg->llm.model = "qwen2.5:7b";
    cfg->llm.timeout_s = 20;
    cfg->llm.endpoints.clear();
    for (size_t i = 0; i < endpoints; ++i) {
      servers.push_back(std::make_unique<fake_llm>(f));
      REQUIRE(servers.back()->ok());
      cfg->llm.endpoints.push_back({servers.back()->base_url(), 0, slots});
    }
    if (edit)
      edit(*cfg);
    pool = spawn_llm_pool(sys, cfg, std::move(toolbox));
  }

  ~pool_fixture() {
    caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
  }

  pool_fixture(const pool_fixture&) = delete;
  pool_fixture& operator=(const pool_fixture&) = delete;

  fake_llm& model(size_t i = 0) {
    return *servers[i];
  }

  size_t requests_seen() const {
    size_t n = 0;
    for (const auto& s : servers)
      n += s->requests().size();
    return n;
  }

  fake_llm::flavor flavor_kind;
  std::vector<std::unique_ptr<fake_llm>> servers;
  caf::actor_system_config sys_cfg;
  caf::actor_system sys;
  llm_actor pool;
};

} // namespace sb::llm_test
