import { APIError, createAuthMiddleware, isAPIError } from "better-auth/api";
import {
  clientAddressOf,
  requestIdOf,
  signInFailure,
  type AuthEvent,
  type AuthEventSink,
} from "./auth-events.ts";
import { checkProfileInput } from "./input-limits.ts";
import { judgePassword } from "./password-strength.ts";
import {
  afterSuccessfulSignIn,
  beforeSignIn,
  SIGN_IN_LIMITS,
  signInKeys,
} from "./sign-in-limits.ts";

type AuthMiddlewareContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

export { SIGN_IN_LIMITS };

/** The longest window a sign-in count is kept for (Better Auth prunes rows older than its longest rule). */
export const SIGN_IN_COUNT_WINDOW_SECONDS = Math.max(
  SIGN_IN_LIMITS.perAddress.windowSeconds,
  SIGN_IN_LIMITS.perAccountAndAddress.windowSeconds,
  SIGN_IN_LIMITS.perAccount.windowSeconds,
);

const SIGN_IN_PATH = "/sign-in/email";

/** An object's own entries, typed as unknown values. */
function entriesOf(body: object): [string, unknown][] {
  return Object.entries(body);
}

function stringField(body: unknown, name: string): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const value = entriesOf(body).find(([key]) => key === name)?.[1];
  return typeof value === "string" ? value : undefined;
}

/** Where a new password arrives, by endpoint. */
const NEW_PASSWORD_FIELD: Record<string, string> = {
  "/sign-up/email": "password",
  "/change-password": "newPassword",
  "/reset-password": "newPassword",
  "/set-password": "newPassword",
};

/**
 * Refuses a new password that is common, breached or otherwise easy to guess. Better Auth
 * checks the length (8 to 128) first; this runs only on what passes that.
 */
function requireStrongPassword(ctx: AuthMiddlewareContext, field: string): void {
  const password = stringField(ctx.body, field);
  if (password === undefined || password.length < 8 || password.length > 128) return;
  const userInputs = [stringField(ctx.body, "name"), stringField(ctx.body, "email")].filter(
    (value): value is string => Boolean(value),
  );
  const verdict = judgePassword(password, userInputs);
  if (!verdict.ok) {
    throw new APIError("BAD_REQUEST", { message: verdict.message, code: "PASSWORD_TOO_WEAK" });
  }
}

/**
 * Better Auth deletes an account without a password when the session is fresh; ours always
 * asks for it, so that a borrowed unlocked browser cannot delete an account and its tasks.
 */
function requirePasswordToDelete(ctx: AuthMiddlewareContext): void {
  const password = stringField(ctx.body, "password");
  if (!password) {
    throw new APIError("BAD_REQUEST", {
      message: "Enter your password to delete your account.",
      code: "PASSWORD_REQUIRED",
    });
  }
}

type EventFields = Omit<AuthEvent, "ip" | "requestId">;

/** Reports an event of the request `ctx` handles, with its client address and request id. */
export function emitAuthEvent(
  events: AuthEventSink,
  ctx: {
    request?: Request | undefined;
    headers?: Headers | undefined;
    context: { options: Parameters<typeof clientAddressOf>[1] };
  },
  fields: EventFields,
): void {
  const source = ctx.request ?? ctx.headers;
  try {
    events({
      ...fields,
      ip: clientAddressOf(source, ctx.context.options),
      requestId: requestIdOf(source),
    });
  } catch (error) {
    // The log never decides whether someone signs in.
    console.error(
      "[auth] could not write an auth event:",
      error instanceof Error ? error.name : typeof error,
    );
  }
}

/** The id of the account a failed sign-in named, when there is one (for the log only). */
async function userIdByEmail(ctx: AuthMiddlewareContext): Promise<string | null> {
  const email = stringField(ctx.body, "email");
  if (!email || email.length > 320) return null;
  try {
    const found = await ctx.context.internalAdapter.findUserByEmail(email.trim().toLowerCase());
    return found?.user.id ?? null;
  } catch {
    return null;
  }
}

