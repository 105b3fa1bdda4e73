// Slow clients over a real socket: a request line that never ends and a body trickled a byte at a
// time are cut by the configured timeouts, with or without a token, while an event stream (whose
// request is complete) stays open past them.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { task } from "@taskbridge/db/schema";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { listenLocal } from "./support/raw-http.ts";

const database = await useTestDatabase();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes `head`, then `trickle` one byte every `everyMs`, and reports how many trickled bytes
 * were written before the server closed the connection (or all of them, if it never did).
 */
async function trickle(
  port: number,
  head: string,
  trickleBytes: string,
  everyMs: number,
): Promise<{ written: number; closed: boolean; reply: string }> {
  const socket = net.connect(port, "127.0.0.1");
  let closed = false;
  let reply = "";
  socket.on("data", (chunk: Buffer) => (reply += chunk.toString("latin1")));
  socket.on("close", () => (closed = true));
  socket.on("error", () => (closed = true));
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  socket.write(head);
  let written = 0;
  for (const byte of trickleBytes) {
    await sleep(everyMs);
    if (closed) break;
    socket.write(byte);
    written += 1;
  }
  if (!closed) socket.destroy();
  return { written, closed, reply };
}

// Each case waits out a timeout on its own connection, so they wait side by side.
describe.concurrent("slow clients", () => {
  let t: TestApp;
  let port: number;
  let token: string;
  let owner: string;

  beforeAll(async () => {
    t = await buildTestApp({
      databaseUrl: database.url,
      mode: "hs256",
      env: {
        API_HEADERS_TIMEOUT_MS: "1500",
        API_REQUEST_TIMEOUT_MS: "2500",
        API_IDLE_TIMEOUT_MS: "3000",
      },
    });
    owner = await t.createUser();
    token = await t.tokenFor(owner);
    port = await listenLocal(t.app);
  });
  afterAll(() => t.close());

  // 60 bytes at one every 500 ms would take 30 s: far past every configured timeout.
  const slowBytes = "x".repeat(60);

  it.each([
    ["without a token", () => ""],
    ["with a token", () => `Authorization: Bearer ${token}\r\n`],
  ])("cuts a body trickled one byte at a time, %s", async (_name, auth) => {
    const head =
      `POST /api/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${slowBytes.length}\r\n${auth()}\r\n`;
    const outcome = await trickle(port, head, slowBytes, 500);
    expect(outcome.closed).toBe(true);
    expect(outcome.written).toBeLessThan(slowBytes.length);
    expect(outcome.reply).not.toMatch(/^HTTP\/1\.1 2/);
  });

  it("cuts a request line that never ends", async () => {
    const outcome = await trickle(port, "GET /api/tasks?q=", slowBytes, 500);
    expect(outcome.closed).toBe(true);
    expect(outcome.written).toBeLessThan(slowBytes.length);
  });

  it("cuts headers that never end, even with a token", async () => {
    const head = `GET /api/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nX-Slow: `;
    const outcome = await trickle(port, head, slowBytes, 500);
    expect(outcome.closed).toBe(true);
    expect(outcome.written).toBeLessThan(slowBytes.length);
  });

  it("closes a connection that sends nothing", async () => {
    const socket = net.connect(port, "127.0.0.1");
    const closed = await new Promise<boolean>((resolve) => {
      const giveUp = setTimeout(() => resolve(false), 20_000);
      socket.on("error", () => undefined);
      // Read whatever arrives, so that the server's end of the connection is seen.
      socket.resume();
      socket.on("close", () => {
        clearTimeout(giveUp);
        resolve(true);
      });
    });
    socket.destroy();
    expect(closed).toBe(true);
  });

  it("keeps an event stream open past the timeouts and delivers to it", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/api/events`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
    if (!reader) throw new Error("no body");
    const decoder = new TextDecoder();
    let text = "";
    // Past the request, headers and idle timeouts (3 s) before anything is sent to the stream.
    await sleep(4000);
    const [created] = await t.db.insert(task).values({ userId: owner, title: "late" }).returning();
    for (let i = 0; i < 50 && !text.includes(created?.id ?? "?"); i++) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
    await reader.cancel();
    expect(text).toContain(`"id":"${created?.id}"`);
  });
});
