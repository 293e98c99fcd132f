// Tests for cli/ctl/ctl_format: reading reply lines, and every layout
// switchboardctl prints (call tables, key: value lines, a call's
// conversation), including unknown values, alignment with non-ASCII text
// and control characters from callers.
#include "cli/ctl/ctl_format.hpp"

#include <string>

#include <catch2/catch.hpp>

#include "core/error.hpp"

namespace {

std::string formatted(const std::string& command, const std::string& json) {
  auto text = sb::format_result(command, json);
  INFO((text ? std::string() : sb::what(text.error())));
  REQUIRE(text);
  return *text;
}

const char* const session = R"({
  "call_sid": "CA1", "from_number": "+14155550100",
  "to_number": "+14155550199", "status": "in-progress",
  "direction": "inbound", "start_time": "2026-11-25T02:30:12.345Z",
  "answered_at": "2026-11-25T02:30:13.000Z", "answered_by": null,
  "language": "hi-IN", "voice": "Polly.Aditi",
  "conversation_history": [
    {"role": "user", "content": "hello", "timestamp":
     "2026-11-25T02:30:15.100Z", "confidence": 0.92},
    {"role": "assistant", "content": "Namaste! How can I help?",
     "timestamp": "2026-11-25T02:30:16.000Z", "latency_ms": 840}
  ]})";

} // namespace

TEST_CASE("ctl_format: replies are read as ok with a result or an error",
          "[ctl_format]") {
  auto ok = sb::parse_reply(R"({"ok":true,"result":{"done": true}})");
  REQUIRE(ok);
  CHECK(ok->ok);
  CHECK(ok->result == R"({"done":true})");
  auto bare = sb::parse_reply(R"({"ok":true})");
  REQUIRE(bare);
  CHECK(bare->result == "null");
  auto no = sb::parse_reply(R"({"ok":false,"error":"no such call CA9"})");
  REQUIRE(no);
  CHECK_FALSE(no->ok);
  CHECK(no->error == "no such call CA9");
  auto odd = sb::parse_reply(R"({"ok":false,"error":{"code":7}})");
  REQUIRE(odd);
  CHECK(odd->error == R"({"code":7})");
  auto none = sb::parse_reply(R"({"ok":false})");
  REQUIRE(none);
  CHECK(none->error == "unknown error");
}

TEST_CASE("ctl_format: malformed replies are refused", "[ctl_format]") {
  for (const char* bad : {"", "not json", "[1,2]", R"({"result":1})",
                          R"({"ok":"yes"})", R"({"ok":true)"}) {
    INFO(bad);
    auto reply = sb::parse_reply(bad);
    REQUIRE_FALSE(reply);
    CHECK(sb::has_code(reply.error(), sb::errc::bad_request));
  }
}

TEST_CASE("ctl_format: calls is an aligned table", "[ctl_format]") {
  const auto text = formatted("calls", R"({"calls": [
    {"call_sid": "CA1", "direction": "inbound", "from_number": "+14155550100",
     "to_number": "+14155550199", "status": "in-progress",
     "started_at": "2026-11-25T02:30:12.345Z", "turns": 4},
    {"call_sid": "CA22", "direction": "outbound-api", "from_number": null,
     "to_number": "+919876543210", "status": "ringing", "started_at": "",
     "turns": 0}]})");
  CHECK(text
        == "CALL SID  DIRECTION     FROM          TO             STATUS       "
           "STARTED (UTC)        TURNS\n"
           "CA1       inbound       +14155550100  +14155550199   in-progress  "
           "2026-11-25 02:30:12  4\n"
           "CA22      outbound-api  -             +919876543210  ringing      "
           "-                    0\n");
  CHECK(formatted("calls", R"({"calls": []})") == "no live calls\n");
}

TEST_CASE("ctl_format: history is a table newest first as given",
          "[ctl_format]") {
  const auto text = formatted("history", R"({"calls": [
    {"call_sid": "CA2", "direction": "inbound", "from_number": "+1",
     "to_number": "+2", "status": "completed", "started_at":
     "2026-11-25T03:00:00.000Z", "duration_s": 61, "turns": 6}]})");
  CHECK(text
        == "STARTED (UTC)        CALL SID  DIRECTION  FROM  TO  STATUS     "
           "SECONDS  TURNS\n"
           "2026-11-25 03:00:00  CA2       inbound    +1    +2  completed  "
           "61       6\n");
  CHECK(formatted("history", R"({"calls": []})") == "no calls found\n");
}

