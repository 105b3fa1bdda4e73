import type { FastifyRequest } from "fastify";
import { HttpProblem } from "../problem.ts";
import { isForeignKeyViolation } from "../repositories/tasks.ts";

/** An id in a path: anything else names nothing, and the route answers 404 for it. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A write that met a foreign key violation because the token's user was deleted (the token is
 * still valid until it expires): there is no one to create for, so 401; any other error is
 * thrown on as it is.
 */
export function refuseDeletedUser(request: FastifyRequest, error: unknown): never {
  if (isForeignKeyViolation(error)) refuseGoneUser(request);
  throw error;
}

/** The 401 for a still-valid token of a user who was deleted. */
export function refuseGoneUser(request: FastifyRequest): never {
  request.log.info({ reason: "token of a deleted user" }, "request refused: 401");
  request.server.metrics.refused("token of a deleted user");
  throw new HttpProblem(401, "User no longer exists", {
    headers: { "WWW-Authenticate": 'Bearer realm="taskbridge", error="invalid_token"' },
  });
}
