import type { IncomingMessage } from "node:http";

/**
 * The X-Forwarded-For value Better Auth should see for a request, so that the address it
 * limits by is never simply what a client wrote:
 * - no trusted proxies: the socket's address alone; a header the client sent is dropped;
 * - trusted proxies listed: the socket's address is appended, as a proxy would. Better Auth
 *   walks the list from the right, skips the trusted proxies, and takes the first address it
 *   does not trust, so a client that connects directly is its own socket address again, and
 *   entries a client made up in front of a real proxy's are never reached.
 */
export function forwardedFor(
  header: string | string[] | undefined,
  socketAddress: string | undefined,
  trustedProxies: readonly string[],
): string | undefined {
  if (!socketAddress) return undefined;
  if (trustedProxies.length === 0) return socketAddress;
  const sent = (Array.isArray(header) ? header.join(", ") : (header ?? "")).trim();
  return sent ? `${sent}, ${socketAddress}` : socketAddress;
}

/** Rewrites a Node request's X-Forwarded-For in place, before the web app reads it. */
export function setClientAddress(
  request: IncomingMessage,
  trustedProxies: readonly string[],
): void {
  const value = forwardedFor(
    request.headers["x-forwarded-for"],
    request.socket.remoteAddress,
    trustedProxies,
  );
  if (value === undefined) delete request.headers["x-forwarded-for"];
  else request.headers["x-forwarded-for"] = value;
}

/** TRUSTED_PROXIES as a list (comma-separated addresses or CIDR ranges). */
export function parseTrustedProxies(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
}
