// Segment sources, for admins (on the connections page): where each source reads, who may use it,
// which exports read it. Never a connection string: the API does not return one.

/** @import { SegmentSource } from "./api-types.ts" */

import { h, table } from "./dom.js";
import { exportHref } from "./links.js";

/**
 * Where a source's data lives, in words.
 * @param {SegmentSource} source
 */
function whereOf(source) {
  if (source.path !== undefined) return source.path;
  if (source.accountUrl !== undefined) {
    return `${source.accountUrl}/${source.container ?? ""}${source.prefix ? `/${source.prefix}` : ""}`;
  }
  if (source.table !== undefined) {
    return `table ${source.table.name}, segment column ${source.table.segmentColumn}`;
  }
  const segments = Object.keys(source.queries ?? {});
  return `${segments.length} queries: ${segments.join(", ")}`;
}

/**
 * Segment sources, for admins.
 * @param {SegmentSource[]} sources
 */
export function sourcesView(sources) {
  return h(
    "section",
    { "aria-labelledby": "sources-title" },
    h("h2", { id: "sources-title" }, "Segment sources"),
    sources.length === 0
      ? h("p", { class: "empty" }, "No segment sources yet.")
      : h(
          "div",
          { class: "table-wrap" },
          table(
            "Segment sources",
            [
              { label: "Name" },
              { label: "Type" },
              { label: "Reads" },
              { label: "Shared with" },
              { label: "Exports" },
            ],
            sources.map((source) => [
              h(
                "span",
                {},
                source.name,
                h("br"),
                h("span", { class: "muted" }, source.description ?? ""),
              ),
              source.type,
              h("span", { class: "mono" }, whereOf(source)),
              source.sharing === "contributors" ? "admins and contributors" : "admins only",
              (source.exports ?? []).length === 0
                ? "none"
                : h(
                    "span",
                    {},
                    (source.exports ?? []).flatMap((name, index) => [
                      index > 0 ? ", " : "",
                      h("a", { href: exportHref(name) }, name),
                    ]),
                  ),
            ]),
            { rowHeader: true, captionHidden: true },
          ),
        ),
  );
}
