// What every browser test shares: a temporary directory with a seeded
// database (build/tests/seed_console_db), a Twilio REST stand-in, the real
// daemon (build/app/switchboardd) on free loopback ports with its console
// on, and Debian's Chromium driven by playwright-core. Every page is
// watched: a console error, an uncaught exception, a failed request or a
// Content-Security-Policy violation is recorded, and finish() fails the
// test on any of them. Screenshots go to SCREENSHOT_DIR (default
// build/console-screenshots) as artifacts; nothing compares pixels.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

import {
  base_config_toml, build_dir, free_port, http_request, post_webhook as post_signed, repo_root, run_daemon, sqlite_rows,
  stop_daemon, twilio_signature, twilio_stand_in,
} from "../support/daemon.mjs";

export { free_port, http_request, repo_root, sqlite_rows, stop_daemon, twilio_signature };
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

/// POSTs `params` form-encoded to the daemon's webhook `route`, signed as
/// Twilio signs (the daemon checks signatures).
export function post_webhook(daemon_url, route, params) {
  return post_signed(daemon_url, route, params, auth_token);
}

function config_toml({ dir, db, audio_dir, port, console_port, twilio }) {
  return base_config_toml({ dir, db, port, twilio, admin_token }) + `[tts]
engine = "espeak"
cache_dir = "${audio_dir}"
[console]
listen = "127.0.0.1:${console_port}"
heartbeat_s = 2
`;
}

/// The seeded daemon with its console, and the Twilio stand-in. `calls`:
/// how many generated calls the seed writes (plus its two extra ones).
export async function start_daemon({ calls = 70 } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sb-console-"));
  const audio_dir = path.join(dir, "audio");
  await mkdir(audio_dir);
  const db = path.join(dir, "console.db");
  await promisify(execFile)(paths.seed, ["--db", db, "--calls", String(calls), "--audio-dir", audio_dir]);
  const twilio = new twilio_stand_in({ account_sid, auth_token, phone_number });
  await twilio.start();
  const [port, console_port] = [await free_port(), await free_port()];
  const config = path.join(dir, "config.toml");
  await writeFile(config, config_toml({ dir, db, audio_dir, port, console_port, twilio }));
  // CONSOLE_DIR: serve the pages from that folder (switchboardd
  // --console-dir) rather than the copy built into the binary, to try a
  // page's change without rebuilding the daemon.
  const args = ["--config", config, ...(process.env.CONSOLE_DIR ? ["--console-dir", process.env.CONSOLE_DIR] : [])];
  const url = `http://127.0.0.1:${port}`;
  twilio.daemon_url = url;
  return run_daemon(paths.daemon, args, { dir, db, twilio, url, console_url: `http://127.0.0.1:${console_port}` });
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
