// The customer's copy of the visit as a picture (PNG), drawn on a canvas from lines of text.
// A picture because it is the one record every phone browser can keep, WeChat's included: pressing
// and holding an image offers "Save image" there, while downloads and window.print() do not work
// (see docs/decisions.md). Text only, in the page's fonts, so Chinese and Latin both render.

const WIDTH = 1080;
const MARGIN = 64;
const STYLES = {
  company: { size: 44, weight: 700, color: "#0b5cad", gap: 12 },
  title: { size: 38, weight: 700, color: "#101418", gap: 28 },
  heading: { size: 30, weight: 700, color: "#101418", gap: 28 },
  text: { size: 30, weight: 400, color: "#101418", gap: 6 },
  meta: { size: 26, weight: 400, color: "#3f4a55", gap: 6 },
};
const FONTS = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans SC", "PingFang SC", sans-serif';
// Chinese and Japanese characters may break anywhere; other text breaks between words.
const UNITS = /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+\s*|\s+/g;

const font = (style) => `${style.weight} ${style.size}px ${FONTS}`;

/** Split a unit wider than the whole line (a long part number) into pieces that fit. */
function pieces(context, unit, width) {
  if (context.measureText(unit).width <= width) return [unit];
  const out = [""];
  for (const char of unit) {
    if (context.measureText(out[out.length - 1] + char).width > width) out.push("");
    out[out.length - 1] += char;
  }
  return out;
}

/** The text broken into lines no wider than `width` (greedy, as a browser would). */
function wrap(context, text, width) {
  const lines = [];
  let line = "";
  for (const unit of String(text).match(UNITS) ?? [""]) {
    for (const piece of pieces(context, unit, width)) {
      if (line && context.measureText(line + piece.trimEnd()).width > width) {
        lines.push(line.trimEnd());
        line = piece.trimStart();
      } else line += piece;
    }
  }
  lines.push(line.trimEnd());
  return lines;
}

/** Each block `{style, text}` as positioned lines, and the picture's height. */
function layout(context, blocks) {
  const placed = [];
  let y = MARGIN;
  for (const { style: name, text } of blocks) {
    const style = STYLES[name];
    context.font = font(style);
    y += style.gap;
    for (const line of wrap(context, text, WIDTH - 2 * MARGIN)) {
      placed.push({ style, line, y });
      y += Math.round(style.size * 1.4);
    }
  }
  return { placed, height: y + MARGIN };
}

/** The receipt as a PNG data: URL (data:, not blob:, which in-app browsers do not let people save). */
export function receiptImage(blocks) {
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d");
  const { placed, height } = layout(context, blocks);
  canvas.width = WIDTH;
  canvas.height = height;
  context.fillStyle = "#fff";
  context.fillRect(0, 0, WIDTH, height);
  context.textBaseline = "top";
  for (const { style, line, y } of placed) {
    context.font = font(style);
    context.fillStyle = style.color;
    context.fillText(line, MARGIN, y);
  }
  return canvas.toDataURL("image/png");
}
