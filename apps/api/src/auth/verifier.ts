import {
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type CryptoKey,
  type ProtectedHeaderParameters,
  type JWTVerifyOptions,
} from "jose";
import type { KeyObject } from "node:crypto";
import { ClaimsSchema } from "@taskbridge/shared/claims";
import type { ApiConfig } from "../env.ts";
import { KeysUnavailableError, TokenError } from "./errors.ts";
import { ASYMMETRIC_ALGORITHMS, KeyStore } from "./key-store.ts";

export interface AuthUser {
  id: string;
  email: string | null;
  name: string | null;
  /** The `scope` claim, split (OAuth access tokens for `/mcp`); empty when absent. */
  scopes: string[];
  /** The `azp` claim: the OAuth client the token was issued to, when there is one. */
  clientId: string | null;
  /** When the token that vouched for this user expires, in seconds since the epoch. */
  expiresAt: number;
}

/** Tokens larger than this are refused before any parsing. */
const MAX_TOKEN_BYTES = 8 * 1024;
const CLOCK_SKEW_SECONDS = 30;
/** Three base64url parts, no padding, no white space: exactly what a compact JWS is. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * One spelling per byte string: the last character of a base64url part may carry unused low
 * bits, and decoders ignore them, so without this check one signature has several spellings
 * that all verify (a malleable token).
 */
function isCanonicalBase64url(part: string): boolean {
  return Buffer.from(part, "base64url").toString("base64url") === part;
}
/** Header fields that would point at a key; a key comes only from our JWKS or secret. */
const KEY_POINTING_HEADERS = ["jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256"] as const;

interface CacheEntry {
  user: AuthUser;
  /** Seconds since the epoch. */
  exp: number;
  nbf: number | undefined;
}

export interface VerifierOptions {
  config: Pick<
    ApiConfig,
    | "jwtMode"
    | "jwksUrl"
    | "secret"
    | "issuer"
    | "audience"
    | "jwtLifetimeSeconds"
    | "jwksCooldownMs"
  >;
  /** Oldest token accepted, in seconds (by default the web app's token lifetime). */
  maxTokenAgeSeconds?: number;
  /** Most verified tokens remembered. */
  cacheSize?: number;
  /** The clock, in milliseconds since the epoch; tests move it instead of waiting. */
  now?: () => number;
  onJwksRefresh?: (outcome: { ok: boolean; keys: number; error?: string }) => void;
}

/**
 * Checks bearer tokens exactly as the API contract lists: compact form and size first, then the
 * signature with an allowlisted algorithm and a key from our JWKS or shared secret only, then
 * `exp`, `iat`, `nbf`, maximum age, `iss`, `aud` and `sub`. Verified tokens are remembered until
 * they expire, keyed by the whole token so that any change to it misses the cache.
 */
export class TokenVerifier {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly cacheSize: number;
  private readonly keyStore: KeyStore | undefined;
  /** The shared secret imported once: importing it on every verification doubles its cost. */
  private readonly secret: Promise<CryptoKey> | undefined;
  private readonly baseOptions: JWTVerifyOptions;
  private readonly now: () => number;

  constructor(options: VerifierOptions) {
    const { config } = options;
    this.cacheSize = options.cacheSize ?? 10_000;
    this.now = options.now ?? Date.now;
    this.baseOptions = {
      issuer: config.issuer,
      audience: config.audience,
      requiredClaims: ["exp", "iat", "sub"],
      // The lifetime the web app issues tokens with (the same setting): no token it issues is
      // refused for its age, and none lives longer here than there.
      maxTokenAge: options.maxTokenAgeSeconds ?? config.jwtLifetimeSeconds,
      clockTolerance: CLOCK_SKEW_SECONDS,
    };
    if (config.jwtMode === "hs256") {
      // The configuration schema has refused a missing, short or guessable secret already.
      if (!config.secret) throw new Error("BETTER_AUTH_SECRET is required when JWT_MODE=hs256");
      this.secret = crypto.subtle.importKey(
        "raw",
        new TextEncoder().encode(config.secret),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["verify"],
      );
    } else {
      this.keyStore = new KeyStore({
        jwksUrl: config.jwksUrl,
        cooldownMs: config.jwksCooldownMs,
        onRefresh: options.onJwksRefresh,
        now: this.now,
      });
    }
  }

