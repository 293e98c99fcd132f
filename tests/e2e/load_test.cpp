// Load on the real binary: switchboard-sim's load mode plays 1000 calls
// of 5 turns, all live at once, against switchboardd with signatures
// checked, on the scripted backend and with a local model server that
// takes 500 ms per reply. No turn may be lost and no request may fail (a
// 5xx included); with the model, the model must also answer nearly every
// turn rather than the apology, so a daemon that sheds the load fails.
// Both are short enough to run in CI: the model run is mostly its 500 ms
// a reply, five turns of four rounds through 250 slots (about 11 s). Each
// prints its figures with WARN.
#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "fixtures/fake_llm.hpp"
#include "support/daemon_process.hpp"

using namespace sb::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* token = "load-e2e-token";
constexpr const char* model_name = "load-model";

daemon_options signed_daemon(const temp_dir& dir) {
  daemon_options opts;
  opts.db_path = dir.file("load.db");
  opts.validate_signatures = true;
  opts.auth_token = token;
  return opts;
}

struct load_run {
  int rc = -1;
  std::string output;
  rapidjson::Document json;
};

// Runs `switchboard-sim load` to the end with every call live at once and
// parses its --json line (the last one).
void run_load(const daemon_process& d, const std::string& db, int calls,
              int turns, load_run& run) {
  run.rc = run_sim_command({"load", "--url", d.base_url(), "--auth-token",
                            token, "--calls", std::to_string(calls),
                            "--concurrency", std::to_string(calls), "--turns",
                            std::to_string(turns), "--db", db, "--json"},
                           run.output);
  auto end = run.output.find_last_not_of('\n');
  auto start = run.output.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  run.json.Parse(run.output.substr(start, end + 1 - start).c_str());
}

// Wall time, rates and the p99 of every route, for the run's log.
std::string figures(const rapidjson::Document& json) {
  std::ostringstream out;
  out << json["calls"].GetInt64() << " calls x "
      << json["turns_per_call"].GetInt64()
      << " turns: " << json["wall_s"].GetDouble() << " s, "
      << json["requests_per_s"].GetDouble() << " req/s, "
      << json["turns_per_s"].GetDouble() << " turns/s; p99 ms:";
  for (const auto& route : json["latency_ms"].GetObject())
    out << " " << route.name.GetString() << " "
        << route.value["p99"].GetDouble();
  return out.str();
}

// What the caller notices and what the database keeps: every call went
// through with no error of any kind (a 5xx included), no turn is missing,
// and every call is completed with all its turns in order of roles.
void check_clean(const load_run& run, const std::string& db, int calls,
                 int turns) {
  INFO(run.output);
  CHECK(run.rc == 0);
  REQUIRE_FALSE(run.json.HasParseError());
  CHECK(run.json["calls_ok"].GetInt64() == calls);
  CHECK(run.json["calls_failed"].GetInt64() == 0);
  CHECK(run.json["turns"].GetInt64() == int64_t{calls} * turns);
  CHECK(run.json["errors"].ObjectEmpty());
  CHECK(run.json["lost_turns"].GetInt64() == 0);
  // Twilio gives up on a webhook after 15 s: none came near.
  for (const auto& route : run.json["latency_ms"].GetObject()) {
    INFO(route.name.GetString());
    CHECK(route.value["max"].GetDouble() < 15000);
  }

  CHECK(query_int(db, "SELECT count(*) FROM calls") == calls);
  CHECK(query_int(db, "SELECT count(*) FROM calls WHERE status = 'completed'")
        == calls);
  CHECK(query_int(db, "SELECT count(*) FROM turns")
        == int64_t{calls} * turns * 2);
  CHECK(query_int(db, "SELECT count(*) FROM (SELECT call_sid FROM turns "
                      "GROUP BY call_sid HAVING count(*) = "
                        + std::to_string(turns * 2)
                        + " AND sum(role = 'user') = " + std::to_string(turns)
                        + ")")
        == calls);
}

void scripted_load(int calls, int turns) {
  temp_dir dir;
  auto opts = signed_daemon(dir);
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());

  load_run run;
  run_load(d, opts.db_path, calls, turns, run);
  check_clean(run, opts.db_path, calls, turns);
  if (!run.json.HasParseError())
    WARN("scripted backend, " << figures(run.json));
  CHECK(d.stop() == 0);
}

