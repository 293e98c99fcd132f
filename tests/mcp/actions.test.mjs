// With [mcp] allow_actions = true the SDK's client sees the action tools
// beside the read-only ones, and place_call places a call: the Twilio
// stand-in records the Calls.json POST with the number asked for, and the
// tool answers with the CallSid Twilio gave. Over HTTP (the daemon's admin
// actor in process) and over stdio (switchboardctl's admin socket); every
// use is logged with who asked.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { eras, phone_number, start_daemon, stop_daemon, transports } from "./harness.mjs";

let daemon;

before(async () => {
  daemon = await start_daemon({ allow_actions: true });
});

after(async () => {
  if (daemon) assert.equal(await stop_daemon(daemon), 0, "switchboardd exits cleanly on SIGTERM");
});

const numbers = { stdio: "+15550101001", http: "+15550101002" };

for (const [transport, connect] of Object.entries(transports)) {
  test(`${transport}: the action tools are listed and place_call reaches Twilio`, async () => {
    const client = await connect(daemon, eras.modern);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name).sort();
      assert.deepEqual(names, ["drain", "get_call", "get_stats", "hang_up", "list_calls", "list_live_calls",
        "place_call", "say", "search_transcripts"]);

      const to = numbers[transport];
      const placed = await client.callTool({ name: "place_call", arguments: { to } });
      assert.notEqual(placed.isError, true, JSON.stringify(placed));
      const created = daemon.twilio.created_calls().filter((r) => r.params.To === to);
      assert.equal(created.length, 1, JSON.stringify(daemon.twilio.requests));
      assert.equal(created[0].params.From, phone_number);
      assert.equal(placed.structuredContent.call_sid, created[0].sid);
      assert.match(placed.content[0].text, new RegExp(created[0].sid));
      // Logged with who asked (over stdio, switchboardctl logs it).
      if (transport === "http") {
        assert.match(daemon.log, new RegExp(`place_call \\${to} asked by http 127\\.0\\.0\\.1:\\d+`));
      }

      // Refused by the daemon (not a live call): a tool error, not a
      // protocol error, and Twilio is not asked.
      const before_say = daemon.twilio.requests.length;
      const refused = await client.callTool({ name: "say",
        arguments: { call_sid: "CA00000000000000000000000000000000", text: "hello" } });
      assert.equal(refused.isError, true, JSON.stringify(refused));
      assert.match(refused.content[0].text, /no live call/);
      assert.equal(daemon.twilio.requests.length, before_say);
    } finally {
      await client.close();
    }
  });
}

test("the legacy era is offered the same action tools", async () => {
  const client = await transports.http(daemon, eras.legacy);
  const names = (await client.listTools()).tools.map((t) => t.name);
  await client.close();
  for (const name of ["place_call", "hang_up", "say", "drain"]) assert.ok(names.includes(name), name);
});