TEST_CASE("ctl_format: a call shows its fields and its conversation",
          "[ctl_format]") {
  CHECK(formatted("call", session)
        == "call_sid: CA1\n"
           "direction: inbound\n"
           "from: +14155550100\n"
           "to: +14155550199\n"
           "status: in-progress\n"
           "started: 2026-11-25 02:30:12 UTC\n"
           "answered: 2026-11-25 02:30:13 UTC\n"
           "language: hi-IN\n"
           "voice: Polly.Aditi\n"
           "\n"
           "02:30:15 caller: hello  (confidence 0.92)\n"
           "02:30:16 assistant: Namaste! How can I help?  (840 ms)\n");
}

TEST_CASE("ctl_format: a transcript also says how the call ended",
          "[ctl_format]") {
  const auto text = formatted("transcript", R"({
    "call_sid": "CA1", "start_time": "2026-11-25T02:30:12.345Z",
    "answered_at": "2026-11-25T02:30:13.000Z", "answered_by": "human",
    "ended_at": "2026-11-25T02:31:13.000Z", "duration_s": 61,
    "end_reason": "caller-hangup", "conversation_history": []})");
  CHECK(text.find("answered: 2026-11-25 02:30:13 UTC by human\n")
        != std::string::npos);
  CHECK(text.find("ended: 2026-11-25 02:31:13 UTC after 61 s "
                  "(caller-hangup)\n")
        != std::string::npos);
  CHECK(text.find("direction: -\n") != std::string::npos);
  CHECK(text.find("(no conversation yet)\n") != std::string::npos);
}

TEST_CASE("ctl_format: other results are key: value lines", "[ctl_format]") {
  CHECK(formatted("stats", R"({"live_calls": 3, "calls_total": 120,
                             "calls_rejected": 0, "draining": false})")
        == "live_calls: 3\ncalls_total: 120\ncalls_rejected: 0\n"
           "draining: false\n");
  CHECK(formatted("dial", R"({"call_sid": "CA5", "status": "queued"})")
        == "call_sid: CA5\nstatus: queued\n");
  CHECK(formatted("hangup", R"({"done": true})") == "done: true\n");
  CHECK(formatted("reload", R"({"done": true, "changed": ["voice"]})")
        == "done: true\nchanged: [\"voice\"]\n");
  CHECK(formatted("drain", "{}") == "ok\n");
  CHECK(formatted("say", "\"queued\"") == "queued\n");
}

TEST_CASE("ctl_format: shapes a command does not answer are refused",
          "[ctl_format]") {
  CHECK_FALSE(sb::format_result("calls", R"({"sessions": {}})"));
  CHECK_FALSE(sb::format_result("calls", R"({"calls": [1]})"));
  CHECK_FALSE(sb::format_result("call", R"({"call_sid": "CA1"})"));
  CHECK_FALSE(sb::format_result("call", R"({"conversation_history": [1]})"));
  CHECK_FALSE(sb::format_result("stats", "{nope"));
}

TEST_CASE("ctl_format: caller text cannot drive the terminal", "[ctl_format]") {
  const auto text = formatted("call", R"({"conversation_history": [
    {"role": "user", "content": "hi\u001b[2J\nthere\u0007",
     "timestamp": "2026-11-25T02:30:15Z"}]})");
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find("02:30:15 caller: hi [2J there \n") != std::string::npos);
  auto reply = sb::parse_reply(R"({"ok":false,"error":"bad\u001bthing"})");
  REQUIRE(reply);
  CHECK(reply->error == "bad thing");
}

TEST_CASE("ctl_format: tables align by characters, not bytes", "[ctl_format]") {
  CHECK(sb::format_table({"A", "B"}, {{"नमस्ते", "x"}, {"ab", "y"}})
        == "A       B\n"
           "नमस्ते  x\n"
           "ab      y\n");
  CHECK(sb::format_table({"A", "B", "C"}, {{"1"}}) == "A  B  C\n1\n");
  CHECK(sb::display_time("2026-11-25T02:30:12.345Z") == "2026-11-25 02:30:12");
  CHECK(sb::display_time("-") == "-");
}

