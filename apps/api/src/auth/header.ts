import type { IncomingMessage } from "node:http";

/** A request's `Authorization` header: not sent, sent once (its value), or sent more than once. */
export type AuthorizationHeader =
  { kind: "none" } | { kind: "one"; value: string } | { kind: "several"; count: number };

/** What every route that takes a token answers a request with several Authorization headers. */
export const SEVERAL_AUTHORIZATION_HEADERS =
  "Send one Authorization header: this request has more than one";

/**
 * The `Authorization` header as sent. Node keeps only the first of several in `headers`, while a
 * proxy in front may keep the last: a request with two is ambiguous, so it is refused (400) rather
 * than judged by either (the field is a singleton, RFC 9110 §11.6.2; RFC 6750 §3.1
 * `invalid_request`). Counted from the raw header lines, whatever their spelling.
 */
export function authorizationOf(raw: IncomingMessage): AuthorizationHeader {
  let count = 0;
  const lines = raw.rawHeaders;
  for (let i = 0; i < lines.length; i += 2) {
    if (lines[i]?.toLowerCase() === "authorization") count += 1;
  }
  if (count > 1) return { kind: "several", count };
  const value = raw.headers.authorization;
  return value ? { kind: "one", value } : { kind: "none" };
}
