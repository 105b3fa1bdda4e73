import fp from "fastify-plugin";
import type { FastifyReply, FastifyRequest } from "fastify";
import { KeysUnavailableError, RevocationsUnavailableError, TokenError } from "../auth/errors.ts";
import { authorizationOf, SEVERAL_AUTHORIZATION_HEADERS } from "../auth/header.ts";
import { TokenVerifier, type AuthUser } from "../auth/verifier.ts";
import { APP_PASSWORD_PREFIX } from "../app-passwords/repository.ts";
import {
  appPasswordUser,
  refuseReadOnlyWrite,
  sendTooManyFailures,
} from "../app-passwords/requests.ts";
import { sendProblem } from "../problem.ts";
import { refusedTooOften } from "./rate-limit.ts";

declare module "fastify" {
  interface FastifyRequest {
    /**
     * The verified caller. Readable inside the `/api` plugin, whose hook sets it before any
     * handler runs; reading it anywhere else throws rather than answering `undefined`.
     */
    readonly user: AuthUser;
  }
  interface FastifyInstance {
    verifier: TokenVerifier;
  }
}

export interface AuthPluginOptions {
  /** Injected by tests that need a verifier with other settings. */
  verifier?: TokenVerifier;
}

const BEARER = /^Bearer +(\S+) *$/i;
/** How long after start a web app that does not yet serve its keys is not worth a warning. */
const KEYS_AWAITED_MS = 30_000;

/**
 * Every later log line of the request names its user. request.log is already this request's own
 * child logger (pino), so the user is bound to it in place rather than by a child of the child.
 */
function bindUser(request: FastifyRequest, userId: string): void {
  const setBindings: unknown = Reflect.get(request.log, "setBindings");
  if (typeof setBindings === "function") {
    Reflect.apply(setBindings, request.log, [{ userId }]);
  } else {
    request.log = request.log.child({ userId });
  }
}

async function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  detail: string,
  reason: string,
  tokenSent: boolean,
) {
  // An address refused too often this minute meets a 429 instead, on every copy.
  if (await refusedTooOften(request, reply)) return reply;
  request.log.info({ reason }, "request refused: 401");
  request.server.metrics.refused(reason);
  const challenge = tokenSent
    ? `Bearer realm="taskbridge", error="invalid_token", error_description="${detail}"`
    : `Bearer realm="taskbridge"`;
  reply.header("WWW-Authenticate", challenge);
  return sendProblem(reply, 401, detail);
}

/** Verified callers by request; a WeakMap so nothing outlives its request. */
const verifiedUsers = new WeakMap<FastifyRequest, AuthUser>();

/** Records the verified caller of a request: the DAV layer's Basic sign-in sets it this way too. */
export function setVerifiedUser(request: FastifyRequest, user: AuthUser): void {
  verifiedUsers.set(request, user);
  bindUser(request, user.id);
}

/** The verified caller of a request, or undefined before (or outside) the token check. */
export function verifiedUser(request: FastifyRequest): AuthUser | undefined {
  return verifiedUsers.get(request);
}

/**
 * `request.user`, decorated on the root instance so that it exists on every request: the caller
 * the token check verified, or an error for code that reads it where no check ran.
 */
export const requestUserDecoration = {
  getter(this: FastifyRequest): AuthUser {
    const user = verifiedUsers.get(this);
    if (!user) throw new Error("request.user read where no token was checked");
    return user;
  },
};

/**
 * The one place a token is checked: an onRequest hook, before the body is read and before any
 * database query, that sets `request.user` or answers 401. Registered (with `fastify-plugin`) by
 * the `/api` plugin itself, so it guards every route of that plugin and nothing decides by
 * looking at the URL: however a path is spelled, a route under `/api` has the hook.
 */
