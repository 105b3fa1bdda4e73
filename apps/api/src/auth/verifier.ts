import { decodeProtectedHeader, type ProtectedHeaderParameters } from "jose";
import { createSecretKey } from "node:crypto";
import { ClaimsSchema } from "@taskbridge/shared/claims";
import type { ApiConfig } from "../env.ts";
import { KeysUnavailableError, TokenError } from "./errors.ts";
import { KeyStore } from "./key-store.ts";
import type { RevocationSet } from "./revocations.ts";
import { ASYMMETRIC_ALGORITHMS, signatureCheck, type SignatureCheck } from "./signature.ts";

export interface AuthUser {
  id: string;
  email: string | null;
  name: string | null;
  /** The `scope` claim, split (OAuth access tokens for `/mcp`); empty when absent. */
  scopes: string[];
  /** The `azp` claim: the OAuth client the token was issued to, when there is one. */
  clientId: string | null;
  /** The `sid` claim: the session the token was issued for, when it says. */
  sessionId: string | null;
  /** The `iat` claim, in seconds since the epoch. */
  issuedAt: number;
  /**
   * When the token that vouched for this user stops vouching, in seconds since the epoch: its
   * `exp`, or the end of its maximum age (`iat` + the lifetime) when that comes first.
   */
  expiresAt: number;
}

/** Tokens larger than this are refused before any parsing. */
const MAX_TOKEN_BYTES = 8 * 1024;
const CLOCK_SKEW_SECONDS = 30;
/** Three base64url parts, no padding, no white space: exactly what a compact JWS is. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/** Unused low bits in a base64url part's last character, by the part's length modulo 4. */
const UNUSED_BITS = [0, -1, 4, 2] as const;

/**
 * One spelling per byte string: the last character of a base64url part may carry unused low
 * bits, and decoders ignore them, so without this check one signature has several spellings
 * that all verify (a malleable token). The part is known to hold base64url characters only.
 */
function isCanonicalBase64url(part: string): boolean {
  const unused = UNUSED_BITS[part.length % 4] ?? -1;
  if (unused <= 0) return unused === 0;
  return (BASE64URL.indexOf(part.charAt(part.length - 1)) & ((1 << unused) - 1)) === 0;
}
/**
 * Header fields that would point at a key; a key comes only from our JWKS or secret. `crit` names
 * extensions the verifier must understand (RFC 7515 §4.1.11), and it understands none.
 */
const REFUSED_HEADERS = ["jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256", "crit"] as const;
/** Headers remembered once read and checked: an issuer's tokens share a handful of headers. */
const HEADERS_REMEMBERED = 64;

/** The claims a verified token's validity still depends on: its times, in seconds since the epoch. */
interface TokenTimes {
  exp: number;
  iat: number;
  nbf: number | undefined;
}

/**
 * A verified token: the caller it vouches for and its times. Everything else a token is checked
 * for holds for good once it held; its times are judged against the clock, and the caller against
 * the revocations, on every request.
 */
interface CacheEntry {
  user: AuthUser;
  times: TokenTimes;
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
  /** Read and checked headers, by their encoded text. */
  private readonly headers = new Map<string, Readonly<ProtectedHeaderParameters>>();
  private readonly cacheSize: number;
  private readonly keyStore: KeyStore | undefined;
  /** The signature check for the shared secret (hs256 mode). */
  private readonly secretCheck: SignatureCheck | undefined;
  private readonly issuer: string;
  private readonly audience: string;
  private readonly maxTokenAge: number;
  private readonly now: () => number;
  /** Revoked sessions, users and grants (the app's set); none are checked until it is given. */
  private revocations: RevocationSet | undefined;

