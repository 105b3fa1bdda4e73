import { randomUUID } from "node:crypto";
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from "fastify";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import pino from "pino";
import type pg from "pg";
import type { Database } from "@taskbridge/db/client";
import { Drain } from "@taskbridge/shared/drain";
import type { ApiConfig } from "./env.ts";
import type { TokenVerifier } from "./auth/verifier.ts";
import { RevocationSet } from "./auth/revocations.ts";
import { docsTheme } from "./lib/docs-theme.ts";
import { ListIdsCache } from "./live/list-ids.ts";
import { PageCache } from "./lib/page-cache.ts";
import { serializerCompiler } from "./lib/serializer.ts";
import { requestUserDecoration } from "./plugins/auth.ts";
import { describeError, errorHandler } from "./plugins/errors.ts";
import { httpPlugin } from "./plugins/http.ts";
import { metricsPlugin } from "./plugins/metrics.ts";
import { rateLimitStorePlugin } from "./plugins/rate-limit.ts";
import { sendProblem } from "./problem.ts";
import { apiRoutes } from "./routes/api.ts";
import { answerDavOptions, davPlugin } from "./dav/plugin.ts";
import { calendarFeedPublicRoutes } from "./routes/calendar-feed.ts";
import { healthRoutes } from "./routes/health.ts";
import { MCP_TOKEN_MAX_AGE_SECONDS, mcpPlugin } from "./mcp/plugin.ts";

export interface AppDeps {
  config: ApiConfig;
  pool: pg.Pool;
  db: Database;
  /** A verifier built elsewhere (tests); by default one is built from `config`. */
  verifier?: TokenVerifier;
  /** The same for `/mcp`, whose tokens are for another audience. */
  mcpVerifier?: TokenVerifier;
  /** pino options or `false` to silence logs (tests). */
  logger?: FastifyServerOptions["logger"];
  /** Whether this copy sends due reminders (default true); every copy delivers them. */
  sendReminders?: boolean;
  /** Revocation settings tests shorten (the wait before reconnecting LISTEN). */
  revocations?: { minRetryMs?: number; maxRetryMs?: number };
}

export type ReadinessCheck = () => Promise<boolean> | boolean;

declare module "fastify" {
  interface FastifyInstance {
    config: ApiConfig;
    pool: pg.Pool;
    db: Database;
    /** Checks `/readyz` runs; each plugin that needs something before it can serve adds one. */
    readinessChecks: Map<string, ReadinessCheck>;
    /** Callers' list ids, kept current by the event hub (live/list-ids.ts). */
    listIds: ListIdsCache;
    /** Default task list pages as last sent, each sent again only while unchanged. */
    pageCache: PageCache;
    /** Revoked sessions, users and app grants, kept current over LISTEN (auth/revocations.ts). */
    revocations: RevocationSet;
    /** On once SIGTERM came (server.ts): readiness 503, answers close their connection. */
    drain: Drain;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const QUERY_TO_REDACT = /([?&](?:access_token|q|tag|cursor)=)[^&]*/gi;
/** A route parameter that is a secret: an invite link's token, a calendar feed's. */
const SECRET_PARAM = "token";
const SECRET_IN_TEMPLATE = new RegExp(`:${SECRET_PARAM}(?:[/.]|$)`);
/** The same secrets in a path no route matched (a mistyped invite or feed address). */
const SECRET_PATH = /^(\/api\/invites\/|\/feeds\/)[^/?]+/;

const paramText = (value: unknown) => (typeof value === "string" ? value : "");

/**
 * A request's address as the log keeps it: a secret path parameter and what a user typed in the
 * query string are replaced by "[redacted]".
 */
function loggedUrl(request: FastifyRequest): string {
  const query = request.url.indexOf("?");
  const search = query < 0 ? "" : request.url.slice(query).replace(QUERY_TO_REDACT, "$1[redacted]");
  const template = request.routeOptions.url;
  const params = request.params as Record<string, unknown> | undefined;
  if (template && params && SECRET_IN_TEMPLATE.test(template)) {
    const path = template.replace(/:(\w+)/g, (_, name: string) =>
      name === SECRET_PARAM ? "[redacted]" : encodeURIComponent(paramText(params[name])),
    );
    return path + search;
  }
  const path = query < 0 ? request.url : request.url.slice(0, query);
  return path.replace(SECRET_PATH, "$1[redacted]") + search;
}

/**
 * Log lines go to stdout through a buffer written in the background: a synchronous write of
 * every line to a pipe or file stalled the event loop whenever the reader was slow. The buffer is
 * written out at 4 KiB, every quarter of a second (a quiet service's lines would otherwise wait
 * for the next 4 KiB), and when the process exits.
 */
export function logDestination() {
  return pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 250 });
}

export function loggerSettings(level: string) {
  return {
    level,
    // No line logs headers; should one ever log a request, its credentials stay out.
    redact: {
      paths: ["req.headers.authorization", "req.headers.cookie", "headers.authorization"],
      censor: "[redacted]",
    },
  };
}

/**
 * One log line a request, when it completes (with its user id once known), not two. In
 * production at `info`, for the log store; elsewhere at `debug`, so that a terminal running
 * `npm start` shows what happens to the service rather than every request.
 */
