// The revocation rules of the API over real HTTP, with revocations written as the triggers of
// migration 0007 write them (a row in token_revocation, announced on token_revocations): what
// each kind refuses, on a token's first request (a cache miss) and on a repeated one (a cache
// hit), and how long a revocation is kept. The triggers themselves, the web app's sign-out and
// the two-copy timing are in tests/revocation.test.ts.
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ProblemSchema } from "@taskbridge/shared/problem";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { RevocationSet } from "../src/auth/revocations.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { listen } from "./support/http.ts";
import type { TestIssuer } from "./support/issuer.ts";

const database = await useTestDatabase();

let t: TestApp & { issuer: TestIssuer | undefined };
let issuer: TestIssuer;
let origin: string;

beforeAll(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "jwks" });
  if (!t.issuer) throw new Error("no issuer");
  issuer = t.issuer;
  origin = await listen(t.app);
});
afterAll(() => t.close());

/** A token of `userId` with these claims; each call makes a distinct token (a new `jti`). */
function token(userId: string, claims: Record<string, unknown> = {}): Promise<string> {
  return issuer.sign(userId, { claims: { jti: randomUUID(), ...claims } });
}

async function me(bearer: string) {
  const response = await fetch(`${origin}/api/me`, {
    headers: { authorization: `Bearer ${bearer}` },
  });
  return { status: response.status, body: await response.json() };
}

async function revoke(kind: "session" | "user" | "client", userId: string, subject: string) {
  await t.db.execute(
    sql`insert into token_revocation (kind, user_id, subject) values (${kind}, ${userId}, ${subject})`,
  );
}

/** Waits (at most 2 s) until the API refuses `bearer` with `detail`. */
async function expectRefusedSoon(bearer: string, detail: string): Promise<void> {
  await vi.waitFor(
    async () => {
      const { status, body } = await me(bearer);
      expect(status).toBe(401);
      expect(ProblemSchema.parse(body).detail).toBe(detail);
    },
    { timeout: 2000, interval: 50 },
  );
}

describe("a revoked session", () => {
  it("refuses its tokens, remembered or new, and no other session's", async () => {
    const userId = await t.createUser();
    const sid = randomUUID();
    const remembered = await token(userId, { sid });
    const other = await token(userId, { sid: randomUUID() });
    const withoutSid = await token(userId);
    for (const bearer of [remembered, other, withoutSid])
      expect((await me(bearer)).status).toBe(200);

    await revoke("session", userId, sid);
    await expectRefusedSoon(remembered, "This session has ended");
    // First seen after the revocation: refused on the cache miss path too.
    const fresh = await token(userId, { sid });
    expect((await me(fresh)).status).toBe(401);
    expect((await me(other)).status).toBe(200);
    // A token without `sid` cannot be tied to a session; it lives to its `exp`.
    expect((await me(withoutSid)).status).toBe(200);
    // A revoked token stays refused on later requests.
    expect((await me(remembered)).status).toBe(401);
  });
});

describe("a revoked user", () => {
  it("refuses every token issued up to the revocation, whatever its session", async () => {
    const userId = await t.createUser();
    const now = Math.floor(Date.now() / 1000);
    const remembered = await token(userId, { sid: randomUUID(), iat: now - 5 });
    expect((await me(remembered)).status).toBe(200);
    const bystander = await token(await t.createUser());

    await revoke("user", userId, userId);
    await expectRefusedSoon(remembered, "User no longer exists");
    expect((await me(await token(userId, { iat: now - 1 }))).status).toBe(401);
    expect((await me(bystander)).status).toBe(200);
  });
});

describe("a revoked app grant", () => {
  it("refuses the app's tokens for that person issued up to the revocation, and nothing else", async () => {
    const userId = await t.createUser();
    const now = Math.floor(Date.now() / 1000);
    const app = await token(userId, { azp: "assistant-1", iat: now - 5 });
    const otherApp = await token(userId, { azp: "assistant-2", iat: now - 5 });
    const ownSession = await token(userId, { sid: randomUUID(), iat: now - 5 });
    const someoneElse = await t.createUser();
    const theirs = await token(someoneElse, { azp: "assistant-1", iat: now - 5 });
    for (const bearer of [app, otherApp, ownSession, theirs])
      expect((await me(bearer)).status).toBe(200);

    await revoke("client", userId, "assistant-1");
    await expectRefusedSoon(app, "This app's access was revoked");
    for (const bearer of [otherApp, ownSession, theirs])
      expect((await me(bearer)).status).toBe(200);
    // Granted again later: tokens issued after the revocation work.
    const regranted = await token(userId, { azp: "assistant-1", iat: now + 2 });
    expect((await me(regranted)).status).toBe(200);
  });
});

describe("keeping revocations", () => {
  it("drops them after the longest token lifetime, in memory and in the database", async () => {
    let clock = Date.now();
    const set = new RevocationSet({
      databaseUrl: database.url,
      retentionMs: 60_000,
      log: { info: () => undefined, warn: () => undefined },
      now: () => clock,
    });
    const identity = { id: "u", sessionId: "s", clientId: null, issuedAt: 0 };
    set.add({ kind: "session", userId: "u", subject: "s", revokedAt: clock });
    expect(set.refusalOf(identity)).toBeDefined();
    clock += 59_000;
    set.prune();
    expect(set.refusalOf(identity)).toBeDefined();
    clock += 2000;
    set.prune();
    expect(set.refusalOf(identity)).toBeUndefined();
    await set.stop();

    // Rows older than the API's retention (over an hour) are deleted by a copy's pruning.
    const userId = await t.createUser();
    await t.db.execute(
      sql`insert into token_revocation (kind, user_id, subject, revoked_at)
          values ('session', ${userId}, 'old', now() - interval '2 hours'),
                 ('session', ${userId}, 'recent', now())`,
    );
    t.app.revocations.prune();
    await vi.waitFor(
      async () => {
        const rows = await t.db.execute<{ subject: string }>(
          sql`select subject from token_revocation where user_id = ${userId} order by subject`,
        );
        expect(rows.rows.map((row) => row.subject)).toEqual(["recent"]);
      },
      { timeout: 2000, interval: 50 },
    );
  });

  it("answers 503 for a token before the set is read, never a pass", async () => {
    const set = new RevocationSet({
      databaseUrl: database.url,
      retentionMs: 60_000,
      log: { info: () => undefined, warn: () => undefined },
    });
    expect(set.loaded).toBe(false);
    expect(() => set.check({ id: "u", sessionId: null, clientId: null, issuedAt: 0 })).toThrow(
      "revocations not loaded yet",
    );
    await set.start();
    expect(set.loaded).toBe(true);
    expect(() =>
      set.check({ id: "u", sessionId: null, clientId: null, issuedAt: 0 }),
    ).not.toThrow();
    await set.stop();
  });
});
