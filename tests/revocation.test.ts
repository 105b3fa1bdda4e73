// Revocation across API copies, end to end: the web app's own Better Auth issues the tokens and
// ends sessions, accounts and app grants; two task API copies (each with its own LISTEN
// connection, on real sockets, on one database) must refuse the tokens concerned within 2 s on
// every route, remembered or not, and close their open event streams, while the person's other
// sessions keep working. It spans both apps, so it lives here rather than in either.
import { createHash, randomBytes } from "node:crypto";
import { decodeJwt } from "jose";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { FastifyInstance } from "fastify";
import { createDb, createPool } from "@taskbridge/db/client";
import { revokeClientGrant } from "@taskbridge/auth/grants";
import {
  AuthClient,
  startAuthServer,
  TEST_API_AUDIENCE,
  type AuthServer,
} from "@taskbridge/auth/test-server";
import { buildApp } from "../apps/api/src/app.ts";
import { REVOCATION_CONNECTION_NAME } from "../apps/api/src/auth/revocations.ts";
import { TokenVerifier } from "../apps/api/src/auth/verifier.ts";
import { testConfig } from "../apps/api/test/support/config.ts";
import { connectMcp } from "../apps/api/test/support/mcp.ts";
import { EventStream } from "../apps/api/test/support/sse.ts";
import { useTestDatabase } from "./fixtures.ts";

const database = await useTestDatabase();
const MCP_RESOURCE = `${TEST_API_AUDIENCE}/mcp`;
const REDIRECT_URI = "http://127.0.0.1:33418/callback";
const PASSWORD = "correct horse battery staple";
/** The acceptance bound: every copy refuses a revoked token this soon after the revocation. */
const BOUND_MS = 2000;
const POLL_MS = 50;

