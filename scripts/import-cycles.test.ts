import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { findImportCycles, formatImportCycleReport } from "./import-cycles.ts";

const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "ccx-import-cycles-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes a tiny project (path → text) into its own folder and returns that folder. */
function project(name: string, files: Record<string, string>): string {
  const root = join(scratch, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("findImportCycles", () => {
  const cases: Array<{ name: string; files: Record<string, string>; paths: string[][] }> = [
    {
      name: "a circle of three value imports",
      files: {
        "a.ts": 'import { b } from "./b.ts";\nexport const a = b;\n',
        "b.ts": 'import { c } from "./c.ts";\nexport const b = c;\n',
        "c.ts": 'import { a } from "./a.ts";\nexport const c = () => a;\n',
      },
      paths: [["a.ts", "b.ts", "c.ts", "a.ts"]],
    },
    {
      name: "a circle of type-only imports and re-exports",
      files: {
        "one.ts": 'import type { Two } from "./two.ts";\nexport type One = Two[];\n',
        "two.ts": 'export type { One as Two } from "./one.ts";\n',
      },
      paths: [["one.ts", "two.ts", "one.ts"]],
    },
    {
      name: "browser modules whose circle goes through a JSDoc @import",
      files: {
        "ui/view.js": '/** @import { Model } from "./model.js" */\nexport const view = 1;\n',
        "ui/model.js": 'import { view } from "./view.js";\nexport const model = view;\n',
      },
      paths: [["ui/model.js", "ui/view.js", "ui/model.js"]],
    },
    {
      name: "a circle through the package's own name and its exports map",
      files: {
        "package.json": JSON.stringify({ name: "fixture", exports: { "./lib/*": "./lib/*.ts" } }),
        "lib/left.ts": 'import { right } from "fixture/lib/right";\nexport const left = right;\n',
        "lib/right.ts": 'import type { left } from "../lib/left.ts";\nexport const right = 1;\n',
      },
      paths: [["lib/left.ts", "lib/right.ts", "lib/left.ts"]],
    },
    {
      name: "a `.js` specifier that names a `.ts` file",
      files: {
        "x.ts": 'import { y } from "./y.js";\nexport const x = y;\n',
        "y.ts": 'import { x } from "./x.js";\nexport const y = () => x;\n',
      },
      paths: [["x.ts", "y.ts", "x.ts"]],
    },
    {
      name: "a lazy dynamic import() and installed packages (no circle)",
      files: {
        "lazy.ts": 'export const load = () => import("./eager.ts");\n',
        "eager.ts":
          'import { load } from "./lazy.ts";\nimport { z } from "zod";\nexport { load, z };\n',
      },
      paths: [],
    },
    {
      name: "a chain without a way back (no circle)",
      files: {
        "top.ts": 'import { mid } from "./mid.ts";\nexport const top = mid;\n',
        "mid.ts": 'import { low } from "./low.ts";\nexport const mid = low;\n',
        "low.ts": "export const low = 1;\n",
      },
      paths: [],
    },
  ];

  for (const { name, files, paths } of cases) {
    it(`reports ${name}`, () => {
      const report = findImportCycles(project(name.replace(/\W+/g, "-"), files));
      expect(report.cycles.map((cycle) => cycle.path)).toEqual(paths);
    });
  }

  it("names every file of a group wider than its shortest circle", () => {
    const root = project("wide-group", {
      "hub.ts": 'import "./spoke-a.ts";\nimport "./spoke-b.ts";\n',
      "spoke-a.ts": 'import "./hub.ts";\n',
      "spoke-b.ts": 'import "./spoke-a.ts";\n',
    });
    const report = findImportCycles(root);
    expect(report.cycles).toEqual([
      { path: ["hub.ts", "spoke-a.ts", "hub.ts"], files: ["hub.ts", "spoke-a.ts", "spoke-b.ts"] },
    ]);
    expect(formatImportCycleReport(report)).toBe(
      "1 import cycle(s) among 3 files:\n  hub.ts → spoke-a.ts → hub.ts\n    (same group: spoke-b.ts)",
    );
  });

  it("ignores edges that leave the folders it was asked about", () => {
    const root = project("scoped", {
      "inside/a.ts": 'import "../outside/b.ts";\n',
      "outside/b.ts": 'import "../inside/a.ts";\n',
    });
    expect(findImportCycles(root).cycles).toHaveLength(1);
    expect(findImportCycles(root, { folders: ["inside"] }).cycles).toEqual([]);
  });

  it("finds no circle in the emulator or the status page", () => {
    const report = findImportCycles(repositoryRoot, { folders: ["emulator", "reconciler/src/ui"] });
    // The walk really read both folders (a wrong path would find nothing and pass).
    expect(report.files).toContain("emulator/server.ts");
    expect(report.files).toContain("reconciler/src/ui/app.js");
    expect(formatImportCycleReport(report)).toBe(
      `No import cycles among ${report.files.length} files.`,
    );
  });
});
