// A real issuer for tests and benchmarks: key pairs and a JWKS served over HTTP on 127.0.0.1,
// or the shared HS256 secret, and real signed tokens made as Better Auth makes them.
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from "jose";

export const TEST_AUDIENCE = "http://127.0.0.1:8000";
export const TEST_SECRET = "test-secret-that-is-long-enough-0123456789";

type SigningAlg = "EdDSA" | "ES256" | "ES512" | "PS256" | "RS256";

interface IssuerKey {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface SignOptions {
  /** Claims to add or override; `undefined` removes a default claim. */
  claims?: Record<string, unknown>;
  kid?: string;
  /** Extra protected-header fields (e.g. `jwk`, `jku`). */
  header?: Record<string, unknown>;
}

/** The claims Better Auth puts in a token for `userId`; an override of `undefined` removes one. */
export function tokenClaims(
  userId: string,
  issuer: string,
  overrides: Record<string, unknown> = {},
): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    sub: userId,
    email: `${userId}@example.test`,
    name: `User ${userId}`,
    iat: now,
    exp: now + 15 * 60,
    iss: issuer,
    aud: TEST_AUDIENCE,
    ...overrides,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return claims;
}

/** A stand-in for the web app's Better Auth: real key pairs, a real JWKS over HTTP. */
export class TestIssuer {
  readonly keys: IssuerKey[] = [];
  /** Public keys published beside the signing keys, as given: a test signs with them itself. */
  readonly published: JWK[] = [];
  /** How many times the JWKS was requested. */
  jwksRequests = 0;
  private available = true;
  private server: http.Server | undefined;
  origin = "";

  static async start(): Promise<TestIssuer> {
    const issuer = new TestIssuer();
    await issuer.addKey();
    await issuer.listen();
    return issuer;
  }

  get jwksUrl(): string {
    return `${this.origin}/api/auth/jwks`;
  }

  private async listen(): Promise<void> {
    this.server = http.createServer((request, response) => {
      if (request.url !== "/api/auth/jwks") {
        response.writeHead(404).end();
        return;
      }
      this.jwksRequests += 1;
      if (!this.available) {
        response.writeHead(503).end();
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      const keys = [...this.keys.map((key) => key.publicJwk), ...this.published];
      response.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const address = this.server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${address.port}`;
  }

  /** Adds a signing key (as Better Auth does on rotation) and returns its kid. */
  async addKey(alg: SigningAlg = "EdDSA"): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg };
    this.keys.push({ kid, alg, privateKey, publicJwk });
    return kid;
  }

  /** Makes the JWKS endpoint answer 503 (false) or serve again (true). */
  setAvailable(available: boolean): void {
    this.available = available;
  }

  /** The claims Better Auth puts in a token for `userId`. */
  claimsFor(userId: string, overrides: Record<string, unknown> = {}): JWTPayload {
    return tokenClaims(userId, this.origin, overrides);
  }

  async sign(userId: string, options: SignOptions = {}): Promise<string> {
    const key = options.kid ? this.keys.find((k) => k.kid === options.kid) : this.keys.at(-1);
    if (!key) throw new Error("no such key");
    return new SignJWT(this.claimsFor(userId, options.claims))
      .setProtectedHeader({ alg: key.alg, kid: key.kid, ...options.header })
      .sign(key.privateKey);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}

/** An HS256 token made with the shared secret, as backends verifying with it expect. */
export async function signHs256(
  userId: string,
  options: {
    secret?: string;
    issuer: string;
    claims?: Record<string, unknown>;
    header?: Record<string, unknown>;
  },
): Promise<string> {
  const claims = tokenClaims(userId, options.issuer, options.claims);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", ...options.header })
    .sign(new TextEncoder().encode(options.secret ?? TEST_SECRET));
}
