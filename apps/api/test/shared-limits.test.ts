// Rate limits over real HTTP: `/mcp`'s per-user limit shared by two copies through Redis like
// `/api`'s, requests refused for their token limited per client address, and `/mcp`'s CORS.
import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { TEST_AUDIENCE, type TestIssuer } from "./support/issuer.ts";
import { listen } from "./support/http.ts";
import { connectedUser } from "./support/mcp.ts";

const database = await useTestDatabase();
const API_ENV = { NEXT_PUBLIC_API_URL: TEST_AUDIENCE };
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

async function redisAvailable(url: string): Promise<boolean> {
  const { Redis } = await import("ioredis");
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** An address of its own for each test, so counts in Redis from other runs never meet it. */
const someAddress = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

const mcpCall = (origin: string, headers: Record<string, string>) =>
  fetch(`${origin}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });

/** Two copies of the API on one database, one issuer and (when given) one Redis. */
async function twoCopies(env: Record<string, string>) {
  const first = await buildTestApp({ databaseUrl: database.url, env: { ...API_ENV, ...env } });
  if (!first.issuer) throw new Error("no issuer");
  const second = await buildTestApp({
    databaseUrl: database.url,
    issuer: first.issuer,
    env: { ...API_ENV, ...env },
  });
  const origins = [await listen(first.app), await listen(second.app)];
  return {
    first,
    second,
    issuer: first.issuer,
    origins,
    close: async () => {
      await second.close();
      await first.close();
    },
  };
}

describe.runIf(await redisAvailable(REDIS_URL))("limits shared by two copies (Redis)", () => {
  it("counts one assistant's /mcp requests on both copies against one limit", async () => {
    const copies = await twoCopies({ RATE_LIMIT_PER_MINUTE: "4", REDIS_URL });
    try {
      const { token } = await connectedUser(copies.first, copies.issuer);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const origin = copies.origins[i % 2] ?? "";
        statuses.push((await mcpCall(origin, { authorization: `Bearer ${token}` })).status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      const refused = await mcpCall(copies.origins[0] ?? "", { authorization: `Bearer ${token}` });
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      // Another assistant's budget is its own.
      const other = await connectedUser(copies.first, copies.issuer);
      expect(
        (await mcpCall(copies.origins[1] ?? "", { authorization: `Bearer ${other.token}` })).status,
      ).toBe(200);
    } finally {
      await copies.close();
    }
  });

  it("limits requests refused for their token per address, across copies, past trusted proxies", async () => {
    const copies = await twoCopies({
      RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: "5",
      API_TRUSTED_PROXIES: "127.0.0.1",
      REDIS_URL,
    });
    try {
      const flooder = someAddress();
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const origin = copies.origins[i % 2] ?? "";
        const headers = { "x-forwarded-for": flooder, authorization: "Bearer not-a-token" };
        // Half to /api, half to /mcp: one budget for refusals.
        const answer =
          i % 4 < 2
            ? await fetch(`${origin}/api/tasks`, { headers })
            : await mcpCall(origin, headers);
        statuses.push(answer.status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
      const limited = await fetch(`${copies.origins[0]}/api/tasks`, {
        headers: { "x-forwarded-for": flooder },
      });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);

      // Another address is not affected, and neither is a valid token from the flooding one.
      const other = await fetch(`${copies.origins[1]}/api/tasks`, {
        headers: { "x-forwarded-for": someAddress() },
      });
      expect(other.status).toBe(401);
      const userId = await copies.first.createUser();
      const valid = await fetch(`${copies.origins[1]}/api/tasks`, {
        headers: {
          "x-forwarded-for": flooder,
          authorization: `Bearer ${await copies.first.tokenFor(userId)}`,
        },
      });
      expect(valid.status).toBe(200);
    } finally {
      await copies.close();
    }
  });
});

describe("refused requests limited per address (one copy, no Redis)", () => {
  let t: TestApp;
  let origin: string;
  beforeAll(async () => {
    t = await buildTestApp({
      databaseUrl: database.url,
      mode: "hs256",
      env: { ...API_ENV, RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: "3" },
    });
    origin = await listen(t.app);
  });
  afterAll(() => t.close());

  it("answers 401 up to the limit, then 429 with Retry-After; a valid token still passes", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${origin}/api/tasks`)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const limited = await fetch(`${origin}/api/me`, { headers: { authorization: "Basic x" } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("content-type")).toMatch(/problem\+json/);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // The socket's address counts, not a header the client chose (no trusted proxies here).
    const spoofed = await fetch(`${origin}/api/tasks`, {
      headers: { "x-forwarded-for": someAddress() },
    });
    expect(spoofed.status).toBe(429);
    const userId = await t.createUser();
    const valid = await fetch(`${origin}/api/tasks`, {
      headers: { authorization: `Bearer ${await t.tokenFor(userId)}` },
    });
    expect(valid.status).toBe(200);
  });
});

describe("/mcp's CORS", () => {
  let t: TestApp & { issuer: TestIssuer | undefined };
  let origin: string;
  const allowed = "http://127.0.0.1:3000";
  beforeAll(async () => {
    t = await buildTestApp({
      databaseUrl: database.url,
      env: { ...API_ENV, CORS_ORIGINS: allowed },
    });
    origin = await listen(t.app);
  });
  afterAll(() => t.close());

  it("answers a preflight from an allowed origin with the MCP headers allowed", async () => {
    const answer = await fetch(`${origin}/mcp`, {
      method: "OPTIONS",
      headers: {
        origin: allowed,
        "access-control-request-method": "POST",
        "access-control-request-headers":
          "authorization,content-type,mcp-protocol-version,mcp-session-id",
      },
    });
    expect(answer.status).toBe(204);
    expect(answer.headers.get("access-control-allow-origin")).toBe(allowed);
    expect(answer.headers.get("access-control-allow-methods")).toContain("POST");
    const headers = (answer.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    for (const name of ["authorization", "content-type", "mcp-protocol-version", "mcp-session-id"])
      expect(headers).toContain(name);
  });

  it("gives no CORS headers to another origin's preflight, as /api does", async () => {
    for (const path of ["/mcp", "/api/tasks"]) {
      const answer = await fetch(`${origin}${path}`, {
        method: "OPTIONS",
        headers: {
          origin: "https://evil.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization",
        },
      });
      expect(answer.headers.get("access-control-allow-origin"), path).toBeNull();
    }
  });

  it("exposes WWW-Authenticate to an allowed origin, and answers 403 to another origin", async () => {
    if (!t.issuer) throw new Error("no issuer");
    const refused = await mcpCall(origin, { origin: allowed });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe(allowed);
    expect((refused.headers.get("access-control-expose-headers") ?? "").toLowerCase()).toContain(
      "www-authenticate",
    );
    const { token } = await connectedUser(t, t.issuer);
    const ok = await mcpCall(origin, { origin: allowed, authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    const foreign = await mcpCall(origin, {
      origin: "https://evil.example",
      authorization: `Bearer ${token}`,
    });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
  });
});
