import "server-only";
import { getDb } from "../db.ts";
import { getConfig } from "../env.ts";
import { createAuth, type Auth } from "./config.ts";

const globalForAuth = globalThis as unknown as { taskbridgeAuth?: Auth };

/** Better Auth, built on first use so that `next build` needs no database or secret. */
export function getAuth(): Auth {
  globalForAuth.taskbridgeAuth ??= createAuth(getConfig(), getDb());
  return globalForAuth.taskbridgeAuth;
}

export type { Auth };
