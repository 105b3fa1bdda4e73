import { APIError, getIP } from "better-auth/api";
import type { createAuthMiddleware } from "better-auth/api";

type AuthMiddlewareContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];
type Adapter = AuthMiddlewareContext["context"]["adapter"];

const FIFTEEN_MINUTES = 15 * 60;

/**
 * Failed sign-ins are counted three ways, each in a fixed window:
 * - per address (any account): refuses a client that sprays guesses over many accounts;
 * - per account and address: refuses one client guessing at one account;
 * - per account (any address): never refuses, only slows each further attempt down, so that
 *   guesses from many addresses cannot lock the owner out, and the owner, whose own address
 *   has its own count, always gets in with the right password within a few seconds.
 * A successful sign-in is not a failure: it counts against none of them, and clears the
 * account-and-address count.
 */
export const SIGN_IN_LIMITS = {
  perAddress: { max: 30, windowSeconds: FIFTEEN_MINUTES },
  perAccountAndAddress: { max: 10, windowSeconds: FIFTEEN_MINUTES },
  perAccount: {
    windowSeconds: FIFTEEN_MINUTES,
    /** Failures from anywhere before attempts start to wait. */
    freeFailures: 10,
    firstDelayMs: 250,
    maxDelayMs: 3000,
  },
} as const;

/** How long an attempt waits after `failures` failed attempts at its account: doubling, capped. */
export function slowDownMs(failures: number, limits = SIGN_IN_LIMITS.perAccount): number {
  const over = failures - limits.freeFailures;
  if (over < 0) return 0;
  return Math.min(limits.maxDelayMs, limits.firstDelayMs * 2 ** Math.min(over, 16));
}

export interface WindowRow {
  count: number;
  /** When the window started (epoch ms). */
  lastRequest: number;
}

export type WindowDecision =
  | { action: "create" }
  | { action: "count" }
  | { action: "restart" }
  | { action: "refuse"; retryAfterSeconds: number };

/** What one more attempt does to a fixed window of `max` attempts per `windowMs`. */
export function decideWindow(
  row: WindowRow | undefined,
  now: number,
  { max, windowMs }: { max: number; windowMs: number },
): WindowDecision {
  if (!row) return { action: "create" };
  if (row.lastRequest <= now - windowMs) return { action: "restart" };
  if (row.count < max) return { action: "count" };
  return {
    action: "refuse",
    retryAfterSeconds: Math.max(1, Math.ceil((row.lastRequest + windowMs - now) / 1000)),
  };
}

const MODEL = "rateLimit";

async function readRow(adapter: Adapter, key: string): Promise<WindowRow | undefined> {
  const row = await adapter.findOne<{ count: number; lastRequest: number | string }>({
    model: MODEL,
    where: [{ field: "key", value: key }],
  });
  return row ? { count: Number(row.count), lastRequest: Number(row.lastRequest) } : undefined;
}

/**
 * Takes one attempt from the window at `key` (in Better Auth's `rateLimit` table, so every web
 * app copy shares it). Each write is guarded by what was read, so parallel attempts cannot all
 * count against the same old value; a lost race reads again (bounded).
 */
async function take(
  adapter: Adapter,
  key: string,
  limits: { max: number; windowMs: number },
): Promise<{ ok: true; count: number } | { ok: false; retryAfterSeconds: number }> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const now = Date.now();
    const row = await readRow(adapter, key);
    const decision = decideWindow(row, now, limits);
    if (decision.action === "refuse") return { ok: false, ...decision };
    if (decision.action === "create") {
      const created = await adapter
        .create({ model: MODEL, data: { key, count: 1, lastRequest: now } })
        .then(
          () => true,
          () => false, // another request created it first: count against that row
        );
      if (created) return { ok: true, count: 1 };
      continue;
    }
    if (!row) continue;
    const counted =
      decision.action === "count"
        ? await adapter.incrementOne({
            model: MODEL,
            where: [
              { field: "key", value: key },
              { field: "lastRequest", value: row.lastRequest },
              { field: "count", operator: "lt", value: limits.max },
            ],
            increment: { count: 1 },
          })
        : await adapter.incrementOne({
            model: MODEL,
            where: [
              { field: "key", value: key },
              { field: "lastRequest", value: row.lastRequest },
            ],
            increment: {},
            set: { count: 1, lastRequest: now },
          });
    if (counted) return { ok: true, count: decision.action === "count" ? row.count + 1 : 1 };
  }
  return { ok: false, retryAfterSeconds: 1 };
}

