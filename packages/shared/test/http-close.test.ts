// A closing server and the connections clients hold open, as browsers do: nothing may keep it
// from stopping once no answer is lost by stopping.
import http from "node:http";
import net from "node:net";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { closeConnectionsWhenDone } from "../src/http-close.ts";

const servers: http.Server[] = [];
const sockets: net.Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) server.closeAllConnections();
});

/** A server with the closing above, the port it listens on, and a promise of its close. */
async function serve(handler: http.RequestListener) {
  // Idle connections kept for minutes, as Fastify keeps them (72 s): nothing ends one by itself
  // within a test.
  const server = http.createServer({ keepAliveTimeout: 120_000 }, handler);
  servers.push(server);
  const closeConnections = closeConnectionsWhenDone(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  const closed = new Promise<void>((resolve) => server.once("close", () => resolve()));
  const close = () => {
    server.close();
    closeConnections();
  };
  return { port, close, closed };
}

/** A raw connection that, like a browser's, stays open until the server ends it. */
async function connect(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  sockets.push(socket);
  socket.setEncoding("utf8");
  let received = "";
  socket.on("data", (chunk: string) => (received += chunk));
  const ended = new Promise<string>((resolve) => socket.once("close", () => resolve(received)));
  await once(socket, "connect");
  return { socket, ended, received: () => received };
}

const request = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n";

describe("closing a server", () => {
  it("ends a connection that has sent nothing yet, and one idle after an answer", async () => {
    const { port, close, closed } = await serve((_request, response) => response.end("ok"));
    const unused = await connect(port);
    const used = await connect(port);
    used.socket.write(request);
    await expect.poll(() => used.received()).toContain("\r\n\r\nok");
    close();
    await closed;
    expect(await unused.ended).toBe("");
    expect(await used.ended).toMatch(/^HTTP\/1\.1 200 /);
  });

  it("answers a request in flight, saying that the connection closes, then ends it", async () => {
    let answer = () => {};
    let handled = () => {};
    const inHandler = new Promise<void>((resolve) => (handled = resolve));
    const { port, close, closed } = await serve((_request, response) => {
      answer = () => response.end("late");
      handled();
    });
    const client = await connect(port);
    client.socket.write(request);
    await inHandler;
    close();
    answer();
    const text = await client.ended;
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text.toLowerCase()).toContain("connection: close");
    expect(text).toMatch(/late$/);
    await closed;
  });

  it("ends a stream's connection when the stream ends", async () => {
    let endStream = () => {};
    const { port, close, closed } = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("event: ready\ndata: {}\n\n");
      endStream = () => response.end();
    });
    const client = await connect(port);
    client.socket.write(request);
    await expect.poll(() => client.received()).toContain("event: ready");
    close();
    endStream();
    expect(await client.ended).toContain("event: ready");
    await closed;
  });
});
