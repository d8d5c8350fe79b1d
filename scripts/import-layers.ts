/**
 * The layers of ccx as import rules (DESIGN §4): dependency direction points inward. The HTTP
 * layer (`api/`) sits on top of everything else in the reconciler, so nothing below it imports
 * it; the contract is shared from `contract/`; `core/` is pure logic and imports no adapter; the
 * provider package never imports reconciler internals. `npm run lint:imports` checks every edge.
 */

/** One rule: files under `from` must not import files under any of `mayNotImport`. */
export interface LayerRule {
  from: string;
  mayNotImport: readonly string[];
  /** Why, for the report. */
  because: string;
}

const RECONCILER = "reconciler/src/";
/** Everything of the reconciler below its HTTP layer (and beside it: the CLI talks over HTTP). */
const BELOW_API = [
  "store",
  "export",
  "scheduler",
  "runs",
  "core",
  "ctct",
  "sources",
  "snapshots",
  "secrets",
  "adapters",
  "auth",
];
/** Folders of the reconciler that do I/O, which pure logic must not reach. */
const ADAPTERS = ["store", "ctct", "sources", "snapshots", "secrets", "adapters", "api", "cli"];

export const LAYER_RULES: readonly LayerRule[] = [
  ...BELOW_API.map((folder) => ({
    from: `${RECONCILER}${folder}/`,
    mayNotImport: [`${RECONCILER}api/`],
    because: "nothing below the HTTP layer imports it; shared types live in contract/",
  })),
  {
    from: `${RECONCILER}core/`,
    mayNotImport: [
      ...ADAPTERS.map((folder) => `${RECONCILER}${folder}/`),
      `${RECONCILER}export/`,
      `${RECONCILER}scheduler/`,
    ],
    because: "core/ is pure logic: it imports nothing that does I/O",
  },
  {
    from: "provider/",
    mayNotImport: ["reconciler/", "emulator/"],
    because: "the provider package shares only the contract with the reconciler",
  },
  {
    from: "contract/",
    mayNotImport: ["reconciler/", "provider/", "emulator/"],
    because: "the contract is the bottom layer both packages compile in",
  },
];

/** An import that breaks a rule. */
export interface LayerViolation {
  file: string;
  imports: string;
  because: string;
}

/** Every edge of `imports` (file → files it imports) that breaks one of `rules`. */
export function findLayerViolations(
  imports: ReadonlyMap<string, ReadonlySet<string>>,
  rules: readonly LayerRule[] = LAYER_RULES,
): LayerViolation[] {
  const violations: LayerViolation[] = [];
  for (const [file, targets] of [...imports].sort(([a], [b]) => a.localeCompare(b))) {
    for (const rule of rules) {
      if (!file.startsWith(rule.from)) continue;
      for (const target of [...targets].sort()) {
        if (rule.mayNotImport.some((forbidden) => target.startsWith(forbidden))) {
          violations.push({ file, imports: target, because: rule.because });
        }
      }
    }
  }
  return violations;
}

/** The violations as lines for a terminal. */
export function formatLayerViolations(violations: readonly LayerViolation[]): string {
  if (violations.length === 0) return "No import crosses a layer.";
  return [
    `${violations.length} import(s) across a layer:`,
    ...violations.map((v) => `  ${v.file} → ${v.imports} (${v.because})`),
  ].join("\n");
}
