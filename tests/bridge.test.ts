// The bridge end to end over real HTTP: the web app's own Better Auth issues the token, the task
// API (listening on 127.0.0.1) verifies it locally, in both modes. It spans both apps, so it
// lives here rather than in either.
import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, createPool } from "@taskbridge/db/client";
import { MeSchema, TaskSchema } from "@taskbridge/shared/task";
import type pg from "pg";
import { buildApp } from "../apps/api/src/app.ts";
import { TokenVerifier } from "../apps/api/src/auth/verifier.ts";
import { useTestDatabase } from "./fixtures.ts";
import {
  AuthClient,
  startAuthServer,
  TEST_API_AUDIENCE,
  TEST_AUTH_SECRET,
  type AuthServer,
} from "@taskbridge/auth/test-server";
import { testConfig, type TestEnv } from "../apps/api/test/support/config.ts";
import { signHs256 } from "../apps/api/test/support/issuer.ts";

const database = await useTestDatabase();

/** The task API listening on 127.0.0.1, trusting `web`, configured from variables. */
async function startApi(web: AuthServer, env: TestEnv, now?: () => number) {
  const config = testConfig({
    DATABASE_URL: database.url,
    BETTER_AUTH_URL: web.origin,
    JWT_AUDIENCE: TEST_API_AUDIENCE,
    BETTER_AUTH_SECRET: TEST_AUTH_SECRET,
    ...env,
  });
  const pool = createPool(database.url);
  const api = await buildApp({
    config,
    pool,
    db: createDb(pool),
    verifier: new TokenVerifier({ config, now }),
    logger: false,
  });
  const url = await api.listen({ port: 0, host: "127.0.0.1" });
  return {
    api,
    pool,
    url,
    close: async () => {
      await api.close();
      await pool.end();
    },
  };
}

async function signUp(web: AuthServer, label: string, ip: string): Promise<AuthClient> {
  const client = new AuthClient(web.origin, ip);
  const response = await client.signUp({
    name: "Bridge User",
    email: `${label}@example.test`,
    password: "correct horse battery",
  });
  expect(response.status).toBe(200);
  return client;
}

describe.each(["jwks", "hs256"] as const)("%s mode", (mode) => {
  let web: AuthServer;
  let pool: pg.Pool;
  let apiUrl: string;
  let closeApi: () => Promise<void>;

  beforeAll(async () => {
    web = await startAuthServer(database.url, { jwtMode: mode });
    // No wait between two key fetches: the rotation test needs no sleep for the cooldown.
    ({
      pool,
      url: apiUrl,
      close: closeApi,
    } = await startApi(web, { JWT_MODE: mode, JWKS_COOLDOWN_MS: "0" }));
  });
  afterAll(async () => {
    await closeApi();
    await web.close();
  });

  it("signs up, fetches a token, and reaches the API as that user", async () => {
    const client = await signUp(
      web,
      `bridge-${mode}`,
      mode === "jwks" ? "192.0.2.10" : "192.0.2.11",
    );
    const token = await client.token();

    const me = await fetch(`${apiUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    const identity = MeSchema.parse(await me.json());
    expect(identity).toMatchObject({ email: `bridge-${mode}@example.test`, name: "Bridge User" });

    const created = await fetch(`${apiUrl}/api/tasks`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "Across the bridge" }),
    });
    expect(created.status).toBe(201);
    expect(TaskSchema.parse(await created.json())).toMatchObject({
      user_id: identity.id,
      title: "Across the bridge",
    });
  });

  it("refuses a token made with a wrong secret or key", async () => {
    const forged = await signHs256("someone", {
      issuer: web.origin,
      secret: `${TEST_AUTH_SECRET}-wrong`,
      claims: { aud: TEST_API_AUDIENCE },
    });
    const response = await fetch(`${apiUrl}/api/me`, {
      headers: { authorization: `Bearer ${forged}` },
    });
    expect(response.status).toBe(401);
  });

  if (mode === "jwks") {
    it("accepts tokens of a key Better Auth adds later, with no API restart", async () => {
      const client = await signUp(web, "rotate", "192.0.2.12");
      const before = await client.token();
      expect(
        (await fetch(`${apiUrl}/api/me`, { headers: { authorization: `Bearer ${before}` } }))
          .status,
      ).toBe(200);
      // Rotation: the old key expires, Better Auth creates a new one on the next signing.
      await pool.query("update jwks set expires_at = now() - interval '1 second'");
      const token = await client.token();
      expect(decodeProtectedHeader(token).kid).not.toBe(decodeProtectedHeader(before).kid);
      const response = await fetch(`${apiUrl}/api/me`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
    });
  }
});

describe("one token lifetime for both ends", () => {
  it("a web app issuing 30-minute tokens has them accepted for 30 minutes, then refused", async () => {
    const lifetime = 1800;
    const web = await startAuthServer(database.url, { jwtLifetimeSeconds: lifetime });
    let offsetMs = 0;
    const api = await startApi(web, { JWT_LIFETIME_SECONDS: String(lifetime) }, () => {
      return Date.now() + offsetMs;
    });
    try {
      const client = await signUp(web, "lifetime", "192.0.2.13");
      const token = await client.token();
      const me = () =>
        fetch(`${api.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });

      // Past the old fixed limit of 15 minutes, a minute before the token's own end.
      offsetMs = (lifetime - 60) * 1000;
      expect((await me()).status).toBe(200);
      // Past its end (and the allowed clock skew).
      offsetMs = (lifetime + 60) * 1000;
      const late = await me();
      expect(late.status).toBe(401);
      expect(late.headers.get("www-authenticate")).toContain('error="invalid_token"');
    } finally {
      await api.close();
      await web.close();
    }
  });
});
