// @vitest-environment node
// The web app's sign-up, sign-in and profile edges, each over real HTTP against Better Auth as
// the web app configures it, on a real PostgreSQL.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createDb } from "@taskbridge/db/client";
import { startEmbeddedPostgres, type RunningPostgres } from "@taskbridge/db/embedded";
import { migrateDatabase } from "@taskbridge/db/migrate";
import { user } from "@taskbridge/db/schema";
import { freePort } from "../../../tests/database.ts";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { PROFILE_LIMITS } from "../src/input-limits.ts";
import { AuthClient, startAuthServer, type AuthServer } from "./support/auth-server.ts";

/** The error body Better Auth answers with. */
const BetterAuthErrorSchema = z.object({ code: z.string(), message: z.string() });

const database = await useTestDatabase();
let server: AuthServer;
let ipCounter = 1;
const newClient = () => new AuthClient(server.origin, `198.51.100.${ipCounter++}`);
const PASSWORD = "correct horse battery";

async function usersNamed(email: string) {
  return createDb(server.pool).select().from(user).where(eq(user.email, email));
}

async function userCount(): Promise<number> {
  const [row] = await createDb(server.pool)
    .select({ count: sql<number>`count(*)::int` })
    .from(user);
  return row?.count ?? 0;
}

beforeAll(async () => {
  server = await startAuthServer(database.url);
});
afterAll(() => server.close());

describe("profile sizes", () => {
  it("refuses an overlong or empty name and an overlong email at sign-up, storing nothing", async () => {
    const before = await userCount();
    const longEmail = `${"a".repeat(PROFILE_LIMITS.emailMax - "@example.test".length + 1)}@example.test`;
    const cases = [
      { name: "x".repeat(1_000_000), email: "huge-name@example.test", code: "NAME_TOO_LONG" },
      { name: "x".repeat(101), email: "long-name@example.test", code: "NAME_TOO_LONG" },
      { name: "   ", email: "blank-name@example.test", code: "NAME_REQUIRED" },
      { name: "Ada", email: longEmail, code: "EMAIL_TOO_LONG" },
    ];
    for (const { name, email, code } of cases) {
      const response = await newClient().request("/sign-up/email", {
        body: { name, email, password: PASSWORD },
      });
      expect(response.status).toBe(400);
      const body = BetterAuthErrorSchema.parse(await response.json());
      expect(body.code).toBe(code);
      expect(body.message).toMatch(/name|email/i);
    }
    expect(await userCount()).toBe(before);
  });

  it("accepts exactly 100 characters once trimmed, and stores the trimmed name", async () => {
    const name = "n".repeat(PROFILE_LIMITS.nameMax);
    const response = await newClient().signUp({
      name: `  ${name}  `,
      email: "hundred@example.test",
      password: PASSWORD,
    });
    expect(response.status).toBe(200);
    expect((await usersNamed("hundred@example.test"))[0]?.name).toBe(name);
  });

  it("refuses an overlong name on profile update and keeps the old one", async () => {
    const client = newClient();
    expect(
      (await client.signUp({ name: "Ada", email: "rename@example.test", password: PASSWORD }))
        .status,
    ).toBe(200);
    const response = await client.request("/update-user", {
      body: { name: "y".repeat(PROFILE_LIMITS.nameMax + 1) },
    });
    expect(response.status).toBe(400);
    expect(BetterAuthErrorSchema.parse(await response.json()).code).toBe("NAME_TOO_LONG");
    expect((await usersNamed("rename@example.test"))[0]?.name).toBe("Ada");
    const renamed = await client.request("/update-user", { body: { name: " Grace " } });
    expect(renamed.status).toBe(200);
    expect((await usersNamed("rename@example.test"))[0]?.name).toBe("Grace");
  });
});

describe("sign-up for a registered email", () => {
  it("answers exactly as for a new one, signs no one in, and changes nothing", async () => {
    const shape = (value: unknown): unknown =>
      value && typeof value === "object"
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]))
        : typeof value;
    const first = await newClient().request("/sign-up/email", {
      body: { name: "Owner", email: "taken@example.test", password: PASSWORD },
    });
    const [owner] = await usersNamed("taken@example.test");
    const again = await newClient().request("/sign-up/email", {
      body: { name: "Intruder", email: "taken@example.test", password: "another good passphrase" },
    });
    const fresh = await newClient().request("/sign-up/email", {
      body: { name: "Fresh", email: "fresh@example.test", password: PASSWORD },
    });
    expect(again.status).toBe(fresh.status);
    expect(first.status).toBe(200);
    const [againBody, freshBody] = [await again.json(), await fresh.json()];
    expect(shape(againBody)).toEqual(shape(freshBody));
    for (const response of [again, fresh]) {
      expect(response.headers.getSetCookie().filter((c) => c.includes("session_token"))).toEqual(
        [],
      );
    }
    // Nothing about the registered account changed: one row, its name, its password.
    expect(await usersNamed("taken@example.test")).toEqual([owner]);
    const intruder = await newClient().request("/sign-in/email", {
      body: { email: "taken@example.test", password: "another good passphrase" },
    });
    expect(intruder.status).toBe(401);
    const signedIn = await newClient().request("/sign-in/email", {
      body: { email: "taken@example.test", password: PASSWORD },
    });
    expect(signedIn.status).toBe(200);
  });
});

