// One call's page in the browser, against the real daemon on a seeded
// database: the transcript turn by turn, a latency waterfall for every
// measured reply whose bars are as wide as their milliseconds, the
// interrupted badge, a reply's audio playable, hostile caller text shown
// as the characters it is, and a reply's tool calls (the failed one
// marked) shown as text, their time a part of the waterfall.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  daemon_and_browser, finish, log_in, open_page, screenshot, sqlite_rows, visit,
  word_call_sid, xss_call_sid, xss_text, xss_tool_calls,
} from "./harness.mjs";

const env = daemon_and_browser({ calls: 20 });

test("a call's page shows its turns, a waterfall per measured reply and the interrupted badge", async () => {
  const [[sid]] = await sqlite_rows(env.daemon.db,
    "SELECT call_sid FROM turns WHERE role = 'assistant' AND interrupted = 1 ORDER BY call_sid LIMIT 1");
  const turns = await sqlite_rows(env.daemon.db, `SELECT seq, role, interrupted,
    coalesce(turn_gap_ms, latency_ms, 0) FROM turns WHERE call_sid = '${sid}' ORDER BY seq`);
  const page = await open_page(env.browser);
  await log_in(page, env.daemon, `/calls/${sid}`);
  await screenshot(page, "call");
  const shown = await page.locator("[data-turn-seq]").evaluateAll((items) => items.map((i) => i.dataset.turnSeq));
  assert.deepEqual(shown, turns.map(([seq]) => seq));
  const interrupted = await page.locator("[data-turn-seq]:has([data-interrupted])")
    .evaluateAll((items) => items.map((i) => i.dataset.turnSeq));
  assert.deepEqual(interrupted, turns.filter((t) => t[2] === "1").map(([seq]) => seq));
  const measured = turns.filter(([, role, , total]) => role === "assistant" && Number(total) > 0);
  assert.ok(measured.length > 0, "the call has measured replies");
  for (const [seq, , , total] of measured) {
    const chart = page.locator(`#turn-${seq} [data-waterfall]`);
    assert.equal(await chart.getAttribute("data-total-ms"), total);
    const bars = await chart.locator("[data-part]").evaluateAll((nodes) => nodes.map((n) => ({
      name: n.dataset.part, ms: Number(n.dataset.ms), title: n.title, width: n.getBoundingClientRect().width,
      track: n.parentElement.getBoundingClientRect().width - 2 })));
    assert.ok(bars.length > 0, `turn ${seq} has bars`);
    assert.equal(bars.reduce((sum, b) => sum + b.ms, 0), Number(total), "the parts add up to the total");
    const scale = Math.max(...measured.map((t) => Number(t[3])));
    for (const bar of bars) {
      assert.equal(bar.title, `${bar.name}: ${bar.ms} ms`);
      assert.ok(Math.abs(bar.width - (bar.ms / scale) * bar.track) < 1.5,
        `${bar.name} of turn ${seq}: ${bar.width}px for ${bar.ms} of ${scale} ms over ${bar.track}px`);
    }
  }
  assert.equal(await page.locator("[data-turn-seq][data-role=user] [data-waterfall]").count(), 0);
  await finish(page);
});

test("a reply's audio loads in the page", async () => {
  const page = await open_page(env.browser);
  await log_in(page, env.daemon, `/calls/${word_call_sid}`);
  const audio = page.locator("[data-turn-seq][data-role=assistant] audio").first();
  assert.match(await audio.getAttribute("src"), new RegExp(`^/api/calls/${word_call_sid}/turns/\\d+/audio$`));
  await page.waitForFunction((node) => node.readyState >= 1 && node.duration > 0, await audio.elementHandle());
  await finish(page);
});

test("caller text that looks like HTML is shown as those characters, never run", async () => {
  const page = await open_page(env.browser);
  page.on("dialog", (dialog) => {
    page.problems.push(`dialog: ${dialog.message()}`);
    dialog.dismiss();
  });
  await log_in(page, env.daemon, `/calls/${xss_call_sid}`);
  assert.equal(await page.locator("#turn-1 .content").textContent(), xss_text);
  assert.equal(await page.locator("[data-transcript] img").count(), 0);
  assert.equal(await page.locator("img").count(), 0);
  await screenshot(page, "call-xss");
  // The list and the search hits show the same text as text.
  await visit(page, env.daemon, `/calls?q=${encodeURIComponent("onerror")}`);
  assert.equal(await page.locator("[data-hits] img").count(), 0);
  await finish(page);
});

test("a reply's tool calls show under it as text, the failed one with its error, their round in the waterfall", async () => {
  const page = await open_page(env.browser);
  page.on("dialog", (dialog) => {
    page.problems.push(`dialog: ${dialog.message()}`);
    dialog.dismiss();
  });
  await log_in(page, env.daemon, `/calls/${xss_call_sid}`);
  const stored = await sqlite_rows(env.daemon.db,
    `SELECT seq, idx, name, ms FROM tool_calls WHERE call_sid = '${xss_call_sid}' ORDER BY seq, idx`);
  assert.deepEqual(stored, [["2", "1", "lookup_order", "42"], ["2", "2", "track_parcel", "120"]]);
  const shown = page.locator("#turn-2 [data-tool-call]");
  assert.equal(await shown.count(), xss_tool_calls.length);
  for (const [i, want] of xss_tool_calls.entries()) {
    const call = shown.nth(i);
    assert.equal(await call.getAttribute("data-tool-call"), String(i + 1));
    assert.equal(await call.locator(".tool-name").textContent(), want.name);
    assert.equal(await call.locator("[data-tool-arguments]").textContent(), want.arguments);
    assert.equal(await call.locator(".tool-ms").textContent(), `${want.ms} ms`);
    const failed = want.error !== null;
    assert.equal(await call.evaluate((node) => node.classList.contains("failed")), failed);
    if (failed) {
      assert.equal(await call.locator("[data-tool-error]").textContent(), want.error);
      assert.equal(await call.locator("[data-tool-result]").count(), 0);
    } else {
      assert.equal(await call.locator("[data-tool-result]").textContent(), want.result);
      assert.equal(await call.locator("[data-tool-error]").count(), 0);
    }
  }
  assert.equal(await page.locator("#turn-1 [data-tool-call]").count(), 0);
  assert.equal(await page.locator("[data-transcript] img, [data-transcript] b, [data-transcript] script").count(), 0);
  // The worker runs the calls one after another: their times add up to
  // the tools' part (42 + 120 ms), a part of the reply's total like every
  // other.
  const chart = page.locator("#turn-2 [data-waterfall]");
  assert.equal(await chart.locator("[data-part=tools]").getAttribute("data-ms"), "162");
  const parts = await chart.locator("[data-part]").evaluateAll((nodes) => nodes.map((n) => Number(n.dataset.ms)));
  assert.equal(parts.reduce((sum, ms) => sum + ms, 0), Number(await chart.getAttribute("data-total-ms")));
  await screenshot(page, "call-tools");
  await finish(page);
});
