// Small DOM helpers every page shares. Text only ever reaches the page
// through text nodes (textContent, createTextNode): caller and model words,
// numbers and webhook payloads are hostile text, never markup, so nothing
// here parses HTML. Also the formatting of times, durations and latencies.

/// Creates element `tag` with `attrs` (attribute name -> value; null or
/// undefined skipped, `class` and data-* included) and `children` (nodes,
/// or anything else shown as text).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) node.setAttribute(name, String(value));
  }
  append(node, ...children);
  return node;
}

/// Appends `children` to `node`: nodes as they are, arrays flattened,
/// null/undefined skipped, anything else as a text node.
export function append(node, ...children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/// Replaces the contents of `node` with `children`.
export function replace(node, ...children) {
  node.replaceChildren();
  return append(node, ...children);
}

/// The element matching `selector`; throws when the page lacks it (a
/// broken page should fail loudly, not render half).
export function $(selector, root = document) {
  const found = root.querySelector(selector);
  if (!found) throw new Error(`missing element ${selector}`);
  return found;
}

/// Marks the page's <main> ready: its first data has rendered (the
/// browser tests wait for this attribute).
export function mark_ready() {
  document.querySelector("main")?.setAttribute("data-ready", "1");
}

/// Shows `message` in the page's alert region ([data-error]), or clears it.
export function show_error(message) {
  const region = document.querySelector("[data-error]");
  if (!region) return;
  replace(region, message || "");
  region.hidden = !message;
}

/// "—" for values the daemon does not know (null, undefined, "").
export function or_dash(value) {
  return value === null || value === undefined || value === "" ? "—" : String(value);
}

export function format_ms(ms) {
  return ms === null || ms === undefined ? "—" : `${Math.round(ms)} ms`;
}

/// Seconds as "1:05" or "1:02:03".
export function format_duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/// An ISO-8601 UTC time as the operator reads it: "2026-12-01 10:00:05"
/// (UTC, as the database stores it, so it matches switchboardctl).
export function format_time(iso) {
  if (!iso) return "—";
  return iso.replace("T", " ").replace(/(\.\d+)?Z$/, "");
}

/// Milliseconds since the Unix epoch of an ISO-8601 UTC time; NaN if bad.
export function parse_time(iso) {
  return iso ? Date.parse(iso) : NaN;
}

/// An offset from a call's start, "+1:05.3".
export function format_offset(ms) {
  if (ms === null || ms === undefined) return "";
  const tenths = Math.floor(Math.abs(ms) / 100);
  const minutes = Math.floor(tenths / 600);
  const seconds = ((tenths % 600) / 10).toFixed(1).padStart(4, "0");
  return `${ms < 0 ? "-" : "+"}${minutes}:${seconds}`;
}
