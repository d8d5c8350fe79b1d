/**
 * What a `pulumi preview --json` document says about ccx: per export, the definition change, its
 * data plan (the `plan` property the provider puts into the checked inputs) and the guards'
 * verdicts, plus one headline for the whole change. The document is untrusted input (it comes
 * from a pull request's stack), so every field is checked and unexpected shapes are errors.
 *
 * Resources are recognised by their type token only (`…ccx:SegmentExport`), never by the shape of
 * their inputs, so a new input (a source by name, say) shows up as a definition change unchanged.
 */
import { z } from "zod";

/** A property of the definition that the change sets, alters or removes. */
export interface PropertyChange {
  property: string;
  /** A short rendering of the old value; absent when the property is new. */
  before?: string;
  /** A short rendering of the new value; absent when the property is removed. */
  after?: string;
}

/** The data plan of one export, as the provider computed it during the preview. */
export interface PlanCounts {
  adds?: number;
  updates?: number;
  removals?: number;
  suppressed?: number;
  requests?: number;
  profiles?: number;
}

/** One export that the change touches. */
export interface ExportChange {
  /** The resource name (from the URN). */
  name: string;
  operation: "create" | "update" | "replace" | "delete" | "blocked";
  definition: PropertyChange[];
  plan?: PlanCounts;
  /** Why there is no plan (e.g. the connection is created by the same change). */
  planNote?: string;
  /** Guards that the change would trip, with their reasons: the preview fails on them. */
  guardTrips: string[];
  /** Other check failures of this export. */
  errors: string[];
  /** For a delete: what happens to the list's members. */
  onDelete?: string;
}

/** The summary of a whole preview. */
export interface PreviewSummary {
  headline: string;
  exports: ExportChange[];
  /** Connections created, changed or deleted, by name. */
  connections: Array<{ name: string; operation: string }>;
  /** Errors of the preview that belong to no export (program errors, policy violations). */
  errors: string[];
  totals: {
    exportsChanged: number;
    removals: number;
    exportsRemoving: number;
    guardTrips: number;
    errors: number;
  };
}

/** The preview document is not what `pulumi preview --json` prints. */
export class PreviewFormatError extends Error {
  override readonly name = "PreviewFormatError";
}

const StateSchema = z
  .object({ type: z.string().optional(), inputs: z.record(z.string(), z.unknown()).optional() })
  .loose();

const StepSchema = z
  .object({
    op: z.string().max(100),
    urn: z.string().max(10_000),
    oldState: StateSchema.nullish(),
    newState: StateSchema.nullish(),
  })
  .loose();

const DiagnosticSchema = z
  .object({
    urn: z.string().max(10_000).optional(),
    message: z.string().max(1_000_000).optional(),
    severity: z.string().max(100).optional(),
  })
  .loose();

const PreviewSchema = z
  .object({
    steps: z.array(StepSchema).max(1_000_000).optional(),
    diagnostics: z.array(DiagnosticSchema).max(1_000_000).optional(),
  })
  .loose();

type Step = z.infer<typeof StepSchema>;
type Diagnostic = z.infer<typeof DiagnosticSchema>;

/** The ccx resource kind in a type token: the dynamic provider's or a resource plugin's. */
export function ccxKindOf(type: string): string | undefined {
  const match = /^(?:pulumi-nodejs:dynamic\/ccx|ccx:index):([A-Za-z]+)$/.exec(type);
  return match?.[1];
}

/** Type token and resource name of a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function parseUrn(urn: string): { type: string; name: string } | undefined {
  const parts = urn.split("::");
  if (parts.length < 4 || !parts[0]?.startsWith("urn:pulumi:")) return undefined;
  // A child resource's type is prefixed by its parents' types, joined by `$`.
  const type = (parts[2] ?? "").split("$").at(-1) ?? "";
  return { type, name: parts.slice(3).join("::") };
}

// Inputs that are not part of the definition: the serialized provider, the plan itself, and the
// stack that declares the export (for the audit log).
const NOT_DEFINITION = new Set(["__provider", "plan", "caller"]);

// Pulumi marks secret values with this signature key (sdk/go/common/resource/sig).
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** A value rendered in at most `budget` characters, nested values cut off, secrets hidden. */
export function describeValue(value: unknown, budget = 120): string {
  const text = render(value, 4);
  return text.length <= budget ? text : `${text.slice(0, budget - 1)}…`;
}

