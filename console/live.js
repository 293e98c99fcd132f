// Calls in progress, pushed: one EventSource on /api/events per tab.
// `call` events create, update and end cards, `turn` events grow their
// transcripts (a reply's MCP tool calls named beside it), `reset` (the daemon no longer holds what this tab missed)
// reloads the snapshot from /api/live. Durations tick every second.
//
// Order of start-up: the stream opens first and the snapshot is read
// once it is open, so no event falls between the two; events that arrive
// before the snapshot wait, and those the snapshot already holds (id <=
// its last_event_id) are dropped.
import { get_json, post_json } from "./api.js";
import { start_nav } from "./nav.js";
import { $, append, el, format_duration, format_time, mark_ready, parse_time, replace, show_error } from "./dom.js";

const ended_statuses = new Set(["completed", "busy", "failed", "no-answer", "canceled"]);
// How long an ended call's card stays, greyed out, before it goes.
const ended_card_ms = 5000;

const cards = $("[data-live-cards]");
let snapshot_id = null; // last_event_id of the snapshot shown; null while loading
let waiting = [];       // events that arrived before the snapshot

function card_of(sid) {
  return cards.querySelector(`[data-live-call="${CSS.escape(sid)}"]`);
}

function show_empty() {
  $("[data-empty]").hidden = cards.querySelector("[data-live-call]:not([data-ended])") !== null;
}

function turn_item(turn) {
  const item = el("li", { class: `turn ${turn.role}`, "data-turn-seq": turn.seq, "data-role": turn.role },
    el("span", { class: "role" }, turn.role), " ", el("span", { class: "content" }, turn.content));
  if (turn.interrupted) append(item, " ", el("span", { class: "badge", "data-interrupted": "" }, "interrupted"));
  // The MCP tools the reply called, by name with their time or "failed";
  // the call's page has their arguments and results.
  for (const call of turn.tool_calls || []) {
    const failed = call.error !== null && call.error !== undefined;
    append(item, " ", el("span", { class: failed ? "tool-chip failed" : "tool-chip", "data-tool-name": call.name,
      title: failed ? call.error : null }, `${call.name} ${failed ? "failed" : `${call.ms} ms`}`));
  }
  return item;
}

function add_turn(card, turn) {
  const list = $("[data-transcript]", card);
  if (list.querySelector(`[data-turn-seq="${turn.seq}"]`)) return;
  const later = [...list.children].find((li) => Number(li.dataset.turnSeq) > turn.seq);
  list.insertBefore(turn_item(turn), later || null);
  list.scrollTop = list.scrollHeight;
}

async function act(card, path, body, done_text) {
  const result = $("[data-card-result]", card);
  replace(result, "…");
  try {
    await post_json(path, body);
    replace(result, done_text);
    return true;
  } catch (error) {
    replace(result, error.message);
    return false;
  }
}

function say_form(card, sid) {
  const id = `say-${sid}`;
  const form = el("form", { class: "say", "data-say": sid },
    el("label", { for: id }, "Say"), el("input", { id, name: "text", required: "" }), el("button", { type: "submit" }, "Say"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = form.elements.text.value;
    if (await act(card, `/api/calls/${encodeURIComponent(sid)}/say`, { text }, "Said.")) form.reset();
  });
  return form;
}

function new_card(sid) {
  const hangup = el("button", { type: "button", "data-action": "hangup" }, "Hang up");
  const actions = el("div", { class: "card-actions" });
  const card = el("article", { class: "card", "data-live-call": sid, "aria-label": `Call ${sid}` },
    el("h2", {}, el("a", { href: `/calls/${encodeURIComponent(sid)}` }, sid)),
    el("p", { class: "card-facts" },
      el("span", { "data-field": "direction" }), " ", el("span", { "data-field": "from_number" }), " → ",
      el("span", { "data-field": "to_number" }), " · ", el("span", { "data-field": "transport" })),
    el("p", { class: "card-facts" }, "Status ", el("strong", { "data-field": "status" }), " · started ",
      el("span", { "data-field": "started_at" }), " · ", el("span", { "data-duration": "" }, "0:00")),
    el("ol", { class: "live-transcript", "data-transcript": "" }),
    actions,
    el("p", { "data-card-result": "", role: "status" }));
  append(actions, hangup, say_form(card, sid));
  hangup.addEventListener("click", async () => {
    hangup.disabled = true;
    if (!(await act(card, `/api/calls/${encodeURIComponent(sid)}/hangup`, {}, "Hanging up…"))) hangup.disabled = false;
  });
  cards.prepend(card);
  return card;
}

