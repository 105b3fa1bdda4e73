// The production web server: Next.js behind a plain Node HTTP server, so that the client
// address Better Auth limits by comes from the socket (or from TRUSTED_PROXIES' forwarding),
// never from a header a client made up. `next start` would keep a client's X-Forwarded-For.
// It also drains on SIGTERM (see @taskbridge/shared/drain), which `next start` does not do the
// way a balancer needs, and answers `/readyz` itself, outside Next and Better Auth's limiter.
import { readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";
import next from "next";
import {
  parseTrustedProxies,
  setClientAddress,
  setRequestId,
} from "@taskbridge/auth/client-address";
import { Drain, drainSettings, stopOnSignals } from "@taskbridge/shared/drain";
import { closeConnectionsWhenDone } from "@taskbridge/shared/http-close";
import { webMetrics } from "./src/lib/metrics.ts";
import { routeLabeler, type RoutesManifest } from "./src/lib/route-label.ts";

// The same flags as `next start`.
const { values } = parseArgs({
  options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } },
});
const port = Number(values.port ?? 3000);
const hostname = values.hostname ?? "127.0.0.1";
const trustedProxies = parseTrustedProxies(process.env.TRUSTED_PROXIES);
let settings;
try {
  settings = drainSettings(process.env);
} catch (error) {
  console.error(`The web app's configuration is invalid:\n${(error as Error).message}`);
  process.exit(1);
}
const drain = new Drain();

const dir = path.dirname(new URL(import.meta.url).pathname);
const app = next({
  dev: false,
  dir,
  hostname,
  port,
});
const handle = app.getRequestHandler();
await app.prepare();

// Requests are counted and timed by the route Next serves them with (its build's manifest), so
// a path's ids and tokens never become labels.
const routeOf = routeLabeler(
  JSON.parse(
    await readFile(path.join(dir, ".next/routes-manifest.json"), "utf8"),
  ) as RoutesManifest,
);
const metrics = webMetrics();

const server = http.createServer((request, response) => {
  // Draining: this answer closes its connection, so the next request opens one to another copy.
  if (drain.draining) response.setHeader("connection", "close");
  // Readiness for a load balancer: 503 from the first stop signal on. Liveness of the auth
  // routes stays at /api/auth/ok (outside the rate limiter too).
  if (request.url === "/readyz" && (request.method === "GET" || request.method === "HEAD")) {
    const status = drain.draining ? 503 : 200;
    response.writeHead(status, {
      "content-type": "application/json",
      "cache-control": "no-store",
      ...(status === 503 ? { "retry-after": "2" } : {}),
    });
    response.end(
      request.method === "HEAD"
        ? undefined
        : JSON.stringify({ status: drain.draining ? "draining" : "ready" }),
    );
    return;
  }
  setClientAddress(request, trustedProxies);
  // The id the auth-event log names this request by, also told to the client.
  response.setHeader("x-request-id", setRequestId(request, trustedProxies));
  const started = process.hrtime.bigint();
  response.once("close", () => {
    const labels = {
      method: request.method ?? "GET",
      route: routeOf((request.url ?? "/").split("?")[0] ?? "/"),
      status: String(response.statusCode),
    };
    metrics.requests.inc(labels);
    metrics.requestDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
  });
  void handle(request, response);
});
const closeConnections = closeConnectionsWhenDone(server);
server.listen(port, hostname, () => {
  console.log(`web app listening on http://${hostname}:${port}`);
});

stopOnSignals({
  server,
  drain,
  settings,
  close: () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      closeConnections();
    }),
  log: { info: (message) => console.log(message), warn: (message) => console.warn(message) },
});
