// End-to-end: the real daemon under hostile or careless clients. Slow-loris
// connections that drip a header, ten thousand idle connections and more
// past server.max_connections, a per-IP rate limit, malformed and
// ambiguous forms, webhooks for calls never seen, Twilio's retries of a
// webhook, and forged signatures mixed into a burst of real ones. Each
// test checks what a caller would notice (answers, their latency) and what
// an operator would find in the database afterwards.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "cli/sim/twiml_reader.hpp"
#include "fixtures/fake_llm.hpp"
#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "support/daemon_http.hpp"
#include "support/daemon_process.hpp"
#include "tests/support/poll_until.hpp"
#include "tests/support/skip.hpp"
#include "twilio/twilio_signature.hpp"

using namespace sb;
using namespace sb::test;
using namespace std::chrono_literals;
using sb::testing::poll_until;
using steady = std::chrono::steady_clock;

namespace {

constexpr const char* token = "12345";

double ms_since(steady::time_point t) {
  return std::chrono::duration<double, std::milli>(steady::now() - t).count();
}

// -- raw sockets
// ---------------------------------------------------------------

// Starts a non-blocking connect to 127.0.0.1:port; -1 if no socket.
int start_connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
      && errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  return fd;
}

// Opens `n` connections, `batch` at a time so the listen backlog never
// overflows; false if one fails or the deadline passes.
bool open_connections(int port, size_t n, std::vector<int>& out,
                      size_t batch = 500) {
  const auto until = steady::now() + 20s;
  while (out.size() < n) {
    std::vector<pollfd> pending;
    for (size_t i = 0; i < batch && out.size() + pending.size() < n; ++i) {
      int fd = start_connect(port);
      if (fd < 0)
        return false;
      pending.push_back({fd, POLLOUT, 0});
    }
    size_t done = 0;
    while (done < pending.size()) {
      if (steady::now() > until
          || poll(pending.data(), pending.size(), 100) < 0)
        return false;
      for (auto& p : pending) {
        if (p.fd < 0 || p.revents == 0)
          continue;
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0)
          return false;
        out.push_back(p.fd);
        p.fd = -1; // poll() skips it from now on
        ++done;
      }
    }
  }
  return true;
}

void close_all(std::vector<int>& fds) {
  for (int fd : fds)
    close(fd);
  fds.clear();
}

// Waits up to `wait` for the peer to close (EOF or reset) any of `fds` not
// yet marked in `closed`; marks those it sees and returns how many.
size_t mark_closed(const std::vector<int>& fds, std::vector<bool>& closed,
                   std::chrono::milliseconds wait) {
  std::vector<pollfd> open;
  std::vector<size_t> index;
  for (size_t i = 0; i < fds.size(); ++i)
    if (!closed[i]) {
      open.push_back({fds[i], POLLIN, 0});
      index.push_back(i);
    }
  if (open.empty() || poll(open.data(), open.size(), int(wait.count())) <= 0)
    return 0;
  size_t n = 0;
  for (size_t k = 0; k < open.size(); ++k) {
    if (open[k].revents == 0)
      continue;
    char c;
    auto got = recv(open[k].fd, &c, 1, MSG_DONTWAIT);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
      closed[index[k]] = true;
      ++n;
    }
  }
  return n;
}

// One GET on an already open socket; the status line, or "" on failure.
std::string raw_get(int fd, const std::string& path) {
  auto req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != ssize_t(req.size()))
    return {};
  std::string got;
  const auto until = steady::now() + 5s;
  while (got.find("\r\n") == std::string::npos && steady::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0)
      continue;
    char buf[512];
    auto n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n <= 0)
      return {};
    got.append(buf, size_t(n));
  }
  return got.substr(0, got.find("\r\n"));
}

// -- the daemon ---------------------------------------------------------------

// The value of one series of GET /metrics (name with its labels), or -1.
double metric(http_client& cl, const daemon_process& d,
              const std::string& series) {
  auto r = cl.get(d.base_url() + "/metrics");
  if (!r || r->status != 200)
    return -1;
  auto at = r->body.find("\n" + series + " ");
  if (at == std::string::npos)
    return -1;
  return std::atof(r->body.c_str() + at + series.size() + 2);
}

