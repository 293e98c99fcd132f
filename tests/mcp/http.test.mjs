// /mcp's HTTP rules, with raw fetch where a client library would not
// misbehave on purpose: the bearer token (none or a wrong one: 401 with
// WWW-Authenticate, and wrong ones count toward the console's per-address
// limit), the Origin (a foreign one: 403; the console's own and an
// allowed one pass), POST only (GET and DELETE: 405 with Allow), the
// request metadata headers against the body (400 with -32020), a
// notification (202, no body), the body's type and size (415, 413), a
// legacy request answered without a session, and the console's security
// headers on every answer.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import {
  admin_token, modern_headers, modern_meta, post_mcp, start_daemon, stop_daemon,
} from "./harness.mjs";

let daemon;

before(async () => {
  daemon = await start_daemon();
});

after(async () => {
  if (daemon) assert.equal(await stop_daemon(daemon), 0, "switchboardd exits cleanly on SIGTERM");
});

const list_tools = { jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: modern_meta() } };

/// A JSON-RPC error body without an id, with `code`.
function assert_error_without_id(answer, code) {
  assert.equal(answer.body?.jsonrpc, "2.0", answer.text);
  assert.equal(answer.body.id ?? null, null, answer.text);
  assert.equal(answer.body.error.code, code, answer.text);
}

function assert_console_headers(answer) {
  assert.match(answer.headers.get("content-security-policy") ?? "", /default-src 'none'/);
  assert.equal(answer.headers.get("x-content-type-options"), "nosniff");
  assert.equal(answer.headers.get("cache-control"), "no-store");
}

test("a modern request with its headers and the token is answered as JSON", async () => {
  const answer = await post_mcp(daemon, list_tools, modern_headers("tools/list"));
  assert.equal(answer.status, 200, answer.text);
  assert.match(answer.headers.get("content-type"), /^application\/json/);
  assert.equal(answer.body.id, 1);
  assert.ok(answer.body.result.tools.some((t) => t.name === "get_call"));
  assert.equal(answer.headers.get("mcp-session-id"), null);
  assert_console_headers(answer);
});

test("Origin: the console's own and an allowed one pass, a foreign one is 403", async () => {
  for (const origin of [daemon.console_url, "http://localhost:6274"]) {
    const ok = await post_mcp(daemon, list_tools, { ...modern_headers("tools/list"), Origin: origin });
    assert.equal(ok.status, 200, `${origin}: ${ok.text}`);
  }
  for (const origin of ["http://evil.example", "http://127.0.0.1:1", "null"]) {
    const refused = await post_mcp(daemon, list_tools, { ...modern_headers("tools/list"), Origin: origin });
    assert.equal(refused.status, 403, origin);
    assert_error_without_id(refused, -32600);
    assert_console_headers(refused);
  }
  assert.match(daemon.log, /\/mcp refused from 127\.0\.0\.1:\d+: Origin http:\/\/evil\.example/);
});

test("GET, DELETE and PUT on /mcp are 405 with Allow: POST", async () => {
  for (const method of ["GET", "DELETE", "PUT"]) {
    const answer = await fetch(daemon.mcp_url, { method, headers: { Authorization: `Bearer ${admin_token}` } });
    assert.equal(answer.status, 405, method);
    assert.equal(answer.headers.get("allow"), "POST");
  }
});

test("headers that do not mirror the body are 400 with -32020 naming the header", async () => {
  const call = { jsonrpc: "2.0", id: 7, method: "tools/call",
    params: { name: "get_stats", arguments: {}, _meta: modern_meta() } };
  const ok = await post_mcp(daemon, call, modern_headers("tools/call", "get_stats"));
  assert.equal(ok.status, 200, ok.text);
  const cases = [
    [modern_headers("tools/call", "get_call"), /Mcp-Name/],
    [modern_headers("tools/call"), /Mcp-Name/],
    [modern_headers("tools/list", "get_stats"), /Mcp-Method/],
    [{ ...modern_headers("tools/call", "get_stats"), "MCP-Protocol-Version": "2025-11-25" }, /MCP-Protocol-Version/],
  ];
  for (const [headers, named] of cases) {
    const answer = await post_mcp(daemon, call, headers);
    assert.equal(answer.status, 400, answer.text);
    assert.equal(answer.body.id, 7);
    assert.equal(answer.body.error.code, -32020);
    assert.match(answer.body.error.message, named);
  }
  // The Base64 sentinel is decoded before the comparison.
  const encoded = `=?base64?${Buffer.from("get_stats").toString("base64")}?=`;
  const sentinel = await post_mcp(daemon, call, modern_headers("tools/call", encoded));
  assert.equal(sentinel.status, 200, sentinel.text);
});

