// Small SVG line charts for KPI trends (no chart library: a few lines of SVG are enough and keep
// the console light). Points with no value leave a gap.
import { number, t } from "./i18n.js";

const NS = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** A line chart of `series` [{day, value}] titled `title`, with its values in a visually hidden table. */
export function lineChart(title, series, unit = "") {
  const width = 320;
  const height = 140;
  const pad = 28;
  const values = series.map((p) => p.value).filter((v) => v != null);
  const max = Math.max(1, ...values);
  const x = (i) => pad + (i * (width - 2 * pad)) / Math.max(1, series.length - 1);
  const y = (v) => height - pad - (v / max) * (height - 2 * pad);
  let path = "";
  series.forEach((p, i) => {
    if (p.value == null) return;
    path += `${path && series[i - 1]?.value != null ? "L" : "M"}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`;
  });
  const chart = svg(
    "svg",
    {
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-label": values.length
        ? t("chart.latest", { title, latest: `${number(values.at(-1))}${unit}`, highest: `${number(max)}${unit}` })
        : t("chart.noData", { title }),
      class: "chart",
    },
    svg("line", { x1: pad, y1: height - pad, x2: width - pad, y2: height - pad, class: "axis" }),
    svg("text", { x: 2, y: pad - 6, class: "tick" }, `${number(max)}${unit}`),
    svg("text", { x: pad, y: height - 6, class: "tick" }, series[0]?.day ?? ""),
    svg("text", { x: width - pad, y: height - 6, class: "tick", "text-anchor": "end" }, series.at(-1)?.day ?? ""),
    svg("path", { d: path, class: "line" }),
    ...series
      .filter((p) => p.value != null)
      .map((p) => svg("circle", { cx: x(series.indexOf(p)), cy: y(p.value), r: 2.5, class: "dot" })),
  );
  const figure = document.createElement("figure");
  const caption = document.createElement("figcaption");
  caption.textContent = title;
  figure.append(caption, chart);
  return figure;
}