interface Api {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

let web: AuthServer;
let apis: Api[] = [];
let ipCounter = 1;

/** A task API copy listening on 127.0.0.1, trusting `web`, ready (keys and revocations read). */
async function startApi(name: string): Promise<Api> {
  const config = testConfig({
    DATABASE_URL: database.url,
    BETTER_AUTH_URL: web.origin,
    JWT_AUDIENCE: TEST_API_AUDIENCE,
    NEXT_PUBLIC_API_URL: TEST_API_AUDIENCE,
    JWT_MODE: "jwks",
    JWKS_COOLDOWN_MS: "0",
  });
  const pool = createPool(database.url);
  const app = await buildApp({
    config,
    pool,
    db: createDb(pool),
    logger: false,
    sendReminders: false,
    // Long enough that a revocation made while it is away is surely missed by LISTEN.
    revocations: { minRetryMs: 700, maxRetryMs: 700 },
  });
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ready = await fetch(`${url}/readyz`);
    if (ready.status === 200) break;
    if (Date.now() > deadline) throw new Error(`${name} not ready: ${await ready.text()}`);
    await sleep(100);
  }
  return {
    app,
    url,
    close: async () => {
      await app.close();
      await pool.end();
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const Problem = z.object({ status: z.number(), detail: z.string() });

async function call(api: Api, token: string, path = "/api/me") {
  const response = await fetch(`${api.url}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  return { status: response.status, text };
}

/** Answers 200 on every copy. */
async function expectWorking(token: string, label: string): Promise<void> {
  for (const [index, api] of apis.entries()) {
    const answer = await call(api, token);
    expect(answer.status, `${label} on copy ${index + 1}: ${answer.text}`).toBe(200);
  }
}

/**
 * Polls every copy every 50 ms until each answers 401 for `token`, for at most 2 s from
 * `since`; prints each copy's latency. Returns the details the copies gave.
 */
async function expectRefusedEverywhere(
  token: string,
  since: number,
  label: string,
  path = "/api/me",
  /** What the route answers the token before it is refused (`GET /mcp` is 405). */
  okStatus = 200,
): Promise<string[]> {
  const details: string[] = [];
  for (const [index, api] of apis.entries()) {
    for (;;) {
      const answer = await call(api, token, path);
      if (answer.status === 401) {
        details.push(Problem.parse(JSON.parse(answer.text)).detail);
        console.log(`${label}: copy ${index + 1} refuses after ${Date.now() - since} ms`);
        break;
      }
      expect(answer.status, `${label} on copy ${index + 1}`).toBe(okStatus);
      if (Date.now() - since > BOUND_MS)
        throw new Error(`${label}: copy ${index + 1} still accepts the token after ${BOUND_MS} ms`);
      await sleep(POLL_MS);
    }
  }
  return details;
}

/** An event stream of `token` on `api`, once it said `ready`. */
async function openStream(api: Api, token: string): Promise<EventStream> {
  const response = await fetch(`${api.url}/api/events`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  const stream = new EventStream(response);
  await stream.until((event) => event.name === "ready", 5000);
  return stream;
}

/** The stream ends within the bound (measured from `since`). */
async function expectEnded(stream: EventStream, since: number, label: string): Promise<void> {
  await expect(
    stream.until(() => false, Math.max(1, since + BOUND_MS - Date.now())),
    label,
  ).rejects.toThrow("the stream ended");
  console.log(`${label}: stream ended after ${Date.now() - since} ms`);
}

/** The stream is still open: a task written by its user arrives on it. */
async function expectOpen(stream: EventStream, token: string, label: string): Promise<void> {
  const api = apis[0];
  if (!api) throw new Error("no API");
  const created = await fetch(`${api.url}/api/tasks`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ title: `still here ${label}` }),
  });
  expect(created.status, label).toBe(201);
  const { id } = z.object({ id: z.string() }).parse(await created.json());
  await stream.until(
    (event) => event.name === "task" && JSON.stringify(event.data).includes(id),
    5000,
  );
}

/** A new person signed in once; `again()` signs them in elsewhere (another session). */
async function person() {
  const email = `person-${randomBytes(5).toString("hex")}@example.test`;
  const first = new AuthClient(web.origin, `198.51.100.${ipCounter++ % 250}`);
  const signedUp = await first.signUp({ name: "Ada", email, password: PASSWORD });
  expect(signedUp.status).toBe(200);
  return {
    email,
    client: first,
    async again(password = PASSWORD): Promise<AuthClient> {
      const other = new AuthClient(web.origin, `198.51.100.${ipCounter++ % 250}`);
      const response = await other.request("/sign-in/email", { body: { email, password } });
      expect(response.status).toBe(200);
      return other;
    },
  };
}

/**
 * Two tokens of one session: `used`, verified by every copy now (so later requests are cache
 * hits), and `unseen`, minted in a later second (so it differs) and shown to no copy until the
 * revocation (a cache miss).
 */
async function sessionTokens(client: AuthClient) {
  const used = await client.token();
  await expectWorking(used, "token before revocation");
  await sleep(1000 - (Date.now() % 1000) + 20);
  const unseen = await client.token();
  expect(unseen).not.toBe(used);
  expect(decodeJwt(unseen).sid).toBe(decodeJwt(used).sid);
  return { used, unseen };
}

beforeAll(async () => {
  web = await startAuthServer(database.url, { apiUrl: TEST_API_AUDIENCE });
  apis = [await startApi("copy 1"), await startApi("copy 2")];
});
afterAll(async () => {
  for (const api of apis) await api.close();
  await web.close();
});

describe("revocation reaches both API copies within 2 s", () => {
  it("sign-out ends that session's tokens and streams; the person's other session keeps working", async () => {
    const ada = await person();
    const elsewhere = await ada.again();
    const ended = await sessionTokens(ada.client);
    const kept = await elsewhere.token();
    const streams = await Promise.all(apis.map((api) => openStream(api, ended.used)));
    const keptStream = await openStream(apis[1] as Api, kept);

    const since = Date.now();
    expect((await ada.client.request("/sign-out", { body: {} })).status).toBe(200);

    const details = await expectRefusedEverywhere(ended.used, since, "sign-out, cache hit");
    expect(details).toEqual(["This session has ended", "This session has ended"]);
    await expectRefusedEverywhere(ended.unseen, since, "sign-out, cache miss");
    for (const [index, stream] of streams.entries())
      await expectEnded(stream, since, `sign-out, copy ${index + 1}`);
    await expectWorking(kept, "the other session");
    await expectOpen(keptStream, kept, "sign-out");
    await keptStream.close();
  });

  it("“sign out of other sessions” ends the others' tokens and streams, not the caller's", async () => {
    const ada = await person();
    const other = await ada.again();
    const ended = await sessionTokens(other);
    const kept = await ada.client.token();
    const streams = await Promise.all(apis.map((api) => openStream(api, ended.used)));

    const since = Date.now();
    const response = await ada.client.request("/revoke-other-sessions", { body: {} });
    expect(response.status).toBe(200);

    await expectRefusedEverywhere(ended.used, since, "other sessions, cache hit");
    await expectRefusedEverywhere(ended.unseen, since, "other sessions, cache miss");
    for (const [index, stream] of streams.entries())
      await expectEnded(stream, since, `other sessions, copy ${index + 1}`);
    await expectWorking(kept, "the caller's session");
  });

  it("a password change ends every earlier session's tokens and streams; the new session works", async () => {
    const ada = await person();
    const other = await ada.again();
    const own = await sessionTokens(ada.client);
    const others = await other.token();
    const streams = await Promise.all([
      openStream(apis[0] as Api, own.used),
      openStream(apis[1] as Api, others),
    ]);

    const since = Date.now();
    // The client asks to keep its other sessions; the server ends them all the same.
    const response = await ada.client.request("/change-password", {
      body: {
        currentPassword: PASSWORD,
        newPassword: "a quiet lantern over the meadow",
        revokeOtherSessions: false,
      },
    });
    expect(response.status).toBe(200);

    await expectRefusedEverywhere(others, since, "password change, other session");
    await expectRefusedEverywhere(own.used, since, "password change, own old session, cache hit");
    await expectRefusedEverywhere(
      own.unseen,
      since,
      "password change, own old session, cache miss",
    );
    for (const [index, stream] of streams.entries())
      await expectEnded(stream, since, `password change, stream ${index + 1}`);
    // Better Auth gave the caller a new session: its tokens work everywhere.
    const fresh = await ada.client.token();
    expect(decodeJwt(fresh).sid).not.toBe(decodeJwt(own.used).sid);
    await expectWorking(fresh, "the new session");
  });

  it("account deletion ends every session's tokens and streams", async () => {
    const ada = await person();
    const other = await ada.again();
    const own = await sessionTokens(ada.client);
    const others = await other.token();
    const streams = await Promise.all([
      openStream(apis[0] as Api, own.used),
      openStream(apis[1] as Api, others),
    ]);

    const since = Date.now();
    const response = await ada.client.request("/delete-user", { body: { password: PASSWORD } });
    expect(response.status).toBe(200);

    await expectRefusedEverywhere(own.used, since, "account deletion, cache hit");
    await expectRefusedEverywhere(own.unseen, since, "account deletion, cache miss");
    await expectRefusedEverywhere(others, since, "account deletion, other session");
    for (const [index, stream] of streams.entries())
      await expectEnded(stream, since, `account deletion, stream ${index + 1}`);
  });

  it("revoking a connected app ends its tokens on /mcp; the person's session keeps working", async () => {
    const ada = await person();
    const { clientId, accessToken } = await connectedApp(ada.client);
    const claims = decodeJwt(accessToken);
    expect(claims).toMatchObject({ azp: clientId, aud: MCP_RESOURCE });
    // The app's token works on both copies, and each copy has verified (remembered) it.
    for (const api of apis) {
      const mcp = await connectMcp(api.url, accessToken);
      expect((await mcp.listTools()).tools.length).toBeGreaterThan(0);
      await mcp.close();
    }
    const session = await ada.client.token();
    const userId = claims.sub ?? "";

    const since = Date.now();
    await revokeClientGrant(createDb(web.pool), userId, clientId);

    const details = await expectRefusedEverywhere(
      accessToken,
      since,
      "app revoked, /mcp",
      "/mcp",
      405,
    );
    expect(details).toEqual(["This app's access was revoked", "This app's access was revoked"]);
    // Each copy holds the revocation in memory (the lookup every request makes), not only the
    // grant's absence in the database.
    for (const [index, api] of apis.entries()) {
      for (;;) {
        const refusal = api.app.revocations.refusalOf({
          id: userId,
          clientId,
          sessionId: null,
          issuedAt: claims.iat ?? 0,
        });
        if (refusal) break;
        if (Date.now() - since > BOUND_MS)
          throw new Error(`copy ${index + 1} did not hear of the app's revocation`);
        await sleep(POLL_MS);
      }
    }
    await expectWorking(session, "the person's own session");
  });
});

