// A model server for benchmarks: speaks Ollama's POST /api/chat (NDJSON
// over chunked HTTP/1.1, keep-alive) at a fixed pace, and stamps its first
// and last tokens with the moment each is written. The first token is
// "At <steady_clock ns>!", the last " Done at <steady_clock ns>!", each a
// whole sentence, so the daemon can speak it the moment it arrives. A
// client on the same machine reads the stamps back out of the text frames
// (or TwiML) it gets and so measures the daemon's own share of the way,
// with no clock shared by any other means (steady_clock is
// CLOCK_MONOTONIC, the same for every process). One I/O thread; every
// connection is served concurrently. The request is read and ignored:
// every reply is the same text at the same pace.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace sb::bench {

struct paced_model_options {
  std::chrono::milliseconds first_token{200}; // request to first token
  std::chrono::milliseconds between{40};      // between later tokens
  /// Tokens after the stamped first one; the last of them is the " Done
  /// at <ns>!" stamp, and the closing {"done":true} line goes out in the
  /// same write. 0: the first token is the only one (no done stamp).
  int tokens = 20;
  /// false: the first token is "Okay, let me look into that for you."
  /// and the last " Done.", so every reply is the same text (a voice's
  /// cache then serves it; the media bench wants the daemon's cost per
  /// call, not espeak-ng's per reply).
  bool stamped = true;
};

class paced_model {
public:
  /// Listens on 127.0.0.1:<free port> and serves on its own thread.
  /// Throws boost::system::system_error if it cannot listen (a bench
  /// program, where that ends the run).
  explicit paced_model(paced_model_options opts);
  /// Stops the thread; open connections are closed.
  ~paced_model();
  paced_model(const paced_model&) = delete;
  paced_model& operator=(const paced_model&) = delete;

  /// "http://127.0.0.1:<port>"
  std::string base_url() const;

  /// Responses whose stream the client closed before the end.
  uint64_t cut_by_client() const;

  /// Requests answered (streams begun).
  uint64_t requests() const;

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

/// The stamp of a text that holds "At <ns>" (the first token), or -1.
int64_t read_stamp(const std::string& text);

/// The stamp of a text that holds "Done at <ns>" (the last token), or -1.
int64_t read_done_stamp(const std::string& text);

/// steady_clock now, in ns since its epoch.
int64_t steady_ns();

} // namespace sb::bench
