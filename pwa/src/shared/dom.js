// A small element builder: text goes in as text nodes (never as HTML), so server data cannot
// inject markup.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "on") for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    else if (name === "props") Object.assign(node, value);
    else if (value !== false && value != null) node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.flat(Infinity).filter((c) => c != null && c !== false));
  return node;
}

/** A labelled form field: the label names the input for screen readers and tests. */
export function field(id, label, input) {
  return el("div", { class: "field" }, el("label", { for: id }, label), input);
}

/** A table's head: one column header per text, in order (screen readers name each cell by it). */
export function columnHeads(headings) {
  return el(
    "thead",
    {},
    el(
      "tr",
      {},
      headings.map((heading) => el("th", { scope: "col" }, heading)),
    ),
  );
}
