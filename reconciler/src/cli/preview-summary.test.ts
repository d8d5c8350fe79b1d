import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ccxKindOf, parseUrn, PreviewFormatError, summarisePreview } from "./preview-summary.ts";

// Real `pulumi preview --json` output of test/e2e/fixtures/review-stack, with the serialized
// providers, timestamps and source positions left out.
const fixture = async (name: string): Promise<unknown> =>
  JSON.parse(await readFile(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));

// vitest types asymmetric matchers as `any`.
const notPlanned = expect.stringMatching(
  /^not planned: connection 'marketing' does not exist/,
) as unknown;

const URN = "urn:pulumi:prod::shop::pulumi-nodejs:dynamic/ccx:SegmentExport::";

describe("summarisePreview over real previews", () => {
  const cases = [
    {
      file: "preview-first-create.json",
      headline: "2 exports change",
      exports: [
        {
          name: "newsletter",
          operation: "create",
          planNote: notPlanned,
        },
        { name: "vip", operation: "create", planNote: notPlanned },
      ],
      connections: [{ name: "marketing", operation: "create" }],
      totals: { exportsChanged: 2, removals: 0, guardTrips: 0, errors: 0 },
    },
    {
      file: "preview-change.json",
      headline: "3 exports change; 1 would remove 3,000 members",
      exports: [
        {
          name: "newsletter",
          operation: "update",
          definition: [
            { property: "segments", before: '["customers"]', after: '["customers-active"]' },
          ],
          plan: { adds: 0, updates: 0, removals: 3000, suppressed: 0, requests: 25, profiles: 400 },
          guardTrips: [],
        },
        {
          name: "vip",
          operation: "update",
          definition: [{ property: "onDelete", after: '"remove-members"' }],
          plan: { adds: 0, removals: 0 },
        },
        { name: "welcome", operation: "create", plan: { adds: 50, removals: 0, requests: 5 } },
      ],
      connections: [],
      totals: { exportsChanged: 3, removals: 3000, exportsRemoving: 1, guardTrips: 0, errors: 0 },
    },
    {
      file: "preview-guard-trip.json",
      headline: "2 exports change; 1 would remove 3,000 members; 1 blocked by a guard",
      exports: [
        { name: "newsletter", operation: "update", plan: { removals: 3000 } },
        {
          name: "vip",
          operation: "blocked",
          guardTrips: [
            "the run would remove 50 of 100 synced contacts (50 %), over maxRemovePercent 10; check the segments, or raise the guard if this is intended",
          ],
          errors: [],
        },
      ],
      connections: [],
      totals: { exportsChanged: 2, removals: 3000, guardTrips: 1, errors: 0 },
    },
  ];

  for (const { file, headline, exports, connections, totals } of cases) {
    it(`summarises ${file}`, async () => {
      const summary = summarisePreview(await fixture(file));
      expect(summary.headline).toBe(headline);
      expect(summary.exports).toMatchObject(exports);
      expect(summary.exports).toHaveLength(exports.length);
      expect(summary.connections).toEqual(connections);
      expect(summary.totals).toMatchObject(totals);
    });
  }
});

