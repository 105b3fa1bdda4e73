import { describe, expect, it } from "vitest";
import { decideWindow, SIGN_IN_LIMITS, slowDownMs } from "../src/sign-in-limits.ts";
import { forwardedFor, parseTrustedProxies } from "../src/client-address.ts";

describe("the fixed window", () => {
  const limits = { max: 3, windowMs: 60_000 };
  const start = 1_000_000;

  it("starts a window on the first attempt and counts up to the limit", () => {
    expect(decideWindow(undefined, start, limits)).toEqual({ action: "create" });
    expect(decideWindow({ count: 1, lastRequest: start }, start + 10, limits)).toEqual({
      action: "count",
    });
    expect(decideWindow({ count: 2, lastRequest: start }, start + 59_999, limits)).toEqual({
      action: "count",
    });
  });

  it("refuses at the limit until the window ends, saying how long to wait", () => {
    expect(decideWindow({ count: 3, lastRequest: start }, start + 1, limits)).toEqual({
      action: "refuse",
      retryAfterSeconds: 60,
    });
    expect(decideWindow({ count: 3, lastRequest: start }, start + 59_500, limits)).toEqual({
      action: "refuse",
      retryAfterSeconds: 1,
    });
  });

  it("starts a new window once the old one is over, whatever its count", () => {
    expect(decideWindow({ count: 3, lastRequest: start }, start + 60_000, limits)).toEqual({
      action: "restart",
    });
    expect(decideWindow({ count: 99, lastRequest: start }, start + 600_000, limits)).toEqual({
      action: "restart",
    });
  });
});

describe("slowing down guesses at one account", () => {
  const { freeFailures, firstDelayMs, maxDelayMs } = SIGN_IN_LIMITS.perAccount;

  it("does not wait within the free failures, then doubles up to a few seconds", () => {
    expect(slowDownMs(0)).toBe(0);
    expect(slowDownMs(freeFailures - 1)).toBe(0);
    expect(slowDownMs(freeFailures)).toBe(firstDelayMs);
    expect(slowDownMs(freeFailures + 1)).toBe(firstDelayMs * 2);
    expect(slowDownMs(freeFailures + 100)).toBe(maxDelayMs);
    expect(maxDelayMs).toBeLessThanOrEqual(5000);
  });
});

describe("the client address handed to Better Auth", () => {
  it("is the socket's alone when no proxy is trusted", () => {
    expect(forwardedFor("203.0.113.9", "192.0.2.1", [])).toBe("192.0.2.1");
    expect(forwardedFor(["1.1.1.1", "2.2.2.2"], "192.0.2.1", [])).toBe("192.0.2.1");
    expect(forwardedFor(undefined, "::1", [])).toBe("::1");
  });

  it("appends the socket's address after what proxies forwarded", () => {
    expect(forwardedFor("203.0.113.9", "10.0.0.1", ["10.0.0.1"])).toBe("203.0.113.9, 10.0.0.1");
    expect(forwardedFor(undefined, "10.0.0.1", ["10.0.0.1"])).toBe("10.0.0.1");
    expect(forwardedFor("203.0.113.9", undefined, ["10.0.0.1"])).toBeUndefined();
  });

  it("reads TRUSTED_PROXIES as a comma-separated list", () => {
    expect(parseTrustedProxies(" 127.0.0.1, ::1 ,,10.0.0.0/8")).toEqual([
      "127.0.0.1",
      "::1",
      "10.0.0.0/8",
    ]);
    expect(parseTrustedProxies(undefined)).toEqual([]);
  });
});
