// The official SDK's client operates switchboard read-only, over stdio
// (switchboardctl mcp) and over HTTP (the console's /mcp), in the modern
// era and pinned to the legacy one: with [mcp] allow_actions off it sees
// only the read-only tools; the call the simulator played comes back from
// get_call with the caller's lines and the replies, a word of it is found
// by search_transcripts, and the call's resource reads as its transcript.
// Bad input -- an unknown tool, arguments that fail the schema, an unknown
// call -- is an error with code -32602 whose message names the field.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { eras, play_call, sqlite_rows, start_daemon, stop_daemon, transports } from "./harness.mjs";

const call_sid = "CA4d2c7be31f0a4c5d9e8f7a6b5c4d3e2f";
const caller_lines = [
  "hello I am calling about my parcel",
  "the tracking code mentions pomegranate",
  "goodbye",
];
const read_only_tools = ["get_call", "get_stats", "list_calls", "list_live_calls", "search_transcripts"];
const action_tools = ["drain", "hang_up", "place_call", "say"];

let daemon;
let heard;

before(async () => {
  daemon = await start_daemon();
  heard = await play_call(daemon, call_sid, caller_lines);
  assert.equal(heard.replies.length, caller_lines.length, heard.output);
});

after(async () => {
  if (daemon) assert.equal(await stop_daemon(daemon), 0, "switchboardd exits cleanly on SIGTERM");
});

for (const [transport, connect] of Object.entries(transports)) {
  for (const [era_name, era] of Object.entries(eras)) {
    test(`${transport}, ${era_name} era: the read-only tools read the simulated call`, async () => {
      const client = await connect(daemon, era);
      try {
        assert.equal(client.getProtocolEra(), era.era);
        assert.equal(client.getNegotiatedProtocolVersion(), era.version);
        assert.equal(client.getServerVersion()?.name, "switchboard");

        const { tools } = await client.listTools();
        const names = tools.map((t) => t.name).sort();
        assert.deepEqual(names, read_only_tools);
        for (const tool of tools) {
          assert.equal(tool.inputSchema.type, "object", tool.name);
          assert.equal(tool.outputSchema?.type, "object", tool.name);
        }

        // The transcript: every line the caller said and every answer it
        // heard, in order.
        const got = await client.callTool({ name: "get_call", arguments: { call_sid } });
        assert.notEqual(got.isError, true, JSON.stringify(got));
        const call = got.structuredContent;
        assert.equal(call.call_sid, call_sid);
        assert.equal(call.direction, "inbound");
        assert.equal(call.status, "completed");
        const said = call.turns.filter((t) => t.role === "user").map((t) => t.content);
        const replied = call.turns.filter((t) => t.role === "assistant").map((t) => t.content);
        assert.deepEqual(said, caller_lines);
        assert.deepEqual(replied, heard.replies);
        assert.deepEqual(call.turns.map((t) => t.role), caller_lines.flatMap(() => ["user", "assistant"]));
        // The same as one text block, for hosts that read only text.
        assert.deepEqual(JSON.parse(got.content[0].text), call);

        const found = await client.callTool({ name: "search_transcripts", arguments: { query: "pomegranate" } });
        assert.notEqual(found.isError, true, JSON.stringify(found));
        // The caller's line, and the scripted reply that repeats it.
        const hits = found.structuredContent.hits;
        assert.ok(hits.length > 0);
        for (const hit of hits) {
          assert.equal(hit.call_sid, call_sid);
          assert.match(hit.text, /pomegranate/);
        }
        assert.ok(hits.some((h) => h.role === "user" && h.text === caller_lines[1]), JSON.stringify(hits));
        const nothing = await client.callTool({ name: "search_transcripts", arguments: { query: "zanzibar" } });
        assert.deepEqual(nothing.structuredContent.hits, []);

        const uri = `switchboard://calls/${call_sid}`;
        const resource = await client.readResource({ uri });
        assert.equal(resource.contents.length, 1);
        assert.equal(resource.contents[0].uri, uri);
        assert.equal(resource.contents[0].mimeType, "text/plain");
        const transcript = resource.contents[0].text;
        for (const line of [...caller_lines, ...heard.replies]) assert.ok(transcript.includes(line), line);
        assert.ok(transcript.indexOf(caller_lines[0]) < transcript.indexOf(caller_lines[1]));
        const { resources } = await client.listResources();
        assert.ok(resources.some((r) => r.uri === uri), JSON.stringify(resources));
      } finally {
        await client.close();
      }
    });
  }

  test(`${transport}: bad input is -32602 naming the field, and changes nothing`, async () => {
    const client = await connect(daemon, eras.modern);
    const rows = "SELECT (SELECT count(*) FROM calls), (SELECT count(*) FROM turns), (SELECT count(*) FROM events)";
    const rows_before = await sqlite_rows(daemon.db, rows);
    const invalid = (field) => (error) => {
      assert.equal(error.code, -32602, `${error.code} ${error.message}`);
      assert.match(error.message, field);
      return true;
    };
    try {
      await assert.rejects(client.callTool({ name: "no_such_tool", arguments: {} }), invalid(/name/));
      // An action tool with actions off is as unknown as any other name.
      await assert.rejects(client.callTool({ name: "hang_up", arguments: { call_sid } }), invalid(/allow_actions/));
      await assert.rejects(client.callTool({ name: "get_call", arguments: {} }), invalid(/call_sid/));
      await assert.rejects(client.callTool({ name: "get_call", arguments: { call_sid: "CA-not-a-sid" } }),
        invalid(/call_sid/));
      await assert.rejects(client.callTool({ name: "list_calls", arguments: { limit: 0 } }), invalid(/limit/));
      await assert.rejects(client.callTool({ name: "get_call", arguments: { call_sid, extra: 1 } }),
        invalid(/extra/));
      const unknown = "CA00000000000000000000000000000000";
      await assert.rejects(client.callTool({ name: "get_call", arguments: { call_sid: unknown } }),
        invalid(new RegExp(`call_sid.*${unknown}`)));
      await assert.rejects(client.readResource({ uri: `switchboard://calls/${unknown}` }), invalid(/uri/));
    } finally {
      await client.close();
    }
    assert.deepEqual(await sqlite_rows(daemon.db, rows), rows_before);
  });
}

test("with actions off no action tool is offered on either transport", async () => {
  for (const connect of Object.values(transports)) {
    const client = await connect(daemon, eras.legacy);
    const names = (await client.listTools()).tools.map((t) => t.name);
    await client.close();
    for (const name of action_tools) assert.ok(!names.includes(name), name);
  }
});
