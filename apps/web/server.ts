// The production web server: Next.js behind a plain Node HTTP server, so that the client
// address Better Auth limits by comes from the socket (or from TRUSTED_PROXIES' forwarding),
// never from a header a client made up. `next start` would keep a client's X-Forwarded-For.
import http from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";
import next from "next";
import { parseTrustedProxies, setClientAddress } from "@taskbridge/auth/client-address";
import { closeConnectionsWhenDone } from "@taskbridge/shared/http-close";

// The same flags as `next start`.
const { values } = parseArgs({
  options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } },
});
const port = Number(values.port ?? 3000);
const hostname = values.hostname ?? "127.0.0.1";
const trustedProxies = parseTrustedProxies(process.env.TRUSTED_PROXIES);

const app = next({
  dev: false,
  dir: path.dirname(new URL(import.meta.url).pathname),
  hostname,
  port,
});
const handle = app.getRequestHandler();
await app.prepare();

const server = http.createServer((request, response) => {
  setClientAddress(request, trustedProxies);
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