// Polls a metric until it equals `want` (bounded); returns the last value.
double await_metric(http_client& cl, const daemon_process& d,
                    const std::string& series, double want) {
  double v = metric(cl, d, series);
  poll_until(
    [&] {
      v = metric(cl, d, series);
      return v == want;
    },
    10s);
  return v;
}

long rss_kib(pid_t pid) {
  std::ifstream status{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::atol(line.c_str() + 6);
  return -1;
}

form_params inbound_params(const std::string& sid) {
  return {{"CallSid", sid},          {"AccountSid", "AC0"},
          {"From", "+15550001"},     {"To", "+15550002"},
          {"CallStatus", "ringing"}, {"Direction", "inbound"}};
}

form_params speech_params(const std::string& sid, const std::string& text) {
  return {{"CallSid", sid},
          {"AccountSid", "AC0"},
          {"CallStatus", "in-progress"},
          {"SpeechResult", text},
          {"Confidence", "0.91"}};
}

// Posts `params` to `path`, signed as Twilio would sign them, with any
// extra headers (a retry's I-Twilio-Idempotency-Token).
caf::expected<client_response>
post_signed(http_client& cl, const daemon_process& d, const std::string& path,
            const form_params& params, http_client::headers extra = {}) {
  return sb::test::post_signed(cl, d, path, params, token, std::move(extra));
}

daemon_options signed_options(const temp_dir& dir, const std::string& db) {
  daemon_options o;
  o.db_path = dir.file(db);
  o.validate_signatures = true;
  o.auth_token = token;
  return o;
}

long long count(const daemon_options& o, const std::string& sql) {
  return query_int(o.db_path, sql);
}

} // namespace

