// What the llm_client tests share: a fake model server of one flavor with
// a client pointed at it, a conversation and generation settings to send,
// and the error of a call that must fail.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "backends/llm/llm_client.hpp"
#include "tests/fixtures/fake_llm.hpp"

namespace sb::client_test {

using namespace std::chrono_literals;
using sb::fake_llm;
using sb::llm_backend;

inline const std::string system_prompt = "You are a phone assistant. Be brief.";

inline std::vector<sb::chat_message> history() {
  return {{"user", "Hello"},
          {"assistant", "Namaste! How can I help?"},
          {"user", "मेरा ऑर्डर कहाँ है?"}};
}

inline sb::chat_settings settings() {
  sb::chat_settings s;
  s.model = "qwen2.5:7b";
  s.temperature = 0.3;
  s.max_tokens = 99;
  return s;
}

inline llm_backend backend_of(fake_llm::flavor f) {
  return f == fake_llm::flavor::ollama ? llm_backend::ollama
                                       : llm_backend::openai;
}

// A fake of one flavor and a client pointed at it.
struct client_fixture {
  fake_llm::flavor flavor;
  fake_llm server;

  explicit client_fixture(fake_llm::flavor f) : flavor(f), server(f) {
    REQUIRE(server.ok());
  }

  sb::llm_client client(std::chrono::milliseconds timeout = 5s) {
    return sb::llm_client({server.base_url(), backend_of(flavor), "sk-test"},
                          timeout);
  }

  std::string prefix() const {
    return std::string(to_string(backend_of(flavor))) + " " + server.base_url()
           + (flavor == fake_llm::flavor::ollama ? "/api/chat"
                                                 : "/v1/chat/completions")
           + ": ";
  }
};

inline fake_llm::flavor any_flavor() {
  return GENERATE(fake_llm::flavor::ollama, fake_llm::flavor::openai);
}

inline const char* name_of(fake_llm::flavor f) {
  return f == fake_llm::flavor::ollama ? "ollama" : "openai";
}

// The error of a call that must fail.
inline caf::error failure(const caf::expected<sb::llm_completion>& result) {
  REQUIRE_FALSE(result);
  return result.error();
}

} // namespace sb::client_test
