// Serves the web app's own Better Auth configuration (the factory it calls, behind the same
// handler and client-address rewrite) over real HTTP on 127.0.0.1, for the tests of this
// package and those that span both apps.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { toNodeHandler } from "better-auth/node";
import { createDb, createPool } from "@taskbridge/db/client";
import type pg from "pg";
import { createAuth, type Auth, type AuthSettings } from "../../src/create-auth.ts";
import { tokenFromBody } from "../../src/token-body.ts";
import { createAuthHandler } from "../../src/handler.ts";
import { setClientAddress, setRequestId } from "../../src/client-address.ts";
import type { AuthEventSink } from "../../src/auth-events.ts";

export const TEST_AUTH_SECRET = "web-test-secret-that-is-long-enough-01234";
export const TEST_API_AUDIENCE = "http://127.0.0.1:8000";

export interface AuthServer {
  origin: string;
  auth: Auth;
  pool: pg.Pool;
  close(): Promise<void>;
}

/**
 * Test clients connect over loopback and say who they are in X-Forwarded-For, so by default
 * loopback is the trusted proxy (as in the e2e stack); pass `trustedProxies: []` to see what
 * a web app facing clients directly does.
 */
export const TEST_TRUSTED_PROXIES = ["127.0.0.1", "::1"];

export async function startAuthServer(
  databaseUrl: string,
  settings: Partial<AuthSettings> = {},
  options: { events?: AuthEventSink } = {},
): Promise<AuthServer> {
  const trustedProxies = settings.trustedProxies ?? TEST_TRUSTED_PROXIES;
  // The handler needs the origin, which is known once the server listens.
  const route: {
    handler?: (request: http.IncomingMessage, response: http.ServerResponse) => Promise<void>;
  } = {};
  const server = http.createServer((request, response) => {
    setClientAddress(request, trustedProxies);
    setRequestId(request, trustedProxies);
    if (route.handler) void route.handler(request, response);
    else response.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pool = createPool(databaseUrl);
  const auth = createAuth({
    settings: {
      baseUrl: origin,
      secret: TEST_AUTH_SECRET,
      audience: TEST_API_AUDIENCE,
      jwtMode: "jwks",
      jwtLifetimeSeconds: 900,
      ...settings,
      trustedProxies,
    },
    db: createDb(pool),
    // Tests read the events they look for; the others would only fill the test output.
    events: options.events ?? (() => {}),
  });
  // The same path as the web app's route: Better Auth behind createAuthHandler.
  route.handler = toNodeHandler(createAuthHandler(auth));
  return {
    origin,
    auth,
    pool,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

/** A browser-like client: keeps cookies, sends our Origin and a client address. */
export class AuthClient {
  private cookies = new Map<string, string>();
  constructor(
    private readonly origin: string,
    private readonly ip = "203.0.113.10",
  ) {}

  async request(
    path: string,
    init: { method?: string; body?: unknown; origin?: string } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {
      origin: init.origin ?? this.origin,
      "x-forwarded-for": this.ip,
    };
    if (init.body !== undefined) headers["content-type"] = "application/json";
    if (this.cookies.size)
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const response = await fetch(`${this.origin}/api/auth${path}`, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const [name, ...value] = (pair ?? "").split("=");
      if (name) this.cookies.set(name.trim(), value.join("="));
    }
    return response;
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  /** Signs up (which signs no one in), then signs in as the new user. */
  async signUp(body: { name: string; email: string; password: string }): Promise<Response> {
    const signedUp = await this.request("/sign-up/email", { body });
    if (signedUp.status !== 200) return signedUp;
    return this.request("/sign-in/email", {
      body: { email: body.email, password: body.password },
    });
  }

  async token(): Promise<string> {
    const response = await this.request("/token");
    const token = tokenFromBody(await response.json());
    if (token === undefined) throw new Error(`no token: ${response.status}`);
    return token;
  }
}
