// Where to go after signing in: taken from the query string, so anyone can write it into a link.

const THIS_SITE = "http://this-site.invalid";

/**
 * Only a path on this site, or `fallback`. Read the way a browser reads it (which drops tabs and
 * line breaks and takes `\` for `/`), so `//host`, `/\host` and `/<tab>/host` cannot send anyone
 * away.
 */
export function safeNext(next: string | string[] | undefined, fallback = "/tasks"): string {
  const value = Array.isArray(next) ? next[0] : next;
  if (!value?.startsWith("/")) return fallback;
  let url: URL;
  try {
    url = new URL(value, THIS_SITE);
  } catch {
    return fallback;
  }
  return url.origin === THIS_SITE ? `${url.pathname}${url.search}${url.hash}` : fallback;
}
