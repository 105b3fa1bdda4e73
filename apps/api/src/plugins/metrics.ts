import fp from "fastify-plugin";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { metricsAllowed } from "@taskbridge/shared/metrics-access";

/** The route label of a request no route matched (404s, paths the router refused). */
export const UNMATCHED_ROUTE = "unmatched";

/**
 * Token refusal reasons as counted: the verifier's reasons, some of which name what the client
 * sent (an `alg`, a header field), folded into a fixed set so no client can make new series.
 */
export function refusalReasonLabel(reason: string): string {
  if (reason.startsWith("expired")) return "expired";
  if (reason.startsWith("alg ")) return "alg not allowed";
  if (reason.startsWith("token header carries")) return "forbidden header field";
  if (reason.startsWith("claim iss")) return "wrong issuer";
  if (reason.startsWith("claim aud")) return "wrong audience";
  if (reason.startsWith("claim nbf")) return "not yet valid";
  if (reason.startsWith("claim iat")) return "issued in the future";
  if (KNOWN_REASONS.has(reason)) return reason;
  return "other";
}

const KNOWN_REASONS = new Set([
  "no token",
  "not a bearer token",
  "token in query string",
  "token over 8 KiB",
  "token is not a compact JWS",
  "token header is not valid JSON",
  "token header has no usable kid",
  "unknown kid",
  "bad signature",
  "token payload is not valid JSON",
  "claims have the wrong type",
  "token of a deleted user",
  "grant revoked",
  "revoked",
]);

const REQUEST_DURATION = "taskbridge_http_request_duration_seconds";

/** A `collect` that sets a counter to the observation counts of `histogram`, by label set. */
function countsOf(histogram: Histogram<"method" | "route" | "status">) {
  return async function collect(this: Counter<"method" | "route" | "status">): Promise<void> {
    const { values } = await histogram.get();
    this.reset();
    for (const value of values) {
      if (value.metricName === `${REQUEST_DURATION}_count`) this.inc(value.labels, value.value);
    }
  };
}

/** Prometheus series of one API instance (defaults such as event-loop delay are per process). */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly requestDuration = new Histogram({
    name: REQUEST_DURATION,
    help: "Time to answer an HTTP request, by method, route template and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  /**
   * Every answer is observed once by `requestDuration`, whose count per label set is exactly
   * this counter: it is read from there on each scrape rather than counted a second time on
   * every request (each count costs prom-client a label check and a key built from the labels).
   */
  readonly requests = new Counter({
    name: "taskbridge_http_requests_total",
    help: "HTTP requests answered, by method, route template and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
    collect: countsOf(this.requestDuration),
  });
  readonly tokenRefusals = new Counter({
    name: "taskbridge_token_refusals_total",
    help: "Requests refused 401 for their token, by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly remindersSent = new Counter({
    name: "taskbridge_reminders_sent_total",
    help: "Reminders this copy marked as sent and announced",
    registers: [this.registry],
  });
  /**
   * Default task list requests answered with the page kept from before, and read anew: plain
   * numbers on the request path, given to the counter below on each scrape.
   */
  readonly pageCache = { hits: 0, misses: 0 };
  /** Read on each scrape: the number of open event streams (set by the events routes). */
  openStreams: () => number = () => 0;

  constructor(pool: {
    readonly waitingCount: number;
    readonly totalCount: number;
    readonly idleCount: number;
  }) {
    const streams = () => this.openStreams();
    const pages = this.pageCache;
    new Counter({
      name: "taskbridge_page_cache_requests_total",
      help: "Default task list requests answered with the page kept from before (hit) or read anew (miss)",
      labelNames: ["result"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc({ result: "hit" }, pages.hits);
        this.inc({ result: "miss" }, pages.misses);
      },
    });
    new Gauge({
      name: "taskbridge_event_streams_open",
      help: "Event streams (/api/events) open on this copy",
      registers: [this.registry],
      collect() {
        this.set(streams());
      },
    });
    new Gauge({
      name: "taskbridge_db_pool_waiting",
      help: "Requests waiting for a database connection from the pool",
      registers: [this.registry],
      collect() {
        this.set(pool.waitingCount);
      },
    });
    new Gauge({
      name: "taskbridge_db_pool_connections",
      help: "Database connections of the pool, by state",
      labelNames: ["state"] as const,
      registers: [this.registry],
      collect() {
        this.set({ state: "idle" }, pool.idleCount);
        this.set({ state: "busy" }, pool.totalCount - pool.idleCount);
      },
    });
  }

  refused(reason: string): void {
    this.tokenRefusals.inc({ reason: refusalReasonLabel(reason) });
  }

  async text(): Promise<string> {
    return (await Registry.merge([processRegistry(), this.registry]).metrics()) + "\n";
  }
}

const globalForMetrics = globalThis as unknown as { taskbridgeProcessMetrics?: Registry };

/** Node's own series (event-loop delay, heap, GC, CPU): once per process, however many apps. */
function processRegistry(): Registry {
  if (!globalForMetrics.taskbridgeProcessMetrics) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    globalForMetrics.taskbridgeProcessMetrics = registry;
  }
  return globalForMetrics.taskbridgeProcessMetrics;
}

declare module "fastify" {
  interface FastifyInstance {
    metrics: ApiMetrics;
  }
}

/**
 * Counts and times every answer by its route's template (`/api/tasks/:id`, never the path the
 * client sent, which holds ids), and serves `GET /metrics` in Prometheus' text format, only to
 * `Authorization: Bearer $METRICS_TOKEN`; without the token, or with none configured, the
 * answer is the same 404 as for any unknown path.
 */
export const metricsPlugin = fp(
  async (app) => {
    const metrics = new ApiMetrics(app.pool);
    app.decorate("metrics", metrics);
    processRegistry();

    app.addHook("onResponse", (request, reply, done) => {
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status: String(reply.statusCode),
      };
      metrics.requestDuration.observe(labels, reply.elapsedTime / 1000);
      done();
    });

    const token = app.config.metricsToken;
    if (!token) return;
    app.get("/metrics", { schema: { hide: true } }, async (request, reply) => {
      if (!metricsAllowed(request.headers.authorization, token)) return reply.callNotFound();
      const text = await metrics.text();
      return reply
        .header("content-type", metrics.registry.contentType)
        .header("cache-control", "no-store")
        .send(text);
    });
  },
  { name: "metrics" },
);
