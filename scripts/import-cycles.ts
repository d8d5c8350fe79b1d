/**
 * Finds import circles between the repository's TypeScript and JavaScript files: `node
 * scripts/import-cycles.ts [folder …]` (`npm run lint:imports`) prints every circle and every
 * import against the layers (`import-layers.ts`) and exits 1, or says there is none. A circle
 * makes the load order depend on which file happens to be imported first and hides which module
 * owns what, so none is allowed.
 *
 * An edge is a static `import`/`export … from` (type-only ones included: a type circle is still a
 * circle a reader has to untangle), an `import("…")` type, or a JSDoc `@import`. A dynamic
 * `import()` call is a deliberate lazy load (the dynamic providers use it, see docs/adr/0001) and
 * does not count. Specifiers resolve as Node resolves them here: relative paths, and the
 * repository's own package names through their `exports` maps; anything else is a dependency in
 * node_modules and has no edge.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { findLayerViolations, formatLayerViolations } from "./import-layers.ts";

/** One group of files that import each other. */
export interface ImportCycle {
  /** A shortest circle through the group's first file: import order, that file repeated last. */
  path: string[];
  /** Every file of the group (each reaches every other through imports), sorted. */
  files: string[];
}

/** What {@link findImportCycles} found. */
export interface ImportCycleReport {
  /** Files read, relative to the root, with `/` separators. */
  files: string[];
  /** One entry per group of files that import each other, sorted by first file. */
  cycles: ImportCycle[];
  /** Every edge: file → the files it imports (relative paths, `/` separators). */
  imports: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Options of {@link findImportCycles}. */
export interface FindImportCyclesOptions {
  /**
   * Folders (relative to `root`) whose files are read; edges leaving them are ignored.
   * @default ["."] (the whole root)
   */
  folders?: string[];
}

const SOURCE_FILE = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;
/** Folders that hold no source of ours: installed packages, caches, test output, Pulumi state. */
const SKIPPED_FOLDERS = new Set(["node_modules", "test-results", "coverage", "dist"]);

function listSources(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    // Dot folders are tool state (.git, .cache, .pulumi-state), never source.
    if (entry.name.startsWith(".")) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name)) found.push(...listSources(path));
    } else if (entry.isFile() && SOURCE_FILE.test(entry.name)) {
      found.push(path);
    }
  }
  return found;
}

interface PackageEntry {
  name: string;
  folder: string;
  exports: Record<string, string>;
}

/** The root package and its npm workspaces (`dir` or `dir/*` entries), with their exports maps. */
function readPackages(root: string): PackageEntry[] {
  const packages: PackageEntry[] = [];
  const read = (folder: string): string[] => {
    const file = join(folder, "package.json");
    if (!existsSync(file)) return [];
    const json = JSON.parse(readFileSync(file, "utf8")) as {
      name?: string;
      exports?: unknown;
      workspaces?: unknown;
    };
    if (typeof json.name === "string") {
      const exports: Record<string, string> = {};
      if (typeof json.exports === "string") exports["."] = json.exports;
      else if (json.exports !== null && typeof json.exports === "object") {
        for (const [key, target] of Object.entries(json.exports as Record<string, unknown>)) {
          const path = exportTarget(target);
          if (path !== undefined) exports[key] = path;
        }
      }
      packages.push({ name: json.name, folder, exports });
    }
    return Array.isArray(json.workspaces)
      ? json.workspaces.filter((entry): entry is string => typeof entry === "string")
      : [];
  };
  for (const workspace of read(root)) {
    if (workspace.endsWith("/*")) {
      const parent = join(root, workspace.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent, { withFileTypes: true })) {
        if (entry.isDirectory()) read(join(parent, entry.name));
      }
    } else {
      read(join(root, workspace));
    }
  }
  return packages;
}

/** The file an `exports` value points at for an ES module import (conditions in import order). */
function exportTarget(target: unknown): string | undefined {
  if (typeof target === "string") return target;
  if (target === null || typeof target !== "object") return undefined;
  const conditions = target as Record<string, unknown>;
  for (const condition of ["types", "import", "node", "default"]) {
    const path = exportTarget(conditions[condition]);
    if (path !== undefined) return path;
  }
  return undefined;
}

function resolvePackageImport(specifier: string, packages: PackageEntry[]): string | undefined {
  for (const entry of packages) {
    if (specifier !== entry.name && !specifier.startsWith(`${entry.name}/`)) continue;
    const subpath = `.${specifier.slice(entry.name.length)}`;
    const exact = entry.exports[subpath];
    if (exact !== undefined) return join(entry.folder, exact);
    for (const [key, target] of Object.entries(entry.exports)) {
      const star = key.indexOf("*");
      if (star < 0) continue;
      const prefix = key.slice(0, star);
      const suffix = key.slice(star + 1);
      if (subpath.startsWith(prefix) && subpath.endsWith(suffix)) {
        const middle = subpath.slice(prefix.length, subpath.length - suffix.length);
        return join(entry.folder, target.replace("*", middle));
      }
    }
  }
  return undefined;
}