  /** True once a token could be verified: always in HS256 mode, once keys are held in JWKS mode. */
  get ready(): boolean {
    return this.keyStore ? this.keyStore.ready : true;
  }

  /** Loads the JWKS (JWKS mode); throws when it cannot be fetched. */
  async loadKeys(): Promise<void> {
    await this.keyStore?.refresh();
  }

  async verify(token: string): Promise<AuthUser> {
    // A remembered token is byte for byte one that passed every check below, so the cache is
    // asked first: on the warm path the form checks would cost more than the lookup.
    const nowSeconds = this.now() / 1000;
    const cached = this.cache.get(token);
    if (cached) {
      if (
        cached.exp > nowSeconds - CLOCK_SKEW_SECONDS &&
        (cached.nbf === undefined || cached.nbf <= nowSeconds + CLOCK_SKEW_SECONDS)
      ) {
        return cached.user;
      }
      this.cache.delete(token);
    }
    if (token.length > MAX_TOKEN_BYTES) throw new TokenError("token over 8 KiB");
    if (!COMPACT_JWS.test(token) || !token.split(".").every(isCanonicalBase64url))
      throw new TokenError("token is not a compact JWS");

    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new TokenError("token header is not valid JSON");
    }
    for (const field of KEY_POINTING_HEADERS) {
      if (field in header) throw new TokenError(`token header carries ${field}`);
    }

    const { key, algorithms } = await this.keyFor(header);
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, key, {
        ...this.baseOptions,
        algorithms,
        currentDate: new Date(nowSeconds * 1000),
      }));
    } catch (error) {
      throw toTokenError(error);
    }
    const claims = ClaimsSchema.safeParse(payload);
    if (!claims.success) throw new TokenError("claims have the wrong type");
    const user: AuthUser = {
      id: claims.data.sub,
      email: claims.data.email ?? null,
      name: claims.data.name ?? null,
      scopes: claims.data.scope?.split(" ").filter(Boolean) ?? [],
      clientId: claims.data.azp ?? null,
      expiresAt: claims.data.exp,
    };
    this.remember(token, { user, exp: claims.data.exp, nbf: claims.data.nbf });
    return user;
  }

  private async keyFor(
    header: ProtectedHeaderParameters,
  ): Promise<{ key: CryptoKey | KeyObject; algorithms: string[] }> {
    if (this.secret) {
      if (header.alg !== "HS256")
        throw new TokenError(`alg ${String(header.alg)} not allowed in hs256 mode`);
      return { key: await this.secret, algorithms: ["HS256"] };
    }
    if (!this.keyStore) throw new KeysUnavailableError("no key source configured");
    if (
      typeof header.alg !== "string" ||
      !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(header.alg)
    ) {
      throw new TokenError(`alg ${String(header.alg)} not allowed in jwks mode`);
    }
    const key = await this.keyStore.keyFor(header);
    return { key, algorithms: [header.alg] };
  }

  private remember(token: string, entry: CacheEntry): void {
    if (this.cache.size >= this.cacheSize) {
      // Maps keep insertion order: drop the oldest entry.
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(token, entry);
  }
}

function toTokenError(error: unknown): TokenError | KeysUnavailableError {
  if (error instanceof TokenError || error instanceof KeysUnavailableError) return error;
  if (error instanceof joseErrors.JWTExpired)
    return new TokenError(`expired: ${error.message}`, "The token has expired");
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return new TokenError(`claim ${error.claim} failed: ${error.reason}`);
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return new TokenError("bad signature");
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return new TokenError("algorithm not allowed");
  if (error instanceof joseErrors.JOSEError)
    return new TokenError(`${error.code}: ${error.message}`);
  return new TokenError(
    error instanceof Error ? `${error.name}: ${error.message}` : "verification failed",
  );
}
