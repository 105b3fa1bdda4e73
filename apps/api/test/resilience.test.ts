import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { startEmbeddedPostgres, type RunningPostgres } from "@taskbridge/db/embedded";
import { migrateDatabase } from "@taskbridge/db/migrate";
import { createDb, createPool } from "@taskbridge/db/client";
import { buildApp, loggerSettings } from "../src/app.ts";
import { TokenVerifier } from "../src/auth/verifier.ts";
import { freePort } from "../../../tests/database.ts";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { testConfig } from "./support/config.ts";
import { signHs256 } from "./support/issuer.ts";
import { taskOf, tasksOf } from "./support/parse.ts";

const database = await useTestDatabase();

describe("when the database goes away", () => {
  let dir: string;
  let server: RunningPostgres;
  const options = { port: 0, password: "resilience-pass-123", database: "app" };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "taskbridge-down-"));
    options.port = await freePort();
    server = await startEmbeddedPostgres({ ...options, dataDir: path.join(dir, "pg") });
    await migrateDatabase(server.url);
  });
  afterAll(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers 503 with Retry-After within seconds, then recovers by itself", async () => {
    const t = await buildTestApp({ databaseUrl: server.url, mode: "hs256" });
    try {
      const userId = await t.createUser();
      const headers = { authorization: `Bearer ${await t.tokenFor(userId)}` };
      expect((await t.app.inject({ method: "GET", url: "/api/tasks", headers })).statusCode).toBe(
        200,
      );

      await server.stop();
      const started = Date.now();
      const down = await t.app.inject({ method: "GET", url: "/api/tasks", headers });
      expect(down.statusCode).toBe(503);
      expect(down.headers["retry-after"]).toBeDefined();
      expect(down.json()).toMatchObject({ status: 503, detail: expect.any(String) });
      expect(down.body).not.toMatch(/ECONNREFUSED|select|at .*\.ts/);
      expect(Date.now() - started).toBeLessThan(5000);
      const ready = await t.app.inject({ method: "GET", url: "/readyz" });
      expect(ready.statusCode).toBe(503);

      server = await startEmbeddedPostgres({ ...options, dataDir: path.join(dir, "pg") });
      await vi.waitFor(
        async () =>
          expect(
            (await t.app.inject({ method: "GET", url: "/api/tasks", headers })).statusCode,
          ).toBe(200),
        { timeout: 10_000, interval: 250 },
      );
    } finally {
      await t.close();
    }
  });
});

describe("rate limiting", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({
      databaseUrl: database.url,
      mode: "hs256",
      env: { RATE_LIMIT_PER_MINUTE: "5" },
    });
  });
  afterAll(() => t.close());

  it("answers 429 problem+json with Retry-After past the per-user limit, without touching other users", async () => {
    const [a, b] = [await t.createUser(), await t.createUser()];
    const headersA = { authorization: `Bearer ${await t.tokenFor(a)}` };
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push(
        (await t.app.inject({ method: "GET", url: "/api/tasks", headers: headersA })).statusCode,
      );
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const limited = await t.app.inject({ method: "GET", url: "/api/tasks", headers: headersA });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.headers["content-type"]).toContain("application/problem+json");
    expect(limited.json()).toMatchObject({
      status: 429,
      detail: expect.stringMatching(/Too many requests/),
    });
    const other = await t.app.inject({
      method: "GET",
      url: "/api/tasks",
      headers: { authorization: `Bearer ${await t.tokenFor(b)}` },
    });
    expect(other.statusCode).toBe(200);
  });
});

