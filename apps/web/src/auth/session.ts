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

export { safeNext } from "../lib/safe-next.ts";
