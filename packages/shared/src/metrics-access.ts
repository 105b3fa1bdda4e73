import { createHash, timingSafeEqual } from "node:crypto";

const BEARER = /^Bearer +(\S+) *$/i;

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/**
 * Whether a request may read `/metrics`: only with `Authorization: Bearer <token>` when a token
 * is configured. Both sides are hashed first, so the comparison takes the same time whatever was
 * sent (and whatever its length). No token configured: nobody may.
 */
export function metricsAllowed(
  authorization: string | null | undefined,
  token: string | undefined,
): boolean {
  if (!token || !authorization) return false;
  const sent = BEARER.exec(authorization)?.[1];
  if (!sent) return false;
  return timingSafeEqual(digest(sent), digest(token));
}