function render(value: unknown, depth: number): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string")
    return JSON.stringify(value.length > 200 ? value.slice(0, 200) : value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (depth === 0) return "…";
  if (Array.isArray(value)) {
    const items = value.slice(0, 20).map((item) => render(item, depth - 1));
    return `[${items.join(", ")}${value.length > 20 ? ", …" : ""}]`;
  }
  if (typeof value === "object") {
    if (SECRET_SIG in value) return "[secret]";
    const entries = Object.entries(value).slice(0, 20);
    return `{ ${entries.map(([key, item]) => `${key}: ${render(item, depth - 1)}`).join(", ")} }`;
  }
  return "?";
}

function definitionChanges(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
): PropertyChange[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const changes: PropertyChange[] = [];
  for (const property of [...keys].sort()) {
    if (NOT_DEFINITION.has(property)) continue;
    const old = before?.[property];
    const next = after?.[property];
    const oldText = old === undefined ? undefined : describeValue(old);
    const newText = next === undefined ? undefined : describeValue(next);
    // Compare whole values, not their (cut-off) renderings.
    if (before !== undefined && after !== undefined && sameValue(old, next)) continue;
    changes.push({
      property,
      ...(oldText === undefined ? {} : { before: oldText }),
      ...(newText === undefined ? {} : { after: newText }),
    });
  }
  return changes;
}

function sameValue(a: unknown, b: unknown): boolean {
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    // Too deep to serialize: treat as changed, so the reviewer looks.
    return false;
  }
}

const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const PlanSchema = z
  .object({
    summary: z.string().max(100_000).optional(),
    adds: count.optional(),
    updates: count.optional(),
    removals: count.optional(),
    suppressed: count.optional(),
    requests: count.optional(),
    profiles: count.optional(),
  })
  .loose();

function planOfInputs(inputs: Record<string, unknown> | undefined): {
  plan?: PlanCounts;
  planNote?: string;
} {
  const parsed = PlanSchema.safeParse(inputs?.["plan"]);
  if (!parsed.success) return inputs?.["plan"] === undefined ? {} : { planNote: "plan unreadable" };
  const { summary, ...counts } = parsed.data;
  const plan: PlanCounts = {};
  for (const key of [
    "adds",
    "updates",
    "removals",
    "suppressed",
    "requests",
    "profiles",
  ] as const) {
    if (counts[key] !== undefined) plan[key] = counts[key];
  }
  if (Object.keys(plan).length > 0) return { plan };
  return summary === undefined ? {} : { planNote: summary };
}

const OPERATIONS: Record<string, ExportChange["operation"]> = {
  create: "create",
  update: "update",
  delete: "delete",
  replace: "replace",
  "create-replacement": "replace",
  "delete-replaced": "replace",
};

/** One line per error, without Pulumi's `error: <type> resource '<name>': ` prefix. */
function messageOf(diagnostic: Diagnostic): string {
  const text = (diagnostic.message ?? "").replace(/^error:\s*/, "").trim();
  const problem = /has a problem: ([\s\S]*)$/.exec(text);
  return (problem?.[1] ?? text).replace(/\s+/g, " ").trim();
}

/** Pulumi reports a check failure as `property <name> value … has a problem: <reason>`. */
function isGuardFailure(diagnostic: Diagnostic): boolean {
  return /\bproperty guards(\.\S+)? value\b/.test(diagnostic.message ?? "");
}

const number = new Intl.NumberFormat("en-US");

