import { describe, expect, it } from "vitest";
import { checkCurrentConsent } from "./current-consent.ts";
import { bucket, connectionResource, exportResource } from "./test-resources.ts";

describe("ccx-current-consent-statement", () => {
  const consent = (statementVersion?: string) =>
    connectionResource({
      consent: { accepted: true, statementVersion, acceptedBy: "ada@contoso.com" },
    });

  it("passes a connection that agreed to the current statement", () => {
    expect(checkCurrentConsent(consent("2026-01"), { statementVersion: "2026-01" })).toEqual([]);
  });
  it("fails an older statement and says what to set", () => {
    expect(checkCurrentConsent(consent("2025-06"), { statementVersion: "2026-01" })).toEqual([
      "connection 'marketing' records consent to statement version '2025-06', but the current statement is '2026-01'; have an admin read it and set consent.statementVersion to '2026-01' with their acceptedBy",
    ]);
  });
  it("fails a connection with no recorded version", () => {
    expect(checkCurrentConsent(connectionResource({}), { statementVersion: "2026-01" })).toEqual([
      expect.stringContaining("statement version 'none'") as unknown,
    ]);
  });
  it("checks nothing until the current version is configured", () => {
    expect(checkCurrentConsent(consent("2020-01"))).toEqual([]);
  });
  it("ignores exports and other resources", () => {
    for (const resource of [exportResource({ consent: {} }), bucket]) {
      expect(checkCurrentConsent(resource, { statementVersion: "2026-01" })).toEqual([]);
    }
  });
});
