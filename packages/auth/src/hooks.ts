import { APIError, createAuthMiddleware, isAPIError } from "better-auth/api";
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

/** Runs before every Better Auth endpoint; calls from server code (`auth.api.*`) are trusted. */
export const beforeAuthHooks = createAuthMiddleware(async (ctx) => {
  if (!ctx.request) return;
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
});

/** After a successful sign-in, the attempt is taken off the failure counts. */
export const afterAuthHooks = createAuthMiddleware(async (ctx) => {
  if (ctx.path !== SIGN_IN_PATH || !ctx.request) return;
  const keys = signInKeys(ctx);
  if (!keys || isAPIError(ctx.context.returned)) return;
  await afterSuccessfulSignIn(ctx, keys);
});