/** Parses and summarises a `pulumi preview --json` document (already parsed from JSON). */
export function summarisePreview(document: unknown): PreviewSummary {
  const parsed = PreviewSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where =
      issue === undefined || issue.path.length === 0 ? "the document" : issue.path.join(".");
    throw new PreviewFormatError(
      `not the output of \`pulumi preview --json\`: ${where}: ${issue?.message ?? "unexpected shape"}`,
    );
  }
  const exports = new Map<string, ExportChange>();
  const connections = new Map<string, string>();
  const errors: string[] = [];

  for (const step of parsed.data.steps ?? []) addStep(step, exports, connections);

  for (const diagnostic of parsed.data.diagnostics ?? []) {
    if (diagnostic.severity !== "error") continue;
    const resource = diagnostic.urn === undefined ? undefined : parseUrn(diagnostic.urn);
    if (resource === undefined || ccxKindOf(resource.type) !== "SegmentExport") {
      errors.push(messageOf(diagnostic));
      continue;
    }
    // A failed check stops the step, so the export may have no step at all.
    const change = exports.get(resource.name) ?? {
      name: resource.name,
      operation: "blocked" as const,
      definition: [],
      guardTrips: [],
      errors: [],
    };
    exports.set(resource.name, change);
    (isGuardFailure(diagnostic) ? change.guardTrips : change.errors).push(messageOf(diagnostic));
  }

  const list = [...exports.values()].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const removing = list.filter((change) => (change.plan?.removals ?? 0) > 0);
  const totals = {
    exportsChanged: list.length,
    removals: removing.reduce((sum, change) => sum + (change.plan?.removals ?? 0), 0),
    exportsRemoving: removing.length,
    guardTrips: list.filter((change) => change.guardTrips.length > 0).length,
    errors: errors.length + list.filter((change) => change.errors.length > 0).length,
  };
  return {
    headline: headlineOf(totals, list),
    exports: list,
    connections: [...connections.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, operation]) => ({ name, operation })),
    errors,
    totals,
  };
}

function addStep(step: Step, exports: Map<string, ExportChange>, connections: Map<string, string>) {
  const resource = parseUrn(step.urn);
  const operation = OPERATIONS[step.op];
  if (resource === undefined || operation === undefined) return;
  const kind = ccxKindOf(resource.type);
  if (kind === "ConstantContactConnection") {
    connections.set(resource.name, operation);
    return;
  }
  if (kind !== "SegmentExport") return;
  const before = step.oldState?.inputs ?? undefined;
  const after = operation === "delete" ? undefined : (step.newState?.inputs ?? undefined);
  // A replacement comes as several steps for one URN; the first with new inputs describes it.
  const known = exports.get(resource.name);
  if (known !== undefined && (known.plan !== undefined || after === undefined)) return;
  const onDelete = before?.["onDelete"];
  exports.set(resource.name, {
    name: resource.name,
    operation: known === undefined ? operation : "replace",
    definition: definitionChanges(before, after),
    ...(after === undefined ? {} : planOfInputs(after)),
    guardTrips: [],
    errors: [],
    ...(operation === "delete"
      ? { onDelete: typeof onDelete === "string" ? onDelete.slice(0, 100) : "keep-members" }
      : {}),
  });
}

function headlineOf(totals: PreviewSummary["totals"], exports: ExportChange[]): string {
  if (totals.exportsChanged === 0 && totals.errors === 0) return "No export changes";
  const parts = [
    totals.exportsChanged === 1
      ? "1 export changes"
      : `${number.format(totals.exportsChanged)} exports change`,
  ];
  if (totals.exportsRemoving > 0) {
    parts.push(
      `${number.format(totals.exportsRemoving)} would remove ${number.format(totals.removals)} ${totals.removals === 1 ? "member" : "members"}`,
    );
  }
  const emptied = exports.filter(
    (change) => change.operation === "delete" && change.onDelete === "remove-members",
  ).length;
  if (emptied > 0) parts.push(`${number.format(emptied)} deleted with onDelete: remove-members`);
  if (totals.guardTrips > 0) {
    parts.push(`${number.format(totals.guardTrips)} blocked by a guard`);
  }
  if (totals.errors > 0) {
    parts.push(`${number.format(totals.errors)} ${totals.errors === 1 ? "error" : "errors"}`);
  }
  return parts.join("; ");
}