TEST_CASE("slow-loris connections neither stall other callers nor stay open",
          "[hostile]") {
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("loris.db");
  opts.server_extra = "header_timeout_ms = 1000\n";
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());

  // 300 connections, each sending a header one byte every 20 ms: 50 bytes
  // a second, far from the end of the header when its second is up.
  constexpr size_t loris_count = 300;
  const std::string header =
    "POST /voice/inbound HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
    "application/x-www-form-urlencoded\r\nX-Slow: "
    + std::string(400, 'a') + "\r\n\r\n";
  std::vector<int> fds;
  REQUIRE(open_connections(d.port(), loris_count, fds));
  const auto opened = steady::now();
  std::vector<double> closed_after_ms(loris_count, -1);
  std::atomic<bool> loris_done{false};
  size_t got_bytes = 0;
  std::thread loris([&] {
    size_t at = 0;
    const auto until = opened + 6s;
    for (;;) {
      std::vector<pollfd> open;
      for (size_t i = 0; i < fds.size(); ++i)
        if (closed_after_ms[i] < 0)
          open.push_back({fds[i], POLLIN, 0});
      if (open.empty() || steady::now() > until)
        break;
      for (auto& p : open)
        send(p.fd, &header[at % header.size()], 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      ++at;
      // The pacing of the drip, and the wait for the server's closes.
      poll(open.data(), open.size(), 20);
      for (auto& p : open) {
        if (p.revents == 0)
          continue;
        char buf[256];
        auto n = recv(p.fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0) {
          ++got_bytes;
          continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
          continue;
        auto i = size_t(std::find(fds.begin(), fds.end(), p.fd) - fds.begin());
        closed_after_ms[i] = ms_since(opened);
      }
    }
    loris_done = true;
  });

  // Meanwhile a caller plays whole calls, each request on a new connection
  // as the loris ones are.
  std::vector<double> latency_ms;
  int failures = 0;
  for (int call = 0; !loris_done; ++call) {
    auto sid = "CAL" + std::to_string(call);
    http_client cl;
    for (const auto& [path, params] :
         {std::pair<std::string, form_params>{"/voice/inbound",
                                              inbound_params(sid)},
          {"/voice/process-speech", speech_params(sid, "hello")},
          {"/call-status", {{"CallSid", sid}, {"CallStatus", "completed"}}}}) {
      auto t = steady::now();
      auto r = cl.post_form(d.base_url() + path, form_encode(params));
      latency_ms.push_back(ms_since(t));
      if (!r || r->status != 200)
        ++failures;
    }
  }
  loris.join();
  close_all(fds);

  std::sort(latency_ms.begin(), latency_ms.end());
  REQUIRE(latency_ms.size() >= 30);
  const double p50 = latency_ms[latency_ms.size() / 2];
  const double worst = latency_ms.back();
  auto closes = closed_after_ms;
  std::sort(closes.begin(), closes.end());
  WARN("slow-loris: " << latency_ms.size() << " requests beside " << loris_count
                      << " loris connections: p50 " << p50 << " ms, max "
                      << worst << " ms; loris closed after " << closes.front()
                      << ".." << closes.back() << " ms");
  CHECK(failures == 0);
  CHECK(worst < 1000);
  // Every loris connection was closed by the server's header timeout (1 s
  // from its accept), none earlier, none left open, none answered.
  CHECK(closes.front() >= 900);
  CHECK(closes.back() < 3000);
  CHECK(got_bytes == 0);
  REQUIRE(d.stop() == 0);
  CHECK(count(opts, "SELECT count(*) FROM calls WHERE status = 'completed'")
        == static_cast<long long>(latency_ms.size() / 3));
}

TEST_CASE("10,000 idle connections leave room for calls, past "
          "max_connections new ones are refused and the old ones go on",
          "[hostile]") {
  constexpr size_t idle = 10000, cap = 10100, extra = 200;
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < idle + extra + 500) {
    SB_SKIP("the hard open-files limit " << lim.rlim_max << " cannot hold "
                                         << idle + extra
                                         << " connections (raise ulimit -Hn)");
  }
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    REQUIRE(setrlimit(RLIMIT_NOFILE, &lim) == 0);
  }
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("idle.db");
  // Connections that never send stay until their header timeout.
  opts.server_extra = "max_connections = " + std::to_string(cap)
                      + "\nheader_timeout_ms = 60000\n";
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  CHECK(d.log().find("open files limit") != std::string::npos);
  const std::string open_gauge = "switchboard_http_connections";
  const std::string refused =
    "switchboard_http_rejected_total{reason=\"max_connections\"}";
  http_client probe; // one connection of its own, kept alive
  const long rss_before = rss_kib(d.pid());

  std::vector<int> idle_fds;
  const auto t_open = steady::now();
  REQUIRE(open_connections(d.port(), idle, idle_fds));
  REQUIRE(await_metric(probe, d, open_gauge, idle + 1) == idle + 1);
  const double open_ms = ms_since(t_open);
  const long rss_after = rss_kib(d.pid());

  // A whole call still works, promptly.
  double call_ms = 0;
  {
    http_client cl;
    auto t = steady::now();
    auto in = cl.post_form(d.base_url() + "/voice/inbound",
                           form_encode(inbound_params("CAIDLE")));
    auto said = cl.post_form(d.base_url() + "/voice/process-speech",
                             form_encode(speech_params("CAIDLE", "hello")));
    call_ms = ms_since(t);
    REQUIRE(in);
    CHECK(in->status == 200);
    REQUIRE(said);
    CHECK(read_twiml(said->body)->find("Gather"));
  }
  CHECK(call_ms < 1000);
  REQUIRE(await_metric(probe, d, open_gauge, idle + 1) == idle + 1);

  // 200 more: the first cap - (idle + 1) are kept, the rest closed at once.
  const size_t room = cap - (idle + 1);
  std::vector<int> more;
  REQUIRE(open_connections(d.port(), extra, more));
  size_t refused_seen = 0;
  std::vector<bool> is_refused(extra, false);
  const auto until = steady::now() + 5s;
  while (refused_seen < extra - room && steady::now() < until)
    refused_seen += mark_closed(more, is_refused, 100ms);
  CHECK(refused_seen == extra - room);
  // The server counts a refusal after closing the socket (and the gauge
  // moves in a destructor): awaited, since the client may see the close
  // first.
  CHECK(await_metric(probe, d, refused, double(extra - room))
        == double(extra - room));
  CHECK(await_metric(probe, d, open_gauge, double(cap)) == double(cap));
  // The ones kept are not closed.
  CHECK(mark_closed(more, is_refused, 0ms) == 0);

  // The idle ones are all still open, and any of them can still ask.
  std::vector<pollfd> all;
  for (int fd : idle_fds)
    all.push_back({fd, POLLIN, 0});
  CHECK(poll(all.data(), all.size(), 0) == 0);
  for (size_t i = 0; i < idle; i += idle / 20)
    CHECK(raw_get(idle_fds[i], "/healthz") == "HTTP/1.1 200 OK");

  // Room again once some leave.
  close_all(more);
  REQUIRE(await_metric(probe, d, open_gauge, idle + 1) == idle + 1);
  http_client after;
  auto ok = after.get(d.base_url() + "/healthz");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  WARN("idle connections: " << idle << " opened and accepted in " << open_ms
                            << " ms; daemon RSS " << rss_before << " -> "
                            << rss_after << " KiB; a call beside them took "
                            << call_ms << " ms");
  close_all(idle_fds);
  REQUIRE(d.stop() == 0);
}

