// One call: its facts (with copy buttons), the transcript with wall-clock
// times and offsets from the call's start, the MCP tools each reply
// called, each assistant turn's latency waterfall (tool rounds a part of
// it), the replies' audio, recordings, the webhook and event
// timeline, the raw JSON and links to the neighbouring calls. A #turn-N
// fragment (what a search hit links to) scrolls to that turn and
// highlights it.
import { get_json } from "./api.js";
import { start_nav } from "./nav.js";
import {
  $, append, el, format_duration, format_ms, format_offset, format_time, mark_ready, or_dash, replace,
  show_error,
} from "./dom.js";

// Facts shown first, in this order; every other column of the call
// follows under its own name.
const main_facts = [
  ["call_sid", "Call SID"], ["direction", "Direction"], ["from_number", "From"], ["to_number", "To"],
  ["status", "Status"], ["end_reason", "End reason"], ["transport", "Transport"],
  ["started_at", "Started (UTC)"], ["answered_at", "Answered (UTC)"], ["ended_at", "Ended (UTC)"],
  ["duration_s", "Duration"],
];
const copyable = new Set(["call_sid", "from_number", "to_number"]);

function copy_button(value, label) {
  const button = el("button", { type: "button", class: "copy", "data-copy": value, "aria-label": `Copy ${label}` }, "Copy");
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(value);
      replace(button, "Copied");
    } catch {
      replace(button, "Copy failed");
    }
  });
  return button;
}

function fact_value(key, value) {
  if (key === "duration_s") return format_duration(value);
  if (key.endsWith("_at")) return format_time(value);
  return or_dash(value);
}

function render_facts(call) {
  const facts = $("[data-facts]");
  const labels = new Map(main_facts);
  const keys = [...labels.keys(), ...Object.keys(call).filter((key) => !labels.has(key))];
  for (const key of keys) {
    if (!(key in call)) continue;
    const value = call[key];
    const dd = el("dd", { "data-fact": key }, fact_value(key, value));
    if (copyable.has(key) && value) append(dd, " ", copy_button(String(value), labels.get(key)));
    append(facts, el("dt", {}, labels.get(key) || key), dd);
  }
}

/// The turn's latency parts as bars, each as wide as its share of `scale`
/// (the longest total of the call, so turns compare at a glance).
function waterfall(turn, scale) {
  const bars = el("div", { class: "bars" });
  for (const part of turn.parts) {
    const bar = el("div", { class: `bar part-${part.name}`, "data-part": part.name, "data-ms": part.ms,
      title: `${part.name}: ${part.ms} ms` });
    // CSSOM, not a style attribute: the CSP forbids inline styles.
    bar.style.width = `${(part.ms / scale) * 100}%`;
    append(bars, bar);
  }
  const legend = el("span", { class: "waterfall-total" },
    `${format_ms(turn.total_ms)}: `, turn.parts.map((p) => `${p.name} ${p.ms}`).join(" · "));
  return el("div", { class: "waterfall", "data-waterfall": turn.seq, "data-total-ms": turn.total_ms }, bars, legend);
}

function turn_meta(turn) {
  const meta = el("p", { class: "turn-meta" },
    el("span", { class: "role" }, turn.role), " ",
    el("time", { datetime: turn.created_at }, format_time(turn.created_at)), " ",
    el("span", { class: "offset", "data-offset-ms": turn.offset_ms }, format_offset(turn.offset_ms)));
  if (turn.interrupted) append(meta, " ", el("span", { class: "badge", "data-interrupted": "" }, "interrupted"));
  if (turn.model) append(meta, " ", el("span", { class: "model" }, turn.model));
  if (turn.confidence !== null && turn.confidence !== undefined) {
    append(meta, " ", el("span", { class: "confidence" }, `confidence ${Number(turn.confidence).toFixed(2)}`));
  }
  return meta;
}

/// A tool call's arguments as shown: the object as JSON, or the text the
/// model sent when it was not one.
function arguments_text(args) {
  return typeof args === "string" ? args : JSON.stringify(args);
}

