/** Error codes pg and Node give when the database cannot be reached or a query waited too long. */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EPIPE",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
  "57014", // query_canceled (statement_timeout)
  "08000",
  "08001",
  "08003",
  "08006",
]);

const UNAVAILABLE_MESSAGE = /timeout exceeded when trying to connect|Connection terminated/i;

/**
 * True when an error (or any error in its `cause` chain: Drizzle and Better Auth wrap the
 * driver's) means the database is unreachable or overloaded, not that a query was wrong.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 8) return false;
  const code = "code" in error ? error.code : undefined;
  if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
  const message = "message" in error ? error.message : undefined;
  if (typeof message === "string" && UNAVAILABLE_MESSAGE.test(message)) return true;
  if (
    error instanceof AggregateError &&
    error.errors.some((e) => isDatabaseUnavailable(e, depth + 1))
  )
    return true;
  return "cause" in error ? isDatabaseUnavailable(error.cause, depth + 1) : false;
}
