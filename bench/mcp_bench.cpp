// mcp_bench: what MCP costs, against the real daemon and the real
// switchboardctl (bench/README.md, "mcp"), in one run:
//
// 1. The tool round. The daemon (voice.transport gather, an Ollama-shaped
//    model, one [[llm.mcp_servers]] entry) answers one caller's calls (4 of 50
//    turns by default) twice: once with a model that calls lookup_order on
//    every turn and answers from its result, once with the same model answering
//    at once. Both the model and the MCP server are local and answer at once,
//    and stamp each exchange (json_responder). The daemon's share of a tool
//    round is the time from the model's tool-call answer being written to
//    the model's next request being read, less the MCP server's own time
//    between reading the tools/call and writing its answer. The turn's
//    whole time (webhook to TwiML) is reported for both runs too.
// 2. The stdio server. `switchboardctl mcp` on the daemon's config, over
//    pipes: the time from writing a tools/call get_call for the 50-turn
//    call (100 turns with the replies) to reading its answer line, and
//    the same for resources/read of its transcript; and the time from
//    exec to the answer of the first request.
//
// Usage: build/bench/mcp_bench [--turns N] [--calls N] [--reads N]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rapidjson/document.h>
#include <sqlite3.h>

#include "bench_callers.hpp"
#include "bench_daemon.hpp"
#include "json_responder.hpp"
#include "paced_model.hpp"

namespace sb::bench {
namespace {

// --- the model and the MCP server -----------------------------------------

// Ollama's /api/chat answer as one body of NDJSON lines.
std::string ollama_lines(const std::string& message_json) {
  return R"({"model":"bench","message":)" + message_json
         + R"(,"done":false})"
           "\n"
           R"({"model":"bench","message":{"role":"assistant","content":""},)"
           R"("done":true,"done_reason":"stop"})"
           "\n";
}

bool has_tool_result(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (!doc.IsObject() || !doc.HasMember("messages")
      || !doc["messages"].IsArray())
    return false;
  // Only the turn's own messages count: the last user message and after.
  const auto& msgs = doc["messages"].GetArray();
  for (auto i = msgs.Size(); i-- > 0;) {
    const auto& m = msgs[i];
    if (!m.IsObject() || !m.HasMember("role") || !m["role"].IsString())
      continue;
    std::string role = m["role"].GetString();
    if (role == "tool")
      return true;
    if (role == "user")
      return false;
  }
  return false;
}

struct tool_model {
  std::atomic<bool> call_tools{true};

  responder_answer operator()(const std::string&, const std::string& body) {
    responder_answer a;
    a.content_type = "application/x-ndjson";
    if (call_tools && !has_tool_result(body))
      a.body = ollama_lines(
        R"({"role":"assistant","content":"","tool_calls":[{"function":)"
        R"({"name":"lookup_order","arguments":{"order_id":"A123"}}}]})");
    else // Stamped, as bench_callers reads every <Gather> reply.
      a.body = ollama_lines(R"({"role":"assistant","content":"At )"
                            + std::to_string(steady_ns())
                            + R"(! Your order A123 has shipped."})");
    return a;
  }
};

std::string jsonrpc_id(const rapidjson::Document& doc) {
  if (!doc.HasMember("id"))
    return {};
  const auto& id = doc["id"];
  if (id.IsString())
    return std::string("\"") + id.GetString() + "\"";
  if (id.IsInt64())
    return std::to_string(id.GetInt64());
  return "null";
}

// Modern (2026-07-28) answers; initialize answered too in case a client
// falls back to the legacy era.
responder_answer instant_mcp(const std::string&, const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  responder_answer a;
  if (!doc.IsObject() || !doc.HasMember("method") || !doc["method"].IsString())
    return {
      400, "application/json",
      R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}})"};
  std::string method = doc["method"].GetString();
  auto id = jsonrpc_id(doc);
  if (id.empty())
    return {202, "application/json", ""};
  std::string result;
  if (method == "server/discover")
    result =
      R"({"resultType":"complete","supportedVersions":["2026-07-28"],)"
      R"("capabilities":{"tools":{}},"serverInfo":{"name":"bench","version":"1"}})";
  else if (method == "initialize")
    result = R"({"protocolVersion":"2025-11-25","capabilities":{"tools":{}},)"
             R"("serverInfo":{"name":"bench","version":"1"}})";
  else if (method == "tools/list")
    result = R"({"resultType":"complete","tools":[{"name":"lookup_order",)"
             R"("description":"Look up an order's status by its id.",)"
             R"("inputSchema":{"type":"object","properties":{"order_id":)"
             R"({"type":"string"}},"required":["order_id"]}}]})";
  else if (method == "tools/call")
    result = R"({"resultType":"complete","content":[{"type":"text",)"
             R"("text":"Order A123: shipped, arriving Tuesday."}]})";
  else
    return {404, "application/json",
            R"({"jsonrpc":"2.0","id":)" + id
              + R"(,"error":{"code":-32601,"message":"method not found"}})"};
  a.body = R"({"jsonrpc":"2.0","id":)" + id + R"(,"result":)" + result + "}";
  return a;
}

