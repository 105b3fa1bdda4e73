import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { getAuth } from "./server.ts";

/** The request's session; layouts and pages that each ask for it share one lookup per request. */
export const getSession = cache(async () => getAuth().api.getSession({ headers: await headers() }));

/** The signed-in user's session, or a redirect to sign in that comes back to `path`. */
export async function requireSession(path: string) {
  const session = await getSession();
  if (!session) redirect(`/sign-in?next=${encodeURIComponent(path)}`);
  return session;
}
