// The real daemon for the Node test folders (tests/browser, tests/mcp):
// free loopback ports, Twilio's signatures and signed webhooks, a local
// stand-in for Twilio's REST API, switchboardd started on a config in a
// temporary directory until its ready line, and stopped with SIGTERM.
// Node's own modules only, so each folder's npm packages stay its own.
import { spawn, execFile } from "node:child_process";
import crypto from "node:crypto";
import { rm } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const repo_root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const build_dir = path.join(repo_root, "build");

/// A TCP port on 127.0.0.1 that was free a moment ago.
export function free_port() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/// Twilio's X-Twilio-Signature: HMAC-SHA1 under the auth token over the
/// URL followed by every parameter's name and value, sorted by name,
/// base64 (docs/twilio.md).
export function twilio_signature(token, url, params) {
  const data = url + Object.keys(params).sort().map((key) => key + params[key]).join("");
  return crypto.createHmac("sha1", token).update(data, "utf8").digest("base64");
}

/// Reads a whole HTTP answer: {status, headers, body}.
export function http_request(url, { method = "GET", headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers }, (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode, headers: response.headers,
        body: Buffer.concat(chunks).toString("utf8") }));
    });
    request.on("error", reject);
    if (body !== undefined) request.write(body);
    request.end();
  });
}

/// POSTs `params` form-encoded to the daemon's webhook `route`, signed
/// under `auth_token` as Twilio signs (the daemon checks signatures).
export async function post_webhook(daemon_url, route, params, auth_token) {
  const url = daemon_url + route;
  const answer = await http_request(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded",
      "X-Twilio-Signature": twilio_signature(auth_token, url, params) },
    body: new URLSearchParams(params).toString(),
  });
  if (answer.status !== 200) throw new Error(`${route}: ${answer.status} ${answer.body}`);
  return answer;
}

/// A local stand-in for api.twilio.com: creates calls (POST
/// …/Calls.json, 201 with a new CallSid), answers call updates (POST
/// …/Calls/{CA}.json) with a Call resource, records every request, and,
/// like Twilio, follows a Status=completed update with the call's status
/// callback to the daemon (signed), so a hang-up ends the call.
export class twilio_stand_in {
  constructor({ account_sid, auth_token, phone_number }) {
    Object.assign(this, { account_sid, auth_token, phone_number });
    this.requests = [];
    this.daemon_url = null;
    this.server = http.createServer((request, response) => this.#answer(request, response));
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.base_url = `http://127.0.0.1:${this.server.address().port}`;
  }

  stop() {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(resolve));
  }

  /// The updates of one call so far.
  updates_of(call_sid) {
    return this.requests.filter((r) => r.method === "POST" && r.path.endsWith(`/Calls/${call_sid}.json`));
  }

  /// The calls created so far (POST …/Calls.json), each with the sid given.
  created_calls() {
    return this.requests.filter((r) => r.method === "POST" && r.path.endsWith("/Calls.json"));
  }

  #answer(request, response) {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const params = Object.fromEntries(new URLSearchParams(body));
      const url = new URL(request.url, this.base_url);
      const record = { method: request.method, path: url.pathname, params };
      this.requests.push(record);
      const create = /\/Accounts\/(AC\w+)\/Calls\.json$/.exec(url.pathname);
      const update = /\/Accounts\/(AC\w+)\/Calls\/(CA\w+)\.json$/.exec(url.pathname);
      if (request.method !== "POST" || !(create || update)) {
        response.writeHead(404, { "Content-Type": "application/json" });
        response.end(JSON.stringify({ code: 20404, message: "not found", status: 404 }));
        return;
      }
      if (create) {
        record.sid = "CA" + crypto.randomBytes(16).toString("hex");
        response.writeHead(201, { "Content-Type": "application/json" });
        response.end(JSON.stringify({ sid: record.sid, account_sid: create[1], status: "queued",
          direction: "outbound-api", from: params.From, to: params.To,
          uri: `${url.pathname.slice(0, -".json".length)}/${record.sid}.json` }));
        return;
      }
      const status = params.Status || "in-progress";
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ sid: update[2], account_sid: update[1], status, direction: "inbound",
        from: "+15550100", to: this.phone_number, uri: url.pathname }));
      if (status === "completed" && this.daemon_url) {
        this.#status_callback(update[2]).catch((error) => { record.callback_error = String(error); });
      }
    });
  }

  async #status_callback(call_sid) {
    const params = { AccountSid: this.account_sid, CallSid: call_sid, CallStatus: "completed", CallDuration: "3",
      SequenceNumber: "9", CallbackSource: "call-progress-events" };
    await post_webhook(this.daemon_url, "/call-status", params, this.auth_token);
  }
}

