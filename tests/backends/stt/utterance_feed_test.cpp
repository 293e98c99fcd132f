// Tests for backends/stt/utterance_feed: what a reader on another thread
// sees as the caller's audio is appended, finished or cancelled, and when
// the dispatcher is told.
#include "backends/stt/utterance_feed.hpp"

#include <chrono>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using sb::utterance_feed;
using state = utterance_feed::state;

TEST_CASE("a reader gets the audio as it is appended, then the end",
          "[utterance_feed]") {
  utterance_feed feed;
  std::vector<int16_t> got;
  CHECK(feed.wait_from(0, got, 1ms) == state::waiting);
  std::thread speaker{[&] {
    std::vector<int16_t> piece(320, 7);
    feed.append(piece);
    feed.append(piece);
    feed.finish();
  }};
  size_t read = 0;
  std::vector<int16_t> chunk;
  auto seen = state::waiting;
  while (seen != state::finished) {
    seen = feed.wait_from(read, chunk, 5s);
    REQUIRE(seen != state::waiting);
    REQUIRE(seen != state::cancelled);
    read += chunk.size();
  }
  speaker.join();
  CHECK(read == 640);
  CHECK(feed.samples().size() == 640);
  CHECK(feed.end_of_speech() != utterance_feed::clock::time_point{});
  // Nothing is taken after the end.
  feed.append(std::vector<int16_t>(10, 1));
  CHECK(feed.size() == 640);
}

TEST_CASE("a cancel wins over audio not yet read", "[utterance_feed]") {
  utterance_feed feed;
  feed.append(std::vector<int16_t>(160, 1));
  feed.cancel();
  std::vector<int16_t> got;
  CHECK(feed.wait_from(0, got, 1s) == state::cancelled);
  CHECK_FALSE(feed.wait_finished(1s));
  CHECK(feed.cancel_flag()->load());
}

TEST_CASE("the dispatcher hears of the end and of a cancel after it",
          "[utterance_feed]") {
  utterance_feed feed;
  int calls = 0;
  bool saw_cancel = false;
  feed.on_settled([&] {
    ++calls;
    saw_cancel = feed.cancelled();
  });
  feed.finish();
  CHECK(calls == 1);
  CHECK_FALSE(saw_cancel);
  feed.finish(); // once only
  CHECK(calls == 1);
  // A utterance held finished (waiting for a worker, or sent to a server)
  // can still be cancelled: that must be announced too.
  feed.cancel();
  CHECK(calls == 2);
  CHECK(saw_cancel);
  feed.cancel();
  CHECK(calls == 2);
  // A callback set afterwards runs at once.
  int late = 0;
  feed.on_settled([&] { ++late; });
  CHECK(late == 1);
}
