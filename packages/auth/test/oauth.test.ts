// @vitest-environment node
// The OAuth 2.1 authorization server AI assistants use, over real HTTP: registration, PKCE,
// consent, token exchange and refresh rotation, and every way a request is refused.
import { createHash, randomBytes } from "node:crypto";
import { oauthProviderAuthServerMetadata } from "@better-auth/oauth-provider";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import type { AuthEvent } from "../src/auth-events.ts";
import {
  AuthClient,
  startAuthServer,
  TEST_AUTH_SECRET,
  type AuthServer,
} from "./support/auth-server.ts";

const API_URL = "http://127.0.0.1:8000";
const MCP_RESOURCE = `${API_URL}/mcp`;
const REDIRECT_URI = "http://127.0.0.1:33418/callback";

const database = await useTestDatabase();
let server: AuthServer;
let ipCounter = 1;
const events: AuthEvent[] = [];

beforeAll(async () => {
  server = await startAuthServer(
    database.url,
    { apiUrl: API_URL },
    { events: (event) => void events.push(event) },
  );
});
afterAll(() => server.close());

const Registered = z.object({ client_id: z.string() });
const Tokens = z.object({
  access_token: z.string(),
  refresh_token: z.string().optional(),
  token_type: z.string(),
  scope: z.string().optional(),
});
const RedirectBody = z.object({ redirect: z.literal(true), url: z.string() });
const OAuthError = z.object({ error: z.string() });

function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  return { verifier, challenge };
}

async function signedInUser(): Promise<AuthClient> {
  const client = new AuthClient(server.origin, `198.51.100.${ipCounter++}`);
  const response = await client.signUp({
    name: "Ada",
    email: `ada-${randomBytes(4).toString("hex")}@example.test`,
    password: "correct horse battery staple",
  });
  expect(response.status).toBe(200);
  return client;
}