/// The config every Node test's daemon starts from: the public listener on
/// 127.0.0.1:`port`, Twilio's REST API at its stand-in `twilio` (whose
/// credentials it takes) with signatures checked, the database at `db`,
/// the admin socket in `dir` with `admin_token`, two scheduler threads.
/// The caller appends its own tables ([tts], [console], ...).
export function base_config_toml({ dir, db, port, twilio, admin_token }) {
  return `[server]
listen = "127.0.0.1:${port}"
public_url = "http://127.0.0.1:${port}"
io_threads = 2
[twilio]
account_sid = "${twilio.account_sid}"
auth_token = "${twilio.auth_token}"
phone_number = "${twilio.phone_number}"
api_base = "${twilio.base_url}"
validate_signatures = true
rest_timeout_ms = 2000
[storage]
path = "${db}"
[admin]
socket = "${dir}/admin.sock"
token = "${admin_token}"
[runtime]
scheduler_threads = 2
`;
}

/// Resolves once the daemon's log holds `line`; rejects when the daemon
/// exits first or `timeout_ms` passes. Awaits the log's own output events.
function log_line(daemon, line, timeout_ms) {
  return new Promise((resolve, reject) => {
    const streams = [daemon.child.stdout, daemon.child.stderr];
    let timer;
    const stop = () => {
      clearTimeout(timer);
      for (const s of streams) s.off("data", check);
      daemon.child.off("exit", exited);
    };
    function check() {
      if (!daemon.log.includes(line)) return;
      stop();
      resolve();
    }
    function exited(code, signal) {
      stop();
      reject(new Error(`switchboardd exited ${code ?? signal}`));
    }
    timer = setTimeout(() => {
      stop();
      reject(new Error(`no "${line}" in the daemon's log after ${timeout_ms} ms`));
    }, timeout_ms);
    // After the listeners that append to daemon.log (added first).
    for (const s of streams) s.on("data", check);
    daemon.child.on("exit", exited);
    check();
  });
}

/// Runs switchboardd (`binary`) with `args` until it says it is ready
/// ("<5>listening on ...", logged once every listener, the console's
/// included, is bound). `fields` are kept on the returned daemon: its
/// directory `dir` (removed by stop_daemon), its `twilio` stand-in, URLs.
/// Returns {child, log, exited, ...fields}; a daemon that never gets ready
/// is stopped and the error carries its log.
export async function run_daemon(binary, args, fields) {
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  const daemon = { ...fields, child, log: "" };
  child.stdout.on("data", (chunk) => { daemon.log += chunk; });
  child.stderr.on("data", (chunk) => { daemon.log += chunk; });
  daemon.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal)));
  try {
    await log_line(daemon, "<5>listening on ", 20000);
  } catch (error) {
    await stop_daemon(daemon);
    throw new Error(`${error.message}\n--- daemon log ---\n${daemon.log}`);
  }
  return daemon;
}

/// SIGTERM, then the exit (SIGKILL after 20 s); stops its Twilio stand-in
/// and removes its directory (unless KEEP_TEST_DIR is set). Returns the
/// exit code (or signal name).
export async function stop_daemon(daemon) {
  if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill("SIGTERM");
  const timer = setTimeout(() => daemon.child.kill("SIGKILL"), 20000);
  const code = await daemon.exited;
  clearTimeout(timer);
  await daemon.twilio?.stop();
  if (daemon.dir && !process.env.KEEP_TEST_DIR) await rm(daemon.dir, { recursive: true, force: true });
  return code;
}

/// Rows of `sql` on the database at `db` (sqlite3's CLI, read-only), as
/// arrays of column texts.
export async function sqlite_rows(db, sql) {
  const { stdout } = await promisify(execFile)("sqlite3", ["-readonly", "-separator", "\t", db, sql]);
  return stdout.split("\n").filter((line) => line !== "").map((line) => line.split("\t"));
}
