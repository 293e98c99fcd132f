// The daemon as an MCP client: the call's model uses a tool of an MCP
// server made with the official SDK (order_server.mjs, lookup_order),
// mid-call, on each transport. The model is a stand-in speaking Ollama's
// POST /api/chat (NDJSON, as Ollama streams it): asked with lookup_order
// offered and no tool result yet, it calls lookup_order {"order_id":
// "A123"}; given the tool's result it answers "Here is what I found: <the
// result>", and given an error it answers "Sorry, I could not check your
// order: <the error>". So what the caller hears proves the result (or the
// failure) went from the MCP server through the daemon to the model and
// back into the reply; the stored turn must show the call.
//
// The server up, down (stopped after the daemon listed its tools),
// hanging past llm.mcp_timeout_ms, and answering garbage: each ends in a
// spoken answer.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";

import { base_config_toml, free_port, run_daemon, sqlite_rows, stop_daemon, twilio_stand_in }
  from "../support/daemon.mjs";
import { account_sid, admin_token, auth_token, paths, phone_number } from "./harness.mjs";
import { start_order_server } from "./order_server.mjs";

const tool_timeout_ms = 1500;

/// The model stand-in: an Ollama-shaped POST /api/chat. Records each
/// request's parsed body.
async function start_model() {
  const requests = [];
  const server = http.createServer((request, response) => {
    const chunks = [];
    request.on("data", (c) => chunks.push(c));
    request.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      requests.push(body);
      const messages = body.messages ?? [];
      const last_user = messages.map((m) => m.role).lastIndexOf("user");
      const result = messages.slice(last_user + 1).find((m) => m.role === "tool");
      const offered = (body.tools ?? []).some((t) => t.function?.name === "lookup_order");
      let message;
      if (result) {
        const text = String(result.content);
        message = {
          role: "assistant",
          content: text.startsWith("error")
            ? `Sorry, I could not check your order: ${text}.` : `Here is what I found: ${text}`,
        };
      } else if (offered) {
        message = { role: "assistant", content: "",
          tool_calls: [{ function: { name: "lookup_order", arguments: { order_id: "A123" } } }] };
      } else {
        message = { role: "assistant", content: "I cannot look up orders today." };
      }
      response.writeHead(200, { "Content-Type": "application/x-ndjson" });
      response.write(JSON.stringify({ model: "stand-in", message, done: false }) + "\n");
      response.end(JSON.stringify({ model: "stand-in", message: { role: "assistant", content: "" },
        done: true, done_reason: "stop" }) + "\n");
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

/// The daemon with the model stand-in and one [[llm.mcp_servers]] entry,
/// ready once it has listed that server's tools.
async function start_daemon({ transport, model, mcp_url }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sb-mcp-model-"));
  const twilio = new twilio_stand_in({ account_sid, auth_token, phone_number });
  await twilio.start();
  const port = await free_port();
  const config = path.join(dir, "config.toml");
  const db = path.join(dir, "switchboard.db");
  await writeFile(config, base_config_toml({ dir, db, port, twilio, admin_token }) + `[voice]
transport = "${transport}"
[tts]
engine = "${transport === "media" ? "espeak" : "say"}"
cache_dir = "${dir}/audio-cache"
[console]
listen = ""
[llm]
backend = "ollama"
model = "stand-in"
timeout_s = 10
mcp_timeout_ms = ${tool_timeout_ms}
[[llm.endpoints]]
url = "${model.url}"
slots = 2
[[llm.mcp_servers]]
name = "orders"
url = "${mcp_url}"
tools = ["lookup_order"]
`);
  const url = `http://127.0.0.1:${port}`;
  twilio.daemon_url = url;
  const daemon = await run_daemon(paths.daemon, ["--config", config], { dir, config, twilio, url, db });
  // The tools are listed on a thread of their own after the start.
  const deadline = Date.now() + 10000;
  while (!/mcp: orders: 1 tools? \(lookup_order\)/.test(daemon.log)) {
    if (Date.now() > deadline) {
      await stop_daemon(daemon);
      throw new Error(`the daemon never listed the order server's tools:\n${daemon.log}`);
    }
    await new Promise((resolve) => daemon.child.stderr.once("data", resolve));
  }
  return daemon;
}

/// One call through the simulator on `transport`; resolves to its output.
async function play_call(daemon, transport, call_sid) {
  const script = path.join(daemon.dir, `${call_sid}.txt`);
  await writeFile(script, "where is my order\n");
  const { stdout } = await promisify(execFile)(paths.sim, ["--url", daemon.url, "--auth-token", auth_token,
    "--call-sid", call_sid, "--transport", transport, "--script", script, "--status-callbacks"],
    { timeout: 60000 });
  return stdout;
}

async function stored_reply(daemon, call_sid) {
  const [[content]] = await sqlite_rows(daemon.db,
    `SELECT content FROM turns WHERE call_sid = '${call_sid}' AND role = 'assistant' ORDER BY seq DESC LIMIT 1`);
  const calls = await sqlite_rows(daemon.db,
    `SELECT name, server, arguments, result, error, ms FROM tool_calls WHERE call_sid = '${call_sid}'`);
  return { content, calls };
}

describe("the call's model uses the SDK server's lookup_order", () => {
  let model, orders;
  before(async () => { model = await start_model(); });
  after(async () => { await model.close(); });

  for (const transport of ["gather", "relay", "media"]) {
    test(`over ${transport}: the answer uses the tool's result and the turn stores the call`, async () => {
      orders = await start_order_server({ mode: "ok" });
      const daemon = await start_daemon({ transport, model, mcp_url: orders.url });
      try {
        const sid = `CA${randomBytes(16).toString("hex")}`;
        const output = await play_call(daemon, transport, sid);
        const { content, calls } = await stored_reply(daemon, sid);
        assert.match(content, /Here is what I found: Order A123 is shipped; it arrives on Tuesday\./);
        assert.equal(calls.length, 1, `tool calls stored: ${JSON.stringify(calls)}`);
        const [name, server, args, result, error] = calls[0];
        assert.deepEqual([name, server, JSON.parse(args), error], ["lookup_order", "orders", { order_id: "A123" }, ""]);
        assert.match(result, /Order A123 is shipped/);
        if (transport !== "media") assert.match(output, /Here is what I found: Order A123 is shipped/);
        // Over relay the caller hears the filler once while the tool runs.
        if (transport === "relay") assert.match(output, /One moment please\./);
        // The model saw the tool offered in Ollama's format, with its schema.
        const offered = model.requests.at(-1).tools.find((t) => t.function.name === "lookup_order");
        assert.equal(offered.function.parameters.properties.order_id.type, "string");
      } finally {
        await stop_daemon(daemon);
        await orders.close();
      }
    });
  }

  const failures = {
    down: { mode: "ok", stop_first: true, error: /refused|connect/i },
    hanging: { mode: "hang", error: new RegExp(`timed out after ${tool_timeout_ms} ms`) },
    garbage: { mode: "garbage", error: /JSON-RPC|JSON/ },
  };
  for (const [what, f] of Object.entries(failures)) {
    test(`a server ${what} ends in a spoken answer that says so`, async () => {
      orders = await start_order_server({ mode: f.mode });
      const daemon = await start_daemon({ transport: "gather", model, mcp_url: orders.url });
      try {
        if (f.stop_first) await orders.close();
        const sid = `CA${randomBytes(16).toString("hex")}`;
        const started = Date.now();
        const output = await play_call(daemon, "gather", sid);
        const { content, calls } = await stored_reply(daemon, sid);
        assert.match(content, /^Sorry, I could not check your order: error: /);
        assert.match(output, /Sorry, I could not check your order/);
        assert.equal(calls.length, 1);
        assert.equal(calls[0][3], "", "no result stored for a failed call");
        assert.match(calls[0][4], f.error);
        assert.ok(Number(calls[0][5]) <= tool_timeout_ms + 1000, `the call took ${calls[0][5]} ms`);
        assert.ok(Date.now() - started < 20000);
      } finally {
        await stop_daemon(daemon);
        if (!f.stop_first) await orders.close();
      }
    });
  }
});