TEST_CASE("the per-IP rate limit answers 429 and counts it, loopback is "
          "exempt by default",
          "[hostile]") {
  temp_dir dir;
  {
    daemon_options opts;
    opts.db_path = dir.file("rate.db");
    opts.server_extra = "rate_limit_per_s = 5\nrate_limit_burst = 10\n"
                        "rate_limit_loopback = true\n";
    daemon_process d{opts, dir.path()};
    REQUIRE(d.running());
    http_client cl;
    int ok = 0, limited = 0;
    for (int i = 0; i < 30; ++i) {
      auto r = cl.get(d.base_url() + "/healthz");
      REQUIRE(r);
      (r->status == 200 ? ok : limited) += 1;
    }
    // The burst, and what 5/s refilled meanwhile.
    CHECK(ok >= 10);
    CHECK(ok <= 12);
    // Refused scrapes count as well; poll until the bucket lets one by.
    double counted = -1;
    poll_until(
      [&] {
        auto r = cl.get(d.base_url() + "/metrics");
        REQUIRE(r);
        if (r->status == 429) {
          ++limited;
          return false;
        }
        auto at = r->body.find(
          "\nswitchboard_http_rejected_total{reason=\"rate_limit\"} ");
        REQUIRE(at != std::string::npos);
        counted = std::atof(r->body.c_str() + r->body.find("} ", at) + 2);
        return true;
      },
      5s);
    CHECK(counted == limited);
    REQUIRE(d.stop() == 0);
  }
  {
    daemon_options opts;
    opts.db_path = dir.file("exempt.db");
    opts.server_extra = "rate_limit_per_s = 1\nrate_limit_burst = 1\n";
    daemon_process d{opts, dir.path()};
    REQUIRE(d.running());
    http_client cl;
    for (int i = 0; i < 20; ++i)
      CHECK(cl.get(d.base_url() + "/healthz")->status == 200);
    REQUIRE(d.stop() == 0);
  }
}

