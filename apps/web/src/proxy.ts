import { getSessionCookie } from "better-auth/cookies";
import { NextResponse, type NextRequest } from "next/server";

// A quick, unverified look at the session cookie, only to redirect early; every protected page
// checks the session itself on the server.
export function proxy(request: NextRequest) {
  const signedIn = Boolean(getSessionCookie(request));
  const { pathname, search } = request.nextUrl;
  if (!signedIn && (pathname.startsWith("/tasks") || pathname.startsWith("/account"))) {
    const url = new URL("/sign-in", request.url);
    url.searchParams.set("next", `${pathname}${search}`);
    return NextResponse.redirect(url);
  }
  return NextResponse.next();
}

export const config = { matcher: ["/tasks/:path*", "/account/:path*"] };
