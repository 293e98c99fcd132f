// A model server for benchmarks: speaks Ollama's POST /api/chat (NDJSON
// over chunked HTTP/1.1, keep-alive) at a fixed pace, and stamps its first
// token with the moment it is written: "At <steady_clock ns>!" — a whole
// sentence, so the daemon can speak it the moment it arrives. A client on
// the same machine reads the stamp back out of the first text frame (or
// TwiML) and so measures the daemon's own share of the way, with no clock
// shared by any other means (steady_clock is CLOCK_MONOTONIC, the same for
// every process). One I/O thread; every connection is served
// concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace sb::bench {

struct paced_model_options {
  std::chrono::milliseconds first_token{200};  // request to first token
  std::chrono::milliseconds between{40};       // between later tokens
  int tokens = 20;                             // after the stamped one
};

class paced_model {
public:
  /// Listens on 127.0.0.1:<free port> and serves on its own thread.
  explicit paced_model(paced_model_options opts);
  ~paced_model();
  paced_model(const paced_model&) = delete;
  paced_model& operator=(const paced_model&) = delete;

  /// "http://127.0.0.1:<port>"
  std::string base_url() const;

  /// Responses whose stream the client closed before the end.
  uint64_t cut_by_client() const;

  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

/// The stamp of a text that holds "At <ns>!", or -1.
int64_t read_stamp(const std::string& text);

/// steady_clock now, in ns since its epoch.
int64_t steady_ns();

} // namespace sb::bench
