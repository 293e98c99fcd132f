// Tests for backends/mcp/mcp_toolbox against tests/fixtures/fake_mcp
// servers over loopback: refresh() listing several servers (the
// allow-list, names colliding with a built-in or with another server's
// tool, a server down), tools() replaced by a later refresh, call() giving
// the result or a short error within min(budget, llm.mcp_timeout_ms)
// whatever the server does, the bounded queue, and the destructor ending
// a call under way. Waits are on events (the fake's requests), never
// sleeps.
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "backends/mcp/mcp_toolbox.hpp"
#include "tests/fixtures/fake_mcp.hpp"
#include "tests/fixtures/refusing_port.hpp"

namespace {

using namespace std::chrono_literals;
using sb::fake_mcp;
using sb::mcp_toolbox;
using clock_type = std::chrono::steady_clock;

sb::mcp_server_config server(std::string name, std::string url,
                             std::vector<std::string> allow = {}) {
  sb::mcp_server_config s;
  s.name = std::move(name);
  s.url = std::move(url);
  s.tools = std::move(allow);
  return s;
}

sb::llm_config config(std::vector<sb::mcp_server_config> servers,
                      int timeout_ms = 2000, int slots = 2, int queue = 4) {
  sb::llm_config llm;
  llm.mcp_servers = std::move(servers);
  llm.mcp_timeout_ms = timeout_ms;
  llm.mcp_slots = slots;
  llm.mcp_max_queue = queue;
  return llm;
}

// A fake server named "orders" and a toolbox that has listed it.
struct orders_box {
  fake_mcp orders;
  sb::llm_config llm;
  mcp_toolbox box;

  explicit orders_box(int timeout_ms = 2000, int slots = 2, int queue = 4)
    : llm(config({server("orders", orders.url())}, timeout_ms, slots, queue)),
      box(llm) {
    REQUIRE(orders.ok());
    box.refresh(llm);
  }
};

// "server/name" for each tool offered.
std::vector<std::string> offered(const mcp_toolbox& box) {
  std::vector<std::string> out;
  for (const auto& t : *box.tools())
    out.push_back(t.server + "/" + t.name);
  return out;
}

std::chrono::milliseconds since(clock_type::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now()
                                                               - start);
}

// Starts a call of lookup_order on another thread against `orders` set to
// hang, and returns once the server has its request: the call holds a
// slot until its time is up.
std::future<sb::mcp_tool_outcome>
hanging_call(mcp_toolbox& box, fake_mcp& orders,
             std::chrono::milliseconds budget) {
  const size_t before = orders.requests().size();
  orders.set_mode(fake_mcp::mode::hang);
  auto call = std::async(std::launch::async, [&box, budget] {
    return box.call("lookup_order", R"({"order_id":"1"})", budget);
  });
  REQUIRE(orders.wait_for_requests(before + 1, 2s));
  return call;
}

fake_mcp::tool tool_named(std::string name, std::string text) {
  fake_mcp::tool t;
  t.name = std::move(name);
  t.texts = {std::move(text)};
  return t;
}

} // namespace

TEST_CASE("mcp toolbox offers nothing before its first refresh", "[mcp]") {
  mcp_toolbox box{config({})};
  CHECK(box.tools()->empty());
  auto out = box.call("lookup_order", "{}", 1s);
  CHECK(out.error == "unknown tool");
}

TEST_CASE("mcp toolbox lists every server, applying allow-lists and "
          "leaving out colliding names",
          "[mcp]") {
  fake_mcp orders;
  fake_mcp legacy{fake_mcp::era::legacy};
  legacy.set_tools({tool_named("get_time", "13:00"),
                    tool_named("book_slot", "booked"),
                    tool_named("cancel_slot", "cancelled")});
  sb::test::refusing_port port;
  auto llm = config(
    {server("orders", orders.url()),
     server("slots", legacy.url(), {"get_time", "book_slot", "not_there"}),
     server("down",
            "http://127.0.0.1:" + std::to_string(port.port()) + "/mcp")});
  mcp_toolbox box{llm};
  box.refresh(llm);
  // end_call is a built-in's name; slots' get_time is orders' already;
  // cancel_slot is not allow-listed; the server down offers nothing.
  CHECK(offered(box)
        == std::vector<std::string>{"orders/lookup_order", "orders/get_time",
                                    "slots/book_slot"});
  auto booked = box.call("book_slot", "{}", 2s);
  CHECK(booked.error.empty());
  CHECK(booked.result == "booked");
  CHECK(booked.server == "slots");
  auto time = box.call("get_time", "{}", 2s);
  CHECK(time.server == "orders");
  CHECK(time.result == R"({"time":"12:00"})");
}

