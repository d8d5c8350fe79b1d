// The page's hash routes as links: #/exports/<name>[/runs/<id>].

export function exportHref(name) {
  return `#/exports/${encodeURIComponent(name)}`;
}

export function runHref(name, runId) {
  return `${exportHref(name)}/runs/${encodeURIComponent(runId)}`;
}
