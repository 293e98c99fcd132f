// The call list in the browser, against the real daemon on a seeded
// database: the login (and the way back to the page asked for), the rows a
// page at a time, a filter kept in the URL, transcript search opening the
// call at the matching turn, the export of the filtered rows, the stats and
// system pages, reload and drain (late: a draining daemon refuses new
// calls), and logging out.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  daemon_and_browser, admin_token, assert_clean, finish, log_in, open_page, parse_csv, readFile, screenshot,
  sqlite_rows, unique_word, until_ready, visit, word_call_sid,
} from "./harness.mjs";

const env = daemon_and_browser({ calls: 70 });

async function count_of(sql) {
  return Number((await sqlite_rows(env.daemon.db, sql))[0][0]);
}

/// Clicks "Older" until the last page is shown; returns the row count.
async function load_every_row(page) {
  const rows = page.locator("tr[data-call-sid]");
  const older = page.locator("[data-action=older]");
  while (await older.isVisible()) {
    const before_click = await rows.count();
    await older.click();
    await page.waitForFunction((n) => document.querySelectorAll("tr[data-call-sid]").length > n, before_click);
  }
  return rows.count();
}

test("a page opened without a session goes to the login, and the login comes back to it", async () => {
  const page = await open_page(env.browser);
  await page.goto(`${env.daemon.console_url}/calls?direction=inbound`);
  const login = new URL(page.url());
  assert.equal(login.pathname, "/login");
  assert.equal(login.searchParams.get("next"), "/calls?direction=inbound");
  await until_ready(page);
  await screenshot(page, "login");
  await page.fill("#token", admin_token);
  await Promise.all([page.waitForURL(`${env.daemon.console_url}/calls?direction=inbound`),
    page.click("form[data-login] button[type=submit]")]);
  await until_ready(page);
  assert.equal(await page.locator("select[name=direction]").inputValue(), "inbound");
  await finish(page);
});

test("the list shows every call, newest first, a page at a time", async () => {
  const page = await open_page(env.browser);
  await log_in(page, env.daemon);
  const expected = (await sqlite_rows(env.daemon.db,
    "SELECT call_sid FROM calls ORDER BY started_at DESC, call_sid DESC")).map((row) => row[0]);
  assert.ok(expected.length > 50, "the seed holds more calls than one page");
  assert.equal(await page.locator("tr[data-call-sid]").count(), 50, "the first page holds console.page_size rows");
  assert.equal(await page.locator("[data-kpi=calls]").textContent(), String(expected.length));
  await screenshot(page, "calls");
  assert.equal(await load_every_row(page), expected.length);
  const shown = await page.locator("tr[data-call-sid]").evaluateAll((rows) => rows.map((r) => r.dataset.callSid));
  assert.deepEqual(shown, expected);
  await finish(page);
});

test("direction=inbound leaves only inbound calls, and the URL keeps the filter", async () => {
  const page = await open_page(env.browser);
  await log_in(page, env.daemon);
  await page.selectOption("select[name=direction]", "inbound");
  await Promise.all([page.waitForURL(/direction=inbound/), page.click("form[data-filters] button[type=submit]")]);
  await until_ready(page);
  assert.equal(new URL(page.url()).searchParams.get("direction"), "inbound");
  const inbound = await count_of("SELECT count(*) FROM calls WHERE direction = 'inbound'");
  const total = await count_of("SELECT count(*) FROM calls");
  assert.ok(inbound > 0 && inbound < total, "the seed has calls of both directions");
  assert.equal(await load_every_row(page), inbound);
  const directions = await page.locator("tr[data-call-sid]").evaluateAll((rows) => rows.map((r) => r.dataset.direction));
  assert.deepEqual([...new Set(directions)], ["inbound"]);
  assert.equal(await page.locator("[data-kpi=calls]").textContent(), String(inbound));
  await page.reload();
  await until_ready(page);
  assert.equal(await page.locator("select[name=direction]").inputValue(), "inbound");
  await finish(page);
});

