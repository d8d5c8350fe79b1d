import { describe, expect, it } from "vitest";
import { escapeMarkdown, renderPreviewMarkdown } from "./preview-markdown.ts";
import { summarisePreview } from "./preview-summary.ts";

const URN = "urn:pulumi:prod::shop::pulumi-nodejs:dynamic/ccx:SegmentExport::";

describe("escapeMarkdown", () => {
  const cases: Array<[string, string]> = [
    ["newsletter", "newsletter"],
    ["<img src=x onerror=alert(1)>", "&lt;img src\\=x onerror\\=alert\\(1\\)&gt;"],
    ["[click](https://evil.example)", "\\[click\\]\\(https\\://evil\\.example\\)"],
    ["a|b", "a\\|b"],
    ["line\n# heading", "line \\# heading"],
    ["@org/team **bold** `code`", "\\@org/team \\*\\*bold\\*\\* \\`code\\`"],
    ["&amp;", "&amp;amp;"],
  ];
  for (const [input, output] of cases) {
    it(`escapes ${JSON.stringify(input)}`, () => expect(escapeMarkdown(input)).toBe(output));
  }
});

describe("renderPreviewMarkdown", () => {
  it("keeps a crafted export name and message inert", () => {
    const name = "x | <script>alert(1)</script>\n## owned [link](http://e.example)";
    const summary = summarisePreview({
      steps: [
        {
          op: "create",
          urn: `${URN}${name}`,
          newState: { inputs: { plan: { adds: 1, removals: 0 } } },
        },
      ],
      diagnostics: [{ severity: "error", message: "error: <b>boom</b>\n| injected |" }],
    });
    const markdown = renderPreviewMarkdown(summary);
    expect(markdown).not.toContain("<script>");
    expect(markdown).not.toContain("<b>");
    expect(markdown).not.toMatch(/^## owned/m);
    expect(markdown).not.toContain("](http");
    // The table keeps its nine cell borders: the name added none.
    const row = markdown.split("\n").find((line) => line.includes("script"));
    expect(row?.replace(/\\\|/g, "").split("|")).toHaveLength(10);
  });

  it("shows the headline, one row per export, and a guard trip's reason", () => {
    const markdown = renderPreviewMarkdown(
      summarisePreview({
        steps: [
          {
            op: "update",
            urn: `${URN}news`,
            oldState: { inputs: { segments: ["a"] } },
            newState: {
              inputs: {
                segments: ["b"],
                plan: { adds: 1200, updates: 3, removals: 20, suppressed: 5, requests: 7 },
              },
            },
          },
        ],
        diagnostics: [
          {
            severity: "error",
            urn: `${URN}vip`,
            message:
              "error: r resource 'vip': property guards value {<nil>} has a problem: over maxRemovePercent 10\n",
          },
        ],
      }),
    );
    expect(markdown.split("\n")[0]).toBe(
      "## ccx data plan: 2 exports change; 1 would remove 20 members; 1 blocked by a guard",
    );
    expect(markdown).toContain("| news | update | 1,200 | 3 | 20 | 5 | 7 | pass |");
    expect(markdown).toContain("| vip | blocked | – | – | – | – | – | **blocked** |");
    expect(markdown).toContain('- segments: \\["a"\\] → \\["b"\\]');
    expect(markdown).toContain("> **Guard would trip:** over maxRemovePercent 10");
  });
});