TEST_CASE("mcp toolbox calls a tool and times the call", "[mcp]") {
  orders_box f;
  auto& orders = f.orders;
  auto& box = f.box;
  auto out = box.call("lookup_order", R"({"order_id":"A-17"})", 2s);
  CHECK(out.error.empty());
  CHECK(out.result == "Order shipped\nArrives Tuesday");
  CHECK(out.server == "orders");
  CHECK(out.ms >= 0);
  CHECK(out.ms < 2000);
  const auto calls = orders.requests_for("tools/call");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].body.find(R"("order_id":"A-17")") != std::string::npos);
}

TEST_CASE("mcp toolbox replaces the tools on refresh", "[mcp]") {
  orders_box f;
  auto& orders = f.orders;
  auto& box = f.box;
  auto before = box.tools();
  REQUIRE(before->size() == 2);
  orders.set_tools({tool_named("track_parcel", "in transit")});
  box.refresh(f.llm);
  CHECK(offered(box) == std::vector<std::string>{"orders/track_parcel"});
  CHECK(before->size() == 2); // a snapshot taken earlier stays whole
  CHECK(box.call("lookup_order", "{}", 1s).error == "unknown tool");
  CHECK(box.call("track_parcel", "{}", 2s).result == "in transit");
  // A server that fails keeps no tools.
  orders.set_mode(fake_mcp::mode::http_500);
  box.refresh(f.llm);
  CHECK(box.tools()->empty());
}

TEST_CASE("mcp toolbox gives every failure as an error within its time",
          "[mcp]") {
  orders_box f{400};
  auto& orders = f.orders;
  auto& box = f.box;
  struct failure {
    fake_mcp::mode mode;
    std::string error;
  };
  auto want = GENERATE(failure{fake_mcp::mode::hang, "timed out after 400 ms"},
                       failure{fake_mcp::mode::garbage,
                               "not a JSON-RPC response"},
                       failure{fake_mcp::mode::http_500, "HTTP 500"},
                       failure{fake_mcp::mode::is_error, "order not found"});
  orders.set_mode(want.mode);
  const auto start = clock_type::now();
  auto out = box.call("lookup_order", R"({"order_id":"1"})", 5s);
  CHECK(out.error == want.error);
  CHECK(out.result.empty());
  CHECK(since(start) < 400ms + 700ms);
}

TEST_CASE("mcp toolbox waits no longer than the turn's budget", "[mcp]") {
  orders_box f{5000, 1};
  auto& orders = f.orders;
  auto& box = f.box;
  orders.set_mode(fake_mcp::mode::hang);
  const auto start = clock_type::now();
  auto out = box.call("lookup_order", R"({"order_id":"1"})", 200ms);
  CHECK(out.error == "timed out after 200 ms");
  CHECK(since(start) < 200ms + 700ms);
  // The slot was freed with the caller: the next call gets the server.
  orders.set_mode(fake_mcp::mode::ok);
  auto next = box.call("lookup_order", R"({"order_id":"2"})", 2s);
  CHECK(next.error.empty());
  CHECK(box.call("lookup_order", "{}", 0ms).error == "timed out after 0 ms");
}

TEST_CASE("mcp toolbox refuses a call when its queue is full", "[mcp]") {
  // One slot and no room to wait: a second call while the first runs is
  // refused at once.
  orders_box f{1500, 1, 0};
  auto& orders = f.orders;
  auto& box = f.box;
  auto running = hanging_call(box, orders, 5s);
  const auto start = clock_type::now();
  auto full = box.call("lookup_order", R"({"order_id":"2"})", 5s);
  CHECK(full.error == "tool queue full");
  CHECK(full.server == "orders");
  CHECK(since(start) < 500ms); // not the 1500 ms a wait would take
  CHECK(running.get().error == "timed out after 1500 ms");
}

TEST_CASE("mcp toolbox runs a queued call once a slot is free", "[mcp]") {
  orders_box f{3000, 1, 1};
  auto& orders = f.orders;
  auto& box = f.box;
  auto first = hanging_call(box, orders, 300ms);
  orders.set_mode(fake_mcp::mode::ok);
  auto queued = box.call("lookup_order", R"({"order_id":"2"})", 3s);
  CHECK(first.get().error == "timed out after 300 ms");
  CHECK(queued.error.empty());
  CHECK(queued.result == "Order shipped\nArrives Tuesday");
}

TEST_CASE("mcp toolbox ends a running call when it is destroyed", "[mcp]") {
  fake_mcp orders;
  auto llm = config({server("orders", orders.url())}, 10000, 1, 4);
  std::future<sb::mcp_tool_outcome> running;
  const auto start = clock_type::now();
  {
    mcp_toolbox box{llm};
    box.refresh(llm);
    running = hanging_call(box, orders, 10s);
  }
  // The hung transfer is cancelled: the slot's thread was joined in well
  // under the 10 s the call was given.
  CHECK(since(start) < 3s);
  auto out = running.get();
  CHECK(out.error == "shutting down");
}
