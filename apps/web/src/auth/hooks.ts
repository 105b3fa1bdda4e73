import { APIError, createAuthMiddleware, isAPIError } from "better-auth/api";

type AuthMiddlewareContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

/** Sign-in attempts per account that may fail in a row, within one window, before a 429. */
export const SIGN_IN_FAILURES_PER_ACCOUNT = { max: 10, windowSeconds: 15 * 60 } as const;

const SIGN_IN_PATH = "/sign-in/email";

function attemptsKey(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || !("email" in body)) return undefined;
  const { email } = body;
  if (typeof email !== "string" || email.length === 0 || email.length > 320) return undefined;
  return `account:${email.trim().toLowerCase()}|${SIGN_IN_PATH}`;
}

const RATE_LIMIT_MODEL = "rateLimit";

function tooManyRequests(retryAfterSeconds: number): APIError {
  return new APIError(
    "TOO_MANY_REQUESTS",
    { message: "Too many requests. Please try again later." },
    { "X-Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  );
}

/**
 * Per-account limit on password guessing, beside Better Auth's per-address limit: it holds
 * whatever address a client claims to come from. Attempts are counted in the `rateLimit`
 * table (shared by every web app copy; a fixed window whose start is `lastRequest`) with the
 * adapter's atomic guarded increment, so a burst of parallel attempts cannot all read the
 * same count. A successful sign-in deletes the count, so only a run of failures reaches the
 * limit. Calls through `auth.api.*` from server code are not counted, as with Better Auth's
 * own limiter.
 */
async function limitSignInAttempts(ctx: AuthMiddlewareContext, key: string): Promise<void> {
  const adapter = ctx.context.adapter;
  const { max, windowSeconds } = SIGN_IN_FAILURES_PER_ACCOUNT;
  const windowMs = windowSeconds * 1000;
  // Bounded: each pass either decides or loses a race that another request has just won.
  for (let attempt = 0; attempt < 5; attempt++) {
    const now = Date.now();
    const counted = await adapter.incrementOne({
      model: RATE_LIMIT_MODEL,
      where: [
        { field: "key", value: key },
        { field: "lastRequest", operator: "gt", value: now - windowMs },
        { field: "count", operator: "lt", value: max },
      ],
      increment: { count: 1 },
    });
    if (counted) return;
    const row = await adapter.findOne<{ count: number; lastRequest: number | string }>({
      model: RATE_LIMIT_MODEL,
      where: [{ field: "key", value: key }],
    });
    if (!row) {
      const created = await adapter
        .create({ model: RATE_LIMIT_MODEL, data: { key, count: 1, lastRequest: now } })
        .then(
          () => true,
          () => false, // another request created it first: count against that row
        );
      if (created) return;
      continue;
    }
    const windowStart = Number(row.lastRequest);
    if (windowStart > now - windowMs) throw tooManyRequests((windowStart + windowMs - now) / 1000);
    // The window is over: start a new one, unless another request just did.
    const restarted = await adapter.incrementOne({
      model: RATE_LIMIT_MODEL,
      where: [
        { field: "key", value: key },
        { field: "lastRequest", operator: "lte", value: now - windowMs },
      ],
      increment: {},
      set: { count: 1, lastRequest: now },
    });
    if (restarted) return;
  }
  throw tooManyRequests(1);
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
  if (ctx.path === SIGN_IN_PATH && ctx.request) {
    const key = attemptsKey(ctx.body);
    if (key) await limitSignInAttempts(ctx, key);
  }
  if (ctx.path === "/delete-user") requirePasswordToDelete(ctx);
});

/** Clears the account's count after a successful sign-in. */
export const afterAuthHooks = createAuthMiddleware(async (ctx) => {
  if (ctx.path !== SIGN_IN_PATH || !ctx.request) return;
  const identifier = attemptsKey(ctx.body);
  if (!identifier || isAPIError(ctx.context.returned)) return;
  await ctx.context.adapter.delete({
    model: RATE_LIMIT_MODEL,
    where: [{ field: "key", value: identifier }],
  });
});
