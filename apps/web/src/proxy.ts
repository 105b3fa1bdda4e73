import { getSessionCookie } from "better-auth/cookies";
import { NextResponse, type NextRequest } from "next/server";
import { getConfig } from "@/env";
import { refusedMetricsRequest, UNKNOWN_PATH } from "@/lib/metrics-path";
import { PATHNAME_HEADER } from "@/lib/safe-next";
import { contentSecurityPolicy, newNonce, STRICT_TRANSPORT_SECURITY } from "@/lib/security-headers";

const PROTECTED = ["/tasks", "/account", "/invite"];

function isProtected(pathname: string): boolean {
  return PROTECTED.some((path) => pathname === path || pathname.startsWith(`${path}/`));
}

/**
 * Runs before every page and route: a fresh CSP nonce per response (Next reads it from the
 * request's Content-Security-Policy header and puts it on its scripts), HSTS over https, and
 * a quick, unverified look at the session cookie to redirect early (every protected page
 * still checks the session itself on the server).
 */
export function proxy(request: NextRequest) {
  const nonce = newNonce();
  const csp = contentSecurityPolicy({
    nonce,
    apiOrigin: getConfig().apiUrl,
    development: process.env.NODE_ENV === "development",
  });
  const { pathname, search } = request.nextUrl;

  let response: NextResponse;
  if (isProtected(pathname) && !getSessionCookie(request)) {
    const url = new URL("/sign-in", request.url);
    url.searchParams.set("next", `${pathname}${search}`);
    response = NextResponse.redirect(url);
  } else {
    const headers = new Headers(request.headers);
    headers.set("x-nonce", nonce);
    headers.set("Content-Security-Policy", csp);
    // Set here, never taken from the browser: whatever a request sent under this name is replaced.
    headers.set(PATHNAME_HEADER, `${pathname}${search}`);
    // `/metrics` without its token is a path like any unknown one: the same 404 page.
    response = refusedMetricsRequest(
      pathname,
      request.headers.get("authorization"),
      getConfig().metricsToken,
    )
      ? NextResponse.rewrite(new URL(UNKNOWN_PATH, request.url), { request: { headers } })
      : NextResponse.next({ request: { headers } });
  }
  response.headers.set("Content-Security-Policy", csp);
  const proto = request.headers.get("x-forwarded-proto") ?? request.nextUrl.protocol;
  if (proto.replace(/:$/, "") === "https") {
    response.headers.set("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY);
  }
  return response;
}

export const config = {
  // Every page and route; Next's hashed static files carry the static headers only.
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