describe("what a copy knows survives", () => {
  it("a restart: a new copy reads the revocations at start and refuses at its first request", async () => {
    const ada = await person();
    const token = await ada.client.token();
    await expectWorking(token, "before sign-out");
    const since = Date.now();
    expect((await ada.client.request("/sign-out", { body: {} })).status).toBe(200);
    await expectRefusedEverywhere(token, since, "before the restart");

    const restarted = await startApi("restarted copy");
    try {
      const answer = await call(restarted, token);
      expect(answer.status).toBe(401);
      expect(answer.text).toContain("This session has ended");
    } finally {
      await restarted.close();
    }
  });

  it("a dropped LISTEN connection: a revocation made while it is down arrives with the reread, and later ones over the new connection", async () => {
    const ada = await person();
    const first = await ada.again();
    const second = await ada.again();
    const firstToken = await first.token();
    const secondToken = await second.token();
    await expectWorking(firstToken, "first session");
    await expectWorking(secondToken, "second session");
    const stream = await openStream(apis[0] as Api, firstToken);

    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const killed = await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
         where application_name = $1 and datname = current_database()`,
        [REVOCATION_CONNECTION_NAME],
      );
      expect(killed.rowCount).toBeGreaterThanOrEqual(2);
      // Both copies know they lost it, and have not reconnected yet (they wait 700 ms).
      for (const api of apis) {
        while (api.app.revocations.listening) await sleep(10);
      }
      const since = Date.now();
      expect((await first.request("/sign-out", { body: {} })).status).toBe(200);
      await expectRefusedEverywhere(firstToken, since, "missed while disconnected");
      await expectEnded(stream, since, "missed while disconnected");
      await expectWorking(secondToken, "the other session");

      for (const api of apis) {
        while (!api.app.revocations.listening) await sleep(10);
      }
      const later = Date.now();
      expect((await second.request("/sign-out", { body: {} })).status).toBe(200);
      await expectRefusedEverywhere(secondToken, later, "after the reconnect");
      await expectWorking(await ada.client.token(), "the session never signed out");
    } finally {
      await admin.end();
    }
  });
});

describe("readiness", () => {
  it("is not ready while the revocations cannot be read, and tokens then get 503, not a pass", async () => {
    const config = testConfig({
      // Nothing listens there: the set can never be read.
      DATABASE_URL: "postgres://nobody@127.0.0.1:9/none",
      BETTER_AUTH_URL: web.origin,
      JWT_AUDIENCE: TEST_API_AUDIENCE,
      JWT_MODE: "jwks",
    });
    const pool = createPool(config.databaseUrl, { connectionTimeoutMillis: 500 });
    const verifier = new TokenVerifier({ config });
    const app = await buildApp({ config, pool, db: createDb(pool), verifier, logger: false });
    try {
      await app.ready();
      await verifier.loadKeys();
      const ready = await app.inject({ method: "GET", url: "/readyz" });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ checks: { "revoked tokens": false } });
      const ada = await person();
      const answer = await app.inject({
        method: "GET",
        url: "/api/me",
        headers: { authorization: `Bearer ${await ada.client.token()}` },
      });
      expect(answer.statusCode).toBe(503);
    } finally {
      await app.close();
      await pool.end().catch(() => undefined);
    }
  });
});

/** Registration, consent and the token exchange of an assistant, as in the OAuth tests. */
async function connectedApp(user: AuthClient) {
  const registered = await fetch(`${web.origin}/api/auth/oauth2/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "Test Assistant",
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    }),
  });
  expect(registered.status).toBe(201);
  const clientId = z.object({ client_id: z.string() }).parse(await registered.json()).client_id;
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const authorizeUrl = new URL(`${web.origin}/api/auth/oauth2/authorize`);
  for (const [key, value] of Object.entries({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    scope: "tasks:read tasks:write offline_access",
    state: "state-123",
    code_challenge: challenge,
    code_challenge_method: "S256",
    resource: MCP_RESOURCE,
  }))
    authorizeUrl.searchParams.set(key, value);
  const Redirect = z.object({ redirect: z.literal(true), url: z.string() });
  const authorized = await fetch(authorizeUrl, {
    redirect: "manual",
    headers: { cookie: user.cookieHeader },
  });
  const consentPage = new URL(
    authorized.headers.get("location") ?? Redirect.parse(await authorized.json()).url,
    web.origin,
  );
  const consented = await user.request("/oauth2/consent", {
    body: { accept: true, oauth_query: consentPage.searchParams.toString() },
  });
  expect(consented.status).toBe(200);
  const code = new URL(Redirect.parse(await consented.json()).url).searchParams.get("code");
  if (!code) throw new Error("no code");
  const exchanged = await fetch(`${web.origin}/api/auth/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: clientId,
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI,
      resource: MCP_RESOURCE,
    }),
  });
  expect(exchanged.status).toBe(200);
  const accessToken = z
    .object({ access_token: z.string() })
    .parse(await exchanged.json()).access_token;
  return { clientId, accessToken };
}
