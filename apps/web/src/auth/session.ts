import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getAuth } from "./server.ts";

export async function getSession() {
  return getAuth().api.getSession({ headers: await headers() });
}

/** The signed-in user's session, or a redirect to sign in that comes back to `path`. */
export async function requireSession(path: string) {
  const session = await getSession();
  if (!session) redirect(`/sign-in?next=${encodeURIComponent(path)}`);
  return session;
}

/** Only a path on this site: never `//host` or a full URL, so `next` cannot send anyone away. */
export function safeNext(next: string | string[] | undefined, fallback = "/tasks"): string {
  const value = Array.isArray(next) ? next[0] : next;
  return value && value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\")
    ? value
    : fallback;
}