// Who answered the assistant turns, from the `model` column: the model,
// or the apology ("apology": the model failed or the queue was full;
// "deadline": still not ready after every redirect).
struct answered_by {
  int64_t model = 0;
  std::string others; // " apology 3 deadline 1", or ""
  std::string max_queue_ms, min_llm_ms, max_latency_ms; // of model turns
};

answered_by who_answered(const std::string& db) {
  answered_by out;
  const std::string model = std::string{"'"} + model_name + "'";
  out.model = query_int(db, "SELECT count(*) FROM turns WHERE role = "
                            "'assistant' AND model = "
                              + model);
  for (auto& row : query(db, "SELECT model, count(*) AS n FROM turns WHERE "
                             "role = 'assistant' AND model <> "
                               + model + " GROUP BY model"))
    out.others += " " + row["model"] + " " + row["n"];
  auto timing = query(db, "SELECT max(queue_ms) AS queue, min(llm_ms) AS "
                          "llm, max(latency_ms) AS latency FROM turns "
                          "WHERE model = "
                            + model);
  out.max_queue_ms = timing.at(0)["queue"];
  out.min_llm_ms = timing.at(0)["llm"];
  out.max_latency_ms = timing.at(0)["latency"];
  return out;
}

int64_t await_requests(const rapidjson::Document& json) {
  const auto& routes = json["latency_ms"];
  return routes.HasMember("await") ? routes["await"]["count"].GetInt64() : 0;
}

// The model server takes 500 ms before the first byte of every reply, and
// the daemon opens `slots` connections to it at most. Every turn of every
// live call fits in the queue, so none is refused, and the wait for a slot
// plus the reply stays well inside the 8 s webhook deadline; a turn later
// than that all the same gets the filler and a redirect, which the sim
// follows and which is no error.
void model_load(int calls, int turns, int slots) {
  sb::fake_llm model{sb::fake_llm::flavor::ollama};
  REQUIRE(model.ok());
  model.set_mode(sb::fake_llm::mode::slow, 500ms);
  model.set_reply("Your order ships tomorrow. Anything else?");
  temp_dir dir;
  auto opts = signed_daemon(dir);
  opts.extra_toml = "[llm]\nbackend = \"ollama\"\nmodel = \""
                    + std::string{model_name} + "\"\ntimeout_s = 12\n"
                    + "max_queue = " + std::to_string(calls) + "\n"
                    + "[[llm.endpoints]]\nurl = \"" + model.base_url() + "\"\n"
                    + "slots = " + std::to_string(slots) + "\n";
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());

  load_run run;
  run_load(d, opts.db_path, calls, turns, run);
  check_clean(run, opts.db_path, calls, turns);
  auto by = who_answered(opts.db_path);
  const int64_t assistant = int64_t{calls} * turns;
  const std::string others = by.others.empty() ? " none" : by.others;
  if (!run.json.HasParseError())
    WARN("model 500 ms, " << slots << " slots, " << figures(run.json)
                          << "\nassistant turns: " << by.model << " of "
                          << assistant << " by the model, others:" << others
                          << "; /voice/await redirects "
                          << await_requests(run.json)
                          << "\nmodel turns: queue_ms max " << by.max_queue_ms
                          << ", llm_ms min " << by.min_llm_ms
                          << ", latency_ms max " << by.max_latency_ms
                          << "; model requests at once, most "
                          << model.max_concurrency());
  // The load is served, not shed: the model answered the large majority.
  INFO("others:" << others);
  CHECK(by.model * 100 >= assistant * 95);
  // The server had many requests at once, never more than the slots.
  const auto most = model.max_concurrency();
  CHECK(most <= static_cast<size_t>(slots));
  CHECK(most >= static_cast<size_t>(std::min(calls, slots) / 2));
  // Every reply took the model its 500 ms; with more calls than slots,
  // turns waited in the queue for a slot instead of being refused.
  CHECK(std::atoll(by.min_llm_ms.c_str()) >= 490);
  if (calls > slots)
    CHECK(std::atoll(by.max_queue_ms.c_str()) > 0);
  CHECK(d.stop() == 0);
}

} // namespace

TEST_CASE("load: 1000 calls x 5 turns at once, scripted backend", "[load]") {
  scripted_load(1000, 5);
}

// Four times the calls of the slots: most turns wait for one.
TEST_CASE("load: 1000 calls x 5 turns at once, model taking 500 ms", "[load]") {
  model_load(1000, 5, 250);
}
