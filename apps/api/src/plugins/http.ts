import fp from "fastify-plugin";
import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import sjson from "secure-json-parse";
import { Redis } from "ioredis";
import { HttpProblem } from "../problem.ts";

/**
 * What every request meets before a handler: CORS for the allowed origins, security headers,
 * a JSON-only body parser (an empty body is no body, so `PATCH .../complete` needs none), and a
 * per-user rate limit shared across API copies when Redis is configured.
 */
export const httpPlugin = fp(
  async (app) => {
    await app.register(cors, {
      origin: app.config.corsOrigins,
      methods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
      allowedHeaders: ["Authorization", "Content-Type", "X-Request-Id"],
      exposedHeaders: ["Link", "Location", "Retry-After", "X-Request-Id"],
      maxAge: 600,
    });
    await app.register(helmet, {
      // JSON needs no page policy, and the /docs page loads its own scripts.
      contentSecurityPolicy: false,
      crossOriginResourcePolicy: { policy: "cross-origin" },
      hsts: app.config.env === "production",
    });

    app.removeAllContentTypeParsers();
    app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
      const text = typeof body === "string" ? body : body.toString("utf8");
      if (text.trim() === "") return done(null, undefined);
      try {
        done(
          null,
          sjson.parse(text, undefined, { protoAction: "remove", constructorAction: "remove" }),
        );
      } catch {
        done(new HttpProblem(400, "Request body is not valid JSON"), undefined);
      }
    });

    const redis = app.config.redisUrl
      ? new Redis(app.config.redisUrl, {
          connectTimeout: 1000,
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
        })
      : undefined;
    if (redis) app.addHook("onClose", async () => void redis.disconnect());
    await app.register(rateLimit, {
      global: true,
      // After the token check, so the limit is per user, not per shared IP.
      hook: "preHandler",
      max: app.config.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request) => (request.user ? `user:${request.user.id}` : `ip:${request.ip}`),
      allowList: (request) => !request.url.startsWith("/api"),
      ...(redis ? { redis, nameSpace: "taskbridge-api-rl:", skipOnError: true } : {}),
      errorResponseBuilder: (_request, context) =>
        new HttpProblem(429, `Too many requests; try again in ${Math.ceil(context.ttl / 1000)} s`, {
          headers: { "Retry-After": String(Math.ceil(context.ttl / 1000)) },
        }),
    });
  },
  { name: "http", dependencies: ["errors"] },
);