async function register(): Promise<string> {
  const response = await fetch(`${server.origin}/api/auth/oauth2/register`, {
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
  const body: unknown = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(201);
  return Registered.parse(body).client_id;
}

/**
 * The authorize endpoint, as a client's browser would reach it. Node's fetch always says
 * `sec-fetch-mode: cors`, so the provider answers with JSON naming the redirect a browser
 * navigation gets as a 302 (the browser tests cover that).
 */
async function authorize(user: AuthClient, params: Record<string, string>): Promise<URL> {
  const url = new URL(`${server.origin}/api/auth/oauth2/authorize`);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  const response = await fetch(url, { redirect: "manual", headers: { cookie: user.cookieHeader } });
  const location =
    response.headers.get("location") ?? RedirectBody.parse(await response.json()).url;
  return new URL(location, server.origin);
}

async function consent(user: AuthClient, consentPage: URL, accept: boolean): Promise<URL> {
  const response = await user.request("/oauth2/consent", {
    body: { accept, oauth_query: consentPage.searchParams.toString() },
  });
  const body: unknown = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(200);
  return new URL(RedirectBody.parse(body).url);
}

async function token(form: Record<string, string>) {
  const response = await fetch(`${server.origin}/api/auth/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: await response.json() };
}

function authorizeParams(clientId: string, challenge: string, scope = "tasks:read tasks:write") {
  return {
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    scope: `${scope} offline_access`,
    state: "state-123",
    code_challenge: challenge,
    code_challenge_method: "S256",
    resource: MCP_RESOURCE,
  };
}

/** Registration, sign-in, consent: an authorization code and its verifier. */
async function grantedCode(user: AuthClient, clientId: string, scope?: string) {
  const { verifier, challenge } = pkce();
  const consentPage = await authorize(user, authorizeParams(clientId, challenge, scope));
  expect(consentPage.pathname).toBe("/oauth/consent");
  const callback = await consent(user, consentPage, true);
  const code = callback.searchParams.get("code");
  if (!code) throw new Error(`no code in ${callback.toString()}`);
  return { code, verifier };
}

async function exchange(clientId: string, code: string, verifier: string) {
  return token({
    grant_type: "authorization_code",
    client_id: clientId,
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT_URI,
    resource: MCP_RESOURCE,
  });
}

describe("OAuth for AI assistants", () => {
  it("publishes RFC 8414 metadata whose issuer is the web app", async () => {
    // The handler the web app serves at the root /.well-known/oauth-authorization-server.
    const response = await oauthProviderAuthServerMetadata(server.auth)(
      new Request(`${server.origin}/.well-known/oauth-authorization-server`),
    );
    const metadata = z
      .object({
        issuer: z.string(),
        registration_endpoint: z.string(),
        code_challenge_methods_supported: z.array(z.string()),
        scopes_supported: z.array(z.string()),
      })
      .parse(await response.json());
    expect(metadata.issuer).toBe(server.origin);
    expect(metadata.code_challenge_methods_supported).toEqual(["S256"]);
    expect(metadata.scopes_supported).toEqual(
      expect.arrayContaining(["tasks:read", "tasks:write"]),
    );
  });

  it("issues a JWT for the /mcp resource after consent, and rotates refresh tokens once", async () => {
    const user = await signedInUser();
    const clientId = await register();
    const { code, verifier } = await grantedCode(user, clientId);
    const consented = events.filter((event) => event.clientId === clientId);
    expect(consented).toEqual([
      expect.objectContaining({ event: "consent-given", userId: expect.any(String) }),
    ]);
    const exchanged = await exchange(clientId, code, verifier);
    expect(exchanged.status, JSON.stringify(exchanged.body)).toBe(200);
    const tokens = Tokens.parse(exchanged.body);
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: "EdDSA" });
    const { payload } = await jwtVerify(
      tokens.access_token,
      createRemoteJWKSet(new URL(`${server.origin}/api/auth/jwks`)),
      { issuer: server.origin, audience: MCP_RESOURCE },
    );
    expect(payload.scope).toBe("tasks:read tasks:write offline_access");
    expect(payload.azp).toBe(clientId);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(900);

    const refreshToken = tokens.refresh_token;
    if (!refreshToken) throw new Error("no refresh token");
    const refreshed = await token({
      grant_type: "refresh_token",
      client_id: clientId,
      refresh_token: refreshToken,
      resource: MCP_RESOURCE,
    });
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect(Tokens.parse(refreshed.body).refresh_token).not.toBe(refreshToken);

    const reused = await token({
      grant_type: "refresh_token",
      client_id: clientId,
      refresh_token: refreshToken,
      resource: MCP_RESOURCE,
    });
    expect(reused.status).toBe(400);
    expect(OAuthError.parse(reused.body).error).toBe("invalid_grant");
  });

  it("answers Deny with access_denied at the client's redirect URI", async () => {
    const user = await signedInUser();
    const clientId = await register();
    const consentPage = await authorize(user, authorizeParams(clientId, pkce().challenge));
    const callback = await consent(user, consentPage, false);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("state")).toBe("state-123");
    expect(callback.searchParams.get("code")).toBeNull();
    const refused = events.filter((event) => event.clientId === clientId);
    expect(refused).toEqual([
      expect.objectContaining({ event: "consent-refused", userId: expect.any(String) }),
    ]);
  });

  it("refuses an authorization request without a PKCE challenge, or with the plain method", async () => {
    const user = await signedInUser();
    const clientId = await register();
    const { challenge } = pkce();
    const {
      code_challenge: _c,
      code_challenge_method: _m,
      ...noChallenge
    } = authorizeParams(clientId, challenge);
    const missing = await authorize(user, noChallenge);
    expect(missing.searchParams.get("error")).toBe("invalid_request");
    expect(missing.searchParams.get("code")).toBeNull();

    const plain = await authorize(user, {
      ...authorizeParams(clientId, challenge),
      code_challenge_method: "plain",
    });
    expect(plain.searchParams.get("error")).toBe("invalid_request");
    expect(plain.pathname).not.toBe("/oauth/consent");
  });

  it("refuses a code exchanged with the wrong verifier", async () => {
    const user = await signedInUser();
    const clientId = await register();
    const { code } = await grantedCode(user, clientId);
    const wrong = await exchange(clientId, code, pkce().verifier);
    // RFC 7636 §4.6: a verifier that does not match is invalid_grant, a 400 (RFC 6749 §5.2).
    expect(wrong.status, JSON.stringify(wrong.body)).toBe(400);
    expect(OAuthError.parse(wrong.body).error).toBe("invalid_grant");
    expect(wrong.body).not.toHaveProperty("access_token");
  });

  it("refuses a replayed code and ends the refresh token it issued", async () => {
    const user = await signedInUser();
    const clientId = await register();
    const { code, verifier } = await grantedCode(user, clientId);
    const first = Tokens.parse((await exchange(clientId, code, verifier)).body);
    const replayed = await exchange(clientId, code, verifier);
    expect(replayed.status).toBeGreaterThanOrEqual(400);
    expect(OAuthError.parse(replayed.body).error).toBe("invalid_grant");
    const refreshed = await token({
      grant_type: "refresh_token",
      client_id: clientId,
      refresh_token: first.refresh_token ?? "",
      resource: MCP_RESOURCE,
    });
    expect(refreshed.status).toBe(400);
  });

  it("registers desktop clients with loopback callbacks as native apps", async () => {
    const response = await fetch(`${server.origin}/api/auth/oauth2/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_name: "Web Assistant",
        redirect_uris: ["http://assistant.example.test/callback"],
        token_endpoint_auth_method: "none",
      }),
    });
    // A web client on plain http elsewhere than loopback stays refused.
    expect(response.status).toBe(400);
  });

  it("signs assistants' tokens with the shared secret in HS256 mode", async () => {
    const hs256 = await startAuthServer(database.url, { apiUrl: API_URL, jwtMode: "hs256" });
    const previous = server;
    server = hs256;
    try {
      const user = await signedInUser();
      const clientId = await register();
      const { code, verifier } = await grantedCode(user, clientId);
      const exchanged = await exchange(clientId, code, verifier);
      const { access_token } = Tokens.parse(exchanged.body);
      const { payload, protectedHeader } = await jwtVerify(
        access_token,
        new TextEncoder().encode(TEST_AUTH_SECRET),
        { issuer: hs256.origin, audience: MCP_RESOURCE, algorithms: ["HS256"] },
      );
      expect(protectedHeader.alg).toBe("HS256");
      expect(payload.azp).toBe(clientId);
    } finally {
      server = previous;
      await hs256.close();
    }
  });
});
