import { randomUUID } from "node:crypto";
import { getIP, isAPIError } from "better-auth/api";
import type { BetterAuthOptions } from "better-auth";

/** What the auth-event log records; each is one JSON line. */
export const AUTH_EVENTS = [
  "sign-up",
  "sign-in",
  "sign-in-failed",
  "sign-out",
  "session-revoked",
  "password-changed",
  "account-deleted",
  "consent-given",
  "consent-refused",
  "app-revoked",
  "invite-accepted",
] as const;
export type AuthEventName = (typeof AUTH_EVENTS)[number];

/** Why a sign-in failed, as logged and counted: a fixed set. */
export type SignInFailure =
  "invalid credentials" | "too many attempts" | "invalid request" | "error";

/**
 * One auth event. Never a password, a token, a cookie or an email: the user by id, the client
 * by the address the rate limits use, the request by its id.
 */
export interface AuthEvent {
  event: AuthEventName;
  /** The user concerned; null when none is known (a failed sign-in for an unknown email). */
  userId: string | null;
  /** The client's address as Better Auth's rate limiter sees it (past TRUSTED_PROXIES). */
  ip: string | null;
  /** The request's id: a trusted proxy's `X-Request-Id`, else one made for it. */
  requestId: string;
  /** sign-in-failed: why. */
  reason?: SignInFailure;
  /** consent-given, consent-refused, app-revoked: the OAuth client. */
  clientId?: string;
  /** invite-accepted: the list joined. */
  listId?: string;
}

/** Where events go; by default one JSON line each on stdout (`authEventLine`). */
export type AuthEventSink = (event: AuthEvent) => void;

/** pino's number for `info`, so the lines read like the task API's. */
const INFO = 30;

/**
 * The line for an event: shaped like a pino line (`level`, `time` in epoch milliseconds,
 * `msg: "auth event"`), as the task API writes its own (`invite-accepted`), so one log pipeline
 * reads both.
 */
export function authEventLine(event: AuthEvent, now = Date.now()): string {
  return JSON.stringify({ level: INFO, time: now, msg: "auth event", ...event });
}

export const stdoutAuthEvents: AuthEventSink = (event) => {
  process.stdout.write(`${authEventLine(event)}\n`);
};

/** What a request id may look like; anything else is replaced (it goes into log lines). */
export const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

const madeIds = new WeakMap<object, string>();

/**
 * A request's headers, or the headers given. Tested with `instanceof`, not by a `headers` field:
 * Next.js's `headers()` answers a Headers subclass that keeps the raw headers in a field of that
 * name.
 */
function headersOf(request: { headers: Headers } | Headers): Headers {
  return request instanceof Headers ? request : request.headers;
}

/**
 * The id of a request: its `X-Request-Id` (which the server in front of Better Auth keeps only
 * when a trusted proxy sent it, see `setRequestId`), else one made once per request.
 */
export function requestIdOf(request: { headers: Headers } | Headers | undefined): string {
  const headers = request === undefined ? undefined : headersOf(request);
  const given = headers?.get("x-request-id");
  if (given && REQUEST_ID.test(given)) return given;
  if (!request) return randomUUID();
  let made = madeIds.get(request);
  if (!made) {
    made = randomUUID();
    madeIds.set(request, made);
  }
  return made;
}

/** The client's address exactly as Better Auth's rate limiter reads it, or null. */
export function clientAddressOf(
  request: { headers: Headers } | Headers | undefined,
  options: BetterAuthOptions,
): string | null {
  if (!request) return null;
  return getIP(headersOf(request), options) ?? null;
}

/** How a failed sign-in is named, from what Better Auth answered. */
export function signInFailure(returned: unknown): SignInFailure {
  if (!isAPIError(returned)) return "error";
  if (returned.statusCode === 429) return "too many attempts";
  const code: unknown = (returned.body as { code?: unknown } | undefined)?.code;
  if (returned.statusCode === 401 || code === "INVALID_EMAIL_OR_PASSWORD")
    return "invalid credentials";
  if (returned.statusCode === 400 || returned.statusCode === 403) return "invalid request";
  return "error";
}
