// @vitest-environment node
import { eq } from "drizzle-orm";
import { decodeJwt, decodeProtectedHeader, jwtVerify, createRemoteJWKSet } from "jose";
import { createDb } from "@taskbridge/db/client";
import { account, rateLimit, task, user } from "@taskbridge/db/schema";
import { hashPassword as scryptHash } from "better-auth/crypto";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { SIGN_IN_LIMITS } from "../src/sign-in-limits.ts";
import { createAuth } from "../src/create-auth.ts";
import { hashPassword, verifyPassword } from "../src/password.ts";
import {
  AuthClient,
  startAuthServer,
  TEST_API_AUDIENCE,
  TEST_AUTH_SECRET,
  type AuthServer,
} from "./support/auth-server.ts";

const database = await useTestDatabase();
let server: AuthServer;
let ipCounter = 1;
const newClient = () => new AuthClient(server.origin, `198.51.100.${ipCounter++}`);

/** Signs up, then signs in (sign-up alone signs no one in). */
async function signUp(client: AuthClient, email: string, password = "correct horse battery") {
  const response = await client.signUp({ name: "Ada", email, password });
  expect(response.status, await response.clone().text()).toBe(200);
}

beforeAll(async () => {
  server = await startAuthServer(database.url);
});
afterAll(() => server.close());

describe("passwords", () => {
  it("hashes with argon2id at OWASP's cost and still verifies Better Auth's older scrypt hashes", async () => {
    const hash = await hashPassword("correct horse battery");
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword({ hash, password: "correct horse battery" })).toBe(true);
    expect(await verifyPassword({ hash, password: "wrong horse battery" })).toBe(false);
    const legacy = await scryptHash("old password 123");
    expect(await verifyPassword({ hash: legacy, password: "old password 123" })).toBe(true);
    expect(await verifyPassword({ hash: legacy, password: "old password 124" })).toBe(false);
  });

  it("lets an account whose stored hash is legacy scrypt sign in", async () => {
    const client = newClient();
    await signUp(client, "legacy@example.test", "old password 123");
    const db = createDb(server.pool);
    const [row] = await db.select().from(user).where(eq(user.email, "legacy@example.test"));
    if (!row) throw new Error("no user");
    await db
      .update(account)
      .set({ password: await scryptHash("old password 123") })
      .where(eq(account.userId, row.id));
    const response = await newClient().request("/sign-in/email", {
      body: { email: "legacy@example.test", password: "old password 123" },
    });
    expect(response.status).toBe(200);
  });

  it("refuses passwords under 8 or over 128 characters", async () => {
    for (const password of ["short", "x".repeat(129)]) {
      const response = await newClient().request("/sign-up/email", {
        body: { name: "A", email: `len${password.length}@example.test`, password },
      });
      expect(response.status).toBe(400);
    }
  });
});