TEST_CASE("invalid UTF-8, broken escapes and conflicting parameters get 400 "
          "and change nothing stored",
          "[hostile]") {
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("forms.db");
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  REQUIRE(cl.post_form(d.base_url() + "/voice/inbound",
                       form_encode(inbound_params("CA1")))
            ->status
          == 200);
  auto speech = d.base_url() + "/voice/process-speech";
  // (tests/e2e/call_flow_test.cpp has %ZZ, %C3%28, %00, an empty key, a
  // missing or malformed CallSid and an oversized body.)
  const std::vector<std::string> bad = {
    "CallSid=CA1&SpeechResult=%E0%A4",              // truncated UTF-8 sequence
    "CallSid=CA1&SpeechResult=%E0%A4%A",            // truncated escape
    "CallSid=CA1&SpeechResult=abc%",                // lone '%' at the end
    "CallSid=CA1&SpeechResult=%zz",                 // not hex, lower case
    "CallSid=CA1&SpeechResult=%C0%AF",              // overlong '/'
    "CallSid=CA1&SpeechResult=%ED%A0%80",           // a UTF-16 surrogate
    "CallSid=CA1&SpeechResult=%F4%90%80%80",        // past U+10FFFF
    "CallSid=CA1&Speech%FFResult=x",                // invalid UTF-8 in a key
    "CallSid=CA1&CallSid=CA2&SpeechResult=x",       // two calls
    "CallSid=CA1&SpeechResult=yes&SpeechResult=no", // two utterances
    "CallSid=CA1&CallStatus=completed&CallStatus=in-progress",
  };
  for (const auto& body : bad) {
    auto r = cl.post_form(speech, body);
    REQUIRE(r);
    INFO(body);
    CHECK(r->status == 400);
    CHECK(r->content_type == "application/json");
  }
  auto await_bad = cl.post_form(d.base_url() + "/voice/await?turn=1&turn=2",
                                "CallSid=CA1");
  CHECK(await_bad->status == 400);
  CHECK(
    cl.post_form(d.base_url() + "/voice/await?turn=%FF", "CallSid=CA1")->status
    == 400);
  CHECK(metric(cl, d, "switchboard_errors_total{kind=\"bad_request\"}")
        == double(bad.size() + 2));
  // An exact repeat is one value (Twilio's signing folds it the same way).
  auto twice = cl.post_form(speech, "CallSid=CA1&CallSid=CA1&SpeechResult=hello"
                                    "&SpeechResult=hello");
  REQUIRE(twice);
  CHECK(twice->status == 200);
  CHECK(read_twiml(twice->body)->find("Gather"));
  REQUIRE(d.stop() == 0);
  CHECK(count(opts, "SELECT count(*) FROM events") == 2);
  CHECK(count(opts, "SELECT count(*) FROM calls") == 1);
  CHECK(count(opts, "SELECT count(*) FROM turns WHERE role = 'user'") == 1);
  CHECK(query(opts.db_path, "SELECT content FROM turns WHERE role = 'user'")
          .at(0)["content"]
        == "hello");
}

TEST_CASE("unsigned webhooks for a CallSid never seen are answered safely "
          "and store nothing",
          "[hostile]") {
  temp_dir dir;
  daemon_options opts;
  opts.db_path = dir.file("unknown.db");
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  auto post = [&](const std::string& path, const form_params& p) {
    auto r = cl.post_form(d.base_url() + path, form_encode(p));
    REQUIRE(r);
    CHECK(r->status == 200);
    return *r;
  };
  for (const char* path : {"/voice/process-speech", "/voice/await?turn=1"}) {
    INFO(path);
    auto r = post(path, speech_params("CAGHOST", "hello"));
    auto doc = read_twiml(r.body);
    REQUIRE(doc);
    CHECK(doc->find("Hangup"));
    CHECK_FALSE(doc->find("Gather"));
  }
  // Missing SpeechResult for a call never seen: the same.
  CHECK(read_twiml(post("/voice/process-speech", {{"CallSid", "CAGHOST"}}).body)
          ->find("Hangup"));
  for (const char* path :
       {"/call-status", "/recording-status", "/amd-status"}) {
    INFO(path);
    auto r = post(path, {{"CallSid", "CAGHOST"},
                         {"CallStatus", "completed"},
                         {"RecordingSid", "RE1"},
                         {"AnsweredBy", "human"}});
    CHECK(r.content_type == "application/json");
  }
  auto health = cl.get(d.base_url() + "/");
  CHECK(health->body.find("\"active_sessions\":0") != std::string::npos);
  CHECK(
    d.log().find("call CAGHOST: unsigned process-speech for a call never seen")
    != std::string::npos);
  // A real call afterwards is unaffected.
  post("/voice/inbound", inbound_params("CAREAL"));
  REQUIRE(d.stop() == 0);
  for (const char* table : {"calls", "events", "turns", "recordings"})
    CHECK(count(opts, std::string{"SELECT count(*) FROM "} + table
                        + " WHERE call_sid = 'CAGHOST'")
          == 0);
  CHECK(count(opts, "SELECT count(*) FROM calls") == 1);
}

