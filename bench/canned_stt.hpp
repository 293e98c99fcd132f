// A speech-recognition server for benchmarks: speaks whisper.cpp's
// server protocol as far as switchboardd's `whisper` engine uses it
// (POST /inference, multipart/form-data, answered with JSON
// {"text": ...}; GET /health answered 200), and answers every utterance
// with the same text after the same delay, whatever the audio. It keeps
// nothing of a request (unlike tests/fixtures/fake_stt, which records
// every body for the tests to inspect: at hundreds of calls that is
// hundreds of MB), so a bench can run it for as long as it likes. One
// I/O thread; every connection is served concurrently (keep-alive).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace sb::bench {

struct canned_stt_options {
  std::string text = "I would like to check on my order";
  /// From the whole request read to the answer written: the recogniser's
  /// time, as a whisper server on a GPU would take for a short utterance.
  std::chrono::milliseconds delay{100};
};

class canned_stt {
public:
  /// Listens on 127.0.0.1:<free port> and serves on its own thread.
  /// Throws boost::system::system_error if it cannot listen (a bench
  /// program, where that ends the run).
  explicit canned_stt(canned_stt_options opts);
  /// Stops the thread; open connections are closed.
  ~canned_stt();
  canned_stt(const canned_stt&) = delete;
  canned_stt& operator=(const canned_stt&) = delete;

  /// "http://127.0.0.1:<port>"
  std::string base_url() const;

  /// POST /inference requests answered.
  uint64_t answered() const;

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace sb::bench