/** The user an endpoint acted for: its session's, or the user it answered. */
function actingUserId(ctx: AuthMiddlewareContext): string | null {
  const sessionUser = ctx.context.session?.user.id;
  if (sessionUser) return sessionUser;
  const returned: unknown = ctx.context.returned;
  if (typeof returned !== "object" || returned === null || !("user" in returned)) return null;
  const user: unknown = returned.user;
  if (typeof user !== "object" || user === null || !("id" in user)) return null;
  return typeof user.id === "string" ? user.id : null;
}

/** The OAuth client named in the consent page's query (`oauth_query`). */
function consentClientId(body: unknown): string | undefined {
  const query = stringField(body, "oauth_query");
  const clientId = query ? new URLSearchParams(query).get("client_id") : null;
  return clientId && clientId.length <= 200 ? clientId : undefined;
}

/**
 * Better Auth's `hooks`: profile sizes, password strength, failed sign-in counts (see
 * sign-in-limits.ts), a password to delete an account, and the auth events an endpoint's answer
 * tells of (sign-ins and their failures, password changes, consent). Events told by rows
 * (sign-up, sign-out, revoked sessions, deleted accounts) are reported by `databaseHooks`.
 */
export function authHooks(events: AuthEventSink) {
  /** Runs before every Better Auth endpoint; calls from server code (`auth.api.*`) are trusted. */
  const before = createAuthMiddleware(async (ctx) => {
    if (!ctx.request) return;
    try {
      const trimmed = checkProfileInput(ctx.path, ctx.body);
      const passwordField = NEW_PASSWORD_FIELD[ctx.path];
      if (passwordField) requireStrongPassword(ctx, passwordField);
      if (ctx.path === "/delete-user") requirePasswordToDelete(ctx);
      if (ctx.path === SIGN_IN_PATH) {
        const keys = signInKeys(ctx);
        if (keys) await beforeSignIn(ctx, keys);
      }
      // A new password ends every other session (and the tokens issued for them, see migration
      // 0007), whatever the client asked: a password is changed because it may be known to others.
      const body: unknown = trimmed ?? ctx.body;
      if (ctx.path === "/change-password" && typeof body === "object" && body !== null)
        return { context: { body: { ...body, revokeOtherSessions: true } } };
      if (trimmed) return { context: { body: trimmed } };
    } catch (error) {
      // A sign-in refused here (too many failures, input out of bounds) never reaches the
      // endpoint or the after hook.
      if (ctx.path === SIGN_IN_PATH) {
        emitAuthEvent(events, ctx, {
          event: "sign-in-failed",
          userId: await userIdByEmail(ctx),
          reason: signInFailure(error),
        });
      }
      throw error;
    }
  });

  const after = createAuthMiddleware(async (ctx) => {
    const returned: unknown = ctx.context.returned;
    const failed = isAPIError(returned) || returned instanceof Error;
    if (ctx.path === SIGN_IN_PATH) {
      if (failed) {
        emitAuthEvent(events, ctx, {
          event: "sign-in-failed",
          userId: await userIdByEmail(ctx),
          reason: signInFailure(returned),
        });
        return;
      }
      emitAuthEvent(events, ctx, {
        event: "sign-in",
        userId: ctx.context.newSession?.user.id ?? actingUserId(ctx),
      });
      // After a successful sign-in, the attempt is taken off the failure counts.
      const keys = ctx.request ? signInKeys(ctx) : undefined;
      if (keys) await afterSuccessfulSignIn(ctx, keys);
      return;
    }
    if (failed) return;
    if (ctx.path === "/change-password") {
      emitAuthEvent(events, ctx, { event: "password-changed", userId: actingUserId(ctx) });
    } else if (ctx.path === "/oauth2/consent") {
      const body: unknown = ctx.body;
      const accepted =
        typeof body === "object" && body !== null && "accept" in body && body.accept === true;
      const clientId = consentClientId(ctx.body);
      emitAuthEvent(events, ctx, {
        event: accepted ? "consent-given" : "consent-refused",
        userId: actingUserId(ctx),
        ...(clientId ? { clientId } : {}),
      });
    }
  });

  return { before, after };
}