/** The file a specifier names, or undefined for a package in node_modules or a missing file. */
function resolveSpecifier(
  from: string,
  specifier: string,
  packages: PackageEntry[],
): string | undefined {
  const base = specifier.startsWith(".")
    ? resolve(dirname(from), specifier)
    : resolvePackageImport(specifier, packages);
  if (base === undefined) return undefined;
  // TypeScript lets `./x.js` name `./x.ts`; extensionless paths may name a file or an index.
  const candidates = [base, base.replace(/\.([cm]?)js$/, ".$1ts"), `${base}.ts`, `${base}.js`];
  candidates.push(join(base, "index.ts"), join(base, "index.js"));
  return candidates.find((path) => existsSync(path) && statSync(path).isFile());
}

/** Every module specifier a file depends on at load or type-check time (not dynamic import()). */
function importedSpecifiers(path: string): string[] {
  const text = readFileSync(path, "utf8");
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const specifiers: string[] = [];
  const add = (node: ts.Node | undefined): void => {
    if (node !== undefined && ts.isStringLiteralLike(node)) specifiers.push(node.text);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference)
    ) {
      add(node.moduleReference.expression);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal);
    }
    for (const tag of ts.getJSDocTags(node)) {
      if (ts.isJSDocImportTag(tag)) add(tag.moduleSpecifier);
    }
    // JSDoc type expressions (`@type {import("./x.js").T}`) are children of the JSDoc nodes.
    for (const doc of (node as { jsDoc?: ts.Node[] }).jsDoc ?? []) ts.forEachChild(doc, visit);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

/** Groups of files that import each other (Tarjan's strongly connected components). */
function stronglyConnected(graph: Map<string, Set<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const connect = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      const selfLoop = group.length === 1 && (graph.get(node)?.has(node) ?? false);
      if (group.length > 1 || selfLoop) groups.push(group.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node);
  return groups.sort((a, b) => (a[0] ?? "").localeCompare(b[0] ?? ""));
}

/** The shortest circle from `start` back to itself inside `group` (breadth-first). */
function shortestCycle(graph: Map<string, Set<string>>, group: string[]): string[] {
  const members = new Set(group);
  const start = group[0] ?? "";
  const previous = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head += 1) {
    const node = queue[head] ?? "";
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at: string | undefined = node; at !== start && at !== undefined;) {
          path.push(at);
          at = previous.get(at);
        }
        return [start, ...path.slice(1).reverse(), start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

/**
 * Reads every source file under `folders` of `root` and returns the import circles between them.
 * @example
 * ```ts
 * const { cycles } = findImportCycles(process.cwd(), { folders: ["emulator"] });
 * // cycles: [{ path: ["emulator/a.ts", "emulator/b.ts", "emulator/a.ts"], files: [...] }]
 * ```
 */
export function findImportCycles(
  root: string,
  options: FindImportCyclesOptions = {},
): ImportCycleReport {
  const absoluteRoot = resolve(root);
  const packages = readPackages(absoluteRoot);
  const name = (path: string): string => relative(absoluteRoot, path).split(sep).join("/");
  const paths = (options.folders ?? ["."]).flatMap((folder) =>
    listSources(resolve(absoluteRoot, folder)),
  );
  const inScope = new Set(paths);
  const graph = new Map<string, Set<string>>();
  for (const path of paths) {
    const edges = new Set<string>();
    for (const specifier of importedSpecifiers(path)) {
      const target = resolveSpecifier(path, specifier, packages);
      if (target !== undefined && inScope.has(target)) edges.add(name(target));
    }
    graph.set(name(path), edges);
  }
  const cycles = stronglyConnected(graph).map((group) => ({
    path: shortestCycle(graph, group),
    files: group,
  }));
  return { files: [...graph.keys()].sort(), cycles, imports: graph };
}

/** The report as lines for a terminal. */
export function formatImportCycleReport(report: ImportCycleReport): string {
  if (report.cycles.length === 0) {
    return `No import cycles among ${report.files.length} files.`;
  }
  const lines = [`${report.cycles.length} import cycle(s) among ${report.files.length} files:`];
  for (const cycle of report.cycles) {
    lines.push(`  ${cycle.path.join(" → ")}`);
    // A group can be wider than its shortest circle: name every file a fix has to look at.
    const others = cycle.files.filter((file) => !cycle.path.includes(file));
    if (others.length > 0) lines.push(`    (same group: ${others.join(", ")})`);
  }
  return lines.join("\n");
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const folders = process.argv.slice(2);
  const report = findImportCycles(root, folders.length > 0 ? { folders } : {});
  const violations = findLayerViolations(report.imports);
  console.log(formatImportCycleReport(report));
  console.log(formatLayerViolations(violations));
  process.exitCode = report.cycles.length === 0 && violations.length === 0 ? 0 : 1;
}
