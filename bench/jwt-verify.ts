// Token verification cost: a token seen for the first time (signature check) and one seen before
// (the verified-token cache), in both modes. "Cold" is about the token, not the process: each
// verifier first checks a full set of other tokens so that the JIT has settled, as in a server
// that has been up for a while.
import { SignJWT } from "jose";
import { createPublicKey, verify as verifySignature, type JsonWebKey } from "node:crypto";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { TokenVerifier } from "../apps/api/src/auth/verifier.ts";
import { testConfig } from "../apps/api/test/support/config.ts";
import { TEST_AUDIENCE, TestIssuer } from "../apps/api/test/support/issuer.ts";
import { printTable } from "./support.ts";

const AUDIENCE = TEST_AUDIENCE;
const COLD = 2000;
const WARM = 200_000;

async function measure(verifier: TokenVerifier, tokens: string[], rounds: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await verifier.verify(tokens[i % tokens.length] ?? "");
  return ((performance.now() - started) * 1000) / rounds;
}

export async function benchJwt(): Promise<void> {
  const issuer = await TestIssuer.start();
  const rows: Array<Record<string, string | number>> = [];

  const eddsa = new TokenVerifier({
    config: testConfig({ BETTER_AUTH_URL: issuer.origin }),
    cacheSize: COLD * 2,
  });
  await eddsa.loadKeys();
  const eddsaTokens = await Promise.all(
    Array.from({ length: COLD }, (_, i) => issuer.sign(`user-${i}`)),
  );
  await measure(eddsa, eddsaTokens, COLD);
  const eddsaFresh = await Promise.all(
    Array.from({ length: COLD }, (_, i) => issuer.sign(`fresh-${i}`)),
  );
  // The Ed25519 check alone (node:crypto, synchronous, as the verifier makes it), on tokens of the
  // same shape, in the same run: what the verifier adds beyond it is its own cost, whatever the
  // speed of the machine.
  const jwks: unknown = await (await fetch(issuer.jwksUrl)).json();
  const jwk =
    typeof jwks === "object" && jwks !== null && "keys" in jwks && Array.isArray(jwks.keys)
      ? (jwks.keys[0] as unknown)
      : undefined;
  if (typeof jwk !== "object" || jwk === null) throw new Error("issuer published no key");
  const publicKey = createPublicKey({ key: jwk as JsonWebKey, format: "jwk" });
  const signatureOnly = await Promise.all(
    Array.from({ length: COLD }, (_, i) => issuer.sign(`alone-${i}`)),
  );
  const parts = signatureOnly.map((token) => {
    const dot = token.lastIndexOf(".");
    return {
      input: Buffer.from(token.slice(0, dot)),
      signature: Buffer.from(token.slice(dot + 1), "base64url"),
    };
  });
  const started = performance.now();
  for (const { input, signature } of parts) {
    if (!verifySignature(null, input, publicKey, signature))
      throw new Error("signature check failed");
  }
  const aloneMicros = ((performance.now() - started) * 1000) / parts.length;
  const eddsaCold = await measure(eddsa, eddsaFresh, COLD);
  rows.push({
    mode: "jwks (EdDSA)",
    "cold µs/token": eddsaCold.toFixed(1),
    "Ed25519 check alone µs": aloneMicros.toFixed(1),
    "verifier's own µs": (eddsaCold - aloneMicros).toFixed(1),
    "warm µs/token": (await measure(eddsa, eddsaFresh, WARM)).toFixed(2),
  });

  const hsConfig = testConfig({ BETTER_AUTH_URL: issuer.origin, JWT_MODE: "hs256" });
  const hs = new TokenVerifier({
    config: hsConfig,
    cacheSize: COLD * 2,
  });
  const key = new TextEncoder().encode(hsConfig.secret);
  const signHs = (subject: string) =>
    new SignJWT({ email: `${subject}@bench.test`, name: subject })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(subject)
      .setIssuer(issuer.origin)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime("15m")
      .sign(key);
  await measure(
    hs,
    await Promise.all(Array.from({ length: COLD }, (_, i) => signHs(`user-${i}`))),
    COLD,
  );
  const hsTokens = await Promise.all(Array.from({ length: COLD }, (_, i) => signHs(`fresh-${i}`)));
  rows.push({
    mode: "hs256",
    "cold µs/token": (await measure(hs, hsTokens, COLD)).toFixed(1),
    "Ed25519 check alone µs": "-",
    "verifier's own µs": "-",
    "warm µs/token": (await measure(hs, hsTokens, WARM)).toFixed(2),
  });

  printTable("JWT verification (targets: EdDSA cold < 110 µs, warm < 1 µs)", rows);
  await issuer.close();
}

// `npx tsx bench/jwt-verify.ts` runs this part alone; `npm run bench` calls benchJwt() with the rest.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchJwt().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
