/** Where a sign-in or sign-up goes when `next` is missing or would leave the site. */
export const DEFAULT_NEXT = "/tasks";

/**
 * The request header in which proxy.ts hands the path asked for (with its query) to the pages'
 * server code, so that a redirect to sign in can come back to it: Next tells a layout nothing
 * of the URL. The proxy sets it on every request, replacing whatever a browser sent.
 */
export const PATHNAME_HEADER = "x-pathname";

// Any base works: only whether the parsed URL stays on it matters.
const BASE = "http://taskbridge.invalid";

/**
 * The path to go to after signing in, taken from an untrusted `next` parameter. The value is
 * parsed as a browser would resolve it against our origin (browsers drop tabs and line breaks
 * and read `\` as `/`, so `/\t/evil.example` means `//evil.example`); anything that resolves
 * to another origin, or is not a plain path, gives the fallback. The result is the parsed,
 * normalised path, so what is checked is exactly what the browser will be sent to.
 */
export function safeNext(next: string | string[] | undefined, fallback = DEFAULT_NEXT): string {
  const value = Array.isArray(next) ? next[0] : next;
  if (typeof value !== "string" || !value.startsWith("/")) return fallback;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE) return fallback;
  const target = `${url.pathname}${url.search}${url.hash}`;
  // Belt and braces: what we hand on must itself start with exactly one slash.
  return target.startsWith("/") && !target.startsWith("//") ? target : fallback;
}