test("a notification is 202 with no body", async () => {
  const answer = await post_mcp(daemon, { jsonrpc: "2.0", method: "notifications/initialized" },
    { Authorization: `Bearer ${admin_token}`, "MCP-Protocol-Version": "2025-11-25" });
  assert.equal(answer.status, 202);
  assert.equal(answer.text, "");
});

test("a legacy initialize is answered without a session id", async () => {
  const answer = await post_mcp(daemon, { jsonrpc: "2.0", id: "init", method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } },
  { Authorization: `Bearer ${admin_token}` });
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.body.id, "init");
  assert.equal(answer.body.result.protocolVersion, "2025-11-25");
  assert.equal(answer.headers.get("mcp-session-id"), null);
  // A later legacy request names its revision in the header.
  const tools = await post_mcp(daemon, { jsonrpc: "2.0", id: 2, method: "tools/list" },
    { Authorization: `Bearer ${admin_token}`, "MCP-Protocol-Version": "2025-11-25" });
  assert.equal(tools.status, 200, tools.text);
  assert.ok(tools.body.result.tools.length > 0);
  const unknown = await post_mcp(daemon, { jsonrpc: "2.0", id: 3, method: "tools/list" },
    { Authorization: `Bearer ${admin_token}`, "MCP-Protocol-Version": "1999-01-01" });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error.code, -32022);
  assert.ok(unknown.body.error.data.supported.includes("2026-07-28"));
});

test("the body must be JSON, at most 1 MiB, and one JSON-RPC message", async () => {
  const auth = modern_headers("tools/list");
  const text = await fetch(daemon.mcp_url, { method: "POST",
    headers: { ...auth, "Content-Type": "text/plain" }, body: JSON.stringify(list_tools) });
  assert.equal(text.status, 415);
  const huge = await post_mcp(daemon, JSON.stringify({ ...list_tools, pad: "x".repeat(1024 * 1024) }), auth);
  assert.equal(huge.status, 413);
  const garbage = await post_mcp(daemon, "{not json", auth);
  assert.equal(garbage.status, 400);
  assert_error_without_id(garbage, -32700);
});

test("no token or a wrong one is 401; wrong ones are limited per address", async () => {
  const none = await post_mcp(daemon, list_tools, { ...modern_headers("tools/list"), Authorization: "" });
  assert.equal(none.status, 401);
  assert.equal(none.headers.get("www-authenticate"), "Bearer");
  assert_error_without_id(none, -32600);
  assert_console_headers(none);
  const basic = await post_mcp(daemon, list_tools, { ...modern_headers("tools/list"), Authorization: "Basic YTpi" });
  assert.equal(basic.status, 401);
  // console.login_failures_per_minute = 3 in the harness's config.
  for (let i = 0; i < 3; ++i) {
    const wrong = await post_mcp(daemon, list_tools, { ...modern_headers("tools/list"),
      Authorization: `Bearer ${admin_token}x` });
    assert.equal(wrong.status, 401, `try ${i}`);
    assert.equal(wrong.headers.get("www-authenticate"), "Bearer");
    assert_error_without_id(wrong, -32600);
  }
  assert.match(daemon.log, /\/mcp refused from 127\.0\.0\.1:\d+: wrong bearer token/);
  // The right token from this address now waits too, as a login would.
  const limited = await post_mcp(daemon, list_tools, modern_headers("tools/list"));
  assert.equal(limited.status, 429, limited.text);
  assert.ok(Number(limited.headers.get("retry-after")) > 0);
  const login = await fetch(`${daemon.console_url}/api/login`, { method: "POST",
    headers: { "Content-Type": "application/json", "X-Requested-By": "switchboard-console",
      Origin: daemon.console_url }, body: JSON.stringify({ token: admin_token }) });
  assert.equal(login.status, 429);
});