describe("HTTP surface", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  });
  afterAll(() => t.close());

  it("answers a CORS preflight from an allowed origin, allowing Authorization", async () => {
    const response = await t.app.inject({
      method: "OPTIONS",
      url: "/api/tasks",
      headers: {
        origin: "http://127.0.0.1:3000",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });
    expect(response.statusCode).toBe(204);
    expect(response.headers["access-control-allow-origin"]).toBe("http://127.0.0.1:3000");
    expect(String(response.headers["access-control-allow-headers"]).toLowerCase()).toContain(
      "authorization",
    );
  });

  it("gives no CORS grant to another origin", async () => {
    const response = await t.app.inject({
      method: "OPTIONS",
      url: "/api/tasks",
      headers: { origin: "http://evil.test", "access-control-request-method": "GET" },
    });
    expect(response.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("sends security headers", async () => {
    const response = await t.app.inject({ method: "GET", url: "/healthz" });
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.headers["x-frame-options"]).toBeDefined();
  });

  it("publishes an OpenAPI 3.1 document of every route, and the /docs page", async () => {
    const response = await t.app.inject({ method: "GET", url: "/openapi.json" });
    expect(response.statusCode).toBe(200);
    const document = z
      .object({
        openapi: z.string(),
        paths: z.record(z.string(), z.record(z.string(), z.unknown())),
      })
      .parse(response.json());
    expect(document.openapi).toBe("3.1.0");
    for (const route of [
      "/api/tasks",
      "/api/tasks/{id}",
      "/api/tasks/{id}/complete",
      "/api/tasks/{id}/toggle",
      "/api/{user_id}/tasks",
      "/api/{user_id}/tasks/{id}",
      "/api/{user_id}/tasks/{id}/complete",
      "/api/{user_id}/tasks/{id}/toggle",
      "/api/me",
      "/healthz",
      "/readyz",
    ]) {
      expect(document.paths, route).toHaveProperty([route]);
    }
    expect(Object.keys(document.paths["/api/tasks/{id}"] ?? {}).sort()).toEqual([
      "delete",
      "get",
      "patch",
      "put",
    ]);
    expect((await t.app.inject({ method: "GET", url: "/docs" })).statusCode).toBeLessThan(400);
  });
});

describe("logs", () => {
  it("carry the request id and the user id, and never the token", async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    // At debug, so that the request lines (debug outside production) are written too.
    const config = testConfig({
      DATABASE_URL: database.url,
      JWT_MODE: "hs256",
      LOG_LEVEL: "debug",
    });
    const pool = createPool(config.databaseUrl);
    const app = await buildApp({
      config,
      pool,
      db: createDb(pool),
      verifier: new TokenVerifier({ config }),
      // The app's own logger settings, writing where the test can read.
      logger: { ...loggerSettings("debug"), stream },
    });
    try {
      const userId = "logged-user";
      await pool.query(`insert into "user" (id, name, email) values ($1, 'L', 'l@example.test')`, [
        userId,
      ]);
      const token = await signHs256(userId, { issuer: config.issuer });
      await app.inject({
        method: "GET",
        url: "/api/tasks/0193a5b2-7c1e-7d2a-9b1f-2c3d4e5f6a7b",
        headers: { authorization: `Bearer ${token}`, "x-request-id": "trace-me-1" },
      });
      await app.inject({
        method: "GET",
        url: "/api/tasks",
        headers: { authorization: `Bearer ${token}x` },
      });
      await app.inject({ method: "GET", url: `/api/me?access_token=${token}` });
      const text = lines.join("");
      expect(text).not.toContain(token.split(".")[2]);
      expect(text).toContain("trace-me-1");
      expect(text).toMatch(/"userId":"logged-user"/);
      expect(text).toMatch(/no such task for this user/);
      expect(text).toMatch(/bad signature/);
    } finally {
      await app.close();
      await pool.end();
    }
  });
});

