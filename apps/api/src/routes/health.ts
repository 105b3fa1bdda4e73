import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";

const Status = z.object({
  status: z.string(),
  checks: z.record(z.string(), z.boolean()).optional(),
});

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    "/healthz",
    {
      schema: { tags: ["health"], summary: "Liveness", response: { 200: Status } },
      logLevel: "warn",
    },
    () => ({ status: "ok" }),
  );

  app.get(
    "/readyz",
    {
      schema: {
        tags: ["health"],
        summary:
          "Readiness: the database answers, verification keys are loaded and revoked tokens are read; 503 while draining",
        response: { 200: Status, 503: Status },
      },
      logLevel: "warn",
    },
    async (_request, reply) => {
      // Stopping (SIGTERM): out of rotation at once, however healthy the rest is.
      if (app.drain.draining) {
        reply.code(503).header("Retry-After", "2");
        return { status: "draining" };
      }
      const checks: Record<string, boolean> = {};
      await Promise.all(
        [...app.readinessChecks].map(async ([name, check]) => {
          checks[name] = await Promise.resolve()
            .then(check)
            .catch(() => false);
        }),
      );
      const ready = Object.values(checks).every(Boolean);
      if (!ready) reply.code(503).header("Retry-After", "2");
      return { status: ready ? "ready" : "not ready", checks };
    },
  );
};
