// Charts drawn as SVG by our own code, for the stats page: grouped bars
// (calls per hour) and lines (latency per hour), over one shared category
// axis (the hours), with a y axis of round ticks and a legend. Colours come
// from console.css through classes (series-0, series-1, ...), so the dark
// and light themes apply; no inline style (the CSP forbids it). Every
// label is a text node.

const svg_ns = "http://www.w3.org/2000/svg";
const size = { width: 760, height: 260, left: 56, right: 12, top: 12, bottom: 44 };

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(svg_ns, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

/// Round tick values from 0 to at least `max` (about five of them).
export function nice_ticks(max) {
  if (!(max > 0)) return [0, 1];
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  const ticks = [];
  for (let v = 0; v < max + step; v += step) ticks.push(v);
  return ticks;
}

// "2026-12-01T10:00:00Z" -> "10:00", with the date where the day changes.
function hour_label(hour, previous) {
  const time = hour.slice(11, 16);
  return previous && previous.slice(0, 10) === hour.slice(0, 10) ? time : `${hour.slice(5, 10)} ${time}`;
}

// The frame every chart shares: the y axis with its ticks and grid, the x
// axis with the categories' labels (thinned to fit). Returns the scales.
function frame(root, categories, y_max, y_unit) {
  const plot_w = size.width - size.left - size.right;
  const plot_h = size.height - size.top - size.bottom;
  const ticks = nice_ticks(y_max);
  const top = ticks[ticks.length - 1];
  const y = (v) => size.top + plot_h - (v / top) * plot_h;
  const band = plot_w / Math.max(1, categories.length);
  const x = (i) => size.left + i * band;
  const axes = svg("g", { class: "axis" });
  for (const t of ticks) {
    axes.append(svg("line", { class: "grid", x1: size.left, x2: size.width - size.right, y1: y(t), y2: y(t) }));
    axes.append(svg("text", { x: size.left - 6, y: y(t) + 4, "text-anchor": "end" }, `${t}${y_unit}`));
  }
  const every = Math.max(1, Math.ceil(categories.length / 12));
  categories.forEach((c, i) => {
    if (i % every !== 0) return;
    axes.append(svg("text", { x: x(i) + band / 2, y: size.height - size.bottom + 16, "text-anchor": "middle" },
      hour_label(c, categories[i - every])));
  });
  axes.append(svg("line", { class: "axis-line", x1: size.left, x2: size.left, y1: size.top, y2: size.top + plot_h }));
  axes.append(svg("line", { class: "axis-line", x1: size.left, x2: size.width - size.right, y1: y(0), y2: y(0) }));
  root.append(axes);
  return { x, y, band };
}

function chart_root(container, label) {
  const root = svg("svg", { viewBox: `0 0 ${size.width} ${size.height}`, role: "img", "aria-label": label, class: "svgchart" });
  root.append(svg("title", {}, label));
  container.replaceChildren(root);
  return root;
}

function legend(container, entries) {
  const list = document.createElement("ul");
  list.className = "legend";
  for (const entry of entries) {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `swatch series-${entry.index}${entry.dashed ? " dashed" : ""}`;
    item.append(swatch, document.createTextNode(entry.name));
    list.append(item);
  }
  container.append(list);
}

/// Grouped bars: for each category, one bar per series (`values[i]`, a
/// number or null). series: [{name, values}].
export function bar_chart(container, { label, categories, series, unit = "" }) {
  const root = chart_root(container, label);
  const max = Math.max(0, ...series.flatMap((s) => s.values.filter((v) => v !== null)));
  const { x, y, band } = frame(root, categories, max, unit);
  const width = (band * 0.8) / Math.max(1, series.length);
  series.forEach((s, k) => {
    const group = svg("g", { class: `series-${k}`, "data-series": s.name });
    s.values.forEach((v, i) => {
      if (v === null || v === undefined) return;
      const bar = svg("rect", { x: x(i) + band * 0.1 + k * width, y: y(v), width, height: Math.max(0, y(0) - y(v)),
        "data-value": v });
      bar.append(svg("title", {}, `${s.name} ${categories[i]}: ${v}${unit}`));
      group.append(bar);
    });
    root.append(group);
  });
  legend(container, series.map((s, index) => ({ name: s.name, index })));
}

/// Lines through each category's value (a gap where a value is null);
/// series: [{name, values, index (colour), dashed}].
export function line_chart(container, { label, categories, series, unit = "" }) {
  const root = chart_root(container, label);
  const max = Math.max(0, ...series.flatMap((s) => s.values.filter((v) => v !== null)));
  const { x, y, band } = frame(root, categories, max, unit);
  for (const s of series) {
    const group = svg("g", { class: `series-${s.index}${s.dashed ? " dashed" : ""}`, "data-series": s.name });
    let path = "";
    s.values.forEach((v, i) => {
      if (v === null || v === undefined) return;
      const px = x(i) + band / 2;
      const joined = i > 0 && s.values[i - 1] !== null && s.values[i - 1] !== undefined;
      path += `${joined ? "L" : "M"}${px.toFixed(1)},${y(v).toFixed(1)}`;
      const dot = svg("circle", { cx: px, cy: y(v), r: 2.5, "data-value": v });
      dot.append(svg("title", {}, `${s.name} ${categories[i]}: ${v}${unit}`));
      group.append(dot);
    });
    group.prepend(svg("path", { d: path, class: "line" }));
    root.append(group);
  }
  legend(container, series);
}
