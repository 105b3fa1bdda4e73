import { describe, expect, it } from "vitest";
import { resolveAuthSecret, StartError, type StackEnv } from "../lib/stack-env.ts";

const base: StackEnv = {
  EMBEDDED_PG_PORT: 54329,
  BETTER_AUTH_URL: "http://localhost:3000",
  WEB_PORT: 3000,
  API_PORT: 8000,
  HOST: "127.0.0.1",
  NEXT_PUBLIC_API_URL: "http://localhost:8000",
};

describe("the auth secret at start", () => {
  it("is required in production", async () => {
    await expect(resolveAuthSecret({ ...base, NODE_ENV: "production" })).rejects.toThrow(
      /BETTER_AUTH_SECRET is required when NODE_ENV=production/,
    );
  });

  it("must be at least 32 characters", async () => {
    await expect(
      resolveAuthSecret({ ...base, NODE_ENV: "production", BETTER_AUTH_SECRET: "short" }),
    ).rejects.toBeInstanceOf(StartError);
  });

  it("is taken as given when long enough", async () => {
    const secret = "s".repeat(40);
    await expect(
      resolveAuthSecret({ ...base, NODE_ENV: "production", BETTER_AUTH_SECRET: secret }),
    ).resolves.toBe(secret);
  });
});
