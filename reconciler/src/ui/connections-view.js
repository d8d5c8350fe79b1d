// Connections (#/connections), for admins: account, status, sharing, consent; never a secret.

/** @import { Connection } from "./api-types.ts" */

import { h, pill, table } from "./dom.js";
import { exportHref } from "./links.js";
import { formatTime } from "./format.js";

/**
 * Connections, for admins: account, status, sharing, consent; never a secret.
 * @param {Connection[]} connections
 */
export function connectionsView(connections) {
  return h(
    "section",
    { "aria-labelledby": "connections-title" },
    h("h1", { id: "connections-title", tabindex: "-1" }, "Connections"),
    connections.length === 0
      ? h("p", { class: "empty" }, "No connections yet.")
      : h(
          "div",
          { class: "table-wrap" },
          table(
            "Connections to Constant Contact",
            [
              { label: "Name" },
              { label: "Organisation" },
              { label: "Status" },
              { label: "Shared with" },
              { label: "Consent" },
              { label: "Exports" },
            ],
            connections.map((connection) => [
              h(
                "span",
                {},
                connection.name,
                h("br"),
                h("span", { class: "muted" }, connection.displayName ?? ""),
              ),
              h(
                "span",
                {},
                connection.organizationName ?? "–",
                h("br"),
                h("span", { class: "muted mono" }, connection.accountId ?? ""),
              ),
              connection.status
                ? pill(connection.status, connection.status === "connected" ? "ok" : "bad")
                : "–",
              connection.sharing === "contributors" ? "admins and contributors" : "admins only",
              connection.consent
                ? `${connection.consent.statementVersion}, by ${connection.consent.acceptedBy}, ${formatTime(connection.consent.acceptedAt)}`
                : "–",
              (connection.exports ?? []).length === 0
                ? "none"
                : h(
                    "span",
                    {},
                    (connection.exports ?? []).flatMap((name, index) => [
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
