import fp from "fastify-plugin";
import type { FastifyError } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { isDatabaseUnavailable } from "@taskbridge/db/unavailable";
import { HttpProblem, sendProblem } from "../problem.ts";

export function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = "code" in error ? error.code : undefined;
  if (typeof code === "string") return code;
  return "cause" in error ? errorCode(error.cause) : undefined;
}

/**
 * What an error log line may say about an error: its class, code and where it was thrown, never
 * its message. Messages of database errors carry the failed SQL with its parameters (a task's
 * title, a search text), and those belong to the user, not to the log.
 */
export function describeError(error: unknown, depth = 0): Record<string, unknown> {
  if (typeof error !== "object" || error === null) return { type: typeof error };
  const described: Record<string, unknown> = {
    type: error instanceof Error ? error.name : "object",
  };
  const code = "code" in error ? error.code : undefined;
  if (typeof code === "string" || typeof code === "number") described.code = code;
  if (error instanceof Error && error.stack) {
    described.stack = error.stack
      .split("\n")
      .filter((line) => line.trimStart().startsWith("at "))
      .slice(0, 12)
      .join("\n");
  }
  if ("cause" in error && error.cause !== undefined && depth < 3)
    described.cause = describeError(error.cause, depth + 1);
  return described;
}

/** Problem details for the zod issue path of a body (`title`), query (`query.limit`) or param. */
function fieldName(instancePath: string, context: string | undefined): string {
  const path = instancePath.replace(/^\//, "").replaceAll("/", ".");
  if (context === "body" || context === undefined) return path || "body";
  return path ? `${context}.${path}` : context;
}

/** A body limit as people read it: `64 KiB`, `5 MB`. */
function sizeName(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MB` : `${bytes / 1024} KiB`;
}

/**
 * The one error handler: client errors pass through as problem+json with their detail; anything
 * else is logged with the request id and answered without internals.
 */
export const errorHandler = fp(
  (app, _opts, done) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof HttpProblem) {
        if (error.extra.headers) reply.headers(error.extra.headers);
        return sendProblem(reply, error.status, error.detail, error.extra.errors);
      }
      if (hasZodFastifySchemaValidationErrors(error)) {
        const errors = error.validation.map((issue) => ({
          field: fieldName(issue.instancePath, error.validationContext),
          message: issue.message ?? "Invalid value",
        }));
        const summary = errors.map((e) => `${e.field}: ${e.message}`).join("; ");
        return sendProblem(reply, 422, `Validation failed: ${summary}`, errors);
      }
      switch (error.code) {
        case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
          return sendProblem(reply, 415, "Request body must be application/json");
        case "FST_ERR_CTP_BODY_TOO_LARGE":
          return sendProblem(
            reply,
            413,
            `Request body is larger than ${sizeName(request.routeOptions.bodyLimit ?? 64 * 1024)}`,
          );
        case "FST_ERR_CTP_EMPTY_JSON_BODY":
        case "FST_ERR_CTP_INVALID_JSON_BODY":
          return sendProblem(reply, 400, "Request body is not valid JSON");
        case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
          return sendProblem(reply, 400, "Content-Length does not match the body");
        default:
          break;
      }
      if (error instanceof SyntaxError && error.statusCode === 400) {
        return sendProblem(reply, 400, "Request body is not valid JSON");
      }
      if (isDatabaseUnavailable(error)) {
        request.log.warn({ code: errorCode(error) }, "database unavailable");
        reply.header("Retry-After", "5");
        return sendProblem(reply, 503, "The service is temporarily unavailable; try again shortly");
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        if (status === 429)
          reply.header("Retry-After", String(reply.getHeader("retry-after") ?? 60));
        return sendProblem(reply, status, error.message);
      }
      request.log.error({ error: describeError(error) }, "unhandled error");
      return sendProblem(reply, 500, "An unexpected error occurred");
    });

    app.setNotFoundHandler((request, reply) =>
      sendProblem(reply, 404, `No route for ${request.method} ${request.url.split("?")[0] ?? ""}`),
    );
    done();
  },
  { name: "errors" },
);
