// Interoperability with backends and clients written in Python: with PyJWT they must verify our
// EdDSA tokens through the JWKS and mint HS256 tokens our API accepts; with python-jose they
// must verify our HS256 tokens.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { signHs256, TEST_AUDIENCE, TEST_SECRET, TestIssuer } from "./support/issuer.ts";

const run = promisify(execFile);
// Debian's python3 with python3-jwt and python3-cryptography (.ci/run installs them).
const PYTHON = "/usr/bin/python3";
const script = path.join(import.meta.dirname, "interop/pyjwt_client.py");

async function pyjwtAvailable(): Promise<boolean> {
  if (!existsSync(PYTHON)) return false;
  return run(PYTHON, ["-c", "import jwt, cryptography"]).then(
    () => true,
    () => false,
  );
}

const python = (...args: string[]) =>
  run(PYTHON, [script, ...args]).then(({ stdout }) => stdout.trim());

const joseScript = path.join(import.meta.dirname, "interop/jose_client.py");
async function pythonJoseAvailable(): Promise<boolean> {
  if (!existsSync(PYTHON)) return false;
  return run(PYTHON, ["-c", "import jose"]).then(
    () => true,
    () => false,
  );
}
const pythonJose = (...args: string[]) =>
  run(PYTHON, [joseScript, ...args]).then(({ stdout }) => stdout.trim());

describe.runIf(await pyjwtAvailable())("PyJWT interoperability", async () => {
  const database = await useTestDatabase();

  describe("HS256 mode", () => {
    let t: TestApp;
    let userId: string;
    const issuer = "http://127.0.0.1:3000";
    beforeAll(async () => {
      t = await buildTestApp({
        databaseUrl: database.url,
        mode: "hs256",
        env: { BETTER_AUTH_URL: issuer },
      });
      userId = await t.createUser();
    });
    afterAll(() => t.close());

    const me = (token: string) =>
      t.app.inject({
        method: "GET",
        url: "/api/me",
        headers: { authorization: `Bearer ${token}` },
      });

    it("accepts a token PyJWT made with the shared secret and the right claims", async () => {
      const token = await python("mint-hs256", TEST_SECRET, issuer, TEST_AUDIENCE, userId);
      const response = await me(token);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        id: userId,
        email: `${userId}@example.test`,
        name: "From Python",
      });
    });

    it("refuses a token PyJWT made with a wrong secret", async () => {
      const token = await python(
        "mint-hs256",
        `${TEST_SECRET}-but-wrong`,
        issuer,
        TEST_AUDIENCE,
        userId,
      );
      expect((await me(token)).statusCode).toBe(401);
    });
  });

  describe("JWKS mode", () => {
    let issuer: TestIssuer;
    beforeAll(async () => {
      issuer = await TestIssuer.start();
    });
    afterAll(() => issuer.close());

    it("lets PyJWKClient verify an EdDSA token through the published JWKS", async () => {
      const token = await issuer.sign("py-user");
      const claims: unknown = JSON.parse(
        await python("verify-jwks", issuer.jwksUrl, issuer.origin, TEST_AUDIENCE, token),
      );
      expect(claims).toMatchObject({ sub: "py-user", iss: issuer.origin, aud: TEST_AUDIENCE });
    });
  });
});

describe.runIf(await pythonJoseAvailable())("python-jose interoperability (HS256 mode)", () => {
  const issuer = "http://127.0.0.1:3000";

  it("verifies our HS256 token when given the audience", async () => {
    const token = await signHs256("jose-user", { issuer });
    const claims: unknown = JSON.parse(
      await pythonJose("verify-hs256", TEST_SECRET, issuer, TEST_AUDIENCE, token),
    );
    expect(claims).toMatchObject({ sub: "jose-user", iss: issuer, aud: TEST_AUDIENCE });
  });

  it("refuses it without audience=, as the README warns", async () => {
    const token = await signHs256("jose-user", { issuer });
    expect(await pythonJose("verify-hs256-no-audience", TEST_SECRET, issuer, token)).toMatch(
      /^refused: .*audience/i,
    );
  });
});
