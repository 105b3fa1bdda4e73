// Raw HTTP over a real socket, for requests no HTTP client will send as written: encoded paths,
// absolute-form targets, bodies trickled byte by byte, request lines that never end.
import net from "node:net";
import type { FastifyInstance } from "fastify";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Starts `app` on 127.0.0.1 at a free port and returns the port. */
export async function listenLocal(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  return address.port;
}

export function parseRawResponse(text: string): RawResponse {
  const split = text.indexOf("\r\n\r\n");
  const head = split >= 0 ? text.slice(0, split) : text;
  const [statusLine = "", ...lines] = head.split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = split >= 0 ? text.slice(split + 4) : "";
  if (headers["transfer-encoding"] === "chunked") body = dechunk(body);
  return { status, headers, body };
}

function dechunk(body: string): string {
  let out = "";
  let rest = body;
  for (;;) {
    const end = rest.indexOf("\r\n");
    if (end < 0) return out;
    const size = parseInt(rest.slice(0, end), 16);
    if (!size) return out;
    out += rest.slice(end + 2, end + 2 + size);
    rest = rest.slice(end + 2 + size + 2);
  }
}

/** Writes `request` exactly as given and reads until the server closes the connection. */
export function rawRequest(port: number, request: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(parseRawResponse(text)));
    socket.write(request);
    // Safety net for a server that never answers; the tests assert on what arrived.
    socket.setTimeout(20_000, () => socket.destroy());
  });
}

/** A GET (or other bodiless request) to `target` with `Connection: close`, written as is. */
export function rawGet(
  port: number,
  target: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<RawResponse> {
  const lines = [`${method} ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, "Connection: close"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return rawRequest(port, `${lines.join("\r\n")}\r\n\r\n`);
}