/// Applies a call's fields (all of /api/live's, or the part an event
/// carries) to its card, making or ending it.
function update_call(call) {
  const ended = Boolean(call.ended_at) || ended_statuses.has(call.status);
  let card = card_of(call.call_sid);
  if (!card && ended) return;
  card = card || new_card(call.call_sid);
  for (const name of ["direction", "from_number", "to_number", "transport", "status"]) {
    if (call[name]) replace($(`[data-field=${name}]`, card), call[name]);
  }
  if (call.started_at) {
    card.dataset.startedAt = call.started_at;
    replace($("[data-field=started_at]", card), format_time(call.started_at));
  }
  if (call.status) card.dataset.status = call.status;
  if (ended) end_card(card);
  show_empty();
  tick();
}

function end_card(card) {
  if (card.hasAttribute("data-ended")) return;
  card.setAttribute("data-ended", "");
  for (const control of card.querySelectorAll("button, input")) control.disabled = true;
  setTimeout(() => {
    card.remove();
    show_empty();
  }, ended_card_ms);
}

function render_snapshot(live) {
  replace(cards);
  for (const call of live.calls) {
    update_call(call);
    for (const turn of call.turns) add_turn(card_of(call.call_sid), turn);
  }
  show_empty();
}

let reloading = null;

/// Reads /api/live again (on start, on `reset`, on a turn of a call this
/// tab has not seen) and replays what arrived meanwhile.
function reload_snapshot() {
  if (reloading) return reloading;
  snapshot_id = null;
  reloading = get_json("/api/live").then((live) => {
    render_snapshot(live);
    snapshot_id = live.last_event_id;
    const held = waiting;
    waiting = [];
    for (const event of held) apply(event);
  }).catch((error) => show_error(error.message)).finally(() => {
    reloading = null;
  });
  return reloading;
}

function apply(event) {
  if (snapshot_id === null) {
    waiting.push(event);
    return;
  }
  if (event.type !== "reset" && Number(event.lastEventId) <= snapshot_id) return;
  const data = JSON.parse(event.data);
  if (event.type === "reset") {
    reload_snapshot();
  } else if (event.type === "call") {
    update_call(data);
  } else if (event.type === "turn") {
    const card = card_of(data.call_sid);
    if (card) add_turn(card, data);
    else reload_snapshot();
  }
}

function tick() {
  const now = Date.now();
  for (const card of cards.querySelectorAll("[data-live-call]:not([data-ended])")) {
    const started = parse_time(card.dataset.startedAt);
    if (!Number.isNaN(started)) replace($("[data-duration]", card), format_duration((now - started) / 1000));
  }
}

function start() {
  start_nav();
  const state = $("[data-stream-state]");
  const stream = new EventSource("/api/events");
  let first_open = true;
  stream.addEventListener("open", async () => {
    replace(state, "connected");
    if (!first_open) return;
    first_open = false;
    await reload_snapshot();
    mark_ready();
  });
  // The browser reconnects by itself (retry: from the daemon) and sends
  // Last-Event-ID; the daemon replays what was missed or sends `reset`.
  stream.addEventListener("error", () => {
    const closed = stream.readyState === EventSource.CLOSED;
    replace(state, closed ? "closed" : "reconnecting");
    // A refused stream (the session ended: 401) is not retried by the
    // browser; a session check sends the page to the login in that case.
    if (closed) get_json("/api/me").catch((error) => show_error(error.message));
  });
  for (const type of ["call", "turn", "reset"]) stream.addEventListener(type, apply);
  // Leaving the page ends the stream here rather than by the navigation
  // tearing it down, and frees the daemon's stream slot at once.
  window.addEventListener("pagehide", () => stream.close());
  setInterval(tick, 1000);
}

start();
