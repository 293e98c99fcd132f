// The live page in the browser, against the real daemon: a call started by
// a signed webhook appears within a second without a reload, its
// transcript grows as turns are stored, its duration ticks, and its
// say form speaks into it and its hang-up button ends it, both through
// Twilio's REST API (the stand-in sees each update and answers a hang-up
// with the status callback, as Twilio does).
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { test } from "node:test";
import {
  daemon_and_browser, account_sid, finish, log_in, open_page, phone_number, post_webhook, screenshot,
  sqlite_rows,
} from "./harness.mjs";

const env = daemon_and_browser({ calls: 5 });

const caller = "+15550100";

function inbound_params(sid) {
  return { AccountSid: account_sid, CallSid: sid, From: caller, To: phone_number, CallStatus: "ringing",
    Direction: "inbound", ApiVersion: "2010-04-01" };
}

test("a call started while the page is open appears, grows, ticks, speaks and hangs up from its card", async () => {
  const page = await open_page(env.browser);
  await log_in(page, env.daemon, "/live");
  // Survives only if the page is never reloaded.
  await page.evaluate(() => { window.__same_page = true; });
  const sid = `CA${crypto.randomBytes(16).toString("hex")}`;
  await post_webhook(env.daemon.url, "/voice/inbound", inbound_params(sid));
  const card = page.locator(`[data-live-call="${sid}"]`);
  await card.waitFor({ timeout: 1000 });
  assert.equal(await card.locator("[data-field=from_number]").textContent(), caller);

  await post_webhook(env.daemon.url, "/voice/process-speech", { AccountSid: account_sid, CallSid: sid, From: caller,
    CallStatus: "in-progress", SpeechResult: "what are your opening hours", Confidence: "0.9" });
  await card.locator("[data-role=user]", { hasText: "what are your opening hours" }).waitFor({ timeout: 2000 });
  await card.locator("[data-role=assistant]").first().waitFor({ timeout: 5000 });
  const duration = await card.locator("[data-duration]").textContent();
  await page.waitForFunction(([selector, old]) => document.querySelector(selector).textContent !== old,
    [`[data-live-call="${sid}"] [data-duration]`, duration]);
  await screenshot(page, "live");

  // The operator's words go to Twilio as the call's new TwiML (spoken by
  // our voice: a <Play> of their audio), and join the card's transcript
  // as a turn of their own, shown as the characters typed.
  const said = "Your order <b>shipped</b> & is on its way.";
  await card.locator("[data-say] input").fill(said);
  await card.locator("[data-say] button").click();
  await card.locator("[data-card-result]", { hasText: "Said." }).waitFor({ timeout: 5000 });
  const say_updates = env.daemon.twilio.updates_of(sid);
  assert.equal(say_updates.length, 1);
  const played = say_updates[0].params.Twiml.match(/<Play>[^<]*(\/audio\/[0-9a-f]{64}\.wav)<\/Play>/);
  assert.ok(played, say_updates[0].params.Twiml);
  assert.equal((await fetch(env.daemon.url + played[1])).status, 200);
  await card.locator("[data-role=assistant]", { hasText: said }).waitFor({ timeout: 5000 });
  assert.equal(await card.locator("[data-transcript] b").count(), 0);

  await card.locator("[data-action=hangup]").click();
  await page.waitForFunction((s) => {
    const node = document.querySelector(`[data-live-call="${s}"]`);
    return !node || node.hasAttribute("data-ended");
  }, sid, { timeout: 5000 });
  const updates = env.daemon.twilio.updates_of(sid);
  assert.equal(updates.length, 2);
  assert.equal(updates[1].params.Status, "completed");
  // The card ended on the feed's call event, which the store publishes
  // only once the row is committed.
  const stored = await sqlite_rows(env.daemon.db, `SELECT status FROM calls WHERE call_sid = '${sid}'`);
  assert.equal(stored[0]?.[0], "completed");
  assert.equal(await page.evaluate(() => window.__same_page), true, "the page was never reloaded");
  await finish(page);
});
