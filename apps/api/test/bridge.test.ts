// The bridge end to end over real HTTP: the web app's own Better Auth issues the token, the task
// API (listening on 127.0.0.1) verifies it locally, in both modes.
import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, createPool } from "@taskbridge/db/client";
import type { FastifyInstance } from "fastify";
import type pg from "pg";
import { buildApp } from "../src/app.ts";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import {
  AuthClient,
  startAuthServer,
  TEST_API_AUDIENCE,
  TEST_AUTH_SECRET,
  type AuthServer,
} from "../../web/test/auth-server.ts";
import { signHs256, testConfig } from "./support/auth.ts";

const database = await useTestDatabase();

describe.each(["jwks", "hs256"] as const)("%s mode", (mode) => {
  let web: AuthServer;
  let api: FastifyInstance;
  let pool: pg.Pool;
  let apiUrl: string;

  beforeAll(async () => {
    web = await startAuthServer(database.url, { jwtMode: mode });
    const config = testConfig({
      databaseUrl: database.url,
      jwtMode: mode,
      issuer: web.origin,
      jwksUrl: `${web.origin}/api/auth/jwks`,
      audience: TEST_API_AUDIENCE,
      secret: TEST_AUTH_SECRET,
    });
    pool = createPool(database.url);
    api = await buildApp({ config, pool, db: createDb(pool), logger: false });
    apiUrl = await api.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await api.close();
    await pool.end();
    await web.close();
  });

  it("signs up, fetches a token, and reaches the API as that user", async () => {
    const client = new AuthClient(web.origin, mode === "jwks" ? "192.0.2.10" : "192.0.2.11");
    const signUp = await client.signUp({
      name: "Bridge User",
      email: `bridge-${mode}@example.test`,
      password: "correct horse battery",
    });
    expect(signUp.status).toBe(200);
    const token = await client.token();

    const me = await fetch(`${apiUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    const identity = (await me.json()) as { id: string; email: string; name: string };
    expect(identity).toMatchObject({ email: `bridge-${mode}@example.test`, name: "Bridge User" });

    const created = await fetch(`${apiUrl}/api/tasks`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "Across the bridge" }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
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
      const client = new AuthClient(web.origin, "192.0.2.12");
      await client.signUp({
        name: "R",
        email: "rotate@example.test",
        password: "correct horse battery",
      });
      const before = await client.token();
      expect(
        (await fetch(`${apiUrl}/api/me`, { headers: { authorization: `Bearer ${before}` } }))
          .status,
      ).toBe(200);
      // Rotation: the old key expires, Better Auth creates a new one on the next signing.
      await pool.query("update jwks set expires_at = now() - interval '1 second'");
      await new Promise((resolve) => setTimeout(resolve, 5100)); // the API's refetch cooldown
      const token = await client.token();
      expect(decodeProtectedHeader(token).kid).not.toBe(decodeProtectedHeader(before).kid);
      const response = await fetch(`${apiUrl}/api/me`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
    });
  }
});
