import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { nextCookies } from "better-auth/next-js";
import { jwt } from "better-auth/plugins";
import { SignJWT } from "jose";
import { schema, type Database } from "@taskbridge/db/client";
import type { WebConfig } from "../env.ts";
import { hashPassword, verifyPassword } from "./password.ts";

export type AuthSettings = Pick<
  WebConfig,
  "baseUrl" | "secret" | "audience" | "jwtMode" | "jwtLifetimeSeconds"
>;

/**
 * Better Auth as the web app runs it; a plain factory so tests build the very same thing and
 * serve it over real HTTP.
 */
export function createAuth(settings: AuthSettings, db: Database) {
  const hs256Key = new TextEncoder().encode(settings.secret);
  return betterAuth({
    appName: "Taskbridge",
    baseURL: settings.baseUrl,
    secret: settings.secret,
    trustedOrigins: [settings.baseUrl],
    database: drizzleAdapter(db, { provider: "pg", schema }),
    emailAndPassword: {
      enabled: true,
      minPasswordLength: 8,
      maxPasswordLength: 128,
      password: { hash: hashPassword, verify: verifyPassword },
    },
    user: { deleteUser: { enabled: true } },
    session: { expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
    rateLimit: {
      // On in every mode, and kept in the database so that it holds across web app copies.
      enabled: true,
      storage: "database",
      window: 60,
      max: 200,
      customRules: {
        "/sign-in/email": { window: 10, max: 5 },
        "/sign-up/email": { window: 60, max: 10 },
        "/change-password": { window: 60, max: 5 },
        "/delete-user": { window: 60, max: 5 },
      },
    },
    advanced: {
      useSecureCookies: settings.baseUrl.startsWith("https://"),
      // Better Auth skips its Origin (CSRF) check when NODE_ENV=test; keep it on everywhere.
      disableOriginCheck: false,
      // `next start` sets X-Forwarded-For to the connecting address. A client that sends its
      // own makes the header a list, which Better Auth will not trust without a proxy list, so
      // such requests share one bucket instead of dodging the limit. Behind a proxy, list it in
      // `trustedProxies` here.
      ipAddress: { ipAddressHeaders: ["x-forwarded-for"] },
    },
    plugins: [
      jwt({
        jwks: {
          keyPairConfig: { alg: "EdDSA", crv: "Ed25519" },
          // With a custom signer (HS256 mode) the plugin wants to know where keys would be.
          ...(settings.jwtMode === "hs256"
            ? { remoteUrl: `${settings.baseUrl}/api/auth/jwks` }
            : {}),
        },
        jwt: {
          issuer: settings.baseUrl,
          audience: settings.audience,
          // A number would be read as an absolute time (epoch seconds); a span is a string.
          expirationTime: `${settings.jwtLifetimeSeconds}s`,
          // The token says who the user is and nothing else of the user record.
          definePayload: ({ user }) => ({ email: user.email, name: user.name }),
          ...(settings.jwtMode === "hs256"
            ? {
                // Backends written for the shared secret (PyJWT and the like) verify these.
                sign: (payload) =>
                  new SignJWT(payload)
                    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
                    .sign(hs256Key),
              }
            : {}),
        },
        // Clients ask /token when they need one; no token is signed on every session read.
        disableSettingJwtHeader: true,
      }),
      nextCookies(),
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;
