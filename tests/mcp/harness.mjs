// What the MCP tests share: the real daemon (build/app/switchboardd) on
// free loopback ports with its console (and so /mcp) on, in a temporary
// directory with its own database, a Twilio REST stand-in and signatures
// checked; a call played through it by the simulator
// (build/cli/switchboard-sim) with known caller lines; and the official
// SDK's client connected to switchboard's MCP server over stdio
// (build/cli/switchboardctl mcp on the daemon's config) or over HTTP (the
// console's /mcp with the admin token), in the era a test asks for.
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";

import {
  base_config_toml, build_dir, free_port, run_daemon, sqlite_rows, stop_daemon, twilio_stand_in,
} from "../support/daemon.mjs";

export { sqlite_rows, stop_daemon };

export const paths = {
  daemon: process.env.SWITCHBOARDD || path.join(build_dir, "app/switchboardd"),
  ctl: process.env.SWITCHBOARDCTL || path.join(build_dir, "cli/switchboardctl"),
  sim: process.env.SWITCHBOARD_SIM || path.join(build_dir, "cli/switchboard-sim"),
};

export const admin_token = "mcp-test-admin-token";
export const auth_token = "mcp-test-twilio-token";
export const account_sid = "AC0123456789abcdef0123456789abcdef";
export const phone_number = "+15550000000";

/// The eras a client can speak to switchboard: the modern revision
/// (per-request _meta; pinned, so a fallback would fail the test) and the
/// legacy one (the 2025-11-25 initialize handshake).
export const eras = {
  modern: { mode: { pin: "2026-07-28" }, era: "modern", version: "2026-07-28" },
  legacy: { mode: "legacy", era: "legacy", version: "2025-11-25" },
};

function config_toml({ dir, db, port, console_port, twilio, allow_actions }) {
  return base_config_toml({ dir, db, port, twilio, admin_token }) + `[tts]
engine = "say"
[console]
listen = "127.0.0.1:${console_port}"
login_failures_per_minute = 3
[mcp]
allow_actions = ${allow_actions}
allowed_origins = ["http://localhost:6274"]
`;
}

/// The daemon with its console, and the Twilio stand-in; `allow_actions`
/// sets [mcp] allow_actions. The daemon object carries config (its path),
/// db, url, console_url and mcp_url.
export async function start_daemon({ allow_actions = false } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sb-mcp-"));
  const twilio = new twilio_stand_in({ account_sid, auth_token, phone_number });
  await twilio.start();
  const [port, console_port] = [await free_port(), await free_port()];
  const config = path.join(dir, "config.toml");
  const db = path.join(dir, "switchboard.db");
  await writeFile(config, config_toml({ dir, db, port, console_port, twilio, allow_actions }));
  const url = `http://127.0.0.1:${port}`;
  twilio.daemon_url = url;
  const console_url = `http://127.0.0.1:${console_port}`;
  return run_daemon(paths.daemon, ["--config", config], {
    dir, config, twilio, url, console_url, mcp_url: `${console_url}/mcp`, db,
  });
}

/// Plays one inbound call through the simulator, signed, the caller saying
/// `lines` one by one, status callbacks included. Resolves to what the
/// caller heard: {output, greeting, replies} (the answer to each line, in
/// order; the greeting is said before any turn and is not one).
export async function play_call(daemon, call_sid, lines) {
  const script = path.join(daemon.dir, `${call_sid}.txt`);
  await writeFile(script, lines.join("\n") + "\n");
  const { stdout } = await promisify(execFile)(paths.sim, ["--url", daemon.url, "--auth-token", auth_token,
    "--call-sid", call_sid, "--script", script, "--status-callbacks"]);
  const [greeting, ...replies] = [...stdout.matchAll(/^ {2}assistant: (.*?) {2}\(/gm)].map((m) => m[1]);
  return { output: stdout, greeting, replies };
}

function new_client(era) {
  return new Client({ name: "switchboard-mcp-test", version: "1.0.0" }, { versionNegotiation: { mode: era.mode } });
}

/// The SDK's client on `switchboardctl mcp --config <the daemon's>` over
/// stdio, in `era` (one of `eras`).
export async function connect_stdio(daemon, era) {
  const client = new_client(era);
  // Its log lines (stderr) go to the test's output.
  await client.connect(new StdioClientTransport({ command: paths.ctl, args: ["mcp", "--config", daemon.config],
    stderr: "inherit" }));
  return client;
}

/// The SDK's client on the console's /mcp with `token` as its bearer
/// credential, in `era`.
export async function connect_http(daemon, era, token = admin_token) {
  const client = new_client(era);
  await client.connect(new StreamableHTTPClientTransport(new URL(daemon.mcp_url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  }));
  return client;
}

/// The two transports, by name, for tests that run over both.
export const transports = { stdio: connect_stdio, http: connect_http };

/// POSTs one JSON-RPC `message` to /mcp as raw fetch, with `headers`
/// (Content-Type and Accept are added); resolves to {status, headers,
/// body: parsed JSON or null, text}.
export async function post_mcp(daemon, message, headers = {}) {
  const response = await fetch(daemon.mcp_url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...headers },
    body: typeof message === "string" ? message : JSON.stringify(message),
  });
  const text = await response.text();
  let body = null;
  try { body = JSON.parse(text); } catch { /* not JSON: body stays null */ }
  return { status: response.status, headers: response.headers, body, text };
}

/// A modern request's params._meta.
export function modern_meta() {
  return {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": { name: "raw-fetch", version: "1.0.0" },
    "io.modelcontextprotocol/clientCapabilities": {},
  };
}

/// The headers a modern client sends for `method` (and `name`, where the
/// method names a target), with the admin token.
export function modern_headers(method, name) {
  return {
    Authorization: `Bearer ${admin_token}`, "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method,
    ...(name === undefined ? {} : { "Mcp-Name": name }),
  };
}
