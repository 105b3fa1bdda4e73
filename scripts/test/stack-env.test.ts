import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseStackEnv, resolveAuthSecret, StartError } from "../lib/stack-env.ts";

describe("the auth secret at start", () => {
  it("is required in production", () => {
    expect(() => parseStackEnv({ NODE_ENV: "production" })).toThrow(
      /BETTER_AUTH_SECRET: is required when NODE_ENV=production/,
    );
  });

  it("must be at least 32 characters", () => {
    expect(() => parseStackEnv({ NODE_ENV: "production", BETTER_AUTH_SECRET: "short" })).toThrow(
      StartError,
    );
  });

  it("must not be guessable in production, and says how to make one", () => {
    expect(() =>
      parseStackEnv({ NODE_ENV: "production", BETTER_AUTH_SECRET: "s".repeat(40) }),
    ).toThrow(/too easy to guess.*openssl rand -base64 32/);
  });

  it("is taken as given when strong enough", async () => {
    const secret = randomBytes(32).toString("base64");
    const env = parseStackEnv({ NODE_ENV: "production", BETTER_AUTH_SECRET: secret });
    await expect(resolveAuthSecret(env)).resolves.toBe(secret);
  });

  it("refuses a token lifetime the task API would not honour", () => {
    expect(() => parseStackEnv({ JWT_LIFETIME_SECONDS: "7200" })).toThrow(
      /JWT_LIFETIME_SECONDS: must be at most 3600 seconds/,
    );
  });
});

describe("the local URLs", () => {
  it("follow the ports when they are not given", () => {
    const env = parseStackEnv({ WEB_PORT: "3001", API_PORT: "8001" });
    expect(env.BETTER_AUTH_URL).toBe("http://localhost:3001");
    expect(env.NEXT_PUBLIC_API_URL).toBe("http://localhost:8001");
  });

  it("are taken as given, whatever the ports", () => {
    const env = parseStackEnv({
      WEB_PORT: "3001",
      API_PORT: "8001",
      BETTER_AUTH_URL: "https://tasks.example.com",
      NEXT_PUBLIC_API_URL: "https://api.example.com",
    });
    expect(env.BETTER_AUTH_URL).toBe("https://tasks.example.com");
    expect(env.NEXT_PUBLIC_API_URL).toBe("https://api.example.com");
  });

  it("name a bad port as the port, not as a URL", () => {
    expect(() => parseStackEnv({ WEB_PORT: "web" })).toThrow(
      /^The configuration is invalid:\n {2}WEB_PORT: must be a port number$/,
    );
  });
});