// --- figures ---------------------------------------------------------------

double ms(int64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

int64_t pct(std::vector<int64_t> v, double p) {
  if (v.empty())
    return -1;
  std::sort(v.begin(), v.end());
  auto at = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(at, v.size() - 1)];
}

void row(const char* what, const std::vector<int64_t>& ns) {
  std::printf("| %s | %zu | %.2f | %.2f | %.2f |\n", what, ns.size(),
              ms(pct(ns, 0.5)), ms(pct(ns, 0.99)),
              ms(ns.empty() ? -1 : *std::max_element(ns.begin(), ns.end())));
}

// --- the tool round ----------------------------------------------------------

std::string daemon_config(int port, const std::string& dir,
                          const std::string& model_url,
                          const std::string& mcp_url) {
  auto url = "http://127.0.0.1:" + std::to_string(port);
  return "[server]\nlisten = \"127.0.0.1:" + std::to_string(port)
         + "\"\npublic_url = \"" + url
         + "\"\nio_threads = 2\n"
           "[twilio]\nvalidate_signatures = false\n"
           "[voice]\ntransport = \"gather\"\n"
           "[llm]\nbackend = \"ollama\"\nmodel = \"bench\"\ntimeout_s = 30\n"
           "max_history_turns = 1000\nmax_tool_rounds = 3\n"
           "[[llm.endpoints]]\nurl = \""
         + model_url
         + "\"\nslots = 4\n"
           "[[llm.mcp_servers]]\nname = \"orders\"\nurl = \""
         + mcp_url
         + "/mcp\"\n"
           "[tts]\nengine = \"say\"\ncache_dir = \""
         + dir + "/audio-cache\"\n[storage]\npath = \"" + dir
         + "/switchboard.db\"\n[admin]\nsocket = \"" + dir
         + "/switchboard.sock\"\n[log]\nlevel = \"notice\"\n"
           "[runtime]\nscheduler_threads = 2\n";
}

struct tool_round_figures {
  std::vector<int64_t> daemon_share; // per tool round
  std::vector<int64_t> round_gap;    // tool call written -> next request
  std::vector<int64_t> server_time;  // MCP server: read -> written
};

// Pairs each tool-call answer of the model with the next request it read
// and the tools/call the MCP server served in between. One caller at a
// time, so the exchanges of a turn are consecutive.
tool_round_figures tool_rounds(const std::vector<responder_exchange>& model,
                               const std::vector<responder_exchange>& mcp) {
  tool_round_figures f;
  std::vector<responder_exchange> calls;
  for (const auto& e : mcp)
    if (e.body.find("\"tools/call\"") != std::string::npos)
      calls.push_back(e);
  for (size_t i = 0; i + 1 < model.size(); ++i) {
    if (has_tool_result(model[i].body) || !has_tool_result(model[i + 1].body))
      continue;
    auto from = model[i].written_ns, to = model[i + 1].read_ns;
    auto call = std::find_if(calls.begin(), calls.end(),
                             [&](const responder_exchange& c) {
                               return c.read_ns >= from && c.written_ns <= to;
                             });
    if (call == calls.end())
      continue;
    f.round_gap.push_back(to - from);
    f.server_time.push_back(call->written_ns - call->read_ns);
    f.daemon_share.push_back((to - from) - (call->written_ns - call->read_ns));
  }
  return f;
}

std::vector<int64_t> whole_turns(const level_result& r) {
  std::vector<int64_t> v;
  for (const auto& t : r.turns)
    if (t.whole_reply_ns >= 0)
      v.push_back(t.whole_reply_ns);
  return v;
}

// --- the stdio server -------------------------------------------------------

struct child_pipes {
  pid_t pid = -1;
  int to_child = -1;
  int from_child = -1;
  std::string pending;
};