class RequestLog extends LogController {
  constructor(private readonly level: "info" | "debug") {
    super();
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    // Below the log's level (production at warn), the line is not even made.
    const { values } = pino.levels;
    if (!error && (values[this.level] ?? 0) < (values[request.log.level] ?? 0)) return;
    const line = {
      method: request.method,
      // What a user typed (a search, a tag, a cursor holding a title) is theirs, not the log's;
      // a token sent in the query string is refused, and never written down either; nor is an
      // invite link's token, which opens a list to whoever holds it.
      url: loggedUrl(request),
      // The socket's address, or the client's past API_TRUSTED_PROXIES; never a bare header.
      ip: request.ip,
      statusCode: reply.statusCode,
      responseTime: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (error) request.log.error({ ...line, error: describeError(error) }, "request errored");
    else request.log[this.level](line, "request completed");
  }
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? { ...loggerSettings(deps.config.logLevel), stream: logDestination() },
    logController: new RequestLog(deps.config.env === "production" ? "info" : "debug"),
    bodyLimit: 64 * 1024,
    // Behind a load balancer the request id it set is kept so one id follows a request.
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true },
    // Errors the router meets before any route (a path that is not valid percent-encoding, a
    // path segment over 100 characters) answer problem+json too, without echoing the path.
    frameworkErrors: (error, _request, reply) => {
      if (error.code === "FST_ERR_MAX_PARAM_LENGTH")
        void sendProblem(reply, 414, "A segment of the request path is too long");
      else void sendProblem(reply, 400, "The request path is not valid");
    },
    // A client that sends slowly holds a connection: a request line or headers that never end,
    // a body trickled a byte at a time. On Node 20 Fastify's own requestTimeout does not cut a
    // trickled body; the server's headers and request timeouts, checked every second, do.
    // connectionTimeout closes a connection silent in both directions (event streams send a
    // heartbeat well within it).
    connectionTimeout: deps.config.idleTimeoutMs,
    requestTimeout: deps.config.requestTimeoutMs,
    http: {
      headersTimeout: deps.config.headersTimeoutMs,
      requestTimeout: deps.config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, deps.config.headersTimeoutMs),
    },
    // Without configured proxies `request.ip` is the socket's address and X-Forwarded-For is
    // ignored, so no client can choose the address it is logged and limited under.
    trustProxy: deps.config.trustedProxies.length > 0 ? deps.config.trustedProxies : false,
    // A request that reaches a closing server (on a connection opened before) is served, not
    // refused with a 503 that a balancer would pass on: draining answers it with
    // `Connection: close` instead (below).
    return503OnClosing: false,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.decorate("config", deps.config);
  app.decorate("pool", deps.pool);
  app.decorate("db", deps.db);
  app.decorate("readinessChecks", new Map<string, ReadinessCheck>());
  app.decorate("listIds", new ListIdsCache());
  app.decorate("pageCache", new PageCache(deps.config.pageCacheBytes));
  app.decorate("drain", new Drain());
  app.decorateRequest("user", requestUserDecoration);
  app.readinessChecks.set("database", async () => {
    await deps.pool.query("select 1");
    return true;
  });

  // Every copy holds the recent revocations in memory, read at start and kept current over
  // LISTEN, so refusing a revoked token costs a lookup and no query. A revocation matters as
  // long as a token it refuses could live: the longest lifetime, plus the clock skew allowed.
  const revocations = new RevocationSet({
    databaseUrl: deps.config.databaseUrl,
    retentionMs: (Math.max(deps.config.jwtLifetimeSeconds, MCP_TOKEN_MAX_AGE_SECONDS) + 60) * 1000,
    log: app.log,
    ...deps.revocations,
  });
  app.decorate("revocations", revocations);
  // Not ready until the set is read: until then no token can be known not to be revoked.
  app.readinessChecks.set("revoked tokens", () => revocations.loaded);
  app.addHook("onReady", () => revocations.start());
  app.addHook("onClose", () => revocations.stop());

  // A callback hook, not an async one: one promise fewer on every response.
  app.addHook("onSend", (request, reply, payload, done) => {
    reply.header("x-request-id", request.id);
    // Draining: the client (a balancer's pooled connection, a browser) opens a new connection
    // for its next request, which reaches a copy that stays.
    if (app.drain.draining) reply.header("connection", "close");
    done(null, payload);
  });

  await app.register(errorHandler);
  // Before CORS, which answers every OPTIONS as a preflight.
  app.addHook("onRequest", answerDavOptions);
  await app.register(httpPlugin);
  await app.register(metricsPlugin);
  // One store for every limit of this copy (`/api` and `/mcp`): Redis when configured.
  await app.register(rateLimitStorePlugin);

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Taskbridge task API",
        version: "1.0.0",
        description:
          "Tasks of the signed-in user. Every `/api` route needs `Authorization: Bearer <jwt>` " +
          "with a token from the web app's `/api/auth/token`.",
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: "/docs", theme: docsTheme });
  app.get("/openapi.json", { schema: { hide: true } }, () => app.swagger());

  await app.register(healthRoutes);
  await app.register(calendarFeedPublicRoutes);
  await app.register(davPlugin);
  await app.register(apiRoutes, {
    prefix: "/api",
    ...(deps.verifier ? { verifier: deps.verifier } : {}),
    sendReminders: deps.sendReminders ?? true,
  });
  await app.register(mcpPlugin, deps.mcpVerifier ? { verifier: deps.mcpVerifier } : {});

  return app;
}
