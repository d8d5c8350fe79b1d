/**
 * PKCE (RFC 7636, S256) on the emulator's auth host, strictly as the real one checks it: a code
 * issued for a challenge is exchanged only with the verifier that hashes to it, and a bad
 * challenge is refused at the consent page.
 */
import { createHash, randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { fetch } from "undici";
import { consent, record, startFixture, tokenRequest } from "./emulator-support.ts";
import type { EmulatorFixture } from "./emulator-support.ts";

let fixture: EmulatorFixture | undefined;
afterEach(async () => {
  await fixture?.emulator.close();
  fixture = undefined;
});

const REDIRECT = "http://localhost/callback";
const SCOPE = "contact_data offline_access";

function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

async function codeFor(f: EmulatorFixture, challenge?: string): Promise<string> {
  return consent(
    f.emulator,
    f.clientId,
    f.accountId,
    SCOPE,
    REDIRECT,
    challenge === undefined ? {} : { code_challenge: challenge, code_challenge_method: "S256" },
  );
}

function exchange(f: EmulatorFixture, code: string, verifier?: string) {
  return tokenRequest(f.emulator, f.clientId, f.clientSecret, {
    grant_type: "authorization_code",
    code,
    redirect_uri: REDIRECT,
    ...(verifier === undefined ? {} : { code_verifier: verifier }),
  });
}

describe("PKCE on the emulator's auth host", () => {
  it("exchanges a code issued for a challenge only with its verifier", async () => {
    const f = (fixture = await startFixture({ rateLimits: false }));
    const { verifier, challenge } = pkcePair();

    const good = await exchange(f, await codeFor(f, challenge), verifier);
    expect(good.status).toBe(200);
    expect(typeof record(good.body).refresh_token).toBe("string");

    const missing = await exchange(f, await codeFor(f, challenge));
    expect(missing.status).toBe(400);
    expect(record(missing.body).error).toBe("invalid_grant");

    const other = pkcePair();
    const wrongCode = await codeFor(f, challenge);
    const wrong = await exchange(f, wrongCode, other.verifier);
    expect(wrong.status).toBe(400);
    expect(record(wrong.body).error).toBe("invalid_grant");
    // A failed verification spends the code, as every failed exchange does.
    expect((await exchange(f, wrongCode, verifier)).status).toBe(400);

    const unasked = await exchange(f, await codeFor(f), verifier);
    expect(unasked.status).toBe(400);
    expect(record(unasked.body).error).toBe("invalid_request");

    // Without PKCE on either side, the plain code grant still works.
    expect((await exchange(f, await codeFor(f))).status).toBe(200);
  });

  it("refuses a plain or malformed challenge at the consent page with invalid_request", async () => {
    const f = (fixture = await startFixture({ rateLimits: false }));
    for (const [challenge, method] of [
      [pkcePair().challenge, "plain"],
      ["too-short", "S256"],
    ] as const) {
      const query = new URLSearchParams({
        client_id: f.clientId,
        redirect_uri: REDIRECT,
        response_type: "code",
        scope: SCOPE,
        state: "s1",
        code_challenge: challenge,
        code_challenge_method: method,
      });
      const page = await fetch(`${f.emulator.authorizeUrl}?${query.toString()}`, {
        redirect: "manual",
      });
      expect(page.status).toBe(302);
      const location = new URL(page.headers.get("location") ?? "");
      expect(location.searchParams.get("error")).toBe("invalid_request");
      expect(location.searchParams.get("state")).toBe("s1");
    }
  });
});
