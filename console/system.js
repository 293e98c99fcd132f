// The daemon's state (/api/system: version, draining, live calls, the
// ingress counters, console sessions and streams) and the two operator
// actions that change it, drain and reload.
import { get_json, post_json } from "./api.js";
import { start_nav } from "./nav.js";
import { $, el, mark_ready, or_dash, replace, show_error } from "./dom.js";

const facts = [
  ["version", "Version"], ["draining", "Draining"], ["live_calls", "Live calls"], ["transport", "Transport"],
  ["console_sessions", "Console sessions"], ["console_streams", "Console event streams"],
];

function shown(value) {
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  return or_dash(value);
}

function render(system) {
  replace($("[data-system]"), facts.flatMap(([key, label]) => [el("dt", {}, label),
    el("dd", { "data-fact": key }, shown(system[key]))]));
  const counters = Object.entries(system.stats || {});
  replace($("table[data-counters] tbody"), counters.map(([key, value]) => el("tr", { "data-counter": key },
    el("th", { scope: "row" }, key), el("td", { class: "num" }, shown(value)))));
}

async function refresh() {
  render(await get_json("/api/system"));
}

function action(name, done_text) {
  const button = $(`[data-action=${name}]`);
  button.addEventListener("click", async () => {
    const result = $("[data-action-result]");
    button.disabled = true;
    replace(result, "…");
    try {
      await post_json(`/api/${name}`);
      replace(result, done_text);
      await refresh();
    } catch (error) {
      replace(result, `${name} failed: ${error.message}`);
    } finally {
      button.disabled = false;
    }
  });
}

async function start() {
  start_nav();
  action("drain", "Draining: new calls are refused, live ones go on.");
  action("reload", "Config reloaded.");
  try {
    await refresh();
  } catch (error) {
    show_error(error.message);
  }
  mark_ready();
}

start();