test("searching a word said once finds that turn and opens the call there", async () => {
  const page = await open_page(env.browser);
  await log_in(page, env.daemon);
  const [[seq]] = await sqlite_rows(env.daemon.db,
    `SELECT seq FROM turns WHERE call_sid = '${word_call_sid}' AND content LIKE '%${unique_word}%'`);
  await page.fill("[data-search]", unique_word);
  await page.press("[data-search]", "Enter");
  await page.waitForSelector("[data-hit]");
  const hits = page.locator("[data-hit]");
  assert.equal(await hits.count(), 1);
  assert.equal(await hits.locator("mark").first().textContent(), unique_word);
  assert.equal(new URL(page.url()).searchParams.get("q"), unique_word);
  await screenshot(page, "calls-search");
  await Promise.all([page.waitForURL(`**/calls/${word_call_sid}#turn-${seq}`), hits.locator("a").click()]);
  await until_ready(page);
  const turn = page.locator(`#turn-${seq}`);
  assert.equal(await turn.getAttribute("data-turn-seq"), seq);
  assert.match(await turn.locator(".content").textContent(), new RegExp(unique_word));
  assert.ok((await turn.getAttribute("class")).split(" ").includes("highlight"));
  assert.ok(await turn.evaluate((node) => {
    const box = node.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight;
  }), "the turn is scrolled into view");
  await finish(page);
});

test("export downloads the filtered rows as CSV and JSON", async () => {
  // A download leaves as a navigation the browser aborts; nothing failed.
  const page = await open_page(env.browser, {
    expect_failed: (request) => new URL(request.url()).pathname === "/api/export",
  });
  await log_in(page, env.daemon, "/calls?direction=inbound");
  const listed = await load_every_row(page);
  const [csv_download] = await Promise.all([page.waitForEvent("download"), page.click("a[data-export=csv]")]);
  assert.equal(csv_download.suggestedFilename(), "calls.csv");
  const rows = parse_csv(await readFile(await csv_download.path(), "utf8"));
  const header = rows.shift();
  assert.equal(header[0], "call_sid");
  assert.equal(rows.length, listed);
  const direction = header.indexOf("direction");
  assert.deepEqual([...new Set(rows.map((row) => row[direction]))], ["inbound"]);
  const [json_download] = await Promise.all([page.waitForEvent("download"), page.click("a[data-export=json]")]);
  assert.equal(json_download.suggestedFilename(), "calls.json");
  const exported = JSON.parse(await readFile(await json_download.path(), "utf8"));
  assert.equal(exported.calls.length, listed);
  await finish(page);
});

test("the stats page draws its charts and counts every call; the system page shows the daemon", async () => {
  const page = await open_page(env.browser);
  const [[first, last, total]] = await sqlite_rows(env.daemon.db,
    "SELECT substr(min(started_at), 1, 10), max(started_at), count(*) FROM calls");
  const until = new Date(Date.parse(last) + 86400000).toISOString().slice(0, 10);
  await log_in(page, env.daemon, `/stats?since=${first}&until=${until}`);
  const counts = await page.locator("table[data-hours] tbody tr td:nth-child(3)").allTextContents();
  assert.equal(counts.reduce((sum, n) => sum + Number(n), 0), Number(total));
  assert.equal(await page.locator("[data-chart=calls] svg rect").count(), counts.length, "one bar per hour and transport");
  assert.ok(await page.locator("[data-chart=latency] svg path.line").count() > 0);
  await screenshot(page, "stats");
  await visit(page, env.daemon, "/system");
  assert.notEqual(await page.locator("[data-fact=version]").textContent(), "—");
  assert.equal(await page.locator("[data-fact=draining]").textContent(), "no");
  await screenshot(page, "system");
  await finish(page);
});

test("the system page's reload and drain buttons act on the daemon", async () => {
  const page = await open_page(env.browser);
  await log_in(page, env.daemon, "/system");
  const result = page.locator("[data-action-result]");
  await page.click("[data-action=reload]");
  await page.waitForFunction(() => document.querySelector("[data-action-result]").textContent === "Config reloaded.");
  await page.click("[data-action=drain]");
  await page.locator("[data-fact=draining]", { hasText: "yes" }).waitFor();
  assert.match(await result.textContent(), /^Draining/);
  await finish(page);
});

test("logging out returns to the login, and the pages need a new one", async () => {
  const page = await open_page(env.browser);
  await log_in(page, env.daemon);
  await Promise.all([page.waitForURL(`${env.daemon.console_url}/login`), page.click("[data-action=logout]")]);
  await until_ready(page);
  await page.goto(`${env.daemon.console_url}/live`);
  assert.equal(new URL(page.url()).pathname, "/login");
  await assert_clean(page);
  await finish(page);
});