TEST_CASE("a webhook Twilio retries is answered as the first and stored "
          "once",
          "[hostile]") {
  temp_dir dir;
  auto opts = signed_options(dir, "replay.db");
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  auto retry_of = [](const char* id) {
    return http_client::headers{{"I-Twilio-Idempotency-Token", id}};
  };
  auto in1 = post_signed(cl, d, "/voice/inbound", inbound_params("CAR"),
                         retry_of("idem-in"));
  auto in2 = post_signed(cl, d, "/voice/inbound", inbound_params("CAR"),
                         retry_of("idem-in"));
  REQUIRE(in1);
  REQUIRE(in2);
  CHECK(in2->body == in1->body);
  // Without a token, a retry that comes after its answer is taken as new;
  // for /voice/inbound that is harmless: the same greeting, one call.
  auto in3 = post_signed(cl, d, "/voice/inbound", inbound_params("CAR"));
  REQUIRE(in3);
  CHECK(in3->body == in1->body);

  // Our answer was lost: Twilio sends the same request again.
  auto said = speech_params("CAR", "I need help with my order");
  auto first = post_signed(cl, d, "/voice/process-speech", said,
                           retry_of("idem-1"));
  auto again = post_signed(cl, d, "/voice/process-speech", said,
                           retry_of("idem-1"));
  REQUIRE(first);
  REQUIRE(again);
  CHECK(first->status == 200);
  CHECK(again->body == first->body);
  // The same words in a new delivery are a new turn: the caller repeated.
  auto repeated = post_signed(cl, d, "/voice/process-speech", said,
                              retry_of("idem-2"));
  REQUIRE(repeated);
  CHECK(read_twiml(repeated->body)->find("Gather"));

  form_params answered{
    {"CallSid", "CAR"}, {"CallStatus", "in-progress"}, {"SequenceNumber", "1"}};
  for (int i = 0; i < 2; ++i)
    CHECK(
      post_signed(cl, d, "/call-status", answered, retry_of("idem-st1"))->status
      == 200);
  // The call's last callback, retried: the actor may be gone by then, and
  // the one rebuilt for the retry changes nothing of the ended call.
  form_params done{{"CallSid", "CAR"},
                   {"CallStatus", "completed"},
                   {"CallDuration", "30"},
                   {"SequenceNumber", "3"}};
  for (int i = 0; i < 2; ++i)
    CHECK(post_signed(cl, d, "/call-status", done, retry_of("idem-st3"))->status
          == 200);
  CHECK(metric(cl, d,
               "switchboard_calls_total{direction=\"inbound\","
               "outcome=\"completed\"}")
        == 1);
  REQUIRE(d.stop() == 0);
  CHECK(count(opts, "SELECT count(*) FROM turns WHERE role = 'user'") == 2);
  CHECK(count(opts, "SELECT count(*) FROM turns WHERE role = 'assistant'")
        == 2);
  CHECK(count(opts, "SELECT count(*) FROM turns WHERE seq > 4") == 0);
  CHECK(count(opts, "SELECT count(*) FROM calls") == 1);
  CHECK(count(opts, "SELECT count(*) FROM events WHERE kind = 'inbound'") == 2);
  CHECK(count(opts, "SELECT count(*) FROM events WHERE kind = "
                    "'process-speech'")
        == 2);
  CHECK(count(opts, "SELECT count(*) FROM events WHERE kind = 'call-status' "
                    "AND json_extract(payload, '$.SequenceNumber') = '1'")
        == 1);
  auto row = query(opts.db_path, "SELECT * FROM calls").at(0);
  CHECK(row["status"] == "completed");
  CHECK(row["end_reason"] == "completed");
  CHECK(row["duration_s"] == "30");
}

