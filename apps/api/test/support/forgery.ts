// jwt_tool-style forged tokens, for any endpoint that verifies our tokens.
import { base64url, exportJWK, generateKeyPair, SignJWT, type JWTPayload } from "jose";
import type { TestIssuer } from "./issuer.ts";

export function b64json(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * The same token with the lowest bit of its last character flipped: a bit no byte uses when a
 * signature's length is not a multiple of three (Ed25519: 64 bytes, HS256: 32), so a lenient
 * decoder reads the very same signature.
 */
export function flipUnusedBit(token: string): string {
  const last = BASE64URL.indexOf(token.slice(-1));
  return `${token.slice(0, -1)}${BASE64URL[last ^ 1] ?? ""}`;
}

/** A token with the given header and payload and an arbitrary signature part. */
export function forge(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signature = "c2ln",
): string {
  return `${b64json(header)}.${b64json(payload)}.${signature}`;
}

export async function hmac(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: Uint8Array,
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: "HS256", ...header }).sign(key);
}

/**
 * Forgeries of a token carrying `claims`: no algorithm, key confusion (HS256 keyed with the
 * issuer's public key), an attacker's own key under a known kid or embedded in the header.
 */
export function forgeries(
  issuer: TestIssuer,
  claims: JWTPayload,
): Array<[string, () => Promise<string>]> {
  const key = () => {
    const first = issuer.keys[0];
    if (!first?.publicJwk.x) throw new Error("no key");
    return first;
  };
  return [
    ["alg none", async () => forge({ alg: "none" }, claims, "")],
    [
      "a non-canonical signature encoding",
      async () =>
        flipUnusedBit(
          await new SignJWT(claims)
            .setProtectedHeader({ alg: key().alg, kid: key().kid })
            .sign(key().privateKey),
        ),
    ],
    ["alg NONE with a signature part", async () => forge({ alg: "NONE", kid: key().kid }, claims)],
    [
      "HS256 signed with the public JWK as JSON",
      async () =>
        hmac({ kid: key().kid }, claims, new TextEncoder().encode(JSON.stringify(key().publicJwk))),
    ],
    [
      "HS256 signed with the raw public key bytes",
      async () => hmac({ kid: key().kid }, claims, base64url.decode(key().publicJwk.x ?? "")),
    ],
    [
      "an attacker's key with a known kid",
      async () => {
        const { privateKey } = await generateKeyPair("EdDSA");
        return new SignJWT(claims)
          .setProtectedHeader({ alg: "EdDSA", kid: key().kid })
          .sign(privateKey);
      },
    ],
    [
      "an embedded jwk with the attacker's key",
      async () => {
        const { privateKey, publicKey } = await generateKeyPair("EdDSA", { extractable: true });
        return new SignJWT(claims)
          .setProtectedHeader({ alg: "EdDSA", jwk: await exportJWK(publicKey) })
          .sign(privateKey);
      },
    ],
  ];
}
