// DOM building for the status page. Every value from the API goes in as text (textContent or
// attribute), never as HTML, so nothing the API returns can become markup or script.

/** Creates an element: `h("td", { class: "num" }, "12")`. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function pill(label, tone) {
  return h("span", { class: `pill pill-${tone}` }, label);
}

/** A table with a caption and column headers; `rows` are arrays of cells (nodes or text). */
export function table(caption, headers, rows, options = {}) {
  return h(
    "table",
    { class: `data ${options.className ?? ""}`.trim() },
    h("caption", { class: options.captionHidden ? "visually-hidden" : undefined }, caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        headers.map((header) =>
          h("th", { scope: "col", class: header.numeric ? "num" : undefined }, header.label),
        ),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((cells) =>
        h(
          "tr",
          {},
          cells.map((cell, index) =>
            index === 0 && options.rowHeader
              ? h("th", { scope: "row" }, cell)
              : h("td", { class: headers[index]?.numeric ? "num" : undefined }, cell),
          ),
        ),
      ),
    ),
  );
}

export function download(filename, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h("a", { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
