// The page's hash routes as links: #/exports/<name>[/runs/<id>].

/**
 * The page of one export.
 * @param {string} name
 */
export function exportHref(name) {
  return `#/exports/${encodeURIComponent(name)}`;
}

/**
 * The page of one run of an export.
 * @param {string} name
 * @param {string} runId
 */
export function runHref(name, runId) {
  return `${exportHref(name)}/runs/${encodeURIComponent(runId)}`;
}
