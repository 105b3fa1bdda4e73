/**
 * The web app's browser-facing protections, in one place: a strict Content Security Policy
 * (scripts only with this response's nonce, no eval, no framing) and the headers that go on
 * every response, static files included.
 */

/** Headers that do not change per request; next.config.ts puts them on every path. */
export const STATIC_SECURITY_HEADERS = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  // For browsers that do not know CSP's frame-ancestors.
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
] as const;

/** One year, subdomains included; sent only on responses served over https. */
export const STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains";

export interface CspOptions {
  /** Fresh for every response; Next puts it on its own inline and framework scripts. */
  nonce: string;
  /** The task API's origin: the board fetches it and opens its event stream. */
  apiOrigin: string;
  /** `next dev` evaluates code for hot reload; a production server never does. */
  development?: boolean;
}

export function contentSecurityPolicy({ nonce, apiOrigin, development }: CspOptions): string {
  return [
    "default-src 'self'",
    // 'strict-dynamic': scripts the nonced ones load (Next's chunks) are allowed too.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    // Style attributes set by React components and the toast library's injected stylesheet
    // carry no nonce; styles cannot run code, so inline styles stay allowed.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ${apiOrigin}${development ? " ws:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** 128 random bits, base64: a nonce an attacker cannot guess. */
export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
}
