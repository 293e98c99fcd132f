// order_server.mjs, the MCP server other tests start, answers the SDK's
// own client as its header says: run as a program it prints "listening
// <url>" first; lookup_order in both eras (a known order's structured
// result, an unknown one's tool error); --mode hang never answers
// tools/call, --mode garbage answers it with a body that is not JSON-RPC.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

import { garbage_body } from "./order_server.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

/// order_server.mjs as a program; resolves once its first line names its
/// URL: {url, child}.
async function run_order_server(args = []) {
  const child = spawn(process.execPath, [path.join(here, "order_server.mjs"), ...args],
    { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.setEncoding("utf8");
  const first_line = new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
    });
    child.on("exit", (code) => reject(new Error(`order_server.mjs exited ${code} before listening`)));
  });
  const line = await first_line;
  const match = /^listening (http:\/\/127\.0\.0\.1:\d+\/mcp)$/.exec(line);
  assert.ok(match, `first line: ${line}`);
  return { url: match[1], child };
}

async function stop(child) {
  if (child.exitCode !== null) return child.exitCode;
  child.kill("SIGTERM");
  const [code] = await once(child, "exit");
  return code;
}

async function connect(url, mode) {
  const client = new Client({ name: "order-server-test", version: "1.0.0" }, { versionNegotiation: { mode } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

test("lookup_order answers in both eras", async () => {
  const { url, child } = await run_order_server();
  try {
    for (const [mode, era] of [[{ pin: "2026-07-28" }, "modern"], ["legacy", "legacy"]]) {
      const client = await connect(url, mode);
      assert.equal(client.getProtocolEra(), era);
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name), ["lookup_order"]);
      assert.deepEqual(tools[0].inputSchema.required, ["order_id"]);
      const found = await client.callTool({ name: "lookup_order", arguments: { order_id: "A123" } });
      assert.notEqual(found.isError, true);
      assert.deepEqual(found.structuredContent, { order_id: "A123", status: "shipped", eta: "Tuesday" });
      assert.match(found.content[0].text, /A123 is shipped; it arrives on Tuesday/);
      const missing = await client.callTool({ name: "lookup_order", arguments: { order_id: "Z9" } });
      assert.equal(missing.isError, true);
      assert.match(missing.content[0].text, /No order Z9/);
      await client.close();
    }
  } finally {
    assert.equal(await stop(child), 0);
  }
});

test("--mode hang never answers tools/call, but lists its tools", async () => {
  const { url, child } = await run_order_server(["--mode", "hang"]);
  try {
    const client = await connect(url, { pin: "2026-07-28" });
    assert.equal((await client.listTools()).tools.length, 1);
    await assert.rejects(client.callTool({ name: "lookup_order", arguments: { order_id: "A123" } }, { timeout: 300 }),
      (error) => /timed out/i.test(error.message));
    await client.close();
  } finally {
    await stop(child);
  }
});

test("--mode garbage answers tools/call with a 200 that is not JSON-RPC", async () => {
  const { url, child } = await run_order_server(["--port", "0", "--mode", "garbage"]);
  try {
    const client = await connect(url, "legacy");
    assert.equal((await client.listTools()).tools.length, 1);
    await assert.rejects(client.callTool({ name: "lookup_order", arguments: { order_id: "A123" } }));
    await client.close();
    const answer = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call",
        params: { name: "lookup_order", arguments: { order_id: "A123" } } }),
    });
    assert.equal(answer.status, 200);
    assert.equal(await answer.text(), garbage_body);
  } finally {
    await stop(child);
  }
});

test("a bad --mode or port is refused with status 2", async () => {
  for (const args of [["--mode", "slow"], ["--port", "70000"], ["x"]]) {
    const child = spawn(process.execPath, [path.join(here, "order_server.mjs"), ...args], { stdio: "ignore" });
    const [code] = await once(child, "exit");
    assert.equal(code, 2, args.join(" "));
  }
});
