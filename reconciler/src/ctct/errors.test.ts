import { describe, expect, it } from "vitest";
import { AppError } from "../core/errors.ts";
import {
  CtctActivityError,
  CtctApiError,
  CtctReauthorizationNeededError,
  errorFromResponse,
  parseErrorBody,
  redactPersonalData,
} from "./errors.ts";
import type { CtctErrorEntry } from "./errors.ts";

describe("parseErrorBody (CONTRACT §3)", () => {
  const cases: Array<[string, string, CtctErrorEntry[]]> = [
    [
      "array body",
      '[{"error_key":"contacts.api.validation.error","error_message":"list_ids is required"}]',
      [{ errorKey: "contacts.api.validation.error", errorMessage: "list_ids is required" }],
    ],
    [
      "object body (401)",
      '{"error_key":"unauthorized","error_message":"Unauthorized"}',
      [{ errorKey: "unauthorized", errorMessage: "Unauthorized" }],
    ],
    [
      "object body (429 quota)",
      '{"error_key":"quota_exceeded","error_message":"Limit Exceeded"}',
      [{ errorKey: "quota_exceeded", errorMessage: "Limit Exceeded" }],
    ],
    [
      "token endpoint body",
      '{"error":"invalid_grant","error_description":"The refresh token is invalid."}',
      [{ errorKey: "invalid_grant", errorMessage: "The refresh token is invalid." }],
    ],
    ["HTML 503", "<html><body>Service Unavailable</body></html>", []],
    ["empty body", "", []],
    ["JSON without keys", '{"status":"down"}', []],
    ["JSON scalar", "42", []],
    [
      "array with several entries and junk",
      '[{"error_key":"a","error_message":"m1"},null,"x",{"error_key":"b"}]',
      [
        { errorKey: "a", errorMessage: "m1" },
        { errorKey: "b", errorMessage: undefined },
      ],
    ],
  ];
  it.each(cases)("%s", (_name, body, expected) => {
    expect(parseErrorBody(body)).toEqual(expected);
  });
});

describe("errorFromResponse", () => {
  const cases: Array<[number, string, string, boolean]> = [
    [
      400,
      '[{"error_key":"contacts.api.validation.error","error_message":"bad"}]',
      "CTCT_BAD_REQUEST",
      false,
    ],
    [
      401,
      '{"error_key":"unauthorized","error_message":"Unauthorized"}',
      "CTCT_UNAUTHORIZED",
      false,
    ],
    [403, "[]", "CTCT_FORBIDDEN", false],
    [404, '[{"error_key":"contacts.api.not_found"}]', "CTCT_NOT_FOUND", false],
    [409, '[{"error_key":"contacts.api.conflict"}]', "CTCT_CONFLICT", false],
    [415, "", "CTCT_UNSUPPORTED_MEDIA_TYPE", false],
    [
      429,
      '{"error_key":"throttled","error_message":"Too Many Requests"}',
      "CTCT_RATE_LIMITED",
      true,
    ],
    [
      429,
      '{"error_key":"quota_exceeded","error_message":"Limit Exceeded"}',
      "CTCT_QUOTA_EXCEEDED",
      false,
    ],
    [429, '{"error_key":"too_many_queued_activities"}', "CTCT_QUEUE_FULL", true],
    [500, "oops", "CTCT_SERVER_ERROR", true],
    [503, "<html>down</html>", "CTCT_SERVER_ERROR", true],
  ];
  it.each(cases)("HTTP %i %s → %s", (status, body, code, retryable) => {
    const error = errorFromResponse("get_list", status, body, "req-123");
    expect(error).toBeInstanceOf(CtctApiError);
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.requestId).toBe("req-123");
    expect(error.retryable).toBe(retryable);
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.message).toContain("req-123");
  });

  it("never repeats an e-mail address from the server's message", () => {
    const error = errorFromResponse(
      "contacts_json_import",
      400,
      '[{"error_key":"contacts.api.validation.error","error_message":"email ann.lee+x@example.com is invalid"}]',
      undefined,
    );
    expect(error.message).not.toContain("ann.lee");
    expect(error.message).toContain("<email>");
    expect(error.errorKey).toBe("contacts.api.validation.error");
  });
});

describe("typed errors", () => {
  it("re-authorisation says what to do", () => {
    const error = new CtctReauthorizationNeededError({ errorKey: "invalid_grant" });
    expect(error.code).toBe("CTCT_REAUTHORIZATION_NEEDED");
    expect(error.message).toBe(
      "the refresh token was rejected; run `ccx connect` and update the connection",
    );
  });

  const activityCases: Array<["failed" | "timed_out" | "cancelled", string]> = [
    ["failed", "CTCT_ACTIVITY_FAILED"],
    ["timed_out", "CTCT_ACTIVITY_TIMED_OUT"],
    ["cancelled", "CTCT_ACTIVITY_CANCELLED"],
  ];
  it.each(activityCases)(
    "an activity ending %s has code %s and keeps its errors",
    (state, code) => {
      const error = new CtctActivityError("act-1", state, ["row 3: bob@example.com is bad", "x"]);
      expect(error.code).toBe(code);
      expect(error.activityErrors).toEqual(["row 3: <email> is bad", "x"]);
      expect(error.message).not.toContain("bob@example.com");
    },
  );

  const redactCases: Array<[string, string]> = [
    ["no address here", "no address here"],
    ["a@b.co", "<email>"],
    ["Contact <x.y@z.example>, again", "Contact <<email>>, again"],
  ];
  it.each(redactCases)("redacts %j", (input, output) => {
    expect(redactPersonalData(input)).toBe(output);
  });
});
