/**
 * The status page in a real browser: Debian's chromium, headless, driven by playwright-core,
 * against a real reconciler exporting a files source into the emulator. An admin signs in, sees
 * the export, runs it, watches the progress reach done and sees the counts; a viewer sees no
 * Run button. Screenshots land in test-results/ui/ (ignored by git).
 */
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStatusHarness, type StatusHarness } from "../support/status-harness.ts";

/** Debian's chromium (`scripts/chromium.sh` installs it); CCX_CHROMIUM points elsewhere. */
const CHROMIUM = process.env["CCX_CHROMIUM"] ?? "/usr/bin/chromium";
const artifacts = join(fileURLToPath(new URL("../../", import.meta.url)), "test-results", "ui");

let harness: StatusHarness;
let browser: Browser;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no chromium at ${CHROMIUM}; run scripts/chromium.sh or set CCX_CHROMIUM`);
  }
  await mkdir(artifacts, { recursive: true });
  [harness, browser] = await Promise.all([
    startStatusHarness({ profiles: 300, guardedExport: true }),
    // --no-sandbox: CI containers run as root, where chromium's sandbox cannot start.
    chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] }),
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

async function signedIn(token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(`${harness.url}/ui`);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: "Exports" }).waitFor();
  return page;
}

/** The exports table as text, row by row and cell by cell. */
async function exportRows(page: Page): Promise<string[][]> {
  const rows = await page.locator("table.data tbody tr").all();
  return Promise.all(
    rows.map(async (row) =>
      (await row.locator("th, td").allTextContents()).map((text) => text.trim()),
    ),
  );
}

describe("status page", () => {
  it("refuses a wrong token with a clear message and keeps the token out of the page", async () => {
    const page = await browser.newPage();
    await page.goto(`${harness.url}/ui`);
    await page.getByLabel("API token").fill("ccx_wrong-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect
      .poll(() => page.getByRole("alert").first().textContent())
      .toContain("That token was not accepted");
    expect(await page.content()).not.toContain("ccx_wrong-token");
    await page.close();
  });

  it("lets an admin run the export, watch its progress reach done and see the counts", async () => {
    const page = await signedIn(harness.tokens.admin);
    expect(await exportRows(page)).toEqual([
      [
        harness.guardedExportName,
        "newsletter",
        "never run",
        "on demand only",
        "never",
        "–",
        "view, run, cancel, change",
      ],
      [
        harness.exportName,
        "newsletter",
        "never run",
        "cron 0 3 * * * (Europe/Berlin)",
        "never",
        "–",
        "view, run, cancel, change",
      ],
    ]);
    await page.getByRole("link", { name: harness.exportName }).click();
    await page.getByRole("heading", { level: 1, name: harness.exportName }).waitFor();
    await page.getByRole("button", { name: "Run now" }).click();

    // The aria-live region narrates the run: progress while it works, then the outcome.
    const live = page.locator("#live-progress[aria-live=polite]");
    const seen: string[] = [];
    await expect
      .poll(
        async () => {
          const text = ((await live.textContent()) ?? "").trim();
          if (text !== "" && seen.at(-1) !== text) seen.push(text);
          return text;
        },
        { timeout: 60_000, interval: 100 },
      )
      .toMatch(/^Run [0-9a-f]{8} succeeded/);
    const progress = seen.filter((text) => / rows read · /.test(text));
    // At least two distinct states of the running run (it polls every second while active).
    expect(new Set(progress).size).toBeGreaterThanOrEqual(2);
    expect(seen.at(-1)).toMatch(/succeeded: \+300 ~0 −0 of 301 read$/);
    // While it ran, the Run button gave way to Cancel; now Run is back.
    await page.getByRole("button", { name: "Run now" }).waitFor();

    const counts = page.getByTestId("counts").first();
    await expect.poll(() => counts.textContent()).toContain("Added300");
    expect(await counts.textContent()).toContain("Read301");
    expect(await counts.textContent()).toContain("Invalid1");
    const history = page.locator("table.data").first();
    expect(await history.textContent()).toContain("succeeded");
    await page.screenshot({ path: join(artifacts, "status-page.png"), fullPage: true });

    // The run's own page: counts, cause, guards, row errors.
    await history.getByRole("link").first().click();
    const detail = page.locator(".run-detail");
    await detail.waitFor();
    expect(await detail.textContent()).toContain("requested by bootstrap-admin");
    expect(await detail.textContent()).toContain("1 row had an invalid e-mail");
    await page.screenshot({ path: join(artifacts, "run-detail.png"), fullPage: true });

    // The list now shows the refresh and its counts.
    await page.getByRole("link", { name: "Exports", exact: true }).first().click();
    await page.getByRole("heading", { level: 1, name: "Exports" }).waitFor();
    const row = (await exportRows(page)).find((cells) => cells[0] === harness.exportName);
    expect(row?.[2]).toBe("succeeded");
    expect(row?.[4]).toMatch(/ago|just now/);
    expect(row?.[5]).toBe("+300 ~0 −0 of 301 read");
    await page.context().close();
  }, 120_000);

  it("reports list drift, and a run a guard paused with the guard's verdict", async () => {
    // Someone adds a contact to the list by hand in Constant Contact.
    harness.emulator.seedContact(harness.accountId, {
      email: "added-by-hand@example.org",
      permission: "explicit",
      listIds: [harness.listId],
    });
    const page = await signedIn(harness.tokens.admin);
    await page.goto(`${harness.url}/ui#/exports/${harness.exportName}`);
    await page.getByRole("button", { name: "Run now" }).click();
    const live = page.locator("#live-progress");
    await expect
      .poll(async () => (await live.textContent()) ?? "", { timeout: 60_000, interval: 100 })
      .toMatch(/^Run [0-9a-f]{8} succeeded/);
    await page.locator("table.data").first().getByRole("link").first().click();
    await expect
      .poll(() => page.getByTestId("drift").textContent())
      .toContain("The list has 301 members where this export synced 300 (+1)");

    const guarded = harness.guardedExportName ?? "";
    await page.goto(`${harness.url}/ui#/exports/${guarded}`);
    await page.getByRole("heading", { level: 1, name: guarded }).waitFor();
    await page.getByRole("button", { name: "Run now" }).click();
    await expect
      .poll(async () => (await live.textContent()) ?? "", { timeout: 60_000, interval: 100 })
      .toMatch(/^Run [0-9a-f]{8} was paused by a guard/);
    expect(await live.textContent()).toContain("EXPORT_GUARD_TRIPPED");
    await page.locator("table.data").first().getByRole("link").first().click();
    const verdicts = page.locator(".run-detail table");
    await verdicts.waitFor();
    const rows = await exportRows(page);
    const maxAdds = rows.find((row) => row[0] === "maxAdds");
    expect(maxAdds?.slice(0, 4)).toEqual(["maxAdds", "tripped", "10", "300"]);

    await page.getByRole("link", { name: "Exports", exact: true }).first().click();
    await page.getByRole("heading", { level: 1, name: "Exports" }).waitFor();
    const statuses: Record<string, string | undefined> = {};
    for (const row of await exportRows(page)) statuses[row[0] ?? ""] = row[2];
    expect(statuses).toEqual({
      [harness.exportName]: "succeededlist drift",
      [guarded]: "paused by a guard",
    });
    await page.screenshot({ path: join(artifacts, "guard-and-drift.png"), fullPage: true });
    await page.context().close();
  }, 120_000);

  it("lets an admin cancel a run; the Cancel button gives way once asked", async () => {
    const page = await signedIn(harness.tokens.admin);
    await page.goto(`${harness.url}/ui#/exports/${harness.exportName}`);
    await page.getByRole("button", { name: "Run now" }).click();
    // The keyboard stays where it was: on the button that replaced Run now.
    await expect.poll(() => page.evaluate("document.activeElement?.id")).toBe("cancel-run");
    await page.getByRole("button", { name: "Cancel run" }).click();
    // A short run may end before the request arrives; the page says which happened.
    await page
      .getByText(/^(Asked run [0-9a-f]{8} to stop|Run [0-9a-f]{8} had already finished)\.$/)
      .waitFor();
    expect(await page.getByRole("button", { name: "Cancel run" }).count()).toBe(0);
    const live = page.locator("#live-progress");
    // A queued run is cancelled at once; a running one stops after the chunk in flight, which
    // may be its last.
    await expect
      .poll(async () => (await live.textContent()) ?? "", { timeout: 60_000, interval: 100 })
      .toMatch(/^Run [0-9a-f]{8} (cancelled|succeeded)/);
    await page.getByRole("button", { name: "Run now" }).waitFor();
    await page.context().close();
  }, 120_000);

  it("shows a viewer the export and its runs but no Run button and no connections", async () => {
    const page = await signedIn(harness.tokens.viewer);
    const rows = await exportRows(page);
    expect(rows.map((row) => row[6])).toEqual(["view", "view"]);
    expect(await page.getByRole("link", { name: "Connections" }).isVisible()).toBe(false);
    await page.getByRole("link", { name: harness.exportName }).click();
    await page.getByRole("heading", { level: 1, name: harness.exportName }).waitFor();
    await page.getByText("Your role may view this export but not run it.").waitFor();
    expect(await page.getByRole("button", { name: "Run now" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Cancel run" }).count()).toBe(0);
    expect(await page.locator("table.data tbody tr").count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(artifacts, "viewer.png"), fullPage: true });
    await page.context().close();
  });

  it("shows admins the connection with its consent, and never a secret", async () => {
    const page = await signedIn(harness.tokens.admin);
    await page.getByRole("link", { name: "Connections" }).click();
    await page.getByRole("heading", { level: 1, name: "Connections" }).waitFor();
    const text = (await page.locator("main").textContent()) ?? "";
    expect(text).toContain("Contoso Marketing");
    expect(text).toContain("2026-01, by ada@example.com");
    expect(text).toContain("admins and contributors");
    // The segment source beside it: where it reads and which export reads it.
    await page.getByRole("heading", { level: 2, name: "Segment sources" }).waitFor();
    const sources =
      (await page.locator("section[aria-labelledby=sources-title]").textContent()) ?? "";
    expect(sources).toContain("crm");
    expect(sources).toContain("Customer Insights segment files");
    expect(sources).toContain(harness.exportName);
    const html = await page.content();
    for (const secret of harness.secrets) expect(html.includes(secret)).toBe(false);
    await page.context().close();
  });

  it("previews a plan, even for a viewer, with its row errors downloadable as CSV", async () => {
    const page = await signedIn(harness.tokens.viewer);
    await page.goto(`${harness.url}/ui#/exports/${harness.exportName}`);
    await page.getByRole("button", { name: "Preview plan" }).click();
    const plan = page.getByTestId("plan");
    await plan.getByRole("heading", { name: "Plan: what a run now would do" }).waitFor();
    const text = (await plan.textContent()) ?? "";
    expect(text).toContain("Profiles300");
    expect(text).toContain("Invalid rows1");
    const errors = await plan.locator("table.row-errors tbody tr").all();
    expect(errors).toHaveLength(1);
    expect(await errors[0]?.locator("td").allTextContents()).toEqual([
      "high-value",
      "301",
      "email",
      expect.any(String),
      expect.stringContaining("mail") as string,
    ]);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      plan.getByRole("button", { name: "Download CSV" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${harness.exportName}-plan-row-errors.csv`);
    const path = join(artifacts, download.suggestedFilename());
    await download.saveAs(path);
    const csv = await readFile(path, "utf8");
    expect(csv.split("\r\n")[0]).toBe("segment,row,field,reason,message");
    expect(csv).toMatch(/^high-value,301,email,/m);
    expect(csv).not.toContain("not-an-email");
    await page.screenshot({ path: join(artifacts, "plan.png"), fullPage: true });
    await page.context().close();
  }, 60_000);

  it("writes row errors as CSV that a spreadsheet cannot execute", async () => {
    const page = await browser.newPage();
    await page.goto(`${harness.url}/ui`);
    // A string, so the test runner's transform leaves the browser's import() alone.
    const csv = await page.evaluate<string>(`(async () => {
      const format = await import("/ui/format.js");
      const errors = format.rowErrorsOf({
        rejectedSamples: [
          { chunk: 0, row: 7, email: "a***@example.com", reason: "=HYPERLINK(1)" },
          { chunk: 1, row: 12, email: "b***@example.com", reason: 'bad, "quoted"' },
        ],
      });
      return format.rowErrorsToCsv(errors);
    })()`);
    expect(csv).toBe(
      "chunk,row,email,reason\r\n" +
        "0,7,a***@example.com,'=HYPERLINK(1)\r\n" +
        '1,12,b***@example.com,"bad, ""quoted"""\r\n',
    );
    await page.close();
  });

  it("ran without script errors", () => {
    expect(pageErrors).toEqual([]);
  });
});
