// The production web server: Next.js behind a plain Node HTTP server, so that the client
// address Better Auth limits by comes from the socket (or from TRUSTED_PROXIES' forwarding),
// never from a header a client made up. `next start` would keep a client's X-Forwarded-For.
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

const stop = () => {
  server.close(() => process.exit(0));
  closeConnections();
  setTimeout(() => {
    console.warn("requests still open after 5 seconds; stopping without them");
    process.exit(0);
  }, 5000).unref();
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