/// The MCP tools a reply called, in order: name, server, round and time,
/// the arguments, and the result or the error. Every text is the model's
/// or a server's, so it goes in as text nodes only.
function tool_calls(turn) {
  return el("ol", { class: "tool-calls", "data-tool-calls": turn.seq }, turn.tool_calls.map((call) => {
    const failed = call.error !== null && call.error !== undefined;
    return el("li", { class: failed ? "tool-call failed" : "tool-call", "data-tool-call": call.idx,
      "data-tool-name": call.name, "data-ms": call.ms },
    el("p", { class: "tool-head" },
      el("span", { class: "tool-name" }, call.name), " ",
      call.server ? el("span", { class: "tool-server" }, call.server) : null, " ",
      el("span", { class: "tool-round" }, `round ${call.round}`), " ",
      el("span", { class: "tool-ms" }, format_ms(call.ms)),
      failed ? [" ", el("span", { class: "badge" }, "failed")] : null),
    el("pre", { class: "tool-arguments", "data-tool-arguments": "" }, arguments_text(call.arguments)),
    failed ? el("pre", { class: "tool-error", "data-tool-error": "" }, call.error)
      : el("pre", { class: "tool-result", "data-tool-result": "" }, call.result ?? ""));
  }));
}

function render_turn(turn, scale) {
  const item = el("li", { id: `turn-${turn.seq}`, class: `turn ${turn.role}`, "data-turn-seq": turn.seq,
    "data-role": turn.role }, turn_meta(turn), el("p", { class: "content" }, turn.content));
  if (turn.tool_calls && turn.tool_calls.length) append(item, tool_calls(turn));
  if (turn.parts && turn.parts.length) append(item, waterfall(turn, scale));
  if (turn.audio_url) {
    append(item, el("audio", { controls: "", preload: "metadata", src: turn.audio_url,
      "aria-label": `Audio of turn ${turn.seq}` }));
  }
  return item;
}

function render_transcript(turns) {
  const totals = turns.map((t) => t.total_ms).filter((ms) => ms > 0);
  const scale = Math.max(1, ...totals);
  const list = $("[data-transcript]");
  replace(list, turns.length ? turns.map((t) => render_turn(t, scale)) : el("li", {}, "No turns stored."));
}

function render_recordings(recordings) {
  const region = $("[data-recordings]");
  if (!recordings.length) {
    replace(region, el("p", {}, "No recordings."));
    return;
  }
  const keys = Object.keys(recordings[0]);
  const head = el("tr", {}, keys.map((key) => el("th", { scope: "col" }, key)));
  const rows = recordings.map((r) => el("tr", { "data-recording": r.recording_sid }, keys.map((key) => el("td", {}, or_dash(r[key])))));
  replace(region, el("table", {}, el("thead", {}, head), el("tbody", {}, rows)));
}

/// A webhook's stored payload, pretty-printed when it is JSON.
function payload_text(payload) {
  try {
    return JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    return String(payload ?? "");
  }
}

function render_events(events) {
  const list = $("[data-events]");
  replace(list, events.length ? events.map((e) => el("li", { "data-event-kind": e.kind, "data-event-id": e.id },
    el("details", {},
      el("summary", {}, el("time", { datetime: e.received_at }, format_time(e.received_at)), " ", el("strong", {}, e.kind)),
      el("pre", {}, payload_text(e.payload))))) : el("li", {}, "No events stored."));
}

function render_neighbours(detail) {
  for (const [which, sid] of [["prev", detail.prev], ["next", detail.next]]) {
    const link = $(`a[data-nav=${which}]`);
    link.hidden = !sid;
    if (sid) link.href = `/calls/${encodeURIComponent(sid)}`;
  }
}

/// Scrolls to and highlights the turn named by #turn-N, if any.
function show_wanted_turn() {
  for (const old of document.querySelectorAll(".turn.highlight")) old.classList.remove("highlight");
  const match = /^#turn-(\d+)$/.exec(location.hash);
  const turn = match && document.getElementById(`turn-${match[1]}`);
  if (!turn) return;
  turn.classList.add("highlight");
  turn.scrollIntoView({ block: "center" });
}

async function start() {
  start_nav();
  const sid = decodeURIComponent(location.pathname.replace(/^\/calls\//, ""));
  replace($("[data-title]"), `Call ${sid}`);
  try {
    const detail = await get_json(`/api/calls/${encodeURIComponent(sid)}`);
    render_facts(detail.call);
    render_transcript(detail.turns);
    render_recordings(detail.recordings);
    render_events(detail.events);
    render_neighbours(detail);
    replace($("[data-raw]"), JSON.stringify(detail, null, 2));
    show_wanted_turn();
    window.addEventListener("hashchange", show_wanted_turn);
  } catch (error) {
    show_error(error.message);
  }
  mark_ready();
}

start();
