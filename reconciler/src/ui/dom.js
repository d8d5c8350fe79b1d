// DOM building for the status page. Every value from the API goes in as text (textContent or
// attribute), never as HTML, so nothing the API returns can become markup or script.

/**
 * A child of {@link h}: a node, text, or nothing (`null`, `undefined`, `false` are skipped);
 * arrays are flattened.
 * @typedef {Node | string | number | boolean | null | undefined | ChildList} Child
 */

/** @typedef {ReadonlyArray<Child>} ChildList */

/**
 * Attributes of {@link h}: `on<event>` functions become listeners, `true` an empty attribute;
 * `null`, `undefined` and `false` leave the attribute out.
 * @typedef {Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>} Attributes
 */

/**
 * Creates an element: `h("td", { class: "num" }, "12")`.
 * @param {string} tag
 * @param {Attributes} [attributes]
 * @param {...Child} children
 * @returns {HTMLElement}
 */
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
  // flat(Infinity) leaves no array behind; its type over a recursive Child is too deep to infer.
  const flat = /** @type {Array<Exclude<Child, ChildList>>} */ (
    /** @type {unknown[]} */ (children).flat(Infinity)
  );
  for (const child of flat) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/**
 * A coloured label (`tone` picks the colour: ok, warn, bad, busy, muted).
 * @param {string} label
 * @param {string} tone
 */
export function pill(label, tone) {
  return h("span", { class: `pill pill-${tone}` }, label);
}

/**
 * A column of {@link table}: its header, and whether its cells are right-aligned numbers.
 * @typedef {{ label: string, numeric?: boolean }} Column
 */

/**
 * A table with a caption and column headers; `rows` are arrays of cells (nodes or text).
 * @param {string} caption
 * @param {Column[]} headers
 * @param {Child[][]} rows
 * @param {{ className?: string, captionHidden?: boolean, rowHeader?: boolean }} [options]
 */
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

/**
 * Makes the browser save `text` as a file.
 * @param {string} filename
 * @param {string} type MIME type
 * @param {string} text
 */
export function download(filename, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h("a", { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
