import "server-only";
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { jwt } from "better-auth/plugins";
import { nextCookies } from "better-auth/next-js";
import { schema } from "@taskbridge/db/client";
import { getDb } from "../db.ts";
import { getConfig } from "../env.ts";

function createAuth() {
  const config = getConfig();
  return betterAuth({
    appName: "Taskbridge",
    baseURL: config.baseUrl,
    secret: config.secret,
    database: drizzleAdapter(getDb(), { provider: "pg", schema }),
    emailAndPassword: {
      enabled: true,
      minPasswordLength: 8,
      maxPasswordLength: 128,
    },
    user: { deleteUser: { enabled: true } },
    advanced: {
      useSecureCookies: config.baseUrl.startsWith("https://"),
    },
    plugins: [
      jwt({
        jwks: { keyPairConfig: { alg: "EdDSA", crv: "Ed25519" } },
        jwt: {
          issuer: config.baseUrl,
          audience: config.audience,
          // A number would be read as an absolute time (epoch seconds); a span must be a string.
          expirationTime: `${config.jwtLifetimeSeconds}s`,
          // The token carries who the user is and nothing else of the user record.
          definePayload: ({ user }) => ({ email: user.email, name: user.name }),
        },
        disableSettingJwtHeader: true,
      }),
      nextCookies(),
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;

const globalForAuth = globalThis as unknown as { taskbridgeAuth?: Auth };

/** Better Auth, built on first use so that `next build` needs no database or secret. */
export function getAuth(): Auth {
  globalForAuth.taskbridgeAuth ??= createAuth();
  return globalForAuth.taskbridgeAuth;
}
