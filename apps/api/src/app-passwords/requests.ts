import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AuthUser } from "../auth/verifier.ts";
import { APP_PASSWORD_SESSION } from "../auth/revocations.ts";
import { sendProblem } from "../problem.ts";
import { AppPasswordRepository, type AppPasswordIdentity } from "./repository.ts";

/**
 * How long a request signed in with an app password vouches for its caller: a long-lived event
 * stream ends then and the client signs in again (a revocation ends it at once anyway).
 */
const VOUCHES_FOR_S = 3600;
/** Methods that only read: HTTP's, and WebDAV's PROPFIND and REPORT. */
const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PROPFIND", "REPORT"]);

const repositories = new WeakMap<FastifyInstance, AppPasswordRepository>();
const identities = new WeakMap<FastifyRequest, AppPasswordIdentity>();

function repositoryOf(app: FastifyInstance): AppPasswordRepository {
  let repository = repositories.get(app);
  if (!repository) {
    repository = new AppPasswordRepository(app.db);
    repositories.set(app, repository);
  }
  return repository;
}

/** The app password a request signed in with, if it did. */
export function appPasswordOf(request: FastifyRequest): AppPasswordIdentity | undefined {
  return identities.get(request);
}

/** An app password sign-in: the caller, a refusal, or "too many failures, wait this long". */
export type AppPasswordSignIn = { user: AuthUser } | { refused: true } | { retryAfter: number };

/**
 * The caller an app password signs in (with `email`, HTTP Basic's user name, when given), as
 * the token check's user. Its revocation reaches open event streams as a session's does: the
 * user's "session" is the app password. Wrong or revoked passwords count against the address and
 * the user name; past the limit of a minute the password is not even checked.
 */
export async function appPasswordUser(
  request: FastifyRequest,
  password: string,
  email?: string,
): Promise<AppPasswordSignIn> {
  const limits = request.server.rateLimits;
  const keys = [`address:${request.ip}`];
  if (email !== undefined) keys.push(`user:${email.trim().toLowerCase()}`);
  const wait = await limits.appPasswordBlocked(keys);
  if (wait !== undefined) return { retryAfter: wait };
  const identity = await repositoryOf(request.server).check(password, email);
  if (!identity) {
    await limits.appPasswordFailed(keys);
    return { refused: true };
  }
  identities.set(request, identity);
  const now = Math.floor(Date.now() / 1000);
  return {
    user: {
      id: identity.userId,
      email: identity.email,
      name: identity.name,
      scopes: [],
      clientId: null,
      sessionId: `${APP_PASSWORD_SESSION}${identity.id}`,
      issuedAt: now,
      expiresAt: now + VOUCHES_FOR_S,
    },
  };
}

/** The 429 of too many failed app password sign-ins. */
export function sendTooManyFailures(
  request: FastifyRequest,
  reply: FastifyReply,
  retryAfter: number,
): FastifyReply {
  request.log.info({ reason: "too many failed app passwords" }, "request refused: 429");
  reply.header("Retry-After", String(retryAfter));
  return sendProblem(reply, 429, `Too many failed sign-ins; try again in ${retryAfter} s`);
}

/**
 * A write with a read-only app password: answered 403 here; undefined lets it through. Not
 * async on purpose: a reply is a thenable, and awaiting one gives `undefined` once it is sent,
 * which a caller would take for "let it through".
 */
export function refuseReadOnlyWrite(
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply | undefined {
  if (appPasswordOf(request)?.scope !== "read_only" || READ_METHODS.has(request.method))
    return undefined;
  request.log.info({ reason: "read-only app password" }, "request refused: 403");
  return sendProblem(reply, 403, "This app password can only read");
}
