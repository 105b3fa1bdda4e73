import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { sql } from "drizzle-orm";
import { isDatabaseUnavailable } from "@taskbridge/db/unavailable";
import { getDb } from "../db.ts";
import { PATHNAME_HEADER, safeNext } from "../lib/safe-next.ts";
import { getAuth } from "./server.ts";

type Session = NonNullable<Awaited<ReturnType<ReturnType<typeof getAuth>["api"]["getSession"]>>>;

export type SessionState =
  | { status: "signed-in"; session: Session }
  | { status: "signed-out" }
  /** The database cannot be reached: pages say so instead of failing. */
  | { status: "unavailable" };

/** The request's session; layouts and pages that each ask for it share one lookup per request. */
export const sessionState = cache(async (): Promise<SessionState> => {
  try {
    const session = await getAuth().api.getSession({ headers: await headers() });
    if (session) return { status: "signed-in", session };
    // Without a session cookie Better Auth reads nothing; ask the database itself, so that a
    // sign-in page can say at once that signing in will not work right now.
    await getDb().execute(sql`select 1`);
    return { status: "signed-out" };
  } catch (error) {
    if (isDatabaseUnavailable(error)) return { status: "unavailable" };
    throw error;
  }
});

/** The session, or null when signed out or when it cannot be read right now. */
export async function getSession(): Promise<Session | null> {
  const state = await sessionState();
  return state.status === "signed-in" ? state.session : null;
}

/**
 * The signed-in user's session, or a redirect to sign in that comes back to the page asked for
 * (as the proxy recorded it; `fallback` when it did not); null when the database is out of reach
 * (the page then says the service is briefly unavailable).
 */
export async function requireSession(fallback: string): Promise<Session | null> {
  const state = await sessionState();
  if (state.status === "signed-out") {
    const path = safeNext((await headers()).get(PATHNAME_HEADER) ?? undefined, fallback);
    redirect(`/sign-in?next=${encodeURIComponent(path)}`);
  }
  return state.status === "signed-in" ? state.session : null;
}

export { safeNext };