export const authPlugin = fp<AuthPluginOptions>(
  async (app, options) => {
    // Until the first keys arrive, the web app may simply still be starting (`npm start` starts
    // both at once): that is said once, as information. Still no keys after a while, or a failed
    // refresh while keys are held, is a warning.
    const startedAt = Date.now();
    let saidWaiting = false;
    const verifier =
      options.verifier ??
      new TokenVerifier({
        config: app.config,
        onJwksRefresh: (outcome) => {
          if (outcome.ok) {
            app.log.info({ keys: outcome.keys }, "verification keys loaded");
          } else if (outcome.keys === 0 && Date.now() - startedAt < KEYS_AWAITED_MS) {
            if (!saidWaiting)
              app.log.info({ jwksUrl: app.config.jwksUrl }, "waiting for the verification keys");
            saidWaiting = true;
          } else {
            app.log.warn(
              { error: outcome.error, keysHeld: outcome.keys },
              "could not fetch verification keys",
            );
          }
        },
      });
    // Revoked sessions, users and grants are refused on every route, remembered tokens included.
    verifier.checkRevocationsIn(app.revocations);
    app.decorate("verifier", verifier);
    app.readinessChecks.set("verification keys", () => verifier.ready);

    // Keys are fetched in the background: the API starts (not ready) even when the web app is
    // not up yet, and keeps trying until the first set arrives.
    if (!verifier.ready) {
      let timer: NodeJS.Timeout | undefined;
      const load = () => {
        verifier.loadKeys().catch(() => {
          timer = setTimeout(load, 2000);
        });
      };
      app.addHook("onReady", async () => load());
      app.addHook("onClose", async () => clearTimeout(timer));
    }

    /**
     * The caller when the request carries one well-formed bearer token (and none in the query
     * string) that the verifier remembers and that is still in standing; else undefined, and
     * `checkToken` judges the request in full.
     */
    const rememberedCaller = (request: FastifyRequest): AuthUser | undefined => {
      const authorization = authorizationOf(request.raw);
      if (authorization.kind !== "one") return undefined;
      if (request.url.includes("?")) {
        const query = new URLSearchParams(request.url.slice(request.url.indexOf("?") + 1));
        if (query.has("access_token")) return undefined;
      }
      const token = BEARER.exec(authorization.value)?.[1];
      return token ? verifier.rememberedUser(token) : undefined;
    };

    // A callback hook: a remembered token, the common case, is answered without a promise.
    app.addHook("onRequest", (request, reply, done) => {
      const user = rememberedCaller(request);
      if (user) {
        verifiedUsers.set(request, user);
        bindUser(request, user.id);
        done();
        return;
      }
      checkToken(request, reply).then(
        // A refusal has been answered: the request goes no further.
        (answered) => {
          if (answered === undefined) done();
        },
        (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
      );
    });

    async function checkToken(
      request: FastifyRequest,
      reply: FastifyReply,
    ): Promise<FastifyReply | undefined> {
      const authorization = authorizationOf(request.raw);
      if (authorization.kind === "several") {
        if (await refusedTooOften(request, reply)) return reply;
        request.log.info({ reason: "several Authorization headers" }, "request refused: 400");
        reply.header(
          "WWW-Authenticate",
          `Bearer realm="taskbridge", error="invalid_request", error_description="${SEVERAL_AUTHORIZATION_HEADERS}"`,
        );
        return sendProblem(reply, 400, SEVERAL_AUTHORIZATION_HEADERS);
      }
      const query = request.url.includes("?")
        ? new URLSearchParams(request.url.slice(request.url.indexOf("?") + 1))
        : undefined;
      if (query?.has("access_token")) {
        return refuse(
          request,
          reply,
          "Send the token in the Authorization header, not the query string",
          "token in query string",
          true,
        );
      }
      if (authorization.kind === "none")
        return refuse(
          request,
          reply,
          "Authentication required: send Authorization: Bearer <token>",
          "no token",
          false,
        );
      const match = BEARER.exec(authorization.value);
      if (!match?.[1])
        return refuse(
          request,
          reply,
          "The Authorization header must be: Bearer <token>",
          "not a bearer token",
          true,
        );

      if (match[1].startsWith(APP_PASSWORD_PREFIX)) {
        const signIn = await appPasswordUser(request, match[1]);
        if ("retryAfter" in signIn) return sendTooManyFailures(request, reply, signIn.retryAfter);
        if ("refused" in signIn)
          return refuse(
            request,
            reply,
            "Invalid or revoked app password",
            "app password refused",
            true,
          );
        verifiedUsers.set(request, signIn.user);
        bindUser(request, signIn.user.id);
        return refuseReadOnlyWrite(request, reply);
      }
      try {
        const user = await verifier.verify(match[1]);
        verifiedUsers.set(request, user);
        bindUser(request, user.id);
      } catch (error) {
        if (error instanceof KeysUnavailableError || error instanceof RevocationsUnavailableError) {
          request.log.warn({ reason: error.message }, "cannot verify tokens yet");
          reply.header("Retry-After", "2");
          return sendProblem(
            reply,
            503,
            "Token verification is not available yet; try again shortly",
          );
        }
        if (error instanceof TokenError)
          return refuse(request, reply, error.publicDetail, error.reason, true);
        throw error;
      }
      return undefined;
    }
  },
  { name: "auth", dependencies: ["errors"] },
);
