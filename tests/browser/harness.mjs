// What every browser test shares: a temporary directory with a seeded
// database (build/tests/seed_console_db), a Twilio REST stand-in, the real
// daemon (build/app/switchboardd) on free loopback ports with its console
// on, and Debian's Chromium driven by playwright-core. Every page is
// watched: a console error, an uncaught exception, a failed request or a
// Content-Security-Policy violation is recorded, and finish() fails the
// test on any of them. Screenshots go to SCREENSHOT_DIR (default
// build/console-screenshots) as artifacts; nothing compares pixels.
import { spawn, execFile } from "node:child_process";
import crypto from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

export const repo_root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const build_dir = path.join(repo_root, "build");
export const paths = {
  daemon: process.env.SWITCHBOARDD || path.join(build_dir, "app/switchboardd"),
  seed: process.env.SEED_CONSOLE_DB || path.join(build_dir, "tests/seed_console_db"),
  screenshots: process.env.SCREENSHOT_DIR || path.join(build_dir, "console-screenshots"),
  chromium: process.env.CHROMIUM || "/usr/bin/chromium",
};

// The flags Debian's Chromium needs here (docs/testing.md): no sandbox in
// a container, no GPU, nothing fetched from Google behind the test's back.
export const chromium_flags = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

export const admin_token = "console-test-admin-token";
export const auth_token = "console-test-twilio-token";
export const account_sid = "AC0123456789abcdef0123456789abcdef";
export const phone_number = "+15550000000";
// The seed's extra calls (tests/support/seed_console_db.cpp).
export const word_call_sid = "CA000000000000000000000000000000a1";
export const unique_word = "xylophonequartz";
export const xss_call_sid = "CA000000000000000000000000000000a2";
export const xss_text = "<img src=x onerror=alert(1)>";
// Its reply (turn 2) called two tools, the second failed.
export const xss_tool_calls = [
  { name: "lookup_order", arguments: '{"order_id":"<img src=x onerror=alert(3)>"}',
    result: "<b>Order</b> shipped <script>alert(4)</script>", error: null, ms: 42 },
  { name: "track_parcel", arguments: "not json <img src=x onerror=alert(5)>", result: null,
    error: "<img src=x onerror=alert(6)> timed out", ms: 120 },
];

/// Resolves once the daemon's log holds `line`; rejects when the daemon
/// exits first or `timeout_ms` passes. Awaits the log's own output events:
/// the daemon says when it is ready ("<5>listening on ...", after every
/// listener, the console's included, is bound).
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

/// A local stand-in for api.twilio.com: answers call updates
/// (POST …/Calls/{CA}.json) with a Call resource, records every request,
/// and, like Twilio, follows a Status=completed update with the call's
/// status callback to the daemon (signed), so a hang-up ends the call.
class fake_twilio {
  constructor() {
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

  /// The requests so far whose path matches `pattern`.
  updates_of(call_sid) {
    return this.requests.filter((r) => r.method === "POST" && r.path.endsWith(`/Calls/${call_sid}.json`));
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
      const match = /\/Accounts\/(AC\w+)\/Calls\/(CA\w+)\.json$/.exec(url.pathname);
      if (request.method !== "POST" || !match) {
        response.writeHead(404, { "Content-Type": "application/json" });
        response.end(JSON.stringify({ code: 20404, message: "not found", status: 404 }));
        return;
      }
      const status = params.Status || "in-progress";
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ sid: match[2], account_sid: match[1], status, direction: "inbound",
        from: "+15550100", to: phone_number, uri: url.pathname }));
      if (status === "completed" && this.daemon_url) {
        this.#status_callback(match[2]).catch((error) => { record.callback_error = String(error); });
      }
    });
  }

  async #status_callback(call_sid) {
    const params = { AccountSid: account_sid, CallSid: call_sid, CallStatus: "completed", CallDuration: "3",
      SequenceNumber: "9", CallbackSource: "call-progress-events" };
    await post_webhook(this.daemon_url, "/call-status", params);
  }
}

/// POSTs `params` form-encoded to the daemon's webhook `route`, signed as
/// Twilio signs (the daemon checks signatures).
export async function post_webhook(daemon_url, route, params) {
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

function config_toml({ dir, audio_dir, port, console_port, twilio_url }) {
  return `[server]
listen = "127.0.0.1:${port}"
public_url = "http://127.0.0.1:${port}"
io_threads = 2
[twilio]
account_sid = "${account_sid}"
auth_token = "${auth_token}"
phone_number = "${phone_number}"
api_base = "${twilio_url}"
validate_signatures = true
rest_timeout_ms = 2000
[storage]
path = "${dir}/console.db"
[admin]
socket = "${dir}/admin.sock"
token = "${admin_token}"
[tts]
engine = "espeak"
cache_dir = "${audio_dir}"
[runtime]
scheduler_threads = 2
[console]
listen = "127.0.0.1:${console_port}"
heartbeat_s = 2
`;
}

/// Rows of `sql` on the database at `db` (sqlite3's CLI, read-only), as
/// arrays of column texts.
export async function sqlite_rows(db, sql) {
  const { stdout } = await promisify(execFile)("sqlite3", ["-readonly", "-separator", "\t", db, sql]);
  return stdout.split("\n").filter((line) => line !== "").map((line) => line.split("\t"));
}

/// The seeded daemon with its console, and the Twilio stand-in. `calls`:
/// how many generated calls the seed writes (plus its two extra ones).
export async function start_daemon({ calls = 70 } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sb-console-"));
  const audio_dir = path.join(dir, "audio");
  await mkdir(audio_dir);
  const db = path.join(dir, "console.db");
  await promisify(execFile)(paths.seed, ["--db", db, "--calls", String(calls), "--audio-dir", audio_dir]);
  const twilio = new fake_twilio();
  await twilio.start();
  const [port, console_port] = [await free_port(), await free_port()];
  const config = path.join(dir, "config.toml");
  await writeFile(config, config_toml({ dir, audio_dir, port, console_port, twilio_url: twilio.base_url }));
  // CONSOLE_DIR: serve the pages from that folder (switchboardd
  // --console-dir) rather than the copy built into the binary, to try a
  // page's change without rebuilding the daemon.
  const args = ["--config", config, ...(process.env.CONSOLE_DIR ? ["--console-dir", process.env.CONSOLE_DIR] : [])];
  const child = spawn(paths.daemon, args, { stdio: ["ignore", "pipe", "pipe"] });
  const daemon = { dir, db, child, twilio, log: "", url: `http://127.0.0.1:${port}`,
    console_url: `http://127.0.0.1:${console_port}` };
  child.stdout.on("data", (chunk) => { daemon.log += chunk; });
  child.stderr.on("data", (chunk) => { daemon.log += chunk; });
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal)));
  daemon.exited = exited;
  twilio.daemon_url = daemon.url;
  try {
    await log_line(daemon, "<5>listening on ", 20000);
  } catch (error) {
    await stop_daemon(daemon);
    throw new Error(`${error.message}\n--- daemon log ---\n${daemon.log}`);
  }
  return daemon;
}

