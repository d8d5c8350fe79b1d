import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findImportCycles } from "./import-cycles.ts";
import { findLayerViolations, formatLayerViolations, LAYER_RULES } from "./import-layers.ts";

const graph = (edges: Record<string, string[]>) =>
  new Map(Object.entries(edges).map(([file, targets]) => [file, new Set(targets)]));

describe("findLayerViolations", () => {
  const cases: Array<{ name: string; edges: Record<string, string[]>; found: string[] }> = [
    {
      name: "the store importing the HTTP layer",
      edges: { "reconciler/src/store/store.ts": ["reconciler/src/api/schemas.ts"] },
      found: ["reconciler/src/store/store.ts → reconciler/src/api/schemas.ts"],
    },
    {
      name: "the pipeline and the scheduler importing it",
      edges: {
        "reconciler/src/export/run-export.ts": ["reconciler/src/api/exports.ts"],
        "reconciler/src/scheduler/run-worker.ts": ["reconciler/src/api/runs.ts"],
      },
      found: [
        "reconciler/src/export/run-export.ts → reconciler/src/api/exports.ts",
        "reconciler/src/scheduler/run-worker.ts → reconciler/src/api/runs.ts",
      ],
    },
    {
      name: "pure logic reaching an adapter",
      edges: { "reconciler/src/core/plan.ts": ["reconciler/src/ctct/client.ts"] },
      found: ["reconciler/src/core/plan.ts → reconciler/src/ctct/client.ts"],
    },
    {
      name: "the provider reaching into the reconciler",
      edges: { "provider/segment-export.ts": ["reconciler/src/store/store.ts"] },
      found: ["provider/segment-export.ts → reconciler/src/store/store.ts"],
    },
    {
      name: "imports that point inward",
      edges: {
        "reconciler/src/api/runs.ts": ["reconciler/src/store/run-store.ts", "contract/run.ts"],
        "reconciler/src/export/run-export.ts": ["reconciler/src/core/diff.ts"],
        "provider/segment-export.ts": ["contract/export.ts"],
      },
      found: [],
    },
  ];
  for (const { name, edges, found } of cases) {
    it(name, () => {
      const violations = findLayerViolations(graph(edges));
      expect(violations.map((v) => `${v.file} → ${v.imports}`)).toEqual(found);
    });
  }

  it("says what is wrong and why", () => {
    const text = formatLayerViolations(
      findLayerViolations(graph({ "reconciler/src/store/a.ts": ["reconciler/src/api/b.ts"] })),
    );
    expect(text).toContain("1 import(s) across a layer");
    expect(text).toContain("nothing below the HTTP layer imports it");
    expect(formatLayerViolations([])).toBe("No import crosses a layer.");
  });

  it("finds none in this repository", () => {
    const root = fileURLToPath(new URL("..", import.meta.url));
    const { imports } = findImportCycles(root, {
      folders: ["contract", "provider", "reconciler"],
    });
    expect(imports.size).toBeGreaterThan(100);
    expect(findLayerViolations(imports, LAYER_RULES)).toEqual([]);
  });
});