  constructor(options: VerifierOptions) {
    const { config } = options;
    this.cacheSize = options.cacheSize ?? 10_000;
    this.now = options.now ?? Date.now;
    this.issuer = config.issuer;
    this.audience = config.audience;
    // The lifetime the web app issues tokens with (the same setting): no token it issues is
    // refused for its age, and none lives longer here than there.
    this.maxTokenAge = options.maxTokenAgeSeconds ?? config.jwtLifetimeSeconds;
    if (config.jwtMode === "hs256") {
      // The configuration schema has refused a missing, short or guessable secret already.
      if (!config.secret) throw new Error("BETTER_AUTH_SECRET is required when JWT_MODE=hs256");
      this.secretCheck = signatureCheck("HS256", createSecretKey(config.secret, "utf8"));
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

  /**
   * From now on every token, new or remembered, is also judged against `revocations`. The app
   * gives its set to each verifier it uses, its own or one a test injected.
   */
  checkRevocationsIn(revocations: RevocationSet): void {
    this.revocations = revocations;
  }

  /** Loads the JWKS (JWKS mode); throws when it cannot be fetched. */
  async loadKeys(): Promise<void> {
    await this.keyStore?.refresh();
  }

  /**
   * The caller of a remembered token that is still in standing (its times, the revocations),
   * answered at once: the request path needs no promise for it. Undefined for any other token,
   * remembered or not, which `verify` then judges (and refuses with its reason).
   */
  rememberedUser(token: string): AuthUser | undefined {
    const cached = this.cache.get(token);
    if (!cached) return undefined;
    try {
      this.checkStanding(cached, this.now() / 1000);
    } catch {
      return undefined;
    }
    return cached.user;
  }

  async verify(token: string): Promise<AuthUser> {
    // A remembered token is byte for byte one that passed every check below, so the cache is
    // asked first: on the warm path the form checks would cost more than the lookup. What can
    // change since is the clock and the revocations, so they are checked here by the same
    // function, with the same rules, as on the first request (and by `rememberedUser`).
    const nowSeconds = this.now() / 1000;
    const cached = this.cache.get(token);
    if (cached) {
      try {
        this.checkStanding(cached, nowSeconds);
      } catch (error) {
        if (error instanceof TokenError) this.cache.delete(token);
        throw error;
      }
      return cached.user;
    }
    if (token.length > MAX_TOKEN_BYTES) throw new TokenError("token over 8 KiB");
    const headerEnd = token.indexOf(".");
    const payloadEnd = token.lastIndexOf(".");
    const signature = token.slice(payloadEnd + 1);
    // Only the signature part can be respelled without failing its own check: the other two are
    // the signed text itself.
    if (!COMPACT_JWS.test(token) || !isCanonicalBase64url(signature))
      throw new TokenError("token is not a compact JWS");

    const header = this.headerOf(token.slice(0, headerEnd));
    let check = this.checkFor(header);
    if (check instanceof Promise) check = await check;
    // The token is ASCII (the form check above), so latin1 gives its bytes as they were signed.
    const signed = Buffer.from(token.slice(0, payloadEnd), "latin1");
    if (!check(signed, Buffer.from(signature, "base64url"))) throw new TokenError("bad signature");
    let payload: unknown;
    try {
      payload = JSON.parse(
        Buffer.from(token.slice(headerEnd + 1, payloadEnd), "base64url").toString("utf8"),
      );
    } catch {
      throw new TokenError("token payload is not valid JSON");
    }
    const claims = ClaimsSchema.safeParse(payload);
    if (!claims.success) throw new TokenError("claims have the wrong type");
    if (claims.data.iss !== this.issuer) throw new TokenError("claim iss failed: wrong issuer");
    if (
      typeof claims.data.aud === "string"
        ? claims.data.aud !== this.audience
        : !claims.data.aud.includes(this.audience)
    )
      throw new TokenError("claim aud failed: not this API");
    const times: TokenTimes = { exp: claims.data.exp, iat: claims.data.iat, nbf: claims.data.nbf };
    const entry: CacheEntry = {
      user: {
        id: claims.data.sub,
        email: claims.data.email ?? null,
        name: claims.data.name ?? null,
        scopes: claims.data.scope?.split(" ").filter(Boolean) ?? [],
        clientId: claims.data.azp ?? null,
        sessionId: claims.data.sid ?? null,
        issuedAt: times.iat,
        expiresAt: Math.min(times.exp, times.iat + this.maxTokenAge),
      },
      times,
    };
    this.checkStanding(entry, nowSeconds);
    this.remember(token, entry);
    return entry.user;
  }

  /**
   * A token's header from its encoded text, read once per distinct header; one that points at a
   * key, or names extensions, is refused.
   */
  private headerOf(encoded: string): Readonly<ProtectedHeaderParameters> {
    const known = this.headers.get(encoded);
    if (known) return known;
    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader({ protected: encoded });
    } catch {
      throw new TokenError("token header is not valid JSON");
    }
    for (const field of REFUSED_HEADERS) {
      if (field in header) throw new TokenError(`token header carries ${field}`);
    }
    // Anyone can send headers: the store is bounded, and starts over when full.
    if (this.headers.size >= HEADERS_REMEMBERED) this.headers.clear();
    const frozen = Object.freeze(header);
    this.headers.set(encoded, frozen);
    return frozen;
  }

  /**
   * The signature check for a token's key: the shared secret in hs256 mode, else the JWKS key its
   * `kid` names, whose algorithm must be the one the header gives.
   */
  private checkFor(
    header: Readonly<ProtectedHeaderParameters>,
  ): SignatureCheck | Promise<SignatureCheck> {
    if (this.secretCheck) {
      if (header.alg !== "HS256")
        throw new TokenError(`alg ${String(header.alg)} not allowed in hs256 mode`);
      return this.secretCheck;
    }
    if (!this.keyStore) throw new KeysUnavailableError("no key source configured");
    if (
      typeof header.alg !== "string" ||
      !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(header.alg)
    ) {
      throw new TokenError(`alg ${String(header.alg)} not allowed in jwks mode`);
    }
    const stored = this.keyStore.keyFor(header);
    return stored instanceof Promise ? stored.then((entry) => entry.check) : stored.check;
  }

  /**
   * What may have changed since a token was first verified, judged the same way on every
   * request, remembered token or not: its times against the clock, then whether its session,
   * its user or its app's grant was revoked (one lookup in memory).
   */
  private checkStanding(entry: CacheEntry, nowSeconds: number): void {
    checkTimes(entry.times, nowSeconds, this.maxTokenAge);
    this.revocations?.check(entry.user);
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

/**
 * `exp`, `nbf` and `iat` against the verifier's clock, with the same skew either way: expired,
 * not yet valid, issued in the future, or older than the lifetime tokens are issued with. The one
 * judge of a token's times, for a token seen first and for a remembered one alike.
 */
function checkTimes(claims: Readonly<TokenTimes>, nowSeconds: number, maxTokenAge: number): void {
  if (claims.exp <= nowSeconds - CLOCK_SKEW_SECONDS)
    throw new TokenError("expired: exp is in the past", "The token has expired");
  if (claims.nbf !== undefined && claims.nbf > nowSeconds + CLOCK_SKEW_SECONDS)
    throw new TokenError("claim nbf failed: not yet valid");
  const age = nowSeconds - claims.iat;
  if (age < -CLOCK_SKEW_SECONDS) throw new TokenError("claim iat failed: in the future");
  if (age - CLOCK_SKEW_SECONDS > maxTokenAge)
    throw new TokenError("expired: iat is older than the token lifetime", "The token has expired");
}
