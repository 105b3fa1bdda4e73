import { constants, generateKeyPairSync, sign } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, base64url } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { signHs256, TEST_AUDIENCE, TEST_SECRET, TestIssuer } from "./support/issuer.ts";
import { problemOf } from "./support/parse.ts";
import { b64json, flipUnusedBit, forge, hmac } from "./support/forgery.ts";

const database = await useTestDatabase();

/** Counts connections taken from the pool: a refused token must never reach the database. */
function countQueries(testApp: TestApp): () => number {
  let acquired = 0;
  testApp.pool.on("acquire", () => (acquired += 1));
  return () => acquired;
}

describe("JWKS mode", () => {
  let t: TestApp & { issuer: TestIssuer | undefined };
  let issuer: TestIssuer;
  let userId: string;
  let queries: () => number;
  /** How far the API's clock is moved ahead: past a JWKS cooldown without waiting for it. */
  let clockAheadMs = 0;
  const passCooldown = () => (clockAheadMs += 5000);

  beforeAll(async () => {
    t = await buildTestApp({
      databaseUrl: database.url,
      mode: "jwks",
      env: { JWKS_COOLDOWN_MS: "5000" },
      now: () => Date.now() + clockAheadMs,
    });
    if (!t.issuer) throw new Error("no issuer");
    issuer = t.issuer;
    userId = await t.createUser();
    queries = countQueries(t);
  });
  afterAll(() => t.close());

  const call = (headers: Record<string, string>, url = "/api/me") =>
    t.app.inject({ method: "GET", url, headers });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it("accepts a token the issuer signed, and /api/me answers from its claims", async () => {
    const response = await call(bearer(await issuer.sign(userId)));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      id: userId,
      email: `${userId}@example.test`,
      name: `User ${userId}`,
    });
  });

  it("answers 401 with a bare Bearer challenge when no token is sent", async () => {
    const response = await call({});
    expect(response.statusCode).toBe(401);
    expect(response.headers["www-authenticate"]).toBe('Bearer realm="taskbridge"');
    expect(response.headers["content-type"]).toContain("application/problem+json");
    expect(response.json()).toMatchObject({
      status: 401,
      title: "Unauthorized",
      detail: expect.any(String),
    });
  });

  const attacks: Array<
    [string, () => Promise<Record<string, string>> | Record<string, string>, string?]
  > = [
    ["alg none", () => bearer(forge({ alg: "none" }, issuer.claimsFor(userId), ""))],
    ["alg None", () => bearer(forge({ alg: "None" }, issuer.claimsFor(userId), ""))],
    [
      "alg NONE with a signature part",
      () => bearer(forge({ alg: "NONE", kid: issuer.keys[0]?.kid }, issuer.claimsFor(userId))),
    ],
    ["alg nOnE", () => bearer(forge({ alg: "nOnE" }, issuer.claimsFor(userId), ""))],
    [
      "a null signature",
      async () => bearer(`${(await issuer.sign(userId)).split(".").slice(0, 2).join(".")}.`),
    ],
    [
      "a tampered payload",
      async () => {
        const [header, , signature] = (await issuer.sign(userId)).split(".");
        return bearer(`${header}.${b64json(issuer.claimsFor("someone-else"))}.${signature}`);
      },
    ],
    ["a padded signature", async () => bearer(`${await issuer.sign(userId)}=`)],
    [
      "a signature whose unused low bits were changed",
      async () => bearer(flipUnusedBit(await issuer.sign(userId))),
    ],

    [
      "white space inside the token",
      async () => {
        const token = await issuer.sign(userId);
        return bearer(`${token.slice(0, 20)} ${token.slice(20)}`);
      },
    ],
    ["four parts", async () => bearer(`${await issuer.sign(userId)}.e30`)],
    [
      "HS256 signed with the public key as PEM text",
      async () => {
        const key = issuer.keys[0];
        if (!key) throw new Error("no key");
        const { publicKey } = await generateKeyPair("EdDSA", { extractable: true });
        const pem = await exportSPKI(publicKey);
        return bearer(
          await hmac({ kid: key.kid }, issuer.claimsFor(userId), new TextEncoder().encode(pem)),
        );
      },
    ],
    [
      "HS256 signed with the public JWK as JSON",
      async () => {
        const key = issuer.keys[0];
        if (!key) throw new Error("no key");
        return bearer(
          await hmac(
            { kid: key.kid },
            issuer.claimsFor(userId),
            new TextEncoder().encode(JSON.stringify(key.publicJwk)),
          ),
        );
      },
    ],
    [
      "HS256 signed with the raw public key bytes",
      async () => {
        const key = issuer.keys[0];
        if (!key?.publicJwk.x) throw new Error("no key");
        return bearer(
          await hmac({ kid: key.kid }, issuer.claimsFor(userId), base64url.decode(key.publicJwk.x)),
        );
      },
    ],
    [
      "an attacker's key with a known kid",
      async () => {
        const { privateKey } = await generateKeyPair("EdDSA");
        const kid = issuer.keys[0]?.kid ?? "";
        return bearer(
          await new SignJWT(issuer.claimsFor(userId))
            .setProtectedHeader({ alg: "EdDSA", kid })
            .sign(privateKey),
        );
      },
    ],
    [
      "an embedded jwk with the attacker's key",
      async () => {
        const { privateKey, publicKey } = await generateKeyPair("EdDSA", { extractable: true });
        const jwk = await exportJWK(publicKey);
        return bearer(
          await new SignJWT(issuer.claimsFor(userId))
            .setProtectedHeader({ alg: "EdDSA", jwk })
            .sign(privateKey),
        );
      },
    ],
    [
      "kid path traversal",
      async () => bearer(await issuer.sign(userId, { header: { kid: "../../../../etc/passwd" } })),
    ],
    [
      "kid SQL injection",
      async () =>
        bearer(await issuer.sign(userId, { header: { kid: "' OR '1'='1'; DROP TABLE task; --" } })),
    ],
    [
      "an expired token",
      async () =>
        bearer(await issuer.sign(userId, { claims: { iat: now() - 1000, exp: now() - 100 } })),
    ],
    [
      "a token not valid yet (nbf)",
      async () => bearer(await issuer.sign(userId, { claims: { nbf: now() + 600 } })),
    ],
    [
      "iat in the future",
      async () =>
        bearer(await issuer.sign(userId, { claims: { iat: now() + 600, exp: now() + 1200 } })),
    ],
    [
      "older than the maximum age",
      async () =>
        bearer(await issuer.sign(userId, { claims: { iat: now() - 3600, exp: now() + 600 } })),
    ],
    ["no exp", async () => bearer(await issuer.sign(userId, { claims: { exp: undefined } }))],
    ["no iat", async () => bearer(await issuer.sign(userId, { claims: { iat: undefined } }))],
    [
      "a wrong issuer",
      async () => bearer(await issuer.sign(userId, { claims: { iss: "http://evil.test" } })),
    ],
    [
      "an issuer with a trailing slash",
      async () => bearer(await issuer.sign(userId, { claims: { iss: `${issuer.origin}/` } })),
    ],
    [
      "a wrong audience",
      async () => bearer(await issuer.sign(userId, { claims: { aud: "http://other-api.test" } })),
    ],
    ["no sub", async () => bearer(await issuer.sign(userId, { claims: { sub: undefined } }))],
    ["an empty sub", async () => bearer(await issuer.sign(userId, { claims: { sub: "" } }))],
    ["a numeric sub", async () => bearer(await issuer.sign(userId, { claims: { sub: 42 } }))],
    [
      "claims of the wrong type",
      async () => bearer(await issuer.sign(userId, { claims: { email: 12, name: ["x"] } })),
    ],
    [
      "exp as a string",
      async () => bearer(await issuer.sign(userId, { claims: { exp: String(now() + 600) } })),
    ],
    [
      "an oversized token",
      async () => bearer(await issuer.sign(userId, { claims: { pad: "x".repeat(9000) } })),
    ],
    [
      "an HS256 token with the shared secret",
      async () => bearer(await signHs256(userId, { issuer: issuer.origin })),
    ],
    ["a Basic scheme", () => ({ authorization: "Basic dXNlcjpwYXNz" })],
    ["garbage", () => ({ authorization: "Bearer not-a-jwt" })],
  ];

  it.each(attacks)("refuses %s with 401 and no database query", async (_name, headersFor) => {
    const before = queries();
    const response = await call(await headersFor());
    expect(response.statusCode).toBe(401);
    expect(response.headers["www-authenticate"]).toMatch(
      /^Bearer realm="taskbridge", error="invalid_token"/,
    );
    expect(response.headers["content-type"]).toContain("application/problem+json");
    const body = problemOf(response);
    expect(body).toMatchObject({ status: 401, detail: expect.any(String) });
    expect(JSON.stringify(body)).not.toContain(userId);
    expect(queries()).toBe(before);
  });

  it("refuses a token in the query string even when it is valid", async () => {
    const token = await issuer.sign(userId);
    const response = await call({}, `/api/me?access_token=${token}`);
    expect(response.statusCode).toBe(401);
    expect(problemOf(response).detail).toMatch(/Authorization header/);
  });

  it("never contacts a jku or x5u URL named in a token", async () => {
    let contacted = 0;
    const listener = http.createServer((_request, response) => {
      contacted += 1;
      response.end("{}");
    });
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/jwks`;
    try {
      for (const header of [{ jku: url }, { x5u: url }, { jku: url, kid: "attacker" }]) {
        const response = await call(bearer(await issuer.sign(userId, { header })));
        expect(response.statusCode).toBe(401);
      }
      expect(contacted).toBe(0);
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  it("refuses a changed token after the original was accepted and cached", async () => {
    const token = await issuer.sign(userId);
    expect((await call(bearer(token))).statusCode).toBe(200);
    expect((await call(bearer(token))).statusCode).toBe(200);
    const [header, , signature] = token.split(".");
    const changed = `${header}.${b64json(issuer.claimsFor("intruder"))}.${signature}`;
    expect((await call(bearer(changed))).statusCode).toBe(401);
  });

  describe("key rotation", () => {
    it("accepts a token signed with a newly published key without a restart", async () => {
      passCooldown();
      const kid = await issuer.addKey();
      const response = await call(bearer(await issuer.sign(userId, { kid })));
      expect(response.statusCode).toBe(200);
    });

    it("keeps verifying with known keys while the JWKS endpoint is down", async () => {
      issuer.setAvailable(false);
      try {
        passCooldown();
        // An unknown kid makes it try (and fail) to refetch; known keys must survive that.
        const stranger = await new SignJWT(issuer.claimsFor(userId))
          .setProtectedHeader({ alg: "EdDSA", kid: "unknown" })
          .sign((await generateKeyPair("EdDSA")).privateKey);
        expect((await call(bearer(stranger))).statusCode).toBe(401);
        const kid = issuer.keys[0]?.kid;
        expect((await call(bearer(await issuer.sign(userId, { kid })))).statusCode).toBe(200);
      } finally {
        issuer.setAvailable(true);
      }
    });

    it("does not flood the JWKS endpoint with a flood of unknown kids", async () => {
      passCooldown();
      const before = issuer.jwksRequests;
      const { privateKey } = await generateKeyPair("EdDSA");
      const tokens = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          new SignJWT(issuer.claimsFor(userId))
            .setProtectedHeader({ alg: "EdDSA", kid: `made-up-${i}` })
            .sign(privateKey),
        ),
      );
      const statuses = await Promise.all(
        tokens.map(async (token) => (await call(bearer(token))).statusCode),
      );
      expect(new Set(statuses)).toEqual(new Set([401]));
      expect(issuer.jwksRequests - before).toBeLessThanOrEqual(1);
    });
  });
  describe("algorithms", () => {
    /** An RSA key published under `alg`, signed with by hand (node:crypto), as an attacker would. */
    function rsaKey(alg: string) {
      const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const kid = `rsa-${alg}-${Date.now()}`;
      issuer.published.push({ ...publicKey.export({ format: "jwk" }), kid, alg });
      passCooldown();
      const token = (header: Record<string, unknown>, pss = false) => {
        const signed = `${b64json(header)}.${b64json(issuer.claimsFor(userId))}`;
        const signature = sign(
          "sha256",
          Buffer.from(signed),
          pss
            ? {
                key: privateKey,
                padding: constants.RSA_PKCS1_PSS_PADDING,
                saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
              }
            : privateKey,
        );
        return `${signed}.${signature.toString("base64url")}`;
      };
      return { kid, token };
    }

    it.each(["EdDSA", "ES256", "ES512", "PS256", "RS256"] as const)(
      "accepts a token signed with a published %s key",
      async (alg) => {
        passCooldown();
        const kid = await issuer.addKey(alg);
        expect((await call(bearer(await issuer.sign(userId, { kid })))).statusCode).toBe(200);
      },
    );

    it("refuses a token whose alg is not its key's, though the key could have made it", async () => {
      const { kid, token } = rsaKey("RS256");
      expect((await call(bearer(token({ alg: "RS256", kid })))).statusCode).toBe(200);
      expect((await call(bearer(token({ alg: "PS256", kid }, true)))).statusCode).toBe(401);
    });

    it("never uses a published key whose alg is for another kind of key", async () => {
      const { kid, token } = rsaKey("EdDSA");
      expect((await call(bearer(token({ alg: "EdDSA", kid })))).statusCode).toBe(401);
    });

    it("refuses an ES256 signature in DER form rather than the JWS form", async () => {
      passCooldown();
      const kid = await issuer.addKey("ES256");
      const [header, payload, signature = ""] = (await issuer.sign(userId, { kid })).split(".");
      const raw = Buffer.from(signature, "base64url");
      const integer = (bytes: Buffer) => {
        const trimmed = bytes.subarray(bytes.findIndex((byte) => byte !== 0));
        const body = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.of(0), trimmed]) : trimmed;
        return Buffer.concat([Buffer.of(0x02, body.length), body]);
      };
      const sequence = Buffer.concat([integer(raw.subarray(0, 32)), integer(raw.subarray(32))]);
      const der = Buffer.concat([Buffer.of(0x30, sequence.length), sequence]);
      expect(
        (await call(bearer(`${header}.${payload}.${der.toString("base64url")}`))).statusCode,
      ).toBe(401);
    });

    it("refuses a header naming critical extensions", async () => {
      const token = await issuer.sign(userId, { header: { b64: true, crit: ["b64"] } });
      expect((await call(bearer(token))).statusCode).toBe(401);
    });

    it("accepts an audience list that names this API, and refuses one that does not", async () => {
      const other = "http://other-api.test";
      const listed = await issuer.sign(userId, { claims: { aud: [other, TEST_AUDIENCE] } });
      expect((await call(bearer(listed))).statusCode).toBe(200);
      const elsewhere = await issuer.sign(userId, { claims: { aud: [other] } });
      expect((await call(bearer(elsewhere))).statusCode).toBe(401);
    });
  });
});

describe("HS256 mode", () => {
  let t: TestApp;
  let userId: string;
  let queries: () => number;
  const issuerOrigin = "http://127.0.0.1:3000";

  beforeAll(async () => {
    t = await buildTestApp({
      databaseUrl: database.url,
      mode: "hs256",
      env: { BETTER_AUTH_URL: issuerOrigin },
    });
    userId = await t.createUser();
    queries = countQueries(t);
  });
  afterAll(() => t.close());

  const call = (token: string) =>
    t.app.inject({ method: "GET", url: "/api/me", headers: { authorization: `Bearer ${token}` } });

  it("accepts a token made by another library with the shared secret and the right claims", async () => {
    const response = await call(await signHs256(userId, { issuer: issuerOrigin }));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: userId });
  });

  it.each([
    [
      "a signature whose unused low bits were changed",
      async () => flipUnusedBit(await signHs256(userId, { issuer: issuerOrigin })),
    ],
    [
      "a wrong secret",
      () => signHs256(userId, { issuer: issuerOrigin, secret: `${TEST_SECRET}-wrong` }),
    ],
    [
      "an EdDSA token",
      async () => {
        const { privateKey } = await generateKeyPair("EdDSA");
        return new SignJWT({
          sub: userId,
          iss: issuerOrigin,
          aud: TEST_AUDIENCE,
          iat: now(),
          exp: now() + 600,
        })
          .setProtectedHeader({ alg: "EdDSA", kid: "k" })
          .sign(privateKey);
      },
    ],
    [
      "HS512 with the shared secret",
      () =>
        new SignJWT({
          sub: userId,
          iss: issuerOrigin,
          aud: TEST_AUDIENCE,
          iat: now(),
          exp: now() + 600,
        })
          .setProtectedHeader({ alg: "HS512" })
          .sign(new TextEncoder().encode(TEST_SECRET)),
    ],
    [
      "alg none",
      () =>
        Promise.resolve(
          forge(
            { alg: "none" },
            { sub: userId, iss: issuerOrigin, aud: TEST_AUDIENCE, iat: now(), exp: now() + 600 },
            "",
          ),
        ),
    ],
    [
      "an expired token",
      () =>
        signHs256(userId, {
          issuer: issuerOrigin,
          claims: { iat: now() - 1000, exp: now() - 100 },
        }),
    ],
    [
      "a wrong audience",
      () => signHs256(userId, { issuer: issuerOrigin, claims: { aud: "http://elsewhere.test" } }),
    ],
  ])("refuses %s", async (_name, make) => {
    const before = queries();
    const response = await call(await make());
    expect(response.statusCode).toBe(401);
    expect(response.headers["www-authenticate"]).toContain('error="invalid_token"');
    expect(queries()).toBe(before);
  });

  it("refuses to start with a short secret", async () => {
    await expect(
      buildTestApp({
        databaseUrl: database.url,
        mode: "hs256",
        env: { BETTER_AUTH_SECRET: "short" },
      }),
    ).rejects.toThrow(/at least 32/);
  });
});

describe("readiness in JWKS mode", () => {
  it("reports not ready and answers tokens with 503 until the keys arrive, then serves without a restart", async () => {
    const issuer = await TestIssuer.start();
    issuer.setAvailable(false);
    const t = await buildTestApp({
      databaseUrl: database.url,
      mode: "jwks",
      issuer,
      waitForKeys: false,
    });
    try {
      const notReady = await t.app.inject({ method: "GET", url: "/readyz" });
      expect(notReady.statusCode).toBe(503);
      expect(notReady.json()).toMatchObject({
        checks: { database: true, "verification keys": false },
      });
      const early = await t.app.inject({
        method: "GET",
        url: "/api/me",
        headers: { authorization: `Bearer ${await issuer.sign("u1")}` },
      });
      expect(early.statusCode).toBe(503);
      expect(early.headers["retry-after"]).toBeDefined();

      issuer.setAvailable(true);
      await vi.waitFor(
        async () =>
          expect((await t.app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200),
        { timeout: 8000, interval: 200 },
      );
      const later = await t.app.inject({
        method: "GET",
        url: "/api/me",
        headers: { authorization: `Bearer ${await issuer.sign("u1")}` },
      });
      expect(later.statusCode).toBe(200);
    } finally {
      await t.close();
      await issuer.close();
    }
  });
});

function now(): number {
  return Math.floor(Date.now() / 1000);
}
