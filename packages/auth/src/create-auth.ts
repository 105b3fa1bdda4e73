import { betterAuth, type BetterAuthPlugin } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { jwt } from "better-auth/plugins";
import { SignJWT } from "jose";
import { schema, type Database } from "@taskbridge/db/client";
import type { BridgeSettings } from "./env.ts";
import { stdoutAuthEvents, type AuthEventSink } from "./auth-events.ts";
import { authHooks, emitAuthEvent, SIGN_IN_COUNT_WINDOW_SECONDS } from "./hooks.ts";
import { hashPassword, verifyPassword } from "./password.ts";
import { oauthPlugins } from "./oauth.ts";

/** What Better Auth needs of a reader's configuration (the web app's `WebConfig` is one). */
export type AuthSettings = Pick<BridgeSettings, "audience" | "jwtMode" | "jwtLifetimeSeconds"> &
  Partial<Pick<BridgeSettings, "apiUrl">> & {
    /** The web app's origin: Better Auth's base URL and the tokens' issuer. */
    baseUrl: string;
    secret: string;
    /** Proxies whose X-Forwarded-For entries are skipped to find the client's address. */
    trustedProxies?: readonly string[];
  };

export interface CreateAuthOptions {
  settings: AuthSettings;
  db: Database;
  /**
   * Plugins of the framework that serves it (Next.js's `nextCookies()`), after the JWT plugin;
   * Better Auth wants a cookie-setting plugin last.
   */
  plugins?: BetterAuthPlugin[];
  /** Where auth events go (see auth-events.ts); one JSON line each on stdout by default. */
  events?: AuthEventSink;
}

/** Endpoints whose deleted sessions were revoked (by their user, or by a password change). */
const REVOKING_PATHS = new Set([
  "/revoke-session",
  "/revoke-sessions",
  "/revoke-other-sessions",
  "/change-password",
]);

type HookContext = Parameters<typeof emitAuthEvent>[1] & { path?: string };

/**
 * The events that rows tell best: a user created (a real sign-up; one for a registered email
 * creates nothing and logs nothing), a session deleted by sign-out or revocation, a user
 * deleted. Better Auth passes the endpoint's context, or null outside a request.
 */
function eventDatabaseHooks(events: AuthEventSink) {
  const emit = (
    context: HookContext | null | undefined,
    fields: Parameters<typeof emitAuthEvent>[2],
  ) => {
    if (context) emitAuthEvent(events, context, fields);
  };
  return {
    user: {
      create: {
        after: async (created: { id: string }, context: HookContext | null | undefined) =>
          emit(context, { event: "sign-up", userId: created.id }),
      },
      delete: {
        after: async (deleted: { id: string }, context: HookContext | null | undefined) =>
          emit(context, { event: "account-deleted", userId: deleted.id }),
      },
    },
    session: {
      delete: {
        after: async (session: { userId: string }, context: HookContext | null | undefined) => {
          const path = context?.path ?? "";
          if (path === "/sign-out") emit(context, { event: "sign-out", userId: session.userId });
          else if (REVOKING_PATHS.has(path))
            emit(context, { event: "session-revoked", userId: session.userId });
        },
      },
    },
  };
}

/**
 * Better Auth as the web app runs it; a plain factory, free of any web framework, so tests build
 * the very same thing and serve it over real HTTP.
 */
export function createAuth({
  settings,
  db,
  plugins = [],
  events = stdoutAuthEvents,
}: CreateAuthOptions) {
  const hs256Key = new TextEncoder().encode(settings.secret);
  const hooks = authHooks(events);
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
      // Sign-up answers alike whether or not the email is registered ({ token: null, user },
      // no cookie) and creates nothing for a registered one; the form then signs in.
      autoSignIn: false,
      password: { hash: hashPassword, verify: verifyPassword },
    },
    user: { deleteUser: { enabled: true } },
    // Profile sizes, password strength, failed sign-in counts (see sign-in-limits.ts), a
    // password to delete an account, and the auth-event log (hooks.ts, auth-events.ts).
    hooks,
    databaseHooks: eventDatabaseHooks(events),
    // Errors that are not Better Auth's own (a database that cannot be reached) reach
    // handler.ts, which answers them as problem details instead of an empty 500.
    onAPIError: { throw: true },
    session: { expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
    rateLimit: {
      // On in every mode, and kept in the database so that it holds across web app copies.
      enabled: true,
      storage: "database",
      window: 60,
      max: 200,
      customRules: {
        // Only a flood guard against hashing load (two a second, well above what people behind
        // one address do); failed sign-ins are what is limited, in sign-in-limits.ts.
        "/sign-in/email": { window: 60, max: 120 },
        "/sign-up/email": { window: 60, max: 10 },
        "/change-password": { window: 60, max: 5 },
        // Also makes the longest window that of the failed sign-in counts, so that Better Auth's
        // pruning of old rateLimit rows keeps those counts (see sign-in-limits.ts) for it.
        "/delete-user": { window: SIGN_IN_COUNT_WINDOW_SECONDS, max: 5 },
        // A load balancer's health checks come from one address, once a second or so: limited,
        // they would reach the cap within minutes and every web copy would be marked down.
        // The route reads nothing and writes nothing (not even a rate-limit row) with this off.
        "/ok": false,
      },
    },
    advanced: {
      useSecureCookies: settings.baseUrl.startsWith("https://"),
      // Better Auth skips its Origin (CSRF) check when NODE_ENV=test; keep it on everywhere.
      disableOriginCheck: false,
      // The limit is keyed by client address, read from X-Forwarded-For only. Better Auth
      // trusts that header only when it holds exactly one valid address (no `trustedProxies`
      // are set); a list, or no usable header at all, puts the request in one shared bucket
      // per path ("no-trusted-ip"; 127.0.0.1 under NODE_ENV development/test), so the limit
      // always applies and never falls open.
      // - `next start` (what `npm start` runs) fills X-Forwarded-For with the socket address
      //   when the request has none, so each client gets its own bucket.
      // - Behind a proxy that appends to the header (nginx `$proxy_add_x_forwarded_for`, most
      //   load balancers), a made-up value turns the header into a list: the sender lands in
      //   the shared bucket instead of a fresh one, so forging the header dodges nothing. A
      //   proxy that overwrites the header is exact.
      // - Next keeps a header the client sent, so with `next start` facing the internet
      //   directly a single forged address would be believed. Put a proxy in front in
      //   production and list it in TRUSTED_PROXIES: Better Auth then reads the header from
      //   the right, skipping those proxies, and takes the first address it does not trust.
      //   The per-account sign-in limit holds in any case.
      ipAddress: {
        ipAddressHeaders: ["x-forwarded-for"],
        ...(settings.trustedProxies?.length
          ? { trustedProxies: [...settings.trustedProxies] }
          : {}),
      },
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
          // The token says who the user is and nothing else of the user record, and which
          // session it came from: `sid` is the session's id (a random id, not its secret
          // token), so the API can refuse it once the session ends (see migration 0007).
          definePayload: ({ user, session }) => ({
            email: user.email,
            name: user.name,
            sid: session.id,
          }),
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
      ...oauthPlugins({ mcpResource: `${settings.apiUrl ?? settings.audience}/mcp` }),
      ...plugins,
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;
