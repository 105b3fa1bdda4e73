// Draining on SIGTERM, as both apps do it: readiness 503 at once while the server still listens,
// answers that close their connection, requests in flight finished, exit 0; a second signal
// changes nothing, and the drain is bounded.
import { spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Drain, drainSettings } from "../src/drain.ts";

const script = path.join(import.meta.dirname, "support/drain-server.ts");

function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const port = new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearInterval(timer);
        resolve(Number(match[1]));
      }
    }, 20);
    child.once("exit", () => {
      clearInterval(timer);
      reject(new Error(`exited before listening:\n${output}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { child, port, exited, output: () => output };
}

function get(port: number, pathname: string, agent?: http.Agent) {
  return new Promise<{ status?: number; connection?: string; body: string }>((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: pathname, agent }, (response) => {
        let body = "";
        response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode, connection: response.headers.connection, body }),
        );
      })
      .on("error", reject);
  });
}

describe("Drain", () => {
  it("tells its listeners once, and a late listener at once", () => {
    const drain = new Drain();
    const heard: string[] = [];
    drain.onDrain(() => heard.push("early"));
    const off = drain.onDrain(() => heard.push("gone"));
    off();
    drain.begin();
    drain.begin();
    drain.onDrain(() => heard.push("late"));
    expect(heard).toEqual(["early", "late"]);
    expect(drain.draining).toBe(true);
  });

  it("reads its settings, the delay bounded by the timeout", () => {
    expect(drainSettings({})).toEqual({ delayMs: 2000, timeoutMs: 10_000 });
    expect(drainSettings({ DRAIN_DELAY_MS: "5000", DRAIN_TIMEOUT_MS: "1000" })).toEqual({
      delayMs: 1000,
      timeoutMs: 1000,
    });
    expect(() => drainSettings({ DRAIN_TIMEOUT_MS: "soon" })).toThrow(/DRAIN_TIMEOUT_MS/);
  });
});

describe("a server that drains on SIGTERM", () => {
  it("says 503 while it still listens, finishes what is in flight, and exits 0 once", async () => {
    const server = startServer({ DRAIN_DELAY_MS: "800" });
    const port = await server.port;
    const agent = new http.Agent({ keepAlive: true });
    expect((await get(port, "/readyz", agent)).status).toBe(200);
    const slow = get(port, "/slow", agent);
    await new Promise((resolve) => setTimeout(resolve, 100));
    server.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The terminal's Ctrl-C and a supervisor's relay: a second signal must not cut the drain.
    server.child.kill("SIGTERM");
    const readiness = await get(port, "/readyz");
    expect(readiness).toEqual({ status: 503, connection: "close", body: "draining" });
    expect(await get(port, "/other")).toEqual({ status: 200, connection: "close", body: "ok" });
    expect(await slow).toMatchObject({ status: 200, body: "slow" });
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain("drained; exiting");
    agent.destroy();
  });

  it("gives up on a request still open at DRAIN_TIMEOUT_MS and exits 1", async () => {
    const server = startServer({ DRAIN_DELAY_MS: "0", DRAIN_TIMEOUT_MS: "300" });
    const port = await server.port;
    const slow = get(port, "/slow").catch(() => "cut");
    await new Promise((resolve) => setTimeout(resolve, 50));
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(1);
    expect(await slow).toBe("cut");
    expect(server.output()).toContain("requests still open after 300 ms");
  });
});
