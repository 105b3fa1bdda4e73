import {
  constants,
  createHmac,
  timingSafeEqual,
  verify,
  type KeyObject,
  type VerifyKeyObjectInput,
} from "node:crypto";

/** Asymmetric algorithms Better Auth's jwt plugin can sign with; anything else is never accepted. */
export const ASYMMETRIC_ALGORITHMS = ["EdDSA", "ES256", "ES512", "PS256", "RS256"] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];
export type Algorithm = AsymmetricAlgorithm | "HS256";

/** Whether `signature` is the one `alg` and the key give for the signed text (header.payload). */
export type SignatureCheck = (signed: Buffer, signature: Buffer) => boolean;

/** Least RSA modulus accepted, in bits (RFC 7518 §3.3). */
const MIN_RSA_BITS = 2048;

/**
 * Whether a public key is one `alg` is defined for (RFC 7518, RFC 8037): a JWKS entry whose `alg`
 * names another kind of key is never used, so node:crypto is never asked to check, say, an RSA
 * signature with an Ed25519 key's defaults.
 */
export function keyFits(alg: AsymmetricAlgorithm, key: KeyObject): boolean {
  const details = key.asymmetricKeyDetails;
  switch (alg) {
    case "EdDSA":
      return key.asymmetricKeyType === "ed25519";
    case "ES256":
      return key.asymmetricKeyType === "ec" && details?.namedCurve === "prime256v1";
    case "ES512":
      return key.asymmetricKeyType === "ec" && details?.namedCurve === "secp521r1";
    case "PS256":
    case "RS256":
      return key.asymmetricKeyType === "rsa" && (details?.modulusLength ?? 0) >= MIN_RSA_BITS;
  }
}

/**
 * The check for one algorithm and one key, made once per key and run synchronously on every cold
 * token: node:crypto answers in the calling thread (WebCrypto would go to the thread pool and
 * back). Signatures have the exact length the algorithm gives (ECDSA in the JWS form, r‖s, not
 * DER), and a malformed one is a mismatch, never an exception.
 */
export function signatureCheck(alg: Algorithm, key: KeyObject): SignatureCheck {
  switch (alg) {
    case "EdDSA":
      return checked(64, (signed, signature) => verify(null, signed, key, signature));
    case "ES256":
      return asymmetric("sha256", { key, dsaEncoding: "ieee-p1363" }, 64);
    case "ES512":
      return asymmetric("sha512", { key, dsaEncoding: "ieee-p1363" }, 132);
    case "RS256":
      return asymmetric("sha256", { key, padding: constants.RSA_PKCS1_PADDING });
    case "PS256":
      return asymmetric("sha256", {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      });
    case "HS256":
      return checked(32, (signed, signature) =>
        timingSafeEqual(createHmac("sha256", key).update(signed).digest(), signature),
      );
  }
}

function asymmetric(digest: string, key: VerifyKeyObjectInput, length?: number): SignatureCheck {
  return checked(length, (signed, signature) => verify(digest, signed, key, signature));
}

function checked(length: number | undefined, check: SignatureCheck): SignatureCheck {
  return (signed, signature) => {
    if (length !== undefined && signature.length !== length) return false;
    try {
      return check(signed, signature);
    } catch {
      return false;
    }
  };
}
