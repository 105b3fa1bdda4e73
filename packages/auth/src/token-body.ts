// Browser-free, so tests and tools outside the browser read token answers the same way.

/** The token in a body of Better Auth's `GET /api/auth/token` (`{ token }`), if it holds one. */
export function tokenFromBody(body: unknown): string | undefined {
  return typeof body === "object" &&
    body !== null &&
    "token" in body &&
    typeof body.token === "string"
    ? body.token
    : undefined;
}
