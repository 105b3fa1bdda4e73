import { isDatabaseUnavailable } from "@taskbridge/db/unavailable";
import type { Auth } from "./create-auth.ts";

/** Seconds a client should wait before trying again while the database is unreachable. */
export const RETRY_AFTER_SECONDS = 5;

/** Better Auth's own error code for this answer, so clients can tell it from others. */
export const SERVICE_UNAVAILABLE_CODE = "SERVICE_UNAVAILABLE";

function problem(
  status: number,
  title: string,
  detail: string,
  headers: Record<string, string> = {},
) {
  // Both the problem details fields and Better Auth's `{ code, message }`, which its client
  // reads, so browsers and other clients understand the answer.
  return Response.json(
    {
      type: "about:blank",
      title,
      status,
      detail,
      code: status === 503 ? SERVICE_UNAVAILABLE_CODE : "INTERNAL_SERVER_ERROR",
      message: detail,
    },
    {
      status,
      headers: {
        "content-type": "application/problem+json",
        "cache-control": "no-store",
        ...headers,
      },
    },
  );
}

/**
 * Every /api/auth/* request goes through here: Better Auth answers it, and what it cannot
 * answer (it throws, see `onAPIError` in create-auth.ts) becomes a 503 with Retry-After when the
 * database is out of reach, or a plain 500, never with internals in the body or the log.
 */
export function createAuthHandler(auth: Pick<Auth, "handler">) {
  return async (request: Request): Promise<Response> => {
    try {
      return await auth.handler(request);
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        console.warn(`[auth] ${new URL(request.url).pathname}: database unavailable`);
        return problem(
          503,
          "Service Unavailable",
          "The service is briefly unavailable. Please try again in a few seconds.",
          { "Retry-After": String(RETRY_AFTER_SECONDS) },
        );
      }
      console.error(
        `[auth] ${new URL(request.url).pathname}: unexpected error`,
        error instanceof Error ? error.name : typeof error,
      );
      return problem(500, "Internal Server Error", "Something went wrong. Please try again.");
    }
  };
}