describe("property: three users, random operations", () => {
  let t: TestApp;
  const users: Array<{ id: string; token: string }> = [];
  beforeAll(async () => {
    t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
    for (let i = 0; i < 3; i++) {
      const id = await t.createUser();
      users.push({ id, token: await t.tokenFor(id) });
    }
  });
  afterAll(() => t.close());

  type Op =
    | { kind: "create"; user: number; title: string }
    | { kind: "get" | "toggle" | "delete" | "update"; user: number; target: number; title: string }
    | { kind: "list"; user: number };

  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant("create" as const),
      user: fc.nat(2),
      title: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0),
    }),
    fc.record({
      kind: fc.constantFrom(
        "get" as const,
        "toggle" as const,
        "delete" as const,
        "update" as const,
      ),
      user: fc.nat(2),
      target: fc.nat(30),
      title: fc.constant("changed"),
    }),
    fc.record({ kind: fc.constant("list" as const), user: fc.nat(2) }),
  );

  it("never lets anyone read or change a task they do not own, and never answers 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 25 }), async (ops) => {
        // The model: which user owns which task, and each task's `completed`.
        const owned: Array<{ id: string; owner: number; completed: boolean; alive: boolean }> = [];
        for (const step of ops) {
          const user = users[step.user];
          if (!user) throw new Error("no user");
          const headers = {
            authorization: `Bearer ${user.token}`,
            "content-type": "application/json",
          };
          if (step.kind === "create") {
            const response = await t.app.inject({
              method: "POST",
              url: "/api/tasks",
              headers,
              payload: JSON.stringify({ title: step.title }),
            });
            expect(response.statusCode).toBe(201);
            owned.push({
              id: taskOf(response).id,
              owner: step.user,
              completed: false,
              alive: true,
            });
          } else if (step.kind === "list") {
            const response = await t.app.inject({
              method: "GET",
              url: "/api/tasks?limit=500",
              headers,
            });
            expect(response.statusCode).toBe(200);
            const listed = tasksOf(response);
            expect(listed.every((task) => task.user_id === user.id)).toBe(true);
            for (const mine of owned.filter((task) => task.owner === step.user && task.alive)) {
              expect(listed.map((task) => task.id)).toContain(mine.id);
            }
          } else {
            const target = owned[step.target % Math.max(owned.length, 1)];
            if (!target) continue;
            const url = `/api/tasks/${target.id}`;
            const request =
              step.kind === "get"
                ? { method: "GET" as const, url }
                : step.kind === "toggle"
                  ? { method: "POST" as const, url: `${url}/toggle` }
                  : step.kind === "delete"
                    ? { method: "DELETE" as const, url }
                    : {
                        method: "PATCH" as const,
                        url,
                        payload: JSON.stringify({ title: step.title }),
                      };
            const response = await t.app.inject({ ...request, headers });
            expect(response.statusCode).toBeLessThan(500);
            const mayTouch = target.owner === step.user && target.alive;
            if (!mayTouch) {
              expect(response.statusCode).toBe(404);
              continue;
            }
            expect(response.statusCode).toBe(step.kind === "delete" ? 204 : 200);
            if (step.kind === "delete") target.alive = false;
            if (step.kind === "toggle") {
              target.completed = !target.completed;
              expect(taskOf(response).completed).toBe(target.completed);
            }
          }
        }
        // Every surviving task is exactly as its owner left it.
        for (const task of owned.filter((item) => item.alive)) {
          const owner = users[task.owner];
          if (!owner) throw new Error("no owner");
          const response = await t.app.inject({
            method: "GET",
            url: `/api/tasks/${task.id}`,
            headers: { authorization: `Bearer ${owner.token}` },
          });
          expect(taskOf(response)).toMatchObject({
            completed: task.completed,
            user_id: owner.id,
          });
        }
      }),
      { numRuns: 25 },
    );
  });
});

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

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

describe.runIf(await redisAvailable(REDIS_URL))("rate limiting across API copies (Redis)", () => {
  it("counts one user's requests on every copy against one limit", async () => {
    const env = { RATE_LIMIT_PER_MINUTE: "5", REDIS_URL };
    const first = await buildTestApp({ databaseUrl: database.url, mode: "hs256", env });
    const second = await buildTestApp({ databaseUrl: database.url, mode: "hs256", env });
    try {
      const userId = await first.createUser();
      const headers = { authorization: `Bearer ${await first.tokenFor(userId)}` };
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const copy = i % 2 === 0 ? first : second;
        statuses.push(
          (await copy.app.inject({ method: "GET", url: "/api/tasks", headers })).statusCode,
        );
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