TEST_CASE("a retry while the model still thinks waits for the same answer, "
          "the model is asked once",
          "[hostile]") {
  fake_llm model{fake_llm::flavor::ollama};
  REQUIRE(model.ok());
  model.set_mode(fake_llm::mode::slow, 1500ms);
  temp_dir dir;
  auto opts = signed_options(dir, "inflight.db");
  opts.extra_toml = "[llm]\nbackend = \"ollama\"\n[[llm.endpoints]]\nurl = \""
                    + model.base_url() + "\"\n";
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  http_client cl;
  REQUIRE(post_signed(cl, d, "/voice/inbound", inbound_params("CAS"))->status
          == 200);
  // No idempotency token: an identical body while the first is unanswered
  // can only be a retry.
  auto said = speech_params("CAS", "what are your opening hours");
  auto ask = [&] {
    http_client own;
    return post_signed(own, d, "/voice/process-speech", said);
  };
  auto t0 = steady::now();
  auto first = std::async(std::launch::async, ask);
  REQUIRE(model.wait_for_requests(1, 5s));
  auto retry = std::async(std::launch::async, ask);
  auto a = first.get();
  auto b = retry.get();
  const double both_ms = ms_since(t0);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->status == 200);
  CHECK(b->body == a->body);
  CHECK(read_twiml(a->body)->find("Say")->text
        == "Hello there. How can I help?");
  CHECK(model.requests().size() == 1);
  CHECK(both_ms < 5000);
  REQUIRE(d.stop() == 0);
  CHECK(count(opts, "SELECT count(*) FROM turns WHERE role = 'user'") == 1);
  CHECK(count(opts, "SELECT count(*) FROM turns WHERE role = 'assistant'")
        == 1);
  CHECK(count(opts, "SELECT count(*) FROM events WHERE kind = "
                    "'process-speech'")
        == 1);
}

TEST_CASE("2,000 webhooks at once, half forged: every real one is served, "
          "every forged one refused and none stored",
          "[hostile]") {
  temp_dir dir;
  auto opts = signed_options(dir, "forged.db");
  daemon_process d{opts, dir.path()};
  REQUIRE(d.running());
  constexpr int total = 2000, threads = 16;
  const auto url = d.base_url() + "/voice/inbound";
  std::atomic<int> served{0}, refused{0}, wrong{0};
  auto t0 = steady::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      http_client cl;
      for (int i = t; i < total; i += threads) {
        bool real = i % 2 == 0;
        auto p = inbound_params((real ? "CAV" : "CAF") + std::to_string(i));
        std::string sig;
        switch (real ? -1 : (i / 2) % 3) {
          case -1: sig = twilio_signature(token, url, p); break;
          case 0: sig = twilio_signature("54321", url, p); break; // other token
          case 1: // signed for another webhook's URL
            sig = twilio_signature(token, d.base_url() + "/call-status", p);
            break;
          default: { // signed for another body
            auto other = p;
            other[2].second = "+15559999";
            sig = twilio_signature(token, url, other);
          }
        }
        auto r = cl.post_form(url, form_encode(p),
                              {{"X-Twilio-Signature", sig}});
        long status = r ? r->status : 0;
        if (real && status == 200)
          ++served;
        else if (!real && status == 403)
          ++refused;
        else
          ++wrong;
      }
    });
  for (auto& th : pool)
    th.join();
  const double took_ms = ms_since(t0);
  WARN("forged under load: " << total << " webhooks on " << threads
                             << " connections in " << took_ms << " ms ("
                             << int(total / (took_ms / 1000)) << " req/s)");
  CHECK(served == total / 2);
  CHECK(refused == total / 2);
  CHECK(wrong == 0);
  http_client probe;
  CHECK(metric(probe, d, "switchboard_signature_failures_total")
        == double(total / 2));
  REQUIRE(d.stop() == 0);
  CHECK(count(opts, "SELECT count(*) FROM calls") == total / 2);
  CHECK(count(opts, "SELECT count(*) FROM events") == total / 2);
  CHECK(count(opts, "SELECT count(*) FROM calls WHERE call_sid LIKE 'CAF%'")
        == 0);
  CHECK(count(opts, "SELECT count(*) FROM events WHERE call_sid LIKE 'CAF%'")
        == 0);
}
