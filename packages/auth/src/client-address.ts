import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { BlockList, isIP } from "node:net";

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

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Whether `address` is one of `trustedProxies` (addresses or CIDR ranges). */
export function isTrustedProxy(address: string | undefined, trustedProxies: readonly string[]) {
  if (!address || trustedProxies.length === 0) return false;
  const list = new BlockList();
  for (const entry of trustedProxies) {
    const [base, bits] = entry.split("/");
    if (!base) continue;
    const type = isIP(base) === 6 ? "ipv6" : "ipv4";
    if (isIP(base) === 0) continue;
    if (bits === undefined) list.addAddress(base, type);
    else list.addSubnet(base, Number(bits), type);
  }
  const plain =
    address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const type = isIP(plain) === 6 ? "ipv6" : "ipv4";
  return isIP(plain) !== 0 && list.check(plain, type);
}

/**
 * Gives a Node request the id its log lines carry, in `X-Request-Id`: the one a trusted proxy
 * (TRUSTED_PROXIES) sent, or a new one. A client that connects directly cannot choose it.
 */
export function setRequestId(request: IncomingMessage, trustedProxies: readonly string[]): string {
  const sent = request.headers["x-request-id"];
  const id =
    typeof sent === "string" &&
    REQUEST_ID.test(sent) &&
    isTrustedProxy(request.socket.remoteAddress, trustedProxies)
      ? sent
      : randomUUID();
  request.headers["x-request-id"] = id;
  return id;
}
