import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { MeSchema } from "@taskbridge/shared/task";
import { ProblemSchema } from "@taskbridge/shared/problem";

export const meRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    "/me",
    {
      schema: {
        tags: ["identity"],
        summary: "Who the token says the caller is",
        security: [{ bearerAuth: [] }],
        response: { 200: MeSchema, 401: ProblemSchema },
      },
    },
    (request) => ({ id: request.user.id, email: request.user.email, name: request.user.name }),
  );
};