child_pipes spawn_ctl(const std::string& ctl, const std::string& config) {
  int in[2], out[2];
  child_pipes c;
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
    return c;
  c.pid = ::fork();
  if (c.pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 2);
    ::execl(ctl.c_str(), ctl.c_str(), "--config", config.c_str(), "mcp",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  c.to_child = in[1];
  c.from_child = out[0];
  return c;
}

// Writes one line and reads one answer line; "" on failure or after 10 s.
std::string ask(child_pipes& c, const std::string& line) {
  auto msg = line + "\n";
  if (::write(c.to_child, msg.data(), msg.size())
      != static_cast<ssize_t>(msg.size()))
    return {};
  for (;;) {
    auto nl = c.pending.find('\n');
    if (nl != std::string::npos) {
      auto out = c.pending.substr(0, nl);
      c.pending.erase(0, nl + 1);
      return out;
    }
    pollfd p{c.from_child, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0)
      return {};
    char buf[65536];
    auto n = ::read(c.from_child, buf, sizeof buf);
    if (n <= 0)
      return {};
    c.pending.append(buf, static_cast<size_t>(n));
  }
}

void close_ctl(child_pipes& c) {
  if (c.to_child >= 0)
    ::close(c.to_child);
  if (c.from_child >= 0)
    ::close(c.from_child);
  if (c.pid > 0) {
    int status = 0;
    ::waitpid(c.pid, &status, 0);
  }
}

const char* meta =
  R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
  R"("io.modelcontextprotocol/clientCapabilities":{}})";

std::string longest_call(const std::string& db_path, int64_t& turns) {
  sqlite3* db = nullptr;
  std::string sid;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr)
      == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db,
                       // The longest call, one with tool calls first.
                       "SELECT call_sid, count(*) FROM turns GROUP BY call_sid "
                       "ORDER BY call_sid IN (SELECT call_sid FROM tool_calls) "
                       "DESC, count(*) DESC LIMIT 1",
                       -1, &st, nullptr);
    if (st && sqlite3_step(st) == SQLITE_ROW) {
      sid = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      turns = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return sid;
}

int64_t count_tool_calls(const std::string& db_path) {
  sqlite3* db = nullptr;
  int64_t n = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr)
      == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM tool_calls", -1, &st,
                           nullptr)
          == SQLITE_OK
        && sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return n;
}

