import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { authEnv, bridgeSettings, describeIssues, TOKEN_LIFETIME } from "../src/env.ts";

const schema = (secretRequired: "always" | "production" | "hs256") =>
  authEnv({ EXTRA: z.string().default("x") }, { secretRequired });

/** The configuration problems a start would print, or "" when it would start. */
function problems(
  source: Record<string, string>,
  secretRequired: "always" | "production" | "hs256" = "hs256",
): string {
  const parsed = schema(secretRequired).safeParse(source);
  return parsed.success ? "" : describeIssues(parsed.error);
}

const strongSecret = () => randomBytes(32).toString("base64");

describe("the bridge secret", () => {
  it("refuses a long but guessable secret in HS256 mode, saying how to make one", () => {
    const message = problems({
      JWT_MODE: "hs256",
      BETTER_AUTH_SECRET: "12345678901234567890123456789012",
    });
    expect(message).toMatch(/BETTER_AUTH_SECRET: is too easy to guess/);
    expect(message).toContain("openssl rand -base64 32");
  });

  it.each([
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "qwertyuiopasdfghjklzxcvbnmqwertyuiop",
    "passwordpasswordpasswordpassword",
  ])("refuses %s in HS256 mode", (secret) => {
    expect(problems({ JWT_MODE: "hs256", BETTER_AUTH_SECRET: secret })).toMatch(/too easy/);
  });

  it("accepts random bytes in HS256 mode, as base64 or hex", () => {
    expect(problems({ JWT_MODE: "hs256", BETTER_AUTH_SECRET: strongSecret() })).toBe("");
    expect(
      problems({ JWT_MODE: "hs256", BETTER_AUTH_SECRET: randomBytes(16).toString("hex") }),
    ).toBe("");
  });

  it("refuses a guessable secret in production in any mode", () => {
    const source = { NODE_ENV: "production", BETTER_AUTH_SECRET: "1".repeat(40) };
    expect(problems(source, "always")).toMatch(/too easy to guess/);
    expect(problems({ ...source, BETTER_AUTH_SECRET: strongSecret() }, "always")).toBe("");
  });

  it("lets development run with a long made-up secret in JWKS mode", () => {
    expect(problems({ BETTER_AUTH_SECRET: "1".repeat(40) }, "always")).toBe("");
  });

  it("is at least 32 characters wherever it is given", () => {
    expect(problems({ BETTER_AUTH_SECRET: "short" }, "production")).toMatch(
      /BETTER_AUTH_SECRET: must be at least 32 characters/,
    );
  });

  it("is required where the reader needs it, and only there", () => {
    expect(problems({ JWT_MODE: "hs256" }, "hs256")).toMatch(
      /BETTER_AUTH_SECRET: is required when JWT_MODE=hs256/,
    );
    expect(problems({}, "hs256")).toBe("");
    expect(problems({}, "always")).toMatch(/BETTER_AUTH_SECRET: is required/);
    expect(problems({}, "production")).toBe("");
    expect(problems({ NODE_ENV: "production" }, "production")).toMatch(
      /is required when NODE_ENV=production/,
    );
  });

  it("is reported together with every other wrong variable", () => {
    const message = problems({
      JWT_MODE: "hs256",
      BETTER_AUTH_URL: "not a url",
      JWT_LIFETIME_SECONDS: "7200",
    });
    expect(message).toMatch(/BETTER_AUTH_URL/);
    expect(message).toMatch(/JWT_LIFETIME_SECONDS/);
    expect(message).toMatch(/BETTER_AUTH_SECRET: is required/);
  });
});

describe("the token lifetime", () => {
  it("defaults to 15 minutes", () => {
    const env = schema("hs256").parse({});
    expect(bridgeSettings(env).jwtLifetimeSeconds).toBe(TOKEN_LIFETIME.default);
  });

  it("refuses a lifetime the task API would not honour, saying why", () => {
    expect(problems({ JWT_LIFETIME_SECONDS: "7200" })).toMatch(
      /JWT_LIFETIME_SECONDS: must be at most 3600 seconds: the task API refuses older tokens/,
    );
    expect(problems({ JWT_LIFETIME_SECONDS: "2" })).toMatch(/at least 5 seconds/);
    expect(problems({ JWT_LIFETIME_SECONDS: "soon" })).toMatch(/JWT_LIFETIME_SECONDS/);
  });
});

describe("what both ends derive", () => {
  it("takes the issuer and the audience from the origins", () => {
    const env = schema("hs256").parse({
      BETTER_AUTH_URL: "https://app.example.com/some/path",
      NEXT_PUBLIC_API_URL: "https://api.example.com/",
    });
    expect(bridgeSettings(env)).toMatchObject({
      issuer: "https://app.example.com",
      audience: "https://api.example.com",
      jwksUrl: "https://app.example.com/api/auth/jwks",
    });
  });

  it("uses JWT_AUDIENCE when set", () => {
    const env = schema("hs256").parse({ JWT_AUDIENCE: "taskbridge-api" });
    expect(bridgeSettings(env).audience).toBe("taskbridge-api");
  });
});
