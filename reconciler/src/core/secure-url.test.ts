import { describe, expect, it } from "vitest";
import { insecureUrlProblem, isLoopbackHost } from "./secure-url.ts";

describe("endpoints that carry credentials", () => {
  it.each([
    "https://api.cc.email/v3",
    "https://ccx.example.com:8443",
    "http://127.0.0.1:8080",
    "http://127.4.5.6/v3",
    "http://localhost:5555/callback",
    "http://emulator.localhost:1",
    "http://[::1]:8080",
  ])("accepts %s", (url) => {
    expect(insecureUrlProblem(url)).toBeUndefined();
  });

  it.each([
    ["http://api.cc.email/v3", /https/],
    ["http://10.0.0.5:8080", /https.*10\.0\.0\.5/],
    ["http://127.0.0.1.example.com", /https/],
    ["http://localhost.example.com", /https/],
    ["ftp://127.0.0.1/", /https/],
    ["not a url", /absolute URL/],
  ])("refuses %s", (url, reason) => {
    expect(insecureUrlProblem(url)).toMatch(reason);
  });

  it("knows loopback host names", () => {
    expect(isLoopbackHost("LOCALHOST")).toBe(true);
    expect(isLoopbackHost("[::1]")).toBe(true);
    expect(isLoopbackHost("128.0.0.1")).toBe(false);
    expect(isLoopbackHost("0.0.0.0")).toBe(false);
  });
});