describe("weak passwords", () => {
  it("refuses common and guessable passwords at sign-up with a helpful message", async () => {
    const before = await userCount();
    for (const password of [
      "password",
      "12345678",
      "qwertyuiop",
      "Password1!",
      "weak-ada@example.test",
    ]) {
      const response = await newClient().request("/sign-up/email", {
        body: { name: "Ada", email: "weak-ada@example.test", password },
      });
      expect(response.status, password).toBe(400);
      const body = BetterAuthErrorSchema.parse(await response.json());
      expect(body.code).toBe("PASSWORD_TOO_WEAK");
      expect(body.message).toMatch(/longer/);
    }
    expect(await userCount()).toBe(before);
  });

  it("refuses a weak new password on change and keeps the old one", async () => {
    const client = newClient();
    await client.signUp({ name: "Ada", email: "change@example.test", password: PASSWORD });
    const response = await client.request("/change-password", {
      body: { currentPassword: PASSWORD, newPassword: "password1" },
    });
    expect(response.status).toBe(400);
    expect(BetterAuthErrorSchema.parse(await response.json()).code).toBe("PASSWORD_TOO_WEAK");
    const old = await newClient().request("/sign-in/email", {
      body: { email: "change@example.test", password: PASSWORD },
    });
    expect(old.status).toBe(200);
  });
});

describe("client address", () => {
  it("uses the socket's address when no proxy is trusted, whatever X-Forwarded-For says", async () => {
    const direct = await startAuthServer(database.url, { trustedProxies: [] });
    try {
      const statuses: number[] = [];
      // The sign-up limit is 10 a minute per address; each request claims a new address.
      for (let i = 0; i < 12; i++) {
        const response = await new AuthClient(direct.origin, `192.0.2.${i + 1}`).request(
          "/sign-up/email",
          { body: { name: "F", email: `forged-${i}@example.test`, password: "short" } },
        );
        statuses.push(response.status);
      }
      expect(statuses.slice(0, 10).every((status) => status === 400)).toBe(true);
      expect(statuses.slice(10)).toEqual([429, 429]);
    } finally {
      await direct.close();
    }
  });
});

describe("health checks", () => {
  it("never meet the rate limiter: a balancer's checks from one address all answer 200", async () => {
    // Above the default limit of 200 a minute, as a balancer checking twice a second reaches
    // within two minutes; every check from its one address.
    const balancer = newClient();
    const statuses = new Set<number>();
    for (let i = 0; i < 220; i++) statuses.add((await balancer.request("/ok")).status);
    expect([...statuses]).toEqual([200]);
    const rows = await server.pool.query(`select key from rate_limit where key like '%/ok%'`);
    expect(rows.rowCount).toBe(0);
  });
});

describe("when the database goes away", () => {
  let dir: string;
  let pg: RunningPostgres;
  let down: AuthServer;
  const options = { port: 0, password: "web-down-pass-123", database: "app" };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "taskbridge-web-down-"));
    options.port = await freePort();
    pg = await startEmbeddedPostgres({ ...options, dataDir: path.join(dir, "pg") });
    await migrateDatabase(pg.url);
    down = await startAuthServer(pg.url);
  });
  afterAll(async () => {
    await down.close();
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers every auth route 503 with Retry-After and a clear message, then recovers", async () => {
    const client = new AuthClient(down.origin, "192.0.2.90");
    expect(
      (await client.signUp({ name: "D", email: "down@example.test", password: PASSWORD })).status,
    ).toBe(200);

    await pg.stop();
    const calls: [string, unknown][] = [
      ["/sign-in/email", { email: "down@example.test", password: PASSWORD }],
      ["/sign-up/email", { name: "E", email: "new@example.test", password: PASSWORD }],
      ["/get-session", undefined],
      ["/token", undefined],
      ["/jwks", undefined],
    ];
    for (const [route, body] of calls) {
      const response = await client.request(route, { body });
      expect(response.status, route).toBe(503);
      expect(response.headers.get("retry-after"), route).toMatch(/^\d+$/);
      expect(response.headers.get("content-type")).toMatch(/application\/problem\+json/);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({
        status: 503,
        code: "SERVICE_UNAVAILABLE",
        detail: expect.stringMatching(/briefly unavailable/),
      });
      expect(text).not.toMatch(/ECONNREFUSED|select|insert|at .*\.ts/i);
    }

    pg = await startEmbeddedPostgres({ ...options, dataDir: path.join(dir, "pg") });
    await vi.waitFor(async () => expect((await client.request("/get-session")).status).toBe(200), {
      timeout: 15_000,
      interval: 250,
    });
  }, 60_000);
});