describe("summarisePreview over hand-made previews", () => {
  const cases: Array<{
    title: string;
    document: unknown;
    headline: string;
    check?: (s: ReturnType<typeof summarisePreview>) => void;
  }> = [
    { title: "an empty preview", document: { steps: [] }, headline: "No export changes" },
    {
      title: "unchanged exports and other resources are left out",
      document: {
        steps: [
          { op: "same", urn: `${URN}kept` },
          { op: "update", urn: "urn:pulumi:prod::shop::aws:s3/bucket:Bucket::b" },
        ],
      },
      headline: "No export changes",
    },
    {
      title: "a delete that empties its list",
      document: {
        steps: [
          { op: "delete", urn: `${URN}old`, oldState: { inputs: { onDelete: "remove-members" } } },
        ],
      },
      headline: "1 export changes; 1 deleted with onDelete: remove-members",
      check: (s) =>
        expect(s.exports[0]).toMatchObject({ operation: "delete", onDelete: "remove-members" }),
    },
    {
      title: "a replacement reported as several steps is one export",
      document: {
        steps: [
          {
            op: "create-replacement",
            urn: `${URN}renamed`,
            newState: { inputs: { name: "b", plan: { adds: 1, removals: 2 } } },
          },
          {
            op: "replace",
            urn: `${URN}renamed`,
            newState: { inputs: { name: "b", plan: { adds: 1, removals: 2 } } },
          },
          { op: "delete-replaced", urn: `${URN}renamed`, oldState: { inputs: { name: "a" } } },
        ],
      },
      headline: "1 export changes; 1 would remove 2 members",
      check: (s) =>
        expect(s.exports).toMatchObject([{ operation: "replace", plan: { adds: 1, removals: 2 } }]),
    },
    {
      title: "errors that belong to no export are listed, other check failures per export",
      document: {
        diagnostics: [
          { severity: "error", message: "error: Running program failed\n" },
          { severity: "warning", message: "warning: ignored" },
          {
            severity: "error",
            urn: `${URN}bad`,
            message:
              "error: x resource 'bad': property mappings.email value {<nil>} has a problem: required\n",
          },
        ],
      },
      headline: "1 export changes; 2 errors",
      check: (s) => {
        expect(s.errors).toEqual(["Running program failed"]);
        expect(s.exports).toMatchObject([{ name: "bad", errors: ["required"], guardTrips: [] }]);
      },
    },
    {
      title: "secrets, deep values and counts of the wrong type are not trusted",
      document: {
        steps: [
          {
            op: "update",
            urn: `${URN}odd`,
            oldState: {
              inputs: {
                source: {
                  "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                  value: "x",
                },
              },
            },
            newState: {
              inputs: { source: [[[[[["deep"]]]]]], plan: { adds: -1, removals: "many" } },
            },
          },
        ],
      },
      headline: "1 export changes",
      check: (s) => {
        expect(s.exports[0]?.definition).toEqual([
          { property: "source", before: "[secret]", after: "[[[[…]]]]" },
        ]);
        expect(s.exports[0]?.plan).toBeUndefined();
        expect(s.exports[0]?.planNote).toBe("plan unreadable");
      },
    },
  ];
  for (const { title, document, headline, check } of cases) {
    it(title, () => {
      const summary = summarisePreview(document);
      expect(summary.headline).toBe(headline);
      check?.(summary);
    });
  }

  it("rejects what is not preview output, saying where", () => {
    for (const document of [
      null,
      [],
      "steps",
      { steps: {} },
      { steps: [{ op: 1, urn: "u" }] },
      { diagnostics: [{ message: 7 }] },
    ]) {
      expect(() => summarisePreview(document)).toThrow(PreviewFormatError);
    }
    expect(() => summarisePreview({ steps: [{ urn: "u" }] })).toThrow(/steps\.0\.op/);
  });
});

describe("resource types and URNs", () => {
  it("recognises ccx resources by type token only", () => {
    expect(ccxKindOf("pulumi-nodejs:dynamic/ccx:SegmentExport")).toBe("SegmentExport");
    expect(ccxKindOf("ccx:index:SegmentSource")).toBe("SegmentSource");
    expect(ccxKindOf("pulumi-nodejs:dynamic:Resource")).toBeUndefined();
    expect(ccxKindOf("pulumi-nodejs:dynamic/other:SegmentExport")).toBeUndefined();
  });
  it("takes the last parent type and keeps '::' in names", () => {
    expect(
      parseUrn("urn:pulumi:s::p::my:Component$pulumi-nodejs:dynamic/ccx:SegmentExport::a::b"),
    ).toEqual({
      type: "pulumi-nodejs:dynamic/ccx:SegmentExport",
      name: "a::b",
    });
    expect(parseUrn("not-a-urn")).toBeUndefined();
  });
});