int run(int turns, int calls, int reads) {
  ::signal(SIGPIPE, SIG_IGN);
  tool_model model_state;
  json_responder model(
    [&model_state](const std::string& t, const std::string& b) {
      return model_state(t, b);
    });
  json_responder mcp(instant_mcp);
  bench_daemon daemon("sb-mcp-bench");
  bench_daemon_options opts;
  opts.config = [&](int port, const std::string& dir) {
    return daemon_config(port, dir, model.base_url(), mcp.base_url());
  };
  if (auto ok = daemon.start(opts); !ok) {
    std::cerr << "mcp_bench: " << to_string(ok.error()) << "\n";
    return 1;
  }
  // The toolbox lists the server's tools on a thread of its own after
  // start: wait for its tools/list before the first turn.
  auto listed = [&] {
    for (const auto& e : mcp.exchanges())
      if (e.body.find("\"tools/list\"") != std::string::npos)
        return true;
    return false;
  };
  for (int i = 0; i < 2000 && !listed(); ++i)
    ::usleep(5000);
  if (!listed()) {
    std::cerr << "mcp_bench: the daemon never listed the MCP server's tools\n"
              << daemon.log_tail();
    return 1;
  }

  caller_plan plan;
  plan.transport = "gather";
  plan.base_url = daemon.base_url();
  plan.callers = 1;
  plan.calls_per_caller = calls;
  plan.turns = turns;
  model_state.call_tools = true;
  auto with_tools = run_callers(plan);
  model_state.call_tools = false;
  auto without = run_callers(plan);
  auto rounds = tool_rounds(model.exchanges(), mcp.exchanges());

  std::printf("## mcp_bench: one caller, %d calls of %d turns, <Gather>, a "
              "model and an MCP server that answer at once\n\n",
              calls, turns);
  std::printf(
    "| measured | n | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n");
  row("daemon's share of a tool round", rounds.daemon_share);
  row("tool round: tool call written -> next model request read",
      rounds.round_gap);
  row("MCP server's own time per tools/call", rounds.server_time);
  row("turn, webhook -> TwiML, with a tool round", whole_turns(with_tools));
  row("turn, webhook -> TwiML, without", whole_turns(without));
  std::printf(
    "\ncalls ok: %lld with tools, %lld without; tool calls stored: "
    "%lld\n",
    static_cast<long long>(with_tools.calls_ok),
    static_cast<long long>(without.calls_ok),
    static_cast<long long>(count_tool_calls(daemon.dir() + "/switchboard.db")));
  for (const auto& e : with_tools.errors)
    std::printf("error (with tools): %s\n", e.c_str());
  for (const auto& e : without.errors)
    std::printf("error (without): %s\n", e.c_str());

  // --- the stdio server, on the same database ---
  int64_t stored_turns = 0;
  auto sid = longest_call(daemon.dir() + "/switchboard.db", stored_turns);
  auto ctl = std::string("build/cli/switchboardctl");
  auto started = steady_ns();
  auto c = spawn_ctl(ctl, daemon.dir() + "/config.toml");
  auto first = ask(
    c, std::string(
         R"({"jsonrpc":"2.0","id":0,"method":"server/discover","params":{)")
         + meta + "}}");
  auto first_ns = steady_ns() - started;
  if (first.find("\"result\"") == std::string::npos) {
    std::cerr << "mcp_bench: switchboardctl mcp did not answer "
                 "server/discover: "
              << first << "\n";
    close_ctl(c);
    return 1;
  }
  std::vector<int64_t> get_call, read_resource;
  size_t answer_bytes = 0;
  for (int i = 1; i <= reads; ++i) {
    auto req = R"({"jsonrpc":"2.0","id":)" + std::to_string(i)
               + R"(,"method":"tools/call","params":{"name":"get_call",)"
                 R"("arguments":{"call_sid":")"
               + sid + "\"}," + meta + "}}";
    auto t0 = steady_ns();
    auto answer = ask(c, req);
    auto t1 = steady_ns();
    if (answer.find("\"result\"") == std::string::npos) {
      std::cerr << "mcp_bench: get_call failed: " << answer.substr(0, 300)
                << "\n";
      break;
    }
    answer_bytes = answer.size();
    get_call.push_back(t1 - t0);
    req =
      R"({"jsonrpc":"2.0","id":")" + std::to_string(i)
      + R"(r","method":"resources/read","params":{"uri":"switchboard://calls/)"
      + sid + "\"," + meta + "}}";
    t0 = steady_ns();
    answer = ask(c, req);
    t1 = steady_ns();
    if (answer.find("\"result\"") == std::string::npos) {
      std::cerr << "mcp_bench: resources/read failed: " << answer.substr(0, 300)
                << "\n";
      break;
    }
    read_resource.push_back(t1 - t0);
  }
  close_ctl(c);
  std::printf("\n## switchboardctl mcp (stdio) on a call of %lld stored turns"
              " (get_call answer: %zu bytes)\n\n",
              static_cast<long long>(stored_turns), answer_bytes);
  std::printf(
    "| measured | n | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n");
  row("exec -> server/discover answered", {first_ns});
  row("tools/call get_call, request written -> answer read", get_call);
  row("resources/read transcript, request written -> answer read",
      read_resource);
  if (daemon.stop() != 0) {
    std::cerr << "mcp_bench: the daemon did not stop cleanly\n";
    return 1;
  }
  return 0;
}

} // namespace
} // namespace sb::bench

int main(int argc, char** argv) {
  int turns = 50, calls = 4, reads = 200;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--turns" || a == "--calls" || a == "--reads") && i + 1 < argc)
      (a == "--turns"   ? turns
       : a == "--calls" ? calls
                        : reads) = std::atoi(argv[++i]);
    else if (a == "-h" || a == "--help") {
      std::puts("usage: mcp_bench [--turns N (50)] [--calls N (4)] "
                "[--reads N (200)]\n"
                "Run from the repository root after a build; see "
                "bench/README.md, \"mcp\".");
      return 0;
    } else {
      std::fprintf(stderr, "mcp_bench: unknown argument %s (see --help)\n",
                   a.c_str());
      return 2;
    }
  }
  if (turns < 1 || calls < 1 || reads < 1) {
    std::fprintf(stderr,
                 "mcp_bench: --turns, --calls and --reads must be >= 1\n");
    return 2;
  }
  return sb::bench::run(turns, calls, reads);
}
