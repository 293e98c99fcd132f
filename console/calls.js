// The call list: the filter form (its values live in the URL query, so a
// filtered view can be bookmarked and shared), the KPI strip, transcript
// search, the table with keyset paging ("Older"), and export links for the
// same filter.
import { get_json, query_string } from "./api.js";
import { start_nav } from "./nav.js";
import {
  $, append, el, format_duration, format_ms, format_time, mark_ready, or_dash, replace, show_error,
} from "./dom.js";

const filter_names = ["since", "until", "direction", "status", "number", "transport"];

/// The URL's filter parameters only (the search words stay out of them).
function current_filter() {
  const url = new URLSearchParams(location.search);
  const filter = {};
  for (const name of filter_names) filter[name] = url.get(name) || "";
  return filter;
}

function fill_form(form, filter) {
  for (const name of filter_names) form.elements[name].value = filter[name];
}

// Submitting the form navigates to /calls?<non-empty filters>, keeping the
// search words, so the URL always says what the page shows.
function apply_filters(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const params = {};
  for (const name of filter_names) params[name] = form.elements[name].value.trim();
  params.q = new URLSearchParams(location.search).get("q") || "";
  location.assign(`/calls${query_string(params)}`);
}

function render_kpis(kpis) {
  const share = kpis.answered_share === null ? "—" : `${Math.round(kpis.answered_share * 100)} %`;
  const values = {
    calls: kpis.calls,
    answered_share: share,
    mean_duration_s: format_duration(kpis.mean_duration_s),
    latency_p50_ms: format_ms(kpis.latency_p50_ms),
    latency_p95_ms: format_ms(kpis.latency_p95_ms),
    live_now: kpis.live_now,
  };
  for (const [name, value] of Object.entries(values)) replace($(`[data-kpi=${name}]`), or_dash(value));
}

function call_row(call) {
  const link = el("a", { href: `/calls/${encodeURIComponent(call.call_sid)}` }, format_time(call.started_at));
  const status = call.end_reason ? `${or_dash(call.status)} (${call.end_reason})` : or_dash(call.status);
  return el("tr", { "data-call-sid": call.call_sid, "data-direction": call.direction },
    el("td", {}, link),
    el("td", {}, or_dash(call.direction)),
    el("td", {}, or_dash(call.from_number)),
    el("td", {}, or_dash(call.to_number)),
    el("td", { class: "num" }, format_duration(call.duration_s)),
    el("td", { class: "num" }, or_dash(call.turns)),
    el("td", { class: "num" }, format_ms(call.latency_mean_ms)),
    el("td", { class: "num" }, format_ms(call.latency_max_ms)),
    el("td", { class: "num" }, or_dash(call.interruptions)),
    el("td", {}, status),
    el("td", {}, or_dash(call.transport)));
}

// The cursor of the next page; null when the last page is shown.
let next_cursor = null;

function render_page(page) {
  append($("table[data-calls] tbody"), page.calls.map(call_row));
  next_cursor = page.next;
  $("[data-action=older]").hidden = !next_cursor;
  $("[data-empty]").hidden = document.querySelector("tr[data-call-sid]") !== null;
}

async function load_older() {
  const button = $("[data-action=older]");
  button.disabled = true;
  try {
    render_page(await get_json(`/api/calls${query_string({ ...current_filter(), after: next_cursor })}`));
  } catch (error) {
    show_error(error.message);
  } finally {
    button.disabled = false;
  }
}

function render_hit(hit) {
  const snippet = el("span", { class: "snippet" });
  hit.snippet.forEach((piece, i) => append(snippet, i % 2 === 1 ? el("mark", {}, piece) : piece));
  const href = `/calls/${encodeURIComponent(hit.call_sid)}#turn-${hit.seq}`;
  return el("li", { "data-hit": hit.call_sid },
    el("a", { href }, `${format_time(hit.started_at)} · ${or_dash(hit.from_number)} → ${or_dash(hit.to_number)} · turn ${hit.seq} (${hit.role})`),
    " ", snippet);
}

async function search(words) {
  const hits = $("[data-hits]");
  if (!words.trim()) {
    replace(hits);
    return;
  }
  const answer = await get_json(`/api/search${query_string({ q: words, ...current_filter() })}`);
  replace(hits, answer.hits.length ? answer.hits.map(render_hit) : el("li", { "data-no-hits": "" }, "No turn matches."));
}

// Search words go into the URL too (replaceState: no new history entry),
// so reload and back keep them.
async function on_search(event) {
  event.preventDefault();
  const words = $("[data-search]").value;
  const url = new URLSearchParams(location.search);
  if (words.trim()) url.set("q", words);
  else url.delete("q");
  history.replaceState(null, "", `/calls${query_string(url)}`);
  show_error("");
  try {
    await search(words);
  } catch (error) {
    show_error(error.message);
  }
}

function set_export_links(filter) {
  for (const format of ["csv", "json"]) {
    $(`a[data-export=${format}]`).href = `/api/export${query_string({ ...filter, format })}`;
  }
}

async function start() {
  start_nav();
  const filter = current_filter();
  fill_form($("form[data-filters]"), filter);
  set_export_links(filter);
  $("form[data-filters]").addEventListener("submit", apply_filters);
  $("form[data-search-form]").addEventListener("submit", on_search);
  $("[data-action=older]").addEventListener("click", load_older);
  const words = new URLSearchParams(location.search).get("q") || "";
  $("[data-search]").value = words;
  try {
    const [kpis, page] = await Promise.all([
      get_json(`/api/kpis${query_string(filter)}`),
      get_json(`/api/calls${query_string(filter)}`),
    ]);
    render_kpis(kpis);
    render_page(page);
    await search(words);
  } catch (error) {
    show_error(error.message);
  }
  mark_ready();
}

start();
