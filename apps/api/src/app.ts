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
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import type pg from "pg";
import type { Database } from "@taskbridge/db/client";
import type { ApiConfig } from "./env.ts";
import type { TokenVerifier } from "./auth/verifier.ts";
import { authPlugin } from "./plugins/auth.ts";
import { errorHandler } from "./plugins/errors.ts";
import { httpPlugin } from "./plugins/http.ts";
import { healthRoutes } from "./routes/health.ts";
import { eventRoutes } from "./routes/events.ts";
import { meRoutes } from "./routes/me.ts";
import { taskRoutes } from "./routes/tasks.ts";
import { mcpPlugin } from "./mcp/plugin.ts";

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
}

export type ReadinessCheck = () => Promise<boolean> | boolean;

declare module "fastify" {
  interface FastifyInstance {
    config: ApiConfig;
    pool: pg.Pool;
    db: Database;
    /** Checks `/readyz` runs; each plugin that needs something before it can serve adds one. */
    readinessChecks: Map<string, ReadinessCheck>;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

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

/** One log line a request, when it completes (with its user id once known), not two. */
class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    const line = {
      method: request.method,
      // A token sent in the query string is refused, and never written down either.
      url: request.url.replace(/([?&]access_token=)[^&]*/gi, "$1[redacted]"),
      statusCode: reply.statusCode,
      responseTime: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (error) request.log.error({ ...line, err: error }, "request errored");
    else request.log.info(line, "request completed");
  }
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? loggerSettings(deps.config.logLevel),
    logController: new RequestLog(),
    bodyLimit: 64 * 1024,
    // Behind a load balancer the request id it set is kept so one id follows a request.
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.decorate("config", deps.config);
  app.decorate("pool", deps.pool);
  app.decorate("db", deps.db);
  app.decorate("readinessChecks", new Map<string, ReadinessCheck>());
  app.readinessChecks.set("database", async () => {
    await deps.pool.query("select 1");
    return true;
  });

  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });

  await app.register(errorHandler);
  await app.register(httpPlugin);

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
  await app.register(swaggerUi, { routePrefix: "/docs" });
  app.get("/openapi.json", { schema: { hide: true } }, () => app.swagger());

  await app.register(healthRoutes);
  await app.register(authPlugin, deps.verifier ? { verifier: deps.verifier } : {});
  await app.register(meRoutes);
  await app.register(eventRoutes);
  await app.register(taskRoutes, { prefix: "/api", userInPath: false });
  await app.register(taskRoutes, { prefix: "/api/:user_id", userInPath: true });
  await app.register(mcpPlugin, deps.mcpVerifier ? { verifier: deps.mcpVerifier } : {});

  return app;
}
