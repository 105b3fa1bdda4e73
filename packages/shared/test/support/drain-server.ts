// A plain HTTP server that drains as both apps do (stopOnSignals), for drain.test.ts: `/readyz`
// says 503 while draining, `/slow` answers after 600 ms, and it prints "listening <port>".
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Drain, drainSettings, stopOnSignals } from "../../src/drain.ts";

const drain = new Drain();
const server = http.createServer((request, response) => {
  if (drain.draining) response.setHeader("connection", "close");
  if (request.url === "/readyz") {
    response.statusCode = drain.draining ? 503 : 200;
    response.end(drain.draining ? "draining" : "ready");
  } else if (request.url === "/slow") {
    setTimeout(() => response.end("slow"), 600);
  } else {
    response.end("ok");
  }
});
stopOnSignals({
  server,
  drain,
  settings: drainSettings(process.env),
  close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  log: { info: (message) => console.log(message), warn: (message) => console.warn(message) },
});
server.listen(0, "127.0.0.1", () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});
