// @vitest-environment node
// The web app's /metrics: its route handler and the proxy in front of it, with the web app's
// own configuration schema, and the labels its series use.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { countAuthEvent, metricsResponse, webMetrics } from "../src/lib/metrics.ts";
import { refusedMetricsRequest } from "../src/lib/metrics-path.ts";
import { routeLabeler } from "../src/lib/route-label.ts";

const METRICS_TOKEN = "web-metrics-token-for-tests-0123";
const ENV = {
  NODE_ENV: "test",
  DATABASE_URL: "postgres://unused@127.0.0.1/unused",
  BETTER_AUTH_URL: "http://127.0.0.1:3000",
  BETTER_AUTH_SECRET: "Qm9vdHN0cmFwLXRlc3Qtc2VjcmV0LTQ4MjktWnFYdkI",
  NEXT_PUBLIC_API_URL: "http://127.0.0.1:8000",
  METRICS_TOKEN,
};
const saved: Record<string, string | undefined> = {};
let route: typeof import("../src/app/metrics/route.ts");
let proxy: typeof import("../src/proxy.ts");

beforeAll(async () => {
  for (const [name, value] of Object.entries(ENV)) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
  route = await import("../src/app/metrics/route.ts");
  proxy = await import("../src/proxy.ts");
});
afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const get = (authorization?: string) =>
  new NextRequest("http://127.0.0.1:3000/metrics", {
    headers: authorization === undefined ? {} : { authorization },
  });

/** What Next does with a route handler's `notFound()`: it throws, and Next answers 404. */
async function status(request: Request): Promise<number> {
  try {
    return (await route.GET(request)).status;
  } catch (error) {
    const digest = (error as { digest?: string }).digest ?? "";
    if (digest.startsWith("NEXT_HTTP_ERROR_FALLBACK;404")) return 404;
    throw error;
  }
}

describe("/metrics on the web app", () => {
  it("is rewritten by the proxy to the page of an unknown path without the right token", () => {
    for (const authorization of [undefined, "Bearer wrong-token-wrong-token-00", METRICS_TOKEN]) {
      const response = proxy.proxy(get(authorization));
      expect(new URL(response.headers.get("x-middleware-rewrite") ?? "http://x/").pathname).toBe(
        "/_unknown",
      );
    }
    const allowed = proxy.proxy(get(`Bearer ${METRICS_TOKEN}`));
    expect(allowed.headers.get("x-middleware-rewrite")).toBeNull();
    expect(allowed.headers.get("x-middleware-next")).toBe("1");
    // Other paths are untouched.
    const other = proxy.proxy(new NextRequest("http://127.0.0.1:3000/sign-in"));
    expect(other.headers.get("x-middleware-rewrite")).toBeNull();
  });

  it("answers the route 404 itself too, and the series with the token", async () => {
    expect(await status(get())).toBe(404);
    expect(await status(get("Bearer wrong-token-wrong-token-00"))).toBe(404);
    expect(await metricsResponse(get(`Bearer ${METRICS_TOKEN}`), undefined)).toBeUndefined();

    webMetrics().authRequests.inc({ method: "POST", endpoint: "/sign-in/email", status: "200" });
    countAuthEvent({ event: "sign-in", userId: "user-1", ip: "192.0.2.1", requestId: "r1" });
    countAuthEvent({
      event: "sign-in-failed",
      userId: "user-1",
      ip: "192.0.2.1",
      requestId: "r2",
      reason: "invalid credentials",
    });
    const response = await route.GET(get(`Bearer ${METRICS_TOKEN}`));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const text = await response.text();
    expect(text).toMatch(/taskbridge_sign_ins_total\{outcome="success"\} [1-9]/);
    expect(text).toMatch(/taskbridge_sign_ins_total\{outcome="invalid credentials"\} [1-9]/);
    expect(text).toMatch(/taskbridge_sign_ins_total\{outcome="too many attempts"\} \d/);
    expect(text).toMatch(
      /taskbridge_auth_requests_total\{method="POST",endpoint="\/sign-in\/email",status="200"\} [1-9]/,
    );
    expect(text).toMatch(/^taskbridge_db_pool_waiting \d+$/m);
    expect(text).toMatch(/^# TYPE taskbridge_web_http_request_duration_seconds histogram$/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
    expect(text).not.toContain("user-1");
  });

  it("recognises /metrics however its path is spelled", () => {
    expect(refusedMetricsRequest("/metrics", null, METRICS_TOKEN)).toBe(true);
    expect(refusedMetricsRequest("/%6Detrics", null, METRICS_TOKEN)).toBe(true);
    expect(refusedMetricsRequest("/metrics/", `Bearer ${METRICS_TOKEN}`, METRICS_TOKEN)).toBe(
      false,
    );
    expect(refusedMetricsRequest("/metrics", `Bearer ${METRICS_TOKEN}`, undefined)).toBe(true);
    expect(refusedMetricsRequest("/tasks", null, METRICS_TOKEN)).toBe(false);
  });

  it("is one registry per process, however often the module is loaded", () => {
    expect(webMetrics()).toBe(webMetrics());
    expect((globalThis as { taskbridgeWebMetrics?: unknown }).taskbridgeWebMetrics).toBe(
      webMetrics(),
    );
  });
});

describe("route labels", () => {
  // Shaped as Next writes .next/routes-manifest.json.
  const label = routeLabeler({
    staticRoutes: [
      { page: "/" },
      { page: "/tasks" },
      { page: "/sign-in" },
      { page: "/metrics" },
      { page: "/_not-found" },
    ],
    dynamicRoutes: [
      { page: "/api/auth/[...all]", regex: "^/api/auth/(.+?)(?:/)?$" },
      { page: "/invite/[token]", regex: "^/invite/([^/]+?)(?:/)?$" },
    ],
  });

  it("names the route template, never the path's ids or tokens", () => {
    expect(label("/")).toBe("/");
    expect(label("/tasks")).toBe("/tasks");
    expect(label("/tasks/")).toBe("/tasks");
    expect(label("/tasks.rsc")).toBe("/tasks");
    expect(label("/invite/s3cr3t-invite-token")).toBe("/invite/[token]");
    expect(label("/api/auth/sign-in/email")).toBe("/api/auth/[...all]");
    expect(label("/_next/static/chunks/app-1234abcd.js")).toBe("/_next/static");
    expect(label("/_next/image")).toBe("/_next/image");
    expect(label("/users/42/secret")).toBe("unmatched");
  });
});
