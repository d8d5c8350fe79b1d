import { describe, expect, it } from "vitest";
import { AppError } from "./errors.ts";
import { decideConsent, type RecordedConsent } from "./consent.ts";

const now = new Date("2026-11-23T12:00:00.000Z");
const recorded: RecordedConsent = {
  accepted: true,
  statementVersion: "2026-01",
  acceptedBy: "ada@example.com",
  acceptedAt: "2026-11-01T00:00:00.000Z",
  accountId: "acc-1",
};
const same = {
  accepted: true as const,
  statementVersion: "2026-01",
  acceptedBy: "ada@example.com",
};

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    return error instanceof AppError ? error.code : "not an AppError";
  }
  return undefined;
}

describe("decideConsent", () => {
  it.each([
    {
      name: "first agreement",
      previous: undefined,
      requested: same,
      account: "acc-1",
      isNew: true,
    },
    {
      name: "repeated identical agreement",
      previous: recorded,
      requested: same,
      account: "acc-1",
      isNew: false,
    },
    {
      name: "new statement version",
      previous: recorded,
      requested: { ...same, statementVersion: "2026-02" },
      account: "acc-1",
      isNew: true,
    },
    {
      name: "other account, agreed again for it",
      previous: recorded,
      requested: { ...same, accountId: "acc-2" },
      account: "acc-2",
      isNew: true,
    },
  ])("$name", ({ previous, requested, account, isNew }) => {
    const decision = decideConsent(previous, requested, account, now);
    expect(decision.isNew).toBe(isNew);
    expect(decision.consent.accountId).toBe(account);
    expect(decision.consent.acceptedAt).toBe(isNew ? now.toISOString() : recorded.acceptedAt);
  });

  it("requires a new agreement when the account behind the credentials changes", () => {
    expect(codeOf(() => decideConsent(recorded, same, "acc-2", now))).toBe(
      "CONSENT_RENEWAL_REQUIRED",
    );
  });

  it("refuses an agreement for another account than the credentials'", () => {
    expect(
      codeOf(() => decideConsent(undefined, { ...same, accountId: "acc-9" }, "acc-1", now)),
    ).toBe("VALIDATION_FAILED");
  });
});