TEST_CASE("ctl_format: a media reply shows its gap with the parts measured",
          "[ctl_format]") {
  auto line_of = [](const std::string& turn) {
    const auto text = formatted(
      "call", R"({"call_sid": "CA1", "conversation_history": [)" + turn + "]}");
    return text.substr(text.rfind("\n\n") + 2);
  };
  const std::string head = R"({"role": "assistant", "content": "Hi",
    "timestamp": "2026-11-25T02:30:16.000Z", "latency_ms": 700)";
  CHECK(line_of(head + R"(, "turn_gap_ms": 812, "eot_wait_ms": 600,
    "stt_tail_ms": 140, "first_token_ms": 52, "tts_first_audio_ms": 20})")
        == "02:30:16 assistant: Hi  (700 ms)"
           "  [gap 812 ms = eot 600 + stt 140 + model 52 + tts 20]\n");
  CHECK(line_of(head + R"(, "turn_gap_ms": 812, "stt_tail_ms": 140})")
        == "02:30:16 assistant: Hi  (700 ms)  [gap 812 ms = stt 140]\n");
  CHECK(line_of(head + R"(, "turn_gap_ms": 812})")
        == "02:30:16 assistant: Hi  (700 ms)  [gap 812 ms]\n");
  // Measured, but no audio went out: the parts without a gap.
  CHECK(line_of(head + R"(, "eot_wait_ms": 600, "first_token_ms": 52})")
        == "02:30:16 assistant: Hi  (700 ms)  [eot 600 + model 52 ms]\n");
  // A relay reply's first token alone is not a media gap.
  CHECK(line_of(head + R"(, "first_token_ms": 52})")
        == "02:30:16 assistant: Hi  (700 ms)\n");
  // Null is unknown, as everywhere.
  CHECK(line_of(head + R"(, "turn_gap_ms": null, "eot_wait_ms": null})")
        == "02:30:16 assistant: Hi  (700 ms)\n");
}

TEST_CASE("ctl_format: a caller's turn shows its recorded audio, blanking "
          "control characters",
          "[ctl_format]") {
  const auto text = formatted("call", R"({"call_sid": "CA1",
    "conversation_history": [{"role": "user", "content": "hello",
    "timestamp": "2026-11-25T02:30:15.100Z", "confidence": 0.8,
    "audio": "/var/lib/switchboard/audio/CA1-1\u001b[2J.wav"}]})");
  CHECK(text.find("02:30:15 caller: hello  (confidence 0.8)"
                  "  [audio /var/lib/switchboard/audio/CA1-1 [2J.wav]\n")
        != std::string::npos);
}

TEST_CASE("ctl_format: a reply's tool calls are one line each under it, "
          "long texts cut, control characters escaped",
          "[ctl_format]") {
  const std::string long_result = std::string(150, 'x');
  const auto text = formatted("call", R"({"call_sid": "CA1",
    "conversation_history": [
    {"role": "user", "content": "where is A123",
     "timestamp": "2026-11-25T02:30:15.000Z"},
    {"role": "assistant", "content": "It shipped.",
     "timestamp": "2026-11-25T02:30:16.000Z", "latency_ms": 900,
     "tool_calls": [
      {"idx": 1, "round": 1, "server": "orders", "name": "lookup_order",
       "arguments": {"order_id": "A123"}, "result": "Order A123 shipped",
       "error": null, "ms": 42},
      {"idx": 2, "round": 1, "server": "orders", "name": "track\u001b[2J",
       "arguments": "{not json\nat all", "result": null,
       "error": "timed out after 3000 ms", "ms": 3001},
      {"idx": 3, "round": 2, "server": null, "name": "notes",
       "arguments": {}, "result": "line one\nline two\u001b]0;x\u0007\u009b",
       "error": null, "ms": 7},
      {"idx": 4, "round": 2, "server": "orders", "name": "dump",
       "arguments": {}, "result": ")" + long_result
                                        + R"(", "error": null,
       "ms": 1}]},
    {"role": "user", "content": "thanks",
     "timestamp": "2026-11-25T02:30:20.000Z"}]})");
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find('\x07') == std::string::npos);
  CHECK(text.find("\xc2\x9b") == std::string::npos);
  CHECK(text.substr(text.rfind("\n\n") + 2)
        == "02:30:15 caller: where is A123\n"
           "02:30:16 assistant: It shipped.  (900 ms)\n"
           "    [tool] lookup_order {\"order_id\":\"A123\"}"
           " -> Order A123 shipped (42 ms)\n"
           "    [tool] track\\x1b[2J {not json\\nat all"
           " -> error: timed out after 3000 ms (3001 ms)\n"
           "    [tool] notes {} -> line one\\nline two\\x1b]0;x\\x07\\u009b"
           " (7 ms)\n"
           "    [tool] dump {} -> "
             + std::string(120, 'x')
             + "… (1 ms)\n"
               "02:30:20 caller: thanks\n");
}
