import fp from "fastify-plugin";
import type { FastifyReply, FastifyRequest } from "fastify";
import { KeysUnavailableError, TokenError } from "../auth/errors.ts";
import { TokenVerifier, type AuthUser } from "../auth/verifier.ts";
import { sendProblem } from "../problem.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The verified caller; set by the auth hook on every `/api` route. */
    user: AuthUser;
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

function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  detail: string,
  reason: string,
  tokenSent: boolean,
) {
  request.log.info({ reason }, "request refused: 401");
  const challenge = tokenSent
    ? `Bearer realm="taskbridge", error="invalid_token", error_description="${detail}"`
    : `Bearer realm="taskbridge"`;
  reply.header("WWW-Authenticate", challenge);
  return sendProblem(reply, 401, detail);
}

/**
 * The one place a token is checked: an onRequest hook for every route under `/api`, before the
 * body is read and before any database query. Sets `request.user` or answers 401.
 */
export const authPlugin = fp<AuthPluginOptions>(
  async (app, options) => {
    const verifier =
      options.verifier ??
      new TokenVerifier({
        config: app.config,
        onJwksRefresh: (outcome) =>
          outcome.ok
            ? app.log.info({ keys: outcome.keys }, "verification keys loaded")
            : app.log.warn(
                { error: outcome.error, keysHeld: outcome.keys },
                "could not fetch verification keys",
              ),
      });
    app.decorate("verifier", verifier);
    // Set by the hook below before any `/api` handler runs.
    app.decorateRequest("user", null as unknown as AuthUser);
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

    app.addHook("onRequest", async (request, reply) => {
      const path = request.url.split("?", 1)[0] ?? "";
      if (path !== "/api" && !path.startsWith("/api/")) return;
      if (request.method === "OPTIONS") return;

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
      const header = request.headers.authorization;
      if (!header)
        return refuse(
          request,
          reply,
          "Authentication required: send Authorization: Bearer <token>",
          "no token",
          false,
        );
      const match = BEARER.exec(header);
      if (!match?.[1])
        return refuse(
          request,
          reply,
          "The Authorization header must be: Bearer <token>",
          "not a bearer token",
          true,
        );

      try {
        const user = await verifier.verify(match[1]);
        request.user = user;
        bindUser(request, user.id);
      } catch (error) {
        if (error instanceof KeysUnavailableError) {
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
    });
  },
  { name: "auth", dependencies: ["errors"] },
);