/** Gives back `attempts` that turned out not to be failures (never below zero). */
async function giveBack(adapter: Adapter, key: string, attempts = 1): Promise<void> {
  const given = await adapter.incrementOne({
    model: MODEL,
    where: [
      { field: "key", value: key },
      { field: "count", operator: "gte", value: attempts },
    ],
    increment: { count: -attempts },
  });
  if (given || attempts === 1) return;
  await adapter.incrementOne({
    model: MODEL,
    where: [
      { field: "key", value: key },
      { field: "count", operator: "lt", value: attempts },
    ],
    increment: {},
    set: { count: 0 },
  });
}

function tooManyRequests(retryAfterSeconds: number): APIError {
  const seconds = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  return new APIError(
    "TOO_MANY_REQUESTS",
    { message: "Too many failed sign-in attempts. Please try again later." },
    { "Retry-After": seconds, "X-Retry-After": seconds },
  );
}

export interface SignInKeys {
  address: string;
  accountAndAddress: string;
  account: string;
}

/** The counters' keys for a sign-in request, or undefined when it names no usable email. */
export function signInKeys(ctx: AuthMiddlewareContext): SignInKeys | undefined {
  const body: unknown = ctx.body;
  if (typeof body !== "object" || body === null || !("email" in body)) return undefined;
  const { email } = body;
  if (typeof email !== "string" || email.length === 0 || email.length > 320) return undefined;
  const account = email.trim().toLowerCase();
  // No address known (no trustworthy header): such requests share one count.
  const address = (ctx.request && getIP(ctx.request, ctx.context.options)) || "unknown";
  return {
    address: `sign-in-failures:address:${address}`,
    accountAndAddress: `sign-in-failures:account-address:${account}|${address}`,
    account: `sign-in-failures:account:${account}`,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Before a sign-in: refuses when this address has failed too often (overall or at this
 * account), otherwise counts the attempt as a failure until it succeeds, and waits a little
 * when the account has been guessed at from many places.
 */
export async function beforeSignIn(ctx: AuthMiddlewareContext, keys: SignInKeys): Promise<void> {
  const adapter = ctx.context.adapter;
  const windowMs = (seconds: number) => seconds * 1000;
  const { perAddress, perAccountAndAddress, perAccount } = SIGN_IN_LIMITS;
  const address = await take(adapter, keys.address, {
    max: perAddress.max,
    windowMs: windowMs(perAddress.windowSeconds),
  });
  if (!address.ok) throw tooManyRequests(address.retryAfterSeconds);
  const pair = await take(adapter, keys.accountAndAddress, {
    max: perAccountAndAddress.max,
    windowMs: windowMs(perAccountAndAddress.windowSeconds),
  });
  if (!pair.ok) {
    await giveBack(adapter, keys.address);
    throw tooManyRequests(pair.retryAfterSeconds);
  }
  const account = await take(adapter, keys.account, {
    max: 2_147_483_647, // no limit (the count column is a 32-bit integer)
    windowMs: windowMs(perAccount.windowSeconds),
  });
  const delay = account.ok ? slowDownMs(account.count - 1) : perAccount.maxDelayMs;
  if (delay > 0) await sleep(delay);
}

/**
 * After a successful sign-in: it was no failure, and the failures this address made at this
 * account were the owner's own typos, so they no longer slow the account down either. Failures
 * made from other addresses stay counted.
 */
export async function afterSuccessfulSignIn(
  ctx: AuthMiddlewareContext,
  keys: SignInKeys,
): Promise<void> {
  const adapter = ctx.context.adapter;
  await giveBack(adapter, keys.address);
  // The pair's count includes this attempt, which the account counted as well.
  const pair = await readRow(adapter, keys.accountAndAddress);
  await giveBack(adapter, keys.account, pair?.count ?? 1);
  await adapter.delete({ model: MODEL, where: [{ field: "key", value: keys.accountAndAddress }] });
}