describe("sign-in", () => {
  it("answers unknown email and wrong password the same way", async () => {
    await signUp(newClient(), "known@example.test");
    const wrong = await newClient().request("/sign-in/email", {
      body: { email: "known@example.test", password: "not the password" },
    });
    const unknown = await newClient().request("/sign-in/email", {
      body: { email: "nobody@example.test", password: "not the password" },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(wrong.status);
    expect(await unknown.json()).toEqual(await wrong.json());
  });

  it("refuses one address that keeps failing at one account, with Retry-After", async () => {
    await signUp(newClient(), "guessed@example.test");
    const client = newClient();
    const { max } = SIGN_IN_LIMITS.perAccountAndAddress;
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < max + 2; i++) {
      last = await client.request("/sign-in/email", {
        body: { email: "guessed@example.test", password: `guess ${i}` },
      });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, max).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(max)).toEqual([429, 429]);
    expect(Number(last?.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("does not let made-up addresses in front of a trusted proxy open fresh counts", async () => {
    // The test server trusts loopback as its proxy: whatever a client writes in front of the
    // last untrusted address, that address is the one counted, the same for every request.
    const { max } = SIGN_IN_LIMITS.perAccountAndAddress;
    const statuses: number[] = [];
    for (let i = 0; i < max + 2; i++) {
      const client = new AuthClient(server.origin, `10.9.${i}.1, 198.18.0.1`);
      statuses.push(
        (
          await client.request("/sign-in/email", {
            body: { email: "forged@example.test", password: `forged ${i}` },
          })
        ).status,
      );
    }
    expect(statuses.slice(max)).toEqual([429, 429]);
  });

  it("never locks the owner out because others guessed from many addresses", async () => {
    await signUp(newClient(), "target@example.test");
    const attempt = (password: string, ip: string) =>
      new AuthClient(server.origin, ip).request("/sign-in/email", {
        body: { email: "Target@Example.test", password },
      });
    // More failures than the per-account free allowance, each from an address of its own:
    // every one is answered (slowed down, never refused) ...
    const guesses = SIGN_IN_LIMITS.perAccount.freeFailures + 3;
    for (let i = 0; i < guesses; i++) {
      expect((await attempt(`guess ${i}`, `203.0.113.${100 + i}`)).status).toBe(401);
    }
    // ... and the owner, from their own address, gets in with the right password.
    expect((await attempt("correct horse battery", "192.0.2.50")).status).toBe(200);
    // Another account is not affected either.
    await signUp(newClient(), "bystander@example.test");
    const other = await newClient().request("/sign-in/email", {
      body: { email: "bystander@example.test", password: "correct horse battery" },
    });
    expect(other.status).toBe(200);
  });

  it("does not count successful sign-ins against the address, and a success clears its count", async () => {
    const office = "192.0.2.60"; // several people behind one address
    const accounts = Array.from({ length: 4 }, (_, i) => `office-${i}@example.test`);
    for (const email of accounts) await signUp(newClient(), email);
    const client = new AuthClient(server.origin, office);
    const { max } = SIGN_IN_LIMITS.perAccountAndAddress;
    const signIn = (email: string | undefined, password: string) =>
      client.request("/sign-in/email", { body: { email, password } });
    // Failures short of the limit, then the right password: the count starts again.
    const typos = async (email: string | undefined, label: string) => {
      for (let i = 0; i < max - 1; i++) {
        expect((await signIn(email, `${label} ${i}`)).status).toBe(401);
      }
    };
    await typos(accounts[1], "typo");
    expect((await signIn(accounts[1], "correct horse battery")).status).toBe(200);
    await typos(accounts[1], "another typo");
    expect((await signIn(accounts[1], "correct horse battery")).status).toBe(200);
    // The owner's own typos, made from the address that then got in, no longer slow the account.
    const [accountCount] = await createDb(server.pool)
      .select({ count: rateLimit.count })
      .from(rateLimit)
      .where(eq(rateLimit.key, `sign-in-failures:account:${accounts[1]}`));
    expect(accountCount?.count).toBe(0);
    // More successful sign-ins from the address than its failure limit allows failures.
    for (let round = 0; round * accounts.length <= SIGN_IN_LIMITS.perAddress.max; round++) {
      for (const email of accounts) {
        expect((await signIn(email, "correct horse battery")).status).toBe(200);
      }
    }
  }, 90_000);

  it("refuses one address that sprays guesses over many accounts", async () => {
    const client = newClient();
    const { max } = SIGN_IN_LIMITS.perAddress;
    const statuses: number[] = [];
    // Bounded: two over the limit, one attempt per made-up account.
    for (let i = 0; i < max + 2; i++) {
      const response = await client.request("/sign-in/email", {
        body: { email: `spray-${i}@example.test`, password: "a guess at it" },
      });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, max).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(max)).toEqual([429, 429]);
  });

  it("counts a parallel burst of sign-ins from one address against one account exactly", async () => {
    await signUp(newClient(), "parallel@example.test");
    const client = newClient();
    const { max } = SIGN_IN_LIMITS.perAccountAndAddress;
    const statuses = await Promise.all(
      Array.from({ length: max + 6 }, (_, i) =>
        client
          .request("/sign-in/email", {
            body: { email: "parallel@example.test", password: `parallel ${i}` },
          })
          .then((response) => response.status),
      ),
    );
    expect(statuses.filter((status) => status === 401)).toHaveLength(max);
    expect(statuses.filter((status) => status === 429)).toHaveLength(6);
  });

  it("marks cookies Secure when the web app is served over https", async () => {
    const auth = createAuth({
      settings: {
        baseUrl: "https://tasks.example.test",
        secret: TEST_AUTH_SECRET,
        audience: TEST_API_AUDIENCE,
        jwtMode: "jwks",
        jwtLifetimeSeconds: 900,
      },
      db: createDb(server.pool),
      events: () => {},
    });
    const post = (path: string, body: unknown) =>
      auth.handler(
        new Request(`https://tasks.example.test/api/auth${path}`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            origin: "https://tasks.example.test",
            "x-forwarded-for": "192.0.2.200",
          },
          body: JSON.stringify(body),
        }),
      );
    const credentials = { email: "secure@example.test", password: "correct horse battery" };
    expect((await post("/sign-up/email", { name: "S", ...credentials })).status).toBe(200);
    const response = await post("/sign-in/email", credentials);
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie().find((c) => c.includes("session_token"));
    expect(cookie).toMatch(/^__Secure-/);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });

  it("sets the session cookie httpOnly and SameSite=Lax", async () => {
    const client = newClient();
    const response = await client.signUp({
      name: "C",
      email: "cookie@example.test",
      password: "correct horse battery",
    });
    const cookie = response.headers.getSetCookie().find((c) => c.includes("session_token"));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });

  it("refuses a cookie-bearing POST from an untrusted Origin", async () => {
    const client = newClient();
    await signUp(client, "csrf@example.test");
    const forged = await client.request("/update-user", {
      body: { name: "Mallory" },
      origin: "http://evil.test",
    });
    expect(forged.status).toBe(403);
    const session = await client.request("/get-session");
    const { user } = z.object({ user: z.object({ name: z.string() }) }).parse(await session.json());
    expect(user.name).toBe("Ada");
  });
});

describe("behind a trusted proxy", () => {
  it("finds the client past the listed proxies, so a forged address in front changes nothing", async () => {
    // 127.0.0.1: the test client connects over loopback, as the proxy in front would.
    const proxied = await startAuthServer(database.url, {
      trustedProxies: ["10.0.0.1", "127.0.0.1"],
    });
    try {
      const statuses: number[] = [];
      const { max } = SIGN_IN_LIMITS.perAccountAndAddress;
      for (let i = 0; i < max + 2; i++) {
        const client = new AuthClient(
          proxied.origin,
          `203.0.113.${i + 1}, 198.51.100.200, 10.0.0.1`,
        );
        const response = await client.request("/sign-in/email", {
          body: { email: "behind-proxy@example.test", password: `guess ${i}` },
        });
        statuses.push(response.status);
      }
      expect(statuses.slice(0, max).every((status) => status === 401)).toBe(true);
      expect(statuses.slice(max)).toEqual([429, 429]);
      // Another client behind the same proxy has a bucket of its own.
      const neighbour = new AuthClient(proxied.origin, "203.0.113.1, 198.51.100.201, 10.0.0.1");
      const response = await neighbour.request("/sign-in/email", {
        body: { email: "neighbour@example.test", password: "a guess" },
      });
      expect(response.status).toBe(401);
    } finally {
      await proxied.close();
    }
  });
});

describe("tokens", () => {
  it("issues EdDSA tokens with exactly sub, email, name, sid, iat, exp, iss and aud, verifiable from the JWKS", async () => {
    const client = newClient();
    await signUp(client, "claims@example.test");
    const token = await client.token();
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "EdDSA", kid: expect.any(String) });
    const claims = decodeJwt(token);
    expect(Object.keys(claims).sort()).toEqual([
      "aud",
      "email",
      "exp",
      "iat",
      "iss",
      "name",
      "sid",
      "sub",
    ]);
    expect(claims).toMatchObject({
      email: "claims@example.test",
      name: "Ada",
      iss: server.origin,
      aud: TEST_API_AUDIENCE,
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(900);
    // `sid` is the session's id, never its secret token (the cookie's value).
    const session = z
      .object({ session: z.object({ id: z.string(), token: z.string() }) })
      .parse(await (await client.request("/get-session")).json()).session;
    expect(claims.sid).toBe(session.id);
    expect(claims.sid).not.toBe(session.token);
    expect(JSON.stringify(claims)).not.toContain(session.token);
    const jwks = createRemoteJWKSet(new URL(`${server.origin}/api/auth/jwks`));
    await expect(
      jwtVerify(token, jwks, { issuer: server.origin, audience: TEST_API_AUDIENCE }),
    ).resolves.toBeDefined();
  });

  it("refuses /token without a session", async () => {
    expect((await newClient().request("/token")).status).toBe(401);
  });

  it("in hs256 mode signs with the shared secret", async () => {
    const hs = await startAuthServer(database.url, { jwtMode: "hs256" });
    try {
      const client = new AuthClient(hs.origin, "192.0.2.77");
      await signUp(client, "hs256@example.test");
      const token = await client.token();
      expect(decodeProtectedHeader(token).alg).toBe("HS256");
      const { payload } = await jwtVerify(token, new TextEncoder().encode(TEST_AUTH_SECRET), {
        issuer: hs.origin,
        audience: TEST_API_AUDIENCE,
        algorithms: ["HS256"],
      });
      expect(Object.keys(payload).sort()).toEqual([
        "aud",
        "email",
        "exp",
        "iat",
        "iss",
        "name",
        "sid",
        "sub",
      ]);
      await expect(
        jwtVerify(token, new TextEncoder().encode(`${TEST_AUTH_SECRET}x`)),
      ).rejects.toThrow();
      // No key pair signs here, so there are no public keys to publish.
      expect((await fetch(`${hs.origin}/api/auth/jwks`)).status).toBe(404);
    } finally {
      await hs.close();
    }
  });
});

describe("account deletion", () => {
  it("needs the password and deletes the user's tasks with the user", async () => {
    const client = newClient();
    await signUp(client, "leaving@example.test");
    const db = createDb(server.pool);
    const [row] = await db.select().from(user).where(eq(user.email, "leaving@example.test"));
    if (!row) throw new Error("no user");
    await db.insert(task).values([
      { userId: row.id, title: "one" },
      { userId: row.id, title: "two" },
    ]);

    // Better Auth alone would delete a fresh session's account with no password at all.
    const withoutPassword = await client.request("/delete-user", { body: {} });
    expect(withoutPassword.status).toBe(400);
    const refused = await client.request("/delete-user", {
      body: { password: "not the password" },
    });
    expect(refused.status).toBe(400);
    expect(await db.select().from(user).where(eq(user.id, row.id))).toHaveLength(1);
    expect(await db.select().from(task).where(eq(task.userId, row.id))).toHaveLength(2);

    const deleted = await client.request("/delete-user", {
      body: { password: "correct horse battery" },
    });
    expect(deleted.status).toBe(200);
    expect(await db.select().from(user).where(eq(user.id, row.id))).toEqual([]);
    expect(await db.select().from(task).where(eq(task.userId, row.id))).toEqual([]);
  });
});
