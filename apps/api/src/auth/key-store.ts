import { createPublicKey, type KeyObject } from "node:crypto";
import { z } from "zod";
import { KeysUnavailableError, TokenError } from "./errors.ts";
import {
  ASYMMETRIC_ALGORITHMS,
  keyFits,
  signatureCheck,
  type AsymmetricAlgorithm,
  type SignatureCheck,
} from "./signature.ts";

const JwkSchema = z.looseObject({
  kid: z.string().min(1),
  kty: z.enum(["OKP", "EC", "RSA"]),
  alg: z.enum(ASYMMETRIC_ALGORITHMS).optional(),
  crv: z.string().optional(),
  use: z.string().optional(),
});
const JwksSchema = z.object({ keys: z.array(z.unknown()) });

export interface StoredKey {
  alg: AsymmetricAlgorithm;
  /** The key's signature check for that algorithm, made once when the key is loaded. */
  check: SignatureCheck;
}

export interface KeyStoreOptions {
  jwksUrl: string;
  /** Least time between two fetches caused by unknown key ids. */
  cooldownMs?: number;
  timeoutMs?: number;
  /** The clock, in milliseconds since the epoch; tests move it instead of waiting. */
  now?: () => number;
  onRefresh?: (outcome: { ok: boolean; keys: number; error?: string }) => void;
}

function defaultAlgorithm(kty: string, crv: string | undefined): AsymmetricAlgorithm | undefined {
  if (kty === "OKP" && crv === "Ed25519") return "EdDSA";
  if (kty === "EC" && crv === "P-256") return "ES256";
  if (kty === "EC" && crv === "P-521") return "ES512";
  return undefined;
}

/**
 * The web app's public keys, fetched from its JWKS and kept in memory. Fetched again only when a
 * token names an unknown key id, at most once per cooldown (failed attempts count too, so a flood
 * of made-up key ids cannot flood the JWKS endpoint). A failed fetch keeps the keys already held.
 */
export class KeyStore {
  private keys = new Map<string, StoredKey>();
  private loaded = false;
  private lastAttempt = 0;
  private pending: Promise<void> | undefined;
  private readonly cooldownMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly options: KeyStoreOptions) {
    this.cooldownMs = options.cooldownMs ?? 5000;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.now = options.now ?? Date.now;
  }

  get ready(): boolean {
    return this.loaded;
  }

  /** Algorithms of the keys held: the allowlist for this mode. */
  get algorithms(): string[] {
    return [...new Set([...this.keys.values()].map((entry) => entry.alg))];
  }

  /** Fetches the key set now (single flight). Throws when the fetch or its contents fail. */
  refresh(): Promise<void> {
    this.pending ??= this.fetchKeys().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetchKeys(): Promise<void> {
    this.lastAttempt = this.now();
    try {
      const response = await fetch(this.options.jwksUrl, {
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: "error",
      });
      if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
      const body = JwksSchema.parse(await response.json());
      const next = new Map<string, StoredKey>();
      for (const raw of body.keys) {
        const parsed = JwkSchema.safeParse(raw);
        if (!parsed.success) continue;
        const jwk = parsed.data;
        if (jwk.use !== undefined && jwk.use !== "sig") continue;
        const alg = jwk.alg ?? defaultAlgorithm(jwk.kty, jwk.crv);
        if (!alg) continue;
        // kty is OKP, EC or RSA, so this is never a symmetric key; a private part would be dropped.
        let key: KeyObject;
        try {
          key = createPublicKey({ key: jwk, format: "jwk" });
        } catch {
          continue;
        }
        // A key of another kind than its algorithm's (an RSA key named EdDSA) is never used.
        if (!keyFits(alg, key)) continue;
        next.set(jwk.kid, { alg, check: signatureCheck(alg, key) });
      }
      if (next.size === 0) throw new Error("JWKS holds no usable signing key");
      this.keys = next;
      this.loaded = true;
      this.options.onRefresh?.({ ok: true, keys: next.size });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.options.onRefresh?.({ ok: false, keys: this.keys.size, error: message });
      throw error;
    }
  }

  /**
   * The key a token's header names: at once when it is held (no promise on the common path),
   * else after refetching the set, once per cooldown, for an unknown id.
   */
  keyFor(header: { kid?: unknown; alg?: unknown }): StoredKey | Promise<StoredKey> {
    if (typeof header.kid !== "string" || header.kid.length === 0 || header.kid.length > 256) {
      throw new TokenError("token header has no usable kid");
    }
    const entry = this.keys.get(header.kid);
    return entry ? matching(entry, header.alg) : this.fetchFor(header.kid, header.alg);
  }

  private async fetchFor(kid: string, alg: unknown): Promise<StoredKey> {
    if (this.now() - this.lastAttempt >= this.cooldownMs)
      await this.refresh().catch(() => undefined);
    const entry = this.keys.get(kid);
    if (!entry) {
      if (!this.loaded) throw new KeysUnavailableError("verification keys are not loaded yet");
      throw new TokenError(`unknown kid`);
    }
    return matching(entry, alg);
  }
}

function matching(entry: StoredKey, alg: unknown): StoredKey {
  if (entry.alg !== alg)
    throw new TokenError(`alg ${String(alg)} does not match the key's ${entry.alg}`);
  return entry;
}
