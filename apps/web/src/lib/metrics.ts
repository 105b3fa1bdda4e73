// The web app's Prometheus series. One registry per process, kept on globalThis: Next may load
// this module more than once (its server bundles, and the production server in server.ts), and
// every copy must count into the same series.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { AuthEvent } from "@taskbridge/auth/events";
import { metricsAllowed } from "@taskbridge/shared/metrics-access";

/** The route label of a request no route of the app matched. */
export const UNMATCHED_ROUTE = "unmatched";

/** How a sign-in ended, as counted (see `signInOutcome` in @taskbridge/auth). */
export const SIGN_IN_OUTCOMES = [
  "success",
  "invalid credentials",
  "too many attempts",
  "invalid request",
  "error",
] as const;
export type SignInOutcome = (typeof SIGN_IN_OUTCOMES)[number];

interface PoolCounts {
  readonly waitingCount: number;
  readonly totalCount: number;
  readonly idleCount: number;
}

export interface WebMetrics {
  registry: Registry;
  /** Every request the production server answers, by method, route template and status. */
  requests: Counter<"method" | "route" | "status">;
  requestDuration: Histogram<"method" | "route" | "status">;
  /** Requests to Better Auth (`/api/auth/*`), by its endpoint's template and status. */
  authRequests: Counter<"method" | "endpoint" | "status">;
  signIns: Counter<"outcome">;
  /** The database pool the gauges read on each scrape (set when it is made). */
  pool: PoolCounts | undefined;
}

const globalForMetrics = globalThis as unknown as { taskbridgeWebMetrics?: WebMetrics };

function create(): WebMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics: WebMetrics = {
    registry,
    requests: new Counter({
      name: "taskbridge_web_http_requests_total",
      help: "HTTP requests the web app answered, by method, route template and status",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: "taskbridge_web_http_request_duration_seconds",
      help: "Time to answer an HTTP request, by method, route template and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    authRequests: new Counter({
      name: "taskbridge_auth_requests_total",
      help: "Requests to /api/auth, by Better Auth endpoint template and status",
      labelNames: ["method", "endpoint", "status"],
      registers: [registry],
    }),
    signIns: new Counter({
      name: "taskbridge_sign_ins_total",
      help: "Sign-ins with email and password, by outcome",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    pool: undefined,
  };
  // Every outcome from zero, so a rate over a series that has not happened yet is 0, not absent.
  for (const outcome of SIGN_IN_OUTCOMES) metrics.signIns.inc({ outcome }, 0);
  new Gauge({
    name: "taskbridge_db_pool_waiting",
    help: "Requests waiting for a database connection from the pool",
    registers: [registry],
    collect() {
      this.set(metrics.pool?.waitingCount ?? 0);
    },
  });
  new Gauge({
    name: "taskbridge_db_pool_connections",
    help: "Database connections of the pool, by state",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const pool = metrics.pool;
      this.set({ state: "idle" }, pool?.idleCount ?? 0);
      this.set({ state: "busy" }, pool ? pool.totalCount - pool.idleCount : 0);
    },
  });
  return metrics;
}

/** Counts what an auth event tells the metrics (sign-ins by outcome). */
export function countAuthEvent(event: AuthEvent): void {
  if (event.event === "sign-in") webMetrics().signIns.inc({ outcome: "success" });
  else if (event.event === "sign-in-failed")
    webMetrics().signIns.inc({ outcome: event.reason ?? "error" });
}

/** This process's series, made on first use. */
export function webMetrics(): WebMetrics {
  globalForMetrics.taskbridgeWebMetrics ??= create();
  return globalForMetrics.taskbridgeWebMetrics;
}

/**
 * The answer to `GET /metrics`: the series in Prometheus' text format for a request with
 * `Authorization: Bearer <token>`, or undefined (the caller answers as for an unknown path).
 */
export async function metricsResponse(
  request: Request,
  token: string | undefined,
): Promise<Response | undefined> {
  if (!metricsAllowed(request.headers.get("authorization"), token)) return undefined;
  const { registry } = webMetrics();
  return new Response(await registry.metrics(), {
    headers: { "content-type": registry.contentType, "cache-control": "no-store" },
  });
}
