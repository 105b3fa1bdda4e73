import { APIError, createAuthMiddleware, isAPIError } from "better-auth/api";

type AuthMiddlewareContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

/** Sign-in attempts per account that may fail in a row, within one window, before a 429. */
export const SIGN_IN_FAILURES_PER_ACCOUNT = { max: 10, windowSeconds: 15 * 60 } as const;

const SIGN_IN_PATH = "/sign-in/email";

function attemptsKey(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || !("email" in body)) return undefined;
  const { email } = body;
  if (typeof email !== "string" || email.length === 0 || email.length > 320) return undefined;
  return `sign-in-attempts:${email.trim().toLowerCase()}`;
}

function countOf(value: string): number {
  const count = Number.parseInt(value, 10);
  return Number.isSafeInteger(count) && count > 0 ? count : 0;
}

/**
 * Per-account limit on password guessing, beside Better Auth's per-address limit: it holds
 * whatever address a client claims to come from. Attempts are counted in the `verification`
 * table (shared by every web app copy) and the count is cleared by a successful sign-in, so
 * only a run of failures reaches it. Calls through `auth.api.*` from server code are not
 * counted, as with Better Auth's own limiter.
 */
async function limitSignInAttempts(ctx: AuthMiddlewareContext): Promise<void> {
  const identifier = attemptsKey(ctx.body);
  if (!identifier) return;
  const adapter = ctx.context.internalAdapter;
  const now = Date.now();
  const row = await adapter.findVerificationValue(identifier);
  if (!row || row.expiresAt.getTime() <= now) {
    if (row) await adapter.deleteVerificationByIdentifier(identifier);
    await adapter.createVerificationValue({
      identifier,
      value: "1",
      expiresAt: new Date(now + SIGN_IN_FAILURES_PER_ACCOUNT.windowSeconds * 1000),
    });
    return;
  }
  const count = countOf(row.value);
  if (count >= SIGN_IN_FAILURES_PER_ACCOUNT.max) {
    const retryAfter = Math.max(1, Math.ceil((row.expiresAt.getTime() - now) / 1000));
    throw new APIError(
      "TOO_MANY_REQUESTS",
      { message: "Too many requests. Please try again later." },
      { "X-Retry-After": String(retryAfter) },
    );
  }
  await adapter.updateVerificationByIdentifier(identifier, { value: String(count + 1) });
}

/**
 * Better Auth deletes an account without a password when the session is fresh; ours always
 * asks for it, so that a borrowed unlocked browser cannot delete an account and its tasks.
 */
function requirePasswordToDelete(ctx: AuthMiddlewareContext): void {
  const body: unknown = ctx.body;
  const password =
    typeof body === "object" && body !== null && "password" in body ? body.password : undefined;
  if (typeof password !== "string" || password.length === 0) {
    throw new APIError("BAD_REQUEST", {
      message: "Enter your password to delete your account.",
      code: "PASSWORD_REQUIRED",
    });
  }
}

/** Runs before every Better Auth endpoint. */
export const beforeAuthHooks = createAuthMiddleware(async (ctx) => {
  if (ctx.path === SIGN_IN_PATH && ctx.request) await limitSignInAttempts(ctx);
  if (ctx.path === "/delete-user") requirePasswordToDelete(ctx);
});

/** Clears the account's count after a successful sign-in. */
export const afterAuthHooks = createAuthMiddleware(async (ctx) => {
  if (ctx.path !== SIGN_IN_PATH || !ctx.request) return;
  const identifier = attemptsKey(ctx.body);
  if (!identifier || isAPIError(ctx.context.returned)) return;
  await ctx.context.internalAdapter.deleteVerificationByIdentifier(identifier);
});
