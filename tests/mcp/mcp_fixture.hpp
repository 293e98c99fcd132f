// What the mcp suite's tests share: a real database written through the
// real store (sb::database, so the schema, upserts and FTS triggers are the
// shipped ones) and read through the console's reader thread, so answers
// arrive on another thread as they do in the daemon; a stand-in daemon
// that speaks the admin protocol with the daemon's own parser and reply
// writer (app/admin_front.hpp) over a table of live calls; and a way to
// send one JSON-RPC line and wait for its answer.
#pragma once

#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "app/admin_front.hpp"
#include "core/error.hpp"
#include "mcp/mcp_server.hpp"
#include "storage/console_reader.hpp"
#include "storage/database.hpp"
#include "tests/support/temp_dir.hpp"

namespace sb::test {

/// "CA" and 32 hex digits of `i`, as seed_console_db names its calls.
inline std::string sid_of(unsigned i) {
  char buf[35];
  std::snprintf(buf, sizeof buf, "CA%032x", i);
  return buf;
}

inline call_row make_call(const std::string& sid, const std::string& started,
                          const std::string& direction = "inbound",
                          const std::string& status = "completed") {
  call_row c;
  c.call_sid = sid;
  c.direction = direction;
  c.from_number = direction == "inbound" ? "+15551230001" : "+15550000001";
  c.to_number = direction == "inbound" ? "+15550000001" : "+15551230001";
  c.status = status;
  c.started_at = started;
  c.answered_at = started;
  c.transport = "gather";
  c.language = "en-US";
  if (status != "in-progress") {
    c.ended_at = started;
    c.duration_s = 42;
    c.end_reason = "caller hung up";
  }
  return c;
}

inline turn_row make_turn(const std::string& sid, int64_t seq,
                          const std::string& content,
                          const std::string& created_at) {
  turn_row t;
  t.call_sid = sid;
  t.seq = seq;
  t.role = seq % 2 == 1 ? "user" : "assistant";
  t.content = content;
  t.created_at = created_at;
  if (t.role == "assistant") {
    t.latency_ms = 300 + seq;
    t.queue_ms = 2;
    t.llm_ms = 250;
    t.first_token_ms = 120;
  }
  return t;
}

/// A database file in a fresh directory, written through sb::database.
struct test_database {
  temp_dir dir{"mcp"};
  std::string path = dir.file("switchboard.db");
  std::unique_ptr<database> db;

  test_database() {
    auto opened = database::open(path);
    REQUIRE(opened);
    db = std::move(*opened);
  }

  void write(const write_batch& batch) {
    auto err = db->write(batch);
    INFO(what(err));
    REQUIRE_FALSE(err);
  }

  /// The console's read-only reader on the file, for mcp_services::read.
  std::shared_ptr<console_reader> reader() {
    auto opened = console_reader::open(path);
    REQUIRE(opened);
    return std::shared_ptr<console_reader>(std::move(*opened));
  }
};

/// The daemon's side of the admin socket, minus the actors: each request
/// line is read by parse_admin_line, answered from `live` (calls, call,
/// stats) or as the admin actor answers an action, and written by
/// admin_reply_line. Every command it was asked is kept in `asked`.
struct fake_daemon {
  std::mutex mutex;
  std::vector<stored_call> live;
  std::vector<admin_command> asked;
  bool has_twilio = true; // dial: credentials configured
  bool draining = false;

  admin_reply reply_to(const admin_command& c) {
    admin_reply r;
    auto refuse = [&r](std::string why) {
      r.ok = false;
      r.error = std::move(why);
    };
    bool is_live = false;
    for (auto& call : live)
      is_live = is_live || call.call.call_sid == c.sid;
    if (c.cmd == "calls")
      r.calls = live;
    else if (c.cmd == "stats")
      r.stats = {static_cast<int64_t>(live.size()), 7, 1, draining};
    else if (c.cmd == "dial" && !has_twilio)
      refuse("dial: Twilio credentials are not configured");
    else if (c.cmd == "dial") {
      r.call_sid = sid_of(0xd1a1);
      r.status = "queued";
    } else if ((c.cmd == "hangup" || c.cmd == "say") && !is_live)
      refuse("no live call " + c.sid);
    else if (c.cmd == "drain")
      draining = true;
    return r;
  }

  mcp_services::admin_fn service() {
    return [this](std::string line, std::function<void(std::string)> done) {
      auto cmd = parse_admin_line(line);
      if (!cmd) {
        done(admin_error_line(what(cmd.error())));
        return;
      }
      std::string reply;
      {
        std::lock_guard<std::mutex> lock{mutex};
        asked.push_back(*cmd);
        reply = admin_reply_line(*cmd, reply_to(*cmd));
      }
      done(reply);
    };
  }

  size_t asked_count() {
    std::lock_guard<std::mutex> lock{mutex};
    return asked.size();
  }
};

/// mcp_services over a reader and a stand-in daemon (either may be null:
/// that service is then absent).
inline mcp_services services_of(std::shared_ptr<console_reader> reader,
                                fake_daemon* daemon, std::string metrics = {}) {
  mcp_services s;
  if (reader)
    s.read = [reader](std::function<void(sqlite3*)> job) {
      if (!reader->submit(job))
        job(nullptr);
    };
  if (daemon)
    s.admin = daemon->service();
  if (!metrics.empty())
    s.metrics = [metrics] { return metrics; };
  return s;
}

/// The answer to one message, parsed; `status` is its HTTP status.
struct answered {
  std::string body;
  int status = 0;
  rapidjson::Document doc;

  bool is_error() const {
    return doc.IsObject() && doc.HasMember("error");
  }
  int code() const {
    return is_error() ? doc["error"]["code"].GetInt() : 0;
  }
  std::string message() const {
    return is_error() ? doc["error"]["message"].GetString() : "";
  }
  const rapidjson::Value& result() const {
    return doc["result"];
  }
};

/// Sends `line` as a transport would (parse_mcp_message, then handle) and
/// waits up to 10 s for the answer.
inline answered ask(mcp_server& server, const std::string& line,
                    mcp_legacy_session* legacy = nullptr,
                    const std::string& who = "test") {
  answered a;
  auto parsed = parse_mcp_message(line);
  mcp_answer got;
  if (parsed.answer) {
    got = *parsed.answer;
  } else {
    std::promise<mcp_answer> promise;
    auto future = promise.get_future();
    server.handle(parsed.message, legacy, who, [&promise](mcp_answer x) {
      promise.set_value(std::move(x));
    });
    REQUIRE(future.wait_for(std::chrono::seconds(10))
            == std::future_status::ready);
    got = future.get();
  }
  a.body = got.body;
  a.status = got.http_status;
  if (!a.body.empty())
    a.doc.Parse(a.body.c_str());
  INFO(a.body);
  REQUIRE((a.body.empty() || (!a.doc.HasParseError() && a.doc.IsObject())));
  return a;
}

/// A modern request line: params with the per-request _meta.
inline std::string modern(const std::string& id, const std::string& method,
                          const std::string& params_fields = {}) {
  return R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":")" + method
         + R"(","params":{)" + params_fields
         + (params_fields.empty() ? "" : ",")
         + R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
           R"("io.modelcontextprotocol/clientCapabilities":{},)"
           R"("io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}}})";
}

/// tools/call of `tool` with `arguments` (a JSON object's text), modern.
inline std::string call_line(const std::string& tool,
                             const std::string& arguments = "{}") {
  return modern("1", "tools/call",
                R"("name":")" + tool + R"(","arguments":)" + arguments);
}

} // namespace sb::test
