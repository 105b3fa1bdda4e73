import fp from "fastify-plugin";
import rateLimit from "@fastify/rate-limit";
import { Redis } from "ioredis";
import { HttpProblem } from "../problem.ts";
import { verifiedUser } from "./auth.ts";

/**
 * A per-user rate limit, shared across API copies when Redis is configured. Registered by the
 * `/api` plugin after its token check, so it counts every route of that plugin (however its path
 * is spelled) and counts by user, not by a shared address.
 */
export const rateLimitPlugin = fp(
  async (app) => {
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
      // After the token check (an onRequest hook), so the limit is per user.
      hook: "preHandler",
      max: app.config.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request) => {
        const user = verifiedUser(request);
        return user ? `user:${user.id}` : `ip:${request.ip}`;
      },
      ...(redis ? { redis, nameSpace: "taskbridge-api-rl:", skipOnError: true } : {}),
      errorResponseBuilder: (_request, context) =>
        new HttpProblem(429, `Too many requests; try again in ${Math.ceil(context.ttl / 1000)} s`, {
          headers: { "Retry-After": String(Math.ceil(context.ttl / 1000)) },
        }),
    });
  },
  { name: "rate-limit", dependencies: ["auth"] },
);
