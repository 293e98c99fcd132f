// Statistics over a range (default: the daemon's, the last 24 hours):
// calls per hour and turn latency p50/p95 per hour, one series per
// transport, as SVG charts (svgchart.js) and as a table. The range lives
// in the URL query.
import { get_json, query_string } from "./api.js";
import { start_nav } from "./nav.js";
import { $, el, format_ms, format_time, mark_ready, or_dash, replace, show_error } from "./dom.js";
import { bar_chart, line_chart } from "./svgchart.js";

function range_from_url() {
  const url = new URLSearchParams(location.search);
  return { since: url.get("since") || "", until: url.get("until") || "" };
}

function apply_range(event) {
  event.preventDefault();
  const form = event.currentTarget;
  location.assign(`/stats${query_string({ since: form.elements.since.value.trim(), until: form.elements.until.value.trim() })}`);
}

/// The hours (sorted) and transports present, and a lookup per cell.
function pivot(hours) {
  const categories = [...new Set(hours.map((h) => h.hour))].sort();
  const transports = [...new Set(hours.map((h) => h.transport))].sort();
  const cell = new Map(hours.map((h) => [`${h.hour}|${h.transport}`, h]));
  const values = (transport, field) => categories.map((hour) => {
    const found = cell.get(`${hour}|${transport}`);
    return found && found[field] !== null && found[field] !== undefined ? found[field] : null;
  });
  return { categories, transports, values };
}

function render_charts(hours) {
  const { categories, transports, values } = pivot(hours);
  const name = (t) => t || "unrecorded";
  bar_chart($("[data-chart=calls]"), {
    label: "Calls started per hour, by transport",
    categories,
    series: transports.map((t) => ({ name: name(t), values: values(t, "calls") })),
  });
  line_chart($("[data-chart=latency]"), {
    label: "Turn latency p50 and p95 per hour, by transport",
    categories,
    unit: " ms",
    series: transports.flatMap((t, index) => [
      { name: `${name(t)} p50`, index, values: values(t, "latency_p50_ms") },
      { name: `${name(t)} p95`, index, dashed: true, values: values(t, "latency_p95_ms") },
    ]),
  });
}

function render_table(hours) {
  replace($("table[data-hours] tbody"), hours.map((h) => el("tr", { "data-hour": h.hour, "data-transport": h.transport },
    el("td", {}, format_time(h.hour)), el("td", {}, or_dash(h.transport)), el("td", { class: "num" }, h.calls),
    el("td", { class: "num" }, h.turns), el("td", { class: "num" }, format_ms(h.latency_p50_ms)),
    el("td", { class: "num" }, format_ms(h.latency_p95_ms)))));
}

async function start() {
  start_nav();
  const range = range_from_url();
  const form = $("form[data-range]");
  form.elements.since.value = range.since;
  form.elements.until.value = range.until;
  form.addEventListener("submit", apply_range);
  try {
    const stats = await get_json(`/api/stats${query_string(range)}`);
    replace($("[data-range-shown]"), `From ${format_time(stats.since)} to ${format_time(stats.until)} (UTC)`);
    if (stats.hours.length) {
      render_charts(stats.hours);
    } else {
      for (const chart of document.querySelectorAll("[data-chart]")) replace(chart, el("p", {}, "No calls in this range."));
    }
    render_table(stats.hours);
  } catch (error) {
    show_error(error.message);
  }
  mark_ready();
}

start();
