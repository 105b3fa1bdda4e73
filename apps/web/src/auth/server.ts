import "server-only";
import { nextCookies } from "better-auth/next-js";
import { createAuth, type Auth } from "@taskbridge/auth";
import { stdoutAuthEvents, type AuthEventSink } from "@taskbridge/auth/events";
import { getDb } from "../db.ts";
import { getConfig } from "../env.ts";
import { countAuthEvent } from "../lib/metrics.ts";

/** The auth-event log on stdout, and sign-ins by outcome in the metrics. */
export const authEvents: AuthEventSink = (event) => {
  stdoutAuthEvents(event);
  countAuthEvent(event);
};

function buildAuth(): Auth {
  return createAuth({
    settings: getConfig(),
    db: getDb(),
    // nextCookies() lets server actions set Better Auth's cookies; it goes last, as Better Auth
    // asks.
    plugins: [nextCookies()],
    events: authEvents,
  });
}

export type { Auth };

const globalForAuth = globalThis as unknown as { taskbridgeAuth?: Auth };

/** Better Auth, built on first use so that `next build` needs no database or secret. */
export function getAuth(): Auth {
  globalForAuth.taskbridgeAuth ??= buildAuth();
  return globalForAuth.taskbridgeAuth;
}