/// SIGTERM, then the exit (SIGKILL after 20 s); removes its directory.
/// Returns the exit code (or signal name).
export async function stop_daemon(daemon) {
  if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill("SIGTERM");
  const timer = setTimeout(() => daemon.child.kill("SIGKILL"), 20000);
  const code = await daemon.exited;
  clearTimeout(timer);
  await daemon.twilio.stop();
  if (!process.env.KEEP_TEST_DIR) await rm(daemon.dir, { recursive: true, force: true });
  return code;
}

export async function launch_browser() {
  return chromium.launch({ executablePath: paths.chromium, headless: true, args: chromium_flags });
}

// Runs in every page before its own scripts: CSP violations are DOM
// events, not console messages, so the page records them for finish().
function record_csp_violations() {
  window.__csp_violations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    window.__csp_violations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}` +
      ` at ${event.sourceFile}:${event.lineNumber}`);
  });
}

// The live page's event stream never ends by itself: leaving the page (or
// closing the EventSource) aborts it, and the browser reports that as a
// failed request. Any other failure of the stream still counts.
function stream_left(request, error) {
  return error === "net::ERR_ABORTED" && new URL(request.url()).pathname === "/api/events";
}

/// For a test file: before its tests, a seeded daemon (start_daemon's
/// `options`) and a browser; after them, both stopped, and the daemon must
/// exit cleanly. Returns {daemon, browser}, filled once `before` ran.
export function daemon_and_browser(options) {
  const env = { daemon: null, browser: null };
  before(async () => {
    env.daemon = await start_daemon(options);
    env.browser = await launch_browser();
  });
  after(async () => {
    await env.browser?.close();
    if (env.daemon) assert.equal(await stop_daemon(env.daemon), 0, "switchboardd exits cleanly on SIGTERM");
  });
  return env;
}

/// A fresh browser context (its own cookies) and page, watched for
/// problems. `expect_failed`: a predicate for requests a test makes fail
/// on purpose (a download leaves as an aborted navigation).
export async function open_page(browser, { expect_failed = () => false } = {}) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) => {
    const error = request.failure()?.errorText;
    if (!expect_failed(request) && !stream_left(request, error)) problems.push(`request failed: ${request.url()} ${error}`);
  });
  await page.addInitScript(record_csp_violations);
  page.problems = problems;
  return page;
}

/// Fails on anything the page recorded so far (see open_page).
export async function assert_clean(page) {
  const violations = await page.evaluate(() => window.__csp_violations || []);
  assert.deepEqual([...page.problems, ...violations.map((v) => `CSP violation: ${v}`)], []);
}

/// assert_clean, then closes the page's context: what closing aborts (an
/// event stream) is no problem.
export async function finish(page) {
  try {
    await assert_clean(page);
  } finally {
    page.removeAllListeners("requestfailed");
    page.removeAllListeners("console");
    await page.context().close();
  }
}

/// Waits until the page's <main> says its first data has rendered.
export async function until_ready(page) {
  await page.waitForSelector("main[data-ready='1']");
}

/// Goes to `path` on the console and waits for its data.
export async function visit(page, daemon, path) {
  await page.goto(daemon.console_url + path);
  await until_ready(page);
}

/// Logs in through the login page (to `next`, default the call list).
export async function log_in(page, daemon, next = "/calls") {
  await page.goto(`${daemon.console_url}/login?next=${encodeURIComponent(next)}`);
  await until_ready(page);
  await page.fill("#token", admin_token);
  await Promise.all([page.waitForURL(daemon.console_url + next), page.click("form[data-login] button[type=submit]")]);
  await until_ready(page);
}

/// A full-page screenshot into SCREENSHOT_DIR as `name`.png.
export async function screenshot(page, name) {
  await mkdir(paths.screenshots, { recursive: true });
  await page.screenshot({ path: path.join(paths.screenshots, `${name}.png`), fullPage: true });
}

/// RFC 4180 CSV text as rows of cells (quoted cells may hold commas,
/// quotes and line breaks).
export function parse_csv(text) {
  const rows = [];
  let row = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(cell); cell = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(cell); rows.push(row); row = []; cell = "";
    } else cell += c;
  }
  if (cell !== "" || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

export { readFile, existsSync };
