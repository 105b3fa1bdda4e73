// The time rules of a token (exp, nbf, iat in the future, the maximum age, the clock skew) over
// real HTTP, on a token's first request (a cache miss) and on a repeated one (a cache hit): the
// verifier remembers verified tokens, and a remembered token is judged by the clock as a new one.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProblemSchema } from "@taskbridge/shared/problem";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { listen } from "./support/http.ts";
import type { TestIssuer } from "./support/issuer.ts";

const database = await useTestDatabase();

/** The web app's token lifetime in this file: short, so that tokens outlive it. */
const LIFETIME = 10;
/** The skew the verifier allows either way. */
const SKEW = 30;

let t: TestApp & { issuer: TestIssuer | undefined };
let issuer: TestIssuer;
let origin: string;
let userId: string;
/** The API's clock, in seconds since the epoch; each test sets it. */
let clock = 0;

beforeAll(async () => {
  t = await buildTestApp({
    databaseUrl: database.url,
    mode: "jwks",
    env: { JWT_LIFETIME_SECONDS: String(LIFETIME) },
    now: () => clock * 1000,
  });
  if (!t.issuer) throw new Error("no issuer");
  issuer = t.issuer;
  userId = await t.createUser();
  origin = await listen(t.app);
});
afterAll(() => t.close());

/** A token with these times; each call makes a distinct token (a new `jti`), unknown to the cache. */
function tokenWith(times: { iat: number; exp: number; nbf?: number }): Promise<string> {
  return issuer.sign(userId, { claims: { ...times, jti: randomUUID() } });
}

async function me(token: string) {
  const response = await fetch(`${origin}/api/me`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  return { response, body: JSON.parse(text) as unknown };
}

async function expectAccepted(token: string): Promise<void> {
  const { response, body } = await me(token);
  expect(response.status, JSON.stringify(body)).toBe(200);
  expect(body).toMatchObject({ id: userId });
}

async function expectRefused(token: string, detail: string | RegExp): Promise<void> {
  const { response, body } = await me(token);
  expect(response.status, JSON.stringify(body)).toBe(401);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(response.headers.get("www-authenticate")).toMatch(
    /^Bearer realm="taskbridge", error="invalid_token"/,
  );
  const problem = ProblemSchema.parse(body);
  expect(problem.status).toBe(401);
  expect(problem.detail).toMatch(detail);
}

const base = () => Math.floor(Date.now() / 1000);

describe("a token's times, on its first request and from the cache", () => {
  it("refuses a token that expired while it was remembered, as it refuses a new one", async () => {
    const t0 = base();
    const times = { iat: t0, exp: t0 + 5 };
    clock = t0;
    const remembered = await tokenWith(times);
    await expectAccepted(remembered);
    await expectAccepted(remembered);
    // The last second of the skew: still good, fresh or remembered.
    clock = t0 + 5 + SKEW - 1;
    await expectAccepted(remembered);
    await expectAccepted(await tokenWith(times));
    clock = t0 + 5 + SKEW;
    await expectRefused(remembered, "The token has expired");
    await expectRefused(await tokenWith(times), "The token has expired");
  });

  it("refuses a remembered token once it is older than the lifetime, though its exp is far", async () => {
    // A web app configured with a longer lifetime than the API's: exp an hour after iat.
    const t0 = base();
    const times = { iat: t0, exp: t0 + 3600 };
    clock = t0;
    const remembered = await tokenWith(times);
    await expectAccepted(remembered);
    clock = t0 + LIFETIME + SKEW;
    await expectAccepted(remembered);
    await expectAccepted(await tokenWith(times));
    // What an outside check saw: 42 s after iat, new refused but remembered accepted.
    clock = t0 + 42;
    await expectRefused(await tokenWith(times), "The token has expired");
    await expectRefused(remembered, "The token has expired");
    // And it stays refused.
    await expectRefused(remembered, "The token has expired");
  });

  it("refuses a remembered token that is not valid yet by the clock (nbf), as a new one", async () => {
    const t0 = base();
    const times = { iat: t0, exp: t0 + 3600, nbf: t0 + 60 };
    clock = t0;
    const early = await tokenWith(times);
    await expectRefused(early, "Invalid token");
    clock = t0 + 60 - SKEW;
    await expectAccepted(early);
    await expectAccepted(early);
    // The clock is set back (a correction): the token is not valid yet again.
    clock = t0 + 60 - SKEW - 1;
    await expectRefused(early, "Invalid token");
    await expectRefused(await tokenWith(times), "Invalid token");
  });

  it("refuses a remembered token issued in the future by the clock (iat), as a new one", async () => {
    const t0 = base();
    const times = { iat: t0 + 60, exp: t0 + 3600 };
    clock = t0;
    const early = await tokenWith(times);
    await expectRefused(early, "Invalid token");
    clock = t0 + 60 - SKEW;
    await expectAccepted(early);
    await expectAccepted(early);
    clock = t0 + 60 - SKEW - 1;
    await expectRefused(early, "Invalid token");
    await expectRefused(await tokenWith(times), "Invalid token");
  });
});

describe("an event stream", () => {
  it("ends when its token reaches the maximum age, though the token's exp is far", async () => {
    const now = base();
    clock = now;
    // Accepted now (8 s old, lifetime 10 s), refused by age from 10 s after iat (past the skew).
    const token = await tokenWith({ iat: now - 8, exp: now + 3600 });
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 12_000);
    const started = Date.now();
    try {
      const response = await fetch(`${origin}/api/events`, {
        headers: { authorization: `Bearer ${token}` },
        signal: abort.signal,
      });
      expect(response.status).toBe(200);
      const reader = response.body?.getReader();
      if (!reader) throw new Error("no body");
      let ended = false;
      try {
        for (;;) {
          if ((await reader.read()).done) {
            ended = true;
            break;
          }
        }
      } catch {
        // Aborted: the stream was still open after 12 s.
      }
      expect(ended).toBe(true);
      // At iat + lifetime (2 s from now), not at exp.
      expect(Date.now() - started).toBeLessThan(8_000);
    } finally {
      clearTimeout(timer);
    }
  });
});
