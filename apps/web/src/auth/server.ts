import "server-only";
import { nextCookies } from "better-auth/next-js";
import { createAuth, type Auth } from "@taskbridge/auth";
import { getDb } from "../db.ts";
import { getConfig } from "../env.ts";

function buildAuth(): Auth {
  // nextCookies() lets server actions set Better Auth's cookies; it goes last, as Better Auth asks.
  return createAuth({ settings: getConfig(), db: getDb(), plugins: [nextCookies()] });
}

export type { Auth };

const globalForAuth = globalThis as unknown as { taskbridgeAuth?: Auth };

/** Better Auth, built on first use so that `next build` needs no database or secret. */
export function getAuth(): Auth {
  globalForAuth.taskbridgeAuth ??= buildAuth();
  return globalForAuth.taskbridgeAuth;
}
